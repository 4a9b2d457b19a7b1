// tanso-bench: end-to-end load and comparison benchmarks. Dispatches to one subcommand; each is
// one function in its own file (see commands.h).
#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>

#include "commands.h"
#include "common.h"

using namespace tanso::bench;

namespace {

using Setup = CommandRunner (*)(CLI::App&);
// Order = order in --help.
// clang-format off
constexpr Setup kCommands[] = {
    setup_ledger_command,
    setup_verify_command,
    setup_postgres_command,
    setup_ets_command,
    setup_edge_command,
    setup_market_command,
    setup_cluster_command,
};
// clang-format on

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "tanso-bench: end-to-end benchmarks of Tanso.\n"
      "\n"
      "  ledger    the full ledger bench: starts tansod (found next to this binary), pushes\n"
      "            pre-signed holdings.transfer txs through the HTTP API at peak rate and at half\n"
      "            rate (latency), and compares with the Ed25519 verification ceiling and with\n"
      "            PostgreSQL 15 pgbench (TPC-B) on the same machine\n"
      "  verify    only the Ed25519 verification ceiling\n"
      "  postgres  only the pgbench TPC-B reference\n"
      "  ets       the emissions-trading registry: one allocation order for 1,000 companies,\n"
      "            then ets.surrender against holdings.transfer throughput in the same run\n"
      "  edge      signed readings through mosquitto into tanso-edge (no node), readings/s\n"
      "            against the Ed25519 verification ceiling measured in the same run\n"
      "  market    the matching engine alone (orders/s), then signed market order txs against\n"
      "            holdings.transfer throughput through the node in the same run\n"
      "  cluster   the network mode: 3 etcd members and 3 tansod nodes on this machine, txs\n"
      "            committed on every node per second and submit -> commit latency, and the raw\n"
      "            put rate of the same etcd cluster\n"
      "\n"
      "Progress goes to stderr; with --json the last line on stdout is one JSON object.\n"
      "Exit codes: 0 measured (even if targets are missed), 1 errors during the run, 2 the node\n"
      "did not start, 64 bad usage, 130 interrupted.\n"
      "Details: docs/PERFORMANCE.md",
      "tanso-bench"};
  app.require_subcommand(1);
  app.fallthrough(false);
  std::vector<CommandRunner> runners;
  for (Setup s : kCommands) runners.push_back(s(app));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : kExitUsage;
  }
  install_signal_handlers();
  for (auto& r : runners) {
    if (r.sub && r.sub->parsed()) {
      try {
        int rc = r.run();
        if (interrupted() && rc == 0) rc = kExitInterrupted;
        return rc;
      } catch (const std::exception& e) {
        std::cerr << "tanso-bench: " << e.what() << std::endl;
        return kExitErrors;
      }
    }
  }
  std::cerr << app.help() << std::endl;
  return kExitUsage;
}
