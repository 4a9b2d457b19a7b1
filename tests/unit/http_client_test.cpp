// tanso::http::Client against our Server and against canned raw responses on 127.0.0.1.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
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

Response text(std::string body) {
  Response r;
  r.content_type = "text/plain";
  r.body = std::move(body);
  return r;
}

// A one-connection server that reads one request and answers with fixed bytes, then closes.
class CannedServer {
 public:
  explicit CannedServer(std::string reply) : reply_(std::move(reply)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(listen_fd_, 4);
    socklen_t len = sizeof a;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] {
      int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) return;
      std::string req;
      char buf[4096];
      while (req.find("\r\n\r\n") == std::string::npos) {
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        req.append(buf, static_cast<size_t>(n));
      }
      request_ = req;
      ::send(fd, reply_.data(), reply_.size(), MSG_NOSIGNAL);
      ::shutdown(fd, SHUT_WR);
      while (::recv(fd, buf, sizeof buf, 0) > 0) {
      }
      ::close(fd);
    });
  }
  ~CannedServer() {
    ::shutdown(listen_fd_, SHUT_RDWR);
    thread_.join();
    ::close(listen_fd_);
  }
  unsigned short port() const { return port_; }
  const std::string& request() const { return request_; }  // after the exchange

 private:
  std::string reply_;
  int listen_fd_ = -1;
  unsigned short port_ = 0;
  std::thread thread_;
  std::string request_;
};

// A port with nothing listening on it.
unsigned short closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

TEST(HttpClientTest, ParsesEndpoints) {
  auto ep = parse_endpoint("127.0.0.1:8080");
  ASSERT_TRUE(ep);
  EXPECT_EQ(ep->host, "127.0.0.1");
  EXPECT_EQ(ep->port, 8080);
  EXPECT_EQ(ep->to_string(), "127.0.0.1:8080");

  ep = parse_endpoint("http://localhost:9000/");
  ASSERT_TRUE(ep);
  EXPECT_EQ(ep->host, "localhost");
  EXPECT_EQ(ep->port, 9000);

  ep = parse_endpoint("HTTP://node1");
  ASSERT_TRUE(ep);
  EXPECT_EQ(ep->port, 80);
  EXPECT_EQ(parse_endpoint("node1", nullptr, 7000)->port, 7000);

  ep = parse_endpoint("[::1]:8080");
  ASSERT_TRUE(ep);
  EXPECT_EQ(ep->host, "::1");
  EXPECT_EQ(ep->to_string(), "[::1]:8080");

  std::string why;
  EXPECT_FALSE(parse_endpoint("https://x:1", &why));
  EXPECT_EQ(why, "bad address 'https://x:1': only http:// is supported");
  EXPECT_FALSE(parse_endpoint("x:0", &why));
  EXPECT_EQ(why, "bad address 'x:0': port must be a number from 1 to 65535");
  EXPECT_FALSE(parse_endpoint("x:65536"));
  EXPECT_FALSE(parse_endpoint("x:8a"));
  EXPECT_FALSE(parse_endpoint("x:"));
  EXPECT_FALSE(parse_endpoint(":80"));
  EXPECT_FALSE(parse_endpoint(""));
  EXPECT_FALSE(parse_endpoint("::1:80", &why));
  EXPECT_EQ(why, "bad address '::1:80': an IPv6 address needs brackets: [::1]:8080");
  EXPECT_FALSE(parse_endpoint("http://x:1/v1", &why));
  EXPECT_EQ(why, "bad address 'http://x:1/v1': a path is not allowed here");
}

TEST(HttpClientTest, ConnectionRefusedMessage) {
  unsigned short port = closed_port();
  Client c("127.0.0.1", port);
  try {
    c.get("/");
    FAIL() << "expected an exception";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()),
              "cannot connect to 127.0.0.1:" + std::to_string(port) + ": Connection refused");
  }
  EXPECT_THROW(c.open_stream("/", [](std::string_view, std::string_view) { return true; }),
               std::runtime_error);
}

