// Parsing the device registry (node view or --devices file) into the edge's cache.
#include "edge/registry.h"

#include "edge/reading.h"

namespace tanso::edge {

const DeviceInfo* Registry::find(const std::string& installation, const std::string& device) const {
  auto i = installations.find(installation);
  if (i == installations.end()) return nullptr;
  auto d = i->second.devices.find(device);
  return d == i->second.devices.end() ? nullptr : &d->second;
}

const DeviceInfo* Registry::find_any(const std::string& device) const {
  for (const auto& [id, inst] : installations) {
    auto d = inst.devices.find(device);
    if (d != inst.devices.end()) return &d->second;
  }
  return nullptr;
}

Result<InstallationInfo> parse_installation(const std::string& installation, const Json& view,
                                            uint64_t max_milli,
                                            const std::string& default_version) {
  auto bad = [&](const std::string& m) {
    return err("edge.registry_invalid", "installation " + installation + ": " + m);
  };
  const Json& devs = view.is_array() ? view : view.value("devices", Json::array());
  if (!devs.is_array()) return bad("devices must be a list");
  InstallationInfo out;
  out.factor_version = default_version;
  if (view.is_object() && view.contains("plan") && view["plan"].is_object()) {
    for (const auto& s : view["plan"].value("sources", Json::array()))
      if (s.is_object() && s.contains("factor_version") && s["factor_version"].is_string()) {
        out.factor_version = s["factor_version"].get<std::string>();
        break;
      }
  }
  for (const auto& d : devs) {
    if (!d.is_object()) return bad("a device must be an object");
    DeviceInfo info;
    try {
      info.device = d.at("device").get<std::string>();
      info.installation = d.value("installation", installation);
      info.source = d.at("source").get<std::string>();
      info.unit = d.at("unit").get<std::string>();
      auto k = key_from_text(d.at("key").get<std::string>());
      if (!k) return bad("device " + info.device + ": bad key");
      info.key = *k;
      info.retired = d.contains("retired_on") && !d["retired_on"].is_null();
    } catch (const std::exception& e) {
      return bad(std::string("device record: ") + e.what());
    }
    if (info.installation != installation) continue;  // another installation's device
    info.max_milli = max_milli;
    if (d.contains("max_value")) {
      auto m = d["max_value"].is_string() ? parse_decimal_milli(d["max_value"].get<std::string>())
                                          : std::nullopt;
      if (!m) return bad("device " + info.device + ": max_value must be a decimal string");
      info.max_milli = *m;
    }
    out.devices[info.device] = std::move(info);
  }
  return out;
}

}  // namespace tanso::edge
