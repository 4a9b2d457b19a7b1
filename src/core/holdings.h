// Holdings: a double-entry, multi-instrument ledger of integer units. Every later module
// (allowances, credits, cash, points, local currency, fund shares) moves value through these
// functions, so one conservation invariant covers them all: for every instrument, the sum of
// balances equals its supply (issued minus burned).
#pragma once

#include <map>
#include <string>

#include "core/module.h"

namespace tanso {

struct Instrument {
  std::string id;
  std::string issuer;  // the account allowed to issue
  std::string name;
  std::string unit;
};

std::optional<Instrument> load_instrument(const StateReader& st, std::string_view id);
uint64_t balance(const StateReader& st, std::string_view account, std::string_view instrument);
uint64_t supply(const StateReader& st, std::string_view instrument);

// System holders: accounts that modules hold value in (escrow), which no one can sign for. Their
// ids start with '@', which no identifier may contain (tx.h valid_id), so identity.account.create
// can never make one. transfer_units accepts them as recipients; only module code moves value
// out of them. Each module documents its own and the invariant that ties its balance to state.
inline constexpr std::string_view kMarketEscrow = "@market";  // core/market.h: open reservations
inline constexpr std::string_view kCashEscrow = "@cash";      // core/cash.h: pending withdrawals
inline bool system_holder(std::string_view account) { return account.starts_with('@'); }

// Primitive moves; each returns a stable rejection code on failure and writes nothing then.
Status issue_units(Overlay& st, std::string_view instrument, std::string_view to, uint64_t amount);
Status burn_units(Overlay& st, std::string_view instrument, std::string_view from, uint64_t amount);
Status transfer_units(Overlay& st, std::string_view instrument, std::string_view from,
                      std::string_view to, uint64_t amount);

// For tests and audits: instruments whose balances do not sum to their supply (empty = sound).
std::map<std::string, std::pair<uint64_t, uint64_t>> conservation_violations(const class State& st);

}  // namespace tanso
