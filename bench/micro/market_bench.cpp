// Google Benchmark of the market matching engine (core/market_book.h) beside a bare price-time
// book, on the same stream of operations, reporting operations per second as items_per_second.
//
// The stream (1,000,000 operations, fixed seed): 70 % new limit orders, mostly passive within
// 10 ticks of a drifting mid and 12 % priced through the other side's best (they trade), 20 %
// cancels and 10 % amends (half size decreases, which keep priority; half re-pricings) of live
// orders; about 2,000 orders rest in the book. Base 10,000 KRW/t, tick 50, band ±10 %. The
// stream is generated once by running the engine, so every cancel and amend names a live order.
//
// BM_MarketEngine replays it on a fresh Book: validation (tick, band, size, duplicate id, owner),
// matching, Fill records with owners and open quantities. BM_MarketBareBook replays it on the
// simplest fast book: a ladder of price ticks with an intrusive FIFO per tick, orders in an
// array indexed by their (dense) id, no validation, fills as (maker, taker, price, qty). Both
// produce the same fills (checked once before timing). BM_MarketAuctionUncross: 10,000 orders
// collected in a call auction, then one uncross; items are orders.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "core/market_book.h"

namespace tanso::market {
namespace {

constexpr Price kBase = 10'000, kTick = 50;
constexpr size_t kOps = 1'000'000;

Config bench_config() {
  Config c;
  c.tick = kTick;
  c.base_price = kBase;
  return c;
}

enum class OpKind : uint8_t { add, cancel, amend };

struct Op {
  OpKind kind;
  Side side;
  OrderId id;
  OwnerId owner;
  Price price;
  Qty qty;
};

struct Rng {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  int64_t below(int64_t n) { return static_cast<int64_t>(next() % static_cast<uint64_t>(n)); }
};

struct Stream {
  std::vector<Op> ops;
  size_t fills = 0;
  Qty volume = 0;
};

// Runs the engine once to produce a stream whose cancels and amends name live orders.
const Stream& stream() {
  static const Stream s = [] {
    Stream out;
    Rng rng{20'261'122};
    Book book = std::move(Book::create(bench_config()).value());
    std::vector<OrderId> live;                  // ids resting now
    std::unordered_map<OrderId, size_t> where;  // id -> index in live
    auto drop = [&](OrderId id) {
      size_t i = where.at(id);
      where[live.back()] = i;
      live[i] = live.back();
      live.pop_back();
      where.erase(id);
    };
    auto settle = [&](const std::vector<Fill>& fills, OrderId taker, Qty taker_left) {
      for (const Fill& f : fills) {
        if (f.maker_left == 0) drop(f.maker);
        out.volume += f.qty;
      }
      out.fills += fills.size();
      if (taker_left > 0 && !where.count(taker)) {
        where[taker] = live.size();
        live.push_back(taker);
      }
    };
    Price mid = kBase;
    OrderId next_id = 1;
    std::vector<Fill> fills;
    while (out.ops.size() < kOps) {
      if (rng.below(100) < 2) {
        Price m = mid + kTick * (rng.below(3) - 1);
        if (m >= kBase - 10 * kTick && m <= kBase + 10 * kTick) mid = m;
      }
      int64_t r = rng.below(100);
      int cancel_share = live.size() > 2'500 ? 35 : live.size() < 1'500 ? 10 : 20;
      fills.clear();
      if (r < cancel_share && !live.empty()) {
        OrderId id = live[rng.below(static_cast<int64_t>(live.size()))];
        RestingOrder o = *book.find(id);
        out.ops.push_back(Op{OpKind::cancel, o.side, id, o.owner, 0, 0});
        book.cancel(id, o.owner);
        drop(id);
      } else if (r < cancel_share + 10 && !live.empty()) {
        OrderId id = live[rng.below(static_cast<int64_t>(live.size()))];
        RestingOrder o = *book.find(id);
        Price price = o.price;
        Qty qty = o.qty;
        if (rng.below(2) == 0 || qty == 1) {
          price = o.side == Side::buy ? mid - kTick * rng.below(10) : mid + kTick * rng.below(10);
        } else {
          qty = 1 + rng.below(qty - 1);
        }
        out.ops.push_back(Op{OpKind::amend, o.side, id, o.owner, price, qty});
        Ack a = *book.amend(id, o.owner, price, qty, fills);
        if (a.resting == 0) drop(id);
        settle(fills, id, 0);
      } else {
        Side side = rng.below(2) ? Side::buy : Side::sell;
        int64_t k = rng.below(100) < 12 ? -rng.below(4) : 1 + rng.below(10);
        Price price = side == Side::buy ? mid - k * kTick : mid + k * kTick;
        Qty qty = 1 + rng.below(500);
        OrderId id = next_id++;
        OwnerId owner = 1 + static_cast<OwnerId>(rng.below(50));
        out.ops.push_back(Op{OpKind::add, side, id, owner, price, qty});
        Ack a = *book.add(NewOrder{id, owner, side, price, qty}, fills);
        settle(fills, id, a.resting);
      }
    }
    return out;
  }();
  return s;
}

// ---- the engine ----

struct EngineRun {
  size_t fills = 0;
  Qty volume = 0;
  size_t refused = 0;
};

EngineRun replay_engine(const Stream& s) {
  EngineRun run;
  Book book = std::move(Book::create(bench_config()).value());
  std::vector<Fill> fills;
  fills.reserve(64);
  for (const Op& op : s.ops) {
    fills.clear();
    bool ok;
    switch (op.kind) {
      case OpKind::add:
        ok = book.add(NewOrder{op.id, op.owner, op.side, op.price, op.qty}, fills).ok();
        break;
      case OpKind::cancel:
        ok = book.cancel(op.id, op.owner).ok();
        break;
      default:
        ok = book.amend(op.id, op.owner, op.price, op.qty, fills).ok();
        break;
    }
    run.refused += !ok;
    run.fills += fills.size();
    for (const Fill& f : fills) run.volume += f.qty;
  }
  benchmark::DoNotOptimize(book.size());
  return run;
}

void BM_MarketEngine(benchmark::State& state) {
  const Stream& s = stream();
  EngineRun check = replay_engine(s);
  if (check.refused != 0 || check.fills != s.fills || check.volume != s.volume) {
    state.SkipWithError("engine replay differs from the generated stream");
    return;
  }
  for (auto _ : state) benchmark::DoNotOptimize(replay_engine(s).fills);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * s.ops.size()));
  state.counters["fills_per_op"] = static_cast<double>(s.fills) / static_cast<double>(kOps);
}
BENCHMARK(BM_MarketEngine)->Unit(benchmark::kMillisecond);

