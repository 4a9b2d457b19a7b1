// A small HTTP/1.1 server on Boost.Beast: one thread per connection (bounded), keep-alive,
// a router with {param} path segments, request body limits, and Server-Sent Events streams.
// Knows nothing of the ledger: handlers are plain functions.
//
// Thread-safety: routes are registered before start(); handlers run concurrently on connection
// threads and must be thread-safe.
//
// Wire behaviour (the contract the tests pin down):
// - Synchronous Beast I/O. One acceptor thread; one thread per connection, at most
//   Options::connections_max of them. A connection beyond that gets
//   503 {"error":{"code":"http.busy",...}} with "Connection: close" and is closed.
// - HTTP/1.1 keep-alive (and HTTP/1.0 "Connection: keep-alive"); pipelined requests are served in
//   order. "Expect: 100-continue" is answered before the body is read.
// - Errors, all as error_response() JSON, after which the connection is closed:
//   400 http.malformed (the parser rejected the request), 413 http.body_too_large,
//   431 http.header_too_large. Routing errors keep the connection: 404 http.not_found,
//   405 http.method_not_allowed (with an Allow header), 500 http.internal (a handler threw).
// - Idle timeout: a request's line and headers must arrive within idle_timeout_s of connecting
//   or of the previous response, else the connection is closed silently; each body read and
//   each response or event write must then make progress within idle_timeout_s.
// - HEAD on a path with a GET route runs the GET handler and sends only the headers.
// - Event streams (stream()): only GET. The response is "200", "Content-Type: text/event-stream",
//   "Cache-Control: no-cache", "Connection: close", without Content-Length or chunking: the body
//   is the event stream and ends when the connection closes (close-delimited framing), which
//   every EventSource and our Client accept. The connection is not reused afterwards.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tanso::http {

struct Request {
  std::string method;                          // "GET", "POST", ...
  std::string target;                          // as sent: path + optional query
  std::string path;                            // percent-decoded path without the query
  std::map<std::string, std::string> query;    // decoded query parameters
  std::map<std::string, std::string> params;   // {name} segments matched by the route
  std::map<std::string, std::string> headers;  // lower-cased names
  std::string body;
  std::string remote;  // peer address
  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // First header with this name (ASCII case-insensitive), or "" if none.
  std::string header(std::string_view name) const;
};

// Given to a stream handler; send() returns false once the client has gone.
// Used only on the stream handler's own thread.
class EventSink {
 public:
  virtual ~EventSink() = default;
  // Writes "id: <id>\n" (if any), "event: <event>\n" (if any), one "data: <line>\n" per line of
  // `data` (split at \n, \r\n or \r), then "\n", and flushes. CR, LF and NUL are removed from
  // event and id. False once the peer has closed or the server is stopping.
  virtual bool send(std::string_view event, std::string_view data, std::string_view id = {}) = 0;
  // A comment line (": keep-alive"), to detect dead peers while idle.
  virtual bool ping() = 0;
  // False once the server is stopping, the peer has hung up, or a send failed; cheap (one
  // non-blocking poll). A handler that blocks waiting for its own events must wake at least every
  // ~200 ms to check it, so that Server::stop() returns promptly; once false it should return.
  // (Not pure so that test doubles written against the older interface still compile.)
  virtual bool open() { return true; }
};

using Handler = std::function<Response(const Request&)>;
// Runs on the connection's thread for as long as the stream lasts.
using StreamHandler = std::function<void(const Request&, EventSink&)>;

struct Options {
  std::string address = "127.0.0.1";
  unsigned short port = 0;  // 0: any free port (see Server::port())
  size_t body_bytes_max = 16 * 1024 * 1024;
  size_t header_bytes_max = 16 * 1024;
  size_t connections_max = 512;  // one thread each (~64 KiB stack touched)
  unsigned idle_timeout_s = 60;  // 0: never time out
};

class Server {
 public:
  explicit Server(Options opts);
  ~Server();  // stop()s
  // Patterns are absolute paths; a segment "{name}" captures one non-empty path segment
  // (percent-decoded) into Request::params. Other segments must match exactly (after decoding).
  // When several patterns match, the one with a literal segment earliest wins
  // ("/v1/blocks/latest" over "/v1/blocks/{height}"); on a tie the first registered.
  // Throws std::invalid_argument on a malformed pattern, std::logic_error after start().
  void route(const std::string& method, const std::string& pattern, Handler h);
  void stream(const std::string& pattern, StreamHandler h);
  // A scope mounts the routes registered while it is set (e.g. one chain's whole API under
  // /v1/channels/<name>/): `pattern` maps each pattern to the one registered (nullopt: the route
  // is skipped), and `gate`, if set, runs before the handler or stream of every request such a
  // route matches; a response it returns is sent instead (a plain response, on a stream route
  // too). set_scope(std::nullopt) ends it. Throws std::logic_error after start().
  struct Scope {
    std::function<std::optional<std::string>(const std::string&)> pattern;
    std::function<std::optional<Response>(const Request&)> gate;
  };
  void set_scope(std::optional<Scope> scope);
  // Binds and starts accepting on a background thread. Throws std::runtime_error on bind failure.
  void start();
  // Closes the listener and all connections (event streams included), joins all threads.
  // Returns once every running handler has returned; see EventSink::open(). Idempotent.
  void stop();
  unsigned short port() const;

  // Routes one parsed request (no network): used by start()'s connections and by fuzz targets.
  // Routes on req.target (req.path if the target is empty); fills req.params, and req.path and
  // req.query from the target when req.path is empty (a hand-built Request). Never throws (short of
  // allocation failure inside the error path). On a stream route it cannot run the stream: it
  // answers 400 http.stream_only.
  Response dispatch(Request& req) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// {"error": {"code": ..., "message": ...}} with the status; used for every error response.
// The message is JSON-escaped; invalid UTF-8 in it becomes U+FFFD.
Response error_response(int status, std::string_view code, std::string_view message);

// One request parsed from bytes with the same Beast parser, limits and conversion a connection
// uses (fuzz targets, tests). Exactly one of: `request` set (a whole request was parsed from the
// first `bytes_used` bytes), `error` set (the response a connection would send before closing:
// 400, 413 or 431), or neither (the bytes are an incomplete request).
struct ParsedRequest {
  std::optional<Request> request;
  std::optional<Response> error;
  size_t bytes_used = 0;
};
ParsedRequest parse_request(std::string_view bytes, const Options& opts,
                            const std::string& remote = {});

// Percent-decoding of a URL component. A '%' not followed by two hex digits is kept as is.
// plus_as_space: '+' decodes to ' ' (query strings).
std::string percent_decode(std::string_view s, bool plus_as_space);
// Percent-encodes every byte except the RFC 3986 unreserved ones (A-Z a-z 0-9 - . _ ~).
std::string percent_encode(std::string_view s);

}  // namespace tanso::http
