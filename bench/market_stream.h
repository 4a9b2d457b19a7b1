// The matching engine's benchmark stream, shared by the micro-benchmark
// (bench/micro/market_bench.cpp) and `tanso-bench market` (bench/tanso_bench/market.cpp), so
// both measure the same thing.
//
// make_stream(n) (fixed seed): 70 % new limit orders, mostly passive within 10 ticks of a
// drifting mid and 12 % priced through the other side's best (they trade), 20 % cancels and 10 %
// amends (half size decreases, which keep priority; half re-pricings) of live orders; about
// 2,000 orders rest in the book. Base 10,000 KRW/t, tick 50, band +-10 %. The stream is
// generated once by running the engine, so every cancel and amend names a live order.
// replay_engine() replays it on a fresh Book: validation (tick, band, size, duplicate id,
// owner), matching, Fill records with owners and open quantities.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "core/market_book.h"

namespace tanso::market::benchstream {

constexpr Price kBase = 10'000, kTick = 50;

inline Config bench_config() {
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

// Runs the engine once to produce `n` operations whose cancels and amends name live orders.
inline Stream make_stream(size_t n, uint64_t seed = 20'261'122) {
  Stream out;
  Rng rng{seed};
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
  while (out.ops.size() < n) {
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
}

// ---- the engine ----

struct EngineRun {
  size_t fills = 0;
  Qty volume = 0;
  size_t refused = 0;
  size_t resting = 0;  // orders left in the book
};

inline EngineRun replay_engine(const Stream& s) {
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
  run.resting = book.size();
  return run;
}

}  // namespace tanso::market::benchstream
