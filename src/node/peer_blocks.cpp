// Blocks between nodes (node/peer_blocks.h): the raw block JSON and the HTTP BlockSource.
#include "node/peer_blocks.h"

#include <chrono>

#include "node/node_auth.h"

namespace tanso {

Json raw_block_json(const Block& b, const std::vector<Attestation>& attestations) {
  Json atts = Json::array();
  for (const auto& a : attestations) atts.push_back(a.to_json());
  return {{"header", header_json(b.header)}, {"txs", b.txs}, {"attestations", atts}};
}

namespace {

Error bad_answer(const std::string& what) {
  return err("catchup.bad_answer", "the peer's raw block is malformed: " + what);
}

bool get_hash(const Json& j, const char* k, Hash& out) {
  if (!j.contains(k) || !j[k].is_string()) return false;
  auto h = hash_from_hex(j[k].get<std::string>());
  if (!h) return false;
  out = *h;
  return true;
}

bool get_u64(const Json& j, const char* k, uint64_t& out) {
  if (!j.contains(k) || !j[k].is_number_unsigned()) return false;
  out = j[k].get<uint64_t>();
  return true;
}

}  // namespace

Result<PeerBlock> raw_block_from_json(const Json& j) {
  if (!j.is_object() || !j.contains("header") || !j["header"].is_object() || !j.contains("txs") ||
      !j["txs"].is_array())
    return bad_answer("needs header and txs");
  const Json& hj = j["header"];
  PeerBlock pb;
  BlockHeader& h = pb.block.header;
  uint64_t count = 0;
  if (!get_u64(hj, "height", h.height) || !get_u64(hj, "time_ms", h.time_ms) ||
      !get_u64(hj, "tx_count", count) || count > UINT32_MAX ||
      !get_hash(hj, "prev_hash", h.prev_hash) || !get_hash(hj, "tx_root", h.tx_root) ||
      !get_hash(hj, "receipts_root", h.receipts_root) ||
      !get_hash(hj, "state_root", h.state_root) || !hj.contains("proposer") ||
      !hj["proposer"].is_string() || !hj.contains("signature") || !hj["signature"].is_string())
    return bad_answer("header fields");
  h.tx_count = static_cast<uint32_t>(count);
  auto pk = key_from_text(hj["proposer"].get<std::string>());
  auto sig = from_hex(hj["signature"].get<std::string>());
  if (!pk || !sig || sig->size() != h.signature.size()) return bad_answer("proposer or signature");
  h.proposer = *pk;
  std::copy(sig->begin(), sig->end(), h.signature.begin());
  for (const auto& t : j["txs"]) {
    if (!t.is_string()) return bad_answer("a tx envelope is not a string");
    pb.block.txs.push_back(t.get<std::string>());
  }
  if (j.contains("attestations") && j["attestations"].is_array())
    for (const auto& a : j["attestations"])
      if (auto at = Attestation::from_json(a)) pb.attestations.push_back(std::move(*at));
  return pb;
}

namespace {

class HttpBlockSource final : public BlockSource {
 public:
  explicit HttpBlockSource(PeerSourceOptions o) : o_(std::move(o)) {}
  const std::string& peer() const override { return o_.peer; }

  Result<PeerBlocks> fetch(uint64_t from, uint32_t count) override {
    const std::string target =
        "/v1/blocks/" + std::to_string(from) + "/raw?count=" + std::to_string(count);
    try {
      if (!client_) {
        std::string why;
        auto ep = http::parse_endpoint(o_.base_url, &why);
        if (!ep) return unavailable(why);
        http::ClientOptions co;
        co.timeout_ms = o_.timeout_ms;
        co.body_bytes_max = 64 * 1024 * 1024;
        client_ = std::make_unique<http::Client>(*ep, co);
      }
      const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
      http::Response r = client_->get(
          target, node_read_headers(o_.chain_id, o_.node_id, o_.key, "GET", target, now));
      Json j = Json::parse(r.body, nullptr, false);
      if (r.status == 404 && j.is_object() && j.contains("error") &&
          j["error"].value("code", "") == "block.not_found")
        return PeerBlocks{};  // nothing at `from` yet
      if (r.status != 200)
        return unavailable("HTTP " + std::to_string(r.status) + ": " + r.body.substr(0, 300));
      if (!j.is_object() || !j.contains("head") || !j["head"].is_number_unsigned() ||
          !j.contains("blocks") || !j["blocks"].is_array())
        return unavailable("the answer is not {head, blocks}");
      PeerBlocks out;
      out.head = j["head"].get<uint64_t>();
      for (const auto& b : j["blocks"]) {
        auto pb = raw_block_from_json(b);
        if (!pb) return pb.error();
        out.blocks.push_back(std::move(*pb));
      }
      return out;
    } catch (const std::exception& e) {
      client_.reset();
      return unavailable(e.what());
    }
  }

 private:
  Error unavailable(const std::string& why) const {
    return err("catchup.peer_unavailable", o_.peer + " at " + o_.base_url + ": " + why);
  }
  PeerSourceOptions o_;
  std::unique_ptr<http::Client> client_;
};

}  // namespace

std::unique_ptr<BlockSource> make_http_block_source(PeerSourceOptions o) {
  return std::make_unique<HttpBlockSource>(std::move(o));
}

}  // namespace tanso
