// Intraday candles and the KAU year totals (core/market_data.h): written at trade time, read by
// the candles and average-price views.
#include <charconv>
#include <map>
#include <vector>

#include "core/ets.h"
#include "core/market.h"
#include "core/market_data.h"

namespace tanso::market {
namespace {

__extension__ typedef unsigned __int128 u128;

constexpr uint64_t kMinMs = 60'000;
constexpr uint64_t kHourMs = 3'600'000;
constexpr uint64_t kMaxMs = uint64_t{1} << 53;

std::string u128_text(u128 v) {
  if (v == 0) return "0";
  std::string s;
  for (; v > 0; v /= 10) s.insert(s.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
  return s;
}

u128 u128_parse(std::string_view s) {
  u128 v = 0;
  for (char c : s)
    if (c >= '0' && c <= '9') v = v * 10 + static_cast<unsigned>(c - '0');
  return v;
}

// Space-separated fields of one plain-text record line.
std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  while (!line.empty()) {
    size_t sp = line.find(' ');
    out.push_back(line.substr(0, sp));
    if (sp == std::string_view::npos) break;
    line.remove_prefix(sp + 1);
  }
  return out;
}

uint64_t num(std::string_view w) {
  uint64_t v = 0;
  std::from_chars(w.data(), w.data() + w.size(), v);
  return v;
}

struct Candle {
  uint64_t t = 0;
  Price open = 0, high = 0, low = 0, close = 0;
  uint64_t volume = 0, trades = 0;
  u128 turnover = 0;
  // Adds a later candle (or trade) to this one.
  void add(const Candle& c) {
    if (trades == 0) {
      open = c.open, high = c.high, low = c.low;
    } else {
      high = std::max(high, c.high);
      low = std::min(low, c.low);
    }
    close = c.close;
    volume += c.volume;
    turnover += c.turnover;
    trades += c.trades;
  }
};

std::string hour_key(std::string_view market, uint64_t hour_ms) {
  return "mkt/c/" + std::string(market) + "/" + pad20(hour_ms);
}

// One minute line: "<minute> <open> <high> <low> <close> <volume> <turnover> <trades>".
bool parse_minute(std::string_view line, uint64_t& minute, Candle& c) {
  auto w = words(line);
  if (w.size() != 8) return false;
  minute = num(w[0]);
  c.open = static_cast<Price>(num(w[1]));
  c.high = static_cast<Price>(num(w[2]));
  c.low = static_cast<Price>(num(w[3]));
  c.close = static_cast<Price>(num(w[4]));
  c.volume = num(w[5]);
  c.turnover = u128_parse(w[6]);
  c.trades = num(w[7]);
  return true;
}

void append_minute(std::string& out, uint64_t minute, const Candle& c) {
  char buf[24];
  auto put = [&](uint64_t v, char sep) {
    auto [e, ec] = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, e);
    out.push_back(sep);
  };
  put(minute, ' ');
  for (Price p : {c.open, c.high, c.low, c.close}) put(static_cast<uint64_t>(p), ' ');
  put(c.volume, ' ');
  out.append(u128_text(c.turnover)).push_back(' ');
  put(c.trades, '\n');
}

// The minutes of one hour record, in minute order (as stored).
std::vector<std::pair<uint64_t, Candle>> parse_hour(std::string_view text) {
  std::vector<std::pair<uint64_t, Candle>> out;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::pair<uint64_t, Candle> m;
    if (parse_minute(text.substr(0, nl), m.first, m.second)) out.push_back(m);
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return out;
}

// Adds a trade to minute `minute` of an hour record. Block time never runs backwards, so the
// minute is the record's last line or a new one after it: only that line is parsed and written.
void add_to_hour(std::string& text, uint64_t minute, const Candle& trade) {
  size_t start = text.size() < 2 ? 0 : text.rfind('\n', text.size() - 2);
  start = start == std::string::npos || text.size() < 2 ? 0 : start + 1;
  uint64_t last = 0;
  Candle c;
  bool has_last =
      !text.empty() &&
      parse_minute(std::string_view(text).substr(start, text.size() - 1 - start), last, c);
  if (!has_last || last < minute) {
    append_minute(text, minute, trade);
  } else if (last == minute) {
    c.add(trade);
    text.resize(start);
    append_minute(text, minute, c);
  } else {  // an earlier minute (not reached by the executor): rebuild the record in order
    std::map<uint64_t, Candle> all;
    for (const auto& [m, x] : parse_hour(text)) all[m] = x;
    all[minute].add(trade);
    text.clear();
    for (const auto& [m, x] : all) append_minute(text, m, x);
  }
}

std::string year_key(uint32_t year) { return "mkt/kau/" + std::to_string(year); }

}  // namespace

bool is_kau_instrument(std::string_view id) {
  if (id.size() != 8 || !id.starts_with("KAU-")) return false;
  for (char c : id.substr(4))
    if (c < '0' || c > '9') return false;
  return true;
}

void record_trade_data(Overlay& st, std::string_view market, uint64_t t_ms, int64_t day,
                       Price price, Qty qty) {
  Candle trade;
  trade.open = trade.high = trade.low = trade.close = price;
  trade.volume = static_cast<uint64_t>(qty);
  trade.turnover = u128{static_cast<uint64_t>(price)} * static_cast<uint64_t>(qty);
  trade.trades = 1;
  uint64_t hour = t_ms / kHourMs * kHourMs;
  std::string hk = hour_key(market, hour);
  std::string text = st.get(hk).value_or("");
  add_to_hour(text, (t_ms - hour) / kMinMs, trade);
  st.put(hk, std::move(text));

  if (!is_kau_instrument(market)) return;
  auto year = static_cast<uint32_t>(num(civil_date(day).substr(0, 4)));
  std::string yk = year_key(year);
  const std::string old = st.get(yk).value_or("0 0 0");  // owned: w views into it
  auto w = words(old);
  if (w.size() != 3) w = {"0", "0", "0"};
  st.put(yk, std::to_string(num(w[0]) + trade.volume) + ' ' +
                 u128_text(u128_parse(w[1]) + trade.turnover) + ' ' +
                 std::to_string(num(w[2]) + 1));
}

