// tanso::http::Server over real sockets on 127.0.0.1 (port 0), plus dispatch()/parse_request()
// without a network. Raw POSIX sockets are used where the client would be too polite.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "http/client.h"
#include "http/server.h"

namespace tanso::http {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A plain blocking TCP connection for sending exact bytes.
class Raw {
 public:
  explicit Raw(unsigned short port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~Raw() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return fd_ >= 0; }
  void send(const std::string& s) {
    size_t off = 0;
    while (off < s.size()) {
      ssize_t n = ::send(fd_, s.data() + off, s.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return;
      off += static_cast<size_t>(n);
    }
  }
  // Reads until the peer closes or `timeout` passes; `closed` tells which.
  std::string read_all(std::chrono::milliseconds timeout, bool* closed = nullptr) {
    std::string out;
    auto until = Clock::now() + timeout;
    if (closed) *closed = false;
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
      if (left.count() <= 0) return out;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[8192];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        if (closed) *closed = true;
        return out;
      }
      out.append(buf, static_cast<size_t>(n));
    }
  }
  // Reads until `marker` appears (or timeout).
  std::string read_until(const std::string& marker, std::chrono::milliseconds timeout) {
    std::string out;
    auto until = Clock::now() + timeout;
    while (out.find(marker) == std::string::npos && Clock::now() < until) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      char buf[8192];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }

 private:
  int fd_ = -1;
};

std::string json_error(const std::string& code, const std::string& message) {
  return "{\"error\":{\"code\":\"" + code + "\",\"message\":\"" + message + "\"}}";
}

Response text(std::string body) {
  Response r;
  r.content_type = "text/plain";
  r.body = std::move(body);
  return r;
}

// Renders what a handler saw, to assert on in one string.
std::string describe(const Request& req) {
  std::string s = req.method + " " + req.path;
  for (const auto& [k, v] : req.params) s += " p:" + k + "=" + v;
  for (const auto& [k, v] : req.query) s += " q:" + k + "=" + v;
  return s;
}

void add_echo_routes(Server& s) {
  s.route("GET", "/v1/blocks/{height}", [](const Request& r) { return text(describe(r)); });
  s.route("GET", "/v1/blocks/latest",
          [](const Request& r) { return text("latest " + describe(r)); });
  s.route("GET", "/v1/accounts/{id}/holdings", [](const Request& r) { return text(describe(r)); });
  s.route("POST", "/v1/tx", [](const Request& r) {
    return text("posted " + std::to_string(r.body.size()) + " " + r.header("content-type"));
  });
  s.route("PUT", "/v1/tx", [](const Request&) { return text("put"); });
  s.route("GET", "/", [](const Request&) { return text("root"); });
}

Request make(std::string method, std::string target) {
  Request r;
  r.method = std::move(method);
  r.target = std::move(target);
  return r;
}

// ---- routing without a network ------------------------------------------------------------------

TEST(HttpServerTest, DispatchRoutesParamsAndDecodesQuery) {
  Server s(Options{});
  add_echo_routes(s);
  Request r = make("GET", "/v1/blocks/42?a=1&b=x+y&c=%2Fz%20w&d&&=skipped&a=second");
  Response res = s.dispatch(r);
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "GET /v1/blocks/42 p:height=42 q:a=1 q:b=x y q:c=/z w q:d=");
  EXPECT_EQ(r.params.at("height"), "42");

  // A literal segment beats a {param}, whatever the registration order.
  Request latest = make("GET", "/v1/blocks/latest");
  EXPECT_EQ(s.dispatch(latest).body, "latest GET /v1/blocks/latest");

  // An encoded slash stays inside its segment; '+' in a path is not a space.
  Request acct = make("GET", "/v1/accounts/org%2Facme+1/holdings");
  EXPECT_EQ(s.dispatch(acct).body, "GET /v1/accounts/org/acme+1/holdings p:id=org/acme+1");

  // Absolute-form targets route on their path.
  Request abs = make("GET", "http://127.0.0.1:8080/v1/blocks/7?x=%41");
  EXPECT_EQ(s.dispatch(abs).body, "GET /v1/blocks/7 p:height=7 q:x=A");

  Request root = make("GET", "/");
  EXPECT_EQ(s.dispatch(root).body, "root");
}

