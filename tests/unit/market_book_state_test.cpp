// The market book's per-order storage (core/market.h, mkt/bk): a tx restores only the orders it
// can touch, walking the committed book merged with its block's and its own writes in key order
// (Overlay::seek, core/state.h). These tests check that this partial, ordered path agrees with
// the whole book:
// - the overlay walk against a plain sorted map, over random stacks of writes and deletions;
// - a random run of orders, cancels and amends in multi-tx blocks (a nearly broke trader makes
//   txs fail after matching) against one engine Book that holds the whole book and sees every
//   op: after every block the stored book is that book (ids, owners, sides, prices, open
//   quantities, sequence numbers), every tx's trades are its fills, failed txs change nothing,
//   open-order counts agree; a node restored from a mid-run snapshot and a re-execution from
//   genesis reach the same roots;
// - a failed tx that matched several levels before failing leaves the book as it was for the
//   next tx of the same block.
#include <gtest/gtest.h>

#include <random>

#include "core/market.h"
#include "market_escrow.h"
#include "market_fixture.h"

namespace tanso::mktest {
namespace {

using market::Book;
using market::Fill;
using market::Price;
using market::Qty;
using market::Side;

std::vector<std::pair<std::string, std::string>> walk(const StateReader& r, std::string_view prefix,
                                                      std::string_view from) {
  std::vector<std::pair<std::string, std::string>> out;
  for (auto c = r.seek(prefix, from); c->valid(); c->next()) out.emplace_back(c->key(), c->value());
  return out;
}

std::vector<std::pair<std::string, std::string>> expect(const std::map<std::string, std::string>& m,
                                                        std::string_view prefix,
                                                        std::string_view from) {
  std::vector<std::pair<std::string, std::string>> out;
  for (auto it = m.lower_bound(std::string(std::max(prefix, from)));
       it != m.end() && it->first.starts_with(prefix); ++it)
    out.push_back(*it);
  return out;
}

TEST(OverlayWalk, MergesTheStackInKeyOrder) {
  std::mt19937_64 rng(20260302);
  auto key = [&] {
    // Two markets' books, and keys around them that the walk must not return.
    static const char* pre[] = {"mkt/bk/M/", "mkt/bk/M/", "mkt/bk/M/", "mkt/bk/N/", "mkt/bi/M/"};
    return std::string(pre[rng() % 5]) + std::to_string(100 + rng() % 80);
  };
  for (int round = 0; round < 200; ++round) {
    State st;
    WriteSet base;
    for (int i = 0; i < 40; ++i) base[key()] = "base" + std::to_string(i);
    st.apply(base);
    std::map<std::string, std::string> committed = st.data();
    auto check = [&](const StateReader& r, const std::map<std::string, std::string>& m) {
      for (const char* prefix : {"mkt/bk/M/", "mkt/bk/N/", "mkt/bk/"}) {
        ASSERT_EQ(walk(r, prefix, prefix), expect(m, prefix, prefix)) << round << " " << prefix;
        std::string from = std::string(prefix) + std::to_string(100 + rng() % 80);
        ASSERT_EQ(walk(r, prefix, from), expect(m, prefix, from)) << round << " " << from;
      }
    };
    // Every other round walks after each write: the overlays' walk hints (runs of deleted keys
    // skipped at once) must follow every write, deletions near the top included.
    const bool fine = round % 2 == 1;
    auto step = [&](Overlay& o, std::map<std::string, std::string>& m, int n) {
      for (int i = 0; i < n; ++i) {
        std::string k = key();
        if (rng() % 3 != 0) {
          o.erase(k);
          m.erase(k);
        } else {
          std::string v = "v" + std::to_string(round) + "." + std::to_string(i);
          o.put(k, v);
          m[k] = v;
        }
        if (fine) check(o, m);
      }
    };
    Overlay block(st);
    std::map<std::string, std::string> in_block = committed;
    step(block, in_block, 30);
    check(block, in_block);
    for (int t = 0; t < 4; ++t) {
      Overlay tx(static_cast<const StateReader&>(block));
      std::map<std::string, std::string> in_tx = in_block;
      step(tx, in_tx, 10);
      check(tx, in_tx);
      if (rng() % 2) {  // the tx succeeds; otherwise it is dropped and leaves nothing
        tx.merge_into(block);
        in_block = std::move(in_tx);
      }
      check(block, in_block);
    }
    st.apply(block.take());
    check(st, in_block);
    ASSERT_EQ(st.data(), in_block);
  }
}

constexpr uint64_t kPoor = 20'000;  // c's KRW: a crossing buy of a few tonnes fails after matching

Json place(std::string side, Price price, Qty qty) {
  return {{"market", "KAU-2026"}, {"side", side}, {"price", price}, {"qty", qty}};
}

class BookStateTest : public MarketFixture {
 protected:
  void SetUp() override {
    MarketFixture::SetUp();
    ok({"krx.ops", "market.create", {{"market", "KAU-2026"}, {"tick", 50}, {"base_price", 10'000}}},
       at(0, 7, 0));
    ok({"c",
        "holdings.transfer",
        {{"instrument", "KRW"}, {"to", "d"}, {"amount", 10'000'000'000 - kPoor}}});
    ok({"c",
        "holdings.transfer",
        {{"instrument", "KAU-2026"}, {"to", "d"}, {"amount", 1'000'000 - 3}}});
    ok({"krx.ops", "market.session.advance", {{"market", "KAU-2026"}}}, at(0, 9, 0, 1));
  }
  void TearDown() override {
    EXPECT_EQ(escrow_problems(c().st), "");
    EXPECT_TRUE(c().replays());
  }
  std::vector<Json> trades_from(uint64_t first) {
    std::vector<Json> out;
    for (uint64_t id = first;; ++id) {
      auto v = c().get("mkt/t/KAU-2026/" + market::pad20(id));
      if (!v) return out;
      out.push_back(Json::parse(*v));
    }
  }
  uint64_t next_trade() {
    return Json::parse(*c().get("mkt/m/KAU-2026"))["next_trade"].get<uint64_t>();
  }
};

const std::vector<std::string> kWho = {"a", "b", "c", "d"};

TEST_F(BookStateTest, EveryBlockAgreesWithTheWholeBook) {
  std::mt19937_64 rng(42);
  auto uni = [&](int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo + 1));
  };
  auto full = *Book::create({50, 10'000, 1000, 100'000}, 1);
  uint64_t next_id = 1;
  std::vector<market::OrderId> ids;
  std::map<std::string, size_t> codes;
  size_t fills_seen = 0;
  uint64_t t = at(0, 9, 1);
  constexpr size_t kBlocks = 300;
  std::map<std::string, std::string> snapshot;
  Hash snapshot_root{};
  size_t snapshot_height = 0;
  for (size_t blk = 0; blk < kBlocks; ++blk) {
    struct Op {
      int kind;
      market::OwnerId who;
      market::OrderId id;
      Side side;
      Price price;
      Qty qty;
    };
    std::vector<Op> ops;
    std::vector<TxSpec> specs;
    for (int64_t n = uni(1, 12); n > 0; --n) {
      Op op{};
      op.who = static_cast<market::OwnerId>(uni(0, 3));
      op.side = uni(0, 1) ? Side::buy : Side::sell;
      op.price = 10'000 + 50 * uni(-8, 8) + (uni(0, 40) == 0 ? 25 : 0);
      op.qty = uni(0, 60) == 0 ? 200'000 : uni(1, 40);
      int64_t r = uni(0, 99);
      op.kind = r < 70 || ids.empty() ? 0 : r < 85 ? 1 : 2;
      if (op.kind) {
        op.id = ids[static_cast<size_t>(uni(0, static_cast<int64_t>(ids.size()) - 1))];
        if (auto o = full.find(op.id); o && uni(0, 9) < 8) op.who = o->owner;
        if (uni(0, 20) == 0) op.id += 1000;  // unknown
      }
      const std::string& who = kWho[op.who];
      if (op.kind == 0)
        specs.push_back({who, "market.order.place",
                         place(op.side == Side::buy ? "buy" : "sell", op.price, op.qty)});
      else if (op.kind == 1)
        specs.push_back({who, "market.order.cancel", {{"market", "KAU-2026"}, {"order", op.id}}});
      else
        specs.push_back({who,
                         "market.order.amend",
                         {{"market", "KAU-2026"},
                          {"order", op.id},
                          {"price", op.price},
                          {"qty", std::min<Qty>(op.qty, 100)}}});
      ops.push_back(op);
    }
    t += static_cast<uint64_t>(uni(1, 30)) * 1000;
    ASSERT_LT(t, at(0, 15, 0));
    uint64_t first_trade = next_trade();
    auto receipts = c().block(specs, t);
    std::vector<Fill> expected;
    for (size_t i = 0; i < ops.size(); ++i) {
      const Op& op = ops[i];
      // The whole book sees the op on a copy, kept only if the ledger took the tx.
      Book trial = full;
      std::vector<Fill> fills;
      std::string code = "ok";
      if (op.kind == 0 && full.orders_of(op.who).size() >= 200) {
        code = "market.too_many_orders";
      } else if (op.kind == 0) {
        auto a = trial.add({next_id, op.who, op.side, op.price, op.qty}, fills);
        if (!a) code = a.error().code;
      } else if (op.kind == 1) {
        auto a = trial.cancel(op.id, op.who);
        if (!a) code = a.error().code;
      } else {
        auto a = trial.amend(op.id, op.who, op.price, std::min<Qty>(op.qty, 100), fills);
        if (!a) code = a.error().code;
      }
      const std::string& got = receipts[i].code;
      ++codes[got];
      if (code != "ok") {
        ASSERT_EQ(got, code) << "block " << blk << " tx " << i << ": " << receipts[i].message;
        continue;
      }
      if (got != "ok") {  // refused after the engine accepted: a reservation fell short
        ASSERT_TRUE(got == "market.insufficient_cash" || got == "market.insufficient_units")
            << got << ": " << receipts[i].message;
        continue;
      }
      if (op.kind == 0) ids.push_back(next_id++);
      full = std::move(trial);
      expected.insert(expected.end(), fills.begin(), fills.end());
    }
    // This block's trades are the whole book's fills, in order.
    auto trades = trades_from(first_trade);
    ASSERT_EQ(trades.size(), expected.size()) << "block " << blk;
    for (size_t i = 0; i < expected.size(); ++i) {
      const Fill& f = expected[i];
      auto buy = f.taker_side == Side::buy ? f.taker : f.maker;
      auto sell = f.taker_side == Side::buy ? f.maker : f.taker;
      ASSERT_EQ(trades[i]["price"].get<Price>(), f.price) << "block " << blk << " fill " << i;
      ASSERT_EQ(trades[i]["qty"].get<Qty>(), f.qty);
      ASSERT_EQ(trades[i]["buy"], std::to_string(buy));
      ASSERT_EQ(trades[i]["sell"], std::to_string(sell));
    }
    fills_seen += expected.size();
    // The stored book is the whole book, entry for entry.
    auto stored = market::load_open_orders(c().st, "KAU-2026");
    auto want = full.orders();
    ASSERT_EQ(stored.size(), want.size()) << "block " << blk;
    for (size_t i = 0; i < want.size(); ++i) {
      const auto& s = stored[i];
      const auto& w = want[i];
      ASSERT_TRUE(s.id == w.id && s.owner == kWho[w.owner] && s.side == w.side &&
                  s.price == w.price && s.open == w.qty && s.seq == w.seq)
          << "block " << blk << " entry " << i << ": stored " << s.id << " want " << w.id;
    }
    for (size_t w = 0; w < kWho.size(); ++w)
      ASSERT_EQ(parse_u64_or0(c().get("mkt/open/" + kWho[w])), full.orders_of(w).size()) << kWho[w];
    ASSERT_EQ(Json::parse(*c().get("mkt/m/KAU-2026"))["next_seq"].get<uint64_t>(), full.next_seq());
    ASSERT_EQ(escrow_problems(c().st), "") << "block " << blk;
    if (blk == kBlocks / 2) {
      snapshot = c().st.data();
      snapshot_root = c().root;
      snapshot_height = c().height;
    }
  }
  // A node restored from the mid-run snapshot (cold: a fresh State) re-executes the rest of
  // the log to the same roots.
  State restored;
  WriteSet ws;
  for (auto& [k, v] : snapshot) ws.emplace(k, v);
  restored.apply(ws);
  Hash root = snapshot_root;
  for (size_t h = snapshot_height; h < c().log.size(); ++h) {
    std::vector<const Tx*> ptrs;
    for (const auto& tx : c().log[h]) ptrs.push_back(&tx);
    BlockOutput out = execute_block(restored, root, h + 1, c().times[h], ptrs, true);
    restored.apply(out.writes);
    root = out.state_root;
    ASSERT_EQ(root, c().roots[h]) << "height " << h + 1;
  }
  EXPECT_EQ(restored.data(), c().st.data());
  // The market state as stored is its JSON dump, written out by hand.
  auto ms = market::load_market(c().st, "KAU-2026");
  ASSERT_TRUE(ms);
  EXPECT_EQ(ms->to_text(), ms->to_json().dump());
  EXPECT_EQ(*c().get("mkt/m/KAU-2026"), ms->to_json().dump());
  // The run exercised what it claims to.
  EXPECT_GT(fills_seen, 300u);
  EXPECT_GT(full.size(), 20u);
  for (const char* code : {"ok", "market.insufficient_cash", "market.price_off_tick",
                           "market.qty_above_max", "market.unknown_order", "market.not_owner"})
    EXPECT_GT(codes[code], 0u) << code;
}

TEST_F(BookStateTest, AFailedSweepLeavesTheBookForTheNextTx) {
  ok({"a", "market.order.place", place("sell", 10'000, 2)});  // 1
  ok({"b", "market.order.place", place("sell", 10'000, 2)});  // 2
  ok({"a", "market.order.place", place("sell", 10'050, 5)});  // 3
  uint64_t first = next_trade();
  // c's buy takes orders 1 and 2 whole (their entries deleted in its overlay) and part of 3,
  // then cannot pay; d's identical buy in the same block must meet the same three orders.
  auto r = c().block({{"c", "market.order.place", place("buy", 10'050, 6)},
                      {"d", "market.order.place", place("buy", 10'050, 6)}});
  EXPECT_EQ(r[0].code, "market.insufficient_cash");
  EXPECT_EQ(r[1].code, "ok");
  auto trades = trades_from(first);
  ASSERT_EQ(trades.size(), 3u);
  EXPECT_EQ(trades[0]["sell"], "1");
  EXPECT_EQ(trades[1]["sell"], "2");
  EXPECT_EQ(trades[2]["sell"], "3");
  EXPECT_EQ(trades[2]["qty"], 2);
  for (const auto& tr : trades) EXPECT_EQ(tr["buy"], "4");  // c's tx used no order id
  auto book = market::load_open_orders(c().st, "KAU-2026");
  ASSERT_EQ(book.size(), 1u);
  EXPECT_EQ(book[0].id, 3u);
  EXPECT_EQ(book[0].open, 3);
  // The filled orders (d's is 4) are closed in their records; the open one's record names its
  // book entry.
  auto rec = [&](uint64_t id) { return c().get("mkt/o/KAU-2026/" + market::pad20(id)); };
  for (uint64_t id : {1, 2, 4}) EXPECT_EQ(Json::parse(*rec(id))["status"], "filled");
  EXPECT_FALSE(rec(5));
  Json r3 = Json::parse(*rec(3));
  EXPECT_EQ(r3["status"], "open");
  EXPECT_TRUE(c().get("mkt/bk/KAU-2026/" +
                      market::book_slot(market::Side::sell, 10'050, r3["seq"].get<uint64_t>())));
}

TEST_F(BookStateTest, KeysSortInPriorityOrder) {
  ok({"a", "market.order.place", place("buy", 9'900, 1)});
  ok({"b", "market.order.place", place("buy", 10'000, 1)});
  ok({"a", "market.order.place", place("buy", 10'000, 1)});
  ok({"b", "market.order.place", place("sell", 10'200, 1)});
  ok({"a", "market.order.place", place("sell", 10'100, 1)});
  std::vector<uint64_t> ids;
  for (const auto& o : market::load_open_orders(c().st, "KAU-2026")) ids.push_back(o.id);
  EXPECT_EQ(ids, (std::vector<uint64_t>{2, 3, 1, 5, 4}));
  // An amend that loses priority moves the entry; one that only decreases keeps it.
  ok({"b",
      "market.order.amend",
      {{"market", "KAU-2026"}, {"order", 2}, {"price", 10'000}, {"qty", 2}}});
  ok({"a",
      "market.order.amend",
      {{"market", "KAU-2026"}, {"order", 3}, {"price", 10'000}, {"qty", 1}}});
  ids.clear();
  for (const auto& o : market::load_open_orders(c().st, "KAU-2026")) ids.push_back(o.id);
  EXPECT_EQ(ids, (std::vector<uint64_t>{3, 2, 1, 5, 4}));
}

}  // namespace
}  // namespace tanso::mktest
