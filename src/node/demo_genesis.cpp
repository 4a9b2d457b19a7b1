// Builds the demo and minimal genesis documents and their key files.
#include "node/demo_genesis.h"

#include <filesystem>

#include "core/tx.h"
#include "node/keyfile.h"

namespace tanso {

namespace {

struct Builder {
  std::string keys_dir;
  Json orgs = Json::array(), accounts = Json::array();

  Result<std::string> key(const std::string& file, const std::string& account) {
    KeyFile kf = new_key(account);
    if (auto s = write_key_file(keys_dir + "/" + file + ".json", kf); !s) return s.error();
    return key_to_text(kf.key.pub);
  }
  Status org(const std::string& id, const std::string& name, const std::string& role) {
    orgs.push_back({{"org", id}, {"name", name}, {"role", role}});
    auto k = key(id, id);
    if (!k) return k.error();
    accounts.push_back({{"account", id}, {"org", id}, {"keys", {*k}}});
    return ok_status();
  }
};

Status prepare_dir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return err("demo.io", "cannot create " + dir + ": " + ec.message());
  return ok_status();
}

Result<Json> regulator(Builder& b, unsigned officers, unsigned threshold) {
  b.orgs.push_back(
      {{"org", "moe"}, {"name", "Ministry of Environment (GIR)"}, {"role", "regulator"}});
  Json keys = Json::array();
  for (unsigned i = 1; i <= officers; ++i) {
    auto k = b.key("regulator-officer" + std::to_string(i), "regulator");
    if (!k) return k.error();
    keys.push_back(*k);
  }
  return Json{{"account", "regulator"}, {"org", "moe"}, {"keys", keys}, {"threshold", threshold}};
}

}  // namespace

Result<std::string> make_minimal_genesis(const std::string& chain_id, const std::string& keys_dir,
                                         unsigned officers, unsigned threshold, uint64_t time_ms) {
  if (auto s = prepare_dir(keys_dir); !s) return s.error();
  if (officers == 0 || threshold == 0 || threshold > officers)
    return err("genesis.invalid", "need 1 <= threshold <= officers");
  Builder b{keys_dir};
  auto reg = regulator(b, officers, threshold);
  if (!reg) return reg.error();
  b.accounts.push_back(*reg);
  Json g = {
      {"chain_id", chain_id}, {"time_ms", time_ms}, {"orgs", b.orgs}, {"accounts", b.accounts}};
  return g.dump(2);
}

Result<std::string> make_demo_genesis(const std::string& chain_id, const std::string& keys_dir,
                                      uint64_t time_ms) {
  if (auto s = prepare_dir(keys_dir); !s) return s.error();
  Builder b{keys_dir};
  auto reg = regulator(b, 3, 1);
  if (!reg) return reg.error();
  // Changing the rules of the network takes two of the three officers.
  (*reg)["type_thresholds"] = {
      {"governance.permissions.set", 2}, {"identity.org.register", 2}, {"identity.policy.set", 2}};
  b.accounts.push_back(*reg);
  struct Actor {
    const char *id, *name, *role;
  };
  const Actor actors[] = {
      {"hanbit-steel", "Hanbit Steel Co.", "company"},
      {"daehan-cement", "Daehan Cement Co.", "company"},
      {"seoul-petrochem", "Seoul Petrochemical Co.", "company"},
      {"nuri-power", "Nuri Power Generation Co.", "company"},
      {"korea-verify", "Korea Verification Institute", "verifier"},
      {"kemco-cert", "Offset Certification Body", "certifier"},
      {"suwon-si", "Suwon City Hall (external project operator)", "municipality"},
      {"goyang-city", "Goyang City (citizen programs)", "municipality"},
      {"krx", "Korea Exchange (emissions market)", "exchange"},
      {"settle-bank", "Settlement Bank", "bank"},
  };
  for (const auto& a : actors)
    if (auto s = b.org(a.id, a.name, a.role); !s) return s.error();
  Json instruments = Json::array({{{"instrument", "KRW"},
                                   {"issuer", "settle-bank"},
                                   {"name", "Korean won (settlement cash)"},
                                   {"unit", "KRW"}}});
  Json balances = Json::array();
  for (const char* c : {"hanbit-steel", "daehan-cement", "seoul-petrochem", "nuri-power", "krx"})
    balances.push_back({{"account", c}, {"instrument", "KRW"}, {"amount", "5000000000"}});
  Json g = {{"chain_id", chain_id},   {"time_ms", time_ms},         {"orgs", b.orgs},
            {"accounts", b.accounts}, {"instruments", instruments}, {"balances", balances}};
  return g.dump(2);
}

}  // namespace tanso
