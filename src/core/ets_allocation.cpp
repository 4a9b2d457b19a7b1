// K-ETS supply side: yearly allocation plans (ets.plan.set), batch allocation orders that issue
// every company's KAU atomically (ets.allocation.order), and KCU issuance (ets.kcu.issue).
#include <set>

#include "core/ets.h"
#include "core/holdings.h"
#include "core/limits.h"

namespace tanso {
namespace ets {

// ets.plan.set {year, cap, auction?}: the regulator sets (or revises) the year's allocation plan:
// cap = every KAU of the year (tCO2e), auction = the share of the cap reserved for auction (for
// the record and the preview; orders of any basis count against the cap). A revision may not
// take the cap below what was already allocated, and a settled year's plan is final.
// Creates KAU-<year> if missing.
Status plan_set_check(const Json& b) {
  Fields f(b, "ets.plan.set");
  if (auto s = f.only({"year", "cap", "auction"}); !s) return s;
  if (auto y = year_field(b, "ets.plan.set", "year"); !y) return y.error();
  auto cap = f.amount("cap");
  if (!cap) return cap.error();
  if (f.has("auction")) {
    auto a = f.u64("auction", 0, limits::amount_max);
    if (!a) return a.error();
    if (*a > *cap) return malformed("ets.plan.set", "body.auction exceeds body.cap");
  }
  return ok_status();
}

Status plan_set_apply(TxEnv& env) {
  const Json& b = env.tx.payload.body;
  uint32_t year = static_cast<uint32_t>(*json_u64(b["year"]));
  uint64_t cap = *json_u64(b["cap"]);
  uint64_t auction = b.contains("auction") ? *json_u64(b["auction"]) : 0;
  auto params = load_ets_params(env.st);
  if (auto ph = phase_for(*params, year); !ph) return ph.error();
  if (settled(env.st, year))
    return err("ets.already_settled", std::to_string(year) + " is settled; its plan is final");
  uint64_t allocated = get_u64(env.st, sum_key(year, "allocated"));
  if (cap < allocated)
    return err("ets.cap_below_allocated", "cap " + u64_text(cap) + " is below the " +
                                              u64_text(allocated) + " units already allocated");
  if (auto s = ensure_instrument(env.st, kau(year)); !s) return s;
  env.st.put(year_key("plan", year), Json({{"cap", u64_text(cap)},
                                           {"auction", u64_text(auction)},
                                           {"by", env.tx.payload.from},
                                           {"height", env.height}})
                                         .dump());
  return ok_status();
}

// ets.allocation.order {order, year, entries:[[account, amount], ...], basis?}: the regulator's
// batch order ("e-order") issuing each listed company its KAU-<year>, all or nothing. Every
// account must be designated for the year, listed once, with an amount >= 1; the order id is
// used once (re-issuing it is ets.duplicate_order); the plan must exist, and what was allocated
// so far plus this order stays within its cap. The signatures it needs (2 of 3 officers) come
// from the sending account's type_thresholds, checked before the handler runs.
Status order_check(const Json& b) {
  constexpr std::string_view t = "ets.allocation.order";
  Fields f(b, t);
  if (auto s = f.only({"order", "year", "entries", "basis"}); !s) return s;
  if (auto s = f.id("order"); !s) return s.error();
  if (auto y = year_field(b, t, "year"); !y) return y.error();
  if (auto s = f.text("basis", false); !s) return s.error();
  if (!b.contains("entries") || !b["entries"].is_array() || b["entries"].empty() ||
      b["entries"].size() > limits::allocation_entries_max)
    return malformed(t, "body.entries must be a list of 1 to 2000 [account, amount] pairs");
  std::set<std::string_view> seen;
  for (const auto& e : b["entries"]) {
    if (!e.is_array() || e.size() != 2 || !e[0].is_string() ||
        !valid_id(e[0].get_ref<const std::string&>()))
      return malformed(t, "each entry is [account, amount]");
    const std::string& acct = e[0].get_ref<const std::string&>();
    if (auto a = u64_field(e[1], "the amount of " + acct, 1, limits::amount_max); !a)
      return a.error();
    if (!seen.insert(acct).second)
      return malformed(t, "account '" + acct + "' is listed twice in body.entries");
  }
  return ok_status();
}

Status order_apply(TxEnv& env) {
  const Json& b = env.tx.payload.body;
  std::string order = b["order"].get<std::string>();
  uint32_t year = static_cast<uint32_t>(*json_u64(b["year"]));
  auto params = load_ets_params(env.st);
  if (auto ph = phase_for(*params, year); !ph) return ph.error();
  if (env.st.get("ets/order/" + order))
    return err("ets.duplicate_order", "allocation order '" + order + "' was already issued");
  auto plan = env.st.get(year_key("plan", year));
  if (!plan)
    return err("ets.no_plan",
               "no allocation plan for " + std::to_string(year) + " (ets.plan.set first)");
  if (settled(env.st, year))
    return err("ets.already_settled", std::to_string(year) + " is settled; no more allocation");
  uint64_t cap = *json_u64(Json::parse(*plan)["cap"]);
  // Check the whole order before any unit moves.
  uint64_t total = 0;
  for (const auto& e : b["entries"]) {
    const std::string& acct = e[0].get_ref<const std::string&>();
    auto d = load_designation(env.st, acct);
    if (!d || !d->covers(year))
      return err("ets.not_designated",
                 "'" + acct + "' is not designated for " + std::to_string(year));
    total = sat_add(total, *json_u64(e[1]));
  }
  uint64_t allocated = get_u64(env.st, sum_key(year, "allocated"));
  if (total > cap || allocated > cap - total)
    return err("ets.above_cap", "the order allocates " + u64_text(total) + " on top of " +
                                    u64_text(allocated) + " already allocated; the " +
                                    std::to_string(year) + " cap is " + u64_text(cap));
  const std::string inst = kau(year);
  if (auto s = ensure_instrument(env.st, inst); !s) return s;
  for (const auto& e : b["entries"]) {
    const std::string& acct = e[0].get_ref<const std::string&>();
    uint64_t amount = *json_u64(e[1]);
    if (auto s = issue_units(env.st, inst, acct, amount); !s) return s;
    add_u64(env.st, rec_key("alloc", year, acct), amount);
    env.touch(acct);
  }
  put_u64(env.st, sum_key(year, "allocated"), allocated + total);
  env.st.put("ets/order/" + order, Json({{"year", year},
                                         {"basis", b.value("basis", "")},
                                         {"entries", b["entries"].size()},
                                         {"total", u64_text(total)},
                                         {"by", env.tx.payload.from},
                                         {"height", env.height}})
                                       .dump());
  return ok_status();
}

// ets.kcu.issue {to, amount, memo?}: the regulator issues KCU (offset credits) to an account.
// Until the credits module converts certified KOC into KCU, this is how offsets enter the
// registry; the memo should name the source (project, KOC serials).
Status kcu_issue_check(const Json& b) {
  Fields f(b, "ets.kcu.issue");
  if (auto s = f.only({"to", "amount", "memo"}); !s) return s;
  if (auto s = f.id("to"); !s) return s.error();
  if (auto s = f.amount("amount"); !s) return s.error();
  if (auto s = f.text("memo", false); !s) return s.error();
  return ok_status();
}

Status kcu_issue_apply(TxEnv& env) {
  const Json& b = env.tx.payload.body;
  const std::string& to = b["to"].get_ref<const std::string&>();
  if (auto s = ensure_instrument(env.st, kKcu); !s) return s;
  if (auto s = issue_units(env.st, kKcu, to, *json_u64(b["amount"])); !s) return s;
  env.touch(to);
  return ok_status();
}

}  // namespace ets
}  // namespace tanso
