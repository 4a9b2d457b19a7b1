// tanso keygen, tanso genesis init|demo.
#include <chrono>
#include <fstream>
#include <iostream>

#include "cli.h"
#include "core/executor.h"
#include "node/demo_genesis.h"

namespace tanso::cli {

void add_keygen(CLI::App& app) {
  auto* c = app.add_subcommand("keygen", "Create an Ed25519 key file (mode 0600)");
  static std::string out, account;
  static bool force = false;
  c->add_option("--out,-o", out, "Key file to write")->required();
  c->add_option("--account", account, "Account the key signs for (stored in the file)");
  c->add_flag("--force", force, "Overwrite an existing file");
  c->callback([] {
    KeyFile kf = new_key(account);
    if (auto s = write_key_file(out, kf, force); !s)
      fail(kLocal, s.error().code + ": " + s.error().message);
    std::cout << key_to_text(kf.key.pub) << std::endl;
  });
}

static uint64_t now_ms() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

static void write_genesis(const std::string& path, const std::string& text) {
  if (auto g = apply_genesis(text); !g) fail(kUsage, g.error().code + ": " + g.error().message);
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!(f << text << "\n")) fail(kLocal, "cannot write " + path);
}

void add_genesis(CLI::App& app) {
  auto* g = app.add_subcommand("genesis", "Create or check genesis documents");
  g->require_subcommand(1);
  static std::string chain = "tanso-local", out = "genesis.json", keys = "keys", file, devices;
  static unsigned officers = 3, threshold = 2;
  auto* init = g->add_subcommand(
      "init", "A minimal genesis: the regulator org with N officer keys (written to --keys-dir)");
  init->add_option("--chain-id", chain, "Chain id")->capture_default_str();
  init->add_option("--out,-o", out, "Genesis file to write")->capture_default_str();
  init->add_option("--keys-dir", keys, "Where officer key files go")->capture_default_str();
  init->add_option("--officers", officers, "Regulator officer keys")->capture_default_str();
  init->add_option("--threshold", threshold, "Signatures the regulator account needs")
      ->capture_default_str();
  init->callback([] {
    auto text = make_minimal_genesis(chain, keys, officers, threshold, now_ms());
    if (!text) fail(kLocal, text.error().code + ": " + text.error().message);
    write_genesis(out, *text);
    std::cout << "wrote " << out << " (chain " << chain << ") and " << officers
              << " officer keys in " << keys << "/" << std::endl;
  });
  auto* demo =
      g->add_subcommand("demo",
                        "The demo network: regulator (3 officers), companies, verifier, certifier, "
                        "municipality, city, exchange, bank, with the 2026 ETS registry and MRV "
                        "meters and plans; users' keys in --keys-dir, meters' in --devices-dir");
  demo->add_option("--chain-id", chain, "Chain id")->capture_default_str();
  demo->add_option("--out,-o", out, "Genesis file to write")->capture_default_str();
  demo->add_option("--keys-dir", keys, "Where the demo users' key files go")->capture_default_str();
  demo->add_option("--devices-dir", devices,
                   "Where the demo meters' key files go (default: devices next to --keys-dir)");
  demo->callback([] {
    auto text = make_demo_genesis(chain, keys, now_ms(), devices);
    if (!text) fail(kLocal, text.error().code + ": " + text.error().message);
    write_genesis(out, *text);
    std::cout << "wrote " << out << " (chain " << chain << ") and demo keys in " << keys << "/"
              << std::endl;
  });
  auto* check = g->add_subcommand("check", "Validate a genesis file and print its block 0");
  check->add_option("file", file, "Genesis file")->required();
  check->callback([] {
    auto r = apply_genesis(read_text(file));
    if (!r) fail(kRefused, r.error().code + ": " + r.error().message);
    print_json(header_json(r->header));
  });
}

}  // namespace tanso::cli
