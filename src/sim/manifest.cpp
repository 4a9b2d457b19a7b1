// The device manifest of tanso-sensor-sim (docs/SENSOR_SIM.md "Manifest").
#include "sim/manifest.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/json_fast.h"
#include "core/tx.h"
#include "edge/reading.h"
#include "node/keyfile.h"

namespace tanso::sim {
namespace {

Error bad(const std::string& what) { return err("manifest.malformed", what); }

std::string join_path(const std::string& dir, const std::string& file) {
  if (file.empty() || file[0] == '/' || dir.empty()) return file;
  return (std::filesystem::path(dir) / file).string();
}

}  // namespace

uint64_t default_max_milli(Kind k, std::string_view unit) {
  uint64_t base = k == Kind::power ? 50'000'000 : 10'000'000;  // thousandths of the base unit
  return unit == "MWh" || unit == "t" ? base / 1000 : base;
}

std::string_view default_source(Kind k) {
  switch (k) {
    case Kind::gas:
      return "natural_gas";
    case Kind::power:
      return "electricity";
    case Kind::fuel:
      return "diesel";
  }
  return "?";
}

Result<Manifest> parse_manifest(std::string_view text, const std::string& dir) {
  auto p = parse_json_checked(text, 8);
  if (!p.valid) return bad("devices manifest is not JSON");
  if (p.too_deep || p.duplicate) return bad("devices manifest: nested too deep or duplicate key");
  const Json& j = p.value;
  if (!j.is_object()) return bad("devices manifest must be a JSON object");
  for (auto it = j.begin(); it != j.end(); ++it)
    if (it.key() != "format" && it.key() != "devices")
      return bad("devices manifest: unknown member \"" + it.key() + "\"");
  if (!j.contains("format") || j["format"] != std::string(manifest_format))
    return bad("devices manifest: \"format\" must be \"" + std::string(manifest_format) + "\"");
  if (!j.contains("devices") || !j["devices"].is_array() || j["devices"].empty())
    return bad("devices manifest: \"devices\" must be a non-empty array");
  Manifest m;
  std::set<std::string> seen;
  size_t i = 0;
  for (const auto& d : j["devices"]) {
    std::string where = "devices[" + std::to_string(i++) + "]";
    if (!d.is_object()) return bad(where + " must be an object");
    static const std::set<std::string> known = {"id",     "installation", "kind",
                                                "unit",   "key_file",     "public_key",
                                                "source", "max_value",    "calibration"};
    for (auto it = d.begin(); it != d.end(); ++it)
      if (!known.count(it.key())) return bad(where + ": unknown member \"" + it.key() + "\"");
    auto str = [&](const char* k, bool required, std::string& out) -> std::optional<Error> {
      if (!d.contains(k)) {
        if (required) return bad(where + ": missing \"" + k + "\"");
        return std::nullopt;
      }
      if (!d[k].is_string()) return bad(where + ": \"" + k + "\" must be a string");
      out = d[k].get<std::string>();
      return std::nullopt;
    };
    DeviceEntry e;
    std::string kind, max_value;
    for (auto [k, req, out] : {std::tuple<const char*, bool, std::string*>{"id", true, &e.id},
                               {"installation", true, &e.installation},
                               {"kind", true, &kind},
                               {"unit", true, &e.unit},
                               {"key_file", true, &e.key_file},
                               {"public_key", false, &e.public_key},
                               {"source", false, &e.source},
                               {"max_value", false, &max_value},
                               {"calibration", false, &e.calibration}})
      if (auto er = str(k, req, *out)) return *er;
    if (!valid_id(e.id)) return bad(where + ": \"id\" must be 1-64 of A-Z a-z 0-9 . _ : -");
    where = "device " + e.id;
    if (!seen.insert(e.id).second) return bad(where + " is listed twice");
    if (!valid_id(e.installation))
      return bad(where + ": \"installation\" must be 1-64 of A-Z a-z 0-9 . _ : -");
    auto k = kind_from_name(kind);
    if (!k) return bad(where + ": \"kind\" must be gas, power or fuel");
    e.kind = *k;
    if (!unit_fits(e.kind, e.unit))
      return bad(where + ": unit \"" + e.unit + "\" does not fit kind " + kind +
                 " (gas: Nm3; power: kWh, MWh; fuel: kg, t)");
    if (e.key_file.empty()) return bad(where + ": \"key_file\" is empty");
    e.key_path = join_path(dir, e.key_file);
    if (!e.public_key.empty() && !key_from_text(e.public_key))
      return bad(where + ": \"public_key\" must be ed25519:<64 hex>");
    if (e.source.empty()) e.source = std::string(default_source(e.kind));
    if (!valid_id(e.source)) return bad(where + ": \"source\" must be an id");
    if (max_value.empty()) {
      e.max_milli = default_max_milli(e.kind, e.unit);
    } else {
      auto v = edge::parse_decimal_milli(max_value);
      // Spikes must stay decodable values above the maximum: keep it below 10^12 / 100.
      if (!v || *v == 0 || *v > edge::reading_value_milli_max / 100)
        return bad(where + ": \"max_value\" must be a decimal string > 0 and <= 10^10");
      e.max_milli = *v;
    }
    if (e.calibration != "valid" && e.calibration != "expired" && e.calibration != "never")
      return bad(where + ": \"calibration\" must be valid, expired or never");
    m.devices.push_back(std::move(e));
  }
  return m;
}

Result<Manifest> read_manifest(const std::string& dir) {
  std::string path = join_path(dir, std::string(manifest_file));
  std::ifstream f(path);
  if (!f) return err("manifest.unreadable", "cannot read " + path + ": " + std::strerror(errno));
  std::stringstream ss;
  ss << f.rdbuf();
  auto m = parse_manifest(ss.str(), dir);
  if (!m.ok()) return err(m.error().code, path + ": " + m.error().message);
  return m;
}

std::string manifest_json(const Manifest& m) {
  Json devs = Json::array();
  for (const auto& e : m.devices) {
    Json d = Json::object();
    d["id"] = e.id;
    d["installation"] = e.installation;
    d["kind"] = std::string(kind_name(e.kind));
    d["unit"] = e.unit;
    d["key_file"] = e.key_file;
    if (!e.public_key.empty()) d["public_key"] = e.public_key;
    d["source"] = e.source;
    d["max_value"] = edge::format_milli(e.max_milli);
    d["calibration"] = e.calibration;
    devs.push_back(std::move(d));
  }
  Json j = {{"format", std::string(manifest_format)}, {"devices", std::move(devs)}};
  return j.dump(2) + "\n";
}

std::string registry_json(const Manifest& m) {
  Json devs = Json::array();
  for (const auto& e : m.devices) {
    Json d = Json::object();
    d["device"] = e.id;
    d["key"] = e.public_key;
    d["installation"] = e.installation;
    d["source"] = e.source;
    switch (e.kind) {
      case Kind::gas:
        d["quantity"] = "natural_gas_volume";
        d["fuel"] = "natural_gas";
        d["scope"] = 1;
        break;
      case Kind::power:
        d["quantity"] = "electricity";
        d["scope"] = 2;
        break;
      case Kind::fuel:
        d["quantity"] = "fuel_mass";
        d["fuel"] = "diesel";
        d["scope"] = 1;
        break;
    }
    d["unit"] = e.unit;
    d["max_value"] = edge::format_milli(e.max_milli);
    devs.push_back(std::move(d));
  }
  return Json{{"devices", std::move(devs)}}.dump(2) + "\n";
}

Result<std::vector<Device>> load_devices(const Manifest& m) {
  std::vector<Device> out;
  for (const auto& e : m.devices) {
    auto kf = read_key_file(e.key_path);
    if (!kf.ok()) return err(kf.error().code, "device " + e.id + ": " + kf.error().message);
    if (!e.public_key.empty() && key_to_text(kf->key.pub) != e.public_key)
      return err("manifest.key_mismatch", "device " + e.id + ": key file " + e.key_path +
                                              " holds " + key_to_text(kf->key.pub) +
                                              ", the manifest says " + e.public_key);
    out.push_back(Device{e, kf->key});
  }
  return out;
}

Result<Manifest> generate_devices(const std::string& dir, size_t n, const std::string& installation,
                                  const std::vector<Kind>& kinds, const std::string& id_prefix) {
  if (n == 0) return err("sim.usage", "--generate needs at least 1 device");
  if (!valid_id(installation))
    return err("sim.usage", "--installation must be 1-64 of A-Z a-z 0-9 . _ : -");
  if (kinds.empty()) return err("sim.usage", "no device kinds");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return err("manifest.unwritable", "cannot create " + dir + ": " + ec.message());
  std::string mpath = join_path(dir, std::string(manifest_file));
  if (std::filesystem::exists(mpath))
    return err("manifest.exists", mpath + " exists; use an empty directory");
  Manifest m;
  for (size_t i = 0; i < n; ++i) {
    DeviceEntry e;
    e.kind = kinds[i % kinds.size()];
    e.id = id_prefix + std::string(kind_name(e.kind)) + "-" + std::to_string(i + 1);
    if (!valid_id(e.id))
      return err("sim.usage", "device id " + e.id +
                                  " is not an id (1-64 of A-Z a-z 0-9 . _ : -): "
                                  "use a shorter --id-prefix");
    e.installation = installation;
    e.unit = std::string(default_unit(e.kind));
    e.key_file = e.id + ".key";
    e.key_path = join_path(dir, e.key_file);
    e.source = std::string(default_source(e.kind));
    e.max_milli = default_max_milli(e.kind, e.unit);
    KeyFile kf = new_key();
    e.public_key = key_to_text(kf.key.pub);
    if (auto s = write_key_file(e.key_path, kf); !s.ok()) return s.error();
    m.devices.push_back(std::move(e));
  }
  for (auto [path, text] : {std::pair{join_path(dir, std::string(registry_file)), registry_json(m)},
                            std::pair{mpath, manifest_json(m)}}) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f << text;
    f.flush();
    if (!f) return err("manifest.unwritable", "cannot write " + path);
  }
  return m;
}

}  // namespace tanso::sim
