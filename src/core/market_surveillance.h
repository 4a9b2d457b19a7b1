// Market surveillance for the regulator (issue 5, docs/MARKET.md "Surveillance"): the market
// stabilization triggers of the K-ETS Act (Art. 23) evaluated at each day's close from the
// day's exchange trades, and large positions checked at every trade, raised as alerts in state.
// Pure and deterministic: block time only, integers only (sums in 128 bits, averages rounded
// down once), windows counted in trading days so tests can trigger them with days, not years.
//
// Key space (JSON values unless noted):
//   mkt/survcfg/<market>             Config (market.surveillance.set; defaults when absent)
//   mkt/surv/<market>                the market's daily series, plain text, oldest first, one
//                                    line per day with exchange trades: "<day> <volume>
//                                    <turnover>\n" (the last kSeriesMax days)
//   mkt/alert/<seq>                  alert {seq, kind, market, day, t, height, account?,
//                                    figures{...}}; seq counts from 1 over all markets
//   mkt/alert_next                   the next seq (decimal)
//   mkt/alertd/<market>/<day>/<kind>/<account>  "" : a large position already raised that day
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/market.h"

namespace tanso::market::surveillance {

// Days kept in the series: the longest reference window plus the longest recent window.
inline constexpr size_t kSeriesMax = 1'500;

// Windows are in trading days (days with exchange trades); ratios in basis points.
struct Config {
  uint64_t ref_days = 480;              // "the previous 2 years" (~240 trading days a year)
  uint64_t recent_days = 20;            // "the latest month"
  uint64_t sustain_days = 120;          // "6 consecutive months"
  uint64_t high_bps = 30'000;           // (a) every day of the sustain window > 3x reference
  uint64_t surge_price_bps = 20'000;    // (b) recent average price > 2x reference, and
  uint64_t surge_volume_bps = 20'000;   //     recent volume > 2x the reference's per window
  uint64_t fall_bps = 6'000;            // (c) recent average price fell > 60 % below reference
  uint64_t large_position_bps = 1'000;  // holdings above 10 % of the instrument's supply
  Json to_json() const;
  static Config from_json(const Json& j);  // missing fields keep their defaults
};

// The market's configuration (defaults when the regulator set none).
Config load_config(const StateReader& st, std::string_view market);

// Hooks of the market ledger (core/market_ledger.cpp). After a trade is recorded: a large
// position of the buyer (its balance of the instrument above large_position_bps of the supply)
// raises `large_position`, once per account, market and day. After the closing uncross of
// `ms.day`: the day's record joins the series and the three price triggers are evaluated.
void on_trade(TxEnv& env, const MarketState& ms, const std::string& buyer);
void on_close(TxEnv& env, const MarketState& ms);

// Alerts, newest first, filtered by market, kind and first day ("yyyy-mm-dd"), at most `limit`
// (the API's GET /v1/markets/alerts; readable by the regulator only).
Json alerts(const State& st, std::optional<std::string_view> market,
            std::optional<std::string_view> kind, std::optional<std::string_view> from,
            size_t limit);

// market.surveillance.set (the regulator): {market, ref_days?, recent_days?, sustain_days?,
// high_bps?, surge_price_bps?, surge_volume_bps?, fall_bps?, large_position_bps?}; fields left
// out keep their current value (registered in market_orders.cpp's handler table).
Status set_check(const Json& body);
Status set_apply(TxEnv& env);

}  // namespace tanso::market::surveillance
