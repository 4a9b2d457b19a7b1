// A blocking HTTP/1.1 client for Tanso's tools and tests: one persistent keep-alive connection to
// one host, requests one at a time, and Server-Sent Events consumption.
//
// Errors: connection failures and timeouts throw std::runtime_error with the address in the
// message ("cannot connect to 127.0.0.1:8080: Connection refused"). An HTTP error status is not
// an exception: it comes back in Response::status.
//
// Thread-safety: none; use one Client per thread.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/server.h"  // Response

namespace tanso::http {

// Where a server listens.
struct Endpoint {
  std::string host;  // name or address; IPv6 without brackets
  unsigned short port = 0;
  std::string to_string() const;  // "host:port", "[::1]:port"
};

// Accepts "host:port", "host" (default_port), "[::1]:port", and URLs "http://host[:port][/]".
// Other schemes (https) and URLs with a path are refused. On failure returns nullopt and, if
// `error` is given, says why.
std::optional<Endpoint> parse_endpoint(std::string_view text, std::string* error = nullptr,
                                       unsigned short default_port = 80);

struct ClientOptions {
  // Connecting, and each read or write of a request: no progress for this long fails the request.
  unsigned timeout_ms = 10'000;
  // open_stream(): no bytes for this long ends it with an exception; 0 waits forever (servers
  // that ping, like ours when asked, keep the stream alive).
  unsigned stream_idle_timeout_ms = 0;
  size_t body_bytes_max = 256 * 1024 * 1024;        // largest response body accepted
  size_t stream_line_bytes_max = 16 * 1024 * 1024;  // longest SSE line accepted
};

using Headers = std::vector<std::pair<std::string, std::string>>;

class Client {
 public:
  Client(std::string host, unsigned short port, ClientOptions opts = {});
  explicit Client(const Endpoint& endpoint, ClientOptions opts = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Sends one request on the persistent connection (connecting first if needed) and reads the
  // response. If a reused connection turns out to be closed by the server before any byte of
  // the response arrives (the server's idle timeout), it reconnects and sends once more.
  // A body without a Content-Type header in `headers` is sent as application/json.
  // The response's header names are lower-cased; content_type is its Content-Type.
  Response request(std::string_view method, std::string_view target, std::string_view body = {},
                   const Headers& headers = {});
  Response get(std::string_view target, const Headers& headers = {}) {
    return request("GET", target, {}, headers);
  }
  Response post(std::string_view target, std::string_view body, const Headers& headers = {}) {
    return request("POST", target, body, headers);
  }

  // GETs an event stream on a connection of its own and calls on_event(event, data) for each
  // event, in order ("message" when the event has no name; data lines joined with '\n').
  // Returns true when on_event returned false (the connection is then closed), false when the
  // server ended the stream or the connection was lost. Throws std::runtime_error if it cannot
  // connect, the status is not 200, or stream_idle_timeout_ms passes without data.
  bool open_stream(
      std::string_view target,
      const std::function<bool(std::string_view event, std::string_view data)>& on_event,
      const Headers& headers = {});

  // Sends one request on a connection of its own and calls on_data with the response body's
  // bytes as they arrive (a streamed body, e.g. etcd's watch: one JSON object per line). Same
  // return value and exceptions as open_stream.
  bool open_body_stream(std::string_view method, std::string_view target, std::string_view body,
                        const Headers& headers,
                        const std::function<bool(std::string_view bytes)>& on_data);

  void close();  // drops the persistent connection (the next request reconnects)
  const Endpoint& endpoint() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tanso::http
