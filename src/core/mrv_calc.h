// MRV emissions calculation (docs/DOMAIN.md §1, docs/MRV.md "Emission factors and calculation"):
// fuel combustion = activity x net calorific value x emission factor per gas x GWP, and purchased
// electricity = activity x grid factor. Pure and deterministic, integers only (fixed point), never
// floating point; every result names the factor-set version it used.
//
// Units (every stored factor is an integer with a fixed scale; the JSON form is a decimal string
// with at most that many decimals, see mrv_factors.h):
//   activity quantity     thousandths of its unit (milli-units): 1.5 Nm3 = 1500
//   NCV                   kJ per kg and kJ per Nm3 (decimal MJ/kg, MJ/Nm3 with 3 decimals)
//   fuel emission factor  g of the gas per TJ (decimal kg/TJ with 3 decimals)
//   GWP                   thousandths (decimal with 3 decimals: AR5 CH4 "28" = 28000)
//   grid factor           g CO2e per MWh (decimal tCO2e/MWh with 6 decimals: 0.4541 = 454100)
//   results               grams (of the gas, or of CO2e), as uint64
//
// Rounding: each reported figure is computed from its exact rational value (the whole product in
// unsigned __int128, one division at the end) and rounded once, half up, to the gram: a gas's
// mass, a gas's CO2e (mass x GWP from the exact mass, not from the rounded one) and the
// electricity CO2e. The total CO2e is the sum of the three rounded per-gas CO2e figures, so a
// report's rows always add up to its total. The error is at most 0.5 g per figure, 1.5 g per
// total — far below any meter's resolution — and it never accumulates through a chain of
// roundings. Half up (not floor) keeps the figure unbiased for a single reading; aggregation
// sums activity first and calculates once (the pipeline's job), so per-reading rounding does not
// add up.
//
// Overflow: the exact product is formed with overflow-checked 128-bit multiplications; a product
// beyond 2^128, or a result above limits::amount_max grams (~4.6 billion tonnes), is
// mrv.calc_overflow rather than a wrapped number.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace tanso {

enum class ActivityUnit { Nm3, kg, t, MJ, GJ, TJ, kWh, MWh };

// "Nm3", "kg", "t", "MJ", "GJ", "TJ", "kWh", "MWh" (exact spelling).
std::optional<ActivityUnit> activity_unit_from(std::string_view s);
std::string_view activity_unit_name(ActivityUnit u);
bool is_electricity_unit(ActivityUnit u);  // kWh, MWh

struct Quantity {
  uint64_t milli = 0;  // thousandths of `unit`
  ActivityUnit unit = ActivityUnit::kg;
};

// Fixed-point decimal text -> integer scaled by 10^scale: "0.4541" at scale 6 = 454100. Accepts
// digits with at most one '.', no sign, no exponent, no more than `scale` decimals (a value that
// would need rounding is refused, never rounded), at most `max` after scaling. nullopt: invalid.
std::optional<uint64_t> parse_fixed(std::string_view s, unsigned scale, uint64_t max);
// The canonical text of a scaled integer: 454100 at scale 6 = "0.4541", 56100000 at 3 = "56100".
std::string fixed_text(uint64_t v, unsigned scale);

inline constexpr unsigned kNcvScale = 3;   // MJ -> kJ
inline constexpr unsigned kEfScale = 3;    // kg/TJ -> g/TJ
inline constexpr unsigned kGwpScale = 3;   // GWP -> thousandths
inline constexpr unsigned kGridScale = 6;  // t/MWh -> g/MWh
inline constexpr unsigned kQtyScale = 3;   // activity -> milli-units

struct FuelFactors {
  std::optional<uint64_t> ncv_kj_per_kg;   // for kg and t
  std::optional<uint64_t> ncv_kj_per_nm3;  // for Nm3
  uint64_t co2_g_per_tj = 0;
  uint64_t ch4_g_per_tj = 0;
  uint64_t n2o_g_per_tj = 0;
};

struct GridFactor {
  uint32_t from_year = 0;
  uint32_t to_year = 0;
  uint64_t g_per_mwh = 0;  // g CO2e per MWh consumed
};

struct FactorSet {
  std::string version;
  std::optional<uint32_t> valid_from;  // first year the set is meant for (recorded, not enforced)
  std::string source;                  // free text: where the values come from
  std::map<std::string, FuelFactors, std::less<>> fuels;
  std::vector<GridFactor> grid;  // increasing, non-overlapping year ranges
  uint64_t gwp_ch4_milli = 0;
  uint64_t gwp_n2o_milli = 0;
};

struct Emissions {
  std::string factor_version;  // the factor set used (reports record it)
  // Fuel: masses of each gas; electricity: all zero (the grid factor is already CO2e).
  uint64_t co2_g = 0;
  uint64_t ch4_g = 0;
  uint64_t n2o_g = 0;
  // CO2e of each gas (fuel), and the total (fuel: the sum of the three; electricity: the figure).
  uint64_t co2e_co2_g = 0;
  uint64_t co2e_ch4_g = 0;
  uint64_t co2e_n2o_g = 0;
  uint64_t co2e_g = 0;
};

// Fuel combustion (scope 1). The unit is a mass (kg, t: NCV per kg), a volume (Nm3: NCV per
// Nm3) or an energy (MJ, GJ, TJ: no NCV). Errors: mrv.unknown_fuel, mrv.unit_mismatch (an
// electricity unit, or a fuel without an NCV for that unit), mrv.calc_overflow.
Result<Emissions> fuel_emissions(const FactorSet& fs, std::string_view fuel, Quantity q);

// Purchased electricity (scope 2), consumption in `year` (kWh or MWh). Errors:
// mrv.unit_mismatch (not kWh/MWh), mrv.no_grid_factor (no range holds the year),
// mrv.calc_overflow.
Result<Emissions> electricity_emissions(const FactorSet& fs, uint32_t year, Quantity q);

}  // namespace tanso
