// tansod's configuration: defaults, then a TOML file, then command-line flags (later wins).
// Every key in the TOML file has the same name as its flag with '-' replaced by '_'.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "core/status.h"

namespace tanso {

struct Config {
  std::string data_dir = "data";
  std::string genesis;  // genesis file; read only when data_dir holds no chain yet
  std::string listen = "127.0.0.1:8080";
  std::string web_dir;  // static dashboard files served at / (empty: none)
  std::string log_level = "info";
  size_t block_txs_max;
  size_t block_bytes_max;
  uint32_t block_interval_ms;
  size_t mempool_txs_max;
  uint32_t verify_threads = 0;  // 0: one per core
  // The state is written to RocksDB every this many blocks (the blocks are written every
  // block); a crash replays at most this many blocks at the next start. 1 (the default): with
  // every block. 100 saves ~13 % CPU per tx at peak but shows occasional commit stalls of
  // ~100 ms at moderate load (docs/PERFORMANCE.md), so it is opt-in until that is understood.
  uint32_t state_every_blocks = 1;
  // Network chains (docs/CLUSTER.md): etcd endpoints (comma-separated; empty: solo), the key
  // prefix of this chain's log (default /tanso/<chain id>/), this node's id in genesis, and how
  // far behind its head the log is kept at most.
  std::string cluster_etcd;
  std::string cluster_prefix;
  std::string node_id;
  uint32_t cluster_keep_slots = 10'000;
  // The other nodes' API base URLs, "node=http://host:port" comma-separated (catch-up from
  // their blocks, private data delivery). Parsed by peer_urls().
  std::string cluster_peers;
  // Block time runs this many days behind the wall clock (0: none). For tests and demos of past
  // years only (e.g. a market year before an ETS settlement). Block time never runs backwards: a
  // restart with a smaller value moves it forward; a larger one holds it until the clock catches
  // up.
  uint32_t clock_back_days = 0;
  // Extra channels (docs/CHANNELS.md): "name=genesis.json" comma-separated; each is a separate
  // chain in <data_dir>/channels/<name>/, served under /v1/channels/<name>/. Parsed by
  // channel_specs().
  std::string channels;
  Config();
};

// Every configuration key once: its TOML name (the flag is --name with '-' for '_'), help text
// and the Config member it sets. The TOML loader and tansod's flags are both built from it.
struct ConfigKey {
  const char* name;
  const char* help;
  std::variant<std::string Config::*, size_t Config::*, uint32_t Config::*> field;
};
std::span<const ConfigKey> config_keys();
std::string flag_name(const ConfigKey& key);  // "--block-txs-max"
// Range checks shared by the file and the flags. Error code config.invalid.
Status validate_config(const Config& cfg);

// cluster_peers as node id -> base URL ("http://host:port", no trailing '/'), in id order.
// Error code config.invalid.
Result<std::map<std::string, std::string>> peer_urls(const Config& cfg);

// One entry of `channels`.
struct ChannelSpec {
  std::string name;     // lower-case identifier: [a-z][a-z0-9-]*, at most 32 characters
  std::string genesis;  // its genesis file
};
// channels in the order given. Names are unique and not "default". Error code config.invalid.
Result<std::vector<ChannelSpec>> channel_specs(const Config& cfg);
bool valid_channel_name(std::string_view name);

// Reads a TOML file into `cfg` (only the keys present). Error code config.invalid.
Status load_config_file(const std::string& path, Config& cfg);
// "host:port" -> parts. Error code config.invalid.
Status split_listen(const std::string& listen, std::string& host, unsigned short& port);

}  // namespace tanso
