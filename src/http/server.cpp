// HTTP/1.1 server on Boost.Beast with synchronous I/O; server.h holds the wire contract.
//
// Threads. The acceptor thread poll()s the listening socket in 100 ms ticks, so it also notices
// stop(), reaps finished connection threads and lingers on rejected (503) sockets. Each accepted
// connection gets its own thread, which alone reads, writes and closes its socket. stop() only
// calls ::shutdown() on open descriptors (under Impl::mutex, which the owner holds while closing,
// so a descriptor number is never reused under stop()'s feet); that wakes every blocked
// TimedSocket operation, and EventSink::open() turns false.

#include "http/server.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <deque>
#include <limits>
#include <list>
#include <mutex>
#include <set>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "core/utf8.h"
#include "http/socket_io.h"

namespace tanso::http {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using detail::Clock;
using detail::error_code;
using detail::TimedSocket;
using tcp = asio::ip::tcp;
using BeastRequest = bhttp::request<bhttp::string_body>;
using RequestParser = bhttp::request_parser<bhttp::string_body>;

// How long the acceptor sleeps in poll(): bounds how late it notices stop() without a wake-up.
constexpr int accept_tick_ms = 100;
// Rejected (503) sockets kept open until the peer closes, so that our close does not reset the
// connection before the peer has read the 503: at most this many, for at most this long.
constexpr size_t rejected_lingering_max = 64;
constexpr auto rejected_linger = std::chrono::seconds(1);
// After an error response (400/413/431) the unread rest of the request is drained before closing,
// for the same reason: at most this many bytes, for at most this long.
constexpr size_t error_drain_bytes_max = 1024 * 1024;
constexpr auto error_drain = std::chrono::milliseconds(500);
// User-supplied text (paths, methods) quoted in error messages is clipped to this many bytes.
constexpr size_t quoted_bytes_max = 200;

// ---- text ---------------------------------------------------------------------------------------

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

std::string to_string(beast::string_view s) { return std::string(s.data(), s.size()); }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RFC 7230 tchar: what a method or header name may contain.
bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

// A header value we are willing to put on the wire: no control characters but HTAB.
bool is_field_value(std::string_view s) {
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) return false;
  }
  return true;
}

// A JSON string literal (with quotes) for arbitrary bytes.
std::string json_string(std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = p[i];
    if (c >= 0x80) {
      size_t len = utf8_sequence_length(p + i, s.size() - i);
      if (len == 0) {
        out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
        ++i;
      } else {
        out.append(s.substr(i, len));
        i += len;
      }
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 0xf];
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  out += '"';
  return out;
}

std::string clip(std::string_view s) {
  if (s.size() <= quoted_bytes_max) return std::string(s);
  return std::string(s.substr(0, quoted_bytes_max)) + "...";
}

// ---- targets, queries, patterns -----------------------------------------------------------------

struct TargetParts {
  std::string_view path;   // raw (still percent-encoded)
  std::string_view query;  // raw, without the '?'
};

// Origin-form "/p?q", absolute-form "http://host/p?q"; anything else ("*", "host:443") is kept
// as the path and matches no route.
TargetParts split_target(std::string_view target) {
  size_t hash = target.find('#');
  if (hash != std::string_view::npos) target = target.substr(0, hash);
  for (std::string_view scheme : {std::string_view("http://"), std::string_view("https://")}) {
    if (target.size() >= scheme.size() && iequals(target.substr(0, scheme.size()), scheme)) {
      std::string_view rest = target.substr(scheme.size());
      size_t start = rest.find_first_of("/?");
      if (start == std::string_view::npos) return {"/", {}};
      target = rest.substr(start);
      if (target[0] == '?') return {"/", target.substr(1)};
      break;
    }
  }
  size_t q = target.find('?');
  if (q == std::string_view::npos) return {target, {}};
  return {target.substr(0, q), target.substr(q + 1)};
}

// "a=1&b=x+y&c" -> {a:1, b:"x y", c:""}; empty keys are skipped; the first occurrence wins.
std::map<std::string, std::string> parse_query(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view item = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (item.empty()) continue;
    size_t eq = item.find('=');
    std::string key = percent_decode(item.substr(0, eq), true);
    if (key.empty()) continue;
    std::string value =
        eq == std::string_view::npos ? std::string() : percent_decode(item.substr(eq + 1), true);
    out.emplace(std::move(key), std::move(value));
  }
  return out;
}

