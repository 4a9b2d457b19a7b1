// Negotiated (OTC) trades and government auctions (core/market.h: market_otc.cpp,
// market_gov_auction.cpp) through the real executor: reservations, DvP on acceptance or
// settlement, expiry, sealed bids by commitment, the reveal rules, one clearing price, the
// per-bidder cap, and every rejection code changing nothing but the sender's nonce.
#include <gtest/gtest.h>

#include "core/market.h"
#include "core/market_ledger.h"
#include "market_escrow.h"
#include "market_fixture.h"

namespace tanso::mktest {
namespace {

constexpr uint64_t kKrw = 10'000'000'000;
constexpr uint64_t kKau = 1'000'000;

class OtcAuctionTest : public MarketFixture {
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
  Json propose(std::string ref, std::string side, std::string cp, int64_t price, int64_t qty,
               uint64_t expires) {
    return {{"market", "KAU-2026"}, {"ref", ref}, {"side", side},         {"counterparty", cp},
            {"price", price},       {"qty", qty}, {"expires_ms", expires}};
  }
  Json rec(const std::string& k) { return Json::parse(*c().get(k)); }
};

TEST_F(OtcAuctionTest, OtcProposeAcceptIsDvp) {
  uint64_t exp = at(0, 20, 0);
  ok({"a", "market.otc.propose", propose("deal1", "sell", "b", 10'500, 5'000, exp)}, at(0, 18, 0));
  EXPECT_EQ(c().bal(kMarketEscrow, "KAU-2026"), 5'000u);
  EXPECT_EQ(c().bal("a", "KAU-2026"), kKau - 5'000);
  rejected({"c", "market.otc.accept", {{"proposer", "a"}, {"ref", "deal1"}}},
           "market.not_counterparty");
  ok({"b", "market.otc.accept", {{"proposer", "a"}, {"ref", "deal1"}}});
  EXPECT_EQ(c().bal("b", "KAU-2026"), kKau + 5'000);
  EXPECT_EQ(c().bal("a", "KRW"), kKrw + 5'000 * 10'500);
  EXPECT_EQ(c().bal("b", "KRW"), kKrw - 5'000 * 10'500);
  EXPECT_EQ(rec("mkt/otc/a/deal1")["status"], "accepted");
  Json t = rec("mkt/t/KAU-2026/" + market::pad20(1));
  EXPECT_EQ(t["kind"], "otc");
  EXPECT_EQ(t["buyer"], "b");
  EXPECT_FALSE(c().get("mkt/day/KAU-2026/2026-03-02"));  // not in the day's prices
  rejected({"b", "market.otc.accept", {{"proposer", "a"}, {"ref", "deal1"}}},
           "market.proposal_closed");
  // A buy proposal reserves cash; the acceptor delivers units directly.
  ok({"c", "market.otc.propose", propose("d2", "buy", "d", 9'500, 1'000, exp)});
  EXPECT_EQ(c().bal(kMarketEscrow, "KRW"), 9'500'000u);
  ok({"d", "market.otc.accept", {{"proposer", "c"}, {"ref", "d2"}}});
  EXPECT_EQ(c().bal("c", "KAU-2026"), kKau + 1'000);
  EXPECT_EQ(c().bal("d", "KRW"), kKrw + 9'500'000);
  EXPECT_EQ(c().bal(kMarketEscrow, "KRW"), 0u);
}

TEST_F(OtcAuctionTest, OtcRulesAndExpiry) {
  uint64_t t = at(0, 18, 0), exp = at(0, 19, 0);
  rejected({"a", "market.otc.propose", propose("x", "sell", "b", 10'000, 999, exp)},
           "market.otc_qty_range", t);
  rejected({"a", "market.otc.propose", propose("x", "sell", "b", 10'000, 1'000'001, exp)},
           "tx.malformed");
  rejected({"a", "market.otc.propose", propose("x", "sell", "a", 10'000, 1'000, exp)},
           "market.bad_counterparty");
  rejected({"a", "market.otc.propose", propose("x", "sell", "zz", 10'000, 1'000, exp)},
           "market.bad_counterparty");
  rejected({"a", "market.otc.propose", propose("x", "sell", "b", 10'010, 1'000, exp)},
           "market.price_off_tick");
  rejected({"a", "market.otc.propose", propose("x", "sell", "b", 12'000, 1'000, exp)},
           "market.price_out_of_band");
  rejected({"a", "market.otc.propose", propose("x", "sell", "b", 10'000, 1'000, t)},
           "market.otc_expired", t);
  rejected({"a", "market.otc.propose", propose("x", "buy", "b", 10'050, 1'000'000, exp)},
           "market.insufficient_cash");
  rejected({"a",
            "market.otc.propose",
            {{"market", "NOPE"},
             {"ref", "x"},
             {"side", "buy"},
             {"counterparty", "b"},
             {"price", 50},
             {"qty", 1000},
             {"expires_ms", exp}}},
           "market.unknown_market");
  ok({"a", "market.otc.propose", propose("x", "sell", "b", 10'000, 1'000, exp)});
  rejected({"a", "market.otc.propose", propose("x", "sell", "b", 10'000, 1'000, exp)},
           "market.duplicate_ref");
  ok({"c", "holdings.transfer", {{"instrument", "KRW"}, {"to", "d"}, {"amount", kKrw - 1}}});
  ok({"a", "market.otc.propose", propose("y", "sell", "c", 10'000, 1'000, exp)});
  rejected({"c", "market.otc.accept", {{"proposer", "a"}, {"ref", "y"}}},
           "market.insufficient_cash");
  rejected({"b", "market.otc.accept", {{"proposer", "a"}, {"ref", "x"}}}, "market.otc_expired",
           exp);
  rejected({"b", "market.otc.accept", {{"proposer", "a"}, {"ref", "nope"}}},
           "market.unknown_proposal");
  ok({"a", "market.otc.cancel", {{"ref", "x"}}});
  ok({"a", "market.otc.cancel", {{"ref", "y"}}});
  EXPECT_EQ(c().bal("a", "KAU-2026"), kKau);
  rejected({"a", "market.otc.cancel", {{"ref", "x"}}}, "market.proposal_closed");
  rejected({"b", "market.otc.cancel", {{"ref", "x"}}}, "market.unknown_proposal");
  rejected({"moe.officers", "market.otc.propose", propose("z", "sell", "b", 10'000, 1'000, exp)},
           "tx.unauthorized_type");
}

std::string commit(const std::string& bidder, uint64_t price, uint64_t qty) {
  return market::auction::commitment("A1", bidder, price, qty, "salt-" + bidder);
}
Json reveal(const std::string& bidder, uint64_t price, uint64_t qty) {
  return {{"auction", "A1"}, {"price", price}, {"qty", qty}, {"salt", "salt-" + bidder}};
}

TEST_F(OtcAuctionTest, GovernmentAuctionClearsAtOnePrice) {
  uint64_t t0 = at(0, 10, 0), close = at(0, 12, 0), reveal_end = at(0, 13, 0);
  Json open = {{"auction", "A1"},
               {"instrument", "KAU-2026"},
               {"qty", 10'000},
               {"reserve_price", 9'000},
               {"bidder_cap", 4'000},
               {"bids_close_ms", close},
               {"reveal_close_ms", reveal_end}};
  rejected({"a", "market.auction.open", open}, "tx.unauthorized_type", t0);
  ok({"moe.officers", "market.auction.open", open});
  ok({"bank.ops", "cash.deposit", {{"to", "muni"}, {"amount", 1}, {"reference", "D1"}}});
  EXPECT_EQ(c().bal(kMarketEscrow, "KAU-2026"), 10'000u);
  EXPECT_EQ(c().bal("moe.officers", "KAU-2026"), 490'000u);
  rejected({"moe.officers", "market.auction.open", open}, "market.auction_exists");
  // Bids: a 4,000 @ 10,000; b 4,000 @ 9,800; c 4,000 @ 9,500 (marginal); d over the cap.
  ok({"a",
      "market.auction.bid",
      {{"auction", "A1"}, {"commitment", commit("a", 10'000, 4'000)}, {"deposit", 50'000'000}}});
  ok({"b",
      "market.auction.bid",
      {{"auction", "A1"}, {"commitment", commit("b", 9'800, 4'000)}, {"deposit", 39'200'000}}});
  ok({"c",
      "market.auction.bid",
      {{"auction", "A1"}, {"commitment", commit("c", 9'500, 4'000)}, {"deposit", 40'000'000}}});
  ok({"d",
      "market.auction.bid",
      {{"auction", "A1"}, {"commitment", commit("d", 11'000, 5'000)}, {"deposit", 60'000'000}}});
  ok({"muni",
      "market.auction.bid",
      {{"auction", "A1"}, {"commitment", commit("muni", 9'900, 100)}, {"deposit", 1}}});
  rejected({"a",
            "market.auction.bid",
            {{"auction", "A1"}, {"commitment", commit("a", 1, 1)}, {"deposit", 1}}},
           "market.duplicate_bid");
  rejected({"a", "market.auction.reveal", reveal("a", 10'000, 4'000)}, "market.not_revealing");
  rejected({"a",
            "market.auction.bid",
            {{"auction", "A2"}, {"commitment", commit("a", 1, 1)}, {"deposit", 1}}},
           "market.unknown_auction");
  rejected({"a", "market.auction.bid", {{"auction", "A1"}, {"commitment", "xyz"}, {"deposit", 1}}},
           "tx.malformed");
  EXPECT_EQ(c().bal(kMarketEscrow, "KRW"), 189'200'001u);
  // Nothing of the price or quantity is in state before the close.
  EXPECT_EQ(rec("mkt/bid/A1/a").count("price"), 0u);
  rejected({"bank.ops",
            "market.auction.bid",
            {{"auction", "A1"}, {"commitment", commit("bank.ops", 1, 1)}, {"deposit", 1}}},
           "market.insufficient_cash");
  rejected({"bank.ops",
            "market.auction.bid",
            {{"auction", "A1"}, {"commitment", commit("bank.ops", 1, 1)}, {"deposit", 1}}},
           "market.auction_closed", close);
  ok({"a", "market.auction.reveal", reveal("a", 10'000, 4'000)});
  rejected({"a", "market.auction.reveal", reveal("a", 10'000, 4'000)}, "market.bad_reveal");
  rejected({"b", "market.auction.reveal", reveal("b", 9'900, 4'000)}, "market.bad_reveal");
  ok({"b", "market.auction.reveal", reveal("b", 9'800, 4'000)});
  ok({"c", "market.auction.reveal", reveal("c", 9'500, 4'000)});
  rejected({"d", "market.auction.reveal", reveal("d", 11'000, 5'000)}, "market.above_cap");
  rejected({"muni", "market.auction.reveal", reveal("muni", 9'900, 100)}, "market.deposit_short");
  rejected(
      {"b", "market.auction.reveal", {{"auction", "A1"}, {"price", 1}, {"qty", 1}, {"salt", "s"}}},
      "market.bad_reveal");
  rejected({"bank.ops", "market.auction.reveal", reveal("bank.ops", 1, 1)}, "market.unknown_bid");
  rejected({"moe.officers", "market.auction.settle", {{"auction", "A1"}}},
           "market.auction_not_over");
  ok({"moe.officers", "market.auction.settle", {{"auction", "A1"}}}, reveal_end);
  rejected({"moe.officers", "market.auction.settle", {{"auction", "A1"}}},
           "market.auction_settled");
  // a 4,000 and b 4,000, c the last 2,000: all at c's 9,500.
  Json auc = rec("mkt/auc/A1");
  EXPECT_EQ(auc["clearing_price"], 9'500);
  EXPECT_EQ(auc["sold"], 10'000);
  EXPECT_EQ(c().bal("a", "KAU-2026"), kKau + 4'000);
  EXPECT_EQ(c().bal("c", "KAU-2026"), kKau + 2'000);
  EXPECT_EQ(c().bal("a", "KRW"), kKrw - 4'000 * 9'500);
  EXPECT_EQ(c().bal("c", "KRW"), kKrw - 2'000 * 9'500);
  EXPECT_EQ(c().bal("d", "KRW"), kKrw);  // unrevealed: refunded
  EXPECT_EQ(c().bal("moe.officers", "KRW"), 10'000u * 9'500);
  EXPECT_EQ(rec("mkt/bid/A1/d")["status"], "unrevealed");
  EXPECT_EQ(rec("mkt/bid/A1/c")["status"], "won");
  EXPECT_EQ(c().bal(kMarketEscrow, "KRW"), 0u);
  EXPECT_EQ(c().bal(kMarketEscrow, "KAU-2026"), 0u);
}

TEST_F(OtcAuctionTest, UnsoldUnitsGoBackAndReserveHolds) {
  ok({"moe.officers",
      "market.auction.open",
      {{"auction", "A1"},
       {"instrument", "KAU-2026"},
       {"qty", 10'000},
       {"reserve_price", 9'000},
       {"bidder_cap", 10'000},
       {"bids_close_ms", at(0, 12, 0)},
       {"reveal_close_ms", at(0, 13, 0)}}},
     at(0, 10, 0));
  rejected({"moe.officers",
            "market.auction.open",
            {{"auction", "A2"},
             {"instrument", "KAU-2026"},
             {"qty", 10'000},
             {"reserve_price", 9'000},
             {"bidder_cap", 10'000},
             {"bids_close_ms", at(0, 12, 0)},
             {"reveal_close_ms", at(0, 12, 0)}}},
           "market.bad_window");
  rejected({"moe.officers",
            "market.auction.open",
            {{"auction", "A2"},
             {"instrument", "KAU-2026"},
             {"qty", 10'000},
             {"reserve_price", 9'000},
             {"bidder_cap", 10'001},
             {"bids_close_ms", at(0, 12, 0)},
             {"reveal_close_ms", at(0, 13, 0)}}},
           "market.bad_config");
  ok({"a",
      "market.auction.bid",
      {{"auction", "A1"}, {"commitment", commit("a", 9'600, 3'000)}, {"deposit", 30'000'000}}});
  ok({"b",
      "market.auction.bid",
      {{"auction", "A1"}, {"commitment", commit("b", 8'000, 3'000)}, {"deposit", 30'000'000}}});
  ok({"a", "market.auction.reveal", reveal("a", 9'600, 3'000)}, at(0, 12, 0));
  rejected({"b", "market.auction.reveal", reveal("b", 8'000, 3'000)}, "market.below_reserve");
  ok({"moe.officers", "market.auction.settle", {{"auction", "A1"}}}, at(0, 13, 0));
  EXPECT_EQ(rec("mkt/auc/A1")["clearing_price"], 9'600);
  EXPECT_EQ(c().bal("moe.officers", "KAU-2026"), 500'000u - 3'000);
  EXPECT_EQ(c().bal("b", "KRW"), kKrw);
  EXPECT_EQ(rec("mkt/bid/A1/b")["status"], "unrevealed");
}

}  // namespace
}  // namespace tanso::mktest
