// libFuzzer target: arbitrary bytes through the HTTP request path a connection takes, without the
// network. parse_request() runs Beast's request parser with the server's limits and the server's
// conversion to tanso::http::Request; every parsed request (pipelined ones too) then goes through
// Server::dispatch() with a few routes. Checks, beyond "no crash, no sanitizer report":
// - a parse error is 400, 413 or 431 with a JSON error body; dispatch answers 200..599;
// - every error body is {"error":{"code":"<known code>",...}} and valid UTF-8;
// - {param} captures are non-empty and free of nothing the router should have split on;
// - percent_decode(percent_encode(x)) == x.
//
// Run: fuzz_http_request -max_len=65536 corpus_dir fuzz/corpus/http_request
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

#include "http/server.h"

namespace {

using tanso::http::Options;
using tanso::http::Request;
using tanso::http::Response;
using tanso::http::Server;

void check(bool ok) {
  if (!ok) std::abort();
}

bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xE  ? 3
                 : (c >> 3) == 0x1E ? 4
                                    : 0;
    if (len == 0 || i + len > s.size()) return false;
    for (size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += len;
  }
  return true;
}

void check_error_body(const Response& r) {
  check(r.content_type == "application/json");
  check(r.body.rfind("{\"error\":{\"code\":\"", 0) == 0);
  check(r.body.size() >= 2 && r.body.compare(r.body.size() - 2, 2, "}}") == 0);
  check(valid_utf8(r.body));
}

Response echo(const Request& req) {
  Response r;
  r.content_type = "text/plain";
  for (const auto& [name, value] : req.params) {
    check(!value.empty());
    r.body += name + "=" + value + ";";
  }
  for (const auto& [name, value] : req.query) {
    check(!name.empty());
    r.body += name + "?" + value + ";";
  }
  r.body += req.body;
  // Also let the fuzzer steer the response itself into the sanitizer.
  std::string status = req.header("x-status");
  if (!status.empty() && status.size() < 6 &&
      status.find_first_not_of("0123456789") == std::string::npos) {
    r.status = std::stoi(status);
  }
  r.headers.emplace_back("X-Handler", "1");
  std::string h = req.header("x-echo");
  if (!h.empty()) r.headers.emplace_back(h, req.header("x-echo-value"));
  return r;
}

const Server& server() {
  static Server* s = [] {
    auto* srv = new Server(Options{});
    srv->route("GET", "/v1/blocks/{height}", echo);
    srv->route("GET", "/v1/blocks/latest", echo);
    srv->route("GET", "/v1/accounts/{id}/holdings/{instrument}", echo);
    srv->route("POST", "/v1/tx", echo);
    srv->route("PUT", "/v1/tx", echo);
    srv->route("GET", "/", echo);
    srv->route("POST", "/throw",
               [](const Request& req) -> Response { throw std::runtime_error(req.body); });
    srv->stream("/v1/events", [](const Request&, tanso::http::EventSink&) {});
    return srv;  // never started: dispatch() only
  }();
  return *s;
}

void run(std::string_view bytes, const Options& opts) {
  // Up to 8 pipelined requests, as one keep-alive connection would read them.
  for (int n = 0; n < 8 && !bytes.empty(); ++n) {
    tanso::http::ParsedRequest p = tanso::http::parse_request(bytes, opts, "fuzz");
    check(!(p.request && p.error));
    if (p.error) {
      check(p.error->status == 400 || p.error->status == 413 || p.error->status == 431);
      check_error_body(*p.error);
      return;
    }
    if (!p.request) return;  // incomplete
    check(p.bytes_used > 0 && p.bytes_used <= bytes.size());
    check(p.request->body.size() <= opts.body_bytes_max);
    Response r = server().dispatch(*p.request);
    check(r.status >= 200 && r.status <= 599);
    if (r.header("x-handler").empty()) {
      check(r.status >= 400);  // the router's own answers are all errors here
      check_error_body(r);
    }
    for (const auto& [name, value] : r.headers) {
      check(name.find_first_of("\r\n: ") == std::string::npos);
      check(value.find_first_of("\r\n") == std::string::npos);
    }
    bytes.remove_prefix(p.bytes_used);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);

  run(bytes, Options{});  // the server's defaults
  Options tight;          // limits small enough for the fuzzer to cross
  tight.body_bytes_max = 64;
  tight.header_bytes_max = 256;
  run(bytes, tight);

  std::string enc = tanso::http::percent_encode(bytes);
  check(enc.find_first_not_of(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~%") ==
        std::string::npos);
  check(tanso::http::percent_decode(enc, false) == bytes);
  check(tanso::http::percent_decode(enc, true) == bytes);

  Response e = tanso::http::error_response(500, "fuzz.code", bytes);
  check_error_body(e);
  return 0;
}
