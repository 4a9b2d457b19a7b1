// Market data beyond the trade and daily records (issue 5, docs/MARKET.md "Market data"):
// intraday candles and the yearly totals of exchange trades in KAU markets, whose average is the
// price the ETS penalty uses when the regulator has set none (core/ets.h year_price).
//
// Both are written at trade time by Ledger::record_trade (exchange trades only: continuous and
// both call auctions; OTC trades are out, as they are out of the daily record), in integers:
//   mkt/c/<market>/<hour>   one record per UTC hour with trades (<hour> = its start in epoch ms,
//                           20-digit zero-padded): plain text, one line per minute with trades,
//                           by minute: "<minute 0-59> <open> <high> <low> <close> <volume>
//                           <turnover> <trades>\n". Minutes by the trade's block time (its `t`).
//   mkt/kau/<yyyy>          "<volume> <turnover> <trades>": exchange trades of every KAU market
//                           (instrument KAU-<4 digits>, any vintage) whose market day (the
//                           local day of the daily record, KST by default) lies in year yyyy.
// Turnover sums are decimal and computed in 128 bits (a price x quantity is at most 10^17).
// Coarser candles are aggregated on read from the minutes: a read of N candles touches at most
// N hour records (intervals up to 1 h), a handful of hash lookups each.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/market_book.h"
#include "core/module.h"
#include "core/state.h"

namespace tanso::market {

// Most candles one read returns (market.range_too_wide beyond), and the default count.
inline constexpr uint64_t kCandlesMax = 1000;
inline constexpr uint64_t kCandlesDefault = 100;

// Records one exchange trade in its minute candle and, for a KAU market, in its year's totals.
// `t_ms` is the block time, `day` the market day (local days since 1970-01-01).
void record_trade_data(Overlay& st, std::string_view market, uint64_t t_ms, int64_t day,
                       Price price, Qty qty);

// True for KAU-<4 digits>: the ETS registry's allowance instruments (core/ets.h kau()).
bool is_kau_instrument(std::string_view id);

// Interval names: 1m, 5m, 15m, 30m, 1h; nullopt for any other.
std::optional<uint64_t> candle_interval_ms(std::string_view name);

// Candles of `interval` starting in [from, to) (from rounded down and to up to the interval;
// defaults: to = the end of the interval holding now_ms, from = kCandlesDefault intervals
// before `to`), oldest first, intervals without trades left out: {market, interval,
// interval_ms, from, to, candles:[{t, open, high, low, close, volume, turnover, trades, vwap}]}
// with vwap = floor(turnover / volume). Errors: market.unknown_market (404),
// market.bad_interval, market.bad_range (from >= to, or a bound above 2^53),
// market.range_too_wide (more than kCandlesMax intervals).
Result<Json> market_candles(const StateReader& st, std::string_view market,
                            std::string_view interval, std::optional<uint64_t> from,
                            std::optional<uint64_t> to, uint64_t now_ms);

// The year's exchange trades in KAU markets: volume (t), turnover (KRW, decimal) and count.
struct YearTotals {
  uint64_t volume = 0;
  std::string turnover = "0";
  uint64_t trades = 0;
  std::optional<uint64_t> average;  // floor(turnover / volume); nullopt without trades
};
YearTotals kau_year_totals(const StateReader& st, uint32_t year);

// GET /v1/markets/average-price: the year's KAU totals and average, every market's own totals
// for the year (from its daily records) and the price the ETS penalty of the year uses with its
// source (regulator | market | null).
Json market_average_price(const State& st, uint32_t year);

}  // namespace tanso::market
