// The MRV emission factor registry (docs/DOMAIN.md §1, docs/MRV.md): versioned factor sets
// published by the regulator, immutable once published, and a built-in default set (IPCC 2006
// defaults, AR5 GWPs, the Korean grid factor) that is available when the state holds none.
// Calculations (core/mrv_calc.h) take a FactorSet and return its version, so every report can
// record the version it used.
//
// mrv.factors.publish body (all factors are decimal strings, or JSON integers, with at most the
// scale's decimals — a value that would need rounding is refused; JSON floats are refused):
//   {"version": id,                       identifier, not "latest", never used before
//    "valid_from": year?,                 2000-2200, recorded (not enforced)
//    "source": text?,                     where the values come from, <= 256 bytes
//    "fuels": {                           1-64 fuels; names 1-32 of [a-z0-9_]
//      "<fuel>": {"ncv_mj_per_kg": dec?,  net calorific value, MJ/kg (= TJ/Gg), 3 decimals,
//                 "ncv_mj_per_nm3": dec?, MJ per normal m3, 3 decimals; (0, 1000]
//                 "co2_kg_per_tj": dec,   emission factors, kg of the gas per TJ, 3 decimals,
//                 "ch4_kg_per_tj": dec,   [0, 1,000,000]
//                 "n2o_kg_per_tj": dec}},
//    "grid": [{"from_year", "to_year",    0-64 ranges, increasing, not overlapping
//              "tco2e_per_mwh": dec}],    6 decimals, [0, 100]
//    "gwp": {"ch4": dec, "n2o": dec}}     100-year GWPs, 3 decimals, (0, 100,000]
// Errors: tx.malformed / tx.unknown_field (the body), mrv.factor_version_exists (the version was
// published before, or is the built-in default's).
//
// Key space:
//   mrv/factors/<version>   a published set: its canonical JSON (factor_set_to_json) plus
//                           "published_by" (account) and "height"
//   mrv/factors/latest      the version published last (plain text); absent = the default
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "core/module.h"
#include "core/mrv_calc.h"
#include "core/state.h"

namespace tanso {

inline constexpr std::string_view kDefaultFactorVersion = "ipcc2006-ar5-kr2023";

// The built-in default set (values and sources in mrv_factors.cpp).
const FactorSet& default_factor_set();

// Strict parse of a publish body (errors above, prefixed with `type`); canonical JSON back.
Result<FactorSet> factor_set_from_json(const Json& body, std::string_view type);
Json factor_set_to_json(const FactorSet& fs);

// The version published last, or the default's when none was.
std::string latest_factor_version(const StateReader& st);
// A set by version ("latest" = latest_factor_version). The default's version resolves to the
// built-in set. Error: mrv.unknown_factor_version (404).
Result<FactorSet> load_factor_set(const StateReader& st, std::string_view version);

// View: the set's canonical JSON plus {"origin": "state"|"default", "latest": bool,
// "published_by"?, "height"?}. Error: mrv.unknown_factor_version (404).
Result<Json> mrv_factor_set(const StateReader& st, std::string_view version);

// mrv.factors.publish. Genesis may carry {"mrv": {"factor_sets": [body, ...]}}, applied in order
// through this handler as the regulator (core/executor.cpp); the last is "latest".
std::span<const TxHandler> mrv_handlers();

}  // namespace tanso
