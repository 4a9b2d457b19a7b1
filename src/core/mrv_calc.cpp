// MRV emissions calculation in fixed point (units and rounding: core/mrv_calc.h).
#include "core/mrv_calc.h"

#include "core/limits.h"

namespace tanso {

namespace {

__extension__ typedef unsigned __int128 u128;

constexpr uint64_t kPow10[] = {1,
                               10,
                               100,
                               1'000,
                               10'000,
                               100'000,
                               1'000'000,
                               10'000'000,
                               100'000'000,
                               1'000'000'000,
                               10'000'000'000,
                               100'000'000'000,
                               1'000'000'000'000,
                               10'000'000'000'000,
                               100'000'000'000'000,
                               1'000'000'000'000'000};

// The exact product of the factors, or nullopt when it does not fit 128 bits.
std::optional<u128> product(std::initializer_list<uint64_t> factors) {
  u128 p = 1;
  for (uint64_t f : factors)
    if (__builtin_mul_overflow(p, u128{f}, &p)) return std::nullopt;
  return p;
}

// num / den rounded half up (den > 0), or nullopt above limits::amount_max.
std::optional<uint64_t> round_half_up(u128 num, u128 den) {
  u128 q = num / den;
  u128 r = num % den;
  if (r >= den - r) ++q;  // r >= den/2 without overflow
  if (q > limits::amount_max) return std::nullopt;
  return static_cast<uint64_t>(q);
}

Error overflow(std::string_view what) {
  return err("mrv.calc_overflow", std::string(what) +
                                      ": the result is beyond the calculable range (at most 2^62 "
                                      "g, and every intermediate product within 2^128)");
}

}  // namespace

std::optional<ActivityUnit> activity_unit_from(std::string_view s) {
  static constexpr std::pair<std::string_view, ActivityUnit> kUnits[] = {
      {"Nm3", ActivityUnit::Nm3}, {"kg", ActivityUnit::kg},  {"t", ActivityUnit::t},
      {"MJ", ActivityUnit::MJ},   {"GJ", ActivityUnit::GJ},  {"TJ", ActivityUnit::TJ},
      {"kWh", ActivityUnit::kWh}, {"MWh", ActivityUnit::MWh}};
  for (const auto& [name, u] : kUnits)
    if (name == s) return u;
  return std::nullopt;
}

std::string_view activity_unit_name(ActivityUnit u) {
  switch (u) {
    case ActivityUnit::Nm3:
      return "Nm3";
    case ActivityUnit::kg:
      return "kg";
    case ActivityUnit::t:
      return "t";
    case ActivityUnit::MJ:
      return "MJ";
    case ActivityUnit::GJ:
      return "GJ";
    case ActivityUnit::TJ:
      return "TJ";
    case ActivityUnit::kWh:
      return "kWh";
    case ActivityUnit::MWh:
      return "MWh";
  }
  return "?";
}

bool is_electricity_unit(ActivityUnit u) {
  return u == ActivityUnit::kWh || u == ActivityUnit::MWh;
}

std::optional<uint64_t> parse_fixed(std::string_view s, unsigned scale, uint64_t max) {
  if (s.empty() || s.size() > 40 || scale >= std::size(kPow10)) return std::nullopt;
  size_t dot = s.find('.');
  std::string_view ip = s.substr(0, dot);
  std::string_view fp = dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
  if (ip.empty() || (dot != std::string_view::npos && fp.empty()) || fp.size() > scale)
    return std::nullopt;
  if (ip.size() > 1 && ip[0] == '0') return std::nullopt;  // no leading zeros: one spelling
  u128 v = 0;
  for (char c : ip) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<unsigned>(c - '0');
    if (v > u128{max}) return std::nullopt;  // also keeps v far from 2^128
  }
  u128 f = 0;
  for (char c : fp) {
    if (c < '0' || c > '9') return std::nullopt;
    f = f * 10 + static_cast<unsigned>(c - '0');
  }
  v = v * kPow10[scale] + f * kPow10[scale - fp.size()];
  if (v > u128{max}) return std::nullopt;
  return static_cast<uint64_t>(v);
}

std::string fixed_text(uint64_t v, unsigned scale) {
  std::string ip = std::to_string(v / kPow10[scale]);
  if (scale == 0) return ip;
  std::string fp = std::to_string(v % kPow10[scale]);
  fp.insert(0, scale - fp.size(), '0');
  while (!fp.empty() && fp.back() == '0') fp.pop_back();
  return fp.empty() ? ip : ip + "." + fp;
}

Result<Emissions> fuel_emissions(const FactorSet& fs, std::string_view fuel, Quantity q) {
  auto it = fs.fuels.find(fuel);
  if (it == fs.fuels.end())
    return err("mrv.unknown_fuel",
               "fuel '" + std::string(fuel) + "' is not in factor set " + fs.version, 404);
  const FuelFactors& f = it->second;
  // kJ per unit of activity.
  std::optional<uint64_t> kj;
  switch (q.unit) {
    case ActivityUnit::kg:
      kj = f.ncv_kj_per_kg;
      break;
    case ActivityUnit::t:
      if (f.ncv_kj_per_kg) kj = *f.ncv_kj_per_kg * 1000;  // ncv <= 10^9: no overflow
      break;
    case ActivityUnit::Nm3:
      kj = f.ncv_kj_per_nm3;
      break;
    case ActivityUnit::MJ:
      kj = 1'000;
      break;
    case ActivityUnit::GJ:
      kj = 1'000'000;
      break;
    case ActivityUnit::TJ:
      kj = 1'000'000'000;
      break;
    case ActivityUnit::kWh:
    case ActivityUnit::MWh:
      return err("mrv.unit_mismatch", "fuel activity cannot be in " +
                                          std::string(activity_unit_name(q.unit)) +
                                          " (use Nm3, kg, t, MJ, GJ or TJ)");
  }
  if (!kj)
    return err("mrv.unit_mismatch", "fuel '" + std::string(fuel) + "' has no net calorific value" +
                                        " per " + std::string(activity_unit_name(q.unit)) +
                                        " in factor set " + fs.version);
  // grams = milli-units / 10^3 x kJ/unit / 10^9 kJ/TJ x g/TJ; CO2e adds x GWP-milli / 10^3.
  constexpr u128 kMassDen = u128{1'000'000'000'000};
  constexpr u128 kCo2eDen = kMassDen * 1000;
  Emissions e;
  e.factor_version = fs.version;
  struct Gas {
    uint64_t ef;
    uint64_t gwp_milli;
    uint64_t* mass;
    uint64_t* co2e;
    std::string_view name;
  };
  const Gas gases[] = {{f.co2_g_per_tj, 1000, &e.co2_g, &e.co2e_co2_g, "CO2"},
                       {f.ch4_g_per_tj, fs.gwp_ch4_milli, &e.ch4_g, &e.co2e_ch4_g, "CH4"},
                       {f.n2o_g_per_tj, fs.gwp_n2o_milli, &e.n2o_g, &e.co2e_n2o_g, "N2O"}};
  for (const Gas& g : gases) {
    auto mass_num = product({q.milli, *kj, g.ef});
    auto co2e_num = product({q.milli, *kj, g.ef, g.gwp_milli});
    if (!mass_num || !co2e_num) return overflow(g.name);
    auto mass = round_half_up(*mass_num, kMassDen);
    auto co2e = round_half_up(*co2e_num, kCo2eDen);
    if (!mass || !co2e) return overflow(g.name);
    *g.mass = *mass;
    *g.co2e = *co2e;
  }
  // Each term <= 2^62, so the sum fits 64 bits; the total obeys the same bound as its terms.
  e.co2e_g = e.co2e_co2_g + e.co2e_ch4_g + e.co2e_n2o_g;
  if (e.co2e_g > limits::amount_max) return overflow("total CO2e");
  return e;
}

Result<Emissions> electricity_emissions(const FactorSet& fs, uint32_t year, Quantity q) {
  if (!is_electricity_unit(q.unit))
    return err("mrv.unit_mismatch",
               "electricity must be in kWh or MWh, not " + std::string(activity_unit_name(q.unit)));
  const GridFactor* gf = nullptr;
  for (const auto& g : fs.grid)
    if (year >= g.from_year && year <= g.to_year) gf = &g;
  if (!gf)
    return err("mrv.no_grid_factor",
               "factor set " + fs.version + " has no grid factor for " + std::to_string(year), 404);
  // grams = milli-units x g/MWh / (10^3 x units per MWh).
  u128 den = q.unit == ActivityUnit::kWh ? 1'000'000 : 1'000;
  auto num = product({q.milli, gf->g_per_mwh});
  if (!num) return overflow("electricity");
  auto co2e = round_half_up(*num, den);
  if (!co2e) return overflow("electricity");
  Emissions e;
  e.factor_version = fs.version;
  e.co2e_g = *co2e;
  return e;
}

}  // namespace tanso
