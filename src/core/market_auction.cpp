// Market call auction: the single clearing price (rules 1-4 in market_book.h) and its execution
// in price-time priority. Only prices between the best ask and the best bid can trade, so the
// candidates are the book's limit prices in that range, with D and S as running sums over them.
#include <algorithm>
#include <cstdlib>
#include <limits>
#include <vector>

#include "core/market_book.h"

namespace tanso::market {

namespace {

struct Candidate {
  Price price;
  Qty demand;  // bids at >= price
  Qty supply;  // asks at <= price
};

}  // namespace

Clearing Book::indicative(Price reference) const {
  const std::vector<LevelRef>& bids = sides_[static_cast<int>(Side::buy)];   // ascending
  const std::vector<LevelRef>& asks = sides_[static_cast<int>(Side::sell)];  // descending
  if (bids.empty() || asks.empty() || bids.back().price < asks.back().price) return Clearing{};
  const Price lowest = asks.back().price, highest = bids.back().price;

  // Candidate prices ascending: bid levels at >= lowest merged with ask levels at <= highest.
  std::vector<Candidate> cands;
  size_t bi = static_cast<size_t>(
      std::partition_point(bids.begin(), bids.end(),
                           [&](const LevelRef& r) { return r.price < lowest; }) -
      bids.begin());
  size_t ai = asks.size();  // walks from the back (lowest ask) to the front
  while (bi < bids.size() || (ai > 0 && asks[ai - 1].price <= highest)) {
    bool take_bid = bi < bids.size();
    bool take_ask = ai > 0 && asks[ai - 1].price <= highest;
    Price p = take_bid && take_ask ? std::min(bids[bi].price, asks[ai - 1].price)
              : take_bid           ? bids[bi].price
                                   : asks[ai - 1].price;
    Qty bid_qty = 0, ask_qty = 0;
    if (take_bid && bids[bi].price == p) bid_qty = levels_[bids[bi++].level].qty;
    if (take_ask && asks[ai - 1].price == p) ask_qty = levels_[asks[--ai].level].qty;
    // Temporarily the level quantities; turned into running sums below.
    cands.push_back(Candidate{p, bid_qty, ask_qty});
  }
  Qty run = 0;
  for (Candidate& c : cands) c.supply = run += c.supply;
  run = 0;
  for (auto it = cands.rbegin(); it != cands.rend(); ++it) it->demand = run += it->demand;

  // Rule 1: maximum executable volume. Rule 2: minimum surplus among those.
  Qty vmax = 0;
  for (const Candidate& c : cands) vmax = std::max(vmax, std::min(c.demand, c.supply));
  Qty smin = std::numeric_limits<Qty>::max();
  for (const Candidate& c : cands)
    if (std::min(c.demand, c.supply) == vmax) smin = std::min(smin, std::abs(c.demand - c.supply));
  Price lo = 0, hi = 0;
  bool all_buy = true, all_sell = true;
  for (const Candidate& c : cands) {
    if (std::min(c.demand, c.supply) != vmax || std::abs(c.demand - c.supply) != smin) continue;
    if (lo == 0) lo = c.price;
    hi = c.price;
    all_buy = all_buy && c.demand > c.supply;
    all_sell = all_sell && c.demand < c.supply;
  }
  // Rule 3: market pressure. Rule 4: the reference price.
  Price p;
  if (all_buy)
    p = hi;
  else if (all_sell)
    p = lo;
  else if (reference <= lo)
    p = lo;
  else if (reference >= hi)
    p = hi;
  else
    p = reference / cfg_.tick * cfg_.tick;  // >= lo: lo is a multiple of the tick below it

  // D(p) from the first candidate at or above p, S(p) from the last at or below it.
  auto up = std::partition_point(cands.begin(), cands.end(),
                                 [&](const Candidate& c) { return c.price < p; });
  auto down = std::partition_point(cands.begin(), cands.end(),
                                   [&](const Candidate& c) { return c.price <= p; }) -
              1;
  Qty d = up->demand, s = down->supply;
  return Clearing{p, std::min(d, s), d - s};
}

Result<Clearing> Book::uncross(Price reference, std::vector<Fill>& fills) {
  if (mode_ != Mode::auction)
    return err("market.not_in_auction", "the book is not in a call auction");
  Clearing c = indicative(reference);
  mode_ = Mode::continuous;
  std::vector<LevelRef>& bids = sides_[static_cast<int>(Side::buy)];
  std::vector<LevelRef>& asks = sides_[static_cast<int>(Side::sell)];
  // Pair the best bid with the best ask until the volume is done; every order at a better
  // price than c.price lies within the volume, so the two queues never run dry before it.
  for (Qty left = c.volume; left > 0;) {
    uint32_t bn = levels_[bids.back().level].head;
    uint32_t an = levels_[asks.back().level].head;
    Node& b = nodes_[bn];
    Node& a = nodes_[an];
    Qty x = std::min({left, b.qty, a.qty});
    b.qty -= x;
    a.qty -= x;
    levels_[b.level].qty -= x;
    levels_[a.level].qty -= x;
    left -= x;
    const Node& maker = b.seq < a.seq ? b : a;
    const Node& taker = b.seq < a.seq ? a : b;
    fills.push_back(Fill{maker.id, taker.id, maker.owner, taker.owner, c.price, x, maker.qty,
                         taker.qty, taker.side, Aggressor::none});
    for (uint32_t n : {bn, an}) {
      if (nodes_[n].qty != 0) continue;
      index_.erase(nodes_[n].id);
      unlink(n);
      free_node(n);
    }
  }
  return c;
}

}  // namespace tanso::market
