// tanso private put | get | check: private data (docs/PRIVATE_DATA.md). `put` commits a
// document's hash on the ledger (private.commit, signed with -k, waiting for its block) and
// uploads the bytes to the node (a signed request); `get` reads them back (a signed read);
// `check` says whether a disclosed copy matches a commitment, offline with --hash or against
// the commitment the node shows with --id. Exit codes as everywhere (cli.h); a copy that does
// not match exits 2.
#include <sodium.h>

#include <fstream>
#include <iostream>

#include "cmd_common.h"
#include "core/limits.h"
#include "core/private_data.h"

namespace tanso::cli {

namespace {

std::string read_doc(const std::string& path) {
  std::string bytes = read_text(path);
  if (bytes.size() > limits::private_bytes_max)
    fail(kUsage, path + " has " + std::to_string(bytes.size()) +
                     " bytes; a private document is at most 4 MiB");
  return bytes;
}

std::optional<Bytes> salt_arg(const std::string& hex) {
  if (hex.empty()) return std::nullopt;
  auto b = from_hex(hex);
  if (!b || b->size() != kPrivateSaltBytes) fail(kUsage, "--salt must be 64 hex digits");
  return b;
}

std::string salt_query(const std::optional<Bytes>& salt) {
  return salt ? "?salt=" + to_hex(ByteView(salt->data(), salt->size())) : std::string();
}

}  // namespace

void add_private(CLI::App& app) {
  auto* pv = app.add_subcommand(
      "private",
      "Private data: documents and fields kept only at the authorized organizations' nodes, "
      "with their hash on the ledger (docs/PRIVATE_DATA.md)");
  pv->require_subcommand(1);

  static TxOpts put_o;
  static std::string put_file, put_kind, put_ref;
  static std::vector<std::string> put_orgs;
  static bool put_field = false;
  auto* put = pv->add_subcommand(
      "put",
      "Commit a document's hash (private.commit) and upload its bytes to the node; prints the "
      "commitment (its id is the tx id)");
  put->add_option("file", put_file, "The document (- for stdin), at most 4 MiB")->required();
  put->add_option("--kind", put_kind, "What it is, an identifier (public), e.g. mrv.evidence")
      ->required();
  put->add_option("--org", put_orgs,
                  "Another organization that may hold and read it (repeatable); the sender's "
                  "organization and the regulator's always may");
  put->add_option("--ref", put_ref, "The on-ledger record it belongs to (public text)");
  put->add_flag("--field", put_field,
                "A short field: commit a salted hash (a random 32-byte salt, printed: keep it "
                "to disclose the value later)");
  add_tx_options(put, put_o, "the submitting account (it also signs the upload)");
  put->remove_option(put->get_option("--out"));  // it submits and uploads, never only writes
  put->footer(
      "Example:\n  tanso private put report.pdf --kind mrv.evidence --org verifier-kr "
      "-k demo/keys/hanbit-steel.json\n");
  put->callback([] {
    std::string bytes = read_doc(put_file);
    std::optional<Bytes> salt;
    Hash h{};
    if (put_field) {
      salt = Bytes(kPrivateSaltBytes);
      randombytes_buf(salt->data(), salt->size());
      h = private_salted_hash(ByteView(salt->data(), salt->size()), as_bytes(bytes));
    } else {
      h = sha256(bytes);
    }
    Json body = {{"hash", to_hex(h)}, {"kind", put_kind}};
    if (put_field) body["scheme"] = kPrivateSalted;
    if (!put_orgs.empty()) body["orgs"] = put_orgs;
    if (!put_ref.empty()) body["ref"] = put_ref;
    BuildArgs a;
    a.type = "private.commit";
    a.body = body.dump();
    a.expires = put_o.expires;
    a.nonce = put_o.nonce;
    KeyFile k = load_key(put_o.keys.front());
    a.from = put_o.from.empty() ? k.account : put_o.from;
    if (a.from.empty()) fail(kUsage, "--from is required (the key file names no account)");
    reads_signed_by(put_o.keys);
    std::string env = sign_payload(build_payload(a), put_o.keys);
    auto tx = decode_tx(env);
    if (!tx) fail(kUsage, tx.error().message);
    std::string id = to_hex(tx->id);
    auto r = call("POST", std::string("/v1/txs") + (put_o.no_wait ? "?wait=none" : ""), env);
    fail_on_api_error(r);
    Json txr = parse_json_or_fail(r.body, "response");
    if (txr.value("status", "") == "committed" && txr.value("code", "") != "ok")
      fail(kRefused, "private.commit rejected in block " + std::to_string(txr.value("height", 0)) +
                         ": " + txr.value("code", "") + ": " + txr.value("message", ""));
    auto up = call("PUT", "/v1/private/" + id + "/data" + salt_query(salt), bytes, &k);
    fail_on_api_error(up);
    Json upr = parse_json_or_fail(up.body, "response");
    Json out = {{"id", id},
                {"hash", to_hex(h)},
                {"scheme", put_field ? kPrivateSalted : kPrivatePlain},
                {"tx", txr},
                {"delivering_to", upr.value("delivering_to", Json::array())}};
    if (salt) out["salt"] = to_hex(ByteView(salt->data(), salt->size()));
    print_json(out);
  });

  static std::string get_id, get_key, get_out;
  auto* get =
      pv->add_subcommand("get",
                         "Read a private document from the node (a signed read by a member of an "
                         "authorized organization); the salt of a field goes to stderr");
  get->add_option("id", get_id, "The commitment id (the private.commit tx id)")->required();
  get->add_option("--key,-k", get_key, "Key file to sign the read")->required();
  get->add_option("--out,-o", get_out, "Write the bytes to this file (default: stdout)");
  get->callback([] {
    KeyFile k = load_key(get_key);
    auto r = call("GET", "/v1/private/" + get_id + "/data", {}, &k);
    fail_on_api_error(r);
    if (std::string salt = r.header("X-Tanso-Salt"); !salt.empty())
      std::cerr << "salt " << salt << "\n";
    if (get_out.empty()) {
      std::cout << r.body << std::flush;
      return;
    }
    std::ofstream f(get_out, std::ios::binary | std::ios::trunc);
    if (!(f << r.body)) fail(kLocal, "cannot write " + get_out);
  });

  static std::string chk_file, chk_id, chk_hash, chk_salt;
  auto* chk = pv->add_subcommand(
      "check",
      "Does a disclosed copy match its commitment? Computed here: with --hash no node is asked; "
      "with --id the hash and scheme come from the node's public view of the commitment. Exit "
      "0 if it matches, 2 if not");
  chk->add_option("file", chk_file, "The disclosed copy (- for stdin)")->required();
  auto* by_id = chk->add_option("--id", chk_id, "The commitment id (asks the node for its hash)");
  auto* by_hash =
      chk->add_option("--hash", chk_hash, "The committed hash, 64 hex digits (offline)");
  by_id->excludes(by_hash);
  chk->add_option("--salt", chk_salt, "The field's salt, 64 hex digits (salted commitments)");
  chk->footer(
      "Examples:\n  tanso private check report.pdf --id 3f2a...\n"
      "  tanso private check value.txt --hash 9c1e... --salt 51d0...\n");
  chk->callback([] {
    if (chk_id.empty() == chk_hash.empty()) fail(kUsage, "give --id or --hash");
    std::string bytes = read_doc(chk_file);
    auto salt = salt_arg(chk_salt);
    std::string want = chk_hash, scheme = salt ? std::string(kPrivateSalted) : "sha256";
    if (!chk_id.empty()) {
      auto r = call("GET", "/v1/private/" + chk_id);
      fail_on_api_error(r);
      Json c = parse_json_or_fail(r.body, "response");
      want = c.value("hash", "");
      scheme = c.value("scheme", "");
    } else if (!hash_from_hex(want)) {
      fail(kUsage, "--hash must be 64 hex digits");
    }
    auto h = private_copy_hash(scheme, as_bytes(bytes), salt);
    if (!h) fail(kUsage, h.error().message);
    bool match = to_hex(*h) == want;
    print_json({{"match", match}, {"hash", want}, {"computed", to_hex(*h)}, {"scheme", scheme}});
    if (!match) fail(kRefused, "the copy does not match the commitment");
  });
}

}  // namespace tanso::cli