// ---- the bare book ----

// Price-time priority over a fixed ladder of ticks; ids are dense, prices are tick indexes.
class BareBook {
 public:
  struct BareFill {
    uint64_t maker, taker;
    int64_t price, qty;
  };

  BareBook(size_t ids, int levels)
      : orders_(ids + 1),
        bids_(static_cast<size_t>(levels)),
        asks_(static_cast<size_t>(levels)),
        levels_(levels),
        best_ask_(levels) {}

  void add(uint64_t id, bool buy, int px, int64_t qty, std::vector<BareFill>& fills) {
    if (buy) {
      while (qty > 0 && best_ask_ <= px) {
        take(asks_[static_cast<size_t>(best_ask_)], id, qty, fills);
        if (asks_[static_cast<size_t>(best_ask_)].head == 0) advance_ask();
      }
    } else {
      while (qty > 0 && best_bid_ >= px) {
        take(bids_[static_cast<size_t>(best_bid_)], id, qty, fills);
        if (bids_[static_cast<size_t>(best_bid_)].head == 0) advance_bid();
      }
    }
    if (qty == 0) return;
    Order& o = orders_[id];
    o = Order{qty, 0, 0, px, buy};
    Level& l = (buy ? bids_ : asks_)[static_cast<size_t>(px)];
    o.prev = l.tail;
    if (l.tail)
      orders_[l.tail].next = static_cast<uint32_t>(id);
    else
      l.head = static_cast<uint32_t>(id);
    l.tail = static_cast<uint32_t>(id);
    if (buy && px > best_bid_) best_bid_ = px;
    if (!buy && px < best_ask_) best_ask_ = px;
  }

  void cancel(uint64_t id) {
    Order& o = orders_[id];
    Level& l = (o.buy ? bids_ : asks_)[static_cast<size_t>(o.px)];
    if (o.prev)
      orders_[o.prev].next = o.next;
    else
      l.head = o.next;
    if (o.next)
      orders_[o.next].prev = o.prev;
    else
      l.tail = o.prev;
    o.qty = 0;
    if (l.head == 0) {
      if (o.buy && o.px == best_bid_) advance_bid();
      if (!o.buy && o.px == best_ask_) advance_ask();
    }
  }

  void amend(uint64_t id, int px, int64_t qty, std::vector<BareFill>& fills) {
    Order& o = orders_[id];
    if (px == o.px && qty <= o.qty) {
      o.qty = qty;
      return;
    }
    bool buy = o.buy;
    cancel(id);
    add(id, buy, px, qty, fills);
  }

