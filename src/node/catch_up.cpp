// Catch-up from other nodes' blocks (node/catch_up.h): the checks of a peer's block and the loop
// over peers.
#include "node/catch_up.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <thread>

namespace tanso {

namespace {

Error bad(uint64_t h, const std::string& what) {
  return err("catchup.bad_block", "block " + std::to_string(h) + ": " + what);
}

}  // namespace

Result<VerifiedBlock> verify_peer_block(PeerBlock pb, const BlockHeader& head, const State& st,
                                        const Network& net, std::string_view chain_id,
                                        const AdmitPeerTxs& admit) {
  const BlockHeader& h = pb.block.header;
  const uint64_t want = head.height + 1;
  if (h.height != want)
    return bad(want, "the peer sent height " + std::to_string(h.height) + " instead");
  if (h.prev_hash != header_hash(head))
    return bad(want, "prev_hash does not link to this node's block " + std::to_string(head.height));
  if (h.time_ms < head.time_ms) return bad(want, "its time is before the previous block's");
  const NetworkNode* p = net.find(h.proposer);
  if (!p) return bad(want, "proposed by " + key_to_text(h.proposer) + ", no node of genesis");
  if (!verify_batch_signature(h))
    return bad(want, "the batch signature of " + p->node + " does not verify");
  if (h.tx_count != pb.block.txs.size())
    return bad(want, "the header counts " + std::to_string(h.tx_count) + " txs, the block has " +
                         std::to_string(pb.block.txs.size()));
  auto txs = admit(pb.block.txs);
  if (!txs) return bad(want, txs.error().code + ": " + txs.error().message);
  if (batch_tx_root(*txs) != h.tx_root) return bad(want, "tx_root does not match its txs");
  std::vector<const Tx*> ptrs;
  ptrs.reserve(txs->size());
  for (const auto& t : *txs) ptrs.push_back(t.get());
  BlockOutput out = execute_block(st, head.state_root, want, h.time_ms, ptrs, false);
  if (out.receipts_root != h.receipts_root)
    return bad(want, "re-execution gives different receipts");
  if (out.state_root != h.state_root) return bad(want, "re-execution gives a different state root");
  VerifiedBlock v{std::move(pb.block), std::move(*txs), std::move(out), {}};
  const Hash hash = header_hash(v.block.header);
  for (auto& a : pb.attestations) {
    const NetworkNode* n = net.find(std::string_view(a.node));
    if (n && n->key == a.key && a.height == want && a.block_hash == hash &&
        a.state_root == h.state_root && verify_attestation(chain_id, a))
      v.attestations.push_back(std::move(a));
  }
  return v;
}

CatchUp::CatchUp(CatchUpOptions o) : o_(std::move(o)) {
  if (!o_.sleep)
    o_.sleep = [](uint32_t ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); };
}

CatchUpStatus CatchUp::status() const {
  std::lock_guard lock(mu_);
  return status_;
}

void CatchUp::set_status(const CatchUpStatus& s) {
  std::lock_guard lock(mu_);
  const uint64_t refused = status_.refused;
  status_ = s;
  status_.refused = std::max(refused, s.refused);
}

bool CatchUp::run(const LocalChain& local) {
  using clock = std::chrono::steady_clock;
  const uint64_t start = local.head().height;
  const auto t0 = clock::now();
  auto last_log = t0;
  CatchUpStatus st = status();
  st.active = true;
  st.height = start;
  st.target = 0;
  st.peer.clear();
  set_status(st);
  uint32_t backoff = o_.retry_ms;
  const size_t n = o_.peers.size();
  auto finish = [&](bool caught_up) {
    st.active = false;
    st.height = local.head().height;
    set_status(st);
    if (caught_up) {
      const double s = std::chrono::duration<double>(clock::now() - t0).count();
      spdlog::info("catch-up: at height {} ({} blocks from peers in {:.1f} s); following the log",
                   st.height, st.height - start, s);
    }
    return caught_up;
  };
  while (!local.stopping()) {
    bool progress = false;
    for (size_t k = 0; k < n && !local.stopping(); ++k) {
      BlockSource& src = *o_.peers[(current_ + k) % n];
      const BlockHeader head = local.head();
      auto r = src.fetch(head.height + 1, o_.blocks_per_fetch);
      if (!r) {
        spdlog::warn("catch-up: peer {} cannot serve blocks from {}: {}", src.peer(),
                     head.height + 1, r.error().message);
        continue;
      }
      st.target = std::max(st.target, r->head);
      if (r->blocks.empty()) continue;
      st.peer = src.peer();
      set_status(st);
      bool refused = false;
      for (auto& pb : r->blocks) {
        const uint64_t at = local.head().height + 1;
        auto v = verify_peer_block(std::move(pb), local.head(), local.state(), o_.network,
                                   o_.chain_id, o_.admit);
        if (!v) {
          spdlog::error("catch-up: refused block {} from peer {}: {}: {}", at, src.peer(),
                        v.error().code, v.error().message);
          ++st.refused;
          set_status(st);
          refused = true;
          break;
        }
        if (!local.commit(*v)) return finish(false);
        progress = true;
        st.height = at;
        set_status(st);
        if (clock::now() - last_log >= std::chrono::seconds(o_.progress_s)) {
          last_log = clock::now();
          spdlog::info("catch-up: at height {} of {} from peer {}", st.height, st.target,
                       src.peer());
        }
      }
      if (refused) continue;  // the next peer
      current_ = (current_ + k) % n;
      if (local.head().height > start && local.head().height >= st.target) return finish(true);
      break;  // more from the same peer
    }
    if (progress) {
      backoff = o_.retry_ms;
      continue;
    }
    if (local.stopping()) break;
    spdlog::warn("catch-up: no peer can serve block {} (peers' highest: {}); asking again in {} ms",
                 local.head().height + 1, st.target, backoff);
    o_.sleep(backoff);
    backoff = std::min(backoff * 2, o_.retry_ms_max);
  }
  return finish(false);
}

}  // namespace tanso
