// tanso verify, tanso backup, tanso restore.
#include <filesystem>
#include <iostream>

#include "cli.h"
#include "node/chain_verify.h"
#include "storage/chain_store.h"

namespace tanso::cli {

static std::string chain_dir(const std::string& data_dir) { return data_dir + "/chain"; }

void add_verify(CLI::App& app) {
  auto* v = app.add_subcommand(
      "verify",
      "Re-check a whole chain: block hashes and links, proposer and tx signatures, "
      "Merkle roots, re-execution to the same receipts and state roots");
  static std::string data_dir = "data";
  static unsigned threads = 0;
  static bool require_quorum = false;
  v->add_flag("--require-quorum", require_quorum,
              "Network chains: fail unless every block has a quorum of agreeing attestations "
              "(any disagreeing attestation always fails)");
  v->add_option("--data-dir", data_dir, "The node's data directory (may be in use by a node)")
      ->capture_default_str();
  v->add_option("--threads", threads, "Signature verification threads (0: all cores)");
  v->callback([] {
    if (!std::filesystem::exists(chain_dir(data_dir) + "/CURRENT"))
      fail(kLocal,
           "verify.empty: " + data_dir + " holds no chain (no " + chain_dir(data_dir) + ")");
    auto store = open_rocks_store_readonly(chain_dir(data_dir));
    if (!store) fail(kLocal, store.error().code + ": " + store.error().message);
    WorkPool pool(threads);
    auto rep =
        verify_chain(**store, pool, [](uint64_t h, uint64_t last) { progress(h, last, "blocks"); });
    if (!rep) fail(kRefused, rep.error().code + ": " + rep.error().message);
    Json out = {{"ok", true},
                {"blocks", rep->blocks},
                {"txs", rep->txs},
                {"signatures", rep->signatures},
                {"head_hash", to_hex(rep->head_hash)},
                {"state_root", to_hex(rep->state_root)}};
    if (rep->network) {
      out["attest_quorum"] = rep->quorum;
      out["attested_blocks"] = rep->attested;
      out["first_block_without_quorum"] = rep->first_short;
      if (require_quorum && rep->first_short != 0) {
        out["ok"] = false;
        print_json(out);
        Error e = err("verify.no_quorum", "block " + std::to_string(rep->first_short) +
                                              " has fewer than " + std::to_string(rep->quorum) +
                                              " agreeing attestations in this store");
        fail(kRefused, e.code + ": " + e.message);
      }
    }
    print_json(out);
  });
}

void add_backup(CLI::App& app) {
  static std::string data_dir = "data", out, key, from;
  auto* b = app.add_subcommand(
      "backup",
      "Consistent copy of a chain: offline from --data-dir, or online from a running "
      "node with --online (needs a regulator key; the node writes the copy)");
  b->add_option("--data-dir", data_dir, "Data directory (offline backup)")->capture_default_str();
  b->add_option("--out,-o", out, "Backup directory to create (absolute for --online)")->required();
  static bool online = false;
  b->add_flag("--online", online, "Ask the running node (--node) to write the checkpoint");
  b->add_option("--key,-k", key, "Regulator key file (with --online)");
  b->callback([] {
    if (online) {
      if (key.empty()) fail(kUsage, "--online needs --key (a regulator officer key)");
      KeyFile k = load_key(key);
      std::string abs = std::filesystem::absolute(out).string();
      auto r = call("POST", "/v1/admin/checkpoint?dir=" + abs, {}, &k);
      fail_on_api_error(r);
      print_json(parse_json_or_fail(r.body, "response"));
      return;
    }
    auto store = open_rocks_store_readonly(chain_dir(data_dir));
    if (!store) fail(kLocal, store.error().code + ": " + store.error().message);
    std::filesystem::create_directories(out);
    if (auto s = (*store)->checkpoint(chain_dir(out)); !s)
      fail(kLocal, s.error().code + ": " + s.error().message);
    for (const char* f : {"/node_key.json"})
      if (std::filesystem::exists(data_dir + f)) std::filesystem::copy_file(data_dir + f, out + f);
    std::cout << "backup of height " << (*store)->last_height().value_or(0) << " in " << out
              << std::endl;
  });
  auto* r = app.add_subcommand("restore", "Make a new data directory from a backup");
  r->add_option("--from", from, "Backup directory (from tanso backup)")->required();
  r->add_option("--data-dir", data_dir, "New data directory (must not exist)")->required();
  r->callback([] {
    if (std::filesystem::exists(data_dir))
      fail(kLocal, data_dir + " exists; restore needs a new one");
    std::string src = std::filesystem::exists(chain_dir(from)) ? chain_dir(from) : from;
    std::filesystem::create_directories(data_dir);
    if (auto s = restore_store(src, chain_dir(data_dir)); !s)
      fail(kLocal, s.error().code + ": " + s.error().message);
    if (std::filesystem::exists(from + "/node_key.json"))
      std::filesystem::copy_file(from + "/node_key.json", data_dir + "/node_key.json");
    auto store = open_rocks_store_readonly(chain_dir(data_dir));
    if (!store) fail(kLocal, store.error().code + ": " + store.error().message);
    std::cout << "restored height " << (*store)->last_height().value_or(0) << " into " << data_dir
              << std::endl;
  });
}

}  // namespace tanso::cli
