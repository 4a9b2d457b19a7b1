// The market's read views (core/market.h, market_views.cpp): public depth and trades carry no
// owner, an account's own orders and fills, every order and owners for the regulator's views,
// the indicative price during a call auction, and daily OHLC with VWAP.
#include <gtest/gtest.h>

#include "core/market.h"
#include "market_fixture.h"

namespace tanso::mktest {
namespace {

Json place(std::string side, int64_t price, int64_t qty) {
  return {{"market", "KAU-2026"}, {"side", side}, {"price", price}, {"qty", qty}};
}
bool mentions(const Json& j, const std::string& who) {
  return j.dump().find(who) != std::string::npos;
}

class MarketViews : public MarketFixture {
 protected:
  void SetUp() override {
    MarketFixture::SetUp();
    ok({"krx.ops", "market.create", {{"market", "KAU-2026"}, {"tick", 50}, {"base_price", 10'000}}},
       at(0, 7, 0));
  }
};

TEST_F(MarketViews, PublicDataHasNoOwners) {
  ok({"a", "market.order.place", place("buy", 10'100, 100)}, at(0, 8, 45));
  ok({"b", "market.order.place", place("sell", 10'000, 60)});
  auto d = market::market_depth(c().st, "KAU-2026", 10);
  ASSERT_TRUE(d);
  EXPECT_EQ((*d)["phase"], "pre_open");
  EXPECT_EQ((*d)["indicative"]["volume"], 60);  // crossed: the opening auction will clear 60
  EXPECT_EQ((*d)["indicative"]["price"], 10'100);
  ok({"c", "market.order.place", place("buy", 9'900, 10)}, at(0, 10, 0));
  ok({"c", "market.order.place", place("sell", 10'200, 10)});
  ok({"d", "market.order.place", place("sell", 10'200, 5)});
  d = market::market_depth(c().st, "KAU-2026", 10);
  EXPECT_EQ((*d)["phase"], "continuous");
  EXPECT_FALSE(d->contains("indicative"));
  EXPECT_EQ(
      (*d)["bids"],
      Json::parse(R"([{"price":10100,"qty":40,"orders":1},{"price":9900,"qty":10,"orders":1}])"));
  EXPECT_EQ((*d)["asks"], Json::parse(R"([{"price":10200,"qty":15,"orders":2}])"));
  ok({"d", "market.order.place", place("sell", 10'100, 40)});  // trades with a at 10,100
  auto t = market::market_trades(c().st, "KAU-2026", 10, false);
  ASSERT_TRUE(t);
  ASSERT_EQ((*t)["trades"].size(), 2u);
  EXPECT_EQ((*t)["trades"][0]["qty"], 40);  // newest first
  EXPECT_EQ((*t)["trades"][1]["kind"], "open");
  for (const char* who : {"\"a\"", "\"b\"", "\"d\"", "buyer", "seller"}) {
    EXPECT_FALSE(mentions(*t, who)) << who;
    EXPECT_FALSE(mentions(*d, who)) << who;
  }
  auto all = market::market_trades(c().st, "KAU-2026", 10, true);
  EXPECT_EQ((*all)["trades"][0]["buyer"], "a");
  EXPECT_EQ((*all)["trades"][0]["seller"], "d");
  // Own orders and fills.
  auto mine = market::market_orders(c().st, "KAU-2026", "a", 50);
  ASSERT_EQ((*mine)["orders"].size(), 1u);
  EXPECT_EQ((*mine)["orders"][0]["status"], "filled");
  EXPECT_EQ((*mine)["orders"][0]["id"], 1);
  auto every = market::market_orders(c().st, "KAU-2026", std::nullopt, 50);
  EXPECT_EQ((*every)["orders"].size(), 6u);
  EXPECT_EQ((*every)["orders"][0]["id"], 6);
  auto fills = market::market_fills(c().st, "KAU-2026", "a", 50);
  ASSERT_EQ((*fills)["fills"].size(), 2u);
  EXPECT_EQ((*fills)["fills"][0]["side"], "buy");
  EXPECT_FALSE(mentions((*fills)["fills"], "\"d\""));
  EXPECT_EQ((*market::market_fills(c().st, "KAU-2026", "c", 50))["fills"].size(), 0u);
  // Daily OHLC and VWAP: 60 @ 10,100 and 40 @ 10,100.
  auto daily = market::market_daily(c().st, "KAU-2026");
  ASSERT_EQ((*daily)["days"].size(), 1u);
  EXPECT_EQ((*daily)["days"][0]["date"], "2026-03-02");
  EXPECT_EQ((*daily)["days"][0]["vwap"], 10'100);
  EXPECT_EQ((*daily)["days"][0]["volume"], 100);
  Json list = market::market_list(c().st);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["market"], "KAU-2026");
  EXPECT_EQ(list[0]["band"]["hi"], 11'000);
  EXPECT_FALSE(market::market_depth(c().st, "NOPE", 5));
  EXPECT_EQ(market::market_trades(c().st, "NOPE", 5, false).error().code, "market.unknown_market");
}

TEST_F(MarketViews, VwapIsTheVolumeWeightedFloor) {
  ok({"a", "market.order.place", place("sell", 10'000, 30)}, at(0, 10, 0));
  ok({"a", "market.order.place", place("sell", 10'050, 70)});
  ok({"b", "market.order.place", place("buy", 10'050, 100)});
  auto daily = market::market_daily(c().st, "KAU-2026");
  Json d = (*daily)["days"][0];
  EXPECT_EQ(d["open"], 10'000);
  EXPECT_EQ(d["high"], 10'050);
  EXPECT_EQ(d["low"], 10'000);
  EXPECT_EQ(d["close"], 10'050);
  EXPECT_EQ(d["turnover"], "1003500");
  EXPECT_EQ(d["vwap"], 10'035);
  EXPECT_EQ(d["trades"], 2);
}

}  // namespace
}  // namespace tanso::mktest
