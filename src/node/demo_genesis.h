// The demo network of `make run`: a regulator with three officers (2 of 3 for governance),
// companies, a verifier, a certifier, a municipality, a city, an exchange and a settlement bank
// with KRW, the ETS registry for 2026 and MRV devices and plans for the companies' installations.
// Writes each demo user's key file into keys_dir (the companies' edge accounts included), each
// demo meter's key file into devices_dir (default: "devices" next to keys_dir) and returns the
// genesis document.
#pragma once

#include <string>

#include "core/status.h"

namespace tanso {

Result<std::string> make_demo_genesis(const std::string& chain_id, const std::string& keys_dir,
                                      uint64_t time_ms, std::string devices_dir = {});

// A minimal genesis: one regulator org whose account has `officers` keys (written to keys_dir)
// and the given default threshold.
Result<std::string> make_minimal_genesis(const std::string& chain_id, const std::string& keys_dir,
                                         unsigned officers, unsigned threshold, uint64_t time_ms);

}  // namespace tanso
