// Pieces shared by the module commands of the `tanso` CLI (ets, mrv): the options every tx
// command takes and its build-sign-submit step, signed reads of a view, and plain-text output
// of an API answer (key/value lines, tables).
#pragma once

#include <string>
#include <vector>

#include "cli.h"

namespace tanso::cli {

// Options every tx command takes.
struct TxOpts {
  std::vector<std::string> keys;
  std::string from, expires = "+1000", nonce = "auto", out;
  bool no_wait = false;
};
// Adds -k/--key (required, repeatable), --from, --expires, --nonce, --out, --no-wait; `who`
// names the signer in the help ("the company").
void add_tx_options(CLI::App* c, TxOpts& o, const char* who);
// Writes `text` and a newline to `path` (kLocal on failure).
void write_file(const std::string& path, const std::string& text);
// Builds, signs and submits (waiting for the block unless --no-wait), or writes the signed
// envelope with --out, one tx of `type` with `body`.
void send_tx(const TxOpts& o, const std::string& type, const Json& body);

struct ReadOpts {
  std::string key;
  bool json = false;
};
// Adds -k/--key (`why` completes "Key file to sign the read") and --json.
void add_read_options(CLI::App* c, ReadOpts& o, const char* why);
// GET `target`, signed with --key when given; API errors exit with their code.
Json get_view(const std::string& target, const ReadOpts& o);

// The company a command is about: `company` if given, else the account of the key file at
// `key_path` (an edge account "<company>.edge" acts and reads for its company); kUsage if
// neither names one.
std::string company_or_key(const std::string& company, const std::string& key_path);

// A JSON value as a table cell ("-" for null, strings unquoted).
std::string cell(const Json& v);
// "key  value" lines of an object (one level of nesting flattened as key.sub).
void print_fields(const Json& j);
// A table of the array `rows` with the given columns (absent fields print as -).
void print_rows(const Json& rows, const std::vector<std::string>& cols);

}  // namespace tanso::cli
