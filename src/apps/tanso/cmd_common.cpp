// Shared pieces of the module commands (cmd_common.h).
#include "cmd_common.h"

#include <fstream>
#include <iostream>

namespace tanso::cli {

void add_tx_options(CLI::App* c, TxOpts& o, const char* who) {
  c->add_option("--key,-k", o.keys,
                std::string("Key file of ") + who + " (repeat for several signers)")
      ->required()
      ->allow_extra_args(false);
  c->add_option("--from", o.from, "Sending account (default: the first key file's account)");
  c->add_option("--expires", o.expires, "Last valid height, or +N from the current one")
      ->capture_default_str();
  c->add_option("--nonce", o.nonce, "Nonce, or auto (the account's last + 1)")
      ->capture_default_str();
  c->add_option("--out", o.out,
                "Write the signed envelope to this file instead of submitting it (to add "
                "signatures later, or to submit with tanso tx submit)");
  c->add_flag("--no-wait", o.no_wait, "Return once admitted, not committed");
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!(f << text << "\n")) fail(kLocal, "cannot write " + path);
}

// Builds, signs and submits (or writes with --out) one tx.
void send_tx(const TxOpts& o, const std::string& type, const Json& body) {
  BuildArgs a;
  a.type = type;
  a.body = body.dump();
  a.expires = o.expires;
  a.nonce = o.nonce;
  a.from = o.from.empty() ? load_key(o.keys.front()).account : o.from;
  if (a.from.empty()) fail(kUsage, "--from is required (the key file names no account)");
  reads_signed_by(o.keys);
  std::string env = sign_payload(build_payload(a), o.keys);
  if (!o.out.empty()) {
    write_file(o.out, env);
    if (!global().quiet)
      std::cerr << "wrote the " << type << " envelope signed by " << o.keys.size() << " key"
                << (o.keys.size() == 1 ? "" : "s") << " to " << o.out << "\n";
    return;
  }
  submit(env, !o.no_wait);
}

std::string cell(const Json& v) {
  if (v.is_null()) return "-";
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

// "key  value" lines of an object (one level of nesting flattened as key.sub).
void print_fields(const Json& j) {
  std::vector<std::pair<std::string, std::string>> rows;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it->is_object()) {
      for (auto s = it->begin(); s != it->end(); ++s)
        if (!s->is_structured()) rows.push_back({it.key() + "." + s.key(), cell(*s)});
    } else if (it->is_array()) {
      rows.push_back({it.key(), "(" + std::to_string(it->size()) + " entries; --json shows them)"});
    } else {
      rows.push_back({it.key(), cell(*it)});
    }
  }
  size_t w = 0;
  for (const auto& r : rows) w = std::max(w, r.first.size());
  for (const auto& [k, v] : rows) std::cout << k << std::string(w + 2 - k.size(), ' ') << v << "\n";
}

// A table of the array `rows` with the given columns (absent fields print as -).
void print_rows(const Json& rows, const std::vector<std::string>& cols) {
  std::vector<std::vector<std::string>> cells;
  std::vector<size_t> w;
  for (const auto& c : cols) w.push_back(display_width(c));
  for (const auto& r : rows) {
    std::vector<std::string> line;
    for (size_t i = 0; i < cols.size(); ++i) {
      std::string v = r.is_object() && r.contains(cols[i]) ? cell(r[cols[i]]) : "-";
      w[i] = std::max(w[i], display_width(v));
      line.push_back(std::move(v));
    }
    cells.push_back(std::move(line));
  }
  auto out = [&](const std::vector<std::string>& l) {
    std::string s;
    for (size_t i = 0; i < l.size(); ++i)
      s += l[i] + (i + 1 < l.size() ? std::string(w[i] + 2 - display_width(l[i]), ' ') : "");
    std::cout << s << "\n";
  };
  out(cols);
  std::vector<std::string> rule;
  for (size_t x : w) rule.push_back(std::string(x, '-'));
  out(rule);
  for (const auto& l : cells) out(l);
}

void add_read_options(CLI::App* c, ReadOpts& o, const char* why) {
  c->add_option("--key,-k", o.key, std::string("Key file to sign the read") + why);
  c->add_flag("--json", o.json, "Print the API's JSON answer");
}

std::string company_or_key(const std::string& company, const std::string& key_path) {
  std::string c = company;
  if (c.empty() && !key_path.empty()) {
    c = load_key(key_path).account;
    if (c.ends_with(".edge")) c.resize(c.size() - 5);  // an edge account acts for its company
  }
  if (c.empty()) fail(kUsage, "name the company (or give a key file naming its account)");
  return c;
}

Json get_view(const std::string& target, const ReadOpts& o) {
  KeyFile k;
  if (!o.key.empty()) k = load_key(o.key);
  auto r = call("GET", target, {}, o.key.empty() ? nullptr : &k);
  fail_on_api_error(r);
  return parse_json_or_fail(r.body, target);
}

}  // namespace tanso::cli
