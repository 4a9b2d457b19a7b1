// Loading tanso-edge's TOML configuration (toml++) and checking it.
#include "edge/config.h"

#include <limits>

#include "core/tx.h"
#include "edge/reading.h"
#include "node/toml_keys.h"

namespace tanso::edge {

std::span<const EdgeConfigKey> edge_config_keys() {
  using C = EdgeConfig;
  static const EdgeConfigKey kKeys[] = {
      {"data_dir", "Store directory (RocksDB)", &C::data_dir},
      {"broker", "MQTT broker host:port", &C::broker},
      {"client_id", "MQTT client id (fixed: the broker keeps the session)", &C::client_id},
      {"installations", "Installations to serve, comma-separated", &C::installations},
      {"node", "Ledger node URL (empty: store and aggregate, never submit)", &C::node},
      {"key", "Key file of the edge's account (signs batches and registry reads)", &C::key},
      {"devices", "Devices JSON file {\"devices\": [...]} instead of the node's registry",
       &C::devices},
      {"factor_version", "Factor version of batches when --devices is used", &C::factor_version},
      {"listen", "HTTP address host:port for /metrics, /healthz, proofs", &C::listen},
      {"log_level", "trace|debug|info|warn|error", &C::log_level},
      {"max_value",
       "Largest value of one reading (decimal, device unit) unless the device sets "
       "max_value",
       &C::max_value},
      {"interval_min", "Batch interval in minutes (a divisor of 1440)", &C::interval_min},
      {"utc_offset_min", "Local time of days and slots: minutes east of UTC (540: KST)",
       &C::utc_offset_min},
      {"close_grace_s", "Seconds after an interval's end before it is closed and submitted",
       &C::close_grace_s},
      {"max_skew_s", "Largest |reading time - gateway clock| in seconds", &C::max_skew_s},
      {"gap_window", "Substitute = highest of the device's last N accepted values", &C::gap_window},
      {"gap_wait_s",
       "Seconds a missing seq is waited for (the device resends it) before it is declared a gap; "
       "0: only when the interval of a reading after it closes",
       &C::gap_wait_s},
      {"verify_threads", "Signature verification threads (0: one per core)", &C::verify_threads},
      {"retry_max_s", "Longest wait between two submissions of a batch", &C::retry_max_s},
      {"registry_refresh_s", "Seconds between registry refreshes from the node",
       &C::registry_refresh_s},
      {"batch_max", "Readings written per group commit at most", &C::batch_max},
  };
  return kKeys;
}

std::string edge_flag_name(const EdgeConfigKey& key) {
  std::string f = std::string("--") + key.name;
  for (char& c : f)
    if (c == '_') c = '-';
  return f;
}

std::vector<std::string> split_installations(const std::string& list) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i <= list.size()) {
    size_t c = list.find(',', i);
    if (c == std::string::npos) c = list.size();
    std::string s = list.substr(i, c - i);
    while (!s.empty() && s.front() == ' ') s.erase(s.begin());
    while (!s.empty() && s.back() == ' ') s.pop_back();
    if (!s.empty()) out.push_back(s);
    i = c + 1;
  }
  return out;
}

Status validate_edge_config(const EdgeConfig& cfg) {
  auto bad = [](const std::string& m) { return err("config.invalid", m); };
  if (cfg.interval_min == 0 || 1440 % cfg.interval_min != 0)
    return bad("interval_min must divide 1440");
  if (cfg.utc_offset_min < -720 || cfg.utc_offset_min > 840)
    return bad("utc_offset_min must be -720..840");
  auto insts = split_installations(cfg.installations);
  if (insts.empty()) return bad("installations: give at least one installation id");
  for (const auto& i : insts)
    if (!valid_id(i)) return bad("installations: '" + i + "' is not an id");
  if (!parse_decimal_milli(cfg.max_value)) return bad("max_value must be a decimal");
  if (cfg.gap_window == 0 || cfg.gap_window > 10'000) return bad("gap_window must be 1..10000");
  if (cfg.batch_max == 0) return bad("batch_max must be at least 1");
  if (cfg.devices.empty() && cfg.node.empty())
    return bad("give --devices or --node (the registry comes from one of them)");
  if (!cfg.node.empty() && cfg.key.empty()) return bad("--node needs --key (the edge's account)");
  return ok_status();
}

Status load_edge_config_file(const std::string& path, EdgeConfig& cfg) {
  return load_toml_keys(path, cfg, edge_config_keys());
}

}  // namespace tanso::edge
