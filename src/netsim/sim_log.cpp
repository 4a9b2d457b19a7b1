// SimLog (netsim/sim_log.h).
#include "netsim/sim_log.h"

namespace tanso::netsim {

void SimLog::deliver_new(uint64_t now_ms, const std::vector<bool>& running) {
  const uint64_t head = log_.head().slot;
  if (head <= scheduled_to_) return;
  // Read past any unavailability: delivery is the network's, not a client call.
  log_.set_unavailable(false);
  LogRead r = handle()->read(scheduled_to_ + 1, head - scheduled_to_, SIZE_MAX);
  log_.set_unavailable(down_);
  for (const LogEntry& e : r.entries) {
    for (size_t n = 0; n < inbox_.size(); ++n) {
      if (!running[n]) continue;
      const unsigned copies = rng_() % 100 < faults_.duplicate_percent ? 2 : 1;
      for (unsigned c = 0; c < copies; ++c) {
        const uint64_t due = now_ms + rng_() % (faults_.delay_max_ms + 1);
        inbox_[n].emplace(std::pair{due, order_++}, e);
      }
      duplicates_ += copies - 1;
    }
  }
  scheduled_to_ = head;
}

std::vector<LogEntry> SimLog::take_due(size_t node, uint64_t now_ms) {
  std::vector<LogEntry> out;
  auto& box = inbox_[node];
  while (!box.empty() && box.begin()->first.first <= now_ms) {
    out.push_back(std::move(box.begin()->second));
    box.erase(box.begin());
  }
  return out;
}

}  // namespace tanso::netsim
