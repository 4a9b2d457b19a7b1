// tanso mrv prove-reading: one raw meter reading -> its batch's Merkle root -> the batch tx ->
// its block, each step checked offline (docs/CLI.md). The edge gateway gives the reading and
// its audit path (GET /v1/edge/readings/{device}/{seq}/proof), the node the device's key and
// the batch tx with its inclusion proof.
#include <iostream>

#include "cli.h"
#include "core/merkle.h"
#include "core/proof.h"
#include "edge/reading.h"

namespace tanso::cli {
namespace {

struct ProveArgs {
  std::string device, edge = "http://127.0.0.1:9100", key, devices;
  uint64_t seq = 0;
};

void step(const std::string& what) { std::cout << "ok: " << what << std::endl; }

[[noreturn]] void bad(const std::string& what) { fail(kRefused, "FAILED: " + what); }

// The device's public key as registered on the ledger (the installation's MRV view), or from a
// devices file ({"devices": [...]}, the registry's export) when the node does not serve the view.
PublicKey device_key(const ProveArgs& a, const std::string& inst) {
  Json devices;
  std::string from;
  if (!a.devices.empty()) {
    devices = parse_json_or_fail(read_text(a.devices), "devices file").value("devices", Json());
    from = a.devices;
  } else {
    KeyFile kf;
    const KeyFile* k = nullptr;
    if (!a.key.empty()) {
      kf = load_key(a.key);
      k = &kf;
    }
    auto r = call("GET", "/v1/mrv/installations/" + inst, {}, k);
    fail_on_api_error(r);
    devices = parse_json_or_fail(r.body, "installation").value("devices", Json());
    from = "the ledger (installation " + inst + ")";
  }
  if (devices.is_array())
    for (const auto& d : devices)
      if (d.is_object() && d.value("device", "") == a.device) {
        auto pk = key_from_text(d.value("key", ""));
        if (!pk) bad("device " + a.device + " has no valid key in " + from);
        std::cout << "device " << a.device << " key " << key_to_text(*pk) << " from " << from
                  << std::endl;
        return *pk;
      }
  bad("device " + a.device + " is not in " + from);
}

void prove(const ProveArgs& a) {
  // 1. The edge's proof.
  auto ep = http::parse_endpoint(a.edge, nullptr, 80);
  if (!ep) fail(kUsage, "bad --edge URL " + a.edge);
  http::Response r;
  try {
    http::Client c(*ep);
    r = c.get("/v1/edge/readings/" + a.device + "/" + std::to_string(a.seq) + "/proof");
  } catch (const std::exception& e) {
    fail(kUnreachable, e.what());
  }
  Json p = parse_json_or_fail(r.body, "edge proof");
  if (r.status != 200) {
    std::string code = p.contains("error") ? p["error"].value("code", "") : "";
    fail(r.status >= 500 ? kUnreachable : kRefused,
         "edge: HTTP " + std::to_string(r.status) + " " + code);
  }
  const std::string text = p.value("reading", "");
  const std::string inst = p.value("installation", "");
  std::cout << "reading " << text << "\nbatch " << p.value("batch_id", "") << " leaf "
            << p.value("leaf_index", 0) << " of " << p.value("tree_size", 0) << std::endl;

  // 2. The device signature, with the key from the ledger.
  PublicKey pk = device_key(a, inst);
  auto sig = from_hex(p.value("sig", ""));
  Signature s{};
  if (!sig || sig->size() != s.size()) bad("the signature is not 64 bytes of hex");
  std::copy(sig->begin(), sig->end(), s.begin());
  auto msg = edge::reading_signing_message(text);
  if (!verify(pk, ByteView(msg.data(), msg.size()), s)) bad("device signature does not verify");
  Json rj = Json::parse(text, nullptr, false);
  if (!rj.is_object() || rj.value("device", "") != a.device || rj.value("seq", 0ull) != a.seq)
    bad("the reading is not " + a.device + " seq " + std::to_string(a.seq));
  step("device signature verifies with the registered key");

  // 3. Leaf -> merkle_root.
  auto root = hash_from_hex(p.value("merkle_root", ""));
  if (!root) bad("merkle_root is not 64 hex");
  std::vector<Hash> path;
  for (const auto& h : p.value("audit_path", Json::array())) {
    auto x = hash_from_hex(h.get<std::string>());
    if (!x) bad("audit path entry is not 64 hex");
    path.push_back(*x);
  }
  Hash leaf = edge::reading_leaf(text);
  if (!merkle::verify_inclusion(leaf, p.value("leaf_index", size_t{0}),
                                p.value("tree_size", size_t{0}), path, *root))
    bad("the audit path does not lead from the reading's leaf to merkle_root");
  step("reading leaf " + to_hex(leaf) + " -> merkle_root " + to_hex(*root));

  // 4. The batch tx carries that root, and 5. it is in a block.
  const std::string tx_id = p.value("tx_id", "");
  if (tx_id.empty())
    bad("batch " + p.value("batch_id", "") + " is not on the ledger yet (status " +
        p.value("batch_status", "") + ")");
  KeyFile kf;
  const KeyFile* k = nullptr;
  if (!a.key.empty()) {
    kf = load_key(a.key);
    k = &kf;
  }
  auto tr = call("GET", "/v1/txs/" + tx_id, {}, k);
  fail_on_api_error(tr);
  Json tj = parse_json_or_fail(tr.body, "tx");
  if (!tj.contains("envelope") || !(tj["envelope"].is_string() || tj["envelope"].is_object()))
    bad("the node did not return the batch tx's envelope (give --key of an account of the "
        "company's organization or the regulator)");
  // The envelope comes as an object (or its text); its payload is the signed text either way.
  auto tx = decode_tx(tj["envelope"].is_string() ? tj["envelope"].get<std::string>()
                                                 : tj["envelope"].dump());
  if (!tx) bad("batch tx: " + tx.error().message);
  if (to_hex(tx->id) != tx_id) bad("the envelope is not tx " + tx_id);
  const Json& body = tx->payload.body;
  if (tx->payload.type != "mrv.batch.submit" || body.value("merkle_root", "") != to_hex(*root) ||
      body.value("batch_id", "") != p.value("batch_id", ""))
    bad("tx " + tx_id + " is not batch " + p.value("batch_id", "") + " with this merkle_root");
  step("batch tx " + tx_id + " (" + body.value("batch_id", "") + ") carries merkle_root " +
       to_hex(*root));
  auto facts = verify_tx_proof(tj);
  if (!facts) bad("block inclusion: " + facts.error().code + ": " + facts.error().message);
  if (to_hex(facts->tx_id) != tx_id) bad("the inclusion proof is for another tx");
  if (facts->code != "ok") bad("the batch tx was rejected in its block: " + facts->code);
  step("batch tx is in block " + std::to_string(facts->height) + " (" + to_hex(facts->block_hash) +
       "), receipt ok");
  std::cout << "proved: " << a.device << " seq " << a.seq << " -> " << body.value("batch_id", "")
            << " -> block " << facts->height << std::endl;
}

}  // namespace

void add_mrv_prove_command(CLI::App& app) {
  auto found = app.get_subcommands([](CLI::App* s) { return s->get_name() == "mrv"; });
  CLI::App* mrv = found.empty() ? nullptr : found.front();
  if (!mrv) {
    mrv = app.add_subcommand("mrv", "MRV: readings, batches, emissions");
    mrv->require_subcommand(1);
  }
  auto a = std::make_shared<ProveArgs>();
  auto* c = mrv->add_subcommand(
      "prove-reading",
      "Prove one raw reading up to a block: device signature (key from the ledger), audit path "
      "to the batch's merkle_root (from tanso-edge), the batch tx's root and its block inclusion");
  c->add_option("device", a->device, "Device id")->required();
  c->add_option("seq", a->seq, "Reading seq")->required();
  c->add_option("--edge", a->edge, "tanso-edge URL")->capture_default_str();
  c->add_option("-k,--key", a->key,
                "Key file for signed reads (an account of the company's org or the regulator)");
  c->add_option("--devices", a->devices,
                "Take the device key from this devices file instead of the node");
  c->callback([a] { prove(*a); });
}

}  // namespace tanso::cli
