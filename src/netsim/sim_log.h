// The cluster simulation's shared log (netsim/cluster_sim.h): the in-memory SharedLog
// (ordering/memory_log.h: head compare-and-swap, per-proposer sequences, unavailability, lost
// answers) plus what a network does to the slots on their way to the followers, chosen by the
// seed: each appended slot is delivered to each running node after its own delay (so deliveries
// arrive out of order), sometimes twice. Deliveries to a node that crashes are lost with it; a
// node also reads the log itself (after a restart, or to fill a gap). Single-threaded; time is
// the simulation's.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <vector>

#include "ordering/memory_log.h"

namespace tanso::netsim {

struct DeliveryFaults {
  uint32_t delay_max_ms = 20;       // each delivery takes 0..delay_max_ms
  uint32_t duplicate_percent = 10;  // deliveries sent twice
};

class SimLog {
 public:
  SimLog(size_t nodes, DeliveryFaults f, uint64_t seed) : faults_(f), rng_(seed), inbox_(nodes) {}
  MemoryLog& log() { return log_; }
  // An unavailability window: every client call throws LogUnavailable (deliveries go on).
  void set_unavailable(bool v) {
    down_ = v;
    log_.set_unavailable(v);
  }
  bool unavailable() const { return down_; }
  std::unique_ptr<SharedLog> handle() { return log_.handle(); }
  // Schedules deliveries of the slots appended since the last call to the running nodes.
  void deliver_new(uint64_t now_ms, const std::vector<bool>& running);
  // The entries due for `node` by now_ms, in arrival order (possibly repeated, out of slot order).
  std::vector<LogEntry> take_due(size_t node, uint64_t now_ms);
  void drop(size_t node) { inbox_[node].clear(); }  // the node crashed
  uint64_t duplicates_sent() const { return duplicates_; }

 private:
  DeliveryFaults faults_;
  std::mt19937_64 rng_;
  MemoryLog log_;
  bool down_ = false;
  uint64_t scheduled_to_ = 0;  // slots up to here have been scheduled
  uint64_t order_ = 0;
  uint64_t duplicates_ = 0;
  // Per node: (due time, send order) -> entry.
  std::vector<std::map<std::pair<uint64_t, uint64_t>, LogEntry>> inbox_;
};

}  // namespace tanso::netsim
