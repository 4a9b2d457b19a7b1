// MRV batches: mrv.batch.submit (core/mrv_registry.h). The edge gateway's totals per source and
// device for one interval of a day (the whole day by default) are checked against the device
// registry and the approved monitoring plan; readings of devices without a valid calibration on
// that day are kept but excluded; the node computes each source's emissions (core/mrv_calc.h) with
// the plan's factor set, records the version used, and adds them to the per-day and per-year totals
// the views read.
#include <map>
#include <set>

#include "core/limits.h"
#include "core/mrv_calc.h"
#include "core/mrv_factors.h"
#include "core/mrv_registry.h"

namespace tanso::mrv {

namespace {

constexpr std::string_view kType = "mrv.batch.submit";
constexpr size_t kTotalsMax = 1'000;
constexpr uint64_t kMinutesPerDay = 1'440;

// The batch's interval: interval_min (a divisor of 1440, default 1440) and slot (default 0).
std::pair<uint64_t, uint64_t> interval_of(const Json& b) {
  uint64_t minutes = b.contains("interval_min") ? *json_u64(b["interval_min"]) : kMinutesPerDay;
  uint64_t slot = b.contains("slot") ? *json_u64(b["slot"]) : 0;
  return {minutes, slot};
}

bool lower_hex64(const Json& v) {
  if (!v.is_string()) return false;
  const auto& s = v.get_ref<const std::string&>();
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

Error overflow() {
  return err("mrv.calc_overflow", "the batch's totals exceed the calculable range (2^62)");
}

// Adds every gram figure of `e` to the decimal-string fields of `j`.
bool add_emissions(Json& j, const Emissions& e) {
  return add_amount(j, "co2_g", e.co2_g) && add_amount(j, "ch4_g", e.ch4_g) &&
         add_amount(j, "n2o_g", e.n2o_g) && add_amount(j, "co2e_g", e.co2e_g);
}
bool add_figures(Json& to, const Json& from) {
  for (auto k : {"co2_g", "ch4_g", "n2o_g", "co2e_g"})
    if (!add_amount(to, k, amount_of(from, k))) return false;
  return true;
}

}  // namespace

// mrv.batch.submit {batch_id: id (global; the edge uses e.g. "<installation>.<day>.<slot>"),
// installation, day: date, interval_min?: a divisor of 1440 (default 1440, the whole day),
// slot?: 0 .. 1440/interval_min - 1 (default 0; the batch covers [slot * interval_min,
// (slot + 1) * interval_min) minutes of the installation's local day), merkle_root: 64
// lower-case hex (RFC 6962 root of the interval's raw readings, core/merkle.h), factor_version:
// the plan's version for these sources,
// totals: [{source, device, unit (the device's unit), quantity (integer thousandths of the unit),
// readings, gaps, substituted (substituted <= gaps: gap intervals filled with conservative
// substitute values)}]}: 1-1000 totals, each device once.
Status batch_submit_check(const Json& b) {
  constexpr std::string_view t = kType;
  Fields f(b, t);
  if (auto s = f.only({"batch_id", "installation", "day", "interval_min", "slot", "merkle_root",
                       "factor_version", "totals"});
      !s)
    return s;
  if (b.contains("interval_min")) {
    if (auto s = f.u64("interval_min", 1, kMinutesPerDay); !s) return s.error();
    if (kMinutesPerDay % *json_u64(b["interval_min"]) != 0)
      return malformed(t, "interval_min must divide 1440 (a day): 1, 5, 10, 15, 30, 60, ...");
  }
  if (b.contains("slot")) {
    uint64_t minutes = b.contains("interval_min") ? *json_u64(b["interval_min"]) : kMinutesPerDay;
    if (auto s = f.u64("slot", 0, kMinutesPerDay / minutes - 1); !s) return s.error();
  }
  for (auto k : {"batch_id", "installation", "factor_version"})
    if (auto s = f.id(k); !s) return s.error();
  if (auto d = date_field(b, t, "day"); !d) return d.error();
  if (!b.contains("merkle_root") || !lower_hex64(b["merkle_root"]))
    return malformed(t, "merkle_root must be 64 lower-case hex digits");
  if (!b.contains("totals") || !b["totals"].is_array() || b["totals"].empty() ||
      b["totals"].size() > kTotalsMax)
    return malformed(t, "totals must be a list of 1 to 1000 device totals");
  std::set<std::string> devices;
  for (const auto& e : b["totals"]) {
    constexpr std::string_view te = "mrv.batch.submit total";
    if (!e.is_object())
      return malformed(t,
                       "a total is {source, device, unit, quantity, readings, gaps, substituted}");
    Fields fe(e, te);
    if (auto s =
            fe.only({"source", "device", "unit", "quantity", "readings", "gaps", "substituted"});
        !s)
      return s;
    if (auto s = fe.id("source"); !s) return s.error();
    auto dev = fe.id("device");
    if (!dev) return dev.error();
    if (!devices.insert(*dev).second) return malformed(t, "device '" + *dev + "' listed twice");
    if (!e.contains("unit") || !e["unit"].is_string() ||
        !activity_unit_from(e["unit"].get_ref<const std::string&>()))
      return malformed(t, "totals: unit must be Nm3, kWh, MWh, kg or t");
    for (auto k : {"quantity", "readings", "gaps", "substituted"})
      if (auto s = fe.u64(k, 0, limits::amount_max); !s) return s.error();
    if (*json_u64(e["substituted"]) > *json_u64(e["gaps"]))
      return malformed(t, "totals: substituted must not exceed gaps (device '" + *dev + "')");
  }
  return ok_status();
}

// Rules, in order:
// - the installation has MRV records (mrv.unknown_installation) and the sender acts for its
//   company: an account of the company's org (mrv.not_owner; the edge signs with an account of
//   its own in the company's org, never with a device key);
// - a batch_id already accepted: the same body again is a success that changes nothing (the
//   edge's retry); a different body is mrv.batch_conflict;
// - the installation has an approved plan (mrv.plan_not_approved); the day is not in the future
//   (mrv.future_date);
// - each total: its source is in the plan (mrv.unknown_source); factor_version is the plan's
//   for it (mrv.factor_version_mismatch); the device exists (mrv.unknown_device), belongs to this
//   installation and source (mrv.device_mismatch), has the plan source's scope and fuel
//   (mrv.plan_mismatch), was not retired before the day (mrv.device_retired), and the unit is the
//   device's (mrv.unit_mismatch);
// - no source is reported twice for the same interval (mrv.source_day_reported: one batch per
//   installation, source, day and slot), and all batches of a source and day use the same
//   interval length (mrv.interval_mismatch), so intervals never overlap;
// - the calculation succeeds (mrv.unknown_fuel, mrv.unit_mismatch, mrv.no_grid_factor,
//   mrv.calc_overflow).
// Devices whose calibration is not valid on the day are recorded with their quantity and
// excluded from every total (reason "calibration_expired" or "never_calibrated").
Status batch_submit_apply(TxEnv& env) {
  const Json& b = env.tx.payload.body;
  const std::string id = b["batch_id"].get<std::string>();
  const std::string inst = b["installation"].get<std::string>();
  const std::string day = b["day"].get<std::string>();
  const std::string version = b["factor_version"].get<std::string>();

  auto irec = get_json(env.st, inst_key(inst));
  if (!irec)
    return err("mrv.unknown_installation",
               "installation '" + inst + "' has no MRV records (register its devices and plan)",
               404);
  const std::string company = (*irec)["company"].get<std::string>();
  if (auto s = may_act_for(env.st, env, company, false); !s) return s;

  const std::string batch_key = "mrv/batch/" + id;
  if (auto old = get_json(env.st, batch_key)) {
    if ((*old)["body"] == b) return ok_status();  // a retry: already recorded, nothing to do
    return err("mrv.batch_conflict",
               "batch '" + id + "' was accepted with a different content; batch ids are final",
               409);
  }

  auto plan = get_json(env.st, "mrv/plan/" + inst);
  if (!plan)
    return err("mrv.plan_not_approved",
               "installation '" + inst + "' has no approved monitoring plan", 409);
  if (auto s = not_future(env, "day", day); !s) return s;
  std::map<std::string, Json> plan_sources;
  for (const auto& s : (*plan)["sources"]) plan_sources[s["source"].get<std::string>()] = s;

  // Per source (sorted, so the record is canonical): the plan row and the batch's devices.
  struct Group {
    const Json* plan = nullptr;
    Json devices = Json::array();
    std::map<std::string, uint64_t> included;  // unit -> milli
    std::map<std::string, uint64_t> excluded;
    uint64_t readings = 0, gaps = 0, substituted = 0, excluded_devices = 0;
  };
  std::map<std::string, Group> groups;
  for (const auto& e : b["totals"]) {
    const std::string src = e["source"].get<std::string>();
    const std::string dev = e["device"].get<std::string>();
    const std::string unit = e["unit"].get<std::string>();
    auto ps = plan_sources.find(src);
    if (ps == plan_sources.end())
      return err("mrv.unknown_source",
                 "source '" + src + "' is not in the approved plan of '" + inst + "'", 404);
    const Json& prow = ps->second;
    if (prow["factor_version"] != version)
      return err("mrv.factor_version_mismatch",
                 "the plan computes source '" + src + "' with factor set " +
                     prow["factor_version"].get<std::string>() + ", not " + version);
    auto drec = get_json(env.st, device_key(dev));
    if (!drec) return err("mrv.unknown_device", "no device '" + dev + "' is registered", 404);
    if ((*drec)["installation"] != inst || (*drec)["source"] != src)
      return err("mrv.device_mismatch", "device '" + dev + "' is registered to " +
                                            (*drec)["installation"].get<std::string>() + "/" +
                                            (*drec)["source"].get<std::string>() + ", not " + inst +
                                            "/" + src);
    if ((*drec)["scope"] != prow["scope"] || (*drec)["fuel"] != prow["fuel"])
      return err("mrv.plan_mismatch", "device '" + dev + "' (scope " + (*drec)["scope"].dump() +
                                          ", fuel " + (*drec)["fuel"].dump() +
                                          ") does not match source '" + src +
                                          "' of the plan (scope " + prow["scope"].dump() +
                                          ", fuel " + prow["fuel"].dump() + ")");
    if (!(*drec)["retired_on"].is_null() && day > (*drec)["retired_on"].get<std::string>())
      return err("mrv.device_retired",
                 "device '" + dev + "' was retired on " + (*drec)["retired_on"].get<std::string>());
    if ((*drec)["unit"] != unit)
      return err("mrv.unit_mismatch", "device '" + dev + "' measures in " +
                                          (*drec)["unit"].get<std::string>() + ", not " + unit);

    Group& g = groups[src];
    g.plan = &prow;
    uint64_t qty = *json_u64(e["quantity"]);
    auto cal = calibration_status(calibrations_of(*drec), day);
    Json row = {{"device", dev},
                {"unit", unit},
                {"quantity", u64_text(qty)},
                {"readings", u64_text(*json_u64(e["readings"]))},
                {"gaps", u64_text(*json_u64(e["gaps"]))},
                {"substituted", u64_text(*json_u64(e["substituted"]))},
                {"calibration", calibration_status_name(cal)},
                {"included", cal == CalibrationStatus::valid}};
    auto& bucket = cal == CalibrationStatus::valid ? g.included : g.excluded;
    if (qty > limits::amount_max - bucket[unit]) return overflow();
    bucket[unit] += qty;
    if (cal == CalibrationStatus::valid) {
      g.readings += *json_u64(e["readings"]);  // each <= 2^62, at most 1000 of them
      g.gaps += *json_u64(e["gaps"]);
      g.substituted += *json_u64(e["substituted"]);
    } else {
      row["reason"] =
          cal == CalibrationStatus::expired ? "calibration_expired" : "never_calibrated";
      ++g.excluded_devices;
    }
    g.devices.push_back(std::move(row));
  }

  const auto [minutes, slot] = interval_of(b);
  const std::string slot_id = std::to_string(slot);
  std::map<std::string, Json> day_records;  // source -> its mrv/day record (new or existing)
  for (const auto& [src, g] : groups) {
    auto rec = get_json(env.st, "mrv/day/" + inst + "/" + src + "/" + day);
    if (!rec) {
      day_records[src] = {{"interval_min", minutes}, {"slots", Json::object()}, {"co2e_g", "0"}};
      continue;
    }
    if ((*rec)["interval_min"].get<uint64_t>() != minutes)
      return err("mrv.interval_mismatch",
                 "source '" + src + "' of '" + inst + "' is reported for " + day + " in " +
                     (*rec)["interval_min"].dump() + "-minute intervals, not " +
                     std::to_string(minutes),
                 409);
    if ((*rec)["slots"].contains(slot_id))
      return err("mrv.source_day_reported",
                 "source '" + src + "' of '" + inst + "' was already reported for " + day +
                     (minutes == kMinutesPerDay ? "" : " slot " + slot_id),
                 409);
    day_records[src] = std::move(*rec);
  }

  auto fs = load_factor_set(env.st, version);
  if (!fs) return fs.error();
  const uint32_t year = static_cast<uint32_t>(std::stoul(day.substr(0, 4)));

  // Emissions per source: included activity summed per unit, calculated once per unit.
  Json sources = Json::array();
  Json batch_total = Json::object();
  for (auto& [src, g] : groups) {
    const Json& prow = *g.plan;
    uint32_t scope = prow["scope"].get<uint32_t>();
    Json res = {{"source", src},
                {"scope", scope},
                {"fuel", prow["fuel"]},
                {"factor_version", fs->version},
                {"activity", Json::object()},
                {"excluded_activity", Json::object()},
                {"co2_g", "0"},
                {"ch4_g", "0"},
                {"n2o_g", "0"},
                {"co2e_g", "0"}};
    for (const auto& [unit, milli] : g.included) {
      res["activity"][unit] = u64_text(milli);
      if (milli == 0) continue;
      Quantity q{milli, *activity_unit_from(unit)};
      auto e = scope == 2 ? electricity_emissions(*fs, year, q)
                          : fuel_emissions(*fs, prow["fuel"].get<std::string>(), q);
      if (!e) return e.error();
      if (!add_emissions(res, *e)) return overflow();
    }
    for (const auto& [unit, milli] : g.excluded) res["excluded_activity"][unit] = u64_text(milli);
    res["readings"] = u64_text(g.readings);
    res["gaps"] = u64_text(g.gaps);
    res["substituted"] = u64_text(g.substituted);
    res["excluded_devices"] = g.excluded_devices;
    res["devices"] = g.devices;
    if (!add_figures(batch_total, res)) return overflow();
    sources.push_back(std::move(res));
  }

  // The per-day chart record and the per-year statement rows of the company.
  const std::string daily_key = "mrv/daily/" + company + "/" + day;
  Json daily = get_json(env.st, daily_key).value_or(Json{{"sources", Json::object()}});
  const std::string annual_key = "mrv/annual/" + company + "/" + day.substr(0, 4);
  Json annual = get_json(env.st, annual_key).value_or(Json{{"rows", Json::object()}});
  for (const auto& res : sources) {
    const std::string src = res["source"].get<std::string>();
    const std::string row_id = inst + "/" + src;
    Json& dsrc = daily["sources"][row_id];
    if (dsrc.is_null()) dsrc = {{"scope", res["scope"]}, {"co2e_g", "0"}};
    if (!add_amount(dsrc, "co2e_g", amount_of(res, "co2e_g"))) return overflow();
    if (!add_amount(daily, "co2e_g", amount_of(res, "co2e_g"))) return overflow();

    Json& row = annual["rows"][row_id];
    if (row.is_null())
      row = {{"installation", inst},
             {"source", src},
             {"scope", res["scope"]},
             {"fuel", res["fuel"]},
             {"activity", Json::object()},
             {"factor_versions", Json::array()},
             {"days", 0},
             {"excluded", {{"device_days", 0}, {"activity", Json::object()}}}};
    if (!add_figures(row, res)) return overflow();
    for (auto it = res["activity"].begin(); it != res["activity"].end(); ++it)
      if (!add_amount(row["activity"], it.key(), *json_u64(it.value()))) return overflow();
    for (auto it = res["excluded_activity"].begin(); it != res["excluded_activity"].end(); ++it)
      if (!add_amount(row["excluded"]["activity"], it.key(), *json_u64(it.value())))
        return overflow();
    row["excluded"]["device_days"] =
        row["excluded"]["device_days"].get<uint64_t>() + res["excluded_devices"].get<uint64_t>();
    for (auto k : {"readings", "gaps", "substituted"})
      if (!add_amount(row, k, amount_of(res, k))) return overflow();
    Json& day_rec = day_records[src];
    if (day_rec["slots"].empty()) row["days"] = row["days"].get<uint64_t>() + 1;
    bool known = false;
    for (const auto& v : row["factor_versions"]) known = known || v == res["factor_version"];
    if (!known) row["factor_versions"].push_back(res["factor_version"]);

    day_rec["slots"][slot_id] = {{"batch", id},
                                 {"factor_version", res["factor_version"]},
                                 {"co2e_g", res["co2e_g"]},
                                 {"excluded_devices", res["excluded_devices"]}};
    if (!add_amount(day_rec, "co2e_g", amount_of(res, "co2e_g"))) return overflow();
    env.st.put("mrv/day/" + inst + "/" + src + "/" + day, day_rec.dump());
  }
  env.st.put(daily_key, daily.dump());
  env.st.put(annual_key, annual.dump());

  Json rec = {{"batch_id", id},
              {"installation", inst},
              {"day", day},
              {"interval_min", minutes},
              {"slot", slot},
              {"company", company},
              {"submitted_by", env.tx.payload.from},
              {"height", env.height},
              {"factor_version", fs->version},
              {"merkle_root", b["merkle_root"]},
              {"sources", sources},
              {"co2e_g", u64_text(amount_of(batch_total, "co2e_g"))},
              {"body", b}};
  env.st.put(batch_key, rec.dump());
  env.touch(company);
  return ok_status();
}

}  // namespace tanso::mrv
