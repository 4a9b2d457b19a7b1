// Handler registry, network parameters and the strict body-field reader.
#include "core/module.h"

#include "core/limits.h"
#include "core/private_data.h"

namespace tanso {

bool Params::allowed(std::string_view type, std::string_view role) const {
  auto it = permissions.find(type);
  if (it == permissions.end()) return false;
  return it->second.contains("*") || it->second.contains(std::string(role));
}

Json Params::to_json() const {
  Json perms = Json::object();
  for (const auto& [t, roles] : permissions) perms[t] = roles;
  return {{"chain_id", chain_id}, {"permissions", perms}};
}

Result<Params> Params::from_json(const Json& j) {
  Params p;
  if (!j.is_object() || !j.contains("chain_id") || !j["chain_id"].is_string())
    return err("genesis.invalid", "params need a chain_id");
  p.chain_id = j["chain_id"].get<std::string>();
  if (j.contains("permissions")) {
    if (!j["permissions"].is_object()) return err("genesis.invalid", "permissions: an object");
    for (auto it = j["permissions"].begin(); it != j["permissions"].end(); ++it) {
      if (!it.value().is_array()) return err("genesis.invalid", "permissions: type -> [roles]");
      std::set<std::string> roles;
      for (const auto& r : it.value()) {
        if (!r.is_string()) return err("genesis.invalid", "permissions: roles are strings");
        roles.insert(r.get<std::string>());
      }
      p.permissions[it.key()] = std::move(roles);
    }
  }
  return p;
}

const TxHandler* find_handler(std::string_view type) {
  for (auto mod : {identity_handlers(), holdings_handlers(), ets_handlers(), mrv_handlers(),
                   mrv_registry_handlers(), mrv_statement_handlers(), cash_handlers(),
                   market_handlers(), private_handlers()})
    for (const auto& h : mod)
      if (h.type == type) return &h;
  return nullptr;
}

std::vector<std::string_view> handler_types() {
  std::vector<std::string_view> out;
  for (auto mod : {identity_handlers(), holdings_handlers(), ets_handlers(), mrv_handlers(),
                   mrv_registry_handlers(), mrv_statement_handlers(), cash_handlers(),
                   market_handlers(), private_handlers()})
    for (const auto& h : mod) out.push_back(h.type);
  return out;
}

Error Fields::bad(std::string_view key, std::string_view what) const {
  return err("tx.malformed",
             std::string(type_) + ": body." + std::string(key) + " " + std::string(what));
}

Status Fields::only(std::initializer_list<std::string_view> allowed) const {
  for (auto it = body_.begin(); it != body_.end(); ++it) {
    bool known = false;
    for (auto a : allowed) known |= (a == it.key());
    if (!known)
      return err("tx.unknown_field",
                 std::string(type_) + ": unknown body field '" + it.key() + "'");
  }
  return ok_status();
}

Result<std::string> Fields::id(std::string_view key) const {
  auto it = body_.find(key);
  if (it == body_.end()) return bad(key, "is required");
  if (!it->is_string() || !valid_id(it->get_ref<const std::string&>()))
    return bad(key, "must be an identifier (1-64 of [A-Za-z0-9._:-])");
  return it->get<std::string>();
}

Result<std::string> Fields::text(std::string_view key, bool required) const {
  auto it = body_.find(key);
  if (it == body_.end()) {
    if (required) return bad(key, "is required");
    return std::string();
  }
  if (!it->is_string() || it->get_ref<const std::string&>().size() > limits::text_chars_max)
    return bad(key, "must be a string of at most 256 bytes");
  return it->get<std::string>();
}

Result<uint64_t> Fields::u64(std::string_view key, uint64_t min, uint64_t max) const {
  auto it = body_.find(key);
  if (it == body_.end()) return bad(key, "is required");
  auto v = json_u64(*it);
  if (!v || *v < min || *v > max)
    return bad(key, "must be an integer from " + std::to_string(min) + " to " +
                        std::to_string(max) + " (a number or a decimal string)");
  return *v;
}

Result<uint64_t> Fields::amount(std::string_view key) const {
  return u64(key, 1, limits::amount_max);
}

}  // namespace tanso
