// tanso: the command-line client of a Tanso node. Wiring only; see docs/CLI.md.
#include <iostream>

#include "cli.h"
#include "cmd_market.h"
#include "core/crypto.h"

using namespace tanso::cli;

int main(int argc, char** argv) {
  tanso::init_crypto();
  CLI::App app{
      "tanso: keys, genesis, transactions, queries, proofs and chain verification for Tanso.\n"
      "Exit codes: 0 ok, 1 usage/bad input, 2 refused/rejected/verification failed, "
      "3 node unreachable or 5xx, 4 local file/store error."};
  app.require_subcommand(1);
  app.add_option("--node", global().node, "Node URL (default http://127.0.0.1:8080)")
      ->envname("TANSO_NODE");
  app.add_option("--channel", global().channel,
                 "Channel of the node to use (its /v1/channels/<name>/ routes; default: the "
                 "node's default chain)")
      ->envname("TANSO_CHANNEL");
  app.add_option("--channel-key", global().channel_key,
                 "Key file signing reads of --channel where the command has no --key (default: "
                 "a tx command's first key)")
      ->envname("TANSO_CHANNEL_KEY");
  app.add_flag("-q,--quiet", global().quiet, "No progress output");
  add_keygen(app);
  add_genesis(app);
  add_tx(app);
  add_query(app);
  add_proof(app);
  add_verify(app);
  add_backup(app);
  add_ets_import(app);
  add_ets_registry(app);
  add_mrv(app);
  add_mrv_prove_command(app);
  add_market(app);
  add_cash(app);
  add_private(app);
  add_channels(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kUsage;
  } catch (const Failure& f) {
    std::cerr << "tanso: " << f.message << std::endl;
    return f.code;
  }
  return kOk;
}
