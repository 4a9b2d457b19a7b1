// A fast path for the strict JSON parse of tx envelopes and payloads (the node's hottest
// decoding). It builds the same nlohmann::json value the library's parser would, without the
// per-event callback, for the common shape of a well-formed tx, and gives up (nullopt) on
// anything it does not handle exactly like the library: invalid JSON, fractions and exponents,
// integers outside 64 bits, duplicate keys, nesting at `depth_max` or deeper, NUL bytes. The
// caller then runs the full parser, which produces the precise error. So the fast path can only
// ever accept what the strict path accepts, with the same value; fuzz_tx_decode checks that.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

namespace tanso {

std::optional<nlohmann::json> parse_json_fast(std::string_view text, size_t depth_max);

// The library's parser with the two guards the strict decoders need: nesting of depth_max
// containers or more, and a key repeated within an object (which the library would resolve
// silently, last one wins, where other clients keep the first or refuse). `valid` is false for
// text that is not JSON (including any NUL byte, where the library would stop reading, and a
// leading byte order mark, which the library would skip).
struct CheckedJson {
  nlohmann::json value;
  bool valid = false;
  bool too_deep = false;
  bool duplicate = false;
};
CheckedJson parse_json_checked(std::string_view text, size_t depth_max);

}  // namespace tanso
