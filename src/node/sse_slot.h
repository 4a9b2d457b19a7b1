// One connected event-stream client (/v1/events, /v1/markets/{market}/stream): counted in the
// tanso_sse_clients gauge for as long as it lives, and at most limits::sse_subscribers_max at
// once over all streams. A stream that gets no slot sends one `error` event with code sse.busy
// (its 200 and headers are already out) and ends.
#pragma once

#include "core/limits.h"
#include "core/status.h"
#include "node/metrics.h"

namespace tanso {

class SseSlot {
 public:
  explicit SseSlot(Metrics& m) : m_(m) {
    held_ = m_.sse_clients.fetch_add(1) < limits::sse_subscribers_max;
    if (!held_) m_.sse_clients--;
  }
  ~SseSlot() {
    if (held_) m_.sse_clients--;
  }
  SseSlot(const SseSlot&) = delete;
  SseSlot& operator=(const SseSlot&) = delete;
  explicit operator bool() const { return held_; }
  static Error busy_error() {
    return err("sse.busy",
               "the node serves at most " + std::to_string(limits::sse_subscribers_max) +
                   " event streams at once; retry later",
               503);
  }

 private:
  Metrics& m_;
  bool held_ = false;
};

}  // namespace tanso
