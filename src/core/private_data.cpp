// private.commit and the commitment scheme (core/private_data.h).
#include "core/private_data.h"

#include <algorithm>

#include "core/crypto.h"
#include "core/identity.h"
#include "core/limits.h"

namespace tanso {
namespace {

bool lower_hex64(const Json& v) {
  if (!v.is_string()) return false;
  const auto& s = v.get_ref<const std::string&>();
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

Status commit_check(const Json& b) {
  Fields f(b, "private.commit");
  if (auto s = f.only({"hash", "scheme", "orgs", "kind", "ref"}); !s) return s;
  if (!b.contains("hash") || !lower_hex64(b["hash"]))
    return err("tx.malformed", "private.commit: body.hash must be 64 lower-case hex digits");
  if (b.contains("scheme") && b["scheme"] != kPrivatePlain && b["scheme"] != kPrivateSalted)
    return err("tx.malformed",
               "private.commit: body.scheme must be \"sha256\" or "
               "\"salted-sha256\"");
  if (b.contains("orgs")) {
    const Json& o = b["orgs"];
    if (!o.is_array() || o.size() > limits::private_orgs_max)
      return err("tx.malformed", "private.commit: body.orgs must be an array of at most " +
                                     std::to_string(limits::private_orgs_max) + " org ids");
    std::vector<std::string> seen;
    for (const auto& e : o) {
      if (!e.is_string() || !valid_id(e.get_ref<const std::string&>()))
        return err("tx.malformed", "private.commit: body.orgs holds org ids");
      if (std::find(seen.begin(), seen.end(), e.get<std::string>()) != seen.end())
        return err("tx.malformed", "private.commit: org '" + e.get<std::string>() +
                                       "' is listed twice in body.orgs");
      seen.push_back(e.get<std::string>());
    }
  }
  if (auto s = f.id("kind"); !s) return s.error();
  if (auto s = f.text("ref", false); !s) return s.error();
  return ok_status();
}

Status commit_apply(TxEnv& env) {
  const Json& b = env.tx.payload.body;
  auto sender = load_account(env.st, env.tx.payload.from);
  if (!sender) return err("private.unknown_org", "the sender has no account");
  std::vector<std::string> orgs = {sender->org};
  for (const auto& o : b.value("orgs", Json::array())) {
    std::string org = o.get<std::string>();
    if (!org_role(env.st, org))
      return err("private.unknown_org", "no org '" + org + "' is registered");
    orgs.push_back(org);
  }
  std::sort(orgs.begin(), orgs.end());
  orgs.erase(std::unique(orgs.begin(), orgs.end()), orgs.end());
  Json rec = {{"hash", b["hash"]},
              {"scheme", b.value("scheme", std::string(kPrivatePlain))},
              {"orgs", orgs},
              {"kind", b["kind"]},
              {"from", env.tx.payload.from},
              {"height", env.height}};
  if (b.contains("ref")) rec["ref"] = b["ref"];
  env.st.put("priv/" + to_hex(env.tx.id), rec.dump());
  return ok_status();
}

const TxHandler kHandlers[] = {
    {"private.commit", commit_check, commit_apply},
};

}  // namespace

std::span<const TxHandler> private_handlers() { return kHandlers; }

Json PrivateCommitment::to_json() const {
  Json j = {{"id", to_hex(id)}, {"hash", to_hex(hash)}, {"scheme", scheme},
            {"orgs", orgs},     {"kind", kind},         {"height", height}};
  if (!ref.empty()) j["ref"] = ref;
  return j;
}

std::optional<PrivateCommitment> load_private(const StateReader& st, const Hash& id) {
  auto v = st.get("priv/" + to_hex(id));
  if (!v) return std::nullopt;
  Json j = Json::parse(*v);
  PrivateCommitment c;
  c.id = id;
  c.hash = *hash_from_hex(j["hash"].get<std::string>());
  c.scheme = j["scheme"];
  c.orgs = j["orgs"].get<std::vector<std::string>>();
  c.kind = j["kind"];
  c.ref = j.value("ref", "");
  c.from = j["from"];
  c.height = j["height"];
  return c;
}

bool private_may_hold(const StateReader& st, const PrivateCommitment& c, std::string_view org) {
  if (std::binary_search(c.orgs.begin(), c.orgs.end(), org)) return true;
  auto role = org_role(st, org);
  return role && *role == "regulator";
}

Hash private_salted_hash(ByteView salt, ByteView value) {
  Bytes m;
  put_bytes(m, as_bytes(kPrivateSaltDomain));
  m.push_back(0);
  put_bytes(m, salt);
  put_bytes(m, value);
  return sha256(ByteView(m.data(), m.size()));
}

Result<Hash> private_copy_hash(std::string_view scheme, ByteView bytes,
                               const std::optional<Bytes>& salt) {
  if (scheme == kPrivateSalted) {
    if (!salt || salt->size() != kPrivateSaltBytes)
      return err("private.bad_salt",
                 "a salted commitment needs its salt: 32 bytes as 64 hex digits");
    return private_salted_hash(ByteView(salt->data(), salt->size()), bytes);
  }
  if (salt) return err("private.bad_salt", "this commitment is a plain SHA-256: no salt");
  return sha256(bytes);
}

}  // namespace tanso
