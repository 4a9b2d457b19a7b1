// K-ETS read-only views for the API: parameters, a company's position report (seed 003 §6),
// the regulator's compliance table and totals for a year, and a company's record. Pure functions
// of the state (no clock: "before/after the deadline" is reported as the deadline itself).
#include <algorithm>

#include "core/ets.h"
#include "core/holdings.h"

namespace tanso {

namespace {

using namespace ets;
__extension__ typedef __int128 i128;

Error not_designated(std::string_view account, uint32_t year) {
  return err("ets.not_designated",
             "'" + std::string(account) + "' is not designated for " + std::to_string(year), 404);
}

Result<const EtsPhase*> read_phase(const EtsParams& p, uint32_t year) {
  const EtsPhase* ph = p.phase_of(year);
  if (!ph)
    return err("ets.unknown_year",
               "compliance year " + std::to_string(year) + " is in no phase of the ETS params",
               404);
  return ph;
}

Json opt_text(const std::optional<uint64_t>& v) { return v ? Json(u64_text(*v)) : Json(nullptr); }

// "12.34" from 1234 basis points (signed).
std::string bp_pct(int64_t bp) {
  std::string s = bp < 0 ? "-" : "";
  uint64_t a = bp < 0 ? static_cast<uint64_t>(-(bp + 1)) + 1 : static_cast<uint64_t>(bp);
  std::string frac = std::to_string(a % 100);
  if (frac.size() < 2) frac.insert(0, "0");
  return s + std::to_string(a / 100) + "." + frac;
}

struct YearFigures {
  uint64_t allocated, kau_s, kcu_s, banked, borrowed;
  std::optional<uint64_t> cert;
};

YearFigures figures(const StateReader& st, uint32_t year, std::string_view account) {
  return {
      get_u64(st, rec_key("alloc", year, account)),  surrendered(st, year, account, kau(year)),
      surrendered(st, year, account, kKcu),          get_u64(st, rec_key("bank", year, account)),
      get_u64(st, rec_key("borrow", year, account)), certified(st, year, account)};
}

// Status of a company in a year: the settled record, or a provisional one.
Json year_row(const StateReader& st, const EtsPhase& ph, uint32_t year, std::string_view account) {
  YearFigures f = figures(st, year, account);
  Json row = {{"year", year},
              {"allocated", u64_text(f.allocated)},
              {"certified_tco2e", opt_text(f.cert)},
              {"surrendered_kau", u64_text(f.kau_s)},
              {"surrendered_kcu", u64_text(f.kcu_s)},
              {"banked", u64_text(f.banked)},
              {"borrowed", u64_text(f.borrowed)}};
  if (auto rec = st.get(rec_key("status", year, account))) {
    Json r = Json::parse(*rec);
    row["status"] = r["status"];
    row["counted"] = r["counted"];
    row["shortfall"] = r["shortfall"];
    row["penalty_krw"] = r["penalty_krw"];
    row["settled"] = true;
    return row;
  }
  row["settled"] = false;
  row["penalty_krw"] = nullptr;
  if (!f.cert) {
    row["status"] = "uncertified";
    row["counted"] = nullptr;
    row["shortfall"] = nullptr;
    return row;
  }
  uint64_t counted = sat_add(f.kau_s, std::min(f.kcu_s, bp_of(*f.cert, ph.offset_cap_bp)));
  uint64_t shortfall = *f.cert > counted ? *f.cert - counted : 0;
  row["status"] = shortfall > 0 ? "open" : "met";  // provisional until settlement
  row["counted"] = u64_text(counted);
  row["shortfall"] = u64_text(shortfall);
  return row;
}

}  // namespace

Json ets_params_view(const StateReader& st) {
  Json j = load_ets_params(st)->to_json();
  j["source"] = st.get("ets/params") ? "state" : "defaults";
  return j;
}

// Position report: projected emissions (the company's projection, else its certified emissions)
// against what can still cover them: units already surrendered (KCU counted up to the offset
// cap) plus usable holdings (KAU-<year>, and KCU up to the remaining offset room, the cap being
// taken on the certified obligation, else on the projection). gap_t = projected - covered (a
// negative gap is a surplus); gap_bp = gap_t x 10000 / projected, truncated toward zero;
// risk: "stable" below 10 %, "rising" from 10 % to 30 %, "high" above 30 %, "unknown" without a
// projection. Exact integer comparisons decide the band (a gap of exactly 10 % is "rising").
Result<Json> ets_position(const StateReader& st, std::string_view account, uint32_t year) {
  auto params = load_ets_params(st);
  auto ph = read_phase(*params, year);
  if (!ph) return ph.error();
  auto d = load_designation(st, account);
  if (!d || !d->covers(year)) return not_designated(account, year);
  YearFigures f = figures(st, year, account);
  auto proj_text = st.get(rec_key("proj", year, account));
  std::optional<uint64_t> projected = proj_text ? std::optional(parse_u64_or0(proj_text)) : f.cert;
  std::string source = proj_text ? "projection" : f.cert ? "certified" : "none";
  uint64_t kau_bal = balance(st, account, kau(year));
  uint64_t kcu_bal = balance(st, account, kKcu);
  std::optional<uint64_t> basis = f.cert ? f.cert : projected;
  uint64_t kcu_cap = basis ? bp_of(*basis, (*ph)->offset_cap_bp) : 0;
  uint64_t kcu_counted = std::min(f.kcu_s, kcu_cap);
  uint64_t kcu_usable = std::min(kcu_bal, kcu_cap - kcu_counted);
  uint64_t usable = sat_add(kau_bal, kcu_usable);
  uint64_t covered = sat_add(sat_add(f.kau_s, kcu_counted), usable);
  uint64_t borrow_base = f.cert ? *f.cert : f.allocated;
  uint64_t borrow_limit = bp_of(borrow_base, (*ph)->borrow_limit_bp);
  Json j = {{"account", account},
            {"year", year},
            {"phase", (*ph)->phase},
            {"projected_tco2e", opt_text(projected)},
            {"projection_source", source},
            {"certified_tco2e", opt_text(f.cert)},
            {"allocated", u64_text(f.allocated)},
            {"surrendered", {{"kau", u64_text(f.kau_s)}, {"kcu", u64_text(f.kcu_s)}}},
            {"holdings", {{"kau", u64_text(kau_bal)}, {"kcu", u64_text(kcu_bal)}}},
            {"kcu_usable", u64_text(kcu_usable)},
            {"usable", u64_text(usable)},
            {"covered", u64_text(covered)},
            {"borrow_room", u64_text(borrow_limit > f.borrowed ? borrow_limit - f.borrowed : 0)},
            {"deadline_ms", ets_deadline_end_ms(*params, year)},
            {"settled", settled(st, year)}};
  if (!projected) {
    j["gap_t"] = nullptr;
    j["gap_bp"] = nullptr;
    j["gap_pct"] = nullptr;
    j["risk"] = "unknown";
    return j;
  }
  // All figures are <= 2^64; differences and products in 128 bits are exact.
  i128 gap = static_cast<i128>(*projected) - static_cast<i128>(covered);
  i128 p = static_cast<i128>(*projected);
  int64_t gap_bp =
      p == 0 ? 0 : static_cast<int64_t>(std::clamp<i128>(gap * 10'000 / p, INT64_MIN, INT64_MAX));
  std::string risk = gap * 100 < p * 10 ? "stable" : gap * 100 > p * 30 ? "high" : "rising";
  if (p == 0) risk = "stable";
  j["gap_t"] =
      gap < 0 ? "-" + u64_text(static_cast<uint64_t>(-gap)) : u64_text(static_cast<uint64_t>(gap));
  j["gap_bp"] = gap_bp;
  j["gap_pct"] = bp_pct(gap_bp);
  j["risk"] = risk;
  return j;
}

Result<Json> ets_compliance_table(const StateReader& st, uint32_t year) {
  auto params = load_ets_params(st);
  auto ph = read_phase(*params, year);
  if (!ph) return ph.error();
  Json rows = Json::array();
  for (const auto& company : designated_companies(st)) {
    auto d = load_designation(st, company);
    if (!d || !d->covers(year)) continue;
    Json row = year_row(st, **ph, year, company);
    row.erase("year");
    row["company"] = company;
    row["name"] = d->name;
    row["sector"] = d->sector;
    rows.push_back(std::move(row));
  }
  auto price = ets::year_price(st, year);
  return Json({{"year", year},
               {"phase", (*ph)->phase},
               {"settled", settled(st, year)},
               {"deadline_ms", ets_deadline_end_ms(*params, year)},
               {"avg_price_krw", price ? Json(u64_text(price->krw)) : Json(nullptr)},
               {"price_source", price ? Json(price->source) : Json(nullptr)},
               {"rows", rows}});
}

Result<Json> ets_totals(const StateReader& st, uint32_t year) {
  auto params = load_ets_params(st);
  auto ph = read_phase(*params, year);
  if (!ph) return ph.error();
  uint64_t companies = 0;
  for (const auto& company : designated_companies(st)) {
    auto d = load_designation(st, company);
    companies += d && d->covers(year);
  }
  auto sum = [&](std::string_view name) { return u64_text(get_u64(st, sum_key(year, name))); };
  Json plan = nullptr;
  if (auto p = st.get(year_key("plan", year))) {
    Json pj = Json::parse(*p);
    plan = {{"cap", pj["cap"]}, {"auction", pj["auction"]}};
  }
  auto price = ets::year_price(st, year);
  Json j = {{"year", year},
            {"phase", (*ph)->phase},
            {"plan", plan},
            {"allocated", sum("allocated")},
            {"surrendered_kau", sum("surrendered_kau")},
            {"surrendered_kcu", sum("surrendered_kcu")},
            {"offsets_used", sum("surrendered_kcu")},
            {"banked", sum("banked")},
            {"borrowed", sum("borrowed")},
            {"certified_tco2e", sum("certified")},
            {"certified_companies", get_u64(st, sum_key(year, "certified_companies"))},
            {"companies", companies},
            {"kau_supply", u64_text(supply(st, kau(year)))},
            {"avg_price_krw", price ? Json(u64_text(price->krw)) : Json(nullptr)},
            {"price_source", price ? Json(price->source) : Json(nullptr)},
            {"deadline_ms", ets_deadline_end_ms(*params, year)},
            {"settled", nullptr},
            {"penalties_krw", nullptr}};
  if (auto s = st.get(year_key("settled", year))) {
    Json sj = Json::parse(*s);
    j["settled"] = sj;
    j["penalties_krw"] = sj["penalty_krw"];
  }
  return j;
}

Result<Json> ets_company(const StateReader& st, std::string_view account) {
  auto d = load_designation(st, account);
  if (!d)
    return err("ets.not_designated", "'" + std::string(account) + "' was never designated", 404);
  auto params = load_ets_params(st);
  Json j = d->to_json();
  auto meets = meets_threshold(*params, *d);
  j["meets_threshold"] = meets ? Json(*meets) : Json(nullptr);
  j["thresholds"] = {{"company_tco2e", params->company_threshold_tco2e},
                     {"site_tco2e", params->site_threshold_tco2e}};
  Json years = Json::array();
  for (const auto& ph : params->phases)
    for (uint32_t y = ph.from_year; y <= ph.to_year; ++y)
      if (d->covers(y)) years.push_back(year_row(st, ph, y, account));
  j["years"] = years;
  return j;
}

}  // namespace tanso
