// The deterministic state machine: (state, block of txs, height, time) -> (writes, receipts,
// roots). Pure: no I/O, no clock, no threads. Genesis application lives here too.
#pragma once

#include <span>
#include <vector>

#include "core/block.h"
#include "core/module.h"
#include "core/state.h"

namespace tanso {

struct BlockOutput {
  std::vector<Receipt> receipts;
  WriteSet writes;
  Hash tx_root{};
  Hash receipts_root{};
  Hash state_root{};
};

// Runs each tx: the checks of check_tx (with the nonce from state), then its handler. A tx that
// fails stays in the block with its rejection code and changes nothing but, if it got past the
// checks, its sender's nonce. With verify_sigs, signatures are verified here too (tanso verify,
// blocks from other nodes); the local pipeline verifies them once at admission.
BlockOutput execute_block(const State& st, const Hash& prev_state_root, uint64_t height,
                          uint64_t time_ms, std::span<const Tx* const> txs, bool verify_sigs);

struct Genesis {
  std::string text;  // the genesis document as given (its SHA-256 is block 0's prev_hash)
  Params params;
  WriteSet writes;
  Hash state_root{};
  uint64_t time_ms = 0;
  BlockHeader header;  // block 0 (unsigned; every node derives the same one)
};

Result<Genesis> apply_genesis(std::string_view genesis_json);
// The permission table a genesis starts from when it does not override an entry.
std::map<std::string, std::set<std::string>, std::less<>> default_permissions();

}  // namespace tanso
