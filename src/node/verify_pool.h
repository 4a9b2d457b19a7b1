// A fixed pool of threads for signature verification, so one large batch uses every core.
// Thread-safety: run() may be called from several threads at once.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace tanso {

class WorkPool {
 public:
  explicit WorkPool(unsigned threads);
  ~WorkPool();
  unsigned size() const { return static_cast<unsigned>(threads_.size()) + 1; }
  // Calls f(i) for i in [0, n), split into chunks across the pool and the calling thread;
  // returns when all are done.
  void parallel_for(size_t n, const std::function<void(size_t)>& f);

 private:
  void worker();
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace tanso