// A scope mounts routes under a prefix (skipping those it maps to nullopt) and gates them; a
// {param} scope is beaten by a literal one; routes registered after the scope are plain.
TEST(HttpServerTest, ScopesMountAndGateRoutes) {
  Server s(Options{});
  auto mount = [](std::string prefix) {
    return [prefix](const std::string& p) -> std::optional<std::string> {
      if (!p.starts_with("/v1/")) return std::nullopt;
      return prefix + p.substr(3);
    };
  };
  s.set_scope(Server::Scope{mount("/v1/ch/a"), [](const Request& r) -> std::optional<Response> {
                              if (r.header("x-ok") == "1") return std::nullopt;
                              return error_response(404, "ch.gate",
                                                    r.params.count("id") ? "id" : "-");
                            }});
  add_echo_routes(s);
  s.set_scope(Server::Scope{mount("/v1/ch/{ch}"), [](const Request& r) {
                              return std::optional<Response>(
                                  error_response(404, "ch.unknown", r.params.at("ch")));
                            }});
  add_echo_routes(s);
  s.set_scope(std::nullopt);
  s.route("GET", "/v1/plain", [](const Request& r) { return text(describe(r)); });

  Request in = make("GET", "/v1/ch/a/accounts/x/holdings");
  in.headers["x-ok"] = "1";
  EXPECT_EQ(s.dispatch(in).body, "GET /v1/ch/a/accounts/x/holdings p:id=x");
  Request gated = make("GET", "/v1/ch/a/accounts/x/holdings");
  Response g = s.dispatch(gated);
  EXPECT_EQ(g.status, 404);
  EXPECT_NE(g.body.find("ch.gate"), std::string::npos);
  EXPECT_NE(g.body.find("\"id\""), std::string::npos);  // params are captured before the gate
  Request other = make("GET", "/v1/ch/b/blocks/3");
  other.headers["x-ok"] = "1";
  EXPECT_NE(s.dispatch(other).body.find("ch.unknown"), std::string::npos);
  Request skipped = make("GET", "/v1/ch/a/");  // "/" was not mounted
  skipped.headers["x-ok"] = "1";
  EXPECT_NE(s.dispatch(skipped).body.find("http.not_found"), std::string::npos);
  Request unscoped = make("GET", "/v1/blocks/3");  // the scoped routes exist only mounted
  EXPECT_EQ(s.dispatch(unscoped).status, 404);
  Request plain = make("GET", "/v1/plain");
  EXPECT_EQ(s.dispatch(plain).body, "GET /v1/plain");
}

TEST(HttpServerTest, DispatchErrors) {
  Server s(Options{});
  add_echo_routes(s);
  s.route("GET", "/boom",
          [](const Request&) -> Response { throw std::runtime_error("boom \"x\""); });
  s.route("GET", "/bad-status", [](const Request&) {
    Response r;
    r.status = 42;
    return r;
  });

  Request nf = make("GET", "/v1/nope");
  Response res = s.dispatch(nf);
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(res.content_type, "application/json");
  EXPECT_EQ(res.body, json_error("http.not_found", "no route for GET /v1/nope"));

  // {param} never matches an empty segment; a trailing slash is a different path.
  Request empty = make("GET", "/v1/blocks/");
  EXPECT_EQ(s.dispatch(empty).status, 404);

  Request wrong = make("DELETE", "/v1/tx");
  res = s.dispatch(wrong);
  EXPECT_EQ(res.status, 405);
  EXPECT_EQ(res.header("Allow"), "POST, PUT");
  EXPECT_EQ(res.body, json_error("http.method_not_allowed",
                                 "method DELETE not allowed on /v1/tx (allowed: POST, PUT)"));

  Request get_only = make("POST", "/v1/blocks/1");
  EXPECT_EQ(s.dispatch(get_only).header("allow"), "GET, HEAD");

  Request boom = make("GET", "/boom");
  res = s.dispatch(boom);
  EXPECT_EQ(res.status, 500);
  EXPECT_EQ(res.body, json_error("http.internal", "boom \\\"x\\\""));

  Request bad = make("GET", "/bad-status");
  res = s.dispatch(bad);
  EXPECT_EQ(res.status, 500);
  EXPECT_EQ(res.body, json_error("http.internal", "handler returned invalid status 42"));
}

TEST(HttpServerTest, ErrorResponseEscapesAndRepairsUtf8) {
  Response r = error_response(418, "x.y", std::string("a\"\\\n\x01 \xC3\xA9 \xFF end\0x", 16));
  EXPECT_EQ(r.status, 418);
  EXPECT_EQ(r.body,
            "{\"error\":{\"code\":\"x.y\",\"message\":\"a\\\"\\\\\\n\\u0001 \xC3\xA9 \xEF\xBF\xBD "
            "end\\u0000x\"}}");
}

