// An in-memory SharedLog shared by several orderers in one process: the unit tests' and the
// seed-driven simulation's stand-in for etcd, with fault injection (unavailable; an append that
// lands but whose answer is lost). Thread-safe; handles returned by handle() share one log.
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>

#include "ordering/shared_log.h"

namespace tanso {

class MemoryLog {
 public:
  std::unique_ptr<SharedLog> handle();
  // While true every call throws LogUnavailable.
  void set_unavailable(bool v);
  // The next n appends that succeed throw LogUnavailable after writing (a lost answer).
  void lose_answers(unsigned n);
  LogHead head() const;
  size_t slots_held() const;

 private:
  friend class MemoryLogHandle;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool unavailable_ = false;
  unsigned lose_ = 0;
  bool has_head_ = false;
  LogHead head_;
  int64_t revision_ = 0;
  std::map<uint64_t, std::string> slots_;
  std::map<std::string, uint64_t, std::less<>> seqs_;
  std::map<std::string, std::string, std::less<>> side_;
};

}  // namespace tanso
