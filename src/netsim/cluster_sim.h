// The seed-driven cluster simulation (docs/CLUSTER.md, "Simulation"): one process, one thread,
// simulated time; everything — the network's shape, the clients' txs, every fault — follows
// from one seed, so a failing seed replays exactly.
//
// A seed makes 3-5 nodes (SimNode: the network orderer's rules from ordering/network_batch.h,
// core's execute_block, a memory store), a genesis naming them with 4-6 accounts holding KRW,
// and one client per account sending signed holdings.transfer txs (some invalid on purpose:
// overdrafts, replayed nonces, unknown recipients) to random nodes, one at a time, counting a
// tx as acknowledged only when the node it went to commits it; a client that waits too long
// sends a new tx with the same nonce (never the same tx again). Faults while it runs: nodes
// crash (losing everything but their store) and restart, the log is unavailable for a while,
// append answers are lost, deliveries to followers are delayed, reordered and duplicated, the
// log is compacted behind the slowest node. Then faults stop and every node must reach the
// log's head. ChainChecker (netsim/invariants.h) checks the invariants throughout.
#pragma once

#include <cstdint>
#include <string>

#include "core/crypto.h"
#include "netsim/sim_node.h"

namespace tanso::netsim {

struct SimOptions {
  NodeBug bug = NodeBug::none;  // given to the first node (tests of the checks)
};

struct SimResult {
  uint64_t seed = 0;
  std::string failure;  // "" if every invariant held; else "<invariant>: <detail>"
  size_t nodes = 0, clients = 0;
  uint64_t height = 0, txs = 0, acks = 0, refused = 0, rejected = 0;
  uint64_t crashes = 0, restarts = 0, outages = 0, lost_answers = 0, already_appended = 0,
           head_moved = 0, append_retries = 0, duplicates_delivered = 0, duplicates_seen = 0,
           compactions = 0, own_after_crash = 0;
  Hash head{};
  std::string summary() const;  // one line: what the seed did
};

SimResult run_seed(uint64_t seed, const SimOptions& o = {});

}  // namespace tanso::netsim
