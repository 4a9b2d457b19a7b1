// MRV fixed-point calculation (core/mrv_calc.h) against worked examples computed by hand from
// the IPCC 2006 tables (Vol. 2 Table 1.2 NCVs, Table 2.2 EFs), AR5 GWPs (CH4 28, N2O 265) and
// the Korean grid factors; decimal parsing; rounding; zero and overflow edges.
#include "core/mrv_calc.h"

#include <gtest/gtest.h>

#include "core/limits.h"
#include "core/mrv_factors.h"

namespace tanso {
namespace {

const FactorSet& fs() { return default_factor_set(); }

Quantity qty(uint64_t milli, ActivityUnit u) { return Quantity{milli, u}; }

Emissions fuel(std::string_view f, Quantity q) {
  auto r = fuel_emissions(fs(), f, q);
  EXPECT_TRUE(r) << r.error().message;
  return r ? *r : Emissions{};
}

TEST(MrvCalc, FixedPointText) {
  EXPECT_EQ(parse_fixed("0.4541", 6, 100'000'000), 454'100u);
  EXPECT_EQ(parse_fixed("56100", 3, 1'000'000'000), 56'100'000u);
  EXPECT_EQ(parse_fixed("0.1", 3, 1'000'000'000), 100u);
  EXPECT_EQ(parse_fixed("0", 3, 10), 0u);
  EXPECT_EQ(parse_fixed("48.000", 3, 1'000'000), 48'000u);
  EXPECT_EQ(parse_fixed("0.0001", 3, 1'000'000), std::nullopt);  // would need rounding
  EXPECT_EQ(parse_fixed("", 3, 10), std::nullopt);
  EXPECT_EQ(parse_fixed(".5", 3, 10'000), std::nullopt);
  EXPECT_EQ(parse_fixed("5.", 3, 10'000), std::nullopt);
  EXPECT_EQ(parse_fixed("05", 3, 10'000), std::nullopt);
  EXPECT_EQ(parse_fixed("-1", 3, 10'000), std::nullopt);
  EXPECT_EQ(parse_fixed("1e3", 3, 10'000'000), std::nullopt);
  EXPECT_EQ(parse_fixed("1.2.3", 3, 10'000'000), std::nullopt);
  EXPECT_EQ(parse_fixed("10.001", 3, 10'000), std::nullopt);  // above max
  EXPECT_EQ(parse_fixed("10", 3, 10'000), 10'000u);
  EXPECT_EQ(parse_fixed("99999999999999999999999999999", 3, UINT64_MAX), std::nullopt);
  EXPECT_EQ(fixed_text(454'100, 6), "0.4541");
  EXPECT_EQ(fixed_text(56'100'000, 3), "56100");
  EXPECT_EQ(fixed_text(100, 3), "0.1");
  EXPECT_EQ(fixed_text(0, 3), "0");
  EXPECT_EQ(fixed_text(29'800, 3), "29.8");
  for (auto u : {"Nm3", "kg", "t", "MJ", "GJ", "TJ", "kWh", "MWh"})
    EXPECT_EQ(activity_unit_name(*activity_unit_from(u)), u);
  EXPECT_FALSE(activity_unit_from("m3"));
  EXPECT_FALSE(activity_unit_from("KWH"));
}

TEST(MrvCalc, DefaultSetIsTheIpccAr5AndKoreanGridValues) {
  const auto& ng = fs().fuels.at("natural_gas");
  EXPECT_EQ(*ng.ncv_kj_per_kg, 48'000u);  // 48.0 TJ/Gg
  EXPECT_EQ(ng.co2_g_per_tj, 56'100'000u);
  EXPECT_EQ(ng.ch4_g_per_tj, 1'000u);
  EXPECT_EQ(ng.n2o_g_per_tj, 100u);
  EXPECT_EQ(*fs().fuels.at("lpg").ncv_kj_per_kg, 47'300u);
  EXPECT_EQ(fs().fuels.at("lpg").co2_g_per_tj, 63'100'000u);
  EXPECT_EQ(*fs().fuels.at("diesel").ncv_kj_per_kg, 43'000u);
  EXPECT_EQ(fs().fuels.at("diesel").co2_g_per_tj, 74'100'000u);
  EXPECT_EQ(fs().fuels.at("diesel").ch4_g_per_tj, 3'000u);
  EXPECT_EQ(fs().fuels.at("diesel").n2o_g_per_tj, 600u);
  EXPECT_EQ(fs().gwp_ch4_milli, 28'000u);
  EXPECT_EQ(fs().gwp_n2o_milli, 265'000u);
  EXPECT_EQ(fs().version, kDefaultFactorVersion);
}

// 1 TJ of natural gas = 56.1 t CO2 + 1 kg CH4 + 0.1 kg N2O
// -> 56,100 + 1 x 28 + 0.1 x 265 = 56,154.5 kg CO2e.
TEST(MrvCalc, OneTerajouleOfNaturalGas) {
  for (auto q : {qty(1'000, ActivityUnit::TJ), qty(1'000'000, ActivityUnit::GJ),
                 qty(1'000'000'000, ActivityUnit::MJ)}) {
    Emissions e = fuel("natural_gas", q);
    EXPECT_EQ(e.factor_version, kDefaultFactorVersion);
    EXPECT_EQ(e.co2_g, 56'100'000u);
    EXPECT_EQ(e.ch4_g, 1'000u);
    EXPECT_EQ(e.n2o_g, 100u);
    EXPECT_EQ(e.co2e_co2_g, 56'100'000u);
    EXPECT_EQ(e.co2e_ch4_g, 28'000u);
    EXPECT_EQ(e.co2e_n2o_g, 26'500u);
    EXPECT_EQ(e.co2e_g, 56'154'500u);  // 56,154.5 kg
  }
}

// By mass: 1,000 kg x 48.0 MJ/kg = 48,000 MJ = 0.048 TJ.
// CO2 0.048 x 56,100 = 2,692.8 kg; CH4 0.048 kg = 48 g (x28 = 1,344 g);
// N2O 0.0048 kg = 4.8 g -> 5 g (half up), CO2e 4.8 x 265 = 1,272 g (from the exact mass).
// Total 2,692,800 + 1,344 + 1,272 = 2,695,416 g. Same in tonnes (1 t) and 1,000,000 milli-kg.
TEST(MrvCalc, NaturalGasByMass) {
  for (auto q : {qty(1'000'000, ActivityUnit::kg), qty(1'000, ActivityUnit::t)}) {
    Emissions e = fuel("natural_gas", q);
    EXPECT_EQ(e.co2_g, 2'692'800u);
    EXPECT_EQ(e.ch4_g, 48u);
    EXPECT_EQ(e.n2o_g, 5u);
    EXPECT_EQ(e.co2e_ch4_g, 1'344u);
    EXPECT_EQ(e.co2e_n2o_g, 1'272u);
    EXPECT_EQ(e.co2e_g, 2'695'416u);
  }
}

// By volume via its NCV per Nm3 (default: 38.5 MJ/Nm3): 10,000 Nm3 x 38.5 = 385,000 MJ
// = 0.385 TJ. CO2 0.385 x 56,100 = 21,598.5 kg; CH4 0.385 kg (x28 = 10,780 g);
// N2O 0.0385 kg = 38.5 g -> 39 g (half up), CO2e 38.5 x 265 = 10,202.5 -> 10,203 g.
// Total 21,598,500 + 10,780 + 10,203 = 21,619,483 g.
TEST(MrvCalc, NaturalGasByVolume) {
  Emissions e = fuel("natural_gas", qty(10'000'000, ActivityUnit::Nm3));
  EXPECT_EQ(e.co2_g, 21'598'500u);
  EXPECT_EQ(e.ch4_g, 385u);
  EXPECT_EQ(e.n2o_g, 39u);
  EXPECT_EQ(e.co2e_ch4_g, 10'780u);
  EXPECT_EQ(e.co2e_n2o_g, 10'203u);
  EXPECT_EQ(e.co2e_g, 21'619'483u);
  // A meter's fractional reading: 1.5 Nm3 x 38.5 = 57.75 MJ -> CO2 57.75e-6 TJ x 56,100 kg/TJ
  // = 3,239.775 g -> 3,240 g.
  EXPECT_EQ(fuel("natural_gas", qty(1'500, ActivityUnit::Nm3)).co2_g, 3'240u);
}

// LPG, 1 t: 47.3 GJ = 0.0473 TJ. CO2 0.0473 x 63,100 = 2,984.63 kg; CH4 47.3 g -> 47 g,
// CO2e 47.3 x 28 = 1,324.4 -> 1,324 g; N2O 4.73 g -> 5 g, CO2e 4.73 x 265 = 1,253.45 -> 1,253 g.
// Total 2,984,630 + 1,324 + 1,253 = 2,987,207 g.
TEST(MrvCalc, Lpg) {
  Emissions e = fuel("lpg", qty(1'000, ActivityUnit::t));
  EXPECT_EQ(e.co2_g, 2'984'630u);
  EXPECT_EQ(e.ch4_g, 47u);
  EXPECT_EQ(e.n2o_g, 5u);
  EXPECT_EQ(e.co2e_ch4_g, 1'324u);
  EXPECT_EQ(e.co2e_n2o_g, 1'253u);
  EXPECT_EQ(e.co2e_g, 2'987'207u);
}

// Gas/diesel oil, 1 t: 43.0 GJ = 0.043 TJ. CO2 0.043 x 74,100 = 3,186.3 kg; CH4 0.043 x 3
// = 0.129 kg = 129 g, CO2e 3,612 g; N2O 0.043 x 0.6 = 0.0258 kg = 25.8 g -> 26 g,
// CO2e 25.8 x 265 = 6,837 g. Total 3,186,300 + 3,612 + 6,837 = 3,196,749 g.
TEST(MrvCalc, Diesel) {
  Emissions e = fuel("diesel", qty(1'000'000, ActivityUnit::kg));
  EXPECT_EQ(e.co2_g, 3'186'300u);
  EXPECT_EQ(e.ch4_g, 129u);
  EXPECT_EQ(e.n2o_g, 26u);
  EXPECT_EQ(e.co2e_ch4_g, 3'612u);
  EXPECT_EQ(e.co2e_n2o_g, 6'837u);
  EXPECT_EQ(e.co2e_g, 3'196'749u);
  EXPECT_EQ(e.co2e_g, e.co2e_co2_g + e.co2e_ch4_g + e.co2e_n2o_g);
}

// 1,000 MWh x 0.4541 t/MWh = 454.1 t (2020-22); x 0.4173 = 417.3 t (2023).
TEST(MrvCalc, Electricity) {
  for (uint32_t y : {2020u, 2021u, 2022u}) {
    auto e = electricity_emissions(fs(), y, qty(1'000'000, ActivityUnit::MWh));
    ASSERT_TRUE(e) << e.error().message;
    EXPECT_EQ(e->co2e_g, 454'100'000u);
    EXPECT_EQ(e->co2_g, 0u);
    EXPECT_EQ(e->factor_version, kDefaultFactorVersion);
  }
  auto e23 = electricity_emissions(fs(), 2023, qty(1'000'000, ActivityUnit::MWh));
  ASSERT_TRUE(e23);
  EXPECT_EQ(e23->co2e_g, 417'300'000u);
  // kWh: 1,000,000 kWh is the same 1,000 MWh; 1 kWh = 454.1 g; 1 Wh = 0.4541 g -> 0 g;
  // 2 Wh = 0.9082 g -> 1 g (half up).
  EXPECT_EQ(electricity_emissions(fs(), 2021, qty(1'000'000'000, ActivityUnit::kWh))->co2e_g,
            454'100'000u);
  EXPECT_EQ(electricity_emissions(fs(), 2021, qty(1'000, ActivityUnit::kWh))->co2e_g, 454u);
  EXPECT_EQ(electricity_emissions(fs(), 2021, qty(1, ActivityUnit::kWh))->co2e_g, 0u);
  EXPECT_EQ(electricity_emissions(fs(), 2021, qty(2, ActivityUnit::kWh))->co2e_g, 1u);
  // No factor for the year; a fuel unit.
  auto none = electricity_emissions(fs(), 2019, qty(1, ActivityUnit::MWh));
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, "mrv.no_grid_factor");
  EXPECT_EQ(electricity_emissions(fs(), 2024, qty(1, ActivityUnit::MWh)).error().code,
            "mrv.no_grid_factor");
  EXPECT_EQ(electricity_emissions(fs(), 2021, qty(1, ActivityUnit::kg)).error().code,
            "mrv.unit_mismatch");
}

TEST(MrvCalc, HalfUpRoundingBoundaries) {
  FactorSet s;
  s.version = "t";
  s.gwp_ch4_milli = 28'000;
  s.gwp_n2o_milli = 265'000;
  // 1 g CO2 per TJ: 0.5 TJ -> 0.5 g -> 1 g; 0.499 TJ -> 0 g; 1.5 TJ -> 2 g.
  s.fuels["x"] = {std::nullopt, std::nullopt, 1, 0, 0};
  EXPECT_EQ(fuel_emissions(s, "x", qty(500, ActivityUnit::TJ))->co2_g, 1u);
  EXPECT_EQ(fuel_emissions(s, "x", qty(499, ActivityUnit::TJ))->co2_g, 0u);
  EXPECT_EQ(fuel_emissions(s, "x", qty(1'500, ActivityUnit::TJ))->co2_g, 2u);
  // Fractional GWP (AR6 fossil CH4 29.8): 1 TJ x 1 kg/TJ x 29.8 = 29,800 g exactly.
  s.gwp_ch4_milli = 29'800;
  s.fuels["y"] = {std::nullopt, std::nullopt, 0, 1'000, 0};
  EXPECT_EQ(fuel_emissions(s, "y", qty(1'000, ActivityUnit::TJ))->co2e_ch4_g, 29'800u);
}

TEST(MrvCalc, ZeroAndErrors) {
  Emissions z = fuel("diesel", qty(0, ActivityUnit::kg));
  EXPECT_EQ(z.co2e_g, 0u);
  EXPECT_EQ(z.co2_g, 0u);
  EXPECT_EQ(electricity_emissions(fs(), 2023, qty(0, ActivityUnit::MWh))->co2e_g, 0u);
  EXPECT_EQ(fuel_emissions(fs(), "coal", qty(1, ActivityUnit::kg)).error().code,
            "mrv.unknown_fuel");
  // LPG and diesel have no NCV per Nm3 in the default set.
  EXPECT_EQ(fuel_emissions(fs(), "lpg", qty(1, ActivityUnit::Nm3)).error().code,
            "mrv.unit_mismatch");
  EXPECT_EQ(fuel_emissions(fs(), "natural_gas", qty(1, ActivityUnit::kWh)).error().code,
            "mrv.unit_mismatch");
}

TEST(MrvCalc, OverflowIsAnErrorNeverAWrappedNumber) {
  // The largest activity: 2^62 milli-t of diesel = 4.6e15 t -> ~1.5e16 t CO2 = 1.5e22 g:
  // beyond 2^62 g.
  auto big = fuel_emissions(fs(), "diesel", qty(limits::amount_max, ActivityUnit::t));
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, "mrv.calc_overflow");
  // Factors at their bounds and UINT64_MAX activity: the 128-bit product itself overflows.
  FactorSet s = fs();
  s.fuels["max"] = {1'000'000, std::nullopt, 1'000'000'000, 1'000'000'000, 1'000'000'000};
  s.gwp_n2o_milli = 100'000'000;
  auto huge = fuel_emissions(s, "max", qty(UINT64_MAX, ActivityUnit::t));
  ASSERT_FALSE(huge);
  EXPECT_EQ(huge.error().code, "mrv.calc_overflow");
  auto elec = electricity_emissions(fs(), 2023, qty(UINT64_MAX, ActivityUnit::MWh));
  ASSERT_FALSE(elec);
  EXPECT_EQ(elec.error().code, "mrv.calc_overflow");
  // A large but real figure still computes exactly: 10^9 t of natural gas (48 EJ)
  // -> 48,000,000 TJ x 56,100 kg = 2.6928e12 kg CO2.
  auto ok = fuel_emissions(fs(), "natural_gas", qty(1'000'000'000'000, ActivityUnit::t));
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->co2_g, 2'692'800'000'000'000u);
  EXPECT_EQ(ok->ch4_g, 48'000'000'000u);
}

}  // namespace
}  // namespace tanso
