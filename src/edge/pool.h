// A small fixed thread pool for parallel loops (signature verification on every core): run(n, f)
// calls f(i) for i in [0, n) on the workers and the calling thread, and returns when all are done.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace tanso::edge {

class ParallelPool {
 public:
  explicit ParallelPool(unsigned threads);  // workers besides the caller: threads - 1
  ~ParallelPool();
  void run(size_t n, const std::function<void(size_t)>& f);

 private:
  void work();
  void drain();
  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable cv_, done_cv_;
  const std::function<void(size_t)>* job_ = nullptr;
  size_t n_ = 0;
  uint64_t generation_ = 0;
  std::atomic<size_t> next_{0}, finished_{0};
  unsigned busy_ = 0;
  bool stop_ = false;
};

}  // namespace tanso::edge
