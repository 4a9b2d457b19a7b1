// Loading tansod's TOML configuration (toml++).
#include "node/config.h"

#include <limits>

#include "core/limits.h"
#include "node/toml_keys.h"

namespace tanso {

Config::Config()
    : block_txs_max(limits::block_txs_max),
      block_bytes_max(limits::block_bytes_max),
      block_interval_ms(limits::block_interval_ms),
      mempool_txs_max(limits::mempool_txs_max) {}

std::span<const ConfigKey> config_keys() {
  static const ConfigKey kKeys[] = {
      {"data_dir", "Chain data directory (RocksDB)", &Config::data_dir},
      {"genesis", "Genesis file, to initialize an empty data dir", &Config::genesis},
      {"listen", "HTTP address host:port (default 127.0.0.1:8080)", &Config::listen},
      {"web_dir", "Dashboard files served at /", &Config::web_dir},
      {"log_level", "trace|debug|info|warn|error", &Config::log_level},
      {"block_txs_max", "Cut a block at this many txs", &Config::block_txs_max},
      {"block_bytes_max", "Cut a block at this many bytes", &Config::block_bytes_max},
      {"block_interval_ms", "Longest a pending tx waits for its block", &Config::block_interval_ms},
      {"mempool_txs_max", "Pending txs held at most", &Config::mempool_txs_max},
      {"verify_threads", "Signature verification threads (0: one per core)",
       &Config::verify_threads},
      {"state_every_blocks",
       "Write the state to disk every this many blocks (default 1; a crash replays at most "
       "this many)",
       &Config::state_every_blocks},
      {"cluster_etcd",
       "Network chains: etcd endpoints, comma-separated (http://127.0.0.1:2379,...); empty: solo",
       &Config::cluster_etcd},
      {"cluster_prefix", "Network chains: etcd key prefix of the log (default /tanso/<chain>/)",
       &Config::cluster_prefix},
      {"node_id", "Network chains: this node's id in genesis \"network\"", &Config::node_id},
      {"cluster_keep_slots",
       "Network chains: log slots kept behind its head at most (older ones are compacted)",
       &Config::cluster_keep_slots},
      {"cluster_peers",
       "Network chains: other nodes' API URLs, node=http://host:port comma-separated (catch-up "
       "from their blocks, private data)",
       &Config::cluster_peers},
      {"clock_back_days",
       "Block time this many days behind the wall clock (tests and demos of past years only; "
       "default 0)",
       &Config::clock_back_days},
      {"channels",
       "Extra channels, name=genesis.json comma-separated: each a separate chain in "
       "<data_dir>/channels/<name>/, served under /v1/channels/<name>/ (docs/CHANNELS.md)",
       &Config::channels},
  };
  return kKeys;
}

std::string flag_name(const ConfigKey& key) {
  std::string f = std::string("--") + key.name;
  for (char& c : f)
    if (c == '_') c = '-';
  return f;
}

Status validate_config(const Config& cfg) {
  if (cfg.block_txs_max == 0 || cfg.block_txs_max > 100'000)
    return err("config.invalid", "block_txs_max must be 1..100000");
  if (cfg.state_every_blocks == 0 || cfg.state_every_blocks > 10'000)
    return err("config.invalid", "state_every_blocks must be 1..10000");
  if (!cfg.cluster_etcd.empty() && cfg.node_id.empty())
    return err("config.invalid", "cluster_etcd needs node_id (this node's id in genesis)");
  if (!cfg.cluster_prefix.empty() &&
      (cfg.cluster_prefix.front() != '/' || cfg.cluster_prefix.back() != '/'))
    return err("config.invalid", "cluster_prefix must start and end with '/'");
  if (cfg.cluster_keep_slots < 100)
    return err("config.invalid", "cluster_keep_slots must be at least 100");
  if (auto p = peer_urls(cfg); !p) return p.error();
  if (cfg.clock_back_days > 36'500)
    return err("config.invalid", "clock_back_days must be 0..36500");
  if (auto c = channel_specs(cfg); !c) return c.error();
  return ok_status();
}

// The non-empty items of a comma-separated list, spaces around each trimmed.
static std::vector<std::string_view> list_items(std::string_view rest) {
  std::vector<std::string_view> out;
  while (!rest.empty()) {
    auto comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

Result<std::map<std::string, std::string>> peer_urls(const Config& cfg) {
  std::map<std::string, std::string> out;
  for (std::string_view item : list_items(cfg.cluster_peers)) {
    auto eq = item.find('=');
    std::string_view id = eq == std::string_view::npos ? std::string_view{} : item.substr(0, eq);
    std::string_view url = eq == std::string_view::npos ? item : item.substr(eq + 1);
    while (url.size() > 7 && url.back() == '/') url.remove_suffix(1);
    if (id.empty() || !url.starts_with("http://") || url.size() <= 7)
      return err("config.invalid", "cluster_peers entries are node=http://host:port, got '" +
                                       std::string(item) + "'");
    if (!out.emplace(std::string(id), std::string(url)).second)
      return err("config.invalid", "cluster_peers names node '" + std::string(id) + "' twice");
  }
  return out;
}

bool valid_channel_name(std::string_view name) {
  if (name.empty() || name.size() > 32 || name.front() < 'a' || name.front() > 'z') return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return name.back() != '-';
}

Result<std::vector<ChannelSpec>> channel_specs(const Config& cfg) {
  std::vector<ChannelSpec> out;
  for (std::string_view item : list_items(cfg.channels)) {
    auto eq = item.find('=');
    if (eq == std::string_view::npos || eq + 1 == item.size())
      return err("config.invalid",
                 "channels entries are name=genesis.json, got '" + std::string(item) + "'");
    std::string name(item.substr(0, eq));
    if (!valid_channel_name(name))
      return err("config.invalid", "channel name '" + name +
                                       "' must be a lower-case identifier ([a-z][a-z0-9-]*, "
                                       "at most 32 characters, not ending in '-')");
    if (name == "default")
      return err("config.invalid", "channel name 'default' is reserved for the chain in data_dir");
    for (const auto& c : out)
      if (c.name == name) return err("config.invalid", "channels names '" + name + "' twice");
    out.push_back({name, std::string(item.substr(eq + 1))});
  }
  return out;
}

Status load_config_file(const std::string& path, Config& cfg) {
  if (auto s = load_toml_keys(path, cfg, config_keys()); !s) return s;
  return validate_config(cfg);
}

Status split_listen(const std::string& listen, std::string& host, unsigned short& port) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return err("config.invalid", "listen must be host:port, got '" + listen + "'");
  host = listen.substr(0, colon);
  try {
    int p = std::stoi(listen.substr(colon + 1));
    if (p < 0 || p > 65535) throw std::out_of_range("port");
    port = static_cast<unsigned short>(p);
  } catch (const std::exception&) {
    return err("config.invalid", "bad port in '" + listen + "'");
  }
  return ok_status();
}

}  // namespace tanso
