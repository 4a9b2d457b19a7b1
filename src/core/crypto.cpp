// SHA-256 (OpenSSL EVP) and Ed25519 (libsodium) adapters.
#include "core/crypto.h"

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <sodium.h>

#include <cstring>
#include <memory>
#include <stdexcept>

namespace tanso {

void init_crypto() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialize");
}

// OpenSSL 3 looks the implementation up on every SHA256()/EVP_sha256() call; fetching it once
// makes small hashes (Merkle nodes, tx leaves) about 2.5x faster.
static const EVP_MD* sha256_md() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

Hash sha256(ByteView data) {
  // One context per thread, freed when the thread exits (threads that come and go, like a
  // network orderer's, would otherwise leak one each).
  struct CtxFree {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
  };
  thread_local std::unique_ptr<EVP_MD_CTX, CtxFree> owned(EVP_MD_CTX_new());
  EVP_MD_CTX* ctx = owned.get();
  Hash h;
  unsigned int n = 0;
  EVP_DigestInit_ex2(ctx, sha256_md(), nullptr);
  EVP_DigestUpdate(ctx, data.data(), data.size());
  EVP_DigestFinal_ex(ctx, h.data(), &n);
  return h;
}

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  EVP_DigestInit_ex2(static_cast<EVP_MD_CTX*>(ctx_), sha256_md(), nullptr);
}
Sha256::~Sha256() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }
Sha256& Sha256::update(ByteView data) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data.data(), data.size());
  return *this;
}
Hash Sha256::final() {
  Hash h;
  unsigned int n = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), h.data(), &n);
  return h;
}

KeyPair keypair_from_seed(const std::array<uint8_t, 32>& seed) {
  KeyPair kp;
  crypto_sign_seed_keypair(kp.pub.data(), kp.secret.data(), seed.data());
  return kp;
}

KeyPair random_keypair() {
  KeyPair kp;
  crypto_sign_keypair(kp.pub.data(), kp.secret.data());
  return kp;
}

Signature sign(const SecretKey& sk, ByteView message) {
  Signature sig;
  crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), sk.data());
  return sig;
}

bool verify(const PublicKey& pk, ByteView message, const Signature& sig) {
  return crypto_sign_verify_detached(sig.data(), message.data(), message.size(), pk.data()) == 0;
}

std::string key_to_text(const PublicKey& pk) { return "ed25519:" + to_hex(pk); }

std::optional<PublicKey> key_from_text(std::string_view text) {
  constexpr std::string_view kPrefix = "ed25519:";
  if (!text.starts_with(kPrefix)) return std::nullopt;
  auto h = hash_from_hex(text.substr(kPrefix.size()));
  if (!h) return std::nullopt;
  PublicKey pk;
  std::memcpy(pk.data(), h->data(), 32);
  return pk;
}

}  // namespace tanso
