// Bounded, resumable log of committed blocks' events.
#include "node/events.h"

#include <chrono>

namespace tanso {

void EventLog::publish(BlockEvents ev) {
  std::lock_guard lock(mu_);
  last_ = ev.height;
  log_.push_back(std::move(ev));
  while (log_.size() > capacity_) log_.pop_front();
  cv_.notify_all();
}

std::vector<BlockEvents> EventLog::wait_after(uint64_t after, uint32_t timeout_ms) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
               [&] { return closed_ || last_ > after; });
  std::vector<BlockEvents> out;
  if (closed_) return out;
  for (const auto& e : log_)
    if (e.height > after) out.push_back(e);
  return out;
}

uint64_t EventLog::last_height() const {
  std::lock_guard lock(mu_);
  return last_;
}

uint64_t EventLog::first_height() const {
  std::lock_guard lock(mu_);
  return log_.empty() ? 0 : log_.front().height;
}

void EventLog::close() {
  std::lock_guard lock(mu_);
  closed_ = true;
  cv_.notify_all();
}

}  // namespace tanso