// "/a/b%2Fc" -> {"a", "b/c"}: split on the raw '/', then decode, so an encoded slash stays inside
// its segment. Not starting with '/': no segments (matches nothing).
std::optional<std::vector<std::string>> split_path(std::string_view raw_path) {
  if (raw_path.empty() || raw_path[0] != '/') return std::nullopt;
  std::vector<std::string> segments;
  std::string_view rest = raw_path.substr(1);
  for (;;) {
    size_t slash = rest.find('/');
    segments.push_back(percent_decode(rest.substr(0, slash), false));
    if (slash == std::string_view::npos) break;
    rest = rest.substr(slash + 1);
  }
  return segments;
}

struct Pattern {
  std::string text;
  std::vector<std::string> parts;  // literal text, or the parameter name
  std::vector<bool> literal;  // also the specificity key: literal beats {param}, leftmost first
};

Pattern parse_pattern(const std::string& text) {
  if (text.empty() || text[0] != '/') {
    throw std::invalid_argument("route pattern must start with '/': '" + text + "'");
  }
  Pattern p;
  p.text = text;
  std::set<std::string> names;
  std::string_view rest = std::string_view(text).substr(1);
  for (;;) {
    size_t slash = rest.find('/');
    std::string_view seg = rest.substr(0, slash);
    bool braces = seg.find_first_of("{}") != std::string_view::npos;
    if (seg.size() >= 3 && seg.front() == '{' && seg.back() == '}' &&
        seg.substr(1, seg.size() - 2).find_first_of("{}") == std::string_view::npos) {
      std::string name(seg.substr(1, seg.size() - 2));
      if (!names.insert(name).second) {
        throw std::invalid_argument("route pattern repeats {" + name + "}: '" + text + "'");
      }
      p.parts.push_back(std::move(name));
      p.literal.push_back(false);
    } else if (braces) {
      throw std::invalid_argument("route pattern has a bad {param} segment: '" + text + "'");
    } else {
      p.parts.emplace_back(seg);
      p.literal.push_back(true);
    }
    if (slash == std::string_view::npos) break;
    rest = rest.substr(slash + 1);
  }
  return p;
}

bool matches(const Pattern& p, const std::vector<std::string>& segments) {
  if (p.parts.size() != segments.size()) return false;
  for (size_t i = 0; i < segments.size(); ++i) {
    if (p.literal[i] ? p.parts[i] != segments[i] : segments[i].empty()) return false;
  }
  return true;
}

std::map<std::string, std::string> capture(const Pattern& p, std::vector<std::string>& segments) {
  std::map<std::string, std::string> params;
  for (size_t i = 0; i < segments.size(); ++i) {
    if (!p.literal[i]) params.emplace(p.parts[i], std::move(segments[i]));
  }
  return params;
}

// ---- responses ----------------------------------------------------------------------------------

// Makes a handler's response safe to serialize: a status Beast and clients accept, no header
// injection (CR/LF), and no framing headers, which are the server's business.
void sanitize(Response& res) {
  if (res.status < 200 || res.status > 599) {
    res = error_response(500, "http.internal",
                         "handler returned invalid status " + std::to_string(res.status));
    return;
  }
  if (!is_field_value(res.content_type)) res.content_type = "application/octet-stream";
  std::erase_if(res.headers, [](const std::pair<std::string, std::string>& h) {
    return !is_token(h.first) || !is_field_value(h.second) || iequals(h.first, "content-length") ||
           iequals(h.first, "transfer-encoding") || iequals(h.first, "connection");
  });
  if (res.status == 204 || res.status == 304) res.body.clear();
}

Response call_handler(const Handler& handler, const Request& req) {
  Response res;
  try {
    res = handler(req);
  } catch (const std::exception& e) {
    return error_response(500, "http.internal", e.what());
  } catch (...) {
    return error_response(500, "http.internal", "handler threw a non-standard exception");
  }
  sanitize(res);
  return res;
}

