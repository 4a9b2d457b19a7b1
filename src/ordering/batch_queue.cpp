// BatchQueue (ordering/batch_queue.h).
#include "ordering/batch_queue.h"

namespace tanso {

bool BatchQueue::push(std::vector<TxPtr> txs) {
  std::lock_guard lock(mu_);
  if (stopped_ || queue_.size() + txs.size() > limits_.pending_txs_max) return false;
  auto now = std::chrono::steady_clock::now();
  for (auto& t : txs) {
    bytes_ += t->envelope.size();
    queue_.push_back({std::move(t), now});
  }
  cv_.notify_one();
  return true;
}

std::optional<std::vector<TxPtr>> BatchQueue::cut() {
  std::unique_lock lock(mu_);
  for (;;) {
    if (stopped_) return std::nullopt;
    if (!queue_.empty()) {
      if (queue_.size() >= limits_.block_txs_max || bytes_ >= limits_.block_bytes_max) break;
      auto deadline = queue_.front().arrived + std::chrono::milliseconds(limits_.block_interval_ms);
      if (std::chrono::steady_clock::now() >= deadline) break;
      cv_.wait_until(lock, deadline);
    } else {
      cv_.wait(lock);
    }
  }
  std::vector<TxPtr> out;
  size_t bytes = 0;
  while (!queue_.empty() && out.size() < limits_.block_txs_max) {
    size_t sz = queue_.front().tx->envelope.size();
    if (!out.empty() && bytes + sz > limits_.block_bytes_max) break;
    bytes += sz;
    out.push_back(std::move(queue_.front().tx));
    queue_.pop_front();
  }
  bytes_ -= bytes;
  return out;
}

void BatchQueue::stop() {
  std::lock_guard lock(mu_);
  stopped_ = true;
  cv_.notify_all();
}

size_t BatchQueue::size() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

}  // namespace tanso