TEST(HttpClientTest, RejectsBadTargetsAndHeaders) {
  Client c("127.0.0.1", closed_port());
  EXPECT_THROW(c.get("/a b"), std::invalid_argument);
  EXPECT_THROW(c.get("/a\r\nX: y"), std::invalid_argument);
  EXPECT_THROW(c.get("/", {{"X-A", "1\r\nX-B: 2"}}), std::invalid_argument);
  EXPECT_THROW(c.request("G T", "/"), std::invalid_argument);
}

class ClientAgainstServer : public ::testing::Test {
 protected:
  void start(Options opts = {}) {
    server_ = std::make_unique<Server>(std::move(opts));
    server_->route("GET", "/remote", [](const Request& r) { return text(r.remote); });
    server_->route("POST", "/echo", [](const Request& r) {
      Response res = text(r.body);
      res.status = 201;
      res.content_type = r.header("content-type");
      res.headers.emplace_back("X-Seen", r.header("x-custom"));
      return res;
    });
    server_->route("GET", "/slow", [](const Request&) {
      std::this_thread::sleep_for(1500ms);
      return text("late");
    });
    server_->route("GET", "/big", [](const Request&) { return text(std::string(5'000'000, 'b')); });
    server_->stream("/events", [](const Request& r, EventSink& sink) {
      int n = std::stoi(r.query.at("n"));
      sink.ping();
      for (int i = 0; i < n; ++i) {
        if (!sink.send(i % 2 ? "odd" : "", "#" + std::to_string(i) + "\r\nsecond\n",
                       "id" + std::to_string(i))) {
          return;
        }
      }
      sink.send("empty", "");
    });  // returning ends the stream: the server closes the connection
    server_->start();
    port_ = server_->port();
  }
  void TearDown() override {
    if (server_) server_->stop();
  }
  std::unique_ptr<Server> server_;
  unsigned short port_ = 0;
};

TEST_F(ClientAgainstServer, RequestsAndResponses) {
  start();
  Client c("127.0.0.1", port_);
  Response r = c.post("/echo", "payload", {{"Content-Type", "text/x-test"}, {"X-Custom", "v 1"}});
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.body, "payload");
  EXPECT_EQ(r.content_type, "text/x-test");
  EXPECT_EQ(r.header("x-seen"), "v 1");
  bool lower_case = true;
  for (const auto& [name, value] : r.headers) {
    for (char ch : name) lower_case = lower_case && !(ch >= 'A' && ch <= 'Z');
  }
  EXPECT_TRUE(lower_case);

  r = c.post("/echo", "{}");  // no Content-Type given: JSON
  EXPECT_EQ(r.content_type, "application/json");

  r = c.get("/big");
  EXPECT_EQ(r.body.size(), 5'000'000u);
  r = c.get("/missing");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body,
            "{\"error\":{\"code\":\"http.not_found\",\"message\":\"no route for GET /missing\"}}");
  EXPECT_EQ(c.endpoint().to_string(), "127.0.0.1:" + std::to_string(port_));
}

TEST_F(ClientAgainstServer, KeepsOneConnectionAndReconnectsAfterServerClosesIt) {
  Options o;
  o.idle_timeout_s = 1;
  start(o);
  Client c("127.0.0.1", port_);
  std::string first = c.get("/remote").body;
  EXPECT_EQ(c.get("/remote").body, first);     // same connection
  std::this_thread::sleep_for(1500ms);         // the server closes the idle connection
  std::string second = c.get("/remote").body;  // retried once on a new connection
  EXPECT_NE(second, first);
  EXPECT_EQ(c.get("/remote").body, second);
  c.close();
  EXPECT_NE(c.get("/remote").body, second);
}

TEST_F(ClientAgainstServer, TimesOut) {
  start();
  ClientOptions co;
  co.timeout_ms = 300;
  Client c("127.0.0.1", port_, co);
  auto t0 = Clock::now();
  try {
    c.get("/slow");
    FAIL() << "expected a timeout";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()),
              "GET /slow to 127.0.0.1:" + std::to_string(port_) + " timed out after 300 ms");
  }
  EXPECT_LT(Clock::now() - t0, 1200ms);
  EXPECT_EQ(c.get("/remote").status, 200);  // a fresh connection afterwards
}

