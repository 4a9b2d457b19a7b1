// Re-checks a whole stored chain from genesis: block hashes and links, proposer signatures,
// every tx signature, tx and receipts roots, and re-execution to the same receipts and state
// roots; finally the stored state must equal the re-executed one. On a network chain
// (core/network.h) also: every block proposed and signed by a genesis node over its batch, and
// the attestations the store holds — none may attest a different result, and the report counts
// the blocks a quorum of nodes attested. Used by `tanso verify`.
#pragma once

#include <functional>
#include <string>

#include "node/verify_pool.h"
#include "storage/chain_store.h"

namespace tanso {

struct VerifyReport {
  uint64_t blocks = 0;  // blocks checked, genesis included
  uint64_t txs = 0;
  uint64_t signatures = 0;
  Hash state_root{};
  Hash head_hash{};
  bool network = false;
  uint32_t quorum = 0;
  uint64_t attested = 0;     // blocks (above 0) with a quorum of agreeing attestations
  uint64_t first_short = 0;  // the lowest block above 0 without a quorum (0: none)
};

// progress(height, last_height) is called after each block.
Result<VerifyReport> verify_chain(const ChainStore& store, WorkPool& pool,
                                  const std::function<void(uint64_t, uint64_t)>& progress);

}  // namespace tanso
