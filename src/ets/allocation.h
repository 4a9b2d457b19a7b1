// The allocation preview: what each covered company would be allocated for a compliance year,
// computed from imported historical emissions (ets/history.h) or from a benchmark, and the
// body of the one batch order (tx type `ets.allocation.order`) that issues it.
//
// Units and rounding (integer arithmetic only; money and allowances never touch floating point):
//  - emissions, allocations, caps: whole tCO2e (= KAU), suffix _t;
//  - ratios: parts per million, suffix _ppm (970000 = 0.97);
//  - benchmark factor: grams CO2e per unit of activity, suffix _g_per_unit (0.866 tCO2e per
//    tonne of clinker is 866000), activity: whole units of the benchmark's product.
//  grandfathering:  gross_t = floor(sum of base-year emissions x adjustment_ppm
//                                   / (base years found x 1,000,000))
//                   (one floor over the exact product: averaging and adjusting round once);
//                   no base year found -> 0 with warning "no_history".
//  benchmark:       gross_t = floor(activity x benchmark_g_per_unit / 1,000,000)
//                   (the adjustment factor applies to grandfathering only).
//  auction share:   free_t = floor(gross_t x (1,000,000 - auction_share_ppm) / 1,000,000),
//                   auctioned_t = gross_t - free_t (so free allocation is never rounded up and
//                   free_t + auctioned_t = gross_t exactly).
//  cap:             exceeds_cap = total gross_t (free + auctioned) > cap_t.
//  When NGMS and ETRS both give a company's year, the ETRS certified figure is used; two
//  different figures from the same format are refused (allocation.conflicting_history).
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "core/tx.h"
#include "ets/history.h"

namespace tanso::ets {

namespace limits {
// Companies in one preview / order: 10,000 (the K-ETS covers ~700). With gross_t per company
// at most quantity_max (10^15), totals stay below 10^19 < 2^64.
inline constexpr size_t allocation_companies_max = 10'000;
// Base years averaged: at most 10.
inline constexpr uint32_t base_years_max = 10;
// The order body as JSON text: 48 KiB, leaving room in the 64 KiB envelope (tx_bytes_max) for
// the payload fields, the escaping of the payload text and the officers' signatures. About
// 1,300 entries of ~36 bytes.
inline constexpr size_t order_body_bytes_max = 48 * 1024;
}  // namespace limits

inline constexpr uint64_t kPpm = 1'000'000;
// Designation guidance (DOMAIN.md §2): companies averaging >= 125,000 tCO2e/yr are covered.
inline constexpr uint64_t kCompanyThresholdT = 125'000;

enum class Method { kGrandfathering, kBenchmark };
std::string_view method_name(Method m);  // "grandfathering", "benchmark"

struct Company {
  std::string account;  // ledger account receiving the allocation (valid_id)
  std::string name;     // the company's name as in the history files (관리업체 / 업체명)
  Method method = Method::kGrandfathering;
  uint64_t activity = 0;              // benchmark only: units of product
  uint64_t benchmark_g_per_unit = 0;  // benchmark only: gCO2e per unit of activity
};

struct AllocationSettings {
  uint32_t year = 0;  // the compliance year allocated
  uint32_t base_year_first = 0, base_year_last = 0;
  uint64_t adjustment_ppm = kPpm;  // 0 < x <= 1,000,000
  uint64_t auction_share_ppm = 0;  // 0 <= x <= 1,000,000
  uint64_t cap_t = 0;              // the plan's cap for the year (free + auctioned)
};

struct Warning {
  std::string code;  // stable: no_history, missing_base_years, below_designation_guidance,
                     // zero_allocation, exceeds_cap
  std::string message;
};

struct BaseYear {
  uint32_t year = 0;
  uint64_t emissions_t = 0;
  Format source = Format::kNgms;
};

struct CompanyAllocation {
  std::string account, name;
  Method method = Method::kGrandfathering;
  std::vector<BaseYear> base_years;     // found, ascending (grandfathering; benchmark: info)
  std::vector<uint32_t> years_missing;  // base years with no record
  uint64_t base_total_t = 0;            // sum over base_years
  uint64_t base_average_t = 0;          // floor(base_total_t / base_years.size()), 0 if none
  uint64_t activity = 0, benchmark_g_per_unit = 0;
  uint64_t gross_t = 0, free_t = 0, auctioned_t = 0;
  std::vector<Warning> warnings;
};

struct AllocationPreview {
  AllocationSettings settings;
  std::vector<CompanyAllocation> companies;  // in the order given
  uint64_t total_gross_t = 0, total_free_t = 0, total_auctioned_t = 0;
  bool exceeds_cap = false;
  std::vector<Warning> warnings;  // about the whole preview (exceeds_cap)
};

// Errors: allocation.bad_settings, allocation.bad_company, allocation.duplicate_company,
// allocation.conflicting_history.
Result<AllocationPreview> preview_allocation(std::span<const EmissionRecord> history,
                                             std::span<const Company> companies,
                                             const AllocationSettings& settings);

// The canonical preview: a JSON object with keys sorted, quantities as decimal strings, years as
// numbers, warnings as their codes (messages are for display and may be reworded); its text is
// preview_json(p).dump() (no whitespace, UTF-8 unescaped). The basis is SHA-256 of that text,
// lower-case hex: anyone with the same inputs recomputes it (the text equals Python's
// json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)).
Json preview_json(const AllocationPreview& p);
std::string preview_basis(const AllocationPreview& p);

// The unsigned body of the `ets.allocation.order` tx:
//   {"order": "<id>", "year": <Y>, "entries": [["<account>", "<free_t>"], ...],
//    "basis": "<preview_basis>"}
// entries in the preview's company order, companies with free_t = 0 left out; amounts are
// decimal strings (64-bit values travel as strings). Errors: allocation.bad_order_id (not a
// valid id), allocation.above_cap (the preview exceeds its cap), allocation.empty_order (nothing
// to allocate), allocation.order_too_large (body above order_body_bytes_max).
Result<Json> allocation_order_body(const AllocationPreview& p, std::string_view order_id);

// The companies file: {"companies": [{"account", "name", "method", "activity",
// "benchmark_g_per_unit", "label"}...]} (or the bare array); activity and the factor are
// integers (number or decimal string), required for benchmark and refused for grandfathering;
// "label" is free display text. Errors: allocation.bad_company, allocation.duplicate_company.
Result<std::vector<Company>> companies_from_json(const Json& j);

// "0.97" -> 970000, "1" -> 1000000, "0.03" -> 30000 (at most 6 decimals, 0..1), else
// allocation.bad_settings.
Result<uint64_t> parse_ratio_ppm(std::string_view text);
// "2017-2019" -> {2017, 2019}; "2018" -> {2018, 2018}; else allocation.bad_settings.
Result<std::pair<uint32_t, uint32_t>> parse_year_range(std::string_view text);

}  // namespace tanso::ets
