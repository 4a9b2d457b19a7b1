// Canonical header bytes, block and receipt encodings.
#include "core/block.h"

#include <algorithm>
#include <cstring>

#include "core/network.h"

namespace tanso {

// The header's fields in their fixed order; hashed (after the domain tag) and stored.
static void put_header_fields(Bytes& b, const BlockHeader& h) {
  put_u64(b, h.height);
  put_bytes(b, h.prev_hash);
  put_u64(b, h.time_ms);
  put_u32(b, h.tx_count);
  put_bytes(b, h.tx_root);
  put_bytes(b, h.receipts_root);
  put_bytes(b, h.state_root);
  put_bytes(b, h.proposer);
}

Bytes header_bytes(const BlockHeader& h) {
  Bytes b;
  b.reserve(kBlockDomain.size() + 8 + 32 + 8 + 4 + 32 * 4);
  put_bytes(b, as_bytes(kBlockDomain));
  put_header_fields(b, h);
  return b;
}

Hash header_hash(const BlockHeader& h) { return sha256(header_bytes(h)); }

void sign_header(BlockHeader& h, const KeyPair& proposer) {
  h.proposer = proposer.pub;
  Hash hh = header_hash(h);
  h.signature = sign(proposer.secret, hh);
}

bool verify_header_signature(const BlockHeader& h) {
  Hash hh = header_hash(h);
  return verify(h.proposer, hh, h.signature) || verify_batch_signature(h);
}

Bytes receipt_bytes(const Receipt& r) {
  Bytes b;
  put_bytes(b, r.tx_id);
  put_lp(b, r.code);
  put_lp(b, r.message);
  put_u32(b, static_cast<uint32_t>(r.accounts.size()));
  for (const auto& a : r.accounts) put_lp(b, a);
  return b;
}

namespace {

constexpr uint8_t kBlockVersion = 1;
constexpr uint8_t kReceiptsVersion = 1;

struct Reader {
  ByteView d;
  size_t pos = 0;
  bool ok = true;
  bool need(size_t n) {
    if (!ok || d.size() - pos < n) ok = false;
    return ok;
  }
  uint64_t u64() {
    if (!need(8)) return 0;
    uint64_t v = get_u64(d.data() + pos);
    pos += 8;
    return v;
  }
  uint32_t u32() {
    if (!need(4)) return 0;
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = v << 8 | d[pos + i];
    pos += 4;
    return v;
  }
  uint8_t u8() {
    if (!need(1)) return 0;
    return d[pos++];
  }
  template <size_t N>
  void fixed(std::array<uint8_t, N>& out) {
    if (!need(N)) return;
    std::memcpy(out.data(), d.data() + pos, N);
    pos += N;
  }
  std::string lp() {
    uint32_t n = u32();
    if (!need(n)) return {};
    std::string s(reinterpret_cast<const char*>(d.data() + pos), n);
    pos += n;
    return s;
  }
};

}  // namespace

Bytes encode_block(const Block& blk) {
  Bytes b;
  b.push_back(kBlockVersion);
  put_header_fields(b, blk.header);
  put_bytes(b, blk.header.signature);
  put_u32(b, static_cast<uint32_t>(blk.txs.size()));
  for (const auto& t : blk.txs) put_lp(b, t);
  return b;
}

Result<Block> decode_block(ByteView data) {
  Reader r{data};
  if (r.u8() != kBlockVersion) return err("storage.corrupt", "unknown block encoding version");
  Block blk;
  BlockHeader& h = blk.header;
  h.height = r.u64();
  r.fixed(h.prev_hash);
  h.time_ms = r.u64();
  h.tx_count = r.u32();
  r.fixed(h.tx_root);
  r.fixed(h.receipts_root);
  r.fixed(h.state_root);
  r.fixed(h.proposer);
  r.fixed(h.signature);
  uint32_t n = r.u32();
  if (!r.ok || n != h.tx_count) return err("storage.corrupt", "block header and body disagree");
  // n comes from the input: reserve only what the remaining bytes can hold (each tx has at least
  // its 4-byte length), so a corrupt count cannot ask for gigabytes up front.
  blk.txs.reserve(std::min<size_t>(n, (data.size() - r.pos) / 4));
  for (uint32_t i = 0; i < n && r.ok; ++i) blk.txs.push_back(r.lp());
  if (!r.ok || r.pos != data.size()) return err("storage.corrupt", "truncated or padded block");
  return blk;
}

Bytes encode_receipts(const std::vector<Receipt>& rs) {
  Bytes b;
  b.push_back(kReceiptsVersion);
  put_u32(b, static_cast<uint32_t>(rs.size()));
  for (const auto& r : rs) put_bytes(b, receipt_bytes(r));
  return b;
}

Result<std::vector<Receipt>> decode_receipts(ByteView data) {
  Reader r{data};
  if (r.u8() != kReceiptsVersion) return err("storage.corrupt", "unknown receipts version");
  uint32_t n = r.u32();
  std::vector<Receipt> out;
  for (uint32_t i = 0; i < n && r.ok; ++i) {
    Receipt rc;
    r.fixed(rc.tx_id);
    rc.code = r.lp();
    rc.message = r.lp();
    uint32_t na = r.u32();
    if (na > 1024) return err("storage.corrupt", "implausible receipt");
    for (uint32_t j = 0; j < na && r.ok; ++j) rc.accounts.push_back(r.lp());
    out.push_back(std::move(rc));
  }
  if (!r.ok || r.pos != data.size()) return err("storage.corrupt", "truncated receipts");
  return out;
}

Json header_json(const BlockHeader& h) {
  return {{"height", h.height},
          {"hash", to_hex(header_hash(h))},
          {"prev_hash", to_hex(h.prev_hash)},
          {"time_ms", h.time_ms},
          {"tx_count", h.tx_count},
          {"tx_root", to_hex(h.tx_root)},
          {"receipts_root", to_hex(h.receipts_root)},
          {"state_root", to_hex(h.state_root)},
          {"proposer", key_to_text(h.proposer)},
          {"signature", to_hex(ByteView(h.signature.data(), h.signature.size()))}};
}

Json receipt_json(const Receipt& r) {
  Json j = {{"tx_id", to_hex(r.tx_id)}, {"code", r.code}};
  if (!r.message.empty()) j["message"] = r.message;
  j["accounts"] = r.accounts;
  return j;
}

}  // namespace tanso
