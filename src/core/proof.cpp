// Inclusion-proof verification from the API's JSON.
#include "core/proof.h"

#include "core/block.h"
#include "core/merkle.h"

namespace tanso {

static Error bad(const std::string& m) { return err("proof.invalid", m); }

Result<ProofFacts> verify_tx_proof(const Json& j) {
  try {
    if (!j.is_object() || j.value("status", "") != "committed")
      return bad("not a committed tx status (GET /v1/txs/{id})");
    const Json& p = j.at("proof");
    const Json& b = j.at("block");
    auto id = hash_from_hex(j.at("tx_id").get<std::string>());
    auto leaf = hash_from_hex(p.at("leaf_hash").get<std::string>());
    auto root = hash_from_hex(p.at("tx_root").get<std::string>());
    if (!id || !leaf || !root) return bad("tx_id, leaf_hash and tx_root are 64 hex digits");
    if (merkle::leaf_hash(*id) != *leaf) return bad("leaf_hash is not the RFC 6962 leaf of tx_id");
    std::vector<Hash> path;
    for (const auto& h : p.at("audit_path")) {
      auto hh = hash_from_hex(h.get<std::string>());
      if (!hh) return bad("audit_path entries are 64 hex digits");
      path.push_back(*hh);
    }
    size_t index = p.at("leaf_index").get<size_t>(), size = p.at("tree_size").get<size_t>();
    if (!merkle::verify_inclusion(*leaf, index, size, path, *root))
      return bad("the audit path does not lead to tx_root");
    BlockHeader h;
    h.height = b.at("height").get<uint64_t>();
    h.time_ms = b.at("time_ms").get<uint64_t>();
    h.tx_count = b.at("tx_count").get<uint32_t>();
    auto fill = [&](const char* k, Hash& out) {
      auto v = hash_from_hex(b.at(k).get<std::string>());
      if (v) out = *v;
      return v.has_value();
    };
    if (!fill("prev_hash", h.prev_hash) || !fill("tx_root", h.tx_root) ||
        !fill("receipts_root", h.receipts_root) || !fill("state_root", h.state_root))
      return bad("block header hashes are 64 hex digits");
    auto pk = key_from_text(b.at("proposer").get<std::string>());
    auto sig = from_hex(b.at("signature").get<std::string>());
    if (!pk || !sig || sig->size() != 64) return bad("block proposer or signature malformed");
    h.proposer = *pk;
    std::copy(sig->begin(), sig->end(), h.signature.begin());
    if (h.tx_root != *root) return bad("the proof's tx_root is not the block's");
    if (size != h.tx_count) return bad("tree_size is not the block's tx_count");
    if (to_hex(header_hash(h)) != b.at("hash").get<std::string>())
      return bad("the block hash does not match its header fields");
    if (h.height > 0 && !verify_header_signature(h))
      return bad("the block's proposer signature does not verify");
    return ProofFacts{*id, h.height, header_hash(h), j.at("receipt").at("code").get<std::string>()};
  } catch (const std::exception& e) {
    return bad(std::string("malformed proof JSON: ") + e.what());
  }
}

}  // namespace tanso
