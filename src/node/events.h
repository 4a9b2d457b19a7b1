// The node's event log for Server-Sent Events: the last `capacity` committed blocks' events, so
// a client can resume from a Last-Event-ID. Thread-safety: all methods are thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace tanso {

struct BlockEvents {
  uint64_t height = 0;
  std::string block_json;                  // the header
  std::vector<std::string> receipt_jsons;  // one per tx
};

class EventLog {
 public:
  explicit EventLog(size_t capacity) : capacity_(capacity) {}
  void publish(BlockEvents ev);
  // Events with height > after, waiting up to timeout_ms for the first. Empty on timeout/close.
  std::vector<BlockEvents> wait_after(uint64_t after, uint32_t timeout_ms);
  uint64_t last_height() const;
  uint64_t first_height() const;  // oldest height held; 0 when empty
  void close();

 private:
  const size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<BlockEvents> log_;
  uint64_t last_ = 0;
  bool closed_ = false;
};

}  // namespace tanso
