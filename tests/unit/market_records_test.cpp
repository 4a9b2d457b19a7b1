// The market's order, trade and day records written without the JSON library
// (core/market_records.h): the text must be exactly nlohmann's dump() of the same object, and
// the readers must give back what the JSON library reads, also for text in another form.
#include "core/market_records.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace tanso::market {
namespace {

using Json = nlohmann::json;

Json order_json(const OrderRecord& r) {
  Json j = {{"owner", r.owner},
            {"side", r.side == Side::buy ? "buy" : "sell"},
            {"price", r.price},
            {"qty", r.qty},
            {"seq", r.seq},
            {"open", r.open},
            {"filled", r.filled},
            {"notional", std::to_string(r.notional)},
            {"status", r.status},
            {"placed_ms", r.placed_ms},
            {"updated_ms", r.updated_ms}};
  if (r.client_id) j["client_id"] = *r.client_id;
  return j;
}

OrderRecord sample() {
  OrderRecord r;
  r.owner = "t-0001";
  r.side = Side::sell;
  r.price = 10'050;
  r.qty = 40;
  r.seq = 77;
  r.open = 15;
  r.filled = 25;
  r.notional = 18'446'744'073'709'551'615ull;  // the largest: still a decimal string
  r.status = "open";
  r.placed_ms = 1'790'000'000'000;
  r.updated_ms = 1'790'000'000'500;
  return r;
}

TEST(MarketRecords, OrderTextIsTheJsonDumpAndReadsBack) {
  for (int v = 0; v < 4; ++v) {
    OrderRecord r = sample();
    if (v >= 1) r.client_id = "far-17";
    if (v >= 2) r.side = Side::buy, r.status = "filled", r.open = 0, r.notional = 0;
    if (v == 3) r.owner = "o\"dd\\\n\xc3\xa9", r.client_id = "\x01";  // escapes and UTF-8
    std::string text = r.to_text();
    EXPECT_EQ(text, order_json(r).dump()) << v;
    auto back = OrderRecord::parse(text);
    ASSERT_TRUE(back) << text;
    EXPECT_EQ(back->to_text(), text);
    EXPECT_EQ(order_json(*back), order_json(r));
  }
}

TEST(MarketRecords, OrderReadsOtherJsonThroughTheLibrary) {
  OrderRecord r = sample();
  r.client_id = "c1";
  std::string pretty = order_json(r).dump(2);  // whitespace: not the writer's form
  auto back = OrderRecord::parse(pretty);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->to_text(), r.to_text());
  // Leading zeros or a missing field: not a record the fast path takes.
  std::string text = r.to_text();
  std::string zero = text;
  zero.replace(zero.find("\"qty\":40"), 8, "\"qty\":040");
  EXPECT_FALSE(OrderRecord::parse(zero));  // not JSON either
  Json j = order_json(r);
  j.erase("status");
  EXPECT_FALSE(OrderRecord::parse(j.dump()));
  EXPECT_FALSE(OrderRecord::parse("not json"));
  EXPECT_FALSE(OrderRecord::parse(""));
}

TEST(MarketRecords, TradeAndDayTextsAreTheJsonDumps) {
  EXPECT_EQ(trade_text(10'000, 7, 123, "continuous", "12", "9", "t-0001", "t-0002"),
            Json({{"price", 10'000},
                  {"qty", 7},
                  {"t", 123},
                  {"kind", "continuous"},
                  {"buy", "12"},
                  {"sell", "9"},
                  {"buyer", "t-0001"},
                  {"seller", "t-0002"}})
                .dump());
  DayStats d{10'000, 10'500, 9'500, 10'100, 1'234, 56, 18'000'000'000'000'000'000ull};
  Json dj = {{"open", 10'000},  {"high", 10'500},  {"low", 9'500},
             {"close", 10'100}, {"volume", 1'234}, {"turnover", "18000000000000000000"},
             {"trades", 56}};
  EXPECT_EQ(d.to_text(), dj.dump());
  auto back = DayStats::parse(d.to_text());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->to_text(), d.to_text());
  auto pretty = DayStats::parse(dj.dump(1));
  ASSERT_TRUE(pretty);
  EXPECT_EQ(pretty->to_text(), d.to_text());
  EXPECT_FALSE(DayStats::parse("{}"));
}

}  // namespace
}  // namespace tanso::market
