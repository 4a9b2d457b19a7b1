// Identity module: orgs, accounts, keys and thresholds; the pre-handler transaction checks.
#include "core/identity.h"

#include <unordered_map>

#include "core/limits.h"

namespace tanso {

bool valid_role(std::string_view role) {
  for (auto r : kRoles)
    if (r == role) return true;
  return false;
}

uint32_t Account::threshold_for(std::string_view type) const {
  auto it = type_thresholds.find(std::string(type));
  return it == type_thresholds.end() ? threshold : it->second;
}

Json Account::to_json() const {
  Json ks = Json::array();
  for (const auto& k : keys)
    ks.push_back({{"key", key_to_text(k.key)}, {"status", k.active ? "active" : "revoked"}});
  Json tt = Json::object();
  for (const auto& [t, n] : type_thresholds) tt[t] = n;
  return {{"id", id},
          {"org", org},
          {"role", role},
          {"keys", ks},
          {"threshold", threshold},
          {"type_thresholds", tt}};
}

static std::string acct_key(std::string_view id) { return "acct/" + std::string(id); }

// Memoized account decodings per thread: 65,536 x ~0.5 KiB.
static constexpr size_t kDecodedAccountsMax = 65'536;

std::optional<Account> load_account(const StateReader& st, std::string_view id) {
  auto v = st.get(acct_key(id));
  if (!v) return std::nullopt;
  // Decoding is a pure function of the stored text, so it is memoized per thread (bounded).
  thread_local std::unordered_map<std::string, Account> decoded;
  if (auto it = decoded.find(*v); it != decoded.end()) return it->second;
  if (decoded.size() >= kDecodedAccountsMax) decoded.clear();
  Json j = Json::parse(*v);
  Account a;
  a.id = j["id"].get<std::string>();
  a.org = j["org"].get<std::string>();
  a.role = j["role"].get<std::string>();
  for (const auto& k : j["keys"]) {
    KeyEntry e;
    e.key = *key_from_text(k["key"].get<std::string>());
    e.active = k["status"] == "active";
    a.keys.push_back(e);
  }
  a.threshold = j["threshold"].get<uint32_t>();
  for (auto it = j["type_thresholds"].begin(); it != j["type_thresholds"].end(); ++it)
    a.type_thresholds[it.key()] = it.value().get<uint32_t>();
  decoded.emplace(std::move(*v), a);
  return a;
}

void store_account(Overlay& st, const Account& a) {
  st.put(acct_key(a.id), a.to_json().dump());
  for (const auto& k : a.keys) st.put("key/" + to_hex(k.key), a.id);
}

std::optional<std::string> org_role(const StateReader& st, std::string_view org) {
  auto v = st.get("org/" + std::string(org));
  if (!v) return std::nullopt;
  return Json::parse(*v)["role"].get<std::string>();
}

std::optional<std::string> key_owner(const StateReader& st, const PublicKey& key) {
  return st.get("key/" + to_hex(key));
}

uint64_t last_nonce(const StateReader& st, std::string_view account) {
  return parse_u64_or0(st.get("nonce/" + std::string(account)));
}

Status check_tx(const StateReader& st, const Params& params, const Tx& tx, uint64_t height,
                uint64_t last_used_nonce, Account* sender) {
  const Payload& p = tx.payload;
  if (p.chain != params.chain_id)
    return err("tx.wrong_chain",
               "the tx is for chain '" + p.chain + "', this is '" + params.chain_id + "'");
  if (!find_handler(p.type)) return err("tx.unknown_type", "unknown tx type '" + p.type + "'");
  if (p.expires < height)
    return err("tx.expired", "the tx expired at height " + std::to_string(p.expires) +
                                 "; the chain is at " + std::to_string(height));
  auto acct = load_account(st, p.from);
  if (!acct) return err("tx.unknown_account", "no account '" + p.from + "'", 404);
  uint32_t valid = 0;
  for (const auto& s : tx.signatures) {
    const KeyEntry* found = nullptr;
    for (const auto& k : acct->keys)
      if (k.key == s.key) found = &k;
    if (!found)
      return err("tx.unknown_key", key_to_text(s.key) + " is not a key of '" + p.from + "'", 401);
    if (!found->active) return err("tx.revoked_key", key_to_text(s.key) + " was revoked", 401);
    ++valid;
  }
  uint32_t need = acct->threshold_for(p.type);
  if (valid < need)
    return err("tx.insufficient_signatures",
               p.type + " from '" + p.from + "' needs " + std::to_string(need) +
                   " signatures, has " + std::to_string(valid),
               401);
  if (!params.allowed(p.type, acct->role))
    return err("tx.unauthorized_type", "role '" + acct->role + "' may not send " + p.type, 403);
  if (p.nonce <= last_used_nonce)
    return err("tx.nonce_replayed",
               "nonce " + std::to_string(p.nonce) + " of '" + p.from + "' was already used (last " +
                   std::to_string(last_used_nonce) + ")",
               409);
  if (p.nonce > last_used_nonce + 1)
    return err("tx.nonce_skipped",
               "nonce " + std::to_string(p.nonce) + " skips ahead; next is " +
                   std::to_string(last_used_nonce + 1),
               409);
  if (sender) *sender = std::move(*acct);
  return ok_status();
}

// ---- handlers ----

namespace {

Result<std::vector<PublicKey>> read_keys(const Json& body, std::string_view field, bool required) {
  std::vector<PublicKey> out;
  if (!body.contains(field)) {
    if (required) return err("tx.malformed", "body." + std::string(field) + " is required");
    return out;
  }
  const Json& ks = body[std::string(field)];
  if (!ks.is_array() || ks.size() > limits::account_keys_max)
    return err("tx.malformed", "body." + std::string(field) + " must be a list of at most 16 keys");
  for (const auto& k : ks) {
    auto pk = k.is_string() ? key_from_text(k.get<std::string>()) : std::nullopt;
    if (!pk) return err("tx.malformed", "keys are 'ed25519:<64 hex>'");
    for (const auto& prev : out)
      if (prev == *pk) return err("tx.malformed", "a key is listed twice");
    out.push_back(*pk);
  }
  return out;
}

bool is_regulator(const TxEnv& env) { return env.sender_role == "regulator"; }

// identity.org.register {org, name, role}
Status org_check(const Json& b) {
  Fields f(b, "identity.org.register");
  if (auto s = f.only({"org", "name", "role"}); !s) return s;
  if (auto s = f.id("org"); !s) return s.error();
  if (auto s = f.text("name", true); !s) return s.error();
  auto r = f.id("role");
  if (!r) return r.error();
  if (!valid_role(*r)) return err("tx.malformed", "unknown role '" + *r + "'");
  return ok_status();
}
Status org_apply(TxEnv& env) {
  const Json& b = env.tx.payload.body;
  std::string org = b["org"];
  if (env.st.get("org/" + org)) return err("identity.org_exists", "org '" + org + "' exists");
  if (b["role"] == "regulator")
    return err("identity.second_regulator", "there is one regulator org, named in genesis");
  env.st.put("org/" + org, Json({{"name", b["name"]}, {"role", b["role"]}}).dump());
  return ok_status();
}

// identity.account.create {account, org, keys, threshold?}
Status acct_check(const Json& b) {
  Fields f(b, "identity.account.create");
  if (auto s = f.only({"account", "org", "keys", "threshold"}); !s) return s;
  if (auto s = f.id("account"); !s) return s.error();
  if (auto s = f.id("org"); !s) return s.error();
  auto ks = read_keys(b, "keys", true);
  if (!ks) return ks.error();
  if (ks->empty()) return err("tx.malformed", "an account needs at least one key");
  if (f.has("threshold")) {
    auto t = f.u64("threshold", 1, ks->size());
    if (!t) return t.error();
  }
  return ok_status();
}
Status acct_apply(TxEnv& env) {
  const Json& b = env.tx.payload.body;
  Account a;
  a.id = b["account"];
  a.org = b["org"];
  if (load_account(env.st, a.id))
    return err("identity.account_exists", "account '" + a.id + "' exists");
  auto role = org_role(env.st, a.org);
  if (!role) return err("identity.unknown_org", "no org '" + a.org + "'");
  a.role = *role;
  auto keys = read_keys(b, "keys", true);
  for (const auto& pk : *keys) {
    if (key_owner(env.st, pk))
      return err("identity.key_in_use", key_to_text(pk) + " already belongs to an account");
    a.keys.push_back({pk, true});
  }
  if (b.contains("threshold")) a.threshold = static_cast<uint32_t>(*json_u64(b["threshold"]));
  store_account(env.st, a);
  env.touch(a.id);
  return ok_status();
}

// identity.key.rotate {account?, add?, remove?}: the account itself or the regulator.
Status rotate_check(const Json& b) {
  Fields f(b, "identity.key.rotate");
  if (auto s = f.only({"account", "add", "remove"}); !s) return s;
  if (f.has("account"))
    if (auto s = f.id("account"); !s) return s.error();
  auto add = read_keys(b, "add", false);
  if (!add) return add.error();
  auto rm = read_keys(b, "remove", false);
  if (!rm) return rm.error();
  if (add->empty() && rm->empty()) return err("tx.malformed", "add or remove at least one key");
  return ok_status();
}

Result<Account> target_account(TxEnv& env) {
  const Json& b = env.tx.payload.body;
  std::string id = b.contains("account") ? b["account"].get<std::string>() : env.tx.payload.from;
  if (id != env.tx.payload.from && !is_regulator(env))
    return err("identity.not_authorized", "only the account itself or the regulator may");
  auto a = load_account(env.st, id);
  if (!a) return err("identity.unknown_account", "no account '" + id + "'");
  return *a;
}

uint32_t active_keys(const Account& a) {
  uint32_t n = 0;
  for (const auto& k : a.keys) n += k.active;
  return n;
}

Status check_thresholds_reachable(const Account& a) {
  uint32_t n = active_keys(a);
  if (n == 0) return err("identity.no_active_key", "an account must keep one active key");
  if (a.threshold > n) return err("identity.threshold_unreachable", "threshold above active keys");
  for (const auto& [t, k] : a.type_thresholds)
    if (k > n) return err("identity.threshold_unreachable", "threshold for " + t + " too high");
  return ok_status();
}

Status rotate_apply(TxEnv& env) {
  auto a = target_account(env);
  if (!a) return a.error();
  const Json& b = env.tx.payload.body;
  auto removed = read_keys(b, "remove", false);
  for (const auto& pk : *removed) {
    bool found = false;
    for (auto& k : a->keys)
      if (k.key == pk && k.active) k.active = false, found = true;
    if (!found) return err("identity.unknown_key", key_to_text(pk) + " is not an active key");
  }
  auto added = read_keys(b, "add", false);
  for (const auto& pk : *added) {
    if (key_owner(env.st, pk))
      return err("identity.key_in_use", key_to_text(pk) + " already belongs to an account");
    if (a->keys.size() >= limits::account_keys_max)
      return err("identity.too_many_keys", "an account holds at most 16 keys (revoked count)");
    a->keys.push_back({pk, true});
  }
  if (auto s = check_thresholds_reachable(*a); !s) return s;
  store_account(env.st, *a);
  env.touch(a->id);
  return ok_status();
}

// identity.key.revoke {account?, key}
Status revoke_check(const Json& b) {
  Fields f(b, "identity.key.revoke");
  if (auto s = f.only({"account", "key"}); !s) return s;
  if (f.has("account"))
    if (auto s = f.id("account"); !s) return s.error();
  if (!b.contains("key") || !b["key"].is_string() || !key_from_text(b["key"].get<std::string>()))
    return err("tx.malformed", "body.key must be 'ed25519:<64 hex>'");
  return ok_status();
}
Status revoke_apply(TxEnv& env) {
  auto a = target_account(env);
  if (!a) return a.error();
  PublicKey pk = *key_from_text(env.tx.payload.body["key"].get<std::string>());
  bool found = false;
  for (auto& k : a->keys)
    if (k.key == pk && k.active) k.active = false, found = true;
  if (!found) return err("identity.unknown_key", key_to_text(pk) + " is not an active key");
  if (auto s = check_thresholds_reachable(*a); !s) return s;
  store_account(env.st, *a);
  env.touch(a->id);
  return ok_status();
}

// identity.policy.set {account?, threshold?, type_thresholds?: {type: n}}
Status policy_check(const Json& b) {
  Fields f(b, "identity.policy.set");
  if (auto s = f.only({"account", "threshold", "type_thresholds"}); !s) return s;
  if (f.has("account"))
    if (auto s = f.id("account"); !s) return s.error();
  if (f.has("threshold"))
    if (auto s = f.u64("threshold", 1, limits::account_keys_max); !s) return s.error();
  if (f.has("type_thresholds")) {
    const Json& tt = b["type_thresholds"];
    if (!tt.is_object() || tt.size() > 64)
      return err("tx.malformed", "type_thresholds is an object {type: n}");
    for (auto it = tt.begin(); it != tt.end(); ++it) {
      auto n = json_u64(it.value());
      if (!n || *n < 1 || *n > limits::account_keys_max)
        return err("tx.malformed", "type_thresholds values are 1..16");
    }
  }
  return ok_status();
}
Status policy_apply(TxEnv& env) {
  auto a = target_account(env);
  if (!a) return a.error();
  const Json& b = env.tx.payload.body;
  if (b.contains("threshold")) a->threshold = static_cast<uint32_t>(*json_u64(b["threshold"]));
  if (b.contains("type_thresholds")) {
    a->type_thresholds.clear();
    for (auto it = b["type_thresholds"].begin(); it != b["type_thresholds"].end(); ++it) {
      if (!find_handler(it.key()))
        return err("identity.unknown_type", "no tx type '" + it.key() + "'");
      a->type_thresholds[it.key()] = static_cast<uint32_t>(*json_u64(it.value()));
    }
  }
  if (auto s = check_thresholds_reachable(*a); !s) return s;
  store_account(env.st, *a);
  env.touch(a->id);
  return ok_status();
}

// governance.permissions.set {type, roles}: the regulator changes the permission table.
Status perm_check(const Json& b) {
  Fields f(b, "governance.permissions.set");
  if (auto s = f.only({"type", "roles"}); !s) return s;
  if (auto s = f.text("type", true); !s) return s.error();
  if (!b.contains("roles") || !b["roles"].is_array())
    return err("tx.malformed", "body.roles is a list of roles (or [\"*\"])");
  for (const auto& r : b["roles"])
    if (!r.is_string() || (r != "*" && !valid_role(r.get<std::string>())))
      return err("tx.malformed", "unknown role in body.roles");
  return ok_status();
}
Status perm_apply(TxEnv& env) {
  const Json& b = env.tx.payload.body;
  std::string type = b["type"];
  if (!find_handler(type)) return err("identity.unknown_type", "no tx type '" + type + "'");
  auto pj = Json::parse(*env.st.get("meta/params"));
  pj["permissions"][type] = b["roles"];
  env.st.put("meta/params", pj.dump());
  env.params_changed = true;
  return ok_status();
}

const TxHandler kHandlers[] = {
    {"identity.org.register", org_check, org_apply},
    {"identity.account.create", acct_check, acct_apply},
    {"identity.key.rotate", rotate_check, rotate_apply},
    {"identity.key.revoke", revoke_check, revoke_apply},
    {"identity.policy.set", policy_check, policy_apply},
    {"governance.permissions.set", perm_check, perm_apply},
};

}  // namespace

std::span<const TxHandler> identity_handlers() { return kHandlers; }

}  // namespace tanso
