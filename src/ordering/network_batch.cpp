// The network orderer's pure logic (ordering/network_batch.h).
#include "ordering/network_batch.h"

#include <algorithm>

#include "core/merkle.h"

namespace tanso {

std::string encode_log_batch(uint64_t slot, uint64_t time_ms, const std::string& proposer,
                             uint64_t seq, const Signature& sig, const std::vector<TxPtr>& txs) {
  Json list = Json::array();
  for (const auto& t : txs) list.push_back(t->envelope);
  return Json{{"v", 1},
              {"slot", slot},
              {"time_ms", time_ms},
              {"proposer", proposer},
              {"seq", seq},
              {"sig", to_hex(ByteView(sig.data(), sig.size()))},
              {"txs", std::move(list)}}
      .dump();
}

Hash batch_tx_root(const std::vector<TxPtr>& txs) {
  std::vector<Hash> leaves;
  leaves.reserve(txs.size());
  for (const auto& t : txs) leaves.push_back(merkle::leaf_hash(t->id));
  return merkle::root(leaves);
}

AppendAttempt prepare_append(const BatchProposal& p, const LogHead& head, uint64_t clock_ms,
                             const KeyPair& key) {
  AppendAttempt a;
  a.expected = head;
  a.slot = head.slot + 1;
  a.time_ms = std::max(head.time_ms, clock_ms);
  Signature sig = sign(
      key.secret, batch_digest(a.slot, a.time_ms, static_cast<uint32_t>(p.txs.size()), p.tx_root));
  a.value = encode_log_batch(a.slot, a.time_ms, p.node_id, p.seq, sig, p.txs);
  return a;
}

Result<CheckedBatch> check_log_entry(const LogEntry& e, uint64_t prev_time, const Network& net,
                                     const NetworkNode* me, const TakeOwnTxs& take_own,
                                     const AdmitPeerTxs& admit) {
  auto bad = [&](const std::string& why) {
    return err("ordering.bad_batch", "slot " + std::to_string(e.slot) + ": " + why);
  };
  Json j = Json::parse(e.value, nullptr, false);
  if (!j.is_object() || j.value("v", 0) != 1 || !j.contains("txs") || !j["txs"].is_array() ||
      !j.contains("proposer") || !j["proposer"].is_string() || !j.contains("sig") ||
      !j["sig"].is_string())
    return bad("not a batch");
  auto slot = json_u64(j.value("slot", Json())), time = json_u64(j.value("time_ms", Json())),
       sq = json_u64(j.value("seq", Json()));
  if (!slot || !time || !sq) return bad("slot, time_ms and seq must be integers");
  if (*slot != e.slot) return bad("the batch says slot " + std::to_string(*slot));
  if (*time < prev_time) return bad("its time goes back before the previous block's");
  const NetworkNode* proposer = net.find(j["proposer"].get<std::string>());
  if (!proposer) return bad("proposer '" + j["proposer"].get<std::string>() + "' is no node");
  auto sigb = from_hex(j["sig"].get<std::string>());
  if (!sigb || sigb->size() != 64) return bad("sig must be 128 hex digits");
  CheckedBatch c;
  OrderedBatch& b = c.batch;
  b.height = e.slot;
  b.time_ms = *time;
  b.proposer = proposer->key;
  std::copy(sigb->begin(), sigb->end(), b.signature.begin());
  if (me && proposer->key == me->key && take_own) {
    if (auto own = take_own(*sq)) {
      b.txs = std::move(*own);
      c.mine = true;
    }
  }
  if (!c.mine) {
    std::vector<std::string> envs;
    for (const auto& t : j["txs"]) {
      if (!t.is_string()) return bad("txs must be envelope texts");
      envs.push_back(t.get<std::string>());
    }
    auto txs = admit(envs);
    if (!txs) return bad(txs.error().code + ": " + txs.error().message);
    b.txs = std::move(*txs);
  } else if (b.txs.size() != j["txs"].size()) {
    return bad("this node's own batch came back with other txs");
  }
  Hash digest =
      batch_digest(b.height, b.time_ms, static_cast<uint32_t>(b.txs.size()), batch_tx_root(b.txs));
  if (!verify(b.proposer, digest, b.signature))
    return bad("the signature of " + proposer->node + " does not verify");
  return c;
}

}  // namespace tanso
