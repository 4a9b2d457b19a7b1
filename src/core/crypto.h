// Cryptographic primitives, each wrapping one library so the rest of core never sees it:
// SHA-256 from OpenSSL (uses SHA-NI where the CPU has it), Ed25519 from libsodium.
// All functions are thread-safe; init_crypto() must run once before the first call.
#pragma once

#include "core/bytes.h"

namespace tanso {

void init_crypto();

Hash sha256(ByteView data);
inline Hash sha256(std::string_view s) { return sha256(as_bytes(s)); }

// Incremental SHA-256 over several pieces.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  Sha256& update(ByteView data);
  Sha256& update(std::string_view s) { return update(as_bytes(s)); }
  Hash final();

 private:
  void* ctx_;
};

using PublicKey = std::array<uint8_t, 32>;
using SecretKey = std::array<uint8_t, 64>;  // libsodium layout: seed || public key
using Signature = std::array<uint8_t, 64>;

struct KeyPair {
  PublicKey pub;
  SecretKey secret;
};

KeyPair keypair_from_seed(const std::array<uint8_t, 32>& seed);
KeyPair random_keypair();
Signature sign(const SecretKey& sk, ByteView message);
// Strict verification (libsodium rejects non-canonical encodings and small-order keys).
bool verify(const PublicKey& pk, ByteView message, const Signature& sig);

// "ed25519:<64 hex>" <-> PublicKey.
std::string key_to_text(const PublicKey& pk);
std::optional<PublicKey> key_from_text(std::string_view text);

}  // namespace tanso
