// The network orderer (docs/CLUSTER.md): the Orderer of a node in a multi-node chain, over a
// SharedLog (etcd, or the in-memory log of the tests and the simulation).
//
// Proposer thread: cuts this node's admitted txs into batches (BatchQueue), signs each batch's
// digest (core/network.h) for the slot after the log's head, with a block time that never
// decreases, and appends it exactly once (compare-and-swap on the head and this node's sequence;
// on "head moved" it re-signs for the new head and tries again; while the log is unavailable it
// keeps the batch and retries).
// Follower thread: reads the slots in order from the node's next height (waiting on the log
// between reads), checks every batch — a genesis node's signature over its digest, consecutive
// slots, non-decreasing time, every tx decoded and its signatures verified (the node's own
// batches were verified at admission) — and hands it to next().
// A batch that fails a check halts the node (failure() says why): the log holds what a genesis
// node signed, or the log itself is corrupt. A slot the log no longer holds (compacted) halts it
// too (ordering.compacted), unless `catch_up` is set: next() then hands out a catch_up marker and
// the follower waits for resume() (the node has caught up from other nodes' blocks). The rules
// themselves (signing for a head, checking an entry) are in ordering/network_batch.h, shared with
// the simulation (src/netsim).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "core/network.h"
#include "core/status.h"
#include "ordering/network_batch.h"
#include "ordering/orderer.h"
#include "ordering/shared_log.h"

namespace tanso {

struct NetworkOrdererOptions {
  CutLimits limits;
  Network network;
  std::string node_id;        // this node's id in `network`
  KeyPair key;                // this node's key (signs its batches)
  uint64_t next_slot = 1;     // the first height this node has not committed
  uint64_t last_time_ms = 0;  // the time of its last committed block
  uint64_t genesis_time_ms = 0;
  std::function<std::unique_ptr<SharedLog>()> make_log;  // called once per thread
  // Decodes other nodes' txs and verifies their signatures (on all cores).
  std::function<Result<std::vector<TxPtr>>(const std::vector<std::string>& envelopes)> admit;
  ClockMs clock = system_clock_ms;
  uint32_t retry_ms = 200;  // wait between attempts while the log is unavailable
  uint32_t wait_ms = 1000;  // longest wait on the log between reads (and to notice stop())
  bool catch_up = false;    // on a compacted slot: a catch_up marker instead of a halt
};

class NetworkOrderer final : public Orderer {
 public:
  explicit NetworkOrderer(NetworkOrdererOptions opts);
  ~NetworkOrderer() override;
  // Connects (creating the log's head if this is the first node) and starts both threads.
  // Throws LogUnavailable if the log cannot be reached.
  void start();
  bool submit(std::vector<TxPtr> txs) override;
  std::optional<OrderedBatch> next() override;
  void stop() override;
  size_t pending() const override;
  std::string failure() const override;
  // After a catch_up marker: the follower goes on reading at next_slot (the node's head + 1).
  void resume(uint64_t next_slot, uint64_t last_time_ms);
  uint64_t appended() const { return appended_; }  // batches this node appended

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::atomic<uint64_t> appended_{0};
};

}  // namespace tanso
