// K-ETS network parameters: the real defaults and where they come from, strict parsing, the
// civil-date arithmetic of surrender deadlines (KST, integers only), and ets.params.set.
#include <charconv>

#include "core/ets.h"
#include "core/limits.h"

namespace tanso {

// Defaults (docs/DOMAIN.md §2, the K-ETS Act and its basic plans):
// - Phases: 1st 2015-2017, 2nd 2018-2020, 3rd 2021-2025, 4th 2026-2030.
// - Offsets (KCU): at most 10 % of the obligation in phases 1-2, 5 % from phase 3 on (phase 4
//   keeps the phase-3 share until a new figure is set by ets.params.set).
// - Borrowing: 10 % of the obligation in phase 1; 15 % afterwards (the phase-3 figure, used as
//   the default for phases 2-4: the real phase-2 limit changed year by year).
// - Designation guidance: a company averaging >= 125,000 tCO2e/yr or with a site >= 25,000.
// - Surrender deadline: the end of 31 August of the year after the compliance year (since the
//   2020 revision of the Enforcement Decree: emission report by end of March, certification by
//   end of June, surrender by end of August; it was 30 June before). Local time is KST, UTC+9,
//   with no daylight saving.
// - Penalty: shortfall x min(3 x the year's average market price, KRW 100,000 per tonne).
// - Banking: surplus of a year may be banked into the next year, also across a phase boundary
//   (K-ETS allowed carry-over between phases under conditions; the flag turns it off).
EtsParams EtsParams::defaults() {
  EtsParams p;
  p.phases = {{1, 2015, 2017, 1000, 1000},
              {2, 2018, 2020, 1000, 1500},
              {3, 2021, 2025, 500, 1500},
              {4, 2026, 2030, 500, 1500}};
  p.company_threshold_tco2e = 125'000;
  p.site_threshold_tco2e = 25'000;
  p.deadline_month = 8;
  p.deadline_day = 31;
  p.utc_offset_minutes = 9 * 60;
  p.penalty_multiplier = 3;
  p.penalty_cap_krw_per_t = 100'000;
  p.bank_across_phases = true;
  return p;
}

namespace {

constexpr uint64_t kThresholdMax = 1'000'000'000'000;  // 10^12 t: bounds keep JSON numbers exact
constexpr uint64_t kPenaltyCapMax = 1'000'000'000;
constexpr uint64_t kMultiplierMax = 100;
constexpr size_t kPhasesMax = 32;

uint32_t days_in_month(uint32_t m) {
  static constexpr uint32_t kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return kDays[m - 1];  // 29 February is not a valid deadline (it exists one year in four)
}

Error bad(std::string what) { return err("tx.malformed", "ets params: " + what); }

Result<uint64_t> num(const Json& v, const std::string& what, uint64_t min, uint64_t max) {
  auto n = json_u64(v);
  if (!n || *n < min || *n > max)
    return bad(what + " must be an integer from " + std::to_string(min) + " to " +
               std::to_string(max));
  return *n;
}

Result<std::vector<EtsPhase>> parse_phases(const Json& j) {
  if (!j.is_array() || j.empty() || j.size() > kPhasesMax)
    return bad("phases must be a list of 1 to 32 phases");
  std::vector<EtsPhase> out;
  for (const auto& ph : j) {
    if (!ph.is_object())
      return bad(
          "a phase is {phase, from_year, to_year, offset_cap_bp, "
          "borrow_limit_bp}");
    EtsPhase p;
    int seen = 0;
    for (auto it = ph.begin(); it != ph.end(); ++it) {
      const std::string& k = it.key();
      uint32_t* dst = k == "phase"             ? &p.phase
                      : k == "from_year"       ? &p.from_year
                      : k == "to_year"         ? &p.to_year
                      : k == "offset_cap_bp"   ? &p.offset_cap_bp
                      : k == "borrow_limit_bp" ? &p.borrow_limit_bp
                                               : nullptr;
      if (!dst) return bad("unknown phase field '" + k + "'");
      bool year = k == "from_year" || k == "to_year";
      uint64_t min = k == "phase" ? 1 : year ? ets::kYearMin : 0;
      uint64_t max = k == "phase" ? 1000 : year ? ets::kYearMax : 10'000;
      auto v = num(it.value(), "phase." + k, min, max);
      if (!v) return v.error();
      *dst = static_cast<uint32_t>(*v);
      ++seen;
    }
    if (seen != 5)
      return bad("a phase needs phase, from_year, to_year, offset_cap_bp and borrow_limit_bp");
    if (p.from_year > p.to_year) return bad("a phase's from_year is after its to_year");
    if (!out.empty() && (p.phase <= out.back().phase || p.from_year <= out.back().to_year))
      return bad("phases must be in increasing order, numbers and years, without overlap");
    out.push_back(p);
  }
  return out;
}

}  // namespace

Result<EtsParams> EtsParams::from_json(const Json& j, const EtsParams& base) {
  if (!j.is_object()) return bad("must be an object");
  EtsParams p = base;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    const Json& v = it.value();
    if (k == "phases") {
      auto ph = parse_phases(v);
      if (!ph) return ph.error();
      p.phases = std::move(*ph);
    } else if (k == "company_threshold_tco2e" || k == "site_threshold_tco2e") {
      auto n = num(v, k, 0, kThresholdMax);
      if (!n) return n.error();
      (k == "company_threshold_tco2e" ? p.company_threshold_tco2e : p.site_threshold_tco2e) = *n;
    } else if (k == "surrender_deadline") {
      // "MM-DD"
      const std::string* s = v.is_string() ? &v.get_ref<const std::string&>() : nullptr;
      uint32_t m = 0, d = 0;
      bool okay = s && s->size() == 5 && (*s)[2] == '-' &&
                  std::from_chars(s->data(), s->data() + 2, m).ptr == s->data() + 2 &&
                  std::from_chars(s->data() + 3, s->data() + 5, d).ptr == s->data() + 5 && m >= 1 &&
                  m <= 12 && d >= 1 && d <= days_in_month(m);
      if (!okay) return bad("surrender_deadline must be \"MM-DD\" (a date that exists every year)");
      p.deadline_month = m;
      p.deadline_day = d;
    } else if (k == "utc_offset_minutes") {
      if (!v.is_number_integer() || v.get<int64_t>() < -720 || v.get<int64_t>() > 840)
        return bad("utc_offset_minutes must be an integer from -720 to 840");
      p.utc_offset_minutes = static_cast<int32_t>(v.get<int64_t>());
    } else if (k == "penalty_multiplier") {
      auto n = num(v, k, 1, kMultiplierMax);
      if (!n) return n.error();
      p.penalty_multiplier = *n;
    } else if (k == "penalty_cap_krw_per_t") {
      auto n = num(v, k, 1, kPenaltyCapMax);
      if (!n) return n.error();
      p.penalty_cap_krw_per_t = *n;
    } else if (k == "bank_across_phases") {
      if (!v.is_boolean()) return bad("bank_across_phases must be true or false");
      p.bank_across_phases = v.get<bool>();
    } else {
      return err("tx.unknown_field", "ets params: unknown field '" + k + "'");
    }
  }
  return p;
}

