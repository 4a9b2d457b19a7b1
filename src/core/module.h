// How a module plugs transaction types into the state machine: a TxHandler per type, with a
// stateless body check (run at admission, so malformed bodies never reach the log) and a
// stateful apply (run in block order). Also the body-field reader every handler uses.
#pragma once

#include <initializer_list>
#include <map>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "core/state.h"
#include "core/status.h"
#include "core/tx.h"

namespace tanso {

// Network parameters that change validity (genesis "params", changed by governance txs).
struct Params {
  std::string chain_id;
  std::map<std::string, std::set<std::string>, std::less<>> permissions;  // type -> roles; "*"
  bool allowed(std::string_view type, std::string_view role) const;
  Json to_json() const;
  static Result<Params> from_json(const Json& j);
};

struct TxEnv {
  Overlay& st;
  const Tx& tx;
  const Params& params;
  uint64_t height;
  uint64_t time_ms;
  std::string sender_role;
  std::vector<std::string>& accounts;  // accounts this tx touched, for history indexes
  bool params_changed = false;
  void touch(const std::string& account) {
    for (const auto& a : accounts)
      if (a == account) return;
    accounts.push_back(account);
  }
};

struct TxHandler {
  std::string_view type;
  Status (*check)(const Json& body);
  Status (*apply)(TxEnv& env);
};

// All registered handlers (identity, holdings, governance, and later modules).
const TxHandler* find_handler(std::string_view type);
std::vector<std::string_view> handler_types();

std::span<const TxHandler> identity_handlers();
std::span<const TxHandler> holdings_handlers();
std::span<const TxHandler> ets_handlers();            // core/ets.h
std::span<const TxHandler> mrv_handlers();            // core/mrv_factors.h
std::span<const TxHandler> mrv_registry_handlers();   // core/mrv_registry.h
std::span<const TxHandler> mrv_statement_handlers();  // core/mrv_statements.h
std::span<const TxHandler> cash_handlers();           // core/cash.h
std::span<const TxHandler> market_handlers();         // core/market.h

// Reads a body object strictly: fields outside `allowed` are an error (tx.unknown_field).
class Fields {
 public:
  Fields(const Json& body, std::string_view type) : body_(body), type_(type) {}
  Status only(std::initializer_list<std::string_view> allowed) const;
  Result<std::string> id(std::string_view key) const;  // required identifier
  Result<std::string> text(std::string_view key, bool required) const;
  Result<uint64_t> amount(std::string_view key) const;  // 1..limits::amount_max
  Result<uint64_t> u64(std::string_view key, uint64_t min, uint64_t max) const;
  bool has(std::string_view key) const { return body_.contains(key); }

 private:
  Error bad(std::string_view key, std::string_view what) const;
  const Json& body_;
  std::string_view type_;
};

}  // namespace tanso
