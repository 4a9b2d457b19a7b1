// Allocation preview and order body (rules and rounding in allocation.h).
#include "ets/allocation.h"

#include <map>
#include <set>

#include "core/crypto.h"
#include "core/limits.h"

namespace tanso::ets {

namespace {

using u128 = unsigned __int128;

std::string u64s(uint64_t v) { return std::to_string(v); }

Status check_settings(const AllocationSettings& s) {
  if (s.year < kYearMin || s.year > kYearMax)
    return err("allocation.bad_settings", "year " + std::to_string(s.year) + " is outside " +
                                              std::to_string(kYearMin) + ".." +
                                              std::to_string(kYearMax));
  if (s.base_year_first < kYearMin || s.base_year_first > s.base_year_last)
    return err("allocation.bad_settings", "base years must be a range first..last, first <= last");
  if (s.base_year_last >= s.year)
    return err("allocation.bad_settings", "base years must precede the allocated year");
  if (s.base_year_last - s.base_year_first + 1 > limits::base_years_max)
    return err("allocation.bad_settings",
               "at most " + std::to_string(limits::base_years_max) + " base years");
  if (s.adjustment_ppm == 0 || s.adjustment_ppm > kPpm)
    return err("allocation.bad_settings", "the adjustment factor must be in (0, 1]");
  if (s.auction_share_ppm > kPpm)
    return err("allocation.bad_settings", "the auction share must be in [0, 1]");
  if (s.cap_t == 0 || s.cap_t > tanso::limits::amount_max)
    return err("allocation.bad_settings", "the cap must be 1..2^62 t");
  return ok_status();
}

Status check_company(const Company& c) {
  if (!valid_id(c.account))
    return err("allocation.bad_company",
               "account '" + c.account + "' is not an id (1..64 of A-Z a-z 0-9 . _ : -)");
  if (c.name.empty() || c.name.size() > limits::csv_field_bytes_max || !valid_utf8(c.name))
    return err("allocation.bad_company", c.account + ": the name must be 1.." +
                                             std::to_string(limits::csv_field_bytes_max) +
                                             " bytes of UTF-8");
  if (c.method == Method::kBenchmark) {
    if (c.activity == 0 || c.benchmark_g_per_unit == 0)
      return err("allocation.bad_company",
                 c.account + ": benchmark needs activity and benchmark_g_per_unit above 0");
    if (c.activity > limits::quantity_max || c.benchmark_g_per_unit > limits::quantity_max ||
        u128(c.activity) * c.benchmark_g_per_unit / kPpm > limits::quantity_max)
      return err("allocation.bad_company",
                 c.account + ": activity x benchmark factor is too large");
  } else if (c.activity != 0 || c.benchmark_g_per_unit != 0) {
    return err("allocation.bad_company",
               c.account + ": activity and benchmark_g_per_unit are for the benchmark method");
  }
  return ok_status();
}

Json warnings_codes(const std::vector<Warning>& ws) {
  Json a = Json::array();
  for (const auto& w : ws) a.push_back(w.code);
  return a;
}

// Reads an unsigned integer given as a JSON number or decimal string.
Result<uint64_t> int_field(const Json& o, const char* key, const std::string& who) {
  auto v = json_u64(o[key]);
  if (!v) return err("allocation.bad_company", who + ": " + key + " must be an unsigned integer");
  return *v;
}

}  // namespace

std::string_view method_name(Method m) {
  return m == Method::kBenchmark ? "benchmark" : "grandfathering";
}

Result<AllocationPreview> preview_allocation(std::span<const EmissionRecord> history,
                                             std::span<const Company> companies,
                                             const AllocationSettings& settings) {
  if (auto s = check_settings(settings); !s) return s.error();
  if (companies.empty()) return err("allocation.bad_company", "no companies to allocate to");
  if (companies.size() > limits::allocation_companies_max)
    return err("allocation.bad_company", std::to_string(companies.size()) + " companies; at most " +
                                             std::to_string(limits::allocation_companies_max));
  std::set<std::string> accounts, names;
  for (const auto& c : companies) {
    if (auto s = check_company(c); !s) return s.error();
    if (!accounts.insert(c.account).second)
      return err("allocation.duplicate_company", "account '" + c.account + "' is listed twice");
    if (!names.insert(c.name).second)
      return err("allocation.duplicate_company", "company name '" + c.name + "' is listed twice");
  }

  // Base-year emissions by (name, year): ETRS certified figures win over NGMS statements; two
  // different figures of one format are a conflict.
  struct Found {
    uint64_t t;
    Format f;
    size_t line;
  };
  std::map<std::pair<std::string, uint32_t>, Found> base;
  for (const auto& r : history) {
    if (r.year < settings.base_year_first || r.year > settings.base_year_last) continue;
    if (!names.count(r.company_name)) continue;
    auto key = std::make_pair(r.company_name, r.year);
    auto it = base.find(key);
    if (it == base.end()) {
      base.emplace(key, Found{r.emissions_t, r.source_format, r.line});
      continue;
    }
    Found& f = it->second;
    if (f.f == r.source_format) {
      if (f.t != r.emissions_t)
        return err("allocation.conflicting_history",
                   r.company_name + " " + std::to_string(r.year) + ": " +
                       std::string(format_name(r.source_format)) + " rows give " + u64s(f.t) +
                       " t (line " + std::to_string(f.line) + ") and " + u64s(r.emissions_t) +
                       " t (line " + std::to_string(r.line) + ")");
    } else if (r.source_format == Format::kEtrs) {
      f = Found{r.emissions_t, r.source_format, r.line};
    }
  }

  AllocationPreview p;
  p.settings = settings;
  const uint64_t free_ppm = kPpm - settings.auction_share_ppm;
  for (const auto& c : companies) {
    CompanyAllocation a;
    a.account = c.account;
    a.name = c.name;
    a.method = c.method;
    a.activity = c.activity;
    a.benchmark_g_per_unit = c.benchmark_g_per_unit;
    for (uint32_t y = settings.base_year_first; y <= settings.base_year_last; ++y) {
      auto it = base.find({c.name, y});
      if (it == base.end()) {
        a.years_missing.push_back(y);
        continue;
      }
      a.base_years.push_back(BaseYear{y, it->second.t, it->second.f});
      a.base_total_t += it->second.t;  // <= 10 x 10^15: no overflow
    }
    if (!a.base_years.empty()) a.base_average_t = a.base_total_t / a.base_years.size();

    if (c.method == Method::kGrandfathering) {
      if (a.base_years.empty()) {
        a.warnings.push_back({"no_history", "no emissions of '" + c.name + "' in " +
                                                std::to_string(settings.base_year_first) + "-" +
                                                std::to_string(settings.base_year_last) +
                                                "; nothing allocated by grandfathering"});
      } else {
        if (!a.years_missing.empty()) {
          std::string ys;
          for (uint32_t y : a.years_missing) ys += (ys.empty() ? "" : ", ") + std::to_string(y);
          a.warnings.push_back(
              {"missing_base_years", "no emissions for " + ys + "; averaged over the " +
                                         std::to_string(a.base_years.size()) + " year(s) found"});
        }
        a.gross_t = static_cast<uint64_t>(u128(a.base_total_t) * settings.adjustment_ppm /
                                          (u128(a.base_years.size()) * kPpm));
      }
    } else {
      a.gross_t = static_cast<uint64_t>(u128(c.activity) * c.benchmark_g_per_unit / kPpm);
    }
    if (!a.base_years.empty() && a.base_average_t < kCompanyThresholdT)
      a.warnings.push_back({"below_designation_guidance",
                            "base-year average " + u64s(a.base_average_t) +
                                " t is below the company threshold " + u64s(kCompanyThresholdT) +
                                " t (a site may still qualify at 25,000 t)"});
    a.free_t = static_cast<uint64_t>(u128(a.gross_t) * free_ppm / kPpm);
    a.auctioned_t = a.gross_t - a.free_t;
    if (a.free_t == 0)
      a.warnings.push_back({"zero_allocation", "no free allocation; left out of the order"});
    p.total_gross_t += a.gross_t;  // <= 10^4 x 10^15 < 2^64
    p.total_free_t += a.free_t;
    p.total_auctioned_t += a.auctioned_t;
    p.companies.push_back(std::move(a));
  }
  p.exceeds_cap = p.total_gross_t > settings.cap_t;
  if (p.exceeds_cap)
    p.warnings.push_back({"exceeds_cap", "total " + u64s(p.total_gross_t) + " t exceeds the cap " +
                                             u64s(settings.cap_t) + " t by " +
                                             u64s(p.total_gross_t - settings.cap_t) + " t"});
  return p;
}

Json preview_json(const AllocationPreview& p) {
  const auto& s = p.settings;
  Json companies = Json::array();
  for (const auto& a : p.companies) {
    Json base = Json::array();
    for (const auto& b : a.base_years)
      base.push_back({{"year", b.year},
                      {"emissions_t", u64s(b.emissions_t)},
                      {"source", format_name(b.source)}});
    Json c = {{"account", a.account},
              {"name", a.name},
              {"method", method_name(a.method)},
              {"base_years", base},
              {"years_missing", a.years_missing},
              {"base_total_t", u64s(a.base_total_t)},
              {"base_average_t", u64s(a.base_average_t)},
              {"gross_t", u64s(a.gross_t)},
              {"free_t", u64s(a.free_t)},
              {"auctioned_t", u64s(a.auctioned_t)},
              {"warnings", warnings_codes(a.warnings)}};
    if (a.method == Method::kBenchmark) {
      c["activity"] = u64s(a.activity);
      c["benchmark_g_per_unit"] = u64s(a.benchmark_g_per_unit);
    }
    companies.push_back(std::move(c));
  }
  return {{"version", "tanso.ets.allocation_preview/1"},
          {"settings",
           {{"year", s.year},
            {"base_years", {s.base_year_first, s.base_year_last}},
            {"adjustment_ppm", u64s(s.adjustment_ppm)},
            {"auction_share_ppm", u64s(s.auction_share_ppm)},
            {"cap_t", u64s(s.cap_t)}}},
          {"companies", companies},
          {"totals",
           {{"gross_t", u64s(p.total_gross_t)},
            {"free_t", u64s(p.total_free_t)},
            {"auctioned_t", u64s(p.total_auctioned_t)}}},
          {"exceeds_cap", p.exceeds_cap},
          {"warnings", warnings_codes(p.warnings)}};
}

std::string preview_basis(const AllocationPreview& p) {
  return to_hex(sha256(preview_json(p).dump()));
}

Result<Json> allocation_order_body(const AllocationPreview& p, std::string_view order_id) {
  if (!valid_id(order_id))
    return err("allocation.bad_order_id", "order id '" + std::string(order_id) +
                                              "' is not an id (1..64 of A-Z a-z 0-9 . _ : -)");
  if (p.exceeds_cap)
    return err("allocation.above_cap", "the preview allocates " + u64s(p.total_gross_t) +
                                           " t, above the cap of " + u64s(p.settings.cap_t) + " t");
  Json entries = Json::array();
  for (const auto& a : p.companies)
    if (a.free_t > 0) entries.push_back(Json::array({a.account, u64s(a.free_t)}));
  if (entries.empty())
    return err("allocation.empty_order", "no company has a free allocation above 0");
  Json body = {{"order", std::string(order_id)},
               {"year", p.settings.year},
               {"entries", std::move(entries)},
               {"basis", preview_basis(p)}};
  if (size_t n = body.dump().size(); n > limits::order_body_bytes_max)
    return err("allocation.order_too_large",
               "the order body is " + std::to_string(n) + " bytes; the limit is " +
                   std::to_string(limits::order_body_bytes_max) + " (split the companies)");
  return body;
}

Result<std::vector<Company>> companies_from_json(const Json& j) {
  const Json* list = &j;
  if (j.is_object()) {
    if (!j.contains("companies") || j.size() != 1)
      return err("allocation.bad_company", "expected {\"companies\": [...]}");
    list = &j["companies"];
  }
  if (!list->is_array()) return err("allocation.bad_company", "companies must be an array");
  if (list->size() > limits::allocation_companies_max)
    return err("allocation.bad_company",
               "at most " + std::to_string(limits::allocation_companies_max) + " companies");
  std::vector<Company> out;
  static const std::set<std::string> kKeys = {
      "account", "name", "method", "activity", "benchmark_g_per_unit", "label"};
  for (size_t i = 0; i < list->size(); ++i) {
    const Json& o = (*list)[i];
    std::string who = "companies[" + std::to_string(i) + "]";
    if (!o.is_object()) return err("allocation.bad_company", who + " is not an object");
    for (const auto& [k, v] : o.items())
      if (!kKeys.count(k))
        return err("allocation.bad_company", who + ": unknown field '" + k + "'");
    for (const char* k : {"account", "name", "method"})
      if (!o.contains(k) || !o[k].is_string())
        return err("allocation.bad_company", who + ": \"" + k + "\" (a string) is required");
    if (o.contains("label") && !o["label"].is_string())
      return err("allocation.bad_company", who + ": label must be a string");
    Company c;
    c.account = o["account"].get<std::string>();
    c.name = std::string(trim_cell(o["name"].get<std::string>()));
    std::string m = o["method"].get<std::string>();
    if (m == "grandfathering") {
      c.method = Method::kGrandfathering;
    } else if (m == "benchmark") {
      c.method = Method::kBenchmark;
    } else {
      return err("allocation.bad_company",
                 who + ": method must be grandfathering or benchmark, not '" + m + "'");
    }
    who += " (" + c.account + ")";
    if (o.contains("activity")) {
      auto v = int_field(o, "activity", who);
      if (!v) return v.error();
      c.activity = *v;
    }
    if (o.contains("benchmark_g_per_unit")) {
      auto v = int_field(o, "benchmark_g_per_unit", who);
      if (!v) return v.error();
      c.benchmark_g_per_unit = *v;
    }
    if (auto s = check_company(c); !s) return s.error();
    out.push_back(std::move(c));
  }
  std::set<std::string> accounts, names;
  for (const auto& c : out) {
    if (!accounts.insert(c.account).second)
      return err("allocation.duplicate_company", "account '" + c.account + "' is listed twice");
    if (!names.insert(c.name).second)
      return err("allocation.duplicate_company", "company name '" + c.name + "' is listed twice");
  }
  return out;
}

Result<uint64_t> parse_ratio_ppm(std::string_view text) {
  auto v = parse_quantity(text, 6);
  if (!v || *v > kPpm)
    return err("allocation.bad_settings",
               "'" + std::string(text) + "' is not a ratio from 0 to 1 (at most 6 decimals)");
  return *v;
}

Result<std::pair<uint32_t, uint32_t>> parse_year_range(std::string_view text) {
  auto year = [](std::string_view s) -> std::optional<uint32_t> {
    s = trim_cell(s);
    if (s.size() != 4) return std::nullopt;
    uint32_t y = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return std::nullopt;
      y = y * 10 + static_cast<uint32_t>(c - '0');
    }
    if (y < kYearMin || y > kYearMax) return std::nullopt;
    return y;
  };
  size_t dash = text.find('-');
  auto a = year(text.substr(0, dash));
  auto b = dash == std::string_view::npos ? a : year(text.substr(dash + 1));
  if (!a || !b || *a > *b)
    return err("allocation.bad_settings",
               "'" + std::string(text) + "' is not a year range such as 2017-2019");
  return std::make_pair(*a, *b);
}

}  // namespace tanso::ets
