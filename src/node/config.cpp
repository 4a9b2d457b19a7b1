// Loading tansod's TOML configuration (toml++).
#include "node/config.h"

#include <toml++/toml.h>

#include "core/limits.h"

namespace tanso {

Config::Config()
    : block_txs_max(limits::block_txs_max),
      block_bytes_max(limits::block_bytes_max),
      block_interval_ms(limits::block_interval_ms),
      mempool_txs_max(limits::mempool_txs_max) {}

Status load_config_file(const std::string& path, Config& cfg) {
  toml::table t;
  try {
    t = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return err("config.invalid", path + ": " + std::string(e.description()));
  }
  for (auto&& entry : t) {
    std::string key(entry.first.str());
    const toml::node& v = entry.second;
    auto str = [&](std::string& out) -> bool {
      if (auto s = v.value<std::string>()) return out = *s, true;
      return false;
    };
    auto num = [&](auto& out) -> bool {
      if (auto n = v.value<int64_t>(); n && *n >= 0)
        return out = static_cast<std::remove_reference_t<decltype(out)>>(*n), true;
      return false;
    };
    bool ok = false;
    if (key == "data_dir")
      ok = str(cfg.data_dir);
    else if (key == "genesis")
      ok = str(cfg.genesis);
    else if (key == "listen")
      ok = str(cfg.listen);
    else if (key == "web_dir")
      ok = str(cfg.web_dir);
    else if (key == "log_level")
      ok = str(cfg.log_level);
    else if (key == "block_txs_max")
      ok = num(cfg.block_txs_max);
    else if (key == "block_bytes_max")
      ok = num(cfg.block_bytes_max);
    else if (key == "block_interval_ms")
      ok = num(cfg.block_interval_ms);
    else if (key == "mempool_txs_max")
      ok = num(cfg.mempool_txs_max);
    else if (key == "verify_threads")
      ok = num(cfg.verify_threads);
    else
      return err("config.invalid", path + ": unknown key '" + key + "'");
    if (!ok) return err("config.invalid", path + ": bad value for '" + key + "'");
  }
  if (cfg.block_txs_max == 0 || cfg.block_txs_max > 100'000)
    return err("config.invalid", "block_txs_max must be 1..100000");
  return ok_status();
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
