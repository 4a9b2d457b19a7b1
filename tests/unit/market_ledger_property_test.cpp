// Randomized property test of the market on the ledger (core/market.h) through the real
// executor: thousands of random orders, cancels, amends and session advances from four traders
// (two rich, two nearly broke, so insufficient cash and units happen), valid ones mixed with every
// kind of breach (off tick, out of band, too large, someone else's order, unknown orders, orders
// outside a session, changes in the pre-close lock), in blocks of random size whose time moves
// by up to 30 minutes, so many days pass with their opening and closing call auctions. After
// every block the ledger must agree with a model kept independently: the naive reference
// matcher (market_reference.h) for the book and the rules of sessions, reservations and
// settlement written out longhand over plain maps: the same receipt code for every tx, the same
// balances (participants and @market), the same book (ids, owners, sides, prices, open
// quantities, sequence numbers) as the state-derived one, and the escrow and conservation
// invariants. At the end, re-executing the log from genesis gives the same state roots. The seed
// is printed on failure; set TANSO_SEED to replay one.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "core/limits.h"
#include "core/market.h"
#include "core/market_data.h"
#include "market_escrow.h"
#include "market_fixture.h"
#include "market_reference.h"

namespace tanso::mktest {
namespace {

using market::Fill;
using market::Price;
using market::Qty;
using market::Side;

// Release: 3 seeds x 6,000 txs (~27 s). Under AddressSanitizer+UBSan the libraries run at -O0
// with checks and one seed takes ~40 s, so the sanitizer build (make asan-test) runs the first
// seed only, whole (its coverage checks — days, base changes, trades — need the whole seed).
#if defined(__SANITIZE_ADDRESS__)
#define TANSO_MARKET_PROP_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#define TANSO_MARKET_PROP_SANITIZED 1
#endif
#endif
constexpr size_t kTxsPerSeed = 6'000;
const std::vector<std::string> kTraders = {"a", "b", "c", "d"};
constexpr Price kTick = 50;
constexpr Price kBase0 = 10'000;
// A short day so that call auctions come often: pre-open 01:00, open 02:00, closing auction
// 20:00, close 21:00 (local), 10 minutes of pre-close lock, every day a trading day.
constexpr uint64_t kPreOpen = 1 * kHourMs, kOpen = 2 * kHourMs, kCloseAuction = 20 * kHourMs,
                   kClose = 21 * kHourMs, kLock = 10 * kMinMs;

enum Ph { before = 0, pre_open = 1, continuous = 2, closing = 3, closed = 4 };

struct Meta {
  std::string owner;
  Side side;
  Price limit;
};

// The model: balances, the reference book and the session, by the rules of core/market.h.
struct Model {
  std::map<std::pair<std::string, std::string>, uint64_t> bal;  // (account, instrument)
  market::reference::RefBook book{kTick, kBase0, 1000, 100'000};
  std::map<market::OrderId, Meta> meta;
  int64_t day = 0;
  int phase = before;
  Price base = kBase0, last = 0;
  uint64_t next_id = 1;

  static market::OwnerId owner_of(const std::string& a) {
    for (size_t i = 0; i < kTraders.size(); ++i)
      if (kTraders[i] == a) return i;
    return 99;
  }
  void move(const std::string& inst, const std::string& from, const std::string& to, uint64_t n) {
    uint64_t& have = bal[std::pair(from, inst)];
    ASSERT_GE(have, n) << from << " " << inst;
    have -= n;
    bal[{to, inst}] += n;
  }
  void settle(const std::vector<Fill>& fills) {
    for (const Fill& f : fills) {
      auto buy = f.taker_side == Side::buy ? f.taker : f.maker;
      auto sell = f.taker_side == Side::buy ? f.maker : f.taker;
      const Meta& b = meta.at(buy);
      const Meta& s = meta.at(sell);
      move("KAU-2026", "@market", b.owner, f.qty);
      move("KRW", "@market", s.owner, f.price * f.qty);
      move("KRW", "@market", b.owner, (b.limit - f.price) * f.qty);
      last = f.price;
    }
  }
  void step() {
    if (phase == before) {
      book.auction = true;
    } else if (phase == pre_open) {
      settle(book.uncross(base).fills);
    } else if (phase == continuous) {
      book.auction = true;
    } else if (phase == closing) {
      settle(book.uncross(last ? last : base).fills);
      for (const auto& o : book.listing()) {
        const Meta& m = meta.at(o.id);
        move(m.side == Side::buy ? "KRW" : "KAU-2026", "@market", m.owner,
             market::reservation(m.side, m.limit, o.qty));
        book.cancel(o.id, o.owner);
      }
      if (last) {
        base = last;
        book.set_base(base);
      }
    }
    ++phase;
  }
  static std::pair<int64_t, int> session(uint64_t t, uint64_t* tod_out) {
    uint64_t local = t + 9 * kHourMs;
    int64_t d = static_cast<int64_t>(local / kDayMs);
    uint64_t tod = local % kDayMs;
    *tod_out = tod;
    int p = tod < kPreOpen        ? before
            : tod < kOpen         ? pre_open
            : tod < kCloseAuction ? continuous
            : tod < kClose        ? closing
                                  : closed;
    return {d, p};
  }
  void advance(uint64_t t) {
    uint64_t tod;
    auto [d, p] = session(t, &tod);
    if (d > day) {
      if (phase != before)
        while (phase != closed) step();
      day = d;
      phase = before;
      last = 0;
    }
    while (phase < p) step();
  }
  size_t open_of(const std::string& a) const {
    size_t n = 0;
    for (const auto& o : book.book) n += meta.at(o.id).owner == a;
    return n;
  }
  std::string reserve(Side s, const std::string& who, uint64_t n) {
    const char* inst = s == Side::buy ? "KRW" : "KAU-2026";
    if (bal[{who, inst}] < n)
      return s == Side::buy ? "market.insufficient_cash" : "market.insufficient_units";
    move(inst, who, "@market", n);
    return "ok";
  }
  std::string changes_allowed(uint64_t t) const {
    uint64_t tod;
    session(t, &tod);
    if (phase != pre_open && phase != continuous && phase != closing)
      return "market.session_closed";
    if (phase == closing || (phase == continuous && tod + kLock >= kCloseAuction))
      return "market.pre_close_lock";
    return "ok";
  }

  std::string place(uint64_t t, const std::string& who, Side side, Price price, Qty qty) {
    advance(t);
    if (phase != pre_open && phase != continuous && phase != closing)
      return "market.session_closed";
    if (open_of(who) >= limits::market_open_orders_max) return "market.too_many_orders";
    market::OrderId id = next_id;
    meta[id] = {who, side, price};
    auto out = book.add({id, owner_of(who), side, price, qty});
    if (!out.code.empty()) return out.code;
    ++next_id;
    if (auto r = reserve(side, who, market::reservation(side, price, qty)); r != "ok") return r;
    settle(out.fills);
    return "ok";
  }
  std::string cancel(uint64_t t, const std::string& who, market::OrderId id) {
    advance(t);
    if (auto r = changes_allowed(t); r != "ok") return r;
    int i = book.position(id);
    if (i < 0) return "market.unknown_order";
    Qty open = book.book[i].qty;
    auto out = book.cancel(id, owner_of(who));
    if (!out.code.empty()) return out.code;
    const Meta& m = meta.at(id);
    move(m.side == Side::buy ? "KRW" : "KAU-2026", "@market", who,
         market::reservation(m.side, m.limit, open));
    return "ok";
  }
  std::string amend(uint64_t t, const std::string& who, market::OrderId id, Price price, Qty qty) {
    advance(t);
    if (auto r = changes_allowed(t); r != "ok") return r;
    int i = book.position(id);
    if (i < 0) return "market.unknown_order";
    Qty open = book.book[i].qty;
    auto out = book.amend(id, owner_of(who), price, qty);
    if (!out.code.empty()) return out.code;
    Meta& m = meta.at(id);
    uint64_t was = market::reservation(m.side, m.limit, open);
    uint64_t now = market::reservation(m.side, price, qty);
    if (now > was) {
      if (auto r = reserve(m.side, who, now - was); r != "ok") return r;
    } else {
      move(m.side == Side::buy ? "KRW" : "KAU-2026", "@market", who, was - now);
    }
    m.limit = price;
    settle(out.fills);
    return "ok";
  }
};

struct Op {
  TxSpec spec;
  int kind;  // 0 place, 1 cancel, 2 amend, 3 advance
  std::string who;
  Side side = Side::buy;
  Price price = 0;
  Qty qty = 0;
  market::OrderId id = 0;
};

void run_seed(uint64_t seed) {
  SCOPED_TRACE("seed " + std::to_string(seed) + " (replay with TANSO_SEED=" + std::to_string(seed) +
               ")");
  std::mt19937_64 rng(seed);
  auto uni = [&](uint64_t lo, uint64_t hi) {
    return std::uniform_int_distribution<uint64_t>(lo, hi)(rng);
  };
  Json g = genesis();
  // c and d are nearly broke: their orders often exceed what they hold.
  for (auto& b : g["balances"]) {
    if (b["account"] == "c" || b["account"] == "d")
      b["amount"] = b["instrument"] == "KRW" ? "30000000" : "3000";
  }
  auto gen = apply_genesis(g.dump());
  ASSERT_TRUE(gen) << gen.error().message;
  Chain chain(*gen);
  Model m;
  for (const auto& [k, v] : chain.st.data())
    if (k.starts_with("bal/")) {
      auto rest = k.substr(4);
      auto slash = rest.rfind('/');
      m.bal[{rest.substr(0, slash), rest.substr(slash + 1)}] = parse_u64_or0(v);
    }
  Json sched = {{"pre_open_ms", kPreOpen}, {"open_ms", kOpen}, {"close_auction_ms", kCloseAuction},
                {"close_ms", kClose},      {"lock_ms", kLock}, {"weekdays_only", false}};
  uint64_t t = kMonday + 3 * kHourMs;  // 03:00 KST: continuous
  auto r0 = chain.block(
      {{"krx.ops",
        "market.create",
        {{"market", "KAU-2026"}, {"tick", kTick}, {"base_price", kBase0}, {"schedule", sched}}}},
      t);
  ASSERT_EQ(r0.at(0).code, "ok") << r0.at(0).message;
  uint64_t tod;
  std::tie(m.day, m.phase) = Model::session(t, &tod);
  std::map<std::string, size_t> codes;
  std::set<Price> bases;
  size_t done = 0;
  while (done < kTxsPerSeed) {
    t += uni(0, 30) * kMinMs + uni(0, 59) * 1000;
    size_t n = uni(1, 20);
    std::vector<Op> ops;
    for (size_t i = 0; i < n; ++i) {
      Op op;
      op.who = kTraders[uni(0, kTraders.size() - 1)];
      uint64_t r = uni(0, 99);
      Price band = m.base / 10;
      auto rnd_price = [&]() -> Price {
        Price p = m.base - band - 2 * kTick +
                  static_cast<Price>(uni(0, (2 * band + 4 * kTick) / kTick)) * kTick;
        p = p / kTick * kTick;
        if (uni(0, 99) < 3) p += 10;  // off tick
        return p < kTick ? kTick : p;
      };
      auto rnd_qty = [&]() -> Qty {
        uint64_t q = uni(0, 99);
        return q < 2    ? 100'001
               : q < 10 ? static_cast<Qty>(uni(1'000, 5'000))
                        : static_cast<Qty>(uni(1, 400));
      };
      auto rnd_order = [&]() -> market::OrderId {
        if (!m.book.book.empty() && uni(0, 9) < 8)
          return m.book.book[uni(0, m.book.book.size() - 1)].id;
        return uni(1, m.next_id + 3);
      };
      if (r < 60) {
        op.kind = 0;
        op.side = uni(0, 1) ? Side::buy : Side::sell;
        op.price = rnd_price();
        op.qty = rnd_qty();
        op.spec = {op.who,
                   "market.order.place",
                   {{"market", "KAU-2026"},
                    {"side", op.side == Side::buy ? "buy" : "sell"},
                    {"price", op.price},
                    {"qty", op.qty}}};
      } else if (r < 78) {
        op.kind = 1;
        op.id = rnd_order();
        // Mostly the owner cancels its own order.
        if (auto it = m.meta.find(op.id); it != m.meta.end() && uni(0, 9) < 8)
          op.who = it->second.owner;
        op.spec = {op.who, "market.order.cancel", {{"market", "KAU-2026"}, {"order", op.id}}};
      } else if (r < 97) {
        op.kind = 2;
        op.id = rnd_order();
        if (auto it = m.meta.find(op.id); it != m.meta.end() && uni(0, 9) < 8) {
          op.who = it->second.owner;
          op.price = uni(0, 1) ? it->second.limit : rnd_price();
        } else {
          op.price = rnd_price();
        }
        op.qty = rnd_qty();
        op.spec = {
            op.who,
            "market.order.amend",
            {{"market", "KAU-2026"}, {"order", op.id}, {"price", op.price}, {"qty", op.qty}}};
      } else {
        op.kind = 3;
        op.who = "krx.ops";
        op.spec = {"krx.ops", "market.session.advance", {{"market", "KAU-2026"}}};
      }
      ops.push_back(op);
    }
    std::vector<TxSpec> specs;
    for (const auto& op : ops) specs.push_back(op.spec);
    auto receipts = chain.block(specs, t);
    for (size_t i = 0; i < ops.size(); ++i) {
      const Op& op = ops[i];
      Model snap = m;
      std::string want = op.kind == 0   ? m.place(t, op.who, op.side, op.price, op.qty)
                         : op.kind == 1 ? m.cancel(t, op.who, op.id)
                         : op.kind == 2 ? m.amend(t, op.who, op.id, op.price, op.qty)
                                        : (m.advance(t), std::string("ok"));
      if (want != "ok") m = snap;  // the executor drops a failed tx's overlay
      ASSERT_EQ(receipts[i].code, want)
          << "block " << chain.height << " tx " << i << " " << op.spec.type << " "
          << op.spec.body.dump() << " by " << op.who << ": " << receipts[i].message;
      ++codes[want];
    }
    done += ops.size();
    // The state-derived book is the model's book.
    auto stored = market::load_open_orders(chain.st, "KAU-2026");
    auto ref = m.book.listing();
    ASSERT_EQ(stored.size(), ref.size()) << "block " << chain.height;
    for (size_t i = 0; i < ref.size(); ++i) {
      const auto& s = stored[i];
      const auto& r = ref[i];
      ASSERT_TRUE(s.id == r.id && s.owner == kTraders.at(r.owner) && s.side == r.side &&
                  s.price == r.price && s.open == r.qty && s.seq == r.seq)
          << "block " << chain.height << " book entry " << i << ": stored id " << s.id
          << " model id " << r.id;
    }
    for (const auto& [k, v] : m.bal) {
      ASSERT_EQ(chain.bal(k.first, k.second), v)
          << "block " << chain.height << " balance " << k.first << " " << k.second;
    }
    ASSERT_EQ(escrow_problems(chain.st), "") << "block " << chain.height;
    Json ms = Json::parse(*chain.get("mkt/m/KAU-2026"));
    ASSERT_EQ(ms["base_price"].get<Price>(), m.base) << "block " << chain.height;
    bases.insert(m.base);
  }
  // Every rule fired at least once, and many trades happened.
  for (const char* c :
       {"ok", "market.insufficient_cash", "market.insufficient_units", "market.price_off_tick",
        "market.price_out_of_band", "market.qty_above_max", "market.unknown_order",
        "market.not_owner", "market.session_closed", "market.pre_close_lock"})
    EXPECT_GT(codes[c], 0u) << c;
  size_t trades = 0;
  std::map<std::string, size_t> kinds;
  chain.st.scan("mkt/t/", [&](const std::string&, const std::string& v) {
    ++trades;
    ++kinds[Json::parse(v)["kind"].get<std::string>()];
  });
  EXPECT_GT(trades, 500u);
  // Market data (core/market_data.h) agrees with the trade records: hourly candles recomputed
  // here from every trade (by block time, in id order), and the KAU year totals.
  {
    struct Hour {
      Price open = 0, high = 0, low = 0, close = 0;
      uint64_t volume = 0, turnover = 0, n = 0;
    };
    std::map<uint64_t, Hour> hours;
    uint64_t volume = 0, turnover = 0;
    chain.st.scan("mkt/t/KAU-2026/", [&](const std::string&, const std::string& v) {
      Json t = Json::parse(v);
      auto p = t["price"].get<Price>();
      auto q = t["qty"].get<uint64_t>();
      Hour& h = hours[t["t"].get<uint64_t>() / kHourMs * kHourMs];
      if (h.n++ == 0) h.open = h.high = h.low = p;
      h.high = std::max(h.high, p), h.low = std::min(h.low, p), h.close = p;
      h.volume += q, h.turnover += static_cast<uint64_t>(p) * q;
      volume += q, turnover += static_cast<uint64_t>(p) * q;
    });
    auto got = market::market_candles(chain.st, "KAU-2026", "1h", kMonday - kDayMs,
                                      kMonday + 20 * kDayMs, 0);
    ASSERT_TRUE(got);
    ASSERT_EQ((*got)["candles"].size(), hours.size());
    size_t i = 0;
    for (const auto& [t, h] : hours) {
      const Json& c = (*got)["candles"][i++];
      EXPECT_EQ(c, Json({{"t", t},
                         {"open", h.open},
                         {"high", h.high},
                         {"low", h.low},
                         {"close", h.close},
                         {"volume", h.volume},
                         {"turnover", u64_text(h.turnover)},
                         {"trades", h.n},
                         {"vwap", h.turnover / h.volume}}));
    }
    auto y = market::kau_year_totals(chain.st, 2026);
    EXPECT_EQ(y.volume, volume);
    EXPECT_EQ(y.turnover, u64_text(turnover));
    EXPECT_EQ(y.trades, trades);
  }
  EXPECT_GT(m.day - Model::session(kMonday, &tod).first, 3);
  EXPECT_GT(bases.size(), 2u);  // closes moved the band
  for (const char* k : {"open", "continuous", "close"}) EXPECT_GT(kinds[k], 0u) << k;
  std::string summary;
  for (const auto& [c, n] : codes) summary += c + "=" + std::to_string(n) + " ";
  std::printf(
      "seed %llu: %zu txs in %llu blocks, %zu trades, %lld days, trades by kind: open %zu, "
      "continuous %zu, close %zu; codes: %s\n",
      static_cast<unsigned long long>(seed), done, static_cast<unsigned long long>(chain.height),
      trades, static_cast<long long>(m.day - Model::session(kMonday, &tod).first), kinds["open"],
      kinds["continuous"], kinds["close"], summary.c_str());
  EXPECT_TRUE(chain.replays()) << "re-execution from genesis gave other state roots";
}

class MarketProperty : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { init_crypto(); }
};

TEST_F(MarketProperty, LedgerAgreesWithTheModelAcrossSessions) {
  if (const char* s = std::getenv("TANSO_SEED")) {
    run_seed(std::strtoull(s, nullptr, 10));
    return;
  }
#ifdef TANSO_MARKET_PROP_SANITIZED
  for (uint64_t seed : {1u}) {
#else
  for (uint64_t seed : {1u, 2u, 3u}) {
#endif
    run_seed(seed);
    if (HasFatalFailure()) return;
  }
}

}  // namespace
}  // namespace tanso::mktest
