// Byte strings, fixed-size hashes and hex text: the vocabulary types every layer shares.
// Pure functions; no allocation beyond the returned values.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tanso {

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;
using Hash = std::array<uint8_t, 32>;

inline ByteView as_bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string to_hex(ByteView b);
inline std::string to_hex(const Hash& h) { return to_hex(ByteView(h.data(), h.size())); }
// Lower- or upper-case hex, even length; nullopt on anything else.
std::optional<Bytes> from_hex(std::string_view hex);
// Exactly 64 hex digits.
std::optional<Hash> hash_from_hex(std::string_view hex);

// Big-endian fixed-width integers, for canonical binary encodings that reach a hash.
void put_u64(Bytes& out, uint64_t v);
void put_u32(Bytes& out, uint32_t v);
void put_bytes(Bytes& out, ByteView b);
// Length-prefixed (u32) byte string.
void put_lp(Bytes& out, std::string_view s);
uint64_t get_u64(const uint8_t* p);

}  // namespace tanso
