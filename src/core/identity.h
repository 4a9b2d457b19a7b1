// Identity: organizations, accounts, roles, keys (rotation, revocation), multi-signature
// thresholds, and the checks every transaction passes before its handler runs.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/module.h"

namespace tanso {

// The roles of docs/DOMAIN.md "Who uses it".
inline constexpr std::string_view kRoles[] = {
    "regulator", "company", "verifier", "certifier",   "municipality", "exchange",
    "bank",      "citizen", "merchant", "focal_point", "device"};
bool valid_role(std::string_view role);

struct KeyEntry {
  PublicKey key{};
  bool active = true;
};

struct Account {
  std::string id;
  std::string org;
  std::string role;
  std::vector<KeyEntry> keys;
  uint32_t threshold = 1;                           // signatures needed by default
  std::map<std::string, uint32_t> type_thresholds;  // per tx type, e.g. 2-of-3 for allocation
  uint32_t threshold_for(std::string_view type) const;
  Json to_json() const;
};

std::optional<Account> load_account(const StateReader& st, std::string_view id);
void store_account(Overlay& st, const Account& a);
std::optional<std::string> org_role(const StateReader& st, std::string_view org);
// The account that owns a key (active or revoked), if any.
std::optional<std::string> key_owner(const StateReader& st, const PublicKey& key);
uint64_t last_nonce(const StateReader& st, std::string_view account);

// Stateful checks shared by admission and execution: chain id, type, expiry, account, keys,
// signature threshold, permission, nonce (== last + 1). Signatures themselves are verified
// separately (verify_signatures), once, on all cores.
Status check_tx(const StateReader& st, const Params& params, const Tx& tx, uint64_t height,
                uint64_t last_used_nonce, Account* sender);

}  // namespace tanso
