// Blocking HTTP/1.1 client on Boost.Beast; see client.h. Sockets are non-blocking underneath so
// that connect, reads and writes honour timeouts (socket_io.h).

#include "http/client.h"

#include <poll.h>
#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <cstdint>
#include <limits>
#include <stdexcept>

#include "http/socket_io.h"

namespace tanso::http {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using detail::error_code;
using detail::TimedSocket;
using tcp = asio::ip::tcp;

constexpr std::uint32_t response_header_bytes_max = 1024 * 1024;
constexpr size_t error_body_bytes_max = 4096;  // of a refused stream, quoted in the exception

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool is_token_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

void check_request_line(std::string_view method, std::string_view target) {
  bool method_ok = !method.empty();
  for (char c : method) method_ok = method_ok && is_token_char(c);
  if (!method_ok) throw std::invalid_argument("bad HTTP method '" + std::string(method) + "'");
  bool target_ok = !target.empty();
  for (char c : target) {
    auto u = static_cast<unsigned char>(c);
    target_ok = target_ok && u > 0x20 && u != 0x7f;
  }
  if (!target_ok) {
    throw std::invalid_argument("bad request target '" + std::string(target) +
                                "' (percent-encode spaces and control characters)");
  }
}

void check_header(const std::pair<std::string, std::string>& h) {
  bool ok = !h.first.empty();
  for (char c : h.first) ok = ok && is_token_char(c);
  for (char c : h.second) {
    auto u = static_cast<unsigned char>(c);
    ok = ok && (u >= 0x20 || c == '\t') && u != 0x7f;
  }
  if (!ok) throw std::invalid_argument("bad request header '" + h.first + "'");
}

// Connects with a timeout (Asio's blocking connect has none). Returns a non-blocking socket
// with TCP_NODELAY.
tcp::socket connect_to(asio::io_context& io, const Endpoint& ep, unsigned timeout_ms) {
  const std::string where = ep.to_string();
  error_code ec;
  std::vector<tcp::endpoint> candidates;
  asio::ip::address address = asio::ip::make_address(ep.host, ec);
  if (!ec) {
    candidates.emplace_back(address, ep.port);
  } else {
    tcp::resolver resolver(io);
    auto results = resolver.resolve(ep.host, std::to_string(ep.port), ec);
    if (ec) throw std::runtime_error("cannot connect to " + where + ": " + ec.message());
    for (const auto& r : results) candidates.push_back(r.endpoint());
  }
  error_code last = asio::error::host_not_found;
  for (const tcp::endpoint& target : candidates) {
    tcp::socket s(io);
    s.open(target.protocol(), ec);
    if (!ec) s.non_blocking(true, ec);
    if (ec) {
      last = ec;
      continue;
    }
    const int fd = s.native_handle();
    if (::connect(fd, target.data(), static_cast<socklen_t>(target.size())) != 0) {
      if (errno != EINPROGRESS) {
        last = error_code(errno, boost::system::system_category());
        continue;
      }
      pollfd p{fd, POLLOUT, 0};
      int r;
      do {
        r = ::poll(&p, 1, timeout_ms == 0 ? -1 : static_cast<int>(timeout_ms));
      } while (r < 0 && errno == EINTR);
      if (r == 0) {
        last = asio::error::timed_out;
        continue;
      }
      int err = 0;
      socklen_t len = sizeof err;
      if (r < 0)
        err = errno;
      else if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
        err = errno;
      if (err != 0) {
        last = error_code(err, boost::system::system_category());
        continue;
      }
    }
    s.set_option(tcp::no_delay(true), ec);
    return s;
  }
  throw std::runtime_error("cannot connect to " + where + ": " + last.message());
}

bhttp::request<bhttp::string_body> make_request(std::string_view method, std::string_view target,
                                                std::string_view body, const Headers& headers,
                                                const std::string& host) {
  check_request_line(method, target);
  bhttp::request<bhttp::string_body> req;
  req.method_string(beast::string_view(method.data(), method.size()));
  req.target(beast::string_view(target.data(), target.size()));
  req.version(11);
  req.set(bhttp::field::host, host);
  req.set(bhttp::field::user_agent, "tanso-http-client");
  bool has_content_type = false;
  for (const auto& h : headers) {
    check_header(h);
    req.insert(beast::string_view(h.first), beast::string_view(h.second));
    if (lower(h.first) == "content-type") has_content_type = true;
  }
  if (!body.empty() && !has_content_type) req.set(bhttp::field::content_type, "application/json");
  req.body().assign(body.data(), body.size());
  req.keep_alive(true);
  req.prepare_payload();
  return req;
}

// The stale-connection errors worth one retry on a fresh connection.
bool is_stale(const error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == bhttp::error::partial_message;
}

// Incremental text/event-stream parser (the WHATWG "event stream interpretation", minus retry).
class SseParser {
 public:
  using Callback = std::function<bool(std::string_view, std::string_view)>;
  explicit SseParser(size_t line_bytes_max) : line_bytes_max_(line_bytes_max) {}

