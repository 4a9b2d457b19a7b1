// The solo orderer: an in-process FIFO (BatchQueue) that cuts batches by count, bytes or time and
// stamps each with a block time that never decreases.
#include <chrono>

#include "ordering/batch_queue.h"

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
      : queue_(limits), last_time_ms_(last_time_ms), clock_(std::move(clock)) {}

  bool submit(std::vector<TxPtr> txs) override { return queue_.push(std::move(txs)); }

  std::optional<OrderedBatch> next() override {
    auto txs = queue_.cut();
    if (!txs) return std::nullopt;
    OrderedBatch b;
    b.txs = std::move(*txs);
    last_time_ms_ = std::max(last_time_ms_, clock_());
    b.time_ms = last_time_ms_;
    return b;
  }

  void stop() override { queue_.stop(); }
  size_t pending() const override { return queue_.size(); }

 private:
  BatchQueue queue_;
  uint64_t last_time_ms_;  // only next()'s thread
  ClockMs clock_;
};

}  // namespace

std::unique_ptr<Orderer> make_solo(CutLimits limits, uint64_t last_time_ms, ClockMs clock) {
  return std::make_unique<Solo>(limits, last_time_ms, std::move(clock));
}

}  // namespace tanso
