// The invariants the cluster simulation (netsim/cluster_sim.h) checks, during a run (at every
// block a node commits, every acknowledgement) and at its end (docs/CLUSTER.md, "Simulation"):
// - agreement: every node that has height h has the same block hash, state root and
//   attestation digest at h (attestations signed by the node genesis names);
// - block time never decreases along a node's chain;
// - no tx id appears twice in the chain;
// - conservation: the KRW supply and the sum of KRW balances stay what genesis made;
// - every acknowledged tx is committed, at the same height, index and receipt code on every
//   node that reached its block;
// - convergence: once faults stop, every node reaches the same head (the log's).
// The first violation is kept (what broke and where); later ones are ignored.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/block.h"
#include "core/network.h"
#include "core/state.h"
#include "storage/chain_store.h"

namespace tanso::netsim {

struct Ack {
  Hash tx_id{};
  std::string node;
  uint64_t height = 0;
  uint32_t index = 0;
  std::string code;
};

class ChainChecker {
 public:
  ChainChecker(std::string chain_id, std::string instrument, uint64_t total)
      : chain_id_(std::move(chain_id)), instrument_(std::move(instrument)), total_(total) {}

  // A node committed `blk` (after `prev`, its previous head) with these receipts, leaving
  // `state`, and signed `att`.
  void committed(const std::string& node, const BlockHeader& prev, const Block& blk,
                 const std::vector<Receipt>& receipts, const State& state, const Attestation& att);
  // A client got the acknowledgement of a committed tx.
  void acknowledged(const Ack& a);
  // End of a run: each store's chain against the agreed one, every ack on every node that
  // reached it, and (converged) every node at `log_head`.
  void final_check(const std::map<std::string, const ChainStore*>& stores, uint64_t log_head,
                   bool converged);

  bool ok() const { return failure_.empty(); }
  const std::string& failure() const { return failure_; }  // "<invariant>: <detail>"
  uint64_t heights() const { return agreed_.size(); }
  size_t acks() const { return acks_.size(); }
  void fail(const std::string& invariant, const std::string& detail);

 private:
  struct Agreed {
    Hash block_hash{};
    Hash state_root{};
    Hash attestation{};
    std::string first_node;
  };
  std::string chain_id_, instrument_;
  uint64_t total_;
  std::map<uint64_t, Agreed> agreed_;
  std::map<Hash, std::pair<uint64_t, uint32_t>> tx_at_;  // tx id -> (height, index)
  std::vector<Ack> acks_;
  std::string failure_;
};

}  // namespace tanso::netsim
