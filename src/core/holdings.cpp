// Holdings module: instruments, issue, transfer, burn.
#include "core/holdings.h"

#include <unordered_map>

#include "core/identity.h"
#include "core/limits.h"

namespace tanso {

static std::string bal_key(std::string_view a, std::string_view i) {
  std::string k = "bal/";
  k.append(a).append("/").append(i);
  return k;
}
static std::string supply_key(std::string_view i) { return "supply/" + std::string(i); }

std::optional<Instrument> load_instrument(const StateReader& st, std::string_view id) {
  auto v = st.get("inst/" + std::string(id));
  if (!v) return std::nullopt;
  // Memoized per thread (pure function of the stored text; few instruments exist).
  thread_local std::unordered_map<std::string, Instrument> decoded;
  if (auto it = decoded.find(*v); it != decoded.end() && it->second.id == id) return it->second;
  if (decoded.size() >= 4096) decoded.clear();
  Json j = Json::parse(*v);
  Instrument in{std::string(id), j["issuer"], j["name"], j["unit"]};
  decoded.insert_or_assign(std::move(*v), in);
  return in;
}

uint64_t balance(const StateReader& st, std::string_view account, std::string_view instrument) {
  return parse_u64_or0(st.get(bal_key(account, instrument)));
}

uint64_t supply(const StateReader& st, std::string_view instrument) {
  return parse_u64_or0(st.get(supply_key(instrument)));
}

static void set_balance(Overlay& st, std::string_view a, std::string_view i, uint64_t v) {
  if (v == 0)
    st.erase(bal_key(a, i));
  else
    st.put(bal_key(a, i), u64_text(v));
}

Status issue_units(Overlay& st, std::string_view instrument, std::string_view to, uint64_t amount) {
  if (!load_instrument(st, instrument))
    return err("holdings.unknown_instrument", "no instrument '" + std::string(instrument) + "'");
  if (!load_account(st, to))
    return err("holdings.unknown_account", "no account '" + std::string(to) + "'");
  uint64_t s = supply(st, instrument);
  if (amount > limits::amount_max - s)
    return err("holdings.supply_overflow", "supply would exceed 2^62 units");
  st.put(supply_key(instrument), u64_text(s + amount));
  set_balance(st, to, instrument, balance(st, to, instrument) + amount);
  return ok_status();
}

Status burn_units(Overlay& st, std::string_view instrument, std::string_view from,
                  uint64_t amount) {
  if (!load_instrument(st, instrument))
    return err("holdings.unknown_instrument", "no instrument '" + std::string(instrument) + "'");
  uint64_t b = balance(st, from, instrument);
  if (b < amount)
    return err("holdings.insufficient_balance", std::string(from) + " holds " + u64_text(b) + " " +
                                                    std::string(instrument) + ", needs " +
                                                    u64_text(amount));
  set_balance(st, from, instrument, b - amount);
  st.put(supply_key(instrument), u64_text(supply(st, instrument) - amount));
  return ok_status();
}

Status transfer_units(Overlay& st, std::string_view instrument, std::string_view from,
                      std::string_view to, uint64_t amount) {
  if (!load_instrument(st, instrument))
    return err("holdings.unknown_instrument", "no instrument '" + std::string(instrument) + "'");
  if (from == to) return err("holdings.self_transfer", "sender and recipient are the same");
  if (!system_holder(to) && !st.get("acct/" + std::string(to)))
    return err("holdings.unknown_account", "no account '" + std::string(to) + "'");
  uint64_t b = balance(st, from, instrument);
  if (b < amount)
    return err("holdings.insufficient_balance", std::string(from) + " holds " + u64_text(b) + " " +
                                                    std::string(instrument) + ", needs " +
                                                    u64_text(amount));
  set_balance(st, from, instrument, b - amount);
  // Cannot overflow: the recipient's balance plus amount is at most the supply (<= 2^62).
  set_balance(st, to, instrument, balance(st, to, instrument) + amount);
  return ok_status();
}

std::map<std::string, std::pair<uint64_t, uint64_t>> conservation_violations(const State& st) {
  std::map<std::string, uint64_t> sums;
  st.scan("bal/", [&](const std::string& k, const std::string& v) {
    auto inst = k.substr(k.rfind('/') + 1);
    sums[inst] += parse_u64_or0(v);
  });
  std::map<std::string, std::pair<uint64_t, uint64_t>> bad;
  st.scan("inst/", [&](const std::string& k, const std::string&) {
    auto inst = k.substr(5);
    uint64_t s = supply(st, inst);
    if (sums[inst] != s) bad[inst] = {sums[inst], s};
  });
  for (const auto& [inst, sum] : sums)
    if (!st.get("inst/" + inst)) bad[inst] = {sum, 0};
  return bad;
}

namespace {

// instrument.create {instrument, name, unit}: the sender becomes the issuer.
Status create_check(const Json& b) {
  Fields f(b, "instrument.create");
  if (auto s = f.only({"instrument", "name", "unit"}); !s) return s;
  if (auto s = f.id("instrument"); !s) return s.error();
  if (auto s = f.text("name", true); !s) return s.error();
  if (auto s = f.text("unit", true); !s) return s.error();
  return ok_status();
}
Status create_apply(TxEnv& env) {
  const Json& b = env.tx.payload.body;
  std::string id = b["instrument"];
  if (load_instrument(env.st, id))
    return err("holdings.instrument_exists", "instrument '" + id + "' exists");
  env.st.put(
      "inst/" + id,
      Json({{"issuer", env.tx.payload.from}, {"name", b["name"]}, {"unit", b["unit"]}}).dump());
  env.st.put(supply_key(id), "0");
  return ok_status();
}

// holdings.issue {instrument, to, amount}: only the instrument's issuer.
Status issue_check(const Json& b) {
  Fields f(b, "holdings.issue");
  if (auto s = f.only({"instrument", "to", "amount", "memo"}); !s) return s;
  if (auto s = f.id("instrument"); !s) return s.error();
  if (auto s = f.id("to"); !s) return s.error();
  if (auto s = f.amount("amount"); !s) return s.error();
  if (auto s = f.text("memo", false); !s) return s.error();
  return ok_status();
}
Status issue_apply(TxEnv& env) {
  const Json& b = env.tx.payload.body;
  std::string inst = b["instrument"], to = b["to"];
  auto in = load_instrument(env.st, inst);
  if (!in) return err("holdings.unknown_instrument", "no instrument '" + inst + "'");
  if (in->issuer != env.tx.payload.from)
    return err("holdings.not_issuer", "only " + in->issuer + " issues " + inst);
  if (auto s = issue_units(env.st, inst, to, *json_u64(b["amount"])); !s) return s;
  env.touch(to);
  return ok_status();
}

// holdings.transfer {instrument, to, amount, memo?}
Status transfer_check(const Json& b) {
  Fields f(b, "holdings.transfer");
  if (auto s = f.only({"instrument", "to", "amount", "memo"}); !s) return s;
  if (auto s = f.id("instrument"); !s) return s.error();
  if (auto s = f.id("to"); !s) return s.error();
  if (auto s = f.amount("amount"); !s) return s.error();
  if (auto s = f.text("memo", false); !s) return s.error();
  return ok_status();
}
Status transfer_apply(TxEnv& env) {
  const Json& b = env.tx.payload.body;
  const std::string& to = b["to"].get_ref<const std::string&>();
  if (auto s = transfer_units(env.st, b["instrument"].get_ref<const std::string&>(),
                              env.tx.payload.from, to, *json_u64(b["amount"]));
      !s)
    return s;
  env.touch(to);
  return ok_status();
}

// holdings.burn {instrument, amount, memo?}: the sender burns its own units.
Status burn_check(const Json& b) {
  Fields f(b, "holdings.burn");
  if (auto s = f.only({"instrument", "amount", "memo"}); !s) return s;
  if (auto s = f.id("instrument"); !s) return s.error();
  if (auto s = f.amount("amount"); !s) return s.error();
  if (auto s = f.text("memo", false); !s) return s.error();
  return ok_status();
}
Status burn_apply(TxEnv& env) {
  const Json& b = env.tx.payload.body;
  return burn_units(env.st, b["instrument"].get<std::string>(), env.tx.payload.from,
                    *json_u64(b["amount"]));
}

const TxHandler kHandlers[] = {
    {"instrument.create", create_check, create_apply},
    {"holdings.issue", issue_check, issue_apply},
    {"holdings.transfer", transfer_check, transfer_apply},
    {"holdings.burn", burn_check, burn_apply},
};

}  // namespace

std::span<const TxHandler> holdings_handlers() { return kHandlers; }

}  // namespace tanso
