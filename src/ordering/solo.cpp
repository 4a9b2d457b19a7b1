// The solo orderer: an in-process FIFO that cuts batches by count, bytes or time.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>

#include "ordering/orderer.h"

namespace tanso {

uint64_t system_clock_ms() {
  using namespace std::chrono;
  return static_cast<uint64_t>(
      duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

namespace {

class Solo final : public Orderer {
 public:
  Solo(CutLimits limits, uint64_t last_time_ms, ClockMs clock)
      : limits_(limits), last_time_ms_(last_time_ms), clock_(std::move(clock)) {}

  bool submit(std::vector<TxPtr> txs) override {
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

  std::optional<OrderedBatch> next() override {
    std::unique_lock lock(mu_);
    for (;;) {
      if (stopped_) return std::nullopt;
      if (!queue_.empty()) {
        if (queue_.size() >= limits_.block_txs_max || bytes_ >= limits_.block_bytes_max) break;
        auto deadline =
            queue_.front().arrived + std::chrono::milliseconds(limits_.block_interval_ms);
        if (std::chrono::steady_clock::now() >= deadline) break;
        cv_.wait_until(lock, deadline);
      } else {
        cv_.wait(lock);
      }
    }
    OrderedBatch b;
    size_t bytes = 0;
    while (!queue_.empty() && b.txs.size() < limits_.block_txs_max) {
      size_t sz = queue_.front().tx->envelope.size();
      if (!b.txs.empty() && bytes + sz > limits_.block_bytes_max) break;
      bytes += sz;
      b.txs.push_back(std::move(queue_.front().tx));
      queue_.pop_front();
    }
    bytes_ -= bytes;
    last_time_ms_ = std::max(last_time_ms_, clock_());
    b.time_ms = last_time_ms_;
    return b;
  }

  void stop() override {
    std::lock_guard lock(mu_);
    stopped_ = true;
    cv_.notify_all();
  }

  size_t pending() const override {
    std::lock_guard lock(mu_);
    return queue_.size();
  }

 private:
  struct Entry {
    TxPtr tx;
    std::chrono::steady_clock::time_point arrived;
  };
  const CutLimits limits_;
  uint64_t last_time_ms_;
  ClockMs clock_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Entry> queue_;
  size_t bytes_ = 0;
  bool stopped_ = false;
};

}  // namespace

std::unique_ptr<Orderer> make_solo(CutLimits limits, uint64_t last_time_ms, ClockMs clock) {
  return std::make_unique<Solo>(limits, last_time_ms, std::move(clock));
}

}  // namespace tanso
