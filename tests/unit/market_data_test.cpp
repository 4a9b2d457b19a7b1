// Market data (core/market_data.h) through the real executor: minute candles written at trade
// time and aggregated on read into 1m/5m/15m/1h candles (OHLC, volume, turnover, VWAP), the
// read's range checks, the KAU year totals behind the ETS penalty price (exchange trades only,
// by market day), and OTC trades left out of both. Every chain re-executes to the same roots.
#include "core/market_data.h"

#include <gtest/gtest.h>

#include "core/market.h"
#include "market_fixture.h"

namespace tanso::mktest {
namespace {

constexpr const char* kM = "KAU-2026";

Json place(std::string side, int64_t price, int64_t qty) {
  return {{"market", kM}, {"side", side}, {"price", price}, {"qty", qty}};
}

class MarketData : public MarketFixture {
 protected:
  void SetUp() override {
    MarketFixture::SetUp();
    ok({"krx.ops", "market.create", {{"market", kM}, {"tick", 50}, {"base_price", 10'000}}},
       at(0, 7, 0));
  }
  void TearDown() override { EXPECT_TRUE(c().replays()); }
  Json candles(const char* interval, std::optional<uint64_t> from = {},
               std::optional<uint64_t> to = {}) {
    auto j = market::market_candles(c().st, kM, interval, from, to, at(0, 10, 30));
    EXPECT_TRUE(j) << (j ? "" : j.error().code);
    return j ? (*j)["candles"] : Json();
  }
  // Three exchange trades on day 0: 60 @ 10,000 (10:00:30), 20 @ 10,100 (10:04), 10 @ 9,950
  // (10:16:10), and an OTC trade of 1,000 @ 10,500 (10:20) that no candle or total counts.
  void trade() {
    ok({"a", "market.order.place", place("sell", 10'000, 60)}, at(0, 10, 0, 5));
    ok({"b", "market.order.place", place("buy", 10'000, 60)}, at(0, 10, 0, 30));
    ok({"c", "market.order.place", place("sell", 10'100, 50)}, at(0, 10, 1));
    ok({"d", "market.order.place", place("buy", 10'100, 20)}, at(0, 10, 4));
    ok({"a", "market.order.place", place("sell", 9'950, 10)}, at(0, 10, 16));
    ok({"b", "market.order.place", place("buy", 9'950, 10)}, at(0, 10, 16, 10));
    ok({"a",
        "market.otc.propose",
        {{"market", kM},
         {"ref", "deal"},
         {"side", "sell"},
         {"counterparty", "b"},
         {"price", 10'500},
         {"qty", 1'000},
         {"expires_ms", at(0, 12, 0)}}},
       at(0, 10, 19));
    ok({"b", "market.otc.accept", {{"proposer", "a"}, {"ref", "deal"}}}, at(0, 10, 20));
  }
};

Json candle(uint64_t t, int64_t o, int64_t h, int64_t l, int64_t cl, uint64_t v, uint64_t turnover,
            uint64_t n) {
  return {{"t", t},
          {"open", o},
          {"high", h},
          {"low", l},
          {"close", cl},
          {"volume", v},
          {"turnover", u64_text(turnover)},
          {"trades", n},
          {"vwap", turnover / v}};
}

TEST_F(MarketData, CandlesAggregateTheMinutes) {
  trade();
  uint64_t h10 = at(0, 10, 0);
  EXPECT_EQ(candles("1m"),
            Json::array({candle(h10, 10'000, 10'000, 10'000, 10'000, 60, 600'000, 1),
                         candle(at(0, 10, 4), 10'100, 10'100, 10'100, 10'100, 20, 202'000, 1),
                         candle(at(0, 10, 16), 9'950, 9'950, 9'950, 9'950, 10, 99'500, 1)}));
  EXPECT_EQ(candles("5m"),
            Json::array({candle(h10, 10'000, 10'100, 10'000, 10'100, 80, 802'000, 2),
                         candle(at(0, 10, 15), 9'950, 9'950, 9'950, 9'950, 10, 99'500, 1)}));
  EXPECT_EQ(candles("15m")[0], candle(h10, 10'000, 10'100, 10'000, 10'100, 80, 802'000, 2));
  // One hour: VWAP floor(901,500 / 90) = 10,016.
  Json hour = candles("1h");
  ASSERT_EQ(hour.size(), 1u);
  EXPECT_EQ(hour[0], candle(h10, 10'000, 10'100, 9'950, 9'950, 90, 901'500, 3));
  EXPECT_EQ(hour[0]["vwap"], 10'016);
  // A window: [10:04, 10:16) holds the second trade only; from rounds down, to up.
  Json w = candles("1m", at(0, 10, 4, 30), at(0, 10, 15, 30));
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0]["t"], at(0, 10, 4));
  EXPECT_EQ(candles("1m", at(0, 11, 0), at(0, 12, 0)), Json::array());
  // The stored minute records: one per UTC hour, one line per minute with trades.
  EXPECT_EQ(*c().get("mkt/c/KAU-2026/" + market::pad20(h10)),
            "0 10000 10000 10000 10000 60 600000 1\n4 10100 10100 10100 10100 20 202000 1\n"
            "16 9950 9950 9950 9950 10 99500 1\n");
  // The daily record's VWAP agrees (the OTC trade is in neither).
  auto daily = market::market_daily(c().st, kM);
  EXPECT_EQ((*daily)["days"][0]["vwap"], 10'016);
}

TEST_F(MarketData, CandleReadsAreBounded) {
  auto code = [&](const char* iv, std::optional<uint64_t> from, std::optional<uint64_t> to) {
    auto j = market::market_candles(c().st, kM, iv, from, to, at(0, 10, 0));
    return j ? std::string("ok") : j.error().code;
  };
  EXPECT_EQ(code("1m", {}, {}), "ok");
  EXPECT_EQ(code("2m", {}, {}), "market.bad_interval");
  EXPECT_EQ(code("1d", {}, {}), "market.bad_interval");
  EXPECT_EQ(code("", {}, {}), "market.bad_interval");
  EXPECT_EQ(code("1m", 120'000, 60'000), "market.bad_range");
  EXPECT_EQ(code("1m", 60'000, 60'000), "market.bad_range");
  EXPECT_EQ(code("1m", {}, (uint64_t{1} << 53) + 1), "market.bad_range");
  EXPECT_EQ(code("1m", 0, 1'000 * 60'000), "ok");  // exactly 1,000 candles
  EXPECT_EQ(code("1m", 0, 1'000 * 60'000 + 1), "market.range_too_wide");
  EXPECT_EQ(code("1h", 0, 1'001 * 3'600'000ull), "market.range_too_wide");
  auto j = market::market_candles(c().st, "KAU-2099", "1m", {}, {}, 0);
  ASSERT_FALSE(j);
  EXPECT_EQ(j.error().code, "market.unknown_market");
  EXPECT_EQ(j.error().http, 404);
  // Defaults: the 100 intervals up to the end of the one holding now.
  j = market::market_candles(c().st, kM, "5m", {}, {}, at(0, 10, 2));
  EXPECT_EQ((*j)["to"], at(0, 10, 5));
  EXPECT_EQ((*j)["from"], at(0, 10, 5) - 100 * 300'000);
}

TEST_F(MarketData, KauYearTotalsCountExchangeTradesOnly) {
  EXPECT_FALSE(market::kau_year_totals(c().st, 2026).average);
  trade();
  auto y = market::kau_year_totals(c().st, 2026);
  EXPECT_EQ(y.volume, 90u);
  EXPECT_EQ(y.turnover, "901500");
  EXPECT_EQ(y.trades, 3u);
  EXPECT_EQ(y.average, 10'016u);
  EXPECT_EQ(*c().get("mkt/kau/2026"), "90 901500 3");
  EXPECT_FALSE(market::kau_year_totals(c().st, 2025).average);
  Json v = market::market_average_price(c().st, 2026);
  EXPECT_EQ(v["kau"]["avg_price_krw"], "10016");
  EXPECT_EQ(v["markets"][0]["vwap"], 10'016);
  EXPECT_EQ(v["markets"][0]["kau"], true);
  EXPECT_EQ(v["penalty_price"]["source"], "market");
  EXPECT_EQ(v["penalty_price"]["avg_price_krw"], "10016");
  for (const char* id : {"KAU-2026", "KAU-1999"}) EXPECT_TRUE(market::is_kau_instrument(id)) << id;
  for (const char* id : {"KAU-26", "KAU-20x6", "KAU-20261", "KCU", "KRW", "kau-2026"})
    EXPECT_FALSE(market::is_kau_instrument(id)) << id;
}

// A closing auction of 31 December uncrossed by the first market tx of 4 January: the trade's
// block time (and candle) is in January, its market day (daily record, KAU year) in December.
TEST_F(MarketData, TheYearFollowsTheMarketDay) {
  ok({"a", "market.order.place", place("sell", 10'000, 30)}, at(304, 15, 25));
  ok({"b", "market.order.place", place("buy", 10'000, 30)}, at(304, 15, 26));
  EXPECT_FALSE(c().get("mkt/kau/2026"));
  ok({"c", "market.order.place", place("buy", 9'000, 1)}, at(308, 9, 30));
  auto trades = market::market_trades(c().st, kM, 10, false);
  ASSERT_EQ((*trades)["trades"].size(), 1u);
  EXPECT_EQ((*trades)["trades"][0]["kind"], "close");
  EXPECT_EQ((*trades)["trades"][0]["t"], at(308, 9, 30));
  EXPECT_EQ(market::kau_year_totals(c().st, 2026).volume, 30u);
  EXPECT_FALSE(c().get("mkt/kau/2027"));
  EXPECT_TRUE(c().get("mkt/day/KAU-2026/2026-12-31"));
  auto j = market::market_candles(c().st, kM, "1h", at(308, 9, 0), at(308, 10, 0), 0);
  ASSERT_EQ((*j)["candles"].size(), 1u);
  EXPECT_EQ((*j)["candles"][0]["volume"], 30);
}

// The executor's block time never runs backwards, so a trade lands in the hour record's last
// minute or a new one after it; an earlier minute (direct calls only) still keeps the order.
TEST(MarketDataRecord, MinutesStayInOrder) {
  State st;
  Overlay ov(st);
  const uint64_t h = at(0, 10, 0);
  market::record_trade_data(ov, "X", h + 5 * kMinMs, 0, 100, 1);
  market::record_trade_data(ov, "X", h + 5 * kMinMs + 59'999, 0, 200, 2);
  market::record_trade_data(ov, "X", h + 7 * kMinMs, 0, 300, 3);
  market::record_trade_data(ov, "X", h + 2 * kMinMs, 0, 400, 4);
  EXPECT_EQ(*ov.get("mkt/c/X/" + market::pad20(h)),
            "2 400 400 400 400 4 1600 1\n5 100 200 100 200 3 500 2\n7 300 300 300 300 3 900 1\n");
  EXPECT_FALSE(ov.get("mkt/kau/1970"));  // not a KAU market
}

}  // namespace
}  // namespace tanso::mktest