TEST(HttpServerTest, PatternsAreValidated) {
  Server s(Options{});
  EXPECT_THROW(s.route("GET", "no-slash", [](const Request&) { return Response{}; }),
               std::invalid_argument);
  EXPECT_THROW(s.route("GET", "/a/{x", [](const Request&) { return Response{}; }),
               std::invalid_argument);
  EXPECT_THROW(s.route("GET", "/a/{x}/{x}", [](const Request&) { return Response{}; }),
               std::invalid_argument);
  EXPECT_THROW(s.route("G T", "/a", [](const Request&) { return Response{}; }),
               std::invalid_argument);
}

TEST(HttpServerTest, PercentCodingRoundTrips) {
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  EXPECT_EQ(percent_decode(percent_encode(all), false), all);
  EXPECT_EQ(percent_encode("a b/~"), "a%20b%2F~");
  EXPECT_EQ(percent_decode("100%", false), "100%");
  EXPECT_EQ(percent_decode("%zz%4", false), "%zz%4");
  EXPECT_EQ(percent_decode("a+b%2B", true), "a b+");
  EXPECT_EQ(percent_decode("a+b", false), "a+b");
}

TEST(HttpServerTest, ParseRequestMatchesConnectionRules) {
  Options opts;
  opts.body_bytes_max = 8;
  opts.header_bytes_max = 256;
  std::string two =
      "POST /v1/tx?k=v HTTP/1.1\r\nHost: x\r\nX-A: 1\r\nx-a: 2\r\nContent-Length: 3\r\n\r\nabc"
      "GET / HTTP/1.1\r\n\r\n";
  ParsedRequest p = parse_request(two, opts, "peer");
  ASSERT_TRUE(p.request.has_value());
  EXPECT_FALSE(p.error.has_value());
  EXPECT_EQ(p.request->method, "POST");
  EXPECT_EQ(p.request->path, "/v1/tx");
  EXPECT_EQ(p.request->query.at("k"), "v");
  EXPECT_EQ(p.request->body, "abc");
  EXPECT_EQ(p.request->header("x-a"), "1, 2");
  EXPECT_EQ(p.request->remote, "peer");
  ParsedRequest second = parse_request(std::string_view(two).substr(p.bytes_used), opts);
  ASSERT_TRUE(second.request.has_value());
  EXPECT_EQ(second.request->target, "/");

  ParsedRequest partial = parse_request("GET / HTTP/1.1\r\nHost:", opts);
  EXPECT_FALSE(partial.request || partial.error);

  ParsedRequest big = parse_request("POST / HTTP/1.1\r\nContent-Length: 9\r\n\r\n", opts);
  ASSERT_TRUE(big.error.has_value());
  EXPECT_EQ(big.error->status, 413);

  ParsedRequest chunked_big = parse_request(
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n9\r\n123456789\r\n0\r\n\r\n", opts);
  ASSERT_TRUE(chunked_big.error.has_value());
  EXPECT_EQ(chunked_big.error->status, 413);

  ParsedRequest huge =
      parse_request("GET / HTTP/1.1\r\nX: " + std::string(300, 'a') + "\r\n\r\n", opts);
  ASSERT_TRUE(huge.error.has_value());
  EXPECT_EQ(huge.error->status, 431);

  ParsedRequest bad = parse_request("GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n", opts);
  ASSERT_TRUE(bad.error.has_value());
  EXPECT_EQ(bad.error->status, 400);
  EXPECT_NE(bad.error->body.find("\"code\":\"http.malformed\""), std::string::npos);
}

// ---- over sockets -------------------------------------------------------------------------------

class LiveServer : public ::testing::Test {
 protected:
  void start(Options opts = {}) {
    server_ = std::make_unique<Server>(std::move(opts));
    add_echo_routes(*server_);
    server_->route("GET", "/remote", [](const Request& r) { return text(r.remote); });
    server_->route("GET", "/boom", [](const Request&) -> Response {
      throw std::runtime_error("database on fire");
    });
    server_->route("GET", "/sleep", [](const Request&) {
      std::this_thread::sleep_for(300ms);
      return text("slept");
    });
    extra_routes(*server_);
    server_->start();
    port_ = server_->port();
    ASSERT_NE(port_, 0);
  }
  virtual void extra_routes(Server&) {}
  void TearDown() override {
    if (server_) server_->stop();
  }
  std::unique_ptr<Server> server_;
  unsigned short port_ = 0;
};

TEST_F(LiveServer, RoutesOverTheWire) {
  start();
  Client c("127.0.0.1", port_);
  Response r = c.get("/v1/blocks/9?name=a%26b+c");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/plain");
  EXPECT_EQ(r.body, "GET /v1/blocks/9 p:height=9 q:name=a&b c");

  r = c.post("/v1/tx", "{\"k\":1}");
  EXPECT_EQ(r.body, "posted 7 application/json");

  r = c.get("/nope");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body, json_error("http.not_found", "no route for GET /nope"));

  r = c.request("DELETE", "/v1/blocks/1");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.header("allow"), "GET, HEAD");
  EXPECT_EQ(r.body, json_error("http.method_not_allowed",
                               "method DELETE not allowed on /v1/blocks/1 (allowed: GET, HEAD)"));

  r = c.get("/boom");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body, json_error("http.internal", "database on fire"));

  // HEAD runs the GET handler and sends its length without the body.
  r = c.request("HEAD", "/v1/blocks/9");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-length"), "28");  // "HEAD /v1/blocks/9 p:height=9"
  EXPECT_EQ(r.body, "");
  // The connection survived all of the above.
  EXPECT_EQ(c.get("/").body, "root");
}

