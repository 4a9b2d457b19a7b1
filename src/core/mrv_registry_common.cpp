// MRV registry internals shared by its files: dates, calibration status, installation ownership
// and binding, stored decimal amounts, and the handler table (core/mrv_registry.h).
#include <cstdio>

#include "core/ets.h"
#include "core/identity.h"
#include "core/limits.h"
#include "core/mrv_registry.h"

namespace tanso {

namespace {

bool digits(std::string_view s) {
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return !s.empty();
}

uint32_t num(std::string_view s) {
  uint32_t v = 0;
  for (char c : s) v = v * 10 + static_cast<uint32_t>(c - '0');
  return v;
}

}  // namespace

bool valid_mrv_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  auto y = s.substr(0, 4), m = s.substr(5, 2), d = s.substr(8, 2);
  if (!digits(y) || !digits(m) || !digits(d)) return false;
  uint32_t yy = num(y), mm = num(m), dd = num(d);
  if (yy < ets::kYearMin || yy > ets::kYearMax || mm < 1 || mm > 12 || dd < 1) return false;
  static constexpr uint32_t kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (yy % 4 == 0 && yy % 100 != 0) || yy % 400 == 0;
  uint32_t max = kDays[mm - 1] + (mm == 2 && leap ? 1 : 0);
  return dd <= max;
}

std::string date_of_ms(uint64_t time_ms) {
  // Howard Hinnant's civil_from_days: exact, integers only.
  int64_t z = static_cast<int64_t>(time_ms / 86'400'000) + 719'468;
  int64_t era = (z >= 0 ? z : z - 146'096) / 146'097;
  int64_t doe = z - era * 146'097;
  int64_t yoe = (doe - doe / 1460 + doe / 36'524 - doe / 146'096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lld", static_cast<long long>(y),
                static_cast<long long>(m), static_cast<long long>(d));
  return buf;
}

std::string_view calibration_status_name(CalibrationStatus s) {
  switch (s) {
    case CalibrationStatus::valid:
      return "valid";
    case CalibrationStatus::expired:
      return "expired";
    case CalibrationStatus::never:
      break;
  }
  return "never";
}

CalibrationStatus calibration_status(std::span<const Calibration> calibrations,
                                     std::string_view day) {
  bool started = false;
  for (const auto& c : calibrations) {
    if (c.calibrated_on > day) continue;
    if (day <= c.expires_on) return CalibrationStatus::valid;
    started = true;
  }
  return started ? CalibrationStatus::expired : CalibrationStatus::never;
}

std::vector<Calibration> calibrations_of(const Json& device_record) {
  std::vector<Calibration> out;
  if (!device_record.contains("calibrations")) return out;
  for (const auto& c : device_record["calibrations"])
    out.push_back({c["technician"].get<std::string>(), c["certificate"].get<std::string>(),
                   c["calibrated_on"].get<std::string>(), c["expires_on"].get<std::string>()});
  return out;
}

namespace mrv {

Error malformed(std::string_view type, const std::string& what) {
  return err("tx.malformed", std::string(type) + ": body." + what);
}

Result<std::string> date_field(const Json& body, std::string_view type, std::string_view key) {
  auto it = body.find(key);
  if (it == body.end()) return malformed(type, std::string(key) + " is required");
  if (!it->is_string() || !valid_mrv_date(it->get_ref<const std::string&>()))
    return malformed(type, std::string(key) + " must be a date YYYY-MM-DD (2000-2200)");
  return it->get<std::string>();
}

Result<uint32_t> scope_field(const Json& body, std::string_view type) {
  auto it = body.find("scope");
  auto v = it == body.end() ? std::nullopt : json_u64(*it);
  if (!v || (*v != 1 && *v != 2)) return malformed(type, "scope must be 1 or 2");
  return static_cast<uint32_t>(*v);
}

bool valid_fuel_id(std::string_view s) {
  if (s.empty() || s.size() > 32) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

std::string inst_key(std::string_view installation) {
  return "mrv/inst/" + std::string(installation);
}
std::string device_key(std::string_view device) { return "mrv/device/" + std::string(device); }

std::optional<Json> get_json(const StateReader& st, const std::string& key) {
  auto v = st.get(key);
  if (!v) return std::nullopt;
  return Json::parse(*v);
}

Result<std::string> installation_owner(const StateReader& st, std::string_view installation) {
  if (auto rec = get_json(st, inst_key(installation))) return (*rec)["company"].get<std::string>();
  std::vector<std::string> owners;
  for (const auto& company : designated_companies(st)) {
    auto d = load_designation(st, company);
    if (!d) continue;
    for (const auto& i : d->installations)
      if (i.id == installation) {
        owners.push_back(company);
        break;
      }
  }
  if (owners.empty())
    return err("mrv.unknown_installation",
               "installation '" + std::string(installation) +
                   "' is in no company's ETS designation (nor bound by an MRV record)",
               404);
  if (owners.size() > 1)
    return err("mrv.installation_ambiguous", "installation '" + std::string(installation) +
                                                 "' is listed by the designations of " + owners[0] +
                                                 " and " + owners[1]);
  return owners[0];
}

Status may_act_for(const StateReader& st, const TxEnv& env, const std::string& company,
                   bool regulator_ok) {
  const std::string& sender = env.tx.payload.from;
  if (regulator_ok && env.sender_role == "regulator") return ok_status();
  auto owner = load_account(st, company);
  auto me = load_account(st, sender);
  if (owner && me && me->org == owner->org) return ok_status();
  return err("mrv.not_owner", "'" + sender + "' does not act for " + company +
                                  ", the company that owns the installation");
}

Json bind_installation(Overlay& st, std::string_view installation, const std::string& company) {
  if (auto rec = get_json(st, inst_key(installation))) return *rec;
  Json rec = {{"installation", installation}, {"company", company}, {"devices", Json::array()}};
  st.put(inst_key(installation), rec.dump());
  return rec;
}

Status not_future(const TxEnv& env, std::string_view what, const std::string& day) {
  // The block's UTC date + 1 day: time zones ahead of UTC (KST) may already be there.
  std::string latest = date_of_ms(env.time_ms + 86'400'000);
  if (day > latest)
    return err("mrv.future_date", std::string(what) + " " + day + " is after the block's date (" +
                                      date_of_ms(env.time_ms) + " UTC)");
  return ok_status();
}

uint64_t amount_of(const Json& j, std::string_view key) {
  auto it = j.find(key);
  if (it == j.end()) return 0;
  auto v = json_u64(*it);
  return v ? *v : 0;
}

bool add_amount(Json& j, std::string_view key, uint64_t v) {
  uint64_t cur = amount_of(j, key);
  if (v > limits::amount_max || cur > limits::amount_max - v) return false;
  j[std::string(key)] = u64_text(cur + v);
  return true;
}

}  // namespace mrv

namespace {

const TxHandler kHandlers[] = {
    {"mrv.device.register", mrv::device_register_check, mrv::device_register_apply},
    {"mrv.device.calibrate", mrv::device_calibrate_check, mrv::device_calibrate_apply},
    {"mrv.device.retire", mrv::device_retire_check, mrv::device_retire_apply},
    {"mrv.plan.set", mrv::plan_set_check, mrv::plan_set_apply},
    {"mrv.plan.approve", mrv::plan_approve_check, mrv::plan_approve_apply},
    {"mrv.batch.submit", mrv::batch_submit_check, mrv::batch_submit_apply},
};

}  // namespace

std::span<const TxHandler> mrv_registry_handlers() { return kHandlers; }

}  // namespace tanso