void write_response(TimedSocket& s, Response&& res, unsigned version, bool keep_alive,
                    bool head_only, error_code& ec) {
  bhttp::response<bhttp::string_body> msg;
  msg.version(version);
  msg.result(static_cast<unsigned>(res.status));
  bool has_content_type = false;
  for (const auto& [name, value] : res.headers) {
    msg.insert(beast::string_view(name), beast::string_view(value));
    if (iequals(name, "content-type")) has_content_type = true;
  }
  if (!has_content_type && !res.content_type.empty()) {
    msg.set(bhttp::field::content_type, res.content_type);
  }
  msg.body() = std::move(res.body);
  msg.keep_alive(keep_alive);
  msg.prepare_payload();
  if (head_only) {
    bhttp::response_serializer<bhttp::string_body> sr{msg};
    bhttp::write_header(s, sr, ec);
  } else {
    bhttp::write(s, msg, ec);
  }
}

void configure(RequestParser& parser, const Options& opts) {
  parser.header_limit(static_cast<std::uint32_t>(
      std::min<size_t>(opts.header_bytes_max, std::numeric_limits<std::uint32_t>::max())));
  parser.body_limit(static_cast<std::uint64_t>(opts.body_bytes_max));
}

// The response a connection sends for a parse error before closing, or nullopt when the right
// thing is to close silently (the peer went away, timed out, or sent nothing).
std::optional<Response> parse_error_response(const error_code& ec, const Options& opts) {
  if (ec == bhttp::error::body_limit) {
    return error_response(413, "http.body_too_large",
                          "request body exceeds " + std::to_string(opts.body_bytes_max) + " bytes");
  }
  if (ec == bhttp::error::header_limit) {
    return error_response(
        431, "http.header_too_large",
        "request line and headers exceed " + std::to_string(opts.header_bytes_max) + " bytes");
  }
  if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category()) {
    int v = ec.value();
    if (v >= static_cast<int>(bhttp::error::bad_alloc) &&
        v <= static_cast<int>(bhttp::error::bad_obs_fold)) {
      return error_response(400, "http.malformed", "malformed request: " + ec.message());
    }
  }
  return std::nullopt;
}

// Checks on a request the parser accepted that it does not make itself.
std::optional<Response> check_parsed(const BeastRequest& msg) {
  if (msg.version() != 10 && msg.version() != 11) {
    return error_response(400, "http.malformed",
                          "malformed request: unsupported HTTP version " +
                              std::to_string(msg.version() / 10) + "." +
                              std::to_string(msg.version() % 10));
  }
  return std::nullopt;
}

Request from_beast(BeastRequest&& msg, const std::string& remote) {
  Request req;
  req.method = to_string(msg.method_string());
  req.target = to_string(msg.target());
  TargetParts parts = split_target(req.target);
  req.path = percent_decode(parts.path, false);
  req.query = parse_query(parts.query);
  for (const auto& field : msg) {
    std::string value = to_string(field.value());
    auto [it, inserted] = req.headers.emplace(to_lower(to_string(field.name_string())), value);
    if (!inserted) it->second += ", " + value;  // RFC 7230 3.2.2: repeated fields combine
  }
  req.body = std::move(msg.body());
  req.remote = remote;
  return req;
}

// ---- event streams ------------------------------------------------------------------------------

void append_single_line(std::string& out, std::string_view s) {
  for (char c : s) {
    if (c != '\r' && c != '\n' && c != '\0') out += c;
  }
}

class SseSink final : public EventSink {
 public:
  SseSink(TimedSocket& s, const std::atomic<bool>& stopping) : s_(s), stopping_(stopping) {}

  bool send(std::string_view event, std::string_view data, std::string_view id) override {
    if (!open()) return false;
    std::string out;
    out.reserve(data.size() + event.size() + id.size() + 32);
    if (!id.empty()) {
      out += "id: ";
      append_single_line(out, id);
      out += '\n';
    }
    if (!event.empty()) {
      out += "event: ";
      append_single_line(out, event);
      out += '\n';
    }
    size_t start = 0;
    for (size_t i = 0;; ++i) {
      if (i == data.size() || data[i] == '\n' || data[i] == '\r') {
        out += "data: ";
        out.append(data.substr(start, i - start));
        out += '\n';
        if (i == data.size()) break;
        if (data[i] == '\r' && i + 1 < data.size() && data[i + 1] == '\n') ++i;
        start = i + 1;
      }
    }
    out += '\n';
    return write(out);
  }

