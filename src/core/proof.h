// Offline check of a tx inclusion proof as returned by GET /v1/txs/{id}: the leaf is the tx id,
// the audit path leads to the tx_root, the tx_root is the one in the block header, and the
// header's hash and proposer signature are sound. Pure: needs nothing but the JSON.
#pragma once

#include "core/status.h"
#include "core/tx.h"

namespace tanso {

struct ProofFacts {
  Hash tx_id{};
  uint64_t height = 0;
  Hash block_hash{};
  std::string code;
};

Result<ProofFacts> verify_tx_proof(const Json& tx_status);

}  // namespace tanso
