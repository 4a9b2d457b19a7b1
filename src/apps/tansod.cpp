// tansod: the Tanso ledger node. Wiring only: config -> store -> node -> HTTP API.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "apps/daemon_setup.h"
#include "core/crypto.h"
#include "http/server.h"
#include "node/api.h"
#include "node/api_private.h"
#include "node/channels.h"
#include "node/config.h"
#include "node/keyfile.h"
#include "node/node.h"
#include "node/private_store.h"
#include "storage/chain_store.h"

using namespace tanso;

static std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

int main(int argc, char** argv) {
  init_crypto();
  Config cfg;
  CLI::App app{
      "tansod: the Tanso ledger node.\n"
      "Starts from the chain in --data-dir, or initializes it from --genesis if it is empty.\n"
      "Configuration: defaults < TOML file (--config; keys named like the flags, with '_') < "
      "flags."};
  apps::ConfigFlags<Config, ConfigKey> flags(app, config_keys(), flag_name);
  CLI11_PARSE(app, argc, argv);
  if (!flags.resolve("tansod", cfg, load_config_file, validate_config)) return 1;
  spdlog::set_level(spdlog::level::from_str(cfg.log_level));
  std::string host;
  unsigned short port = 0;
  if (!apps::listen_address("tansod", cfg.listen, host, port)) return 1;
  // SIGINT/SIGTERM blocked in every thread; the main thread waits for them.
  sigset_t sigs = apps::block_stop_signals();

  std::filesystem::create_directories(cfg.data_dir);
  std::string key_path = cfg.data_dir + "/node_key.json";
  auto key = read_key_file(key_path);
  if (!key) {
    if (std::filesystem::exists(key_path)) {
      std::cerr << "tansod: " << key.error().message << "\n";
      return 1;
    }
    KeyFile kf = new_key("node");
    if (auto s = write_key_file(key_path, kf); !s) {
      std::cerr << "tansod: " << s.error().message << "\n";
      return 1;
    }
    key = kf;
  }
  auto store = open_rocks_store(cfg.data_dir + "/chain", /*sync=*/true, cfg.state_every_blocks);
  if (!store) {
    std::cerr << "tansod: " << store.error().message << "\n";
    return 1;
  }
  std::string genesis = cfg.genesis.empty() ? std::string() : slurp(cfg.genesis);
  if (!cfg.genesis.empty() && genesis.empty()) {
    std::cerr << "tansod: cannot read genesis file " << cfg.genesis << "\n";
    return 1;
  }
  ChainStore* chain_store = store->get();  // the node owns it; private data adds records
  auto node = Node::open(cfg, std::move(*store), genesis, key->key);
  if (!node) {
    std::cerr << "tansod: " << node.error().code << ": " << node.error().message << "\n";
    return 1;
  }
  auto peers = peer_urls(cfg);
  if (!peers) {
    std::cerr << "tansod: " << peers.error().message << "\n";
    return 1;
  }
  auto specs = channel_specs(cfg);
  if (!specs) {
    std::cerr << "tansod: " << specs.error().message << "\n";
    return 1;
  }
  std::vector<Channel> channels;
  for (const auto& spec : *specs) {
    auto ch = open_channel(cfg, spec, key->key);
    if (!ch) {
      std::cerr << "tansod: " << ch.error().code << ": " << ch.error().message << "\n";
      return 1;
    }
    channels.push_back(std::move(*ch));
  }
  (*node)->start();
  PrivateStore private_data(**node, *chain_store, key->key, *peers);
  private_data.start();
  for (auto& ch : channels) {
    ch.node->start();
    ch.private_data->start();
  }
  auto stop_channels = [&] {
    for (auto& ch : channels) {
      ch.node->stop();
      ch.private_data->stop();
    }
  };
  http::Options hopts;
  hopts.address = host;
  hopts.port = port;
  http::Server server(hopts);
  register_api(server, **node, ApiOptions{cfg.web_dir});
  register_private_api(server, private_data);
  register_channels(server, **node, channels);
  try {
    server.start();
  } catch (const std::exception& e) {
    std::cerr << "tansod: cannot listen on " << cfg.listen << ": " << e.what() << "\n";
    stop_channels();
    private_data.stop();
    (*node)->stop();
    return 1;
  }
  auto [chain, height] =
      (*node)->with_state([](const State&, const BlockHeader& h, const Params& p) {
        return std::pair{p.chain_id, h.height};
      });
  spdlog::info("chain {} at height {}; listening on http://{}:{}", chain, height, host,
               server.port());
  for (auto& ch : channels)
    spdlog::info("channel {}: chain {} at height {}, under {}/", ch.name, ch.node->chain_id(),
                 ch.node->metrics().height.load(), channel_prefix(ch.name));
  std::cout << "tansod: listening on http://" << host << ":" << server.port() << std::endl;

  int sig = apps::wait_for_stop(sigs);
  spdlog::info("signal {}: stopping", sig);
  (*node)->stop();
  for (auto& ch : channels) ch.node->stop();
  server.stop();
  private_data.stop();
  for (auto& ch : channels) ch.private_data->stop();
  return 0;
}
