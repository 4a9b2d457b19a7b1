// tanso keygen, tanso genesis init|demo|network|check.
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
  // tanso genesis network: names the nodes of a multi-node chain (docs/CLUSTER.md).
  static std::vector<std::string> nodes;
  static unsigned quorum = 0;
  auto* net =
      g->add_subcommand("network",
                        "Add the nodes of a multi-node chain to a genesis file: each --node is "
                        "<node id>=<org>:<node key file> (the key file each node keeps as "
                        "<data dir>/node_key.json; make one with tanso keygen)");
  net->add_option("file", file, "Genesis file to read")->required();
  net->add_option("--node", nodes, "<node id>=<org>:<key file>, once per node")->required();
  net->add_option("--quorum", quorum, "Attestations that make a block final (default: majority)");
  net->add_option("--out,-o", out, "Genesis file to write")->capture_default_str();
  net->footer(
      "\nExample:\n  tanso keygen -o n1/node_key.json; tanso keygen -o n2/node_key.json; ...\n"
      "  tanso genesis network genesis.json --node regulator-1=moe:n1/node_key.json \\\n"
      "      --node exchange-1=krx:n2/node_key.json --node bank-1=kdb:n3/node_key.json "
      "-o genesis.json");
  net->callback([] {
    Json g = Json::parse(read_text(file), nullptr, false);
    if (!g.is_object()) fail(kUsage, file + " is not a JSON object");
    Json list = Json::array();
    for (const auto& spec : nodes) {
      auto eq = spec.find('='), colon = spec.find(':', eq == std::string::npos ? 0 : eq);
      if (eq == std::string::npos || colon == std::string::npos)
        fail(kUsage, "--node " + spec + ": expected <node id>=<org>:<key file>");
      auto kf = read_key_file(spec.substr(colon + 1));
      if (!kf) fail(kLocal, kf.error().message);
      list.push_back({{"node", spec.substr(0, eq)},
                      {"org", spec.substr(eq + 1, colon - eq - 1)},
                      {"key", key_to_text(kf->key.pub)}});
    }
    g["network"] = {{"nodes", list}};
    if (quorum) g["network"]["attest_quorum"] = quorum;
    write_genesis(out, g.dump(2));
    std::cout << "wrote " << out << " with a network of " << list.size() << " nodes" << std::endl;
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