  bool ping() override { return open() && write(": keep-alive\n\n"); }

  bool open() override {
    if (closed_ || stopping_.load()) return false;
    pollfd p{s_.socket().native_handle(), POLLRDHUP, 0};
    if (::poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) != 0) {
      closed_ = true;
    }
    return !closed_;
  }

 private:
  bool write(std::string_view bytes) {
    error_code ec;
    asio::write(s_, asio::buffer(bytes.data(), bytes.size()), ec);
    if (ec) closed_ = true;
    return !ec;
  }

  TimedSocket& s_;
  const std::atomic<bool>& stopping_;
  bool closed_ = false;
};

}  // namespace

// ---- public helpers -----------------------------------------------------------------------------

std::string Response::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (iequals(n, name)) return v;
  }
  return {};
}

Response error_response(int status, std::string_view code, std::string_view message) {
  Response r;
  r.status = status;
  r.content_type = "application/json";
  r.body =
      "{\"error\":{\"code\":" + json_string(code) + ",\"message\":" + json_string(message) + "}}";
  return r;
}

std::string percent_decode(std::string_view s, bool plus_as_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%' && i + 2 < s.size()) {
      int hi = hex_value(s[i + 1]);
      int lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += (plus_as_space && c == '+') ? ' ' : c;
  }
  return out;
}

std::string percent_encode(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += c;
    } else {
      out += '%';
      out += hex[u >> 4];
      out += hex[u & 0xf];
    }
  }
  return out;
}

ParsedRequest parse_request(std::string_view bytes, const Options& opts,
                            const std::string& remote) {
  ParsedRequest out;
  RequestParser parser;
  configure(parser, opts);
  parser.eager(true);
  size_t used = 0;
  while (!parser.is_done() && used < bytes.size()) {
    error_code ec;
    size_t n = parser.put(asio::buffer(bytes.data() + used, bytes.size() - used), ec);
    used += n;
    if (ec == bhttp::error::need_more) {
      if (n == 0) break;  // everything left was offered: the request is incomplete
      continue;
    }
    if (ec) {
      out.error = parse_error_response(ec, opts);
      if (!out.error) out.error = error_response(400, "http.malformed", ec.message());
      return out;
    }
  }
  if (parser.is_done()) {
    out.error = check_parsed(parser.get());
    if (out.error) return out;
    out.request = from_beast(parser.release(), remote);
    out.bytes_used = used;
  }
  return out;
}

// ---- server -------------------------------------------------------------------------------------

namespace {

using Gate = std::function<std::optional<Response>(const Request&)>;

struct Route {
  std::string method;
  Pattern pattern;
  Handler handler;
  std::shared_ptr<const Gate> gate;  // from the scope it was registered in, if any
};

struct StreamRoute {
  Pattern pattern;
  StreamHandler handler;
  std::shared_ptr<const Gate> gate;
};

struct Resolved {
  enum class Kind { handler, stream, not_found, method_not_allowed } kind = Kind::not_found;
  const Handler* handler = nullptr;
  const StreamHandler* stream = nullptr;
  const Gate* gate = nullptr;  // the matched route's scope gate
  std::map<std::string, std::string> params;
  std::string allow;  // for method_not_allowed
  std::string path;   // decoded, for messages
};

struct Conn {
  explicit Conn(tcp::socket s) : socket(std::move(s)) {}
  tcp::socket socket;
  std::string remote;
  std::thread thread;
  bool open = true;  // guarded by Server::Impl::mutex: false once the socket is closed
  std::atomic<bool> finished{false};
};

struct Rejected {
  tcp::socket socket;
  Clock::time_point close_at;
};

}  // namespace

struct Server::Impl {
  explicit Impl(Options o) : opts(std::move(o)) {}

  Options opts;
  std::vector<Route> routes;
  std::vector<StreamRoute> streams;
  std::optional<Server::Scope> scope;
  std::shared_ptr<const Gate> scope_gate;

