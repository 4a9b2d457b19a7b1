// MemoryLog (ordering/memory_log.h): the SharedLog contract over a mutex-guarded map.
#include "ordering/memory_log.h"

#include <chrono>

namespace tanso {

class MemoryLogHandle final : public SharedLog {
 public:
  explicit MemoryLogHandle(MemoryLog& log) : l_(log) {}

  uint64_t open(std::string_view proposer, uint64_t genesis_time_ms) override {
    auto lock = guard();
    if (!l_.has_head_) {
      l_.has_head_ = true;
      l_.head_ = {0, genesis_time_ms};
      ++l_.revision_;
    }
    return l_.seqs_.try_emplace(std::string(proposer), 0).first->second;
  }

  LogHead head() override {
    auto lock = guard();
    return l_.head_;
  }

  AppendResult append(const LogHead& expected, uint64_t time_ms, std::string_view proposer,
                      uint64_t seq, std::string_view value) override {
    auto lock = guard();
    uint64_t& s = l_.seqs_.at(std::string(proposer));
    if (s == seq) return {AppendOutcome::already_appended, l_.head_};
    if (s != seq - 1) throw std::logic_error("proposer sequence out of step");
    if (!(l_.head_ == expected)) return {AppendOutcome::head_moved, l_.head_};
    l_.head_ = {expected.slot + 1, time_ms};
    l_.slots_[l_.head_.slot] = std::string(value);
    s = seq;
    ++l_.revision_;
    l_.cv_.notify_all();
    if (l_.lose_ > 0) {
      --l_.lose_;
      throw LogUnavailable("memory log: the answer was lost");
    }
    return {AppendOutcome::appended, l_.head_};
  }

  LogRead read(uint64_t from, size_t max_entries, size_t max_bytes) override {
    auto lock = guard();
    LogRead r;
    r.revision = l_.revision_;
    size_t bytes = 0;
    for (auto it = l_.slots_.find(from);
         it != l_.slots_.end() && r.entries.size() < max_entries && bytes < max_bytes; ++it) {
      if (it->first != from + r.entries.size()) break;
      bytes += it->second.size();
      r.entries.push_back({it->first, it->second});
    }
    if (r.entries.empty() && from <= l_.head_.slot) r.compacted = true;
    return r;
  }

  bool wait(int64_t revision, uint32_t timeout_ms) override {
    std::unique_lock lock(l_.mu_);
    return l_.cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                           [&] { return l_.revision_ > revision; });
  }

  void compact(uint64_t slot) override {
    auto lock = guard();
    slot = std::min(slot, l_.head_.slot);
    l_.slots_.erase(l_.slots_.begin(), l_.slots_.lower_bound(slot));
  }

  void put_side(std::string_view k, std::string_view v) override {
    auto lock = guard();
    l_.side_[std::string(k)] = std::string(v);
  }

  std::vector<std::pair<std::string, std::string>> list_side(std::string_view from,
                                                             std::string_view to,
                                                             size_t limit) override {
    auto lock = guard();
    std::vector<std::pair<std::string, std::string>> out;
    for (auto it = l_.side_.lower_bound(from);
         it != l_.side_.end() && it->first < to && out.size() < limit; ++it)
      out.emplace_back(it->first, it->second);
    return out;
  }

  void delete_side(std::string_view from, std::string_view to) override {
    auto lock = guard();
    l_.side_.erase(l_.side_.lower_bound(from), l_.side_.lower_bound(to));
  }

 private:
  std::unique_lock<std::mutex> guard() {
    std::unique_lock lock(l_.mu_);
    if (l_.unavailable_) throw LogUnavailable("memory log: unavailable");
    return lock;
  }
  MemoryLog& l_;
};

std::unique_ptr<SharedLog> MemoryLog::handle() { return std::make_unique<MemoryLogHandle>(*this); }

void MemoryLog::set_unavailable(bool v) {
  std::lock_guard lock(mu_);
  unavailable_ = v;
  cv_.notify_all();
}

void MemoryLog::lose_answers(unsigned n) {
  std::lock_guard lock(mu_);
  lose_ = n;
}

LogHead MemoryLog::head() const {
  std::lock_guard lock(mu_);
  return head_;
}

size_t MemoryLog::slots_held() const {
  std::lock_guard lock(mu_);
  return slots_.size();
}

}  // namespace tanso
