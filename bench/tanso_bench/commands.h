// tanso-bench subcommands. Each lives in its own file and is one function that registers a CLI11
// subcommand and returns how to run it; main.cpp lists them in kCommands and dispatches.
//
// To add one (e.g. `ets`): write bench/tanso_bench/ets.cpp with
//   CommandRunner setup_ets_command(CLI::App& app) {
//     auto* sub = app.add_subcommand("ets", "...");
//     auto opts = std::make_shared<...>();   // options must outlive this call
//     sub->add_option(...);
//     return {sub, [opts] { ...; return exit_code; }};
//   }
// declare it below and add it to kCommands in main.cpp.
//
// Exit codes shared by all subcommands: 0 measured (targets may be missed: it is a measurement),
// 1 the run had errors (failed txs, a failed phase), 2 the node did not start, 64 bad usage,
// 130 interrupted.
#pragma once

#include <functional>

namespace CLI {
class App;
}

namespace tanso::bench {

struct CommandRunner {
  CLI::App* sub = nullptr;
  std::function<int()> run;
};

CommandRunner setup_ledger_command(CLI::App& app);    // ledger.cpp
CommandRunner setup_verify_command(CLI::App& app);    // verify_ceiling.cpp
CommandRunner setup_postgres_command(CLI::App& app);  // postgres.cpp
CommandRunner setup_ets_command(CLI::App& app);       // ets.cpp
CommandRunner setup_edge_command(CLI::App& app);      // edge.cpp
CommandRunner setup_market_command(CLI::App& app);    // market.cpp
CommandRunner setup_cluster_command(CLI::App& app);   // cluster.cpp

inline constexpr int kExitOk = 0;
inline constexpr int kExitErrors = 1;
inline constexpr int kExitNodeStart = 2;
inline constexpr int kExitUsage = 64;
inline constexpr int kExitInterrupted = 130;

}  // namespace tanso::bench
