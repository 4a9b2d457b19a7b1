// tanso query ..., tanso proof verify.
#include <iostream>

#include "cli.h"
#include "core/proof.h"

namespace tanso::cli {

void add_query(CLI::App& app) {
  auto* q = app.add_subcommand(
      "query",
      "Read from the node: status, block, blocks, account, holdings, history, orgs, "
      "instruments, or any API path");
  static std::string what, arg, key;
  static std::string from, to, before, limit;
  q->add_option("what", what,
                "status | block H | blocks | account ID | holdings ID | history ID | orgs | "
                "instruments | genesis | /v1/any/path")
      ->required();
  q->add_option("arg", arg, "Height or account id");
  q->add_option("--key,-k", key, "Key file to sign the read (needed for holdings/history)");
  q->add_option("--from", from, "blocks: first height");
  q->add_option("--to", to, "blocks: last height");
  q->add_option("--before", before, "history: rows below this height");
  q->add_option("--limit", limit, "history: rows per page");
  q->callback([] {
    std::string target;
    auto need_arg = [&] {
      if (arg.empty()) fail(kUsage, "query " + what + " needs an argument");
    };
    if (what.starts_with("/"))
      target = what;
    else if (what == "status" || what == "orgs" || what == "instruments" || what == "genesis")
      target = "/v1/" + what;
    else if (what == "block")
      need_arg(), target = "/v1/blocks/" + arg;
    else if (what == "blocks") {
      target = "/v1/blocks";
      if (!from.empty() || !to.empty())
        target += "?from=" + (from.empty() ? "0" : from) + (to.empty() ? "" : "&to=" + to);
    } else if (what == "account")
      need_arg(), target = "/v1/accounts/" + arg;
    else if (what == "holdings")
      need_arg(), target = "/v1/accounts/" + arg + "/holdings";
    else if (what == "history") {
      need_arg();
      target = "/v1/accounts/" + arg + "/history";
      std::string qs;
      if (!before.empty()) qs += "before=" + before;
      if (!limit.empty()) qs += (qs.empty() ? "" : "&") + std::string("limit=") + limit;
      if (!qs.empty()) target += "?" + qs;
    } else
      fail(kUsage, "unknown query '" + what + "' (see tanso query --help)");
    KeyFile k;
    if (!key.empty()) k = load_key(key);
    auto r = call("GET", target, {}, key.empty() ? nullptr : &k);
    fail_on_api_error(r);
    Json j = Json::parse(r.body, nullptr, false);
    if (j.is_discarded())
      std::cout << r.body;
    else
      print_json(j);
  });
}

void add_proof(CLI::App& app) {
  auto* p = app.add_subcommand("proof", "Inclusion proofs");
  p->require_subcommand(1);
  static std::string file = "-", tx_id;
  auto* v = p->add_subcommand(
      "verify",
      "Check a tx's inclusion proof offline: the JSON of GET /v1/txs/{id} (a file or "
      "stdin), or fetch it with --tx");
  v->add_option("file", file, "Proof JSON file, or - for stdin")->capture_default_str();
  v->add_option("--tx", tx_id, "Fetch GET /v1/txs/<id> from --node first");
  v->callback([] {
    std::string text;
    if (!tx_id.empty()) {
      auto r = call("GET", "/v1/txs/" + tx_id);
      fail_on_api_error(r);
      text = r.body;
    } else {
      text = read_text(file);
    }
    auto facts = verify_tx_proof(parse_json_or_fail(text, "proof"));
    if (!facts) fail(kRefused, facts.error().code + ": " + facts.error().message);
    std::cout << "ok: tx " << to_hex(facts->tx_id) << " is in block " << facts->height << " ("
              << to_hex(facts->block_hash) << "), receipt code " << facts->code << std::endl;
  });
}

}  // namespace tanso::cli
