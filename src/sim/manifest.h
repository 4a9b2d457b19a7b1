// tanso-sensor-sim's device manifest (docs/SENSOR_SIM.md "Manifest"): DIR/devices.json lists the
// simulated devices, each with its key file (node/keyfile.h format) in DIR.
//
// {"format": "tanso-sensor-sim/devices/v1",
//  "devices": [{"id": "plant-a.gas-1", "installation": "plant-a", "kind": "gas", "unit": "Nm3",
//               "key_file": "plant-a.gas-1.key",
//               "public_key": "ed25519:<hex>",      optional; checked against the key file
//               "source": "boiler",                 optional (default: the kind's, see docs)
//               "max_value": "10000",               optional: the largest sane value per reading
//               "calibration": "valid"}]}           optional: valid | expired | never
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/crypto.h"
#include "core/status.h"
#include "sim/profile.h"

namespace tanso::sim {

inline constexpr std::string_view manifest_format = "tanso-sensor-sim/devices/v1";
inline constexpr std::string_view manifest_file = "devices.json";

struct DeviceEntry {
  std::string id;
  std::string installation;
  Kind kind = Kind::gas;
  std::string unit;
  std::string key_file;    // as written in the manifest
  std::string key_path;    // resolved against the manifest's directory
  std::string public_key;  // "ed25519:<hex>" or empty
  std::string source;
  uint64_t max_milli = 0;  // thousandths of the unit
  std::string calibration = "valid";
};

struct Manifest {
  std::vector<DeviceEntry> devices;
};

// Default sane maximum per reading, in thousandths of `unit`: 10,000 Nm3; 50,000 kWh (50 MWh);
// 10,000 kg (10 t).
uint64_t default_max_milli(Kind k, std::string_view unit);
// The ledger source id a kind defaults to: natural_gas, electricity, diesel.
std::string_view default_source(Kind k);

// Strict: unknown members, duplicate ids, bad ids/units/kinds are errors (code
// manifest.malformed, the message names the device and member).
Result<Manifest> parse_manifest(std::string_view text, const std::string& dir);
// Reads DIR/devices.json (manifest.unreadable if it cannot be read).
Result<Manifest> read_manifest(const std::string& dir);
std::string manifest_json(const Manifest& m);

struct Device {
  DeviceEntry entry;
  KeyPair key;
};
// Reads every device's key file (key.* codes) and checks public_key (manifest.key_mismatch).
Result<std::vector<Device>> load_devices(const Manifest& m);

// The devices as registration records, {"devices": [{device, key, installation, source,
// quantity, unit, fuel?, scope, max_value}]}: each minus max_value is an mrv.device.register
// body; the whole is the shape of tanso-edge's --devices file.
std::string registry_json(const Manifest& m);
inline constexpr std::string_view registry_file = "registry.json";

// Creates DIR (if missing), n key files, DIR/devices.json and DIR/registry.json. Kinds cycle
// through `kinds`; ids are <id_prefix><kind>-<i> (i from 1). Fails if devices.json or a key file
// already exists.
Result<Manifest> generate_devices(const std::string& dir, size_t n, const std::string& installation,
                                  const std::vector<Kind>& kinds, const std::string& id_prefix);

}  // namespace tanso::sim
