// Whole-chain verification by re-execution.
#include "node/chain_verify.h"

#include "core/executor.h"
#include "core/network.h"
#include "node/attestations.h"

namespace tanso {

static Error bad(uint64_t h, const std::string& what) {
  return err("verify.failed", "block " + std::to_string(h) + ": " + what);
}

Result<VerifyReport> verify_chain(const ChainStore& store, WorkPool& pool,
                                  const std::function<void(uint64_t, uint64_t)>& progress) {
  VerifyReport rep;
  auto last = store.last_height();
  if (!last) return err("verify.empty", "the store holds no chain");
  State stored;
  // The stored state is as of its state height (<= last): compared when re-execution gets there.
  const uint64_t state_height = store.load_state(stored);
  bool compared = false;
  auto compare = [&](const State& st) {
    compared = true;
    return st.data() == stored.data();
  };
  auto gtext = stored.get("meta/genesis");
  if (!gtext) return err("verify.failed", "the state holds no genesis document");
  auto g = apply_genesis(*gtext);
  if (!g) return err("verify.failed", "genesis: " + g.error().message);
  auto b0 = store.block(0);
  if (!b0) return bad(0, "missing");
  if (header_hash(b0->header) != header_hash(g->header) || !b0->txs.empty())
    return bad(0, "differs from the block the genesis document gives");
  State st;
  st.apply(g->writes);
  const std::optional<Network> net = load_network(st);
  const std::string chain = g->params.chain_id;
  rep.network = net.has_value();
  rep.quorum = net ? net->attest_quorum : 0;
  BlockHeader prev = b0->header;
  if (state_height == 0 && !compare(st))
    return err("verify.failed", "the stored state differs from the re-executed state at 0");
  rep.blocks = 1;
  if (progress) progress(0, *last);
  for (uint64_t h = 1; h <= *last; ++h) {
    auto blk = store.block(h);
    if (!blk) return bad(h, "missing");
    const BlockHeader& hd = blk->header;
    if (hd.height != h) return bad(h, "header says height " + std::to_string(hd.height));
    if (hd.prev_hash != header_hash(prev)) return bad(h, "prev_hash does not link to block h-1");
    if (hd.time_ms < prev.time_ms) return bad(h, "time goes backwards");
    if (!net && !verify_header_signature(hd)) return bad(h, "proposer signature does not verify");
    if (net) {
      const NetworkNode* p = net->find(hd.proposer);
      if (!p) return bad(h, "proposed by " + key_to_text(hd.proposer) + ", no node of genesis");
      if (!verify_batch_signature(hd))
        return bad(h, "the batch signature of " + p->node + " does not verify");
    }
    std::vector<Result<Tx>> decoded;
    decoded.reserve(blk->txs.size());
    for (const auto& t : blk->txs) decoded.push_back(decode_tx(t));
    for (size_t i = 0; i < decoded.size(); ++i)
      if (!decoded[i]) return bad(h, "tx " + std::to_string(i) + ": " + decoded[i].error().message);
    std::vector<uint8_t> sig_ok(decoded.size());
    pool.parallel_for(decoded.size(),
                      [&](size_t i) { sig_ok[i] = verify_signatures(*decoded[i]); });
    std::vector<const Tx*> ptrs;
    for (size_t i = 0; i < decoded.size(); ++i) {
      if (!sig_ok[i]) return bad(h, "tx " + to_hex(decoded[i]->id) + " has a bad signature");
      rep.signatures += decoded[i]->signatures.size();
      ptrs.push_back(&*decoded[i]);
    }
    BlockOutput out = execute_block(st, prev.state_root, h, hd.time_ms, ptrs, false);
    if (out.tx_root != hd.tx_root) return bad(h, "tx_root does not match its txs");
    if (out.receipts_root != hd.receipts_root)
      return bad(h, "re-execution gives different receipts");
    if (out.state_root != hd.state_root) return bad(h, "re-execution gives a different state root");
    auto rcs = store.receipts(h);
    if (!rcs || rcs->size() != out.receipts.size()) return bad(h, "stored receipts missing");
    for (size_t i = 0; i < rcs->size(); ++i)
      if (receipt_bytes((*rcs)[i]) != receipt_bytes(out.receipts[i]))
        return bad(h, "stored receipt " + std::to_string(i) + " differs from re-execution");
    if (net) {
      uint32_t agree = 0;
      const std::string from = "att/" + slot_text(h) + "/";
      for (const auto& [k, v] : store.records(from, "att/" + slot_text(h) + "0", 1000)) {
        auto a = Attestation::from_json(Json::parse(v, nullptr, false));
        const NetworkNode* n = a ? net->find(std::string_view(a->node)) : nullptr;
        if (!a || !n || n->key != a->key || a->height != h || !verify_attestation(chain, *a))
          return bad(h, "the stored attestation " + k + " is not valid");
        if (a->block_hash != header_hash(hd) || a->state_root != hd.state_root)
          return bad(h, "node " + a->node + " attests a different block or state root");
        ++agree;
      }
      if (agree >= net->attest_quorum)
        ++rep.attested;
      else if (rep.first_short == 0)
        rep.first_short = h;
    }
    st.apply(out.writes);
    if (h == state_height && !compare(st))
      return err("verify.failed",
                 "the stored state differs from the re-executed state at " + std::to_string(h));
    rep.txs += decoded.size();
    rep.blocks++;
    prev = hd;
    if (progress) progress(h, *last);
  }
  if (!compared) return err("verify.failed", "the stored state is above the last block");
  rep.state_root = prev.state_root;
  rep.head_hash = header_hash(prev);
  return rep;
}

}  // namespace tanso