TEST_F(LiveServer, KeepAliveServesManyRequestsOnOneConnection) {
  start();
  Client c("127.0.0.1", port_);
  std::set<std::string> remotes;
  for (int i = 0; i < 50; ++i) {
    Response r = c.get("/remote");
    ASSERT_EQ(r.status, 200);
    remotes.insert(r.body);
  }
  EXPECT_EQ(remotes.size(), 1u);

  // Pipelined requests on a raw connection are answered in order.
  Raw raw(port_);
  raw.send(
      "GET /v1/blocks/1 HTTP/1.1\r\nHost: x\r\n\r\nGET /v1/blocks/2 HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /v1/blocks/3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  bool closed = false;
  std::string got = raw.read_all(2000ms, &closed);
  EXPECT_TRUE(closed);
  size_t a = got.find("p:height=1"), b = got.find("p:height=2"), c3 = got.find("p:height=3");
  ASSERT_NE(a, std::string::npos);
  ASSERT_NE(b, std::string::npos);
  ASSERT_NE(c3, std::string::npos);
  EXPECT_LT(a, b);
  EXPECT_LT(b, c3);
}

TEST_F(LiveServer, BodyLimitGives413) {
  Options o;
  o.body_bytes_max = 1024;
  start(o);
  Client c("127.0.0.1", port_);
  EXPECT_EQ(c.post("/v1/tx", std::string(1024, 'x')).body, "posted 1024 application/json");
  Response r = c.post("/v1/tx", std::string(2000, 'x'));
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.body, json_error("http.body_too_large", "request body exceeds 1024 bytes"));
  EXPECT_EQ(r.header("connection"), "close");
  // The client reconnects for the next request.
  EXPECT_EQ(c.get("/").body, "root");

  // Chunked bodies are limited as they arrive.
  Raw raw(port_);
  raw.send("POST /v1/tx HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n400\r\n" +
           std::string(1024, 'y') + "\r\n10\r\n" + std::string(16, 'z') + "\r\n0\r\n\r\n");
  bool closed = false;
  std::string got = raw.read_all(2000ms, &closed);
  EXPECT_EQ(got.rfind("HTTP/1.1 413 Payload Too Large\r\n", 0), 0u) << got;
  EXPECT_TRUE(closed);
}

TEST_F(LiveServer, HeaderLimitGives431) {
  start();
  Client c("127.0.0.1", port_);
  Response r = c.get("/", {{"X-Big", std::string(20 * 1024, 'h')}});
  EXPECT_EQ(r.status, 431);
  EXPECT_EQ(r.body,
            json_error("http.header_too_large", "request line and headers exceed 16384 bytes"));
  EXPECT_EQ(c.get("/", {{"X-Fine", std::string(8 * 1024, 'h')}}).body, "root");
}

