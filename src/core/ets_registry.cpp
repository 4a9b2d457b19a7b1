// K-ETS module plumbing: the handler table, state keys and counters, registry instruments
// (KAU-<year>, KCU) created on first use, and the strict body readers the handlers share.
#include "core/ets.h"
#include "core/holdings.h"
#include "core/limits.h"

namespace tanso {
namespace ets {

std::string kau(uint32_t year) { return "KAU-" + std::to_string(year); }

std::string year_key(std::string_view kind, uint32_t year) {
  std::string k = "ets/";
  k.append(kind).append("/").append(std::to_string(year));
  return k;
}

std::string rec_key(std::string_view kind, uint32_t year, std::string_view account) {
  std::string k = year_key(kind, year);
  k.append("/").append(account);
  return k;
}

std::string sum_key(uint32_t year, std::string_view name) {
  std::string k = year_key("sum", year);
  k.append("/").append(name);
  return k;
}

uint64_t get_u64(const StateReader& st, const std::string& key) {
  return parse_u64_or0(st.get(key));
}

void put_u64(Overlay& st, const std::string& key, uint64_t v) {
  if (v == 0)
    st.erase(key);
  else
    st.put(key, u64_text(v));
}

uint64_t sat_add(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }

// Running totals saturate instead of wrapping: with every amount <= 2^62 they cannot reach 2^64
// in practice, and a wrapped total would be silently wrong where a saturated one is visibly so.
void add_u64(Overlay& st, const std::string& key, uint64_t v) {
  put_u64(st, key, sat_add(get_u64(st, key), v));
}

uint64_t bp_of(uint64_t amount, uint32_t bp) {
  // floor(amount * bp / 10000) == (amount / 10000) * bp + (amount % 10000) * bp / 10000, exactly,
  // and neither term overflows for bp <= 10000.
  return (amount / 10'000) * bp + (amount % 10'000) * bp / 10'000;
}

Status ensure_instrument(Overlay& st, std::string_view id) {
  if (auto in = load_instrument(st, id)) {
    if (in->issuer != kRegistry)
      return err("ets.instrument_conflict", "instrument '" + std::string(id) +
                                                "' exists but was not created by the ETS registry");
    return ok_status();
  }
  bool is_kcu = id == kKcu;
  std::string name =
      is_kcu ? "Korean Credit Unit (offset)" : "Korean Allowance Unit " + std::string(id.substr(4));
  // Same record as instrument.create writes, so holdings and the API read it as any other.
  st.put("inst/" + std::string(id),
         Json({{"issuer", kRegistry}, {"name", name}, {"unit", "tCO2e"}}).dump());
  st.put("supply/" + std::string(id), "0");
  return ok_status();
}

Result<const EtsPhase*> phase_for(const EtsParams& p, uint32_t year) {
  const EtsPhase* ph = p.phase_of(year);
  if (!ph)
    return err("ets.unknown_year",
               "compliance year " + std::to_string(year) + " is in no phase of the ETS params");
  return ph;
}

bool settled(const StateReader& st, uint32_t year) {
  return st.get(year_key("settled", year)).has_value();
}

uint64_t surrendered(const StateReader& st, uint32_t year, std::string_view account,
                     std::string_view instrument) {
  std::string k = rec_key("surr", year, account);
  k.append("/").append(instrument);
  return get_u64(st, k);
}

std::optional<uint64_t> certified(const StateReader& st, uint32_t year, std::string_view account) {
  auto v = st.get(rec_key("cert", year, account));
  if (!v) return std::nullopt;
  return parse_u64_or0(v);
}

Error malformed(std::string_view type, std::string what) {
  return err("tx.malformed", std::string(type) + ": " + what);
}

Result<uint64_t> u64_field(const Json& v, std::string_view what, uint64_t min, uint64_t max) {
  auto n = json_u64(v);
  if (!n || *n < min || *n > max)
    return err("tx.malformed", std::string(what) + " must be an integer from " +
                                   std::to_string(min) + " to " + std::to_string(max) +
                                   " (a number or a decimal string)");
  return *n;
}

Result<uint32_t> year_field(const Json& body, std::string_view type, std::string_view key) {
  Fields f(body, type);
  auto y = f.u64(key, kYearMin, kYearMax);
  if (!y) return y.error();
  return static_cast<uint32_t>(*y);
}

const TxHandler kHandlers[] = {
    {"ets.params.set", params_set_check, params_set_apply},
    {"ets.plan.set", plan_set_check, plan_set_apply},
    {"ets.designate", designate_check, designate_apply},
    {"ets.undesignate", undesignate_check, undesignate_apply},
    {"ets.allocation.order", order_check, order_apply},
    {"ets.kcu.issue", kcu_issue_check, kcu_issue_apply},
    {"ets.emissions.certify", certify_check, certify_apply},
    {"ets.surrender", surrender_check, surrender_apply},
    {"ets.bank", bank_check, bank_apply},
    {"ets.borrow", borrow_check, borrow_apply},
    {"ets.price.set", price_set_check, price_set_apply},
    {"ets.compliance.settle", settle_check, settle_apply},
    {"ets.position.project", project_check, project_apply},
};

}  // namespace ets

std::span<const TxHandler> ets_handlers() { return ets::kHandlers; }

}  // namespace tanso