 private:
  struct Order {
    int64_t qty;
    uint32_t next, prev;  // ids; 0 = none
    int px;
    bool buy;
  };
  struct Level {
    uint32_t head = 0, tail = 0;
  };

  void take(Level& l, uint64_t taker, int64_t& qty, std::vector<BareFill>& fills) {
    while (qty > 0 && l.head) {
      Order& m = orders_[l.head];
      int64_t x = m.qty < qty ? m.qty : qty;
      m.qty -= x;
      qty -= x;
      fills.push_back(BareFill{l.head, taker, m.px, x});
      if (m.qty == 0) {
        l.head = m.next;
        if (l.head)
          orders_[l.head].prev = 0;
        else
          l.tail = 0;
      }
    }
  }
  void advance_bid() {
    while (best_bid_ >= 0 && bids_[static_cast<size_t>(best_bid_)].head == 0) --best_bid_;
  }
  void advance_ask() {
    while (best_ask_ < levels_ && asks_[static_cast<size_t>(best_ask_)].head == 0) ++best_ask_;
  }

  std::vector<Order> orders_;
  std::vector<Level> bids_, asks_;
  int levels_;
  int best_bid_ = -1, best_ask_;
};

// The stream with prices as tick indexes from the band's low end (done before timing).
struct BareOp {
  OpKind kind;
  bool buy;
  uint32_t id;
  int px;
  int64_t qty;
};

const std::vector<BareOp>& bare_stream() {
  static const std::vector<BareOp> ops = [] {
    Band band = price_band(bench_config());
    std::vector<BareOp> out;
    for (const Op& op : stream().ops)
      out.push_back(BareOp{op.kind, op.side == Side::buy, static_cast<uint32_t>(op.id),
                           static_cast<int>((op.price - band.lo) / kTick), op.qty});
    return out;
  }();
  return ops;
}

EngineRun replay_bare(const std::vector<BareOp>& ops, size_t ids, int levels) {
  EngineRun run;
  BareBook book(ids, levels);
  std::vector<BareBook::BareFill> fills;
  fills.reserve(64);
  for (const BareOp& op : ops) {
    fills.clear();
    switch (op.kind) {
      case OpKind::add:
        book.add(op.id, op.buy, op.px, op.qty, fills);
        break;
      case OpKind::cancel:
        book.cancel(op.id);
        break;
      default:
        book.amend(op.id, op.px, op.qty, fills);
        break;
    }
    run.fills += fills.size();
    for (const auto& f : fills) run.volume += f.qty;
  }
  return run;
}

void BM_MarketBareBook(benchmark::State& state) {
  const Stream& s = stream();
  const std::vector<BareOp>& ops = bare_stream();
  Band band = price_band(bench_config());
  int levels = static_cast<int>((band.hi - band.lo) / kTick + 1);
  size_t ids = s.ops.size();
  EngineRun check = replay_bare(ops, ids, levels);
  if (check.fills != s.fills || check.volume != s.volume) {
    state.SkipWithError("bare book fills differ from the engine's");
    return;
  }
  for (auto _ : state) benchmark::DoNotOptimize(replay_bare(ops, ids, levels).fills);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * ops.size()));
  state.counters["fills_per_op"] = static_cast<double>(s.fills) / static_cast<double>(kOps);
}
BENCHMARK(BM_MarketBareBook)->Unit(benchmark::kMillisecond);

// ---- call auction ----

void BM_MarketAuctionUncross(benchmark::State& state) {
  constexpr int kOrders = 10'000;
  std::vector<NewOrder> orders;
  Rng rng{7};
  for (int i = 0; i < kOrders; ++i) {
    Side side = rng.below(2) ? Side::buy : Side::sell;
    int64_t k = rng.below(16) - 5;  // some overlap: the auction has something to clear
    Price price = side == Side::buy ? kBase - k * kTick : kBase + k * kTick;
    orders.push_back(NewOrder{static_cast<OrderId>(i + 1), static_cast<OwnerId>(1 + i % 50), side,
                              price, 1 + rng.below(500)});
  }
  std::vector<Fill> fills;
  for (auto _ : state) {
    Book book = std::move(Book::create(bench_config()).value());
    book.begin_auction();
    for (const NewOrder& o : orders) book.add(o, fills);
    fills.clear();
    benchmark::DoNotOptimize(book.uncross(kBase, fills).value().volume);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * kOrders);
  state.counters["fills"] = static_cast<double>(fills.size());
}
BENCHMARK(BM_MarketAuctionUncross)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace tanso::market