std::optional<uint64_t> candle_interval_ms(std::string_view name) {
  static const std::pair<std::string_view, uint64_t> kIntervals[] = {{"1m", kMinMs},
                                                                     {"5m", 5 * kMinMs},
                                                                     {"15m", 15 * kMinMs},
                                                                     {"30m", 30 * kMinMs},
                                                                     {"1h", kHourMs}};
  for (const auto& [n, ms] : kIntervals)
    if (n == name) return ms;
  return std::nullopt;
}

Result<Json> market_candles(const StateReader& st, std::string_view market,
                            std::string_view interval, std::optional<uint64_t> from,
                            std::optional<uint64_t> to, uint64_t now_ms) {
  if (!load_market(st, market))
    return err("market.unknown_market", "no market '" + std::string(market) + "'", 404);
  auto iv = candle_interval_ms(interval);
  if (!iv)
    return err("market.bad_interval",
               "interval must be one of 1m, 5m, 15m, 30m, 1h, not '" + std::string(interval) + "'");
  if ((from && *from > kMaxMs) || (to && *to > kMaxMs))
    return err("market.bad_range", "from and to are epoch milliseconds up to 2^53");
  uint64_t hi = to ? (*to + *iv - 1) / *iv * *iv : (std::min(now_ms, kMaxMs) / *iv + 1) * *iv;
  uint64_t lo = from ? *from / *iv * *iv : hi - std::min(hi, kCandlesDefault * *iv);
  if (lo >= hi)
    return err("market.bad_range",
               "from (" + std::to_string(lo) + ") must be before to (" + std::to_string(hi) + ")");
  if ((hi - lo) / *iv > kCandlesMax)
    return err("market.range_too_wide", std::to_string((hi - lo) / *iv) + " intervals of " +
                                            std::string(interval) + " requested; at most " +
                                            std::to_string(kCandlesMax) +
                                            " per read (narrow from/to or use a longer interval)");
  std::map<uint64_t, Candle> out;
  for (uint64_t hour = lo / kHourMs * kHourMs; hour < hi; hour += kHourMs) {
    auto v = st.get(hour_key(market, hour));
    if (!v) continue;
    for (const auto& [m, c] : parse_hour(*v)) {
      uint64_t t = hour + m * kMinMs;
      if (t < lo || t >= hi) continue;
      Candle& slot = out[t / *iv * *iv];
      slot.add(c);
    }
  }
  Json candles = Json::array();
  for (const auto& [t, c] : out)
    candles.push_back({{"t", t},
                       {"open", c.open},
                       {"high", c.high},
                       {"low", c.low},
                       {"close", c.close},
                       {"volume", c.volume},
                       {"turnover", u128_text(c.turnover)},
                       {"trades", c.trades},
                       {"vwap", static_cast<uint64_t>(c.turnover / c.volume)}});
  return Json{{"market", market}, {"interval", interval}, {"interval_ms", *iv}, {"from", lo},
              {"to", hi},         {"candles", candles}};
}

YearTotals kau_year_totals(const StateReader& st, uint32_t year) {
  YearTotals y;
  auto v = st.get(year_key(year));
  if (!v) return y;
  auto w = words(*v);
  if (w.size() != 3) return y;
  y.volume = num(w[0]);
  u128 turnover = u128_parse(w[1]);
  y.turnover = u128_text(turnover);
  y.trades = num(w[2]);
  if (y.volume > 0) y.average = static_cast<uint64_t>(turnover / y.volume);
  return y;
}

Json market_average_price(const State& st, uint32_t year) {
  YearTotals k = kau_year_totals(st, year);
  Json markets = Json::array();
  st.scan("mkt/m/", [&](const std::string& key, const std::string&) {
    std::string id = key.substr(6);
    std::string prefix = "mkt/day/" + id + "/" + std::to_string(year) + "-";
    uint64_t volume = 0, trades = 0;
    u128 turnover = 0;
    st.scan(prefix, [&](const std::string&, const std::string& v) {
      Json d = Json::parse(v);
      volume += d["volume"].get<uint64_t>();
      turnover += u128_parse(d["turnover"].get<std::string>());
      trades += d.value("trades", uint64_t{0});
    });
    if (trades == 0) return;
    markets.push_back({{"market", id},
                       {"kau", is_kau_instrument(id)},
                       {"volume", volume},
                       {"turnover", u128_text(turnover)},
                       {"trades", trades},
                       {"vwap", static_cast<uint64_t>(turnover / volume)}});
  });
  Json penalty = {{"avg_price_krw", nullptr}, {"source", nullptr}};
  if (auto p = ets::year_price(st, year))
    penalty = {{"avg_price_krw", u64_text(p->krw)}, {"source", p->source}};
  return {{"year", year},
          {"kau",
           {{"volume", k.volume},
            {"turnover", k.turnover},
            {"trades", k.trades},
            {"avg_price_krw", k.average ? Json(u64_text(*k.average)) : Json(nullptr)}}},
          {"markets", markets},
          {"penalty_price", penalty}};
}

}  // namespace tanso::market
