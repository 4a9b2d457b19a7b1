// tanso-edge: the MRV edge gateway. Wiring only: config -> gateway (src/edge/gateway.h) -> HTTP
// (/metrics, /healthz, reading proofs). See docs/MRV.md "tanso-edge".
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>

#include "core/crypto.h"
#include "edge/config.h"
#include "edge/gateway.h"
#include "http/server.h"
#include "node/config.h"

using namespace tanso;
using namespace tanso::edge;

int main(int argc, char** argv) {
  init_crypto();
  EdgeConfig cfg, flags;
  std::string config_file;
  CLI::App app{
      "tanso-edge: the MRV edge gateway. Receives signed meter readings over MQTT "
      "(docs/SENSOR_PROTOCOL.md), checks and stores them durably before acknowledging them, "
      "aggregates them per installation and interval, and submits the signed batches "
      "(mrv.batch.submit) to a Tanso node, retrying while it is down.\n"
      "Configuration: defaults < TOML file (--config; keys named like the flags, with '_') < "
      "flags."};
  app.add_option("--config", config_file, "TOML configuration file")->check(CLI::ExistingFile);
  std::vector<std::pair<const EdgeConfigKey*, CLI::Option*>> given;
  for (const auto& key : edge_config_keys())
    given.emplace_back(&key, std::visit(
                                 [&](auto member) {
                                   return app.add_option(edge_flag_name(key), flags.*member,
                                                         key.help);
                                 },
                                 key.field));
  CLI11_PARSE(app, argc, argv);
  if (!config_file.empty())
    if (auto s = load_edge_config_file(config_file, cfg); !s) {
      std::cerr << "tanso-edge: " << s.error().message << "\n";
      return 1;
    }
  for (const auto& [key, opt] : given)
    if (opt->count() > 0) std::visit([&](auto member) { cfg.*member = flags.*member; }, key->field);
  if (auto s = validate_edge_config(cfg); !s) {
    std::cerr << "tanso-edge: " << s.error().message << "\n";
    return 1;
  }
  spdlog::set_level(spdlog::level::from_str(cfg.log_level));
  std::string host;
  unsigned short port = 0;
  if (auto s = split_listen(cfg.listen, host, port); !s) {
    std::cerr << "tanso-edge: " << s.error().message << "\n";
    return 1;
  }

  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);

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
  int sig = 0;
  sigwait(&sigs, &sig);
  spdlog::info("signal {}: stopping", sig);
  (*gw)->stop();
  server.stop();
  return 0;
}
