// The `tanso market` and `tanso cash` commands (docs/CLI.md "Market"): reads in cmd_market.cpp,
// order txs in cmd_market_tx.cpp, cash txs in cmd_cash.cpp.
#pragma once

#include "cli.h"

namespace tanso::cli {

// tanso market list|depth|trades|daily|orders|fills|alerts, and (through add_market_tx) the txs.
void add_market(CLI::App& app);
// tanso market order|cancel|amend|surveillance, added into the `market` group.
void add_market_tx(CLI::App* market);
// tanso cash deposit|withdraw-request|withdraw|withdraw-reject|withdraw-cancel.
void add_cash(CLI::App& app);

}  // namespace tanso::cli
