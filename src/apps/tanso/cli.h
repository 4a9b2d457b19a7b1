// Shared pieces of the `tanso` CLI: exit codes, node access, signed reads, output.
//
// Exit codes (docs/CLI.md): 0 success; 1 usage or bad input; 2 the ledger refused or rejected
// (a tx refused at admission or rejected in its block, a failed verification or proof);
// 3 the node could not be reached or answered 5xx; 4 a local file or store error.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "core/tx.h"
#include "http/client.h"
#include "node/keyfile.h"

namespace tanso::cli {

enum Exit { kOk = 0, kUsage = 1, kRefused = 2, kUnreachable = 3, kLocal = 4 };

struct Failure {
  int code;
  std::string message;
};

// Thrown by commands; main prints "tanso: <message>" and exits with the code.
[[noreturn]] void fail(int code, const std::string& message);

struct Global {
  std::string node = "http://127.0.0.1:8080";
  bool quiet = false;
  // --channel: requests to /v1/... go to /v1/channels/<channel>/... (docs/CHANNELS.md); a
  // channel answers only signed reads by its members, so every request but a tx submission is
  // signed: with the command's --key, else `channel_key` (--channel-key, or the first key file a
  // tx command signs with).
  std::string channel;
  std::string channel_key;
};
Global& global();
// The four X-Tanso-* headers of a read of `target` signed by `key` over `chain`.
http::Headers read_headers(const KeyFile& key, const std::string& chain, const std::string& method,
                           const std::string& target);
// A tx command's key files: the first signs the command's reads of a channel when no
// --channel-key was given.
void reads_signed_by(const std::vector<std::string>& key_files);

http::Client connect();
// GET/POST; signs the request as a read when `key` is given. Exits with kUnreachable on
// connection failure.
http::Response call(const std::string& method, const std::string& target,
                    const std::string& body = {}, const KeyFile* key = nullptr);
Json parse_json_or_fail(const std::string& text, const std::string& what);
std::string read_text(const std::string& path_or_dash);  // "-" = stdin
void print_json(const Json& j);
KeyFile load_key(const std::string& path);
// Fails with kRefused/kUnreachable for API errors, printing the stable code.
void fail_on_api_error(const http::Response& r);
// Prints "\r[=====>    ] 42% label" to stderr when it is a terminal or `force`.
void progress(uint64_t done, uint64_t total, const std::string& label);

// Transactions (cmd_tx.cpp), shared by the commands that build their own bodies.
struct BuildArgs {
  std::string from, type, body = "{}", chain;  // body: JSON text, or @file
  std::string nonce = "auto", expires = "+1000";
};
// The payload text; chain, nonce ("auto") and expiry ("+N") are asked from the node.
std::string build_payload(const BuildArgs& a);
// An envelope of `payload` signed by every key file.
std::string sign_payload(const std::string& payload, const std::vector<std::string>& key_files);
// POST /v1/txs (waiting for the block unless !wait), prints the answer; a tx refused at
// admission or rejected in its block fails with kRefused.
int submit(const std::string& envelope, bool wait);

void add_keygen(CLI::App& app);
void add_genesis(CLI::App& app);
void add_tx(CLI::App& app);
void add_query(CLI::App& app);
void add_proof(CLI::App& app);
void add_verify(CLI::App& app);
void add_backup(CLI::App& app);
// tanso ets import|preview (cmd_ets.cpp); joins an existing `ets` group if one was added.
void add_ets_import(CLI::App& app);
// tanso ets plan|designate|allocate|...|position (cmd_ets_tx.cpp): registry txs and reports.
void add_ets_registry(CLI::App& app);
// tanso mrv ... (cmd_mrv.cpp: the group and its reports; cmd_mrv_tx.cpp: add_mrv_tx, its txs,
// added into the factors/device/plan/batch groups add_mrv creates; cmd_mrv_statement.cpp:
// add_mrv_statements, the `statement` and `statements` groups).
void add_mrv(CLI::App& app);
void add_mrv_tx(CLI::App* mrv);
void add_mrv_statements(CLI::App* mrv);
// tanso mrv prove-reading (cmd_mrv_prove.cpp); joins an existing `mrv` group if one was added.
void add_mrv_prove_command(CLI::App& app);
// tanso private put|get|check (cmd_private.cpp).
void add_private(CLI::App& app);
// tanso channels (cmd_channels.cpp).
void add_channels(CLI::App& app);
// Terminal columns of UTF-8 text (Hangul and CJK count two), for aligned tables.
size_t display_width(std::string_view s);
// The `ets` command group, created by whichever of the two adds first.
CLI::App* ets_group(CLI::App& app);

}  // namespace tanso::cli
