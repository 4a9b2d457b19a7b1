// K-ETS compliance: certified emissions (ets.emissions.certify, and record_certified for the MRV
// module's certified statements), surrender (ets.surrender), banking and borrowing between years
// (ets.bank, ets.borrow), the year's average price (ets.price.set), settlement with penalties
// (ets.compliance.settle) and the companies' projections for their position reports
// (ets.position.project).
#include <algorithm>
#include <tuple>

#include "core/ets.h"
#include "core/holdings.h"
#include "core/limits.h"
#include "core/market_data.h"

namespace tanso {
namespace ets {

namespace {

// 128-bit products: a penalty (shortfall x KRW per tonne) can exceed 2^64 KRW, and a total of
// penalties more so. GCC and Clang both have the type; it never leaves this file but as text.
__extension__ typedef unsigned __int128 u128;

std::string u128_text(u128 v) {
  if (v == 0) return "0";
  std::string s;
  while (v > 0) {
    s.push_back(static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  }
  std::reverse(s.begin(), s.end());
  return s;
}

uint32_t year_of(const Json& b, std::string_view key = "year") {
  return static_cast<uint32_t>(*json_u64(b[std::string(key)]));
}

// The sender (or the named company) must be designated for the year.
Status require_designated(const StateReader& st, std::string_view account, uint32_t year) {
  auto d = load_designation(st, account);
  if (!d || !d->covers(year))
    return err("ets.not_designated",
               "'" + std::string(account) + "' is not designated for " + std::to_string(year));
  return ok_status();
}

Status year_check(const Json& b, std::string_view type,
                  std::initializer_list<std::string_view> only) {
  Fields f(b, type);
  if (auto s = f.only(only); !s) return s;
  if (auto y = year_field(b, type, "year"); !y) return y.error();
  return ok_status();
}

std::string surr_key(uint32_t year, std::string_view account, std::string_view inst) {
  std::string k = rec_key("surr", year, account);
  k.append("/").append(inst);
  return k;
}

}  // namespace

Result<std::optional<uint64_t>> record_certified(TxEnv& env, const std::string& company,
                                                 uint32_t year, uint64_t tco2e,
                                                 std::optional<uint64_t> statement_revision) {
  auto params = load_ets_params(env.st);
  if (auto ph = phase_for(*params, year); !ph) return ph.error();
  if (auto s = require_designated(env.st, company, year); !s) return s.error();
  if (settled(env.st, year))
    return err("ets.already_settled",
               std::to_string(year) + " is settled; its certifications are final");
  const std::string src_key = rec_key("cert_src", year, company);
  if (auto src = env.st.get(src_key))
    return err("ets.certified_by_statement",
               company + "'s emissions for " + std::to_string(year) +
                   " were certified from its verified MRV statement (" + *src +
                   "); that certification is final");
  auto old = certified(env.st, year, company);
  std::string total = sum_key(year, "certified");
  uint64_t sum = get_u64(env.st, total);
  sum -= std::min(sum, old.value_or(0));  // the total held the old figure (unless saturated)
  put_u64(env.st, total, sat_add(sum, tco2e));
  if (!old) add_u64(env.st, sum_key(year, "certified_companies"), 1);
  env.st.put(rec_key("cert", year, company), u64_text(tco2e));
  if (statement_revision)
    env.st.put(src_key, "mrv.statement revision " + std::to_string(*statement_revision));
  env.touch(company);
  return old;
}

// ets.emissions.certify {company, year, tco2e}: the regulator records a designated company's
// certified emissions for the year, i.e. its surrender obligation. A later certification replaces
// the earlier one until the year is settled (corrections after verification are normal; the
// deadline does not freeze it, settlement does); units already surrendered stay retired. Once an
// MRV statement has been certified for the company and year (mrv.statement.certify, which goes
// through record_certified above, core/ets.h), the figure is final: ets.certified_by_statement.
Status certify_check(const Json& b) {
  constexpr std::string_view t = "ets.emissions.certify";
  if (auto s = year_check(b, t, {"company", "year", "tco2e"}); !s) return s;
  Fields f(b, t);
  if (auto s = f.id("company"); !s) return s.error();
  if (auto s = f.u64("tco2e", 0, limits::amount_max); !s) return s.error();
  return ok_status();
}

Status certify_apply(TxEnv& env) {
  const Json& b = env.tx.payload.body;
  auto r = record_certified(env, b["company"].get<std::string>(), year_of(b), *json_u64(b["tco2e"]),
                            std::nullopt);
  if (!r) return r.error();
  return ok_status();
}

// ets.surrender {year, units:[[instrument, amount], ...]}: a designated company retires units
// against its obligation for the year, before the year's deadline (ets.deadline_passed after).
// Eligible: KAU-<year> (units banked from earlier years have become KAU-<year> through
// ets.bank; another vintage is ets.wrong_vintage, any other instrument ets.ineligible_instrument)
// and KCU, which needs the certified obligation (ets.not_certified) and stays within the phase's
// offset cap: KCU surrendered for the year <= floor(offset_cap_bp x obligation / 10000)
// (ets.offset_cap). Once the obligation is certified, a surrender beyond it is refused
// (ets.surrender_exceeds_obligation): retired units are never returned, so an excess would be
// lost (before certification, KAU may be surrendered early at the company's risk). Units are
// burned through the holdings module (holdings.insufficient_balance when short). The checks run
// in this order, and nothing is written unless all pass.
Status surrender_check(const Json& b) {
  constexpr std::string_view t = "ets.surrender";
  if (auto s = year_check(b, t, {"year", "units"}); !s) return s;
  if (!b.contains("units") || !b["units"].is_array() || b["units"].empty() || b["units"].size() > 2)
    return malformed(t, "body.units must be a list of 1 or 2 [instrument, amount] pairs");
  std::string first;
  for (const auto& u : b["units"]) {
    if (!u.is_array() || u.size() != 2 || !u[0].is_string() ||
        !valid_id(u[0].get_ref<const std::string&>()))
      return malformed(t, "each unit entry is [instrument, amount]");
    const std::string& inst = u[0].get_ref<const std::string&>();
    if (auto a = u64_field(u[1], "the amount of " + inst, 1, limits::amount_max); !a)
      return a.error();
    if (inst == first) return malformed(t, "instrument '" + inst + "' is listed twice");
    first = inst;
  }
  return ok_status();
}

Status surrender_apply(TxEnv& env) {
  const Json& b = env.tx.payload.body;
  const std::string& from = env.tx.payload.from;
  uint32_t year = year_of(b);
  auto params = load_ets_params(env.st);
  auto ph = phase_for(*params, year);
  if (!ph) return ph.error();
  if (auto s = require_designated(env.st, from, year); !s) return s;
  uint64_t deadline = ets_deadline_end_ms(*params, year);
  if (env.time_ms >= deadline)
    return err("ets.deadline_passed", "the surrender deadline for " + std::to_string(year) +
                                          " has passed (block time " + std::to_string(env.time_ms) +
                                          " >= " + std::to_string(deadline) + ")");
  const std::string vintage = kau(year);
  uint64_t kau_amt = 0, kcu_amt = 0;
  for (const auto& u : b["units"]) {
    const std::string& inst = u[0].get_ref<const std::string&>();
    uint64_t amount = *json_u64(u[1]);
    if (inst == vintage)
      kau_amt = amount;
    else if (inst == kKcu)
      kcu_amt = amount;
    else if (inst.starts_with("KAU-"))
      return err("ets.wrong_vintage", inst + " does not count for " + std::to_string(year) +
                                          "; surrender " + vintage +
                                          " (bank earlier years' units into it with ets.bank)");
    else
      return err("ets.ineligible_instrument",
                 inst + " is not an ETS unit; surrender " + vintage + " or KCU");
  }
  auto cert = certified(env.st, year, from);
  uint64_t kau_done = surrendered(env.st, year, from, vintage);
  uint64_t kcu_done = surrendered(env.st, year, from, kKcu);
  if (kcu_amt > 0) {
    if (!cert)
      return err("ets.not_certified", "KCU count only against a certified obligation; " +
                                          std::to_string(year) + " is not certified for " + from);
    uint64_t cap = bp_of(*cert, (*ph)->offset_cap_bp);
    if (sat_add(kcu_done, kcu_amt) > cap)
      return err("ets.offset_cap", "KCU for " + std::to_string(year) + " may cover at most " +
                                       u64_text(cap) + " t (" +
                                       std::to_string((*ph)->offset_cap_bp) +
                                       " bp of the obligation); already " + u64_text(kcu_done));
  }
  if (cert && sat_add(sat_add(kau_done, kcu_done), sat_add(kau_amt, kcu_amt)) > *cert)
    return err("ets.surrender_exceeds_obligation",
               "the obligation for " + std::to_string(year) + " is " + u64_text(*cert) + " t; " +
                   u64_text(sat_add(kau_done, kcu_done)) + " already surrendered");
  for (auto [inst, amount, done] : {std::tuple{std::string_view(vintage), kau_amt, kau_done},
                                    std::tuple{kKcu, kcu_amt, kcu_done}}) {
    if (amount == 0) continue;
    if (auto s = ensure_instrument(env.st, inst); !s) return s;
    if (auto s = burn_units(env.st, inst, from, amount); !s) return s;
    put_u64(env.st, surr_key(year, from, inst), sat_add(done, amount));
    add_u64(env.st, sum_key(year, inst == kKcu ? "surrendered_kcu" : "surrendered_kau"), amount);
  }
  return ok_status();
}

// ets.bank {year, amount}: a designated company carries surplus KAU-<year> into KAU-<year+1>
// (burned and issued 1:1). Allowed once its own obligation for the year is certified
// (ets.not_certified) and met — units surrendered (KCU counted up to the offset cap) >= certified
// (ets.obligation_unmet) — and before the deadline of year+1 (after it the units would be of no
// use). Across a phase boundary only when the params allow it (ets.cross_phase). No volume limit
// beyond the surplus held (the phase-3 net-sales limit is not modelled).
// The body of ets.bank and ets.borrow: {year, amount}, with a year after it.
static Status year_amount_check(const Json& b, std::string_view type) {
  if (auto s = year_check(b, type, {"year", "amount"}); !s) return s;
  if (auto s = Fields(b, type).amount("amount"); !s) return s.error();
  if (year_of(b) >= kYearMax) return malformed(type, "no year after body.year");
  return ok_status();
}

Status bank_check(const Json& b) { return year_amount_check(b, "ets.bank"); }

Status bank_apply(TxEnv& env) {
  const Json& b = env.tx.payload.body;
  const std::string& from = env.tx.payload.from;
  uint32_t year = year_of(b);
  uint64_t amount = *json_u64(b["amount"]);
  auto params = load_ets_params(env.st);
  auto ph = phase_for(*params, year);
  if (!ph) return ph.error();
  auto next = phase_for(*params, year + 1);
  if (!next) return next.error();
  if (*next != *ph && !params->bank_across_phases)
    return err("ets.cross_phase", "banking from " + std::to_string(year) + " into " +
                                      std::to_string(year + 1) +
                                      " crosses a phase, which the ETS params do not allow");
  if (auto s = require_designated(env.st, from, year); !s) return s;
  uint64_t deadline = ets_deadline_end_ms(*params, year + 1);
  if (env.time_ms >= deadline)
    return err("ets.deadline_passed", "the deadline of " + std::to_string(year + 1) +
                                          " has passed; banking into it is closed");
  auto cert = certified(env.st, year, from);
  if (!cert)
    return err("ets.not_certified", "banking needs the certified obligation for " +
                                        std::to_string(year) + " (it must be met first)");
  uint64_t counted =
      sat_add(surrendered(env.st, year, from, kau(year)),
              std::min(surrendered(env.st, year, from, kKcu), bp_of(*cert, (*ph)->offset_cap_bp)));
  if (counted < *cert)
    return err("ets.obligation_unmet", "surrender the " + std::to_string(year) + " obligation (" +
                                           u64_text(*cert) + " t, " + u64_text(counted) +
                                           " done) before banking");
  for (auto y : {year, year + 1})
    if (auto s = ensure_instrument(env.st, kau(y)); !s) return s;
  if (auto s = burn_units(env.st, kau(year), from, amount); !s) return s;
  if (auto s = issue_units(env.st, kau(year + 1), from, amount); !s) return s;
  add_u64(env.st, rec_key("bank", year, from), amount);
  add_u64(env.st, sum_key(year, "banked"), amount);
  return ok_status();
}

// ets.borrow {year, amount}: a designated company borrows KAU-<year+1> into KAU-<year> (burned
// and issued 1:1) before the deadline of <year>. Both years must be in the same phase
// (ets.cross_phase). The total borrowed into the year is at most borrow_limit_bp of the
// obligation: the certified emissions, or, before certification, the year's allocation to the
// company (the only obligation-sized figure known then) (ets.borrow_limit).
Status borrow_check(const Json& b) { return year_amount_check(b, "ets.borrow"); }

Status borrow_apply(TxEnv& env) {
  const Json& b = env.tx.payload.body;
  const std::string& from = env.tx.payload.from;
  uint32_t year = year_of(b);
  uint64_t amount = *json_u64(b["amount"]);
  auto params = load_ets_params(env.st);
  auto ph = phase_for(*params, year);
  if (!ph) return ph.error();
  if (params->phase_of(year + 1) != *ph)
    return err("ets.cross_phase", "borrowing from " + std::to_string(year + 1) + " into " +
                                      std::to_string(year) + " crosses a phase boundary");
  if (auto s = require_designated(env.st, from, year); !s) return s;
  uint64_t deadline = ets_deadline_end_ms(*params, year);
  if (env.time_ms >= deadline)
    return err("ets.deadline_passed",
               "the surrender deadline for " + std::to_string(year) + " has passed");
  auto cert = certified(env.st, year, from);
  uint64_t base = cert ? *cert : get_u64(env.st, rec_key("alloc", year, from));
  uint64_t limit = bp_of(base, (*ph)->borrow_limit_bp);
  uint64_t done = get_u64(env.st, rec_key("borrow", year, from));
  if (sat_add(done, amount) > limit)
    return err("ets.borrow_limit", "borrowing into " + std::to_string(year) + " is limited to " +
                                       u64_text(limit) + " units (" +
                                       std::to_string((*ph)->borrow_limit_bp) + " bp of " +
                                       (cert ? "the certified obligation" : "the allocation") +
                                       "); already " + u64_text(done));
  for (auto y : {year, year + 1})
    if (auto s = ensure_instrument(env.st, kau(y)); !s) return s;
  if (auto s = burn_units(env.st, kau(year + 1), from, amount); !s) return s;
  if (auto s = issue_units(env.st, kau(year), from, amount); !s) return s;
  put_u64(env.st, rec_key("borrow", year, from), done + amount);
  add_u64(env.st, sum_key(year, "borrowed"), amount);
  return ok_status();
}

std::optional<YearPrice> year_price(const StateReader& st, uint32_t year) {
  if (auto s = st.get(year_key("settled", year))) {
    Json sj = Json::parse(*s);
    if (!sj.value("avg_price_krw", Json()).is_string()) return std::nullopt;
    return YearPrice{parse_u64_or0(sj["avg_price_krw"].get<std::string>()),
                     sj.value("price_source", std::string("regulator"))};
  }
  if (auto p = st.get(year_key("price", year))) return YearPrice{parse_u64_or0(p), "regulator"};
  if (auto avg = market::kau_year_totals(st, year).average) return YearPrice{*avg, "market"};
  return std::nullopt;
}

// ets.price.set {year, avg_price_krw}: the year's average price in KRW per tonne set by the
// regulator; it overrides the market's average of the year (year_price); final once the year is
// settled.
Status price_set_check(const Json& b) {
  if (auto s = year_check(b, "ets.price.set", {"year", "avg_price_krw"}); !s) return s;
  if (auto s = Fields(b, "ets.price.set").amount("avg_price_krw"); !s) return s.error();
  return ok_status();
}

Status price_set_apply(TxEnv& env) {
  const Json& b = env.tx.payload.body;
  uint32_t year = year_of(b);
  auto params = load_ets_params(env.st);
  if (auto ph = phase_for(*params, year); !ph) return ph.error();
  if (settled(env.st, year))
    return err("ets.already_settled", std::to_string(year) + " is settled; its price is final");
  env.st.put(year_key("price", year), u64_text(*json_u64(b["avg_price_krw"])));
  return ok_status();
}

// ets.compliance.settle {year}: once the deadline has passed (ets.deadline_not_passed before),
// once per year (ets.already_settled), the regulator settles every company designated for the
// year: obligation = certified emissions (none: status "uncertified", no penalty computed — the
// regulator certifies ex officio first if it wants one); counted = KAU surrendered + KCU
// surrendered up to the offset cap of the final obligation; shortfall = max(0, obligation -
// counted); penalty_krw = shortfall x min(multiplier x avg price, cap per tonne), with the avg
// price of year_price (the regulator's, else the KAU market's). Status "compliant" or
// "shortfall". A shortfall needs the year's price (ets.no_price). Records each status and a
// summary with the price and its source; penalties are recorded, not collected (the fund module
// will).
Status settle_check(const Json& b) { return year_check(b, "ets.compliance.settle", {"year"}); }

Status settle_apply(TxEnv& env) {
  uint32_t year = year_of(env.tx.payload.body);
  auto params = load_ets_params(env.st);
  auto ph = phase_for(*params, year);
  if (!ph) return ph.error();
  if (settled(env.st, year))
    return err("ets.already_settled", std::to_string(year) + " was already settled");
  uint64_t deadline = ets_deadline_end_ms(*params, year);
  if (env.time_ms < deadline)
    return err("ets.deadline_not_passed", "the surrender deadline for " + std::to_string(year) +
                                              " has not passed (it ends at " +
                                              std::to_string(deadline) + " ms)");
  auto price = year_price(env.st, year);
  u128 per_t = 0;
  if (price)
    per_t = std::min<u128>(u128{params->penalty_multiplier} * price->krw,
                           params->penalty_cap_krw_per_t);
  uint64_t n = 0, compliant = 0, short_n = 0, uncertified = 0, shortfall_t = 0;
  u128 penalties = 0;
  for (const auto& company : designated_companies(env.st)) {
    auto d = load_designation(env.st, company);
    if (!d || !d->covers(year)) continue;
    ++n;
    uint64_t kau_s = surrendered(env.st, year, company, kau(year));
    uint64_t kcu_s = surrendered(env.st, year, company, kKcu);
    Json rec = {{"surrendered_kau", u64_text(kau_s)}, {"surrendered_kcu", u64_text(kcu_s)}};
    auto cert = certified(env.st, year, company);
    if (!cert) {
      ++uncertified;
      rec["status"] = "uncertified";
      rec["obligation"] = nullptr;
      rec["counted"] = nullptr;
      rec["shortfall"] = nullptr;
      rec["penalty_krw"] = "0";
    } else {
      uint64_t counted = sat_add(kau_s, std::min(kcu_s, bp_of(*cert, (*ph)->offset_cap_bp)));
      uint64_t shortfall = *cert > counted ? *cert - counted : 0;
      if (shortfall > 0 && !price)
        return err("ets.no_price", "a company falls short in " + std::to_string(year) +
                                       " and the year has no average price: no exchange trade "
                                       "in a KAU market that year and no ets.price.set");
      u128 penalty = u128{shortfall} * per_t;
      penalties += penalty;
      shortfall_t = sat_add(shortfall_t, shortfall);
      ++(shortfall > 0 ? short_n : compliant);
      rec["status"] = shortfall > 0 ? "shortfall" : "compliant";
      rec["obligation"] = u64_text(*cert);
      rec["counted"] = u64_text(counted);
      rec["shortfall"] = u64_text(shortfall);
      rec["penalty_krw"] = u128_text(penalty);
    }
    env.st.put(rec_key("status", year, company), rec.dump());
    env.touch(company);
  }
  env.st.put(year_key("settled", year),
             Json({{"height", env.height},
                   {"time_ms", env.time_ms},
                   {"by", env.tx.payload.from},
                   {"companies", n},
                   {"compliant", compliant},
                   {"shortfall", short_n},
                   {"uncertified", uncertified},
                   {"shortfall_t", u64_text(shortfall_t)},
                   {"avg_price_krw", price ? Json(u64_text(price->krw)) : Json(nullptr)},
                   {"price_source", price ? Json(price->source) : Json(nullptr)},
                   {"penalty_krw_per_t", u128_text(per_t)},
                   {"penalty_krw", u128_text(penalties)}})
                 .dump());
  return ok_status();
}

// ets.position.project {year, projected_tco2e}: a designated company records its projected
// emissions for the year; the position report compares them with its holdings.
Status project_check(const Json& b) {
  if (auto s = year_check(b, "ets.position.project", {"year", "projected_tco2e"}); !s) return s;
  if (auto s = Fields(b, "ets.position.project").u64("projected_tco2e", 0, limits::amount_max); !s)
    return s.error();
  return ok_status();
}

Status project_apply(TxEnv& env) {
  const Json& b = env.tx.payload.body;
  const std::string& from = env.tx.payload.from;
  uint32_t year = year_of(b);
  auto params = load_ets_params(env.st);
  if (auto ph = phase_for(*params, year); !ph) return ph.error();
  if (auto s = require_designated(env.st, from, year); !s) return s;
  env.st.put(rec_key("proj", year, from), u64_text(*json_u64(b["projected_tco2e"])));
  return ok_status();
}

}  // namespace ets
}  // namespace tanso
