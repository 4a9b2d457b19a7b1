// MRV registry views (core/mrv_registry.h): a device with its calibration status, an
// installation's devices and plans, a batch, a company's daily emissions for a year (the
// dashboard chart) and its annual statement draft. Read-only and pure; grams as decimal strings.
#include <map>

#include "core/mrv_calc.h"
#include "core/mrv_registry.h"

namespace tanso {

using mrv::amount_of;
using mrv::get_json;

Result<Json> mrv_device(const StateReader& st, std::string_view device,
                        std::optional<std::string_view> day) {
  auto rec = get_json(st, mrv::device_key(device));
  if (!rec)
    return err("mrv.unknown_device", "no device '" + std::string(device) + "' is registered", 404);
  if (day) {
    if (!valid_mrv_date(*day)) return err("tx.malformed", "day must be a date YYYY-MM-DD");
    (*rec)["status_on"] = *day;
    (*rec)["calibration_status"] =
        calibration_status_name(calibration_status(calibrations_of(*rec), *day));
  }
  return *rec;
}

Result<Json> mrv_installation(const StateReader& st, std::string_view installation) {
  auto rec = get_json(st, mrv::inst_key(installation));
  if (!rec)
    return err("mrv.unknown_installation",
               "installation '" + std::string(installation) + "' has no MRV records", 404);
  Json devices = Json::array();
  for (const auto& d : (*rec)["devices"])
    if (auto dr = get_json(st, mrv::device_key(d.get<std::string>())))
      devices.push_back(std::move(*dr));
  (*rec)["devices"] = std::move(devices);
  auto plan = get_json(st, "mrv/plan/" + std::string(installation));
  auto pending = get_json(st, "mrv/plan_pending/" + std::string(installation));
  (*rec)["plan"] = plan ? *plan : Json(nullptr);
  (*rec)["pending"] = pending ? *pending : Json(nullptr);
  return *rec;
}

Result<Json> mrv_batch(const StateReader& st, std::string_view batch_id) {
  auto rec = get_json(st, "mrv/batch/" + std::string(batch_id));
  if (!rec)
    return err("mrv.unknown_batch", "no batch '" + std::string(batch_id) + "' was accepted", 404);
  return *rec;
}

Result<Json> mrv_daily_emissions(const StateReader& st, std::string_view company, uint32_t year) {
  if (year < 2000 || year > 2200) return err("tx.malformed", "year must be from 2000 to 2200");
  Json days = Json::array();
  uint64_t total = 0;
  static constexpr uint32_t kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  for (uint32_t m = 1; m <= 12; ++m)
    for (uint32_t d = 1; d <= kDays[m - 1]; ++d) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%04u-%02u-%02u", year, m, d);
      auto rec = get_json(st, "mrv/daily/" + std::string(company) + "/" + buf);
      if (!rec) continue;  // also 29 February of a common year
      Json sources = Json::array();
      for (auto it = (*rec)["sources"].begin(); it != (*rec)["sources"].end(); ++it) {
        auto slash = it.key().find('/');
        sources.push_back({{"installation", it.key().substr(0, slash)},
                           {"source", it.key().substr(slash + 1)},
                           {"scope", it.value()["scope"]},
                           {"co2e_g", it.value()["co2e_g"]}});
      }
      uint64_t g = amount_of(*rec, "co2e_g");
      total += g;  // each day's figure <= 2^62; a year of them fits in uint64
      days.push_back({{"day", buf}, {"co2e_g", u64_text(g)}, {"sources", sources}});
    }
  return Json{
      {"company", company}, {"year", year}, {"days", days}, {"total_co2e_g", u64_text(total)}};
}

Result<Json> mrv_statement_draft(const StateReader& st, std::string_view company, uint32_t year) {
  if (year < 2000 || year > 2200) return err("tx.malformed", "year must be from 2000 to 2200");
  auto rec = get_json(st, "mrv/annual/" + std::string(company) + "/" + std::to_string(year));
  Json rows = Json::array();
  std::map<std::string, unsigned __int128> by_scope, by_fuel;
  unsigned __int128 total = 0;
  if (rec)
    for (auto it = (*rec)["rows"].begin(); it != (*rec)["rows"].end(); ++it) {
      const Json& r = it.value();
      uint64_t g = amount_of(r, "co2e_g");
      total += g;
      by_scope[std::to_string(r["scope"].get<uint32_t>())] += g;
      by_fuel[r["fuel"].is_null() ? "electricity" : r["fuel"].get<std::string>()] += g;
      rows.push_back(r);
    }
  auto text = [](unsigned __int128 v) {
    std::string s;
    do {
      s.insert(s.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
      v /= 10;
    } while (v != 0);
    return s;
  };
  Json scopes = Json::object(), fuels = Json::object();
  for (const auto& [k, v] : by_scope) scopes[k] = text(v);
  for (const auto& [k, v] : by_fuel) fuels[k] = text(v);
  std::string t = text(total);
  // Tonnes with 6 decimals (exact: 1 g = 0.000001 t).
  std::string tonnes = t.size() > 6 ? t.substr(0, t.size() - 6) + "." + t.substr(t.size() - 6)
                                    : "0." + std::string(6 - t.size(), '0') + t;
  return Json{{"company", company}, {"year", year},          {"status", "draft"},
              {"rows", rows},       {"by_scope", scopes},    {"by_fuel", fuels},
              {"total_co2e_g", t},  {"total_co2e_t", tonnes}};
}

}  // namespace tanso
