// tanso tx build|sign|submit|send|wait|status.
#include <chrono>
#include <iostream>
#include <thread>

#include "cli.h"

namespace tanso::cli {

namespace {

Json body_json(const std::string& body) {
  std::string text = body.starts_with("@") ? read_text(body.substr(1)) : body;
  Json j = parse_json_or_fail(text, "--body");
  if (!j.is_object()) fail(kUsage, "--body must be a JSON object");
  return j;
}

}  // namespace

// Fills chain, nonce and expiry from the node when asked ("auto", "+N").
std::string build_payload(const BuildArgs& a) {
  Payload p;
  p.type = a.type;
  p.from = a.from;
  p.body = body_json(a.body);
  bool need_status = a.chain.empty() || a.expires.starts_with("+");
  Json status;
  if (need_status) {
    auto r = call("GET", "/v1/status");
    fail_on_api_error(r);
    status = parse_json_or_fail(r.body, "/v1/status");
  }
  p.chain = a.chain.empty() ? status["chain_id"].get<std::string>() : a.chain;
  try {
    if (a.nonce == "auto") {
      auto r = call("GET", "/v1/accounts/" + a.from);
      fail_on_api_error(r);
      p.nonce = parse_json_or_fail(r.body, "account")["nonce"].get<uint64_t>() + 1;
    } else {
      p.nonce = std::stoull(a.nonce);
    }
    p.expires = a.expires.starts_with("+")
                    ? status["height"].get<uint64_t>() + std::stoull(a.expires.substr(1))
                    : std::stoull(a.expires);
  } catch (const std::logic_error&) {
    fail(kUsage, "--nonce and --expires take integers (or auto / +N)");
  }
  return payload_text(p);
}

std::string sign_payload(const std::string& payload, const std::vector<std::string>& key_files) {
  std::vector<KeyFile> keys;
  for (const auto& f : key_files) keys.push_back(load_key(f));
  Json pj = parse_json_or_fail(payload, "payload");
  if (!pj.is_object() || !pj.contains("chain") || !pj["chain"].is_string())
    fail(kUsage, "the payload needs a \"chain\"");
  std::vector<const KeyPair*> signers;
  for (const auto& k : keys) signers.push_back(&k.key);
  return sign_envelope(payload, pj["chain"].get<std::string>(), signers);
}

int submit(const std::string& envelope, bool wait) {
  auto r = call("POST", std::string("/v1/txs") + (wait ? "" : "?wait=none"), envelope);
  fail_on_api_error(r);
  Json j = parse_json_or_fail(r.body, "response");
  print_json(j);
  if (j.value("status", "") == "committed" && j.value("code", "") != "ok")
    fail(kRefused, "rejected in block " + std::to_string(j.value("height", 0)) + ": " +
                       j.value("code", "") + ": " + j.value("message", ""));
  return kOk;
}

namespace {

void add_build_options(CLI::App* c, BuildArgs& a) {
  c->add_option("--from", a.from, "Sending account (default: the first key file's account)");
  c->add_option("--type", a.type, "Tx type, e.g. holdings.transfer")->required();
  c->add_option("--body", a.body, "Body JSON, or @file")->capture_default_str();
  c->add_option("--chain", a.chain, "Chain id (default: ask the node)");
  c->add_option("--nonce", a.nonce, "Nonce, or auto (the account's last + 1)")
      ->capture_default_str();
  c->add_option("--expires", a.expires, "Last valid height, or +N from the current one")
      ->capture_default_str();
}

}  // namespace

void add_tx(CLI::App& app) {
  auto* tx = app.add_subcommand("tx", "Build, sign, submit and follow transactions");
  tx->require_subcommand(1);

  static BuildArgs ba;
  auto* build = tx->add_subcommand("build", "Print a payload JSON text (to sign)");
  add_build_options(build, ba);
  build->callback([] {
    if (ba.from.empty()) fail(kUsage, "--from is required");
    std::cout << build_payload(ba) << std::endl;
  });

  static std::vector<std::string> sign_keys;
  static std::string payload_file = "-";
  auto* sg = tx->add_subcommand("sign", "Sign a payload text (exact bytes) into an envelope");
  sg->add_option("--key,-k", sign_keys, "Key file (repeat for several signers)")
      ->required()
      ->allow_extra_args(false);
  sg->add_option("payload", payload_file, "Payload file, or - for stdin")->capture_default_str();
  sg->callback([] {
    std::string p = read_text(payload_file);
    while (!p.empty() && (p.back() == '\n' || p.back() == '\r')) p.pop_back();
    std::cout << sign_payload(p, sign_keys) << std::endl;
  });

  static std::string env_file = "-";
  static bool no_wait = false;
  auto* sub = tx->add_subcommand("submit", "Submit a signed envelope; waits for its block");
  sub->add_option("envelope", env_file, "Envelope file, or - for stdin")->capture_default_str();
  sub->add_flag("--no-wait", no_wait, "Return once admitted (202), not committed");
  sub->callback([] { submit(read_text(env_file), !no_wait); });

  static BuildArgs sa;
  static std::vector<std::string> send_keys;
  static bool send_no_wait = false;
  auto* send = tx->add_subcommand("send", "Build, sign and submit in one go");
  add_build_options(send, sa);
  send->add_option("--key,-k", send_keys, "Key file (repeat for several signers)")
      ->required()
      ->allow_extra_args(false);
  send->add_flag("--no-wait", send_no_wait, "Return once admitted");
  send->callback([] {
    if (sa.from.empty()) sa.from = load_key(send_keys[0]).account;
    if (sa.from.empty()) fail(kUsage, "--from is required (the key file names no account)");
    reads_signed_by(send_keys);
    submit(sign_payload(build_payload(sa), send_keys), !send_no_wait);
  });

  static std::string wait_id;
  static unsigned wait_s = 30;
  auto* w = tx->add_subcommand("wait", "Wait until a tx is committed; print its status");
  w->add_option("id", wait_id, "Tx id (64 hex)")->required();
  w->add_option("--timeout", wait_s, "Seconds")->capture_default_str();
  w->callback([] {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(wait_s);
    for (;;) {
      auto r = call("GET", "/v1/txs/" + wait_id);
      if (r.status == 200) {
        Json j = parse_json_or_fail(r.body, "status");
        if (j["status"] == "committed") {
          print_json(j);
          if (j["receipt"]["code"] != "ok")
            fail(kRefused, "rejected: " + j["receipt"]["code"].get<std::string>());
          return;
        }
      } else if (r.status != 404) {
        fail_on_api_error(r);
      }
      if (std::chrono::steady_clock::now() > deadline)
        fail(kUnreachable, "not committed after " + std::to_string(wait_s) + " s");
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  });

  static std::string status_id, status_key;
  auto* st = tx->add_subcommand("status", "A tx's status, receipt, block and inclusion proof");
  st->add_option("id", status_id, "Tx id (64 hex)")->required();
  st->add_option("--key,-k", status_key, "Sign the read (to see the envelope)");
  st->callback([] {
    KeyFile k;
    if (!status_key.empty()) k = load_key(status_key);
    auto r = call("GET", "/v1/txs/" + status_id, {}, status_key.empty() ? nullptr : &k);
    fail_on_api_error(r);
    print_json(parse_json_or_fail(r.body, "status"));
  });
}

}  // namespace tanso::cli
