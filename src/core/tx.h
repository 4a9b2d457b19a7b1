// The transaction envelope and payload (docs/ARCHITECTURE.md "Transactions").
//
// Envelope: {"payload": "<JSON text>", "signatures": [{"key": "ed25519:<hex>", "sig": "<hex>"}]}
// Payload:  {"chain", "type", "from", "nonce", "expires", "body"}
// Each signature covers signing_message() = "tanso/tx/v1" 0x00 chain 0x00 payload-bytes, i.e. the
// exact payload text as received; the node never re-serializes what it verifies. The tx id is
// SHA-256 of that message, so it does not change when signatures are added.
//
// Decoding is strict: unknown fields, wrong types, oversize input are errors with stable codes.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/crypto.h"
#include "core/status.h"

namespace tanso {

using Json = nlohmann::json;

struct TxSignature {
  PublicKey key;
  Signature sig;
};

struct Payload {
  std::string chain;
  std::string type;
  std::string from;
  uint64_t nonce = 0;
  uint64_t expires = 0;  // last block height at which the tx may be included
  Json body;
};

struct Tx {
  std::string envelope;  // the envelope JSON text, as stored in blocks
  std::string payload_text;
  std::vector<TxSignature> signatures;
  Payload payload;
  Hash id{};
};

inline constexpr std::string_view kTxDomain = "tanso/tx/v1";

Bytes signing_message(std::string_view chain, std::string_view payload_text);

// Parses and checks the shape of an envelope and its payload. Does not verify signatures.
Result<Tx> decode_tx(std::string_view envelope_json);
// Same, from an envelope object already parsed from `envelope_text` (which is what is stored).
// The API slices batches with scan_array_field and uses the text overload.
Result<Tx> decode_tx(const Json& envelope, std::string envelope_text);

// True if every signature verifies over the tx's signing message (costly: ~50 us each).
bool verify_signatures(const Tx& tx);

// Client side: builds the payload text and a signed envelope.
std::string payload_text(const Payload& p);
std::string sign_envelope(std::string_view payload_text, std::string_view chain,
                          const std::vector<const KeyPair*>& signers);

// Identifier rules shared by accounts, orgs and instruments: 1..64 of [A-Za-z0-9._:-].
bool valid_id(std::string_view id);

// Reads unsigned 64-bit quantities given either as a JSON number or a decimal string.
std::optional<uint64_t> json_u64(const Json& v);

}  // namespace tanso
