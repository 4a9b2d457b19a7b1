// tanso-edge: the MRV edge gateway. Wiring only: config -> gateway (src/edge/gateway.h) -> HTTP
// (/metrics, /healthz, reading proofs). See docs/MRV.md "tanso-edge".
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "apps/daemon_setup.h"
#include "core/crypto.h"
#include "edge/config.h"
#include "edge/gateway.h"
#include "http/server.h"
#include "node/config.h"

using namespace tanso;
using namespace tanso::edge;

int main(int argc, char** argv) {
  init_crypto();
  EdgeConfig cfg;
  CLI::App app{
      "tanso-edge: the MRV edge gateway. Receives signed meter readings over MQTT "
      "(docs/SENSOR_PROTOCOL.md), checks and stores them durably before acknowledging them, "
      "aggregates them per installation and interval, and submits the signed batches "
      "(mrv.batch.submit) to a Tanso node, retrying while it is down.\n"
      "Configuration: defaults < TOML file (--config; keys named like the flags, with '_') < "
      "flags."};
  apps::ConfigFlags<EdgeConfig, EdgeConfigKey> flags(app, edge_config_keys(), edge_flag_name);
  CLI11_PARSE(app, argc, argv);
  if (!flags.resolve("tanso-edge", cfg, load_edge_config_file, validate_edge_config)) return 1;
  spdlog::set_level(spdlog::level::from_str(cfg.log_level));
  std::string host;
  unsigned short port = 0;
  if (!apps::listen_address("tanso-edge", cfg.listen, host, port)) return 1;
  sigset_t sigs = apps::block_stop_signals();

  auto gw = Gateway::open(cfg);
  if (!gw) {
    std::cerr << "tanso-edge: " << gw.error().code << ": " << gw.error().message << "\n";
    return 1;
  }
  http::Options hopts;
  hopts.address = host;
  hopts.port = port;
  http::Server server(hopts);
  register_edge_routes(server, **gw);
  try {
    server.start();
  } catch (const std::exception& e) {
    std::cerr << "tanso-edge: cannot listen on " << cfg.listen << ": " << e.what() << "\n";
    return 1;
  }
  (*gw)->start();
  spdlog::info("edge: broker {}, installations {}, listening on http://{}:{}", cfg.broker,
               cfg.installations, host, server.port());
  std::cout << "tanso-edge: listening on http://" << host << ":" << server.port() << std::endl;
  int sig = apps::wait_for_stop(sigs);
  spdlog::info("signal {}: stopping", sig);
  (*gw)->stop();
  server.stop();
  return 0;
}
