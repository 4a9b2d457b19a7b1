// Node metrics in the Prometheus text exposition format (version 0.0.4).
// Thread-safety: every method may be called from any thread.
#pragma once

#include <array>
#include <atomic>
#include <map>
#include <mutex>
#include <string>

namespace tanso {

class Histogram {
 public:
  // Upper bounds in seconds (cumulative buckets, +Inf implied).
  static constexpr std::array<double, 12> kBounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                     0.05,   0.1,   0.25,   0.5,   1.0,  2.5};
  void observe(double seconds);
  void render(std::string& out, const std::string& name, const std::string& help) const;

 private:
  mutable std::mutex mu_;
  std::array<uint64_t, kBounds.size() + 1> counts_{};
  double sum_ = 0;
  uint64_t n_ = 0;
};

class Metrics {
 public:
  std::atomic<uint64_t> height{0};
  std::atomic<uint64_t> blocks_committed{0};
  std::atomic<uint64_t> txs_committed{0};
  std::atomic<uint64_t> txs_admitted{0};
  std::atomic<uint64_t> sse_clients{0};
  Histogram commit_seconds;  // execute + write + sync of one block
  Histogram submit_seconds;  // HTTP submit to response (wait=commit)

  void rejected(const std::string& code) { bump(rejected_, code); }
  void refused(const std::string& code) { bump(refused_, code); }
  void http_status(int status) { bump(http_, std::to_string(status)); }
  std::string render(uint64_t pending) const;

 private:
  void bump(std::map<std::string, uint64_t>& m, const std::string& k);
  mutable std::mutex mu_;
  std::map<std::string, uint64_t> rejected_, refused_, http_;
};

}  // namespace tanso
