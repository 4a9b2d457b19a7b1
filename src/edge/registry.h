// The device registry cache of the edge gateway: for each configured installation, its devices
// (key, unit, source, retirement) and the factor version of its plan in force, as read from the
// node (GET /v1/mrv/installations/{id}: the core view mrv_installation) or from a --devices file
// (the same "devices" array). Immutable once built; the gateway swaps in a new one on refresh.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/crypto.h"
#include "core/status.h"
#include "core/tx.h"

namespace tanso::edge {

struct DeviceInfo {
  std::string device, installation, source, unit;
  PublicKey key{};
  bool retired = false;
  uint64_t max_milli = 0;  // the largest value one reading may carry (impossible_value above)
};

struct InstallationInfo {
  std::string factor_version;
  std::map<std::string, DeviceInfo> devices;
};

struct Registry {
  std::map<std::string, InstallationInfo> installations;
  const DeviceInfo* find(const std::string& installation, const std::string& device) const;
  // The device's installation (device ids are global on the ledger), or nullptr.
  const DeviceInfo* find_any(const std::string& device) const;
};

// One installation from a JSON object {devices: [device records], plan?: {sources: [{
// factor_version}]}}; `max_milli` applies to devices without their own "max_value" (decimal).
// `default_version` is used when no plan is in force. Errors: edge.registry_invalid.
Result<InstallationInfo> parse_installation(const std::string& installation, const Json& view,
                                            uint64_t max_milli, const std::string& default_version);

}  // namespace tanso::edge