  asio::io_context io;  // only to construct sockets: all I/O is synchronous
  std::optional<tcp::acceptor> acceptor;
  unsigned short bound_port = 0;
  std::thread accept_thread;
  std::atomic<bool> started{false};
  std::atomic<bool> stopping{false};
  std::mutex stop_mutex;  // serializes stop()

  std::mutex mutex;  // guards conns, active and Conn::open
  std::list<std::unique_ptr<Conn>> conns;
  size_t active = 0;  // connections whose thread has not closed its socket

  unsigned idle_timeout_ms() const { return opts.idle_timeout_s * 1000u; }

  Resolved resolve(const Request& req) const {
    Resolved r;
    std::string_view raw_path =
        req.target.empty() ? std::string_view(req.path) : split_target(req.target).path;
    r.path = req.target.empty() ? req.path : percent_decode(raw_path, false);
    std::optional<std::vector<std::string>> segments = split_path(raw_path);
    if (!segments) return r;

    const Pattern* best = nullptr;
    std::set<std::string> allowed;
    bool get_handler = false;  // HEAD is allowed where a GET handler (not a stream) is
    auto consider = [&](const Pattern& p) {
      if (best == nullptr || p.literal > best->literal) {
        best = &p;
        return true;
      }
      return false;
    };
    for (const Route& route : routes) {
      if (!matches(route.pattern, *segments)) continue;
      allowed.insert(route.method);
      if (route.method == "GET") get_handler = true;
      if (route.method == req.method && consider(route.pattern)) {
        r.kind = Resolved::Kind::handler;
        r.handler = &route.handler;
        r.gate = route.gate.get();
      }
    }
    for (const StreamRoute& route : streams) {
      if (!matches(route.pattern, *segments)) continue;
      allowed.insert("GET");
      if (req.method == "GET" && consider(route.pattern)) {
        r.kind = Resolved::Kind::stream;
        r.handler = nullptr;
        r.stream = &route.handler;
        r.gate = route.gate.get();
      }
    }
    if (best == nullptr && req.method == "HEAD") {  // HEAD falls back to GET handlers
      for (const Route& route : routes) {
        if (route.method == "GET" && matches(route.pattern, *segments) && consider(route.pattern)) {
          r.kind = Resolved::Kind::handler;
          r.handler = &route.handler;
          r.gate = route.gate.get();
        }
      }
    }
    if (best != nullptr) {
      r.params = capture(*best, *segments);
      return r;
    }
    if (!allowed.empty()) {
      if (get_handler) allowed.insert("HEAD");
      r.kind = Resolved::Kind::method_not_allowed;
      for (const std::string& m : allowed) {
        if (!r.allow.empty()) r.allow += ", ";
        r.allow += m;
      }
    }
    return r;
  }

  // The matched route's scope gate: the response to send instead of running the route, if any.
  static std::optional<Response> gated(const Request& req, const Resolved& r) {
    if (r.gate == nullptr || !*r.gate) return std::nullopt;
    try {
      std::optional<Response> res = (*r.gate)(req);
      if (res) sanitize(*res);
      return res;
    } catch (const std::exception& e) {
      return error_response(500, "http.internal", e.what());
    } catch (...) {
      return error_response(500, "http.internal", "a route gate threw a non-standard exception");
    }
  }

  Response respond(Request& req, Resolved& r) const {
    if (r.kind == Resolved::Kind::handler || r.kind == Resolved::Kind::stream) {
      req.params = r.params;
      if (auto g = gated(req, r)) return std::move(*g);
    }
    switch (r.kind) {
      case Resolved::Kind::handler:
        req.params = std::move(r.params);
        return call_handler(*r.handler, req);
      case Resolved::Kind::stream:
        req.params = std::move(r.params);
        return error_response(400, "http.stream_only",
                              "this path serves an event stream over a live connection");
      case Resolved::Kind::method_not_allowed: {
        Response res = error_response(405, "http.method_not_allowed",
                                      "method " + clip(req.method) + " not allowed on " +
                                          clip(r.path) + " (allowed: " + r.allow + ")");
        res.headers.emplace_back("Allow", r.allow);
        return res;
      }
      case Resolved::Kind::not_found:
        break;
    }
    return error_response(404, "http.not_found",
                          "no route for " + clip(req.method) + " " + clip(r.path));
  }

