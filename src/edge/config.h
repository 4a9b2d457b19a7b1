// tanso-edge's configuration: defaults, then a TOML file, then command-line flags (later wins).
// Every TOML key has the name of its flag with '-' replaced by '_' (as tansod's, node/config.h).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "core/status.h"

namespace tanso::edge {

struct EdgeConfig {
  std::string data_dir = "edge-data";
  std::string broker = "127.0.0.1:1883";
  std::string client_id = "tanso-edge";  // fixed: the broker keeps the session (clean=false)
  std::string installations;             // comma-separated installation ids
  std::string node;                      // ledger node URL; empty: never submit
  std::string key;                       // the edge account's key file (with "account")
  std::string devices;                   // JSON file {devices:[...]} instead of the node's view
  std::string factor_version = "ipcc2006-ar5-kr2023";  // with --devices
  std::string listen = "127.0.0.1:9100";               // /metrics, /healthz, proofs
  std::string log_level = "info";
  std::string max_value = "1000000";  // default largest value per reading (device unit)
  uint32_t interval_min = 1440;
  int32_t utc_offset_min = 540;
  uint32_t close_grace_s = 300;
  uint32_t max_skew_s = 300;
  uint32_t gap_window = 24;
  uint32_t gap_wait_s = 60;  // a hole is declared missing this long after it was seen (0: at close)
  uint32_t verify_threads = 0;  // 0: one per core
  uint32_t retry_max_s = 30;
  uint32_t registry_refresh_s = 60;
  uint32_t batch_max = 2048;  // readings per group commit at most
};

struct EdgeConfigKey {
  const char* name;
  const char* help;
  std::variant<std::string EdgeConfig::*, uint32_t EdgeConfig::*, int32_t EdgeConfig::*> field;
};
std::span<const EdgeConfigKey> edge_config_keys();
std::string edge_flag_name(const EdgeConfigKey& key);
Status validate_edge_config(const EdgeConfig& cfg);
Status load_edge_config_file(const std::string& path, EdgeConfig& cfg);
std::vector<std::string> split_installations(const std::string& list);

}  // namespace tanso::edge