  // False once the callback asked to stop.
  bool feed(std::string_view bytes, const Callback& on_event) {
    for (char c : bytes) {
      if (after_cr_) {
        after_cr_ = false;
        if (c == '\n') continue;  // the LF of a CRLF
      }
      if (c == '\r' || c == '\n') {
        after_cr_ = c == '\r';
        bool keep_going = end_line(on_event);
        line_.clear();
        if (!keep_going) return false;
        continue;
      }
      if (line_.size() >= line_bytes_max_) {
        throw std::runtime_error("event stream line longer than " +
                                 std::to_string(line_bytes_max_) + " bytes");
      }
      line_ += c;
    }
    return true;
  }

 private:
  bool end_line(const Callback& on_event) {
    if (line_.empty()) return dispatch(on_event);
    if (line_[0] == ':') return true;  // comment
    size_t colon = line_.find(':');
    std::string_view name = std::string_view(line_).substr(0, colon);
    std::string_view value;
    if (colon != std::string::npos) {
      value = std::string_view(line_).substr(colon + 1);
      if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
    }
    if (name == "event") {
      event_.assign(value);
    } else if (name == "data") {
      if (data_.size() + value.size() >= line_bytes_max_) {
        throw std::runtime_error("event stream event longer than " +
                                 std::to_string(line_bytes_max_) + " bytes");
      }
      data_.append(value);
      data_ += '\n';
    }
    return true;  // "id", "retry" and unknown fields are ignored
  }

  bool dispatch(const Callback& on_event) {
    if (data_.empty()) {
      event_.clear();
      return true;
    }
    data_.pop_back();  // the '\n' after the last data line
    bool keep_going = on_event(event_.empty() ? std::string_view("message") : event_, data_);
    event_.clear();
    data_.clear();
    return keep_going;
  }

  size_t line_bytes_max_;
  std::string line_;
  std::string event_;
  std::string data_;
  bool after_cr_ = false;
};

}  // namespace

std::string Endpoint::to_string() const {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

std::optional<Endpoint> parse_endpoint(std::string_view text, std::string* error,
                                       unsigned short default_port) {
  auto fail = [&](const std::string& why) -> std::optional<Endpoint> {
    if (error != nullptr) *error = "bad address '" + std::string(text) + "': " + why;
    return std::nullopt;
  };
  std::string_view rest = text;
  size_t scheme_end = rest.find("://");
  if (scheme_end != std::string_view::npos) {
    if (lower(rest.substr(0, scheme_end)) != "http") return fail("only http:// is supported");
    rest = rest.substr(scheme_end + 3);
    size_t slash = rest.find('/');
    if (slash != std::string_view::npos) {
      if (rest.substr(slash) != "/") return fail("a path is not allowed here");
      rest = rest.substr(0, slash);
    }
  }
  Endpoint ep;
  std::string_view port_text;
  bool has_port = false;
  if (!rest.empty() && rest[0] == '[') {
    size_t close = rest.find(']');
    if (close == std::string_view::npos) return fail("unclosed '['");
    ep.host = std::string(rest.substr(1, close - 1));
    std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return fail("expected ':' after ']'");
      port_text = after.substr(1);
      has_port = true;
    }
  } else {
    size_t colon = rest.rfind(':');
    if (colon != std::string_view::npos) {
      if (rest.find(':') != colon) return fail("an IPv6 address needs brackets: [::1]:8080");
      port_text = rest.substr(colon + 1);
      has_port = true;
      rest = rest.substr(0, colon);
    }
    ep.host = std::string(rest);
  }
  if (ep.host.empty()) return fail("no host");
  for (char c : ep.host) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || std::string_view("/?#@[]").find(c) != std::string_view::npos) {
      return fail("bad character in host");
    }
  }
  ep.port = default_port;
  if (has_port) {
    unsigned long port = 0;
    bool ok = !port_text.empty() && port_text.size() <= 5;
    for (char c : port_text) {
      ok = ok && c >= '0' && c <= '9';
      if (ok) port = port * 10 + static_cast<unsigned long>(c - '0');
    }
    if (!ok || port == 0 || port > 65535) return fail("port must be a number from 1 to 65535");
    ep.port = static_cast<unsigned short>(port);
  }
  return ep;
}

struct Client::Impl {
  Endpoint ep;
  ClientOptions opts;
  std::string host_header;
  asio::io_context io;
  std::optional<tcp::socket> socket;  // the persistent connection
  beast::flat_buffer buffer;

  void drop() {
    if (socket) {
      error_code ignored;
      socket->close(ignored);
      socket.reset();
    }
    buffer.clear();
  }

  std::runtime_error failure(std::string_view method, std::string_view target,
                             const error_code& ec) const {
    std::string what = std::string(method) + " " + std::string(target) + " to " + ep.to_string();
    if (ec == asio::error::timed_out) {
      return std::runtime_error(what + " timed out after " + std::to_string(opts.timeout_ms) +
                                " ms");
    }
    return std::runtime_error(what + " failed: " + ec.message());
  }
};

Client::Client(std::string host, unsigned short port, ClientOptions opts)
    : Client(Endpoint{std::move(host), port}, opts) {}

