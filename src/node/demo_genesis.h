// The demo network of `make run`: a regulator with three officers (2 of 3 for governance),
// companies, a verifier, a certifier, a municipality, a city, an exchange and a settlement bank
// with KRW. Writes each demo user's key file into keys_dir and returns the genesis document.
#pragma once

#include <string>

#include "core/status.h"

namespace tanso {

Result<std::string> make_demo_genesis(const std::string& chain_id, const std::string& keys_dir,
                                      uint64_t time_ms);

// A minimal genesis: one regulator org whose account has `officers` keys (written to keys_dir)
// and the given default threshold.
Result<std::string> make_minimal_genesis(const std::string& chain_id, const std::string& keys_dir,
                                         unsigned officers, unsigned threshold, uint64_t time_ms);

}  // namespace tanso
