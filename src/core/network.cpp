// Network membership (genesis "network"), batch signatures and attestations (core/network.h).
#include "core/network.h"

#include <set>

#include "core/tx.h"

namespace tanso {

namespace {

Error bad(const std::string& what) { return err("genesis.invalid", "network: " + what); }

Result<Signature> sig_from_hex(std::string_view hex) {
  auto b = from_hex(hex);
  if (!b || b->size() != 64) return err("network.bad_attestation", "sig must be 128 hex digits");
  Signature s;
  std::copy(b->begin(), b->end(), s.begin());
  return s;
}

}  // namespace

const NetworkNode* Network::find(const PublicKey& key) const {
  for (const auto& n : nodes)
    if (n.key == key) return &n;
  return nullptr;
}

const NetworkNode* Network::find(std::string_view node) const {
  for (const auto& n : nodes)
    if (n.node == node) return &n;
  return nullptr;
}

Json Network::to_json() const {
  Json list = Json::array();
  for (const auto& n : nodes)
    list.push_back({{"node", n.node}, {"org", n.org}, {"key", key_to_text(n.key)}});
  return {{"nodes", list}, {"attest_quorum", attest_quorum}};
}

Result<Network> Network::from_json(const Json& j, const StateReader& st) {
  if (!j.is_object()) return bad("must be an object {nodes, attest_quorum?}");
  for (auto it = j.begin(); it != j.end(); ++it)
    if (it.key() != "nodes" && it.key() != "attest_quorum")
      return bad("unknown field '" + it.key() + "'");
  if (!j.contains("nodes") || !j["nodes"].is_array() || j["nodes"].empty())
    return bad("nodes must be a non-empty list of {node, org, key}");
  if (j["nodes"].size() > 64) return bad("at most 64 nodes");
  Network net;
  std::set<std::string> ids;
  std::set<PublicKey> keys;
  for (const auto& n : j["nodes"]) {
    if (!n.is_object() || n.size() != 3 || !n.contains("node") || !n["node"].is_string() ||
        !n.contains("org") || !n["org"].is_string() || !n.contains("key") || !n["key"].is_string())
      return bad("nodes: entries are {node, org, key}");
    NetworkNode nn;
    nn.node = n["node"];
    nn.org = n["org"];
    if (!valid_id(nn.node)) return bad("node id '" + nn.node + "' is not an identifier");
    if (!st.get("org/" + nn.org)) return bad("node " + nn.node + ": unknown org '" + nn.org + "'");
    auto k = key_from_text(n["key"].get<std::string>());
    if (!k) return bad("node " + nn.node + ": key must be ed25519:<64 hex>");
    nn.key = *k;
    if (!ids.insert(nn.node).second) return bad("node '" + nn.node + "' listed twice");
    if (!keys.insert(nn.key).second) return bad("node " + nn.node + ": key used twice");
    net.nodes.push_back(std::move(nn));
  }
  const uint32_t n = static_cast<uint32_t>(net.nodes.size());
  net.attest_quorum = n / 2 + 1;
  if (j.contains("attest_quorum")) {
    auto q = json_u64(j["attest_quorum"]);
    if (!q || *q < 1 || *q > n) return bad("attest_quorum must be 1.." + std::to_string(n));
    net.attest_quorum = static_cast<uint32_t>(*q);
  }
  return net;
}

std::optional<Network> load_network(const StateReader& st) {
  auto v = st.get("meta/network");
  if (!v) return std::nullopt;
  Json j = Json::parse(*v);
  Network net;
  for (const auto& n : j["nodes"])
    net.nodes.push_back({n["node"], n["org"], *key_from_text(n["key"].get<std::string>())});
  net.attest_quorum = j["attest_quorum"];
  return net;
}

Hash batch_digest(uint64_t height, uint64_t time_ms, uint32_t tx_count, const Hash& tx_root) {
  Bytes b;
  put_bytes(b, as_bytes(kBatchDomain));
  put_u64(b, height);
  put_u64(b, time_ms);
  put_u32(b, tx_count);
  put_bytes(b, tx_root);
  return sha256(b);
}

void sign_batch(BlockHeader& h, const KeyPair& proposer) {
  h.proposer = proposer.pub;
  h.signature = sign(proposer.secret, batch_digest(h.height, h.time_ms, h.tx_count, h.tx_root));
}

bool verify_batch_signature(const BlockHeader& h) {
  return verify(h.proposer, batch_digest(h.height, h.time_ms, h.tx_count, h.tx_root), h.signature);
}

Hash attestation_digest(std::string_view chain_id, uint64_t height, const Hash& block_hash,
                        const Hash& state_root) {
  Bytes b;
  put_bytes(b, as_bytes(kAttestDomain));
  put_lp(b, chain_id);
  put_u64(b, height);
  put_bytes(b, block_hash);
  put_bytes(b, state_root);
  return sha256(b);
}

Attestation attest(std::string_view chain_id, std::string node, const BlockHeader& h,
                   const KeyPair& key) {
  Attestation a;
  a.node = std::move(node);
  a.height = h.height;
  a.block_hash = header_hash(h);
  a.state_root = h.state_root;
  a.key = key.pub;
  a.sig = sign(key.secret, attestation_digest(chain_id, a.height, a.block_hash, a.state_root));
  return a;
}

bool verify_attestation(std::string_view chain_id, const Attestation& a) {
  return verify(a.key, attestation_digest(chain_id, a.height, a.block_hash, a.state_root), a.sig);
}

Json Attestation::to_json() const {
  return {{"node", node},
          {"height", height},
          {"block_hash", to_hex(block_hash)},
          {"state_root", to_hex(state_root)},
          {"key", key_to_text(key)},
          {"sig", to_hex(ByteView(sig.data(), sig.size()))}};
}

Result<Attestation> Attestation::from_json(const Json& j) {
  auto fail = [](const std::string& m) { return err("network.bad_attestation", m); };
  if (!j.is_object()) return fail("an attestation is an object");
  for (const char* f : {"node", "block_hash", "state_root", "key", "sig"})
    if (!j.contains(f) || !j[f].is_string()) return fail(std::string(f) + " must be a string");
  Attestation a;
  a.node = j["node"];
  auto h = j.contains("height") ? json_u64(j["height"]) : std::nullopt;
  if (!h) return fail("height must be an unsigned integer");
  a.height = *h;
  auto bh = hash_from_hex(j["block_hash"].get<std::string>());
  auto sr = hash_from_hex(j["state_root"].get<std::string>());
  auto k = key_from_text(j["key"].get<std::string>());
  if (!bh || !sr || !k) return fail("block_hash, state_root or key is malformed");
  auto s = sig_from_hex(j["sig"].get<std::string>());
  if (!s) return s.error();
  a.block_hash = *bh;
  a.state_root = *sr;
  a.key = *k;
  a.sig = *s;
  return a;
}

}  // namespace tanso