  void start() {
    std::lock_guard<std::mutex> stop_lock(stop_mutex);
    if (started.load()) throw std::logic_error("http::Server::start() called twice");
    error_code ec;
    asio::ip::address address = asio::ip::make_address(opts.address, ec);
    if (ec) throw std::runtime_error("bad listen address '" + opts.address + "': " + ec.message());
    tcp::endpoint ep(address, opts.port);
    const std::string where = detail::endpoint_string(ep);
    acceptor.emplace(io);
    auto fail = [&](const error_code& e) {
      acceptor.reset();
      throw std::runtime_error("cannot listen on " + where + ": " + e.message());
    };
    acceptor->open(ep.protocol(), ec);
    if (ec) fail(ec);
    acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (ec) fail(ec);
    acceptor->bind(ep, ec);
    if (ec) fail(ec);
    acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) fail(ec);
    acceptor->non_blocking(true, ec);
    if (ec) fail(ec);
    bound_port = acceptor->local_endpoint(ec).port();
    started = true;
    accept_thread = std::thread([this] { accept_loop(); });
  }

  void stop() {
    std::lock_guard<std::mutex> stop_lock(stop_mutex);
    stopping = true;
    if (!started.load() || !acceptor) return;
    ::shutdown(acceptor->native_handle(), SHUT_RDWR);  // wakes the acceptor's poll()
    if (accept_thread.joinable()) accept_thread.join();
    error_code ignored;
    acceptor->close(ignored);
    acceptor.reset();
    {
      std::lock_guard<std::mutex> lock(mutex);
      for (auto& c : conns) {
        if (c->open) ::shutdown(c->socket.native_handle(), SHUT_RDWR);
      }
    }
    // The acceptor is gone, so nobody else touches the list's shape now; connection threads
    // still take `mutex` to close their sockets, so it is not held while joining.
    for (auto& c : conns) {
      if (c->thread.joinable()) c->thread.join();
    }
    conns.clear();
  }

  void accept_loop() {
    std::deque<Rejected> rejected;
    while (!stopping.load()) {
      pollfd p{acceptor->native_handle(), POLLIN, 0};
      int r = ::poll(&p, 1, accept_tick_ms);
      reap_finished();
      sweep_rejected(rejected, false);
      if (r <= 0 || stopping.load()) continue;
      for (int burst = 0; burst < 64 && !stopping.load(); ++burst) {
        tcp::socket socket(io);
        error_code ec;
        acceptor->accept(socket, ec);
        if (ec == asio::error::would_block || ec == asio::error::try_again) break;
        if (ec) {
          // Out of descriptors or memory: back off instead of spinning; the peer waits in the
          // backlog. Other errors (a peer that reset before accept) concern one connection.
          if (ec.value() == EMFILE || ec.value() == ENFILE || ec.value() == ENOBUFS ||
              ec.value() == ENOMEM) {
            std::this_thread::sleep_for(std::chrono::milliseconds(accept_tick_ms));
            break;
          }
          continue;
        }
        admit(std::move(socket), rejected);
      }
    }
    sweep_rejected(rejected, true);
  }

  void admit(tcp::socket socket, std::deque<Rejected>& rejected) {
    error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    socket.non_blocking(true, ignored);
    tcp::endpoint peer = socket.remote_endpoint(ignored);
    std::string remote = ignored ? std::string("unknown") : detail::endpoint_string(peer);

    std::unique_lock<std::mutex> lock(mutex);
    if (stopping.load()) return;
    if (active >= opts.connections_max) {
      lock.unlock();
      reject(std::move(socket), rejected);
      return;
    }
    conns.push_back(std::make_unique<Conn>(std::move(socket)));
    Conn* c = conns.back().get();
    c->remote = std::move(remote);
    ++active;
    try {
      c->thread = std::thread([this, c] { serve(*c); });
    } catch (const std::system_error&) {  // out of threads: answer like a full server
      tcp::socket s = std::move(c->socket);
      --active;
      conns.pop_back();
      lock.unlock();
      reject(std::move(s), rejected);
    }
  }

  // 503 without reading the request: written at once (it fits the socket buffer), then our side
  // is shut down and the socket lingers until the peer closes or rejected_linger passes.
  void reject(tcp::socket socket, std::deque<Rejected>& rejected) {
    Response res = error_response(
        503, "http.busy",
        "too many connections (limit " + std::to_string(opts.connections_max) + "); retry later");
    std::string wire =
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
        "Content-Length: " +
        std::to_string(res.body.size()) + "\r\nRetry-After: 1\r\nConnection: close\r\n\r\n" +
        res.body;
    error_code ignored;
    socket.write_some(asio::buffer(wire), ignored);
    socket.shutdown(tcp::socket::shutdown_send, ignored);
    if (rejected.size() >= rejected_lingering_max) {
      rejected.front().socket.close(ignored);
      rejected.pop_front();
    }
    rejected.push_back(Rejected{std::move(socket), Clock::now() + rejected_linger});
  }

  void sweep_rejected(std::deque<Rejected>& rejected, bool all) {
    const Clock::time_point now = Clock::now();
    char scratch[4096];
    std::erase_if(rejected, [&](Rejected& r) {
      bool done = all || now >= r.close_at;
      for (int i = 0; !done && i < 16; ++i) {
        error_code ec;
        r.socket.read_some(asio::buffer(scratch), ec);  // non-blocking: discard the request
        if (ec == asio::error::would_block || ec == asio::error::try_again) break;
        if (ec) done = true;  // EOF or error: the peer has closed
      }
      if (done) {
        error_code ignored;
        r.socket.close(ignored);
      }
      return done;
    });
  }

  void reap_finished() {
    std::lock_guard<std::mutex> lock(mutex);
    for (auto it = conns.begin(); it != conns.end();) {
      if ((*it)->finished.load()) {
        (*it)->thread.join();  // it has released `mutex` and is returning
        it = conns.erase(it);
      } else {
        ++it;
      }
    }
  }

  // The connection thread.
  void serve(Conn& c) {
    bool drain = false;
    try {
      drain = serve_requests(c);
    } catch (...) {
      // Allocation failure or a Beast invariant: drop this connection, keep the server.
    }
    close(c, drain);
  }

  // Returns whether an error response was sent (the rest of the request should be drained).
  bool serve_requests(Conn& c) {
    TimedSocket s(c.socket, idle_timeout_ms());
    beast::flat_buffer buffer;
    while (!stopping.load()) {
      RequestParser parser;
      configure(parser, opts);
      error_code ec;
      if (opts.idle_timeout_s != 0) {
        s.set_deadline(Clock::now() + std::chrono::seconds(opts.idle_timeout_s));
      }
      bhttp::read_header(s, buffer, parser, ec);
      s.clear_deadline();
      if (!ec && !parser.is_done()) {
        const auto& head = parser.get();
        if (head.version() >= 11 &&
            iequals(to_string(head[bhttp::field::expect]), "100-continue")) {
          static constexpr std::string_view cont = "HTTP/1.1 100 Continue\r\n\r\n";
          asio::write(s, asio::buffer(cont.data(), cont.size()), ec);
        }
        if (!ec) bhttp::read(s, buffer, parser, ec);
      }
      std::optional<Response> err;
      if (ec) {
        err = parse_error_response(ec, opts);
        if (!err) return false;
      } else {
        err = check_parsed(parser.get());
      }
      if (err) {
        error_code ignored;
        write_response(s, std::move(*err), 11, false, false, ignored);
        return true;
      }
      const unsigned version = parser.get().version();
      const bool keep_alive = parser.get().keep_alive();
      Request req = from_beast(parser.release(), c.remote);
      Resolved r = resolve(req);
      if (r.kind == Resolved::Kind::stream) {
        req.params = std::move(r.params);
        if (auto g = gated(req, r)) {
          write_response(s, std::move(*g), version, false, false, ec);
          return false;
        }
        run_stream(s, *r.stream, req, version);
        return false;
      }
      const bool head_only = req.method == "HEAD";
      Response res = respond(req, r);
      const bool keep = keep_alive && !stopping.load();
      write_response(s, std::move(res), version, keep, head_only, ec);
      if (ec || !keep) return false;
    }
    return false;
  }

  void run_stream(TimedSocket& s, const StreamHandler& handler, const Request& req,
                  unsigned version) {
    std::string head = version == 10 ? "HTTP/1.0" : "HTTP/1.1";
    head +=
        " 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
        "Connection: close\r\nX-Accel-Buffering: no\r\n\r\n";
    error_code ec;
    asio::write(s, asio::buffer(head), ec);
    if (ec) return;
    SseSink sink(s, stopping);
    try {
      handler(req, sink);
    } catch (...) {
      // Headers are out: the only way left to signal failure is closing, which close() does.
    }
  }

  void close(Conn& c, bool drain) {
    error_code ignored;
    c.socket.shutdown(tcp::socket::shutdown_send, ignored);
    // Read what the peer already sent (or, after an error response, is still sending) so that
    // closing with unread data does not reset the connection before the peer reads our answer.
    TimedSocket s(c.socket, 0);
    s.set_deadline(Clock::now() + (drain && !stopping.load()
                                       ? std::chrono::milliseconds(error_drain)
                                       : std::chrono::milliseconds(0)));
    char scratch[8192];
    for (size_t drained = 0; drained < error_drain_bytes_max;) {
      error_code ec;
      size_t n = drain ? s.read_some(asio::buffer(scratch), ec)
                       : c.socket.read_some(asio::buffer(scratch), ec);
      if (ec) break;
      drained += n;
    }
    {
      std::lock_guard<std::mutex> lock(mutex);
      c.socket.close(ignored);
      c.open = false;
      --active;
    }
    c.finished = true;  // last touch: the acceptor may join and free `c` from here on
  }
};