Json EtsParams::to_json() const {
  Json ph = Json::array();
  for (const auto& x : phases)
    ph.push_back({{"phase", x.phase},
                  {"from_year", x.from_year},
                  {"to_year", x.to_year},
                  {"offset_cap_bp", x.offset_cap_bp},
                  {"borrow_limit_bp", x.borrow_limit_bp}});
  char deadline[8];
  deadline[0] = static_cast<char>('0' + deadline_month / 10);
  deadline[1] = static_cast<char>('0' + deadline_month % 10);
  deadline[2] = '-';
  deadline[3] = static_cast<char>('0' + deadline_day / 10);
  deadline[4] = static_cast<char>('0' + deadline_day % 10);
  deadline[5] = 0;
  return {{"phases", ph},
          {"company_threshold_tco2e", company_threshold_tco2e},
          {"site_threshold_tco2e", site_threshold_tco2e},
          {"surrender_deadline", std::string(deadline)},
          {"utc_offset_minutes", utc_offset_minutes},
          {"penalty_multiplier", penalty_multiplier},
          {"penalty_cap_krw_per_t", penalty_cap_krw_per_t},
          {"bank_across_phases", bank_across_phases}};
}

const EtsPhase* EtsParams::phase_of(uint32_t year) const {
  for (const auto& p : phases)
    if (year >= p.from_year && year <= p.to_year) return &p;
  return nullptr;
}

