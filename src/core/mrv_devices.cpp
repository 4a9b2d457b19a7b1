// MRV device registry: mrv.device.register, mrv.device.calibrate, mrv.device.retire
// (core/mrv_registry.h). A device is a meter with its own Ed25519 key, bound to one installation
// and emission source, measuring one quantity in one unit; its calibration records decide
// whether its readings count (mrv_batches.cpp).
#include "core/crypto.h"
#include "core/limits.h"
#include "core/mrv_calc.h"
#include "core/mrv_registry.h"

namespace tanso::mrv {

namespace {

// Devices per installation and calibrations per device (a century of yearly calibrations).
constexpr size_t kDevicesMax = 1'000;
constexpr size_t kCalibrationsMax = 100;

// The unit must fit the measured quantity.
bool unit_fits(std::string_view quantity, std::string_view unit) {
  if (quantity == "natural_gas_volume") return unit == "Nm3";
  if (quantity == "electricity") return unit == "kWh" || unit == "MWh";
  if (quantity == "fuel_mass") return unit == "kg" || unit == "t";
  return false;
}

std::string key_index(const PublicKey& k) { return "mrv/devkey/" + to_hex(k); }

Result<Json> load_device(const StateReader& st, const std::string& device) {
  auto rec = get_json(st, device_key(device));
  if (!rec) return err("mrv.unknown_device", "no device '" + device + "' is registered", 404);
  return *rec;
}

}  // namespace

// mrv.device.register {device: id, key: "ed25519:<64 hex>" (the meter's public key, signing its
// readings), installation: id, source: id (the emission source of the monitoring plan),
// quantity: "natural_gas_volume" (unit Nm3) | "electricity" (kWh | MWh) | "fuel_mass" (kg | t),
// unit, fuel?: fuel id (required for scope 1, absent for scope 2), scope: 1 | 2}.
// Scope 2 is purchased electricity (quantity "electricity"); scope 1 is fuel combustion.
Status device_register_check(const Json& b) {
  constexpr std::string_view t = "mrv.device.register";
  Fields f(b, t);
  if (auto s =
          f.only({"device", "key", "installation", "source", "quantity", "unit", "fuel", "scope"});
      !s)
    return s;
  for (auto k : {"device", "installation", "source"})
    if (auto s = f.id(k); !s) return s.error();
  if (!b.contains("key") || !b["key"].is_string() ||
      !key_from_text(b["key"].get_ref<const std::string&>()))
    return malformed(t, "key must be an Ed25519 public key \"ed25519:<64 hex>\"");
  auto q = b.find("quantity");
  auto u = b.find("unit");
  if (q == b.end() || !q->is_string() || u == b.end() || !u->is_string() ||
      !unit_fits(q->get_ref<const std::string&>(), u->get_ref<const std::string&>()))
    return malformed(t,
                     "quantity/unit must be natural_gas_volume/Nm3, electricity/kWh|MWh or "
                     "fuel_mass/kg|t");
  auto scope = scope_field(b, t);
  if (!scope) return scope.error();
  bool elec = q->get_ref<const std::string&>() == "electricity";
  if (elec != (*scope == 2))
    return malformed(t, "scope must be 2 for electricity and 1 for fuel quantities");
  if (*scope == 1) {
    if (!b.contains("fuel") || !b["fuel"].is_string() ||
        !valid_fuel_id(b["fuel"].get_ref<const std::string&>()))
      return malformed(t, "fuel is required for scope 1: a fuel id (1-32 of [a-z0-9_])");
  } else if (b.contains("fuel")) {
    return malformed(t, "fuel is for scope 1 sources only (electricity has none)");
  }
  return ok_status();
}

// Rules: the device id is new (mrv.device_exists: ids are never reused, even after retirement);
// the key belongs to no other device (mrv.device_key_in_use); the installation has an owner
// (mrv.unknown_installation, mrv.installation_ambiguous) for whom the sender acts (mrv.not_owner;
// the regulator may register for any company); at most 1,000 devices per installation
// (mrv.limit_reached). Binds the installation to its company on first use.
Status device_register_apply(TxEnv& env) {
  const Json& b = env.tx.payload.body;
  std::string device = b["device"].get<std::string>();
  std::string inst = b["installation"].get<std::string>();
  if (env.st.get(device_key(device)))
    return err("mrv.device_exists", "device '" + device + "' is already registered", 409);
  PublicKey key = *key_from_text(b["key"].get_ref<const std::string&>());
  if (auto other = env.st.get(key_index(key)))
    return err("mrv.device_key_in_use", "the key is already held by device '" + *other + "'", 409);
  auto owner = installation_owner(env.st, inst);
  if (!owner) return owner.error();
  if (auto s = may_act_for(env.st, env, *owner, true); !s) return s;
  Json irec = bind_installation(env.st, inst, *owner);
  if (irec["devices"].size() >= kDevicesMax)
    return err("mrv.limit_reached", "installation '" + inst + "' has 1000 devices");
  irec["devices"].push_back(device);
  env.st.put(inst_key(inst), irec.dump());

  Json rec = {{"device", device},
              {"key", key_to_text(key)},
              {"installation", inst},
              {"company", *owner},
              {"source", b["source"]},
              {"quantity", b["quantity"]},
              {"unit", b["unit"]},
              {"fuel", b.contains("fuel") ? b["fuel"] : Json(nullptr)},
              {"scope", *json_u64(b["scope"])},
              {"registered_by", env.tx.payload.from},
              {"height", env.height},
              {"calibrations", Json::array()},
              {"retired_on", nullptr}};
  env.st.put(device_key(device), rec.dump());
  env.st.put(key_index(key), device);
  env.touch(*owner);
  return ok_status();
}

// mrv.device.calibrate {device, technician: text (the accredited technician, 1-256 bytes),
// certificate: id (the calibration certificate number), calibrated_on: date, expires_on: date
// (the last valid day, after calibrated_on)}. Sent by a verifier account: the accredited body
// (KOLAS-accredited calibration lab or verification body) whose technician calibrated the meter.
Status device_calibrate_check(const Json& b) {
  constexpr std::string_view t = "mrv.device.calibrate";
  Fields f(b, t);
  if (auto s = f.only({"device", "technician", "certificate", "calibrated_on", "expires_on"}); !s)
    return s;
  if (auto s = f.id("device"); !s) return s.error();
  auto tech = f.text("technician", true);
  if (!tech) return tech.error();
  if (tech->empty()) return malformed(t, "technician must not be empty");
  if (auto s = f.id("certificate"); !s) return s.error();
  auto from = date_field(b, t, "calibrated_on");
  if (!from) return from.error();
  auto to = date_field(b, t, "expires_on");
  if (!to) return to.error();
  if (*to <= *from) return malformed(t, "expires_on must be after calibrated_on");
  return ok_status();
}

// Rules: the device exists (mrv.unknown_device) and is not retired (mrv.device_retired);
// calibrated_on is not in the future (mrv.future_date) nor before the device's latest calibration
// (mrv.calibration_out_of_order: the history is append-only and in order); at most 100
// calibrations per device (mrv.limit_reached). A calibration never changes batches already
// accepted: readings excluded for an expired calibration stay excluded.
Status device_calibrate_apply(TxEnv& env) {
  const Json& b = env.tx.payload.body;
  std::string device = b["device"].get<std::string>();
  auto rec = load_device(env.st, device);
  if (!rec) return rec.error();
  if (!(*rec)["retired_on"].is_null())
    return err("mrv.device_retired",
               "device '" + device + "' was retired on " + (*rec)["retired_on"].get<std::string>());
  std::string from = b["calibrated_on"].get<std::string>();
  if (auto s = not_future(env, "calibrated_on", from); !s) return s;
  Json& cals = (*rec)["calibrations"];
  if (!cals.empty() && from < cals.back()["calibrated_on"].get<std::string>())
    return err("mrv.calibration_out_of_order",
               "calibrated_on " + from + " is before the device's latest calibration (" +
                   cals.back()["calibrated_on"].get<std::string>() + ")");
  if (cals.size() >= kCalibrationsMax)
    return err("mrv.limit_reached", "device '" + device + "' has 100 calibrations");
  cals.push_back({{"technician", b["technician"]},
                  {"certificate", b["certificate"]},
                  {"calibrated_on", from},
                  {"expires_on", b["expires_on"]},
                  {"by", env.tx.payload.from},
                  {"height", env.height}});
  env.st.put(device_key(device), rec->dump());
  env.touch((*rec)["company"].get<std::string>());
  return ok_status();
}

// mrv.device.retire {device, retired_on: date (its last day in service), reason?: text}.
Status device_retire_check(const Json& b) {
  constexpr std::string_view t = "mrv.device.retire";
  Fields f(b, t);
  if (auto s = f.only({"device", "retired_on", "reason"}); !s) return s;
  if (auto s = f.id("device"); !s) return s.error();
  if (auto d = date_field(b, t, "retired_on"); !d) return d.error();
  if (auto s = f.text("reason", false); !s) return s.error();
  return ok_status();
}

// Rules: the device exists and is not retired yet (mrv.device_retired); the sender acts for its
// company, or is the regulator (mrv.not_owner). Batches for days after retired_on are refused
// (mrv.device_retired); the device id and its key are never reused.
Status device_retire_apply(TxEnv& env) {
  const Json& b = env.tx.payload.body;
  std::string device = b["device"].get<std::string>();
  auto rec = load_device(env.st, device);
  if (!rec) return rec.error();
  std::string company = (*rec)["company"].get<std::string>();
  if (auto s = may_act_for(env.st, env, company, true); !s) return s;
  if (!(*rec)["retired_on"].is_null())
    return err("mrv.device_retired",
               "device '" + device + "' was retired on " + (*rec)["retired_on"].get<std::string>());
  (*rec)["retired_on"] = b["retired_on"];
  (*rec)["retired_by"] = env.tx.payload.from;
  if (b.contains("reason")) (*rec)["retire_reason"] = b["reason"];
  env.st.put(device_key(device), rec->dump());
  env.touch(company);
  return ok_status();
}

}  // namespace tanso::mrv