Server::Server(Options opts) : impl_(std::make_unique<Impl>(std::move(opts))) {}

Server::~Server() { stop(); }

void Server::route(const std::string& method, const std::string& pattern, Handler h) {
  if (impl_->started.load()) throw std::logic_error("http::Server::route() after start()");
  if (!is_token(method)) throw std::invalid_argument("bad HTTP method '" + method + "'");
  if (!h) throw std::invalid_argument("empty handler for " + method + " " + pattern);
  std::string p = pattern;
  if (impl_->scope) {
    auto mapped = impl_->scope->pattern ? impl_->scope->pattern(pattern) : pattern;
    if (!mapped) return;
    p = *mapped;
  }
  impl_->routes.push_back(Route{method, parse_pattern(p), std::move(h), impl_->scope_gate});
}

void Server::stream(const std::string& pattern, StreamHandler h) {
  if (impl_->started.load()) throw std::logic_error("http::Server::stream() after start()");
  if (!h) throw std::invalid_argument("empty stream handler for " + pattern);
  std::string p = pattern;
  if (impl_->scope) {
    auto mapped = impl_->scope->pattern ? impl_->scope->pattern(pattern) : pattern;
    if (!mapped) return;
    p = *mapped;
  }
  impl_->streams.push_back(StreamRoute{parse_pattern(p), std::move(h), impl_->scope_gate});
}

void Server::set_scope(std::optional<Scope> scope) {
  if (impl_->started.load()) throw std::logic_error("http::Server::set_scope() after start()");
  impl_->scope = std::move(scope);
  impl_->scope_gate = impl_->scope && impl_->scope->gate
                          ? std::make_shared<const Gate>(impl_->scope->gate)
                          : nullptr;
}

void Server::start() { impl_->start(); }

void Server::stop() { impl_->stop(); }

unsigned short Server::port() const {
  return impl_->started.load() ? impl_->bound_port : impl_->opts.port;
}

Response Server::dispatch(Request& req) const {
  try {
    if (req.path.empty() && !req.target.empty()) {  // built by hand rather than by a connection
      TargetParts parts = split_target(req.target);
      req.path = percent_decode(parts.path, false);
      req.query = parse_query(parts.query);
    }
    Resolved r = impl_->resolve(req);
    return impl_->respond(req, r);
  } catch (const std::exception& e) {
    return error_response(500, "http.internal", e.what());
  } catch (...) {
    return error_response(500, "http.internal", "unknown error");
  }
}

}  // namespace tanso::http