std::shared_ptr<const EtsParams> load_ets_params(const StateReader& st) {
  static const auto kDefaults = std::make_shared<const EtsParams>(EtsParams::defaults());
  auto v = st.get("ets/params");
  if (!v) return kDefaults;
  // One memo per thread: the parameters change rarely, and parsing is a pure function of text.
  thread_local std::string text;
  thread_local std::shared_ptr<const EtsParams> parsed;
  if (parsed && text == *v) return parsed;
  auto p = EtsParams::from_json(Json::parse(*v), EtsParams::defaults());
  // Stored params were validated before they were written; a failure is a corrupt state.
  parsed = std::make_shared<const EtsParams>(p ? *p : EtsParams::defaults());
  text = std::move(*v);
  return parsed;
}

// Howard Hinnant's days_from_civil: exact for every proleptic Gregorian date, integers only.
int64_t days_from_civil(int64_t y, uint32_t m, uint32_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;                                     // [0, 399]
  const int64_t mp = (static_cast<int64_t>(m) + 9) % 12;                 // March = 0
  const int64_t doy = (153 * mp + 2) / 5 + static_cast<int64_t>(d) - 1;  // [0, 365]
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;             // [0, 146096]
  return era * 146097 + doe - 719468;
}

uint64_t ets_deadline_end_ms(const EtsParams& p, uint32_t year) {
  // The deadline day ends at local midnight: the next day's 00:00 local = minus the offset.
  int64_t day_after = days_from_civil(int64_t{year} + 1, p.deadline_month, p.deadline_day) + 1;
  int64_t ms = day_after * 86'400'000 - int64_t{p.utc_offset_minutes} * 60'000;
  return ms < 0 ? 0 : static_cast<uint64_t>(ms);
}

Status ets_genesis_params(Overlay& st, const Json& params) {
  auto p = EtsParams::from_json(params, EtsParams::defaults());
  if (!p) return p.error();
  st.put("ets/params", p->to_json().dump());
  return ok_status();
}

namespace ets {

// ets.params.set {phases?, company_threshold_tco2e?, site_threshold_tco2e?, surrender_deadline?,
//                 utc_offset_minutes?, penalty_multiplier?, penalty_cap_krw_per_t?,
//                 bank_across_phases?}: the regulator replaces the given fields. The whole
// result is validated; changing phases or the deadline applies to every year not yet settled
// (settled years keep their recorded statuses).
Status params_set_check(const Json& b) {
  if (b.empty()) return malformed("ets.params.set", "needs at least one parameter");
  auto p = EtsParams::from_json(b, EtsParams::defaults());
  if (!p) return p.error();
  return ok_status();
}

Status params_set_apply(TxEnv& env) {
  auto cur = load_ets_params(env.st);
  auto p = EtsParams::from_json(env.tx.payload.body, *cur);
  if (!p) return p.error();
  env.st.put("ets/params", p->to_json().dump());
  return ok_status();
}

}  // namespace ets
}  // namespace tanso
