// Cash (core/cash.h) through the real executor: deposits issued by the bank with a reference
// used once, withdrawal requests that lock the funds in @cash, payment (burn) and rejection by
// the bank, and every rejection code changing nothing but the sender's nonce.
#include "core/cash.h"

#include "market_fixture.h"

namespace tanso::mktest {
namespace {

using CashTest = MarketFixture;

TEST_F(CashTest, DepositIssuesWithAReferenceUsedOnce) {
  uint64_t s0 = supply(c().st, "KRW");
  ok({"bank.ops", "cash.deposit", {{"to", "a"}, {"amount", 5000}, {"reference", "DEP-1"}}});
  EXPECT_EQ(c().bal("a", "KRW"), 10'000'005'000u);
  EXPECT_EQ(supply(c().st, "KRW"), s0 + 5000);
  ASSERT_TRUE(c().get("cash/ref/KRW/DEP-1"));
  EXPECT_EQ(Json::parse(*c().get("cash/ref/KRW/DEP-1"))["account"], "a");
  rejected({"bank.ops", "cash.deposit", {{"to", "b"}, {"amount", 1}, {"reference", "DEP-1"}}},
           "cash.duplicate_reference");
  rejected({"bank.ops",
            "cash.deposit",
            {{"instrument", "KAU-2026"}, {"to", "b"}, {"amount", 1}, {"reference", "X"}}},
           "cash.not_issuer");
  rejected({"bank.ops",
            "cash.deposit",
            {{"instrument", "USD"}, {"to", "b"}, {"amount", 1}, {"reference", "X"}}},
           "cash.unknown_instrument");
  rejected({"bank.ops", "cash.deposit", {{"to", "nobody"}, {"amount", 1}, {"reference", "Y"}}},
           "holdings.unknown_account");
  rejected({"a", "cash.deposit", {{"to", "a"}, {"amount", 1}, {"reference", "Z"}}},
           "tx.unauthorized_type");
  rejected({"bank.ops", "cash.deposit", {{"to", "a"}, {"amount", 0}, {"reference", "Z"}}},
           "tx.malformed");
  rejected({"bank.ops", "cash.deposit", {{"to", "a"}, {"amount", 1}}}, "tx.malformed");
  rejected({"bank.ops", "cash.deposit", {{"to", "a"}, {"amount", 1}, {"reference", "Z"}, {"x", 1}}},
           "tx.unknown_field");
}

TEST_F(CashTest, WithdrawalLocksThenBurnsOrReturns) {
  uint64_t s0 = supply(c().st, "KRW");
  ok({"a", "cash.withdraw.request", {{"amount", 700}, {"request", "w1"}}});
  EXPECT_EQ(c().bal("a", "KRW"), 10'000'000'000u - 700);
  EXPECT_EQ(c().bal(kCashEscrow, "KRW"), 700u);
  EXPECT_EQ(Json::parse(*c().get("cash/wd/a/w1"))["status"], "pending");
  rejected({"a", "cash.withdraw.request", {{"amount", 1}, {"request", "w1"}}},
           "cash.duplicate_request");
  rejected({"a", "cash.withdraw.request", {{"amount", 20'000'000'000}, {"request", "w2"}}},
           "cash.insufficient_funds");
  ok({"b", "cash.withdraw.request", {{"amount", 300}, {"request", "w1"}}});
  EXPECT_EQ(c().bal(kCashEscrow, "KRW"), 1000u);

  // Only the issuer pays out; only pending requests; the reference is used once.
  rejected({"a", "cash.withdraw", {{"account", "a"}, {"request", "w1"}, {"reference", "P1"}}},
           "tx.unauthorized_type");
  rejected(
      {"bank.ops", "cash.withdraw", {{"account", "a"}, {"request", "zz"}, {"reference", "P1"}}},
      "cash.unknown_request");
  ok({"bank.ops", "cash.withdraw", {{"account", "a"}, {"request", "w1"}, {"reference", "P1"}}});
  EXPECT_EQ(supply(c().st, "KRW"), s0 - 700);
  EXPECT_EQ(c().bal(kCashEscrow, "KRW"), 300u);
  EXPECT_EQ(Json::parse(*c().get("cash/wd/a/w1"))["status"], "paid");
  rejected(
      {"bank.ops", "cash.withdraw", {{"account", "a"}, {"request", "w1"}, {"reference", "P2"}}},
      "cash.request_closed");
  rejected(
      {"bank.ops", "cash.withdraw", {{"account", "b"}, {"request", "w1"}, {"reference", "P1"}}},
      "cash.duplicate_reference");

  ok({"bank.ops",
      "cash.withdraw.reject",
      {{"account", "b"}, {"request", "w1"}, {"reason", "KYC"}}});
  EXPECT_EQ(c().bal("b", "KRW"), 10'000'000'000u);
  EXPECT_EQ(c().bal(kCashEscrow, "KRW"), 0u);
  EXPECT_EQ(Json::parse(*c().get("cash/wd/b/w1"))["status"], "rejected");
  rejected({"bank.ops", "cash.withdraw.reject", {{"account", "b"}, {"request", "w1"}}},
           "cash.request_closed");
  // The holder may take back a request the bank has not handled.
  ok({"c", "cash.withdraw.request", {{"amount", 50}, {"request", "w9"}}});
  EXPECT_EQ(c().bal(kCashEscrow, "KRW"), 50u);
  rejected({"c", "cash.withdraw.cancel", {{"request", "nope"}}}, "cash.unknown_request");
  ok({"c", "cash.withdraw.cancel", {{"request", "w9"}}});
  EXPECT_EQ(c().bal("c", "KRW"), 10'000'000'000u);
  EXPECT_EQ(Json::parse(*c().get("cash/wd/c/w9"))["status"], "cancelled");
  rejected({"c", "cash.withdraw.cancel", {{"request", "w9"}}}, "cash.request_closed");
  rejected(
      {"bank.ops", "cash.withdraw", {{"account", "c"}, {"request", "w9"}, {"reference", "P9"}}},
      "cash.request_closed");
  // Nobody can send value to a system holder directly.
  rejected({"a", "holdings.transfer", {{"instrument", "KRW"}, {"to", "@cash"}, {"amount", 1}}},
           "tx.malformed");
  EXPECT_TRUE(c().replays());
}

}  // namespace
}  // namespace tanso::mktest
