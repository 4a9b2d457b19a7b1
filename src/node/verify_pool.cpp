// Work pool for parallel signature verification.
#include "node/verify_pool.h"

#include <atomic>
#include <latch>

namespace tanso {

WorkPool::WorkPool(unsigned threads) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  // The caller works too, so the pool has one thread fewer than the cores to use.
  for (unsigned i = 1; i < threads; ++i) threads_.emplace_back([this] { worker(); });
}

WorkPool::~WorkPool() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void WorkPool::worker() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stop_ || !tasks_.empty(); });
      if (stop_ && tasks_.empty()) return;
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

void WorkPool::parallel_for(size_t n, const std::function<void(size_t)>& f) {
  constexpr size_t kChunk = 32;
  if (n <= kChunk || threads_.empty()) {
    for (size_t i = 0; i < n; ++i) f(i);
    return;
  }
  std::atomic<size_t> next{0};
  auto drain = [&] {
    for (;;) {
      size_t start = next.fetch_add(kChunk);
      if (start >= n) return;
      for (size_t i = start; i < std::min(n, start + kChunk); ++i) f(i);
    }
  };
  size_t helpers = std::min(threads_.size(), (n + kChunk - 1) / kChunk - 1);
  std::latch done(static_cast<std::ptrdiff_t>(helpers));
  {
    std::lock_guard lock(mu_);
    for (size_t i = 0; i < helpers; ++i)
      tasks_.push_back([&] {
        drain();
        done.count_down();
      });
  }
  cv_.notify_all();
  drain();
  done.wait();
}

}  // namespace tanso
