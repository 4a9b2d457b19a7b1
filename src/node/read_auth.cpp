// Authentication of signed reads and the read-access rule.
#include "node/read_auth.h"

#include <charconv>

#include "core/identity.h"
#include "core/limits.h"

namespace tanso {

Bytes signed_request_message(std::string_view domain, std::string_view chain,
                             std::string_view method, std::string_view target,
                             std::string_view time_s) {
  Bytes m;
  for (auto part : {domain, chain, method, target}) {
    put_bytes(m, as_bytes(part));
    m.push_back(0);
  }
  put_bytes(m, as_bytes(time_s));
  return m;
}

Bytes read_message(std::string_view chain, std::string_view method, std::string_view target,
                   std::string_view time_s) {
  return signed_request_message(kReadDomain, chain, method, target, time_s);
}

Result<std::optional<Reader>> authenticate_read(const http::Request& req, const StateReader& st,
                                                std::string_view chain, int64_t now_s) {
  std::string account = req.header("x-tanso-account"), key = req.header("x-tanso-key"),
              time_s = req.header("x-tanso-time"), sig = req.header("x-tanso-signature");
  if (account.empty() && key.empty() && time_s.empty() && sig.empty())
    return std::optional<Reader>{};
  if (account.empty() || key.empty() || time_s.empty() || sig.empty())
    return err("auth.malformed",
               "a signed read needs X-Tanso-Account, X-Tanso-Key, X-Tanso-Time and "
               "X-Tanso-Signature",
               401);
  auto pk = key_from_text(key);
  auto sb = from_hex(sig);
  int64_t t = 0;
  auto [p, ec] = std::from_chars(time_s.data(), time_s.data() + time_s.size(), t);
  if (!pk || !sb || sb->size() != 64 || ec != std::errc() || p != time_s.data() + time_s.size())
    return err("auth.malformed", "X-Tanso-Key, X-Tanso-Time or X-Tanso-Signature is malformed",
               401);
  if (t < now_s - limits::read_auth_skew_s_max || t > now_s + limits::read_auth_skew_s_max)
    return err("auth.stale", "X-Tanso-Time is more than 300 s from the node's clock", 401);
  auto acct = load_account(st, account);
  if (!acct) return err("auth.unknown_key", "no account '" + account + "'", 401);
  bool active = false;
  for (const auto& k : acct->keys) active |= (k.key == *pk && k.active);
  if (!active) return err("auth.unknown_key", key + " is not an active key of " + account, 401);
  Signature s;
  std::copy(sb->begin(), sb->end(), s.begin());
  if (!verify(*pk, read_message(chain, req.method, req.target, time_s), s))
    return err("auth.bad_signature", "the read signature does not verify", 401);
  return std::optional<Reader>(Reader{acct->id, acct->org, acct->role});
}

bool may_read_account(const std::optional<Reader>& reader, const StateReader& st,
                      std::string_view account) {
  if (!reader) return false;
  if (reader->role == "regulator") return true;
  auto a = load_account(st, account);
  return a && a->org == reader->org;
}

}  // namespace tanso
