// The K-ETS registry module (docs/DOMAIN.md §2): network parameters, designation of covered
// companies, yearly allocation plans and batch allocation orders, certified emissions, surrender,
// banking and borrowing, compliance settlement with penalties, position reports, and the
// read-only views the API serves. Pure and deterministic: no I/O, no clock (the block's time is
// the only time), integers only.
//
// Every unit moves through the holdings module (issue_units / burn_units), so the ledger's
// conservation invariant (sum of balances == supply, per instrument) covers allowances too.
//
// Instruments (created on first use, owned by the registry):
//   KAU-<year>   Korean Allowance Unit of one compliance year (1 unit = 1 tCO2e)
//   KCU          Korean Credit Unit (an offset; converted from KOC by the credits module later)
// Their issuer is the pseudo-account "ets/registry", which no account can ever be ('/' is not
// an identifier character): allowances exist only through the rules below, never through
// holdings.issue, so a plan's cap cannot be bypassed. An instrument with one of these ids that
// the registry did not create (squatted through instrument.create) is refused
// (ets.instrument_conflict) rather than inflated.
//
// Key space (values are decimal integers unless noted; <y> is a 4-digit year):
//   ets/params                         network parameters (JSON, EtsParams); absent = defaults
//   ets/companies                      JSON array of every account ever designated (sorted)
//   ets/desig/<account>                designation (JSON: company, name, sector, from_year,
//                                      to_year|null, installations[], annual_tco2e?, by, height)
//   ets/plan/<y>                       allocation plan (JSON: cap, auction, by, height)
//   ets/order/<order>                  allocation order record (JSON: year, basis, entries,
//                                      total, by, height); the tx itself holds the entries
//   ets/alloc/<y>/<account>            units allocated to the account for the year (cumulative)
//   ets/cert/<y>/<account>             certified emissions, tCO2e (the obligation)
//   ets/cert_src/<y>/<account>         present when the figure comes from a certified MRV
//                                      statement (text: "mrv.statement revision <n>"); it is
//                                      then final (ets.emissions.certify refuses the year)
//   ets/surr/<y>/<account>/<inst>      units surrendered (retired) for the year, per instrument
//   ets/bank/<y>/<account>             KAU-<y> banked into KAU-<y+1>
//   ets/borrow/<y>/<account>           KAU-<y+1> borrowed into KAU-<y>
//   ets/proj/<y>/<account>             the company's projected emissions for the year, tCO2e
//   ets/price/<y>                      the year's average price set by the regulator, KRW per
//                                      tonne (an override of the market's, ets::year_price)
//   ets/sum/<y>/<name>                 running totals: allocated, surrendered_kau, surrendered_kcu,
//                                      banked, borrowed, certified, certified_companies
//   ets/settled/<y>                    settlement summary (JSON); present = the year is settled
//   ets/status/<y>/<account>           a company's settled status (JSON)
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/module.h"
#include "core/state.h"

namespace tanso {

// ---- parameters (ets_params.cpp) ----

struct EtsPhase {
  uint32_t phase = 0;
  uint32_t from_year = 0;
  uint32_t to_year = 0;
  uint32_t offset_cap_bp = 0;    // KCU at most this share of the obligation (basis points)
  uint32_t borrow_limit_bp = 0;  // borrowing at most this share of the obligation
};

struct EtsParams {
  std::vector<EtsPhase> phases;          // increasing, non-overlapping
  uint64_t company_threshold_tco2e = 0;  // designation guidance (not enforced)
  uint64_t site_threshold_tco2e = 0;     // designation guidance (not enforced)
  uint32_t deadline_month = 0;           // surrender deadline: this month-day of year + 1,
  uint32_t deadline_day = 0;             //   end of that day in local time
  int32_t utc_offset_minutes = 0;        // local time of deadlines (KST = +540)
  uint64_t penalty_multiplier = 0;       // penalty per tonne = min(m x avg price, cap)
  uint64_t penalty_cap_krw_per_t = 0;
  bool bank_across_phases = true;  // may KAU-<last year of a phase> be banked onward?

