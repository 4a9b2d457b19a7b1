// K-ETS designation of covered companies and their installations (ets.designate,
// ets.undesignate), the designated-companies index, and the coverage-threshold guidance.
#include <set>
#include <unordered_map>

#include "core/ets.h"
#include "core/identity.h"
#include "core/limits.h"

namespace tanso {

namespace {

std::string desig_key(std::string_view account) { return "ets/desig/" + std::string(account); }

Json opt_u64(const std::optional<uint64_t>& v) { return v ? Json(u64_text(*v)) : Json(nullptr); }

EtsDesignation parse_designation(const Json& j) {
  EtsDesignation d;
  d.company = j["company"].get<std::string>();
  d.name = j["name"].get<std::string>();
  d.sector = j["sector"].get<std::string>();
  d.from_year = j["from_year"].get<uint32_t>();
  if (!j["to_year"].is_null()) d.to_year = j["to_year"].get<uint32_t>();
  for (const auto& i : j["installations"]) {
    EtsInstallation in{i["id"].get<std::string>(), i["name"].get<std::string>(), std::nullopt};
    if (!i["annual_tco2e"].is_null()) in.annual_tco2e = json_u64(i["annual_tco2e"]);
    d.installations.push_back(std::move(in));
  }
  if (!j["annual_tco2e"].is_null()) d.annual_tco2e = json_u64(j["annual_tco2e"]);
  d.by = j["by"].get<std::string>();
  d.height = j["height"].get<uint64_t>();
  return d;
}

// Does the account have any ETS record for the year (which a designation must keep covering)?
bool has_records(const StateReader& st, std::string_view account, uint32_t year) {
  using ets::rec_key;
  for (std::string_view kind : {"alloc", "cert", "bank", "borrow", "status"})
    if (st.get(rec_key(kind, year, account))) return true;
  return ets::surrendered(st, year, account, ets::kau(year)) > 0 ||
         ets::surrendered(st, year, account, ets::kKcu) > 0;
}

// Refuses a new coverage that would leave a year with records uncovered.
Status keep_records_covered(const StateReader& st, const EtsDesignation& old,
                            const EtsDesignation& next) {
  uint32_t last = old.to_year ? *old.to_year : ets::kYearMax;
  for (uint32_t y = old.from_year; y <= last; ++y)
    if (!next.covers(y) && has_records(st, old.company, y))
      return err("ets.designation_in_use", old.company + " has ETS records for " +
                                               std::to_string(y) +
                                               ", which the designation must keep covering");
  return ok_status();
}

void store_designation(Overlay& st, const EtsDesignation& d) {
  st.put(desig_key(d.company), d.to_json().dump());
  auto list = designated_companies(st);
  std::set<std::string> all(list.begin(), list.end());
  if (all.insert(d.company).second) st.put("ets/companies", Json(all).dump());
}

}  // namespace

Json EtsDesignation::to_json() const {
  Json ins = Json::array();
  for (const auto& i : installations)
    ins.push_back({{"id", i.id}, {"name", i.name}, {"annual_tco2e", opt_u64(i.annual_tco2e)}});
  return {{"company", company},
          {"name", name},
          {"sector", sector},
          {"from_year", from_year},
          {"to_year", to_year ? Json(*to_year) : Json(nullptr)},
          {"installations", ins},
          {"annual_tco2e", opt_u64(annual_tco2e)},
          {"by", by},
          {"height", height}};
}

std::shared_ptr<const EtsDesignation> load_designation(const StateReader& st,
                                                       std::string_view account) {
  auto v = st.get(desig_key(account));
  if (!v) return nullptr;
  // Memoized per thread, bounded: 65,536 designations (far above the ~700 K-ETS companies).
  thread_local std::unordered_map<std::string, std::shared_ptr<const EtsDesignation>> decoded;
  if (auto it = decoded.find(*v); it != decoded.end()) return it->second;
  if (decoded.size() >= 65'536) decoded.clear();
  auto d = std::make_shared<const EtsDesignation>(parse_designation(Json::parse(*v)));
  decoded.emplace(std::move(*v), d);
  return d;
}

std::vector<std::string> designated_companies(const StateReader& st) {
  auto v = st.get("ets/companies");
  if (!v) return {};
  return Json::parse(*v).get<std::vector<std::string>>();
}

std::optional<bool> meets_threshold(const EtsParams& p, const EtsDesignation& d) {
  bool all_sites_known = true;
  uint64_t site_sum = 0;
  for (const auto& i : d.installations) {
    if (!i.annual_tco2e) {
      all_sites_known = false;
      continue;
    }
    if (*i.annual_tco2e >= p.site_threshold_tco2e) return true;
    site_sum = ets::sat_add(site_sum, *i.annual_tco2e);
  }
  std::optional<uint64_t> company = d.annual_tco2e;
  if (!company && all_sites_known && !d.installations.empty()) company = site_sum;
  if (company && *company >= p.company_threshold_tco2e) return true;
  // Below the company threshold; an installation of unknown size might still meet the site one.
  if (company && all_sites_known) return false;
  return std::nullopt;
}

namespace ets {

// ets.designate {company, name, sector, from_year, to_year?, installations:[{id, name,
//   annual_tco2e?}], annual_tco2e?}: the regulator designates (or re-designates: the record is
// replaced) a company account (its org's role must be "company") for the compliance years
// from_year..to_year (open-ended without to_year). The thresholds are guidance only: a company
// below them is designated all the same, and the views flag it. A new range must still cover
// every year in which the company has records (ets.designation_in_use).
Status designate_check(const Json& b) {
  constexpr std::string_view t = "ets.designate";
  Fields f(b, t);
  if (auto s = f.only(
          {"company", "name", "sector", "from_year", "to_year", "installations", "annual_tco2e"});
      !s)
    return s;
  if (auto s = f.id("company"); !s) return s.error();
  if (auto s = f.text("name", true); !s) return s.error();
  if (auto s = f.text("sector", true); !s) return s.error();
  auto from = year_field(b, t, "from_year");
  if (!from) return from.error();
  if (f.has("to_year")) {
    auto to = year_field(b, t, "to_year");
    if (!to) return to.error();
    if (*to < *from) return malformed(t, "body.to_year is before body.from_year");
  }
  if (f.has("annual_tco2e"))
    if (auto s = f.u64("annual_tco2e", 0, limits::amount_max); !s) return s.error();
  if (!b.contains("installations") || !b["installations"].is_array() ||
      b["installations"].size() > limits::ets_installations_max)
    return malformed(t, "body.installations must be a list of at most 1000 installations");
  std::set<std::string> ids;
  for (const auto& i : b["installations"]) {
    if (!i.is_object()) return malformed(t, "an installation is {id, name, annual_tco2e?}");
    Fields fi(i, "ets.designate installation");
    if (auto s = fi.only({"id", "name", "annual_tco2e"}); !s) return s;
    auto id = fi.id("id");
    if (!id) return id.error();
    if (auto s = fi.text("name", true); !s) return s.error();
    if (fi.has("annual_tco2e"))
      if (auto s = fi.u64("annual_tco2e", 0, limits::amount_max); !s) return s.error();
    if (!ids.insert(*id).second) return malformed(t, "installation '" + *id + "' listed twice");
  }
  return ok_status();
}

Status designate_apply(TxEnv& env) {
  const Json& b = env.tx.payload.body;
  EtsDesignation d;
  d.company = b["company"].get<std::string>();
  auto acct = load_account(env.st, d.company);
  if (!acct) return err("ets.unknown_account", "no account '" + d.company + "'");
  if (acct->role != "company")
    return err("ets.not_company", "'" + d.company + "' belongs to a " + acct->role +
                                      " org; only company accounts are designated");
  d.name = b["name"].get<std::string>();
  d.sector = b["sector"].get<std::string>();
  d.from_year = static_cast<uint32_t>(*json_u64(b["from_year"]));
  if (b.contains("to_year")) d.to_year = static_cast<uint32_t>(*json_u64(b["to_year"]));
  auto params = load_ets_params(env.st);
  if (auto ph = phase_for(*params, d.from_year); !ph) return ph.error();
  for (const auto& i : b["installations"]) {
    EtsInstallation in{i["id"].get<std::string>(), i["name"].get<std::string>(), std::nullopt};
    if (i.contains("annual_tco2e")) in.annual_tco2e = json_u64(i["annual_tco2e"]);
    d.installations.push_back(std::move(in));
  }
  if (b.contains("annual_tco2e")) d.annual_tco2e = json_u64(b["annual_tco2e"]);
  d.by = env.tx.payload.from;
  d.height = env.height;
  if (auto old = load_designation(env.st, d.company))
    if (auto s = keep_records_covered(env.st, *old, d); !s) return s;
  store_designation(env.st, d);
  env.touch(d.company);
  return ok_status();
}

// ets.undesignate {company, last_year}: the designation ends after last_year (a last_year before
// from_year leaves a record that covers no year). Years with records must stay covered.
Status undesignate_check(const Json& b) {
  Fields f(b, "ets.undesignate");
  if (auto s = f.only({"company", "last_year"}); !s) return s;
  if (auto s = f.id("company"); !s) return s.error();
  if (auto y = year_field(b, "ets.undesignate", "last_year"); !y) return y.error();
  return ok_status();
}

Status undesignate_apply(TxEnv& env) {
  const Json& b = env.tx.payload.body;
  std::string company = b["company"].get<std::string>();
  auto old = load_designation(env.st, company);
  if (!old) return err("ets.not_designated", "'" + company + "' was never designated");
  EtsDesignation d = *old;
  d.to_year = static_cast<uint32_t>(*json_u64(b["last_year"]));
  d.by = env.tx.payload.from;
  d.height = env.height;
  if (auto s = keep_records_covered(env.st, *old, d); !s) return s;
  store_designation(env.st, d);
  env.touch(company);
  return ok_status();
}

}  // namespace ets
}  // namespace tanso
