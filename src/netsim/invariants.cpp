// ChainChecker (netsim/invariants.h).
#include "netsim/invariants.h"

#include "core/holdings.h"

namespace tanso::netsim {

namespace {
std::string short_hex(const Hash& h) { return to_hex(h).substr(0, 16); }
std::string at(const std::string& node, uint64_t height) {
  return "node " + node + " at height " + std::to_string(height);
}
}  // namespace

void ChainChecker::fail(const std::string& invariant, const std::string& detail) {
  if (failure_.empty()) failure_ = invariant + ": " + detail;
}

void ChainChecker::committed(const std::string& node, const BlockHeader& prev, const Block& blk,
                             const std::vector<Receipt>& receipts, const State& state,
                             const Attestation& att) {
  const BlockHeader& h = blk.header;
  if (h.time_ms < prev.time_ms)
    fail("block time never decreases", at(node, h.height) + ": time " + std::to_string(h.time_ms) +
                                           " after " + std::to_string(prev.time_ms));
  const Hash hash = header_hash(h);
  const Hash digest = attestation_digest(chain_id_, h.height, hash, h.state_root);
  if (att.node != node || att.height != h.height || !verify_attestation(chain_id_, att))
    fail("attestations", at(node, h.height) + ": its attestation does not verify");
  else if (attestation_digest(chain_id_, att.height, att.block_hash, att.state_root) != digest)
    fail("attestations", at(node, h.height) + ": it attests another block than it committed");
  auto [it, first] =
      agreed_.try_emplace(h.height, Agreed{hash, h.state_root, digest, std::string(node)});
  const Agreed& a = it->second;
  if (!first) {
    if (a.block_hash != hash)
      fail("same block at every height", at(node, h.height) + ": block hash " + short_hex(hash) +
                                             ", node " + a.first_node + " has " +
                                             short_hex(a.block_hash));
    else if (a.state_root != h.state_root)
      fail("same state root at every height", at(node, h.height) + ": state root " +
                                                  short_hex(h.state_root) + ", node " +
                                                  a.first_node + " has " + short_hex(a.state_root));
    else if (a.attestation != digest)
      fail("attestations",
           at(node, h.height) + ": attestation digest differs from node " + a.first_node + "'s");
  } else {
    for (uint32_t i = 0; i < receipts.size(); ++i) {
      auto [t, fresh] = tx_at_.try_emplace(receipts[i].tx_id, h.height, i);
      if (!fresh)
        fail("no tx twice in the chain",
             "tx " + short_hex(receipts[i].tx_id) + " at height " + std::to_string(h.height) +
                 " index " + std::to_string(i) + " is already at height " +
                 std::to_string(t->second.first) + " index " + std::to_string(t->second.second));
    }
  }
  // Conservation of the one instrument: supply and the sum of balances as genesis made them.
  uint64_t sum = 0;
  const std::string suffix = "/" + instrument_;
  state.scan("bal/", [&](const std::string& k, const std::string& v) {
    if (k.ends_with(suffix)) sum += parse_u64_or0(v);
  });
  const uint64_t sup = supply(state, instrument_);
  if (sum != total_ || sup != total_ || !conservation_violations(state).empty())
    fail("conservation", at(node, h.height) + ": " + instrument_ + " balances sum to " +
                             std::to_string(sum) + ", supply " + std::to_string(sup) +
                             ", genesis made " + std::to_string(total_));
}

void ChainChecker::acknowledged(const Ack& a) {
  auto it = tx_at_.find(a.tx_id);
  if (it == tx_at_.end() || it->second != std::pair{a.height, a.index})
    fail("acknowledged txs are committed", "tx " + short_hex(a.tx_id) + " acknowledged by node " +
                                               a.node + " at height " + std::to_string(a.height) +
                                               " is not there in the agreed chain");
  acks_.push_back(a);
}

void ChainChecker::final_check(const std::map<std::string, const ChainStore*>& stores,
                               uint64_t log_head, bool converged) {
  std::optional<Hash> head_hash;
  for (const auto& [node, store] : stores) {
    const uint64_t last = store->last_height().value_or(0);
    for (uint64_t h = 1; h <= last; ++h) {
      auto blk = store->block(h);
      auto a = agreed_.find(h);
      if (!blk || a == agreed_.end() || header_hash(blk->header) != a->second.block_hash) {
        fail("same block at every height",
             at(node, h) + ": its stored block is not the agreed one");
        return;
      }
    }
    for (const Ack& ack : acks_) {
      if (ack.height > last) continue;
      auto loc = store->tx_location(ack.tx_id);
      auto rs = store->receipts(ack.height);
      if (!loc || loc->height != ack.height || loc->index != ack.index || !rs ||
          ack.index >= rs->size() || (*rs)[ack.index].code != ack.code) {
        fail("acknowledged txs are committed",
             "tx " + short_hex(ack.tx_id) + " acknowledged at height " +
                 std::to_string(ack.height) + " (" + ack.code + ") is not there on node " + node);
        return;
      }
    }
    if (!converged) continue;
    auto head = store->block(last);
    if (last != log_head) {
      fail("convergence", "node " + node + " is at height " + std::to_string(last) +
                              ", the log's head at " + std::to_string(log_head));
      return;
    }
    if (head_hash && header_hash(head->header) != *head_hash) {
      fail("convergence", "node " + node + " has another head block");
      return;
    }
    head_hash = header_hash(head->header);
  }
  if (!converged) fail("convergence", "the nodes did not reach the log's head once faults stopped");
}

}  // namespace tanso::netsim