Client::Client(const Endpoint& endpoint, ClientOptions opts) : impl_(std::make_unique<Impl>()) {
  impl_->ep = endpoint;
  impl_->opts = opts;
  impl_->host_header = endpoint.to_string();
}

Client::~Client() = default;

void Client::close() { impl_->drop(); }

const Endpoint& Client::endpoint() const { return impl_->ep; }

Response Client::request(std::string_view method, std::string_view target, std::string_view body,
                         const Headers& headers) {
  Impl& m = *impl_;
  bhttp::request<bhttp::string_body> req =
      make_request(method, target, body, headers, m.host_header);
  for (int attempt = 0;; ++attempt) {
    const bool may_retry = m.socket.has_value() && attempt == 0;
    if (!m.socket) {
      m.buffer.clear();
      m.socket.emplace(connect_to(m.io, m.ep, m.opts.timeout_ms));
    }
    TimedSocket s(*m.socket, m.opts.timeout_ms);
    error_code ec;
    bhttp::write(s, req, ec);
    if (ec) {
      m.drop();
      if (may_retry && is_stale(ec)) continue;
      throw m.failure(method, target, ec);
    }
    bhttp::response_parser<bhttp::string_body> parser;
    parser.header_limit(response_header_bytes_max);
    parser.body_limit(static_cast<std::uint64_t>(m.opts.body_bytes_max));
    if (method == "HEAD") parser.skip(true);
    bhttp::read(s, m.buffer, parser, ec);
    if (ec) {
      const bool nothing_received = !parser.got_some();
      m.drop();
      if (may_retry && nothing_received && is_stale(ec)) continue;
      throw m.failure(method, target, ec);
    }
    bhttp::response<bhttp::string_body> msg = parser.release();
    Response res;
    res.status = static_cast<int>(msg.result_int());
    res.content_type = std::string(msg[bhttp::field::content_type]);
    for (const auto& field : msg) {
      res.headers.emplace_back(lower(std::string(field.name_string())), std::string(field.value()));
    }
    res.body = std::move(msg.body());
    if (!msg.keep_alive()) m.drop();
    return res;
  }
}

bool Client::open_stream(
    std::string_view target,
    const std::function<bool(std::string_view event, std::string_view data)>& on_event,
    const Headers& headers) {
  Headers all = headers;
  all.emplace_back("Accept", "text/event-stream");
  all.emplace_back("Cache-Control", "no-cache");
  SseParser sse(impl_->opts.stream_line_bytes_max);
  return open_body_stream("GET", target, {}, all,
                          [&](std::string_view bytes) { return sse.feed(bytes, on_event); });
}

bool Client::open_body_stream(std::string_view method, std::string_view target,
                              std::string_view body, const Headers& headers,
                              const std::function<bool(std::string_view bytes)>& on_data) {
  Impl& m = *impl_;
  bhttp::request<bhttp::string_body> req =
      make_request(method, target, body, headers, m.host_header);
  tcp::socket socket = connect_to(m.io, m.ep, m.opts.timeout_ms);
  TimedSocket s(socket, m.opts.timeout_ms);
  error_code ec;
  bhttp::write(s, req, ec);
  if (ec) throw m.failure(method, target, ec);

  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::buffer_body> parser;
  parser.header_limit(response_header_bytes_max);
  // A stream has no length. (Not boost::none: Beast 1.74 compares a Content-Length with an
  // empty optional as "over the limit".)
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  bhttp::read_header(s, buffer, parser, ec);
  if (ec) throw m.failure(method, target, ec);

  char chunk[16 * 1024];
  const unsigned status = parser.get().result_int();
  if (status != 200) {
    std::string text;
    while (!parser.is_done() && text.size() < error_body_bytes_max) {
      parser.get().body().data = chunk;
      parser.get().body().size = sizeof chunk;
      bhttp::read(s, buffer, parser, ec);
      if (ec == bhttp::error::need_buffer) ec = {};
      text.append(chunk, sizeof chunk - parser.get().body().size);
      if (ec) break;
    }
    throw std::runtime_error(std::string(method) + " " + std::string(target) + " to " +
                             m.ep.to_string() + ": HTTP " + std::to_string(status) + " " +
                             text.substr(0, error_body_bytes_max));
  }

  s.set_timeout_ms(m.opts.stream_idle_timeout_ms);
  while (!parser.is_done()) {
    parser.get().body().data = chunk;
    parser.get().body().size = sizeof chunk;
    bhttp::read_some(s, buffer, parser, ec);
    if (ec == bhttp::error::need_buffer) ec = {};
    const size_t n = sizeof chunk - parser.get().body().size;
    if (n > 0 && !on_data(std::string_view(chunk, n))) return true;
    if (ec == asio::error::timed_out) {
      throw std::runtime_error("stream " + std::string(target) + " from " + m.ep.to_string() +
                               ": no data for " + std::to_string(m.opts.stream_idle_timeout_ms) +
                               " ms");
    }
    if (ec) return false;  // reset, or EOF inside a chunked body
  }
  return false;
}

}  // namespace tanso::http
