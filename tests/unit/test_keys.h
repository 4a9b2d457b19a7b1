// Deterministic Ed25519 keys for unit tests: key `n` of a test file's own `family`, made from a
// fixed seed and cached, so every run signs the same txs.
#pragma once

#include <array>
#include <map>
#include <utility>

#include "core/crypto.h"

namespace tanso {

inline const KeyPair& test_key(uint8_t n, uint8_t family) {
  static std::map<std::pair<uint8_t, uint8_t>, KeyPair> cache;
  auto it = cache.find({n, family});
  if (it == cache.end()) {
    std::array<uint8_t, 32> seed{};
    seed[0] = n;
    seed[31] = family;
    it = cache.emplace(std::pair{n, family}, keypair_from_seed(seed)).first;
  }
  return it->second;
}

}  // namespace tanso
