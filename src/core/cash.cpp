// Cash deposits and withdrawals signed by the settlement bank (core/cash.h).
#include "core/cash.h"

#include "core/holdings.h"

namespace tanso {
namespace {

std::string instrument_of(const Json& b) {
  return b.contains("instrument") ? b["instrument"].get<std::string>() : std::string(kCashDefault);
}

std::string ref_key(const std::string& inst, const std::string& ref) {
  return "cash/ref/" + inst + "/" + ref;
}
std::string wd_key(const std::string& account, const std::string& request) {
  return "cash/wd/" + account + "/" + request;
}

// The sender must issue the instrument.
Status bank_of(const StateReader& st, const std::string& inst, const std::string& sender) {
  auto in = load_instrument(st, inst);
  if (!in) return err("cash.unknown_instrument", "no instrument '" + inst + "'");
  if (in->issuer != sender)
    return err("cash.not_issuer", "only " + in->issuer + " issues and burns " + inst);
  return ok_status();
}

Status use_reference(Overlay& st, const std::string& inst, const std::string& ref,
                     std::string_view kind, const std::string& account, uint64_t amount,
                     uint64_t height) {
  std::string k = ref_key(inst, ref);
  if (st.get(k))
    return err("cash.duplicate_reference", "reference '" + ref + "' was already used for " + inst);
  st.put(
      k,
      Json({{"kind", kind}, {"account", account}, {"amount", u64_text(amount)}, {"height", height}})
          .dump());
  return ok_status();
}

Status deposit_check(const Json& b) {
  Fields f(b, "cash.deposit");
  if (auto s = f.only({"instrument", "to", "amount", "reference"}); !s) return s;
  if (f.has("instrument"))
    if (auto s = f.id("instrument"); !s) return s.error();
  if (auto s = f.id("to"); !s) return s.error();
  if (auto s = f.amount("amount"); !s) return s.error();
  if (auto s = f.id("reference"); !s) return s.error();
  return ok_status();
}
Status deposit_apply(TxEnv& env) {
  const Json& b = env.tx.payload.body;
  std::string inst = instrument_of(b), to = b["to"];
  uint64_t amount = *json_u64(b["amount"]);
  if (auto s = bank_of(env.st, inst, env.tx.payload.from); !s) return s;
  if (auto s = use_reference(env.st, inst, b["reference"], "deposit", to, amount, env.height); !s)
    return s;
  if (auto s = issue_units(env.st, inst, to, amount); !s) return s;
  env.touch(to);
  return ok_status();
}

Status request_check(const Json& b) {
  Fields f(b, "cash.withdraw.request");
  if (auto s = f.only({"instrument", "amount", "request"}); !s) return s;
  if (f.has("instrument"))
    if (auto s = f.id("instrument"); !s) return s.error();
  if (auto s = f.amount("amount"); !s) return s.error();
  if (auto s = f.id("request"); !s) return s.error();
  return ok_status();
}
Status request_apply(TxEnv& env) {
  const Json& b = env.tx.payload.body;
  const std::string& from = env.tx.payload.from;
  std::string inst = instrument_of(b), req = b["request"];
  uint64_t amount = *json_u64(b["amount"]);
  if (!load_instrument(env.st, inst))
    return err("cash.unknown_instrument", "no instrument '" + inst + "'");
  std::string k = wd_key(from, req);
  if (env.st.get(k)) return err("cash.duplicate_request", "request '" + req + "' exists");
  if (uint64_t have = balance(env.st, from, inst); have < amount)
    return err("cash.insufficient_funds",
               from + " holds " + u64_text(have) + " " + inst + ", asks " + u64_text(amount));
  if (auto s = transfer_units(env.st, inst, from, kCashEscrow, amount); !s) return s;
  env.st.put(k, Json({{"instrument", inst},
                      {"amount", u64_text(amount)},
                      {"status", "pending"},
                      {"height", env.height}})
                    .dump());
  return ok_status();
}

// Loads a pending request for the bank: {record, instrument, amount}.
struct Pending {
  Json rec;
  std::string inst;
  uint64_t amount = 0;
};
Result<Pending> pending(const TxEnv& env, const std::string& account, const std::string& req) {
  auto v = env.st.get(wd_key(account, req));
  if (!v) return err("cash.unknown_request", "no withdrawal request '" + req + "' of " + account);
  Pending p{Json::parse(*v), "", 0};
  p.inst = p.rec["instrument"];
  p.amount = *json_u64(p.rec["amount"]);
  if (auto s = bank_of(env.st, p.inst, env.tx.payload.from); !s) return s.error();
  if (p.rec["status"] != "pending")
    return err("cash.request_closed",
               "request '" + req + "' is " + p.rec["status"].get<std::string>());
  return p;
}

Status withdraw_check(const Json& b) {
  Fields f(b, "cash.withdraw");
  if (auto s = f.only({"account", "request", "reference"}); !s) return s;
  if (auto s = f.id("account"); !s) return s.error();
  if (auto s = f.id("request"); !s) return s.error();
  if (auto s = f.id("reference"); !s) return s.error();
  return ok_status();
}
Status withdraw_apply(TxEnv& env) {
  const Json& b = env.tx.payload.body;
  std::string account = b["account"], req = b["request"], ref = b["reference"];
  auto p = pending(env, account, req);
  if (!p) return p.error();
  if (auto s = use_reference(env.st, p->inst, ref, "withdrawal", account, p->amount, env.height);
      !s)
    return s;
  if (auto s = burn_units(env.st, p->inst, kCashEscrow, p->amount); !s) return s;
  p->rec["status"] = "paid";
  p->rec["reference"] = ref;
  env.st.put(wd_key(account, req), p->rec.dump());
  env.touch(account);
  return ok_status();
}

Status reject_check(const Json& b) {
  Fields f(b, "cash.withdraw.reject");
  if (auto s = f.only({"account", "request", "reason"}); !s) return s;
  if (auto s = f.id("account"); !s) return s.error();
  if (auto s = f.id("request"); !s) return s.error();
  if (auto s = f.text("reason", false); !s) return s.error();
  return ok_status();
}
Status reject_apply(TxEnv& env) {
  const Json& b = env.tx.payload.body;
  std::string account = b["account"], req = b["request"];
  auto p = pending(env, account, req);
  if (!p) return p.error();
  if (auto s = transfer_units(env.st, p->inst, kCashEscrow, account, p->amount); !s) return s;
  p->rec["status"] = "rejected";
  if (b.contains("reason")) p->rec["reason"] = b["reason"];
  env.st.put(wd_key(account, req), p->rec.dump());
  env.touch(account);
  return ok_status();
}

// cash.withdraw.cancel {request}: the holder takes back a request the bank has not handled. The
// bank pays out off-ledger only once its cash.withdraw is committed, so a cancel before that
// leaves nothing to pay.
Status cancel_check(const Json& b) {
  Fields f(b, "cash.withdraw.cancel");
  if (auto s = f.only({"request"}); !s) return s;
  if (auto s = f.id("request"); !s) return s.error();
  return ok_status();
}
Status cancel_apply(TxEnv& env) {
  const std::string& from = env.tx.payload.from;
  std::string req = env.tx.payload.body["request"];
  auto v = env.st.get(wd_key(from, req));
  if (!v) return err("cash.unknown_request", "no withdrawal request '" + req + "' of " + from);
  Json rec = Json::parse(*v);
  if (rec["status"] != "pending")
    return err("cash.request_closed",
               "request '" + req + "' is " + rec["status"].get<std::string>());
  if (auto s = transfer_units(env.st, rec["instrument"].get<std::string>(), kCashEscrow, from,
                              *json_u64(rec["amount"]));
      !s)
    return s;
  rec["status"] = "cancelled";
  env.st.put(wd_key(from, req), rec.dump());
  return ok_status();
}

const TxHandler kHandlers[] = {
    {"cash.deposit", deposit_check, deposit_apply},
    {"cash.withdraw.request", request_check, request_apply},
    {"cash.withdraw", withdraw_check, withdraw_apply},
    {"cash.withdraw.reject", reject_check, reject_apply},
    {"cash.withdraw.cancel", cancel_check, cancel_apply},
};

}  // namespace

std::span<const TxHandler> cash_handlers() { return kHandlers; }

}  // namespace tanso
