// Internal to tanso_http (not a public header): a TCP socket wrapper whose synchronous reads and
// writes give up after a timeout, shared by the server and the client.
//
// Asio's blocking socket calls have no timeout (SO_RCVTIMEO does not help: Asio retries with an
// unbounded poll()). So the socket is put in non-blocking mode and every operation that would
// block waits in poll() until the operation's timeout or the optional absolute deadline,
// whichever is first, then fails with asio::error::timed_out.
//
// Another thread may wake a blocked operation by calling ::shutdown() on the native handle (the
// server's stop() does): poll() returns, the read sees EOF and the write EPIPE. Closing the
// socket is left to the owning thread, so the descriptor number cannot be reused under a waiter.
//
// Thread-safety: one thread uses a TimedSocket at a time.
#pragma once

#include <poll.h>
#include <sys/socket.h>

#include <boost/asio/error.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/system_error.hpp>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

namespace tanso::http::detail {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using Clock = std::chrono::steady_clock;

// Models Beast's SyncReadStream and SyncWriteStream.
class TimedSocket {
 public:
  // timeout_ms == 0: operations never time out (the deadline, if set, still applies).
  TimedSocket(tcp::socket& socket, unsigned timeout_ms)
      : socket_(socket), timeout_ms_(timeout_ms) {}

  tcp::socket& socket() { return socket_; }
  void set_timeout_ms(unsigned timeout_ms) { timeout_ms_ = timeout_ms; }
  // Every operation until clear_deadline() also fails once `deadline` passes.
  void set_deadline(Clock::time_point deadline) { deadline_ = deadline; }
  void clear_deadline() { deadline_.reset(); }

  template <class MutableBufferSequence>
  size_t read_some(const MutableBufferSequence& buffers, error_code& ec) {
    const Clock::time_point start = Clock::now();
    for (;;) {
      size_t n = socket_.read_some(buffers, ec);
      if (ec != asio::error::would_block && ec != asio::error::try_again) return n;
      if (!wait(POLLIN, start, ec)) return 0;
    }
  }
  template <class MutableBufferSequence>
  size_t read_some(const MutableBufferSequence& buffers) {
    error_code ec;
    size_t n = read_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }

  template <class ConstBufferSequence>
  size_t write_some(const ConstBufferSequence& buffers, error_code& ec) {
    const Clock::time_point start = Clock::now();
    for (;;) {
      size_t n = socket_.write_some(buffers, ec);  // Asio sends with MSG_NOSIGNAL: no SIGPIPE
      if (ec != asio::error::would_block && ec != asio::error::try_again) return n;
      if (!wait(POLLOUT, start, ec)) return 0;
    }
  }
  template <class ConstBufferSequence>
  size_t write_some(const ConstBufferSequence& buffers) {
    error_code ec;
    size_t n = write_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }

 private:
  // Waits for `events`; false with ec set on timeout or poll() failure.
  bool wait(short events, Clock::time_point start, error_code& ec) {
    std::optional<Clock::time_point> until = deadline_;
    if (timeout_ms_ != 0) {
      Clock::time_point t = start + std::chrono::milliseconds(timeout_ms_);
      if (!until || t < *until) until = t;
    }
    for (;;) {
      int wait_ms = -1;
      if (until) {
        auto left = std::chrono::ceil<std::chrono::milliseconds>(*until - Clock::now()).count();
        if (left <= 0) {
          ec = asio::error::timed_out;
          return false;
        }
        wait_ms = left > 1'000'000 ? 1'000'000 : static_cast<int>(left);
      }
      pollfd p{socket_.native_handle(), events, 0};
      int r = ::poll(&p, 1, wait_ms);
      if (r > 0) return true;  // readable, writable, or hung up: the retried call tells which
      if (r < 0 && errno != EINTR) {
        ec = error_code(errno, boost::system::system_category());
        return false;
      }
    }
  }

  tcp::socket& socket_;
  unsigned timeout_ms_;
  std::optional<Clock::time_point> deadline_;
};

inline std::string endpoint_string(const tcp::endpoint& ep) {
  if (ep.address().is_v6())
    return "[" + ep.address().to_string() + "]:" + std::to_string(ep.port());
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}

}  // namespace tanso::http::detail
