// tansod: the Tanso ledger node. Wiring only: config -> store -> node -> HTTP API.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "core/crypto.h"
#include "http/server.h"
#include "node/api.h"
#include "node/config.h"
#include "node/keyfile.h"
#include "node/node.h"
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
  std::string config_file;
  CLI::App app{
      "tansod: the Tanso ledger node.\n"
      "Starts from the chain in --data-dir, or initializes it from --genesis if it is empty.\n"
      "Configuration: defaults < TOML file (--config; keys named like the flags, with '_') < "
      "flags."};
  app.add_option("--config", config_file, "TOML configuration file")->check(CLI::ExistingFile);
  // Flags override the file: parse them into a second Config after reading the file.
  Config flags;
  app.add_option("--data-dir", flags.data_dir, "Chain data directory (RocksDB)");
  app.add_option("--genesis", flags.genesis, "Genesis file, to initialize an empty data dir");
  app.add_option("--listen", flags.listen, "HTTP address host:port (default 127.0.0.1:8080)");
  app.add_option("--web-dir", flags.web_dir, "Dashboard files served at /");
  app.add_option("--log-level", flags.log_level, "trace|debug|info|warn|error");
  app.add_option("--block-txs-max", flags.block_txs_max, "Cut a block at this many txs");
  app.add_option("--block-bytes-max", flags.block_bytes_max, "Cut a block at this many bytes");
  app.add_option("--block-interval-ms", flags.block_interval_ms,
                 "Longest a pending tx waits for its block");
  app.add_option("--mempool-txs-max", flags.mempool_txs_max, "Pending txs held at most");
  app.add_option("--verify-threads", flags.verify_threads,
                 "Signature verification threads (0: one per core)");
  CLI11_PARSE(app, argc, argv);

  if (!config_file.empty())
    if (auto s = load_config_file(config_file, cfg); !s) {
      std::cerr << "tansod: " << s.error().message << "\n";
      return 1;
    }
  for (const auto* opt : app.get_options()) {
    if (opt->count() == 0) continue;
    const std::string& n = opt->get_name();
    if (n == "--data-dir") cfg.data_dir = flags.data_dir;
    if (n == "--genesis") cfg.genesis = flags.genesis;
    if (n == "--listen") cfg.listen = flags.listen;
    if (n == "--web-dir") cfg.web_dir = flags.web_dir;
    if (n == "--log-level") cfg.log_level = flags.log_level;
    if (n == "--block-txs-max") cfg.block_txs_max = flags.block_txs_max;
    if (n == "--block-bytes-max") cfg.block_bytes_max = flags.block_bytes_max;
    if (n == "--block-interval-ms") cfg.block_interval_ms = flags.block_interval_ms;
    if (n == "--mempool-txs-max") cfg.mempool_txs_max = flags.mempool_txs_max;
    if (n == "--verify-threads") cfg.verify_threads = flags.verify_threads;
  }
  spdlog::set_level(spdlog::level::from_str(cfg.log_level));
  std::string host;
  unsigned short port = 0;
  if (auto s = split_listen(cfg.listen, host, port); !s) {
    std::cerr << "tansod: " << s.error().message << "\n";
    return 1;
  }

  // Block SIGINT/SIGTERM in every thread; the main thread waits for them.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);

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
  auto store = open_rocks_store(cfg.data_dir + "/chain");
  if (!store) {
    std::cerr << "tansod: " << store.error().message << "\n";
    return 1;
  }
  std::string genesis = cfg.genesis.empty() ? std::string() : slurp(cfg.genesis);
  if (!cfg.genesis.empty() && genesis.empty()) {
    std::cerr << "tansod: cannot read genesis file " << cfg.genesis << "\n";
    return 1;
  }
  auto node = Node::open(cfg, std::move(*store), genesis, key->key);
  if (!node) {
    std::cerr << "tansod: " << node.error().code << ": " << node.error().message << "\n";
    return 1;
  }
  (*node)->start();
  http::Options hopts;
  hopts.address = host;
  hopts.port = port;
  http::Server server(hopts);
  register_api(server, **node, ApiOptions{cfg.web_dir});
  try {
    server.start();
  } catch (const std::exception& e) {
    std::cerr << "tansod: cannot listen on " << cfg.listen << ": " << e.what() << "\n";
    (*node)->stop();
    return 1;
  }
  auto [chain, height] =
      (*node)->with_state([](const State&, const BlockHeader& h, const Params& p) {
        return std::pair{p.chain_id, h.height};
      });
  spdlog::info("chain {} at height {}; listening on http://{}:{}", chain, height, host,
               server.port());
  std::cout << "tansod: listening on http://" << host << ":" << server.port() << std::endl;

  int sig = 0;
  sigwait(&sigs, &sig);
  spdlog::info("signal {}: stopping", sig);
  (*node)->stop();
  server.stop();
  return 0;
}
