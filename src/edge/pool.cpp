// ParallelPool (see pool.h).
#include "edge/pool.h"

namespace tanso::edge {

ParallelPool::ParallelPool(unsigned threads) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 1; i < threads; ++i) workers_.emplace_back([this] { work(); });
}

ParallelPool::~ParallelPool() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_) t.join();
}

void ParallelPool::drain() {
  for (;;) {
    size_t i = next_.fetch_add(1);
    if (i >= n_) return;
    (*job_)(i);
    finished_.fetch_add(1);
  }
}

void ParallelPool::work() {
  uint64_t seen = 0;
  for (;;) {
    {
      std::unique_lock lk(mu_);
      cv_.wait(lk, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      ++busy_;
    }
    drain();
    {
      std::lock_guard lk(mu_);
      --busy_;
    }
    done_cv_.notify_all();
  }
}

void ParallelPool::run(size_t n, const std::function<void(size_t)>& f) {
  if (n == 0) return;
  if (workers_.empty() || n < 4) {
    for (size_t i = 0; i < n; ++i) f(i);
    return;
  }
  {
    std::lock_guard lk(mu_);
    job_ = &f;
    n_ = n;
    next_ = 0;
    finished_ = 0;
    ++generation_;
  }
  cv_.notify_all();
  drain();
  std::unique_lock lk(mu_);
  done_cv_.wait(lk, [&] { return finished_.load() == n_ && busy_ == 0; });
  job_ = nullptr;
}

}  // namespace tanso::edge
