// The market on the ledger (core/market.h) through the real executor: listing a market, orders
// with reservations in @market, delivery-versus-payment fills, cancel and amend releasing or
// topping up reservations, every rejection code (each changing nothing but the sender's nonce),
// sessions by block time in KST (opening and closing call auctions, the pre-close lock, day
// orders expiring, the close becoming the next base), and re-execution from genesis.
#include <gtest/gtest.h>

#include "core/limits.h"
#include "core/market.h"
#include "market_escrow.h"
#include "market_fixture.h"

namespace tanso::mktest {
namespace {

constexpr uint64_t kKrw = 10'000'000'000;
constexpr uint64_t kKau = 1'000'000;

Json place(std::string side, int64_t price, int64_t qty) {
  return {{"market", "KAU-2026"}, {"side", side}, {"price", price}, {"qty", qty}};
}

class MarketTest : public MarketFixture {
 protected:
  void SetUp() override {
    MarketFixture::SetUp();
    ok({"krx.ops", "market.create", {{"market", "KAU-2026"}, {"tick", 50}, {"base_price", 10'000}}},
       at(0, 7, 0));
  }
  void TearDown() override {
    EXPECT_EQ(escrow_problems(c().st), "");
    EXPECT_TRUE(c().replays());
  }
  Json order(uint64_t id) {
    auto v = c().get("mkt/o/KAU-2026/" + market::pad20(id));
    return v ? Json::parse(*v) : Json();
  }
  Json mstate() { return Json::parse(*c().get("mkt/m/KAU-2026")); }
};

TEST_F(MarketTest, CreateIsTheExchangesAndChecked) {
  EXPECT_EQ(mstate()["base_price"], 10'000);
  EXPECT_EQ(mstate()["schedule"]["utc_offset_min"], 540);
  rejected({"a", "market.create", {{"market", "KRW"}, {"tick", 50}, {"base_price", 10'000}}},
           "tx.unauthorized_type");
  rejected(
      {"krx.ops", "market.create", {{"market", "KAU-2026"}, {"tick", 50}, {"base_price", 10'000}}},
      "market.exists");
  rejected(
      {"krx.ops", "market.create", {{"market", "KAU-2099"}, {"tick", 50}, {"base_price", 10'000}}},
      "market.unknown_instrument");
  rejected({"krx.ops",
            "market.create",
            {{"market", "KRW"}, {"cash", "KRW"}, {"tick", 50}, {"base_price", 10'000}}},
           "market.unknown_instrument");
  rejected({"krx.ops",
            "market.create",
            {{"market", "KRW"}, {"cash", "KAU-2026"}, {"tick", 50}, {"base_price", 10'025}}},
           "market.bad_config");
  rejected({"krx.ops",
            "market.create",
            {{"market", "KRW"},
             {"cash", "KAU-2026"},
             {"tick", 50},
             {"base_price", 10'000},
             {"schedule", {{"open_ms", 1000}, {"pre_open_ms", 2000}}}}},
           "market.bad_config");
  rejected({"krx.ops", "market.create", {{"market", "KRW"}, {"tick", 0}, {"base_price", 10'000}}},
           "tx.malformed");
  rejected(
      {"a", "market.order.place", {{"market", "X"}, {"side", "buy"}, {"price", 50}, {"qty", 1}}},
      "market.unknown_market", at(0, 10, 0));
}

TEST_F(MarketTest, ContinuousFillIsDeliveryVersusPayment) {
  ok({"a", "market.order.place", place("sell", 10'000, 100)}, at(0, 10, 0));
  EXPECT_EQ(c().bal("a", "KAU-2026"), kKau - 100);
  EXPECT_EQ(c().bal(kMarketEscrow, "KAU-2026"), 100u);
  EXPECT_EQ(order(1)["status"], "open");
  // b bids 150 at 10,100: buys 100 at the resting 10,000, gets 100 x 100 back, rests 50.
  ok({"b", "market.order.place", place("buy", 10'100, 150)});
  EXPECT_EQ(c().bal("b", "KAU-2026"), kKau + 100);
  EXPECT_EQ(c().bal("a", "KRW"), kKrw + 1'000'000);
  EXPECT_EQ(c().bal("b", "KRW"), kKrw - 1'000'000 - 50 * 10'100);
  EXPECT_EQ(c().bal(kMarketEscrow, "KRW"), 50u * 10'100);
  EXPECT_EQ(c().bal(kMarketEscrow, "KAU-2026"), 0u);
  EXPECT_EQ(order(1)["status"], "filled");
  EXPECT_EQ(order(2)["status"], "open");
  EXPECT_EQ(order(2)["open"], 50);
  EXPECT_EQ(order(2)["filled"], 100);
  Json t = Json::parse(*c().get("mkt/t/KAU-2026/" + market::pad20(1)));
  EXPECT_EQ(t["price"], 10'000);
  EXPECT_EQ(t["qty"], 100);
  EXPECT_EQ(t["buyer"], "b");
  EXPECT_EQ(t["seller"], "a");
  EXPECT_EQ(t["kind"], "continuous");
  EXPECT_EQ(*c().get("mkt/open/b"), "1");
  EXPECT_FALSE(c().get("mkt/open/a"));
  Json d = Json::parse(*c().get("mkt/day/KAU-2026/2026-03-02"));
  EXPECT_EQ(d["open"], 10'000);
  EXPECT_EQ(d["volume"], 100);
  // Self-match is allowed and settles to the same account.
  ok({"b", "market.order.place", place("sell", 10'100, 10)});
  EXPECT_EQ(c().bal("b", "KAU-2026"), kKau + 100);
  EXPECT_EQ(c().bal("b", "KRW"), kKrw - 1'000'000 - 40 * 10'100);
}

TEST_F(MarketTest, RejectionsHaveStableCodesAndChangeNothing) {
  uint64_t t = at(0, 10, 0);
  rejected({"a", "market.order.place", place("buy", 10'000, 1'000'001)}, "tx.malformed", t);
  rejected({"a", "market.order.place", place("buy", 10'010, 10)}, "market.price_off_tick");
  rejected({"a", "market.order.place", place("buy", 11'050, 10)}, "market.price_out_of_band");
  rejected({"a", "market.order.place", place("sell", 8'950, 10)}, "market.price_out_of_band");
  rejected({"a", "market.order.place", place("buy", 10'000, 100'001)}, "market.qty_above_max");
  rejected({"a",
            "market.order.place",
            {{"market", "KAU-2026"}, {"side", "hold"}, {"price", 1}, {"qty", 1}}},
           "tx.malformed");
  rejected({"moe.officers", "market.order.place", place("sell", 10'000, 10)},
           "tx.unauthorized_type");
  // c spends almost all its cash and units first.
  ok({"c", "holdings.transfer", {{"instrument", "KRW"}, {"to", "d"}, {"amount", kKrw - 999'999}}});
  ok({"c", "holdings.transfer", {{"instrument", "KAU-2026"}, {"to", "d"}, {"amount", kKau - 5}}});
  rejected({"c", "market.order.place", place("buy", 10'000, 100)}, "market.insufficient_cash");
  rejected({"c", "market.order.place", place("sell", 10'000, 6)}, "market.insufficient_units");
  ok({"c", "market.order.place", place("sell", 10'000, 5)});
  ok({"a",
      "market.order.place",
      {{"market", "KAU-2026"},
       {"side", "buy"},
       {"price", 9'000},
       {"qty", 1},
       {"client_id", "x1"}}});
  rejected({"a",
            "market.order.place",
            {{"market", "KAU-2026"},
             {"side", "buy"},
             {"price", 9'000},
             {"qty", 1},
             {"client_id", "x1"}}},
           "market.duplicate_client_id");
  rejected({"b", "market.order.cancel", {{"market", "KAU-2026"}, {"order", 2}}},
           "market.not_owner");
  rejected({"b",
            "market.order.amend",
            {{"market", "KAU-2026"}, {"order", 2}, {"price", 9'000}, {"qty", 2}}},
           "market.not_owner");
  rejected({"b", "market.order.cancel", {{"market", "KAU-2026"}, {"client_id", "x1"}}},
           "market.unknown_order");
  rejected({"a", "market.order.cancel", {{"market", "KAU-2026"}, {"order", 99}}},
           "market.unknown_order");
  rejected(
      {"a", "market.order.cancel", {{"market", "KAU-2026"}, {"order", 2}, {"client_id", "x1"}}},
      "tx.malformed");
  rejected({"a",
            "market.order.amend",
            {{"market", "KAU-2026"}, {"client_id", "x1"}, {"price", 12'000}, {"qty", 1}}},
           "market.price_out_of_band");
  rejected({"a",
            "market.order.amend",
            {{"market", "KAU-2026"}, {"client_id", "x1"}, {"price", 9'000}, {"qty", 200'000}}},
           "market.qty_above_max");
  rejected({"c",
            "market.order.amend",
            {{"market", "KAU-2026"}, {"order", 1}, {"price", 10'000}, {"qty", 6}}},
           "market.insufficient_units");
  ok({"a", "market.order.cancel", {{"market", "KAU-2026"}, {"client_id", "x1"}}});
  rejected({"a", "market.order.cancel", {{"market", "KAU-2026"}, {"client_id", "x1"}}},
           "market.unknown_order");
  // Outside the sessions.
  rejected({"a", "market.order.place", place("buy", 10'000, 1)}, "market.session_closed",
           at(0, 15, 31));
  rejected({"a", "market.order.place", place("buy", 10'000, 1)}, "market.session_closed",
           at(1, 8, 29));
  rejected({"a", "market.order.place", place("buy", 10'000, 1)}, "market.session_closed",
           at(5, 10, 0));
}

TEST_F(MarketTest, CancelAndAmendMoveReservations) {
  ok({"a", "market.order.place", place("buy", 9'500, 100)}, at(0, 10, 0));
  EXPECT_EQ(c().bal(kMarketEscrow, "KRW"), 950'000u);
  // Decrease keeps priority and releases; a price rise reserves more.
  ok({"a",
      "market.order.amend",
      {{"market", "KAU-2026"}, {"order", 1}, {"price", 9'500}, {"qty", 40}}});
  EXPECT_EQ(c().bal(kMarketEscrow, "KRW"), 380'000u);
  EXPECT_EQ(c().bal("a", "KRW"), kKrw - 380'000);
  ok({"a",
      "market.order.amend",
      {{"market", "KAU-2026"}, {"order", 1}, {"price", 9'600}, {"qty", 40}}});
  EXPECT_EQ(c().bal(kMarketEscrow, "KRW"), 384'000u);
  ok({"b", "market.order.place", place("sell", 9'700, 30)});
  EXPECT_EQ(c().bal(kMarketEscrow, "KAU-2026"), 30u);
  // Amending the bid through the ask trades it as the aggressor at the ask's price.
  ok({"a",
      "market.order.amend",
      {{"market", "KAU-2026"}, {"order", 1}, {"price", 9'800}, {"qty", 50}}});
  EXPECT_EQ(c().bal("a", "KAU-2026"), kKau + 30);
  EXPECT_EQ(c().bal("b", "KRW"), kKrw + 30 * 9'700);
  EXPECT_EQ(c().bal(kMarketEscrow, "KRW"), 20u * 9'800);
  EXPECT_EQ(c().bal("a", "KRW"), kKrw - 30 * 9'700 - 20 * 9'800);
  EXPECT_EQ(order(1)["open"], 20);
  EXPECT_EQ(order(1)["filled"], 30);
  ok({"a", "market.order.cancel", {{"market", "KAU-2026"}, {"order", 1}}});
  EXPECT_EQ(order(1)["status"], "cancelled");
  EXPECT_EQ(c().bal(kMarketEscrow, "KRW"), 0u);
  EXPECT_EQ(c().bal("a", "KRW"), kKrw - 30 * 9'700);
  EXPECT_FALSE(c().get("mkt/open/a"));
}

TEST_F(MarketTest, AFailureAfterMatchingLeavesTheBookAsItWas) {
  // c can pay for 1 t only. Its bid crosses a's ask: the engine matches it on the tx's copy of
  // the book, then the reservation fails; the executor drops the tx and the book stays as it
  // was, in the same block as the orders around it.
  ok({"c", "holdings.transfer", {{"instrument", "KRW"}, {"to", "d"}, {"amount", kKrw - 10'000}}},
     at(0, 10, 0));
  auto r = c().block({{"a", "market.order.place", place("sell", 10'000, 50)},
                      {"c", "market.order.place", place("buy", 10'000, 20)},
                      {"b", "market.order.place", place("buy", 10'000, 5)}});
  EXPECT_EQ(r[0].code, "ok");
  EXPECT_EQ(r[1].code, "market.insufficient_cash");
  EXPECT_EQ(r[2].code, "ok");
  auto book = market::load_open_orders(c().st, "KAU-2026");
  ASSERT_EQ(book.size(), 1u);
  EXPECT_EQ(book[0].id, 1u);
  EXPECT_EQ(book[0].open, 45);              // only b's 5 t traded
  EXPECT_EQ(order(2)["status"], "filled");  // b's order got the next id: c's used none
  EXPECT_EQ(c().bal("c", "KRW"), 10'000u);
  EXPECT_EQ(c().bal("c", "KAU-2026"), kKau);
}

TEST_F(MarketTest, OpenOrdersPerAccountAreBounded) {
  std::vector<TxSpec> txs;
  for (size_t i = 0; i < limits::market_open_orders_max; ++i)
    txs.push_back({"a", "market.order.place", place("buy", 9'000, 1)});
  for (const auto& r : c().block(txs, at(0, 10, 0))) ASSERT_EQ(r.code, "ok") << r.message;
  rejected({"a", "market.order.place", place("buy", 9'000, 1)}, "market.too_many_orders");
  // A fully filled order never rests, so it does not count.
  ok({"b", "market.order.place", place("sell", 9'000, 1)});
  ok({"a", "market.order.place", place("buy", 9'000, 1)});
}

TEST_F(MarketTest, SessionsByBlockTime) {
  // Pre-open: orders collect without matching (the worked example of docs/MARKET.md).
  uint64_t t = at(0, 8, 40);
  ok({"a", "market.order.place", place("buy", 10'200, 100)}, t);
  ok({"a", "market.order.place", place("buy", 10'100, 200)});
  ok({"b", "market.order.place", place("buy", 10'000, 300)});
  ok({"c", "market.order.place", place("sell", 9'900, 150)});
  ok({"c", "market.order.place", place("sell", 10'000, 150)});
  ok({"d", "market.order.place", place("sell", 10'150, 300)});
  EXPECT_EQ(mstate()["phase"], 1);
  EXPECT_FALSE(c().get("mkt/t/KAU-2026/" + market::pad20(1)));
  // The first market tx after 09:00 uncrosses: 300 t at 10,100.
  ok({"krx.ops", "market.session.advance", {{"market", "KAU-2026"}}}, at(0, 9, 0, 1));
  EXPECT_EQ(mstate()["phase"], 2);
  EXPECT_EQ(mstate()["last"], 10'100);
  EXPECT_EQ(c().bal("a", "KAU-2026"), kKau + 300);
  EXPECT_EQ(c().bal("c", "KRW"), kKrw + 300 * 10'100);
  // a's 10,200 bid paid 10,100: its reservation of 100 x 10,200 came back but for the price.
  EXPECT_EQ(c().bal("a", "KRW"), kKrw - 300 * 10'100);
  Json t1 = Json::parse(*c().get("mkt/t/KAU-2026/" + market::pad20(1)));
  EXPECT_EQ(t1["kind"], "open");
  // The pre-close lock: from 15:19 cancel and amend are refused, placing is not.
  rejected({"b", "market.order.cancel", {{"market", "KAU-2026"}, {"order", 3}}},
           "market.pre_close_lock", at(0, 15, 19, 0));
  rejected({"b",
            "market.order.amend",
            {{"market", "KAU-2026"}, {"order", 3}, {"price", 10'000}, {"qty", 1}}},
           "market.pre_close_lock");
  ok({"d", "market.order.place", place("sell", 10'000, 100)}, at(0, 15, 19, 30));  // trades with b
  EXPECT_EQ(mstate()["last"], 10'000);
  // Closing auction: collects, refuses cancels, uncrosses at the close.
  ok({"a", "market.order.place", place("buy", 10'050, 100)}, at(0, 15, 25));
  EXPECT_EQ(mstate()["phase"], 3);
  rejected({"a", "market.order.cancel", {{"market", "KAU-2026"}, {"order", 8}}},
           "market.pre_close_lock");
  ok({"krx.ops", "market.session.advance", {{"market", "KAU-2026"}}}, at(0, 15, 30));
  EXPECT_EQ(mstate()["phase"], 4);
  // a's bid at 10,050 met d's 10,150? No: the ask is above. Nothing crossed at the close; the
  // day's last trade, 10,000, is the close and the next base. Every order expired.
  EXPECT_EQ(mstate()["base_price"], 10'000);
  EXPECT_EQ(c().get("mkt/book/KAU-2026"), "");
  EXPECT_EQ(order(8)["status"], "expired");
  EXPECT_EQ(order(6)["status"], "expired");
  EXPECT_EQ(c().bal(kMarketEscrow, "KRW"), 0u);
  EXPECT_EQ(c().bal(kMarketEscrow, "KAU-2026"), 0u);
  EXPECT_FALSE(c().get("mkt/open/a"));
  Json d = Json::parse(*c().get("mkt/day/KAU-2026/2026-03-02"));
  EXPECT_EQ(d["open"], 10'100);
  EXPECT_EQ(d["close"], 10'000);
  EXPECT_EQ(d["volume"], 400);
}

TEST_F(MarketTest, ClosingAuctionPriceBecomesTheNextBand) {
  ok({"a", "market.order.place", place("buy", 10'500, 100)}, at(0, 15, 21));
  ok({"b", "market.order.place", place("sell", 10'400, 60)});
  EXPECT_EQ(c().bal(kMarketEscrow, "KAU-2026"), 60u);  // collected, not matched
  // No tx until Tuesday 10:00: the first one closes Monday (uncross at 10,500: surplus on the
  // buy side), opens Tuesday and trades in its band [9,450, 11,550].
  ok({"c", "market.order.place", place("sell", 11'550, 10)}, at(1, 10, 0));
  EXPECT_EQ(mstate()["base_price"], 10'500);
  EXPECT_EQ(c().bal("b", "KRW"), kKrw + 60 * 10'500);
  EXPECT_EQ(Json::parse(*c().get("mkt/t/KAU-2026/" + market::pad20(1)))["kind"], "close");
  rejected({"c", "market.order.place", place("sell", 11'600, 10)}, "market.price_out_of_band");
  EXPECT_EQ(Json::parse(*c().get("mkt/day/KAU-2026/2026-03-02"))["close"], 10'500);
  // A weekend in between changes nothing: Friday's close stays the base on Monday.
  ok({"krx.ops", "market.session.advance", {{"market", "KAU-2026"}}}, at(7, 8, 0));
  EXPECT_EQ(mstate()["base_price"], 10'500);
  EXPECT_EQ(order(3)["status"], "expired");
}

}  // namespace
}  // namespace tanso::mktest
