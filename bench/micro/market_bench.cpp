// Google Benchmark of the market matching engine (core/market_book.h) beside a bare price-time
// book, on the same stream of operations, reporting operations per second as items_per_second.
//
// The stream (bench/market_stream.h, shared with `tanso-bench market`; 1,000,000 operations,
// fixed seed): 70 % new limit orders, mostly passive within 10 ticks of a drifting mid and 12 %
// priced through the other side's best (they trade), 20 % cancels and 10 % amends (half size
// decreases, which keep priority; half re-pricings) of live orders; about 2,000 orders rest in
// the book. Base 10,000 KRW/t, tick 50, band ±10 %. The stream is generated once by running the
// engine, so every cancel and amend names a live order.
//
// BM_MarketEngine replays it on a fresh Book: validation (tick, band, size, duplicate id, owner),
// matching, Fill records with owners and open quantities. BM_MarketBareBook replays it on the
// simplest fast book: a ladder of price ticks with an intrusive FIFO per tick, orders in an
// array indexed by their (dense) id, no validation, fills as (maker, taker, price, qty). Both
// produce the same fills (checked once before timing). BM_MarketAuctionUncross: 10,000 orders
// collected in a call auction, then one uncross; items are orders.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "../market_stream.h"
#include "core/market_book.h"

namespace tanso::market {
namespace {

using namespace benchstream;
constexpr size_t kOps = 1'000'000;

const Stream& stream() {
  static const Stream s = make_stream(kOps);
  return s;
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
