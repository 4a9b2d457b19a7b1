// The queue of admitted txs waiting for a batch, shared by the solo and network orderers: FIFO,
// cut by count, bytes or time (CutLimits), whichever is reached first; bounded (back-pressure).
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <vector>

#include "ordering/orderer.h"

namespace tanso {

class BatchQueue {
 public:
  explicit BatchQueue(CutLimits limits) : limits_(limits) {}
  // Appends all of `txs` in order, or nothing (false) if the queue would exceed
  // pending_txs_max or is stopped.
  bool push(std::vector<TxPtr> txs);
  // Waits until a batch is due and takes it (at least one tx). nullopt once stopped.
  std::optional<std::vector<TxPtr>> cut();
  void stop();
  size_t size() const;
  const CutLimits& limits() const { return limits_; }

 private:
  struct Entry {
    TxPtr tx;
    std::chrono::steady_clock::time_point arrived;
  };
  const CutLimits limits_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Entry> queue_;
  size_t bytes_ = 0;
  bool stopped_ = false;
};

}  // namespace tanso