  // The real K-ETS values (see ets_params.cpp for sources and choices).
  static EtsParams defaults();
  // Strict: unknown fields, wrong types, out-of-range values and overlapping phases are errors
  // (tx.malformed). `base` supplies the fields `j` omits.
  static Result<EtsParams> from_json(const Json& j, const EtsParams& base);
  Json to_json() const;
  const EtsPhase* phase_of(uint32_t year) const;  // nullptr: the year is in no phase
};

// The parameters in force (defaults when the state holds none). Memoized per thread.
std::shared_ptr<const EtsParams> load_ets_params(const StateReader& st);

// Days since 1970-01-01 of a proleptic Gregorian civil date (integer arithmetic only).
int64_t days_from_civil(int64_t y, uint32_t m, uint32_t d);
// The first millisecond (UTC epoch) after the surrender deadline of compliance year `year`:
// surrender is allowed while block time < this, settlement once block time >= this.
uint64_t ets_deadline_end_ms(const EtsParams& p, uint32_t year);

// ---- designation (ets_designation.cpp) ----

struct EtsInstallation {
  std::string id;
  std::string name;
  std::optional<uint64_t> annual_tco2e;
};

struct EtsDesignation {
  std::string company;
  std::string name;
  std::string sector;
  uint32_t from_year = 0;
  std::optional<uint32_t> to_year;  // nullopt: open-ended
  std::vector<EtsInstallation> installations;
  std::optional<uint64_t> annual_tco2e;
  std::string by;
  uint64_t height = 0;
  bool covers(uint32_t year) const { return year >= from_year && (!to_year || year <= *to_year); }
  Json to_json() const;
};

// Memoized per thread (pure function of the stored text).
std::shared_ptr<const EtsDesignation> load_designation(const StateReader& st,
                                                       std::string_view account);
// Every account ever designated, sorted.
std::vector<std::string> designated_companies(const StateReader& st);
// Guidance: does the designation meet the coverage thresholds? nullopt = not enough data.
std::optional<bool> meets_threshold(const EtsParams& p, const EtsDesignation& d);

// ---- transactions ----

// ets.params.set, ets.plan.set, ets.designate, ets.undesignate, ets.allocation.order,
// ets.kcu.issue, ets.emissions.certify, ets.surrender, ets.bank, ets.borrow, ets.price.set,
// ets.compliance.settle, ets.position.project. Body formats are in the .cpp files.
std::span<const TxHandler> ets_handlers();

// Genesis "ets" object (core/executor.cpp): {"params": {...}?, "txs": [{type, body}]?}. The params
// replace fields of the defaults and are stored here; the txs are regulator-only ets.* types
// (plans, designations, orders, certifications, prices) applied through their handlers.
Status ets_genesis_params(Overlay& st, const Json& params);

// ---- certified emissions, the one entry point other modules use (ets_compliance.cpp) ----
namespace ets {
// Records `tco2e` as the company's certified emissions for the year exactly as
// ets.emissions.certify does (that handler calls it with no revision): the year must lie in a
// phase (ets.unknown_year), the company be designated for it (ets.not_designated), the year not
// be settled (ets.already_settled) nor already certified from an MRV statement
// (ets.certified_by_statement). Replaces an earlier figure and keeps the ets/sum totals right.
// With `statement_revision` (mrv.statement.certify) it also writes ets/cert_src/<y>/<account>,
// which makes the figure final. Returns the figure it replaced, if any.
Result<std::optional<uint64_t>> record_certified(TxEnv& env, const std::string& company,
                                                 uint32_t year, uint64_t tco2e,
                                                 std::optional<uint64_t> statement_revision);

// The year's average price the penalty uses, KRW per tonne: the regulator's ets.price.set
// (source "regulator", an override) if set, else the average of the year's exchange trades in
// KAU markets, floor(turnover / volume) (source "market", core/market_data.h); nullopt with
// neither. Once the year is settled, the price and source its settlement recorded.
struct YearPrice {
  uint64_t krw = 0;
  std::string source;  // "regulator" | "market"
};
std::optional<YearPrice> year_price(const StateReader& st, uint32_t year);
}  // namespace ets

// ---- views (ets_views.cpp): read-only, for the API ----
// Quantities are decimal strings (they can exceed 2^53), years and basis points numbers.

Json ets_params_view(const StateReader& st);
// {account, year, phase, projected_tco2e, projection_source, certified_tco2e, allocated,
//  surrendered{kau,kcu}, holdings{kau,kcu}, kcu_usable, usable, gap_t, gap_bp, gap_pct,
//  risk, borrow_room, deadline_ms, settled}
Result<Json> ets_position(const StateReader& st, std::string_view account, uint32_t year);
// {year, settled, deadline_ms, avg_price_krw, rows:[{company, name, sector, allocated,
//  certified_tco2e|null, surrendered_kau, surrendered_kcu, counted, banked, borrowed, shortfall,
//  penalty_krw, status}]}
Result<Json> ets_compliance_table(const StateReader& st, uint32_t year);
// {year, phase, cap, auction, allocated, surrendered_kau, surrendered_kcu, offsets_used, banked,
//  borrowed, certified_tco2e, companies, certified_companies, penalties_krw, settled, ...}
Result<Json> ets_totals(const StateReader& st, uint32_t year);
// {designation..., meets_threshold, years:[{year, allocated, certified_tco2e, surrendered_kau,
//  surrendered_kcu, banked, borrowed, status}]}
Result<Json> ets_company(const StateReader& st, std::string_view account);

// ---- module internals shared by the ets_*.cpp files (not for other modules) ----
namespace ets {

inline constexpr uint32_t kYearMin = 2000;
inline constexpr uint32_t kYearMax = 2200;
inline constexpr std::string_view kRegistry = "ets/registry";  // issuer of KAU-* and KCU
inline constexpr std::string_view kKcu = "KCU";

std::string kau(uint32_t year);
std::string rec_key(std::string_view kind, uint32_t year, std::string_view account);
std::string year_key(std::string_view kind, uint32_t year);
std::string sum_key(uint32_t year, std::string_view name);
uint64_t get_u64(const StateReader& st, const std::string& key);
void put_u64(Overlay& st, const std::string& key, uint64_t v);  // 0 erases the key
void add_u64(Overlay& st, const std::string& key, uint64_t v);  // saturating at 2^64-1
uint64_t sat_add(uint64_t a, uint64_t b);
// floor(amount x bp / 10000) without overflow (bp <= 10000).
uint64_t bp_of(uint64_t amount, uint32_t bp);
// Creates the registry instrument on first use; refuses one created by someone else.
Status ensure_instrument(Overlay& st, std::string_view id);
// The year must lie in a phase (ets.unknown_year) — returns the phase.
Result<const EtsPhase*> phase_for(const EtsParams& p, uint32_t year);
bool settled(const StateReader& st, uint32_t year);
// Surrendered units of the year by the account: KAU-<year> and KCU.
uint64_t surrendered(const StateReader& st, uint32_t year, std::string_view account,
                     std::string_view instrument);
std::optional<uint64_t> certified(const StateReader& st, uint32_t year, std::string_view account);
// Strict body readers beyond Fields.
Result<uint32_t> year_field(const Json& body, std::string_view type, std::string_view key);
Result<uint64_t> u64_field(const Json& v, std::string_view what, uint64_t min, uint64_t max);
Error malformed(std::string_view type, std::string what);

// Handlers, one pair per tx type (check: stateless body shape; apply: the rules).
Status params_set_check(const Json& b);
Status params_set_apply(TxEnv& env);
Status plan_set_check(const Json& b);
Status plan_set_apply(TxEnv& env);
Status designate_check(const Json& b);
Status designate_apply(TxEnv& env);
Status undesignate_check(const Json& b);
Status undesignate_apply(TxEnv& env);
Status order_check(const Json& b);
Status order_apply(TxEnv& env);
Status kcu_issue_check(const Json& b);
Status kcu_issue_apply(TxEnv& env);
Status certify_check(const Json& b);
Status certify_apply(TxEnv& env);
Status surrender_check(const Json& b);
Status surrender_apply(TxEnv& env);
Status bank_check(const Json& b);
Status bank_apply(TxEnv& env);
Status borrow_check(const Json& b);
Status borrow_apply(TxEnv& env);
Status price_set_check(const Json& b);
Status price_set_apply(TxEnv& env);
Status settle_check(const Json& b);
Status settle_apply(TxEnv& env);
Status project_check(const Json& b);
Status project_apply(TxEnv& env);

}  // namespace ets
}  // namespace tanso