TEST_F(LiveServer, MalformedRequestGives400AndCloses) {
  start();
  for (const std::string& junk : {std::string("GARBAGE\r\n\r\n"),
                                  std::string("GET / HTTP/1.1\r\nContent-Length: abc\r\n\r\n"),
                                  std::string("GET / HTTP/9.9\r\n\r\n"),
                                  std::string("GET / HTTP/1.1\r\nBad Header: x\r\n\r\n")}) {
    Raw raw(port_);
    ASSERT_TRUE(raw.ok());
    raw.send(junk);
    bool closed = false;
    std::string got = raw.read_all(2000ms, &closed);
    EXPECT_EQ(got.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u) << got;
    EXPECT_NE(got.find("{\"error\":{\"code\":\"http.malformed\",\"message\":\"malformed request: "),
              std::string::npos)
        << got;
    EXPECT_TRUE(closed) << junk;
  }
}

TEST_F(LiveServer, ExpectContinueIsAnswered) {
  start();
  Raw raw(port_);
  raw.send("POST /v1/tx HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
  std::string interim = raw.read_until("\r\n\r\n", 2000ms);
  EXPECT_EQ(interim, "HTTP/1.1 100 Continue\r\n\r\n");
  raw.send("hello");
  std::string got = raw.read_until("posted", 2000ms);
  EXPECT_NE(got.find("200 OK"), std::string::npos);
}

TEST_F(LiveServer, IdleConnectionIsClosed) {
  Options o;
  o.idle_timeout_s = 1;
  start(o);
  Raw raw(port_);
  raw.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  auto t0 = Clock::now();
  bool closed = false;
  std::string got = raw.read_all(4000ms, &closed);
  auto waited = Clock::now() - t0;
  EXPECT_NE(got.find("root"), std::string::npos);
  EXPECT_TRUE(closed);
  EXPECT_GE(waited, 900ms);
  EXPECT_LT(waited, 3000ms);

  // A request that never finishes its headers is cut off too (slowloris).
  Raw slow(port_);
  slow.send("GET / HTTP/1.1\r\n");
  t0 = Clock::now();
  for (int i = 0; i < 8 && Clock::now() - t0 < 3s; ++i) {
    std::this_thread::sleep_for(200ms);
    slow.send("X: y\r\n");
  }
  slow.read_all(3000ms, &closed);
  EXPECT_TRUE(closed);
  EXPECT_LT(Clock::now() - t0, 4s);
}

TEST_F(LiveServer, ManyConcurrentClients) {
  start();
  constexpr int threads = 16, per_thread = 200;
  std::atomic<int> good{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      Client c("127.0.0.1", port_);
      for (int i = 0; i < per_thread; ++i) {
        std::string h = std::to_string(t * 1000 + i);
        Response r = c.get("/v1/blocks/" + h + "?t=" + std::to_string(t));
        if (r.status == 200 &&
            r.body == "GET /v1/blocks/" + h + " p:height=" + h + " q:t=" + std::to_string(t)) {
          ++good;
        }
      }
    });
  }
  for (auto& th : pool) th.join();
  EXPECT_EQ(good.load(), threads * per_thread);
}

TEST_F(LiveServer, ConnectionsBeyondTheLimitGet503) {
  Options o;
  o.connections_max = 2;
  start(o);
  Client a("127.0.0.1", port_), b("127.0.0.1", port_);
  ASSERT_EQ(a.get("/").body, "root");
  ASSERT_EQ(b.get("/").body, "root");  // both connections now held open (keep-alive)

  Client c("127.0.0.1", port_);
  Response r = c.get("/");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, json_error("http.busy", "too many connections (limit 2); retry later"));
  EXPECT_EQ(r.header("connection"), "close");

  // Once a connection closes its slot is reused.
  a.close();
  bool served = false;
  for (auto until = Clock::now() + 3s; Clock::now() < until && !served;) {
    served = c.get("/").status == 200;
    if (!served) std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(served);
  EXPECT_EQ(b.get("/").body, "root");
}

// ---- event streams ------------------------------------------------------------------------------

class StreamServer : public LiveServer {
 protected:
  void extra_routes(Server& s) override {
    // Sends 0, 1, 2, ... every 5 ms until send() fails, then records how it ended.
    s.stream("/v1/events/{topic}", [this](const Request& r, EventSink& sink) {
      int i = 0;
      while (sink.send(r.params.at("topic"), "n=" + std::to_string(i) + "\nline2",
                       std::to_string(i))) {
        ++i;
        std::this_thread::sleep_for(5ms);
      }
      std::lock_guard<std::mutex> lock(mu_);
      sent_ = i;
      sender_done_ = true;
      cv_.notify_all();
    });
    // Waits on its own condition (as a real event feed would), in slices so it sees open().
    s.stream("/v1/quiet", [this](const Request&, EventSink& sink) {
      sink.send("hello", "");
      {
        std::lock_guard<std::mutex> lock(mu_);
        quiet_started_ = true;
        cv_.notify_all();
      }
      std::unique_lock<std::mutex> lock(mu_);
      while (sink.open()) cv_.wait_for(lock, 100ms, [] { return false; });
      quiet_done_ = true;
    });
  }
  std::mutex mu_;
  std::condition_variable cv_;
  int sent_ = -1;
  bool sender_done_ = false;
  bool quiet_started_ = false;
  bool quiet_done_ = false;
};