TEST_F(ClientAgainstServer, ConsumesEventStreams) {
  start();
  Client c("127.0.0.1", port_);
  std::vector<std::string> got;
  bool stopped = c.open_stream("/events?n=4", [&](std::string_view ev, std::string_view data) {
    got.push_back(std::string(ev) + "|" + std::string(data));
    return true;
  });
  EXPECT_FALSE(stopped);  // the server ended it
  std::vector<std::string> want = {"message|#0\nsecond\n", "odd|#1\nsecond\n",
                                   "message|#2\nsecond\n", "odd|#3\nsecond\n", "empty|"};
  EXPECT_EQ(got, want);

  got.clear();
  stopped = c.open_stream("/events?n=1000", [&](std::string_view, std::string_view data) {
    got.emplace_back(data);
    return got.size() < 3;
  });
  EXPECT_TRUE(stopped);
  EXPECT_EQ(got.size(), 3u);

  try {
    c.open_stream("/nope", [](std::string_view, std::string_view) { return true; });
    FAIL() << "expected an exception";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(
        std::string(e.what()),
        "GET /nope to 127.0.0.1:" + std::to_string(port_) +
            ": HTTP 404 {\"error\":{\"code\":\"http.not_found\",\"message\":\"no route for GET "
            "/nope\"}}");
  }
  // The persistent connection is independent of streams.
  EXPECT_EQ(c.get("/remote").status, 200);
}

TEST(HttpClientTest, ParsesChunkedEventStreamsWithCrLfAndComments) {
  std::string events =
      ": comment\r\n"
      "event: a\r\ndata: one\r\ndata:two\r\n\r\n"
      "retry: 100\nid: 7\ndata\n\n"
      "data: x\rdata: y\r\r"
      "event: ignored-no-data\n\n"
      "data: last\n\n";
  std::string body;
  // Split into odd-sized chunks so that lines and CRLFs straddle chunk boundaries.
  for (size_t i = 0; i < events.size(); i += 7) {
    std::string piece = events.substr(i, 7);
    char size[16];
    std::snprintf(size, sizeof size, "%zx", piece.size());
    body += std::string(size) + "\r\n" + piece + "\r\n";
  }
  body += "0\r\n\r\n";
  CannedServer canned(
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n" +
      body);
  Client c("127.0.0.1", canned.port());
  std::vector<std::string> got;
  bool stopped = c.open_stream("/s?x=1", [&](std::string_view ev, std::string_view data) {
    got.push_back(std::string(ev) + "|" + std::string(data));
    return true;
  });
  EXPECT_FALSE(stopped);
  std::vector<std::string> want = {"a|one\ntwo", "message|", "message|x\ny", "message|last"};
  EXPECT_EQ(got, want);
  EXPECT_EQ(canned.request().rfind("GET /s?x=1 HTTP/1.1\r\n", 0), 0u);
  EXPECT_NE(canned.request().find("Accept: text/event-stream\r\n"), std::string::npos);
}

TEST(HttpClientTest, ReadsCloseDelimitedAndHeadResponses) {
  {
    CannedServer canned("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil-close");
    Client c("127.0.0.1", canned.port());
    Response r = c.get("/");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "until-close");
  }
  {
    CannedServer canned("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n");
    Client c("127.0.0.1", canned.port());
    Response r = c.request("HEAD", "/");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("content-length"), "1000");
    EXPECT_EQ(r.body, "");
  }
}

TEST(HttpClientTest, ThrowsOnGarbageResponse) {
  CannedServer canned("SMTP ready\r\n\r\n");
  Client c("127.0.0.1", canned.port());
  try {
    c.get("/x");
    FAIL() << "expected an exception";
  } catch (const std::runtime_error& e) {
    std::string what = e.what();
    EXPECT_EQ(what.rfind("GET /x to 127.0.0.1:" + std::to_string(canned.port()) + " failed: ", 0),
              0u)
        << what;
  }
}

}  // namespace
}  // namespace tanso::http
