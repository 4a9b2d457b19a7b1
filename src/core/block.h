// Blocks and receipts (docs/ARCHITECTURE.md "Blocks").
//
// A block header is hashed in a fixed binary layout (header_bytes), so its hash never depends on
// a JSON serializer. tx_root is the RFC 6962 root over the tx ids; receipts_root the root over
// receipt_bytes of each receipt, in block order. The proposer signs the header hash (solo chains)
// or, on a network chain, the batch digest of core/network.h (height, time, tx count, tx root).
#pragma once

#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/crypto.h"
#include "core/status.h"
#include "core/tx.h"

namespace tanso {

struct BlockHeader {
  uint64_t height = 0;
  Hash prev_hash{};
  uint64_t time_ms = 0;
  uint32_t tx_count = 0;
  Hash tx_root{};
  Hash receipts_root{};
  Hash state_root{};
  PublicKey proposer{};
  Signature signature{};
};

inline constexpr std::string_view kBlockDomain = "tanso/block/v1";

Bytes header_bytes(const BlockHeader& h);  // everything but the signature
Hash header_hash(const BlockHeader& h);
void sign_header(BlockHeader& h, const KeyPair& proposer);
// Either signature by h.proposer: over the header hash, or over the batch digest.
bool verify_header_signature(const BlockHeader& h);

struct Receipt {
  Hash tx_id{};
  std::string code = "ok";  // "ok" or a stable rejection code (docs/ERRORS.md)
  std::string message;
  std::vector<std::string> accounts;  // accounts the tx touched (for history indexes)
};

Bytes receipt_bytes(const Receipt& r);

struct Block {
  BlockHeader header;
  std::vector<std::string> txs;  // envelope JSON texts, in order
};

// Binary encodings for storage and transport (length-prefixed, versioned).
Bytes encode_block(const Block& b);
Result<Block> decode_block(ByteView data);
Bytes encode_receipts(const std::vector<Receipt>& rs);
Result<std::vector<Receipt>> decode_receipts(ByteView data);

Json header_json(const BlockHeader& h);
Json receipt_json(const Receipt& r);

}  // namespace tanso