TEST_F(StreamServer, ClientReceivesEventsInOrderAndServerSeesItLeave) {
  start();
  Client c("127.0.0.1", port_);
  std::vector<std::string> got;
  bool stopped_by_us =
      c.open_stream("/v1/events/blocks", [&](std::string_view ev, std::string_view data) {
        got.push_back(std::string(ev) + "|" + std::string(data));
        return got.size() < 20;
      });
  EXPECT_TRUE(stopped_by_us);
  ASSERT_EQ(got.size(), 20u);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(got[i], "blocks|n=" + std::to_string(i) + "\nline2");

  std::unique_lock<std::mutex> lock(mu_);
  EXPECT_TRUE(cv_.wait_for(lock, 3s, [&] { return sender_done_; }));
  EXPECT_GE(sent_, 20);
}

TEST_F(StreamServer, StreamWireFormat) {
  start();
  Raw raw(port_);
  raw.send("GET /v1/events/t%20x HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string got = raw.read_until("id: 1\n", 2000ms);
  EXPECT_EQ(got.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << got;
  EXPECT_NE(got.find("\r\nContent-Type: text/event-stream\r\n"), std::string::npos);
  EXPECT_NE(got.find("\r\nCache-Control: no-cache\r\n"), std::string::npos);
  EXPECT_NE(got.find("\r\nConnection: close\r\n"), std::string::npos);
  EXPECT_EQ(got.find("Content-Length"), std::string::npos);
  EXPECT_NE(got.find("\r\n\r\nid: 0\nevent: t x\ndata: n=0\ndata: line2\n\nid: 1\n"),
            std::string::npos)
      << got;

  // A stream path answers only GET.
  Client c("127.0.0.1", port_);
  Response r = c.post("/v1/events/x", "");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.header("allow"), "GET");
}

TEST_F(StreamServer, StopIsPromptWithOpenStreamsAndIdleConnections) {
  start();
  Client idle("127.0.0.1", port_);
  ASSERT_EQ(idle.get("/").body, "root");  // an idle keep-alive connection stays open
  Raw half(port_);
  half.send("GET / HTTP/1.1\r\n");  // and one stuck mid-request

  std::atomic<int> events{0};
  std::atomic<bool> quiet_returned{false}, busy_returned{false};
  std::thread quiet([&] {
    Client c("127.0.0.1", port_);
    c.open_stream("/v1/quiet", [&](std::string_view, std::string_view) { return true; });
    quiet_returned = true;
  });
  std::thread busy([&] {
    Client c("127.0.0.1", port_);
    c.open_stream("/v1/events/x", [&](std::string_view, std::string_view) {
      ++events;
      return true;
    });
    busy_returned = true;
  });
  {
    std::unique_lock<std::mutex> lock(mu_);
    ASSERT_TRUE(cv_.wait_for(lock, 3s, [&] { return quiet_started_; }));
  }
  while (events.load() < 3) std::this_thread::sleep_for(5ms);

  auto t0 = Clock::now();
  server_->stop();
  auto took = Clock::now() - t0;
  EXPECT_LT(took, 2s);
  quiet.join();
  busy.join();
  EXPECT_TRUE(quiet_returned);
  EXPECT_TRUE(busy_returned);
  {
    std::lock_guard<std::mutex> lock(mu_);
    EXPECT_TRUE(quiet_done_);
    EXPECT_TRUE(sender_done_);
  }
  EXPECT_THROW(idle.get("/"), std::runtime_error);  // nobody listens any more
  server_->stop();                                  // idempotent
}

TEST(HttpServerStandaloneTest, BindFailureThrows) {
  Server a(Options{});
  a.start();
  Options o;
  o.port = a.port();
  Server b(o);
  try {
    b.start();
    FAIL() << "second bind succeeded";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "cannot listen on 127.0.0.1:" + std::to_string(a.port()) +
                                         ": Address already in use");
  }
}

}  // namespace
}  // namespace tanso::http
