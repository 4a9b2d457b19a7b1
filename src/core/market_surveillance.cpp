// Market surveillance (core/market_surveillance.h): the stabilization triggers evaluated at each
// day's close over the market's daily series, large positions at each trade, the alert records,
// the regulator's market.surveillance.set and the alerts view. Integers only: sums in 128 bits,
// each average rounded down once, every threshold compared by cross-multiplication.
#include "core/market_surveillance.h"

#include <algorithm>
#include <charconv>
#include <vector>

#include "core/holdings.h"

namespace tanso::market::surveillance {
namespace {

__extension__ typedef unsigned __int128 u128;

constexpr uint64_t kBps = 10'000;

struct DayRec {
  int64_t day = 0;
  uint64_t volume = 0;
  uint64_t turnover = 0;
};

std::string series_key(std::string_view m) { return "mkt/surv/" + std::string(m); }

std::vector<DayRec> load_series(const StateReader& st, std::string_view market) {
  std::vector<DayRec> out;
  auto v = st.get(series_key(market));
  if (!v) return out;
  const char* p = v->data();
  const char* end = p + v->size();
  while (p < end) {
    DayRec d;
    p = std::from_chars(p, end, d.day).ptr + 1;
    p = std::from_chars(p, end, d.volume).ptr + 1;
    p = std::from_chars(p, end, d.turnover).ptr + 1;
    out.push_back(d);
  }
  return out;
}

std::string series_text(const std::vector<DayRec>& s) {
  std::string out;
  for (const auto& d : s)
    out += std::to_string(d.day) + " " + u64_text(d.volume) + " " + u64_text(d.turnover) + "\n";
  return out;
}

uint64_t clamp64(u128 v) { return v > UINT64_MAX ? UINT64_MAX : static_cast<uint64_t>(v); }

// Volume and turnover of s[b, e); its average price, floor(turnover / volume).
struct Window {
  u128 volume = 0, turnover = 0;
  uint64_t avg() const { return volume ? clamp64(turnover / volume) : 0; }
};
Window window(const std::vector<DayRec>& s, size_t b, size_t e) {
  Window w;
  for (size_t i = b; i < e; ++i) {
    w.volume += s[i].volume;
    w.turnover += s[i].turnover;
  }
  return w;
}

void raise_alert(TxEnv& env, const MarketState& ms, int64_t day, std::string_view kind,
                 const std::string& account, Json figures) {
  uint64_t seq = parse_u64_or0(env.st.get("mkt/alert_next"));
  if (seq == 0) seq = 1;
  Json a = {{"seq", seq},
            {"kind", kind},
            {"market", ms.id},
            {"day", civil_date(day)},
            {"t", env.time_ms},
            {"height", env.height},
            {"figures", std::move(figures)}};
  if (!account.empty()) a["account"] = account;
  env.st.put("mkt/alert/" + pad20(seq), a.dump());
  env.st.put("mkt/alert_next", u64_text(seq + 1));
}

// The three price triggers over the series, whose last day is the day being closed.
void evaluate(TxEnv& env, const MarketState& ms, const Config& c, const std::vector<DayRec>& s) {
  const size_t n = s.size();
  const int64_t day = s.back().day;
  // (a) every day of the last sustain_days has a price (VWAP) above high_bps of the reference
  //     average, the ref_days before them.
  if (n >= c.sustain_days + c.ref_days) {
    size_t b = n - c.sustain_days;
    uint64_t ref = window(s, b - c.ref_days, b).avg();
    uint64_t lowest = UINT64_MAX;
    for (size_t i = b; i < n; ++i) lowest = std::min(lowest, s[i].turnover / s[i].volume);
    if (u128{lowest} * kBps > u128{c.high_bps} * ref)
      raise_alert(env, ms, day, "price_sustained_high", "",
                  {{"price", s.back().turnover / s.back().volume},
                   {"lowest_price", lowest},
                   {"average", ref},
                   {"threshold_bps", c.high_bps},
                   {"days", c.sustain_days},
                   {"ref_days", c.ref_days}});
  }
  if (n < c.recent_days + c.ref_days) return;
  size_t b = n - c.recent_days;
  Window recent = window(s, b, n);
  Window ref = window(s, b - c.ref_days, b);
  uint64_t price = recent.avg(), avg = ref.avg();
  // (b) the recent average price above surge_price_bps of the reference average and the recent
  //     volume above surge_volume_bps of the reference volume per recent_days.
  bool price_up = u128{price} * kBps > u128{c.surge_price_bps} * avg;
  bool volume_up =
      recent.volume * kBps * c.ref_days > ref.volume * c.surge_volume_bps * c.recent_days;
  if (price_up && volume_up)
    raise_alert(env, ms, day, "price_volume_surge", "",
                {{"price", price},
                 {"average", avg},
                 {"volume", clamp64(recent.volume)},
                 {"ref_volume", clamp64(ref.volume * c.recent_days / c.ref_days)},
                 {"price_threshold_bps", c.surge_price_bps},
                 {"volume_threshold_bps", c.surge_volume_bps},
                 {"days", c.recent_days},
                 {"ref_days", c.ref_days}});
  // (c) the recent average price more than fall_bps below the reference average.
  if (u128{price} * kBps < u128{kBps - c.fall_bps} * avg)
    raise_alert(env, ms, day, "price_fall", "",
                {{"price", price},
                 {"average", avg},
                 {"threshold_bps", c.fall_bps},
                 {"days", c.recent_days},
                 {"ref_days", c.ref_days}});
}

const char* const kFields[] = {"ref_days", "recent_days",       "sustain_days",
                               "high_bps", "surge_price_bps",   "surge_volume_bps",
                               "fall_bps", "large_position_bps"};
struct Range {
  uint64_t lo, hi;
};
const Range kRanges[] = {
    {1, 1'000},          {1, 500},   {1, 500},   {10'000, 1'000'000}, {10'000, 1'000'000},
    {10'000, 1'000'000}, {1, 9'999}, {1, 10'000}};
uint64_t* field(Config& c, size_t i) {
  uint64_t* f[] = {&c.ref_days,        &c.recent_days,      &c.sustain_days, &c.high_bps,
                   &c.surge_price_bps, &c.surge_volume_bps, &c.fall_bps,     &c.large_position_bps};
  return f[i];
}

}  // namespace

Json Config::to_json() const {
  Json j = Json::object();
  Config c = *this;
  for (size_t i = 0; i < std::size(kFields); ++i) j[kFields[i]] = *field(c, i);
  return j;
}

Config Config::from_json(const Json& j) {
  Config c;
  for (size_t i = 0; i < std::size(kFields); ++i)
    if (auto it = j.find(kFields[i]); it != j.end())
      if (auto v = json_u64(*it)) *field(c, i) = *v;
  return c;
}

Config load_config(const StateReader& st, std::string_view market) {
  auto v = st.get("mkt/survcfg/" + std::string(market));
  return v ? Config::from_json(Json::parse(*v)) : Config{};
}

void on_trade(TxEnv& env, const MarketState& ms, const std::string& buyer) {
  Config c = load_config(env.st, ms.id);
  uint64_t held = balance(env.st, buyer, ms.id);
  uint64_t sup = supply(env.st, ms.id);
  if (sup == 0 || u128{held} * kBps <= u128{sup} * c.large_position_bps) return;
  int64_t day = session_at(ms.sched, env.time_ms).first;
  std::string once = "mkt/alertd/" + ms.id + "/" + civil_date(day) + "/large_position/" + buyer;
  if (env.st.get(once)) return;
  env.st.put(once, "");
  raise_alert(env, ms, day, "large_position", buyer,
              {{"holding", u64_text(held)},
               {"supply", u64_text(sup)},
               {"share_bps", clamp64(u128{held} * kBps / sup)},
               {"threshold_bps", c.large_position_bps}});
}

void on_close(TxEnv& env, const MarketState& ms) {
  auto v = env.st.get("mkt/day/" + ms.id + "/" + civil_date(ms.day));
  if (!v) return;  // no exchange trade that day: no price, nothing joins the series
  Json d = Json::parse(*v);
  DayRec rec{ms.day, d["volume"].get<uint64_t>(), parse_u64_or0(d["turnover"].get<std::string>())};
  if (rec.volume == 0) return;
  auto s = load_series(env.st, ms.id);
  if (!s.empty() && s.back().day == rec.day) return;  // this day's close already ran
  s.push_back(rec);
  if (s.size() > kSeriesMax) s.erase(s.begin(), s.begin() + (s.size() - kSeriesMax));
  env.st.put(series_key(ms.id), series_text(s));
  evaluate(env, ms, load_config(env.st, ms.id), s);
}

Json alerts(const State& st, std::optional<std::string_view> market,
            std::optional<std::string_view> kind, std::optional<std::string_view> from,
            size_t limit) {
  std::vector<std::string> all;
  st.scan("mkt/alert/", [&](const std::string&, const std::string& v) { all.push_back(v); });
  Json out = Json::array();
  for (auto it = all.rbegin(); it != all.rend() && out.size() < limit; ++it) {
    Json a = Json::parse(*it);
    if (market && a["market"] != *market) continue;
    if (kind && a["kind"] != *kind) continue;
    if (from && a["day"].get<std::string>() < *from) continue;
    out.push_back(std::move(a));
  }
  return out;
}

Status set_check(const Json& b) {
  Fields f(b, "market.surveillance.set");
  if (auto s = f.only({"market", "ref_days", "recent_days", "sustain_days", "high_bps",
                       "surge_price_bps", "surge_volume_bps", "fall_bps", "large_position_bps"});
      !s)
    return s;
  if (auto s = f.id("market"); !s) return s.error();
  for (size_t i = 0; i < std::size(kFields); ++i)
    if (f.has(kFields[i]))
      if (auto s = f.u64(kFields[i], kRanges[i].lo, kRanges[i].hi); !s) return s.error();
  return ok_status();
}

Status set_apply(TxEnv& env) {
  const Json& b = env.tx.payload.body;
  std::string market = b["market"];
  if (!load_market(env.st, market))
    return err("market.unknown_market", "no market '" + market + "'", 404);
  Config c = load_config(env.st, market);
  for (size_t i = 0; i < std::size(kFields); ++i)
    if (b.contains(kFields[i])) *field(c, i) = *json_u64(b[kFields[i]]);
  env.st.put("mkt/survcfg/" + market, c.to_json().dump());
  return ok_status();
}

}  // namespace tanso::market::surveillance
