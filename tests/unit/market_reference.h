// A naive reference matcher for the market engine's differential test: the rules of
// core/market_book.h written as plainly as possible, sharing no code with the engine. Every
// resting order is one element of a flat vector, and every question ("the best ask", "the order
// with this id", "the demand at this price") is answered by scanning the whole vector again.
// Slow on purpose: it is only ever compared with the engine.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "core/market_book.h"

namespace tanso::market::reference {

struct Outcome {
  std::string code;   // "" when accepted
  Ack ack;            // add and amend; for cancel, ack.resting is the quantity cancelled
  Clearing clearing;  // uncross
  std::vector<Fill> fills;
};

class RefBook {
 public:
  RefBook(Price tick, Price base, int64_t band_bps, Qty max_qty)
      : tick_(tick), base_(base), band_bps_(band_bps), max_qty_(max_qty) {}

  std::vector<RestingOrder> book;  // unordered; sorted only when listed
  bool auction = false;
  Seq next_seq = 1;

  void set_base(Price base) { base_ = base; }

  // The band, computed from scratch each time: 10 % of the base, then inward to the tick.
  Price band_lo() const {
    Price lo = base_ - base_ * band_bps_ / 10000;
    while (lo % tick_ != 0) lo = lo + 1;
    if (lo < tick_) lo = tick_;
    return lo;
  }
  Price band_hi() const {
    Price hi = base_ + base_ * band_bps_ / 10000;
    while (hi % tick_ != 0) hi = hi - 1;
    return hi;
  }

  int position(OrderId id) const {
    for (size_t i = 0; i < book.size(); i++)
      if (book[i].id == id) return static_cast<int>(i);
    return -1;
  }

  std::string price_error(Price p) const {
    if (p <= 0 || p > kPriceMax) return "market.bad_price";
    if (p % tick_ != 0) return "market.price_off_tick";
    if (p < band_lo() || p > band_hi()) return "market.price_out_of_band";
    return "";
  }
  std::string qty_error(Qty q) const {
    if (q <= 0) return "market.bad_qty";
    if (q > max_qty_) return "market.qty_above_max";
    return "";
  }

  // The incoming order trades with the best crossing order of the other side, again and again.
  void trade_and_rest(RestingOrder in, Outcome& out) {
    Qty original = in.qty;
    while (!auction && in.qty > 0) {
      int best = -1;
      for (size_t i = 0; i < book.size(); i++) {
        const RestingOrder& o = book[i];
        if (o.side == in.side) continue;
        bool crosses = in.side == Side::buy ? o.price <= in.price : o.price >= in.price;
        if (!crosses) continue;
        if (best == -1) {
          best = static_cast<int>(i);
          continue;
        }
        const RestingOrder& b = book[best];
        bool better_price = in.side == Side::buy ? o.price < b.price : o.price > b.price;
        if (better_price || (o.price == b.price && o.seq < b.seq)) best = static_cast<int>(i);
      }
      if (best == -1) break;
      RestingOrder& maker = book[best];
      Qty q = std::min(in.qty, maker.qty);
      maker.qty -= q;
      in.qty -= q;
      Fill f;
      f.maker = maker.id;
      f.taker = in.id;
      f.maker_owner = maker.owner;
      f.taker_owner = in.owner;
      f.price = maker.price;
      f.qty = q;
      f.maker_left = maker.qty;
      f.taker_left = in.qty;
      f.taker_side = in.side;
      f.aggressor = in.side == Side::buy ? Aggressor::buy : Aggressor::sell;
      out.fills.push_back(f);
      if (maker.qty == 0) book.erase(book.begin() + best);
    }
    if (in.qty > 0) book.push_back(in);
    out.ack = Ack{in.seq, original - in.qty, in.qty};
  }

  Outcome add(const NewOrder& o) {
    Outcome out;
    if (position(o.id) >= 0) {
      out.code = "market.duplicate_order";
      return out;
    }
    out.code = price_error(o.price);
    if (out.code.empty()) out.code = qty_error(o.qty);
    if (!out.code.empty()) return out;
    RestingOrder in{o.id, o.owner, o.side, o.price, o.qty, next_seq};
    next_seq++;
    trade_and_rest(in, out);
    return out;
  }

  Outcome cancel(OrderId id, OwnerId owner) {
    Outcome out;
    int i = position(id);
    if (i < 0) {
      out.code = "market.unknown_order";
    } else if (book[i].owner != owner) {
      out.code = "market.not_owner";
    } else {
      out.ack.resting = book[i].qty;  // the quantity cancelled
      book.erase(book.begin() + i);
    }
    return out;
  }

  Outcome amend(OrderId id, OwnerId owner, Price price, Qty qty) {
    Outcome out;
    int i = position(id);
    if (i < 0) {
      out.code = "market.unknown_order";
      return out;
    }
    if (book[i].owner != owner) {
      out.code = "market.not_owner";
      return out;
    }
    out.code = qty_error(qty);
    if (!out.code.empty()) return out;
    bool loses_priority = price != book[i].price || qty > book[i].qty;
    if (!loses_priority) {
      book[i].qty = qty;
      out.ack = Ack{book[i].seq, 0, qty};
      return out;
    }
    out.code = price_error(price);
    if (!out.code.empty()) return out;
    RestingOrder again = book[i];
    book.erase(book.begin() + i);
    again.price = price;
    again.qty = qty;
    again.seq = next_seq;
    next_seq++;
    trade_and_rest(again, out);
    return out;
  }

  Qty demand(Price p) const {
    Qty d = 0;
    for (const RestingOrder& o : book)
      if (o.side == Side::buy && o.price >= p) d += o.qty;
    return d;
  }
  Qty supply(Price p) const {
    Qty s = 0;
    for (const RestingOrder& o : book)
      if (o.side == Side::sell && o.price <= p) s += o.qty;
    return s;
  }

  // Which rule decided the last clearing(): 1-4, or 0 when nothing crossed (test coverage).
  mutable int decided_by = 0;

  // Rules 1-4 over every limit price in the book, each evaluated from scratch.
  Clearing clearing(Price reference) const {
    decided_by = 0;
    std::vector<Price> prices;
    for (const RestingOrder& o : book) prices.push_back(o.price);
    std::sort(prices.begin(), prices.end());
    prices.erase(std::unique(prices.begin(), prices.end()), prices.end());
    Qty best_volume = 0;
    for (Price p : prices) best_volume = std::max(best_volume, std::min(demand(p), supply(p)));
    if (best_volume == 0) return Clearing{};
    Qty best_surplus = -1;
    for (Price p : prices) {
      if (std::min(demand(p), supply(p)) != best_volume) continue;
      Qty surplus = demand(p) > supply(p) ? demand(p) - supply(p) : supply(p) - demand(p);
      if (best_surplus == -1 || surplus < best_surplus) best_surplus = surplus;
    }
    std::vector<Price> tied;
    for (Price p : prices) {
      Qty surplus = demand(p) > supply(p) ? demand(p) - supply(p) : supply(p) - demand(p);
      if (std::min(demand(p), supply(p)) == best_volume && surplus == best_surplus)
        tied.push_back(p);
    }
    bool buy_pressure = true, sell_pressure = true;
    for (Price p : tied) {
      if (!(demand(p) > supply(p))) buy_pressure = false;
      if (!(demand(p) < supply(p))) sell_pressure = false;
    }
    Price lowest = tied.front(), highest = tied.back();
    int with_max_volume = 0;
    for (Price p : prices)
      if (std::min(demand(p), supply(p)) == best_volume) with_max_volume++;
    decided_by = with_max_volume == 1            ? 1
                 : tied.size() == 1              ? 2
                 : buy_pressure || sell_pressure ? 3
                                                 : 4;
    Price chosen;
    if (buy_pressure) {
      chosen = highest;
    } else if (sell_pressure) {
      chosen = lowest;
    } else if (reference <= lowest) {
      chosen = lowest;
    } else if (reference >= highest) {
      chosen = highest;
    } else {
      chosen = reference;
      while (chosen % tick_ != 0) chosen = chosen - 1;
    }
    return Clearing{chosen, std::min(demand(chosen), supply(chosen)),
                    demand(chosen) - supply(chosen)};
  }

  Outcome uncross(Price reference) {
    Outcome out;
    if (!auction) {
      out.code = "market.not_in_auction";
      return out;
    }
    auction = false;
    Clearing c = clearing(reference);
    Qty left = c.volume;
    while (left > 0) {
      int b = -1, a = -1;
      for (size_t i = 0; i < book.size(); i++) {
        const RestingOrder& o = book[i];
        if (o.side == Side::buy && o.price >= c.price) {
          if (b == -1 || o.price > book[b].price ||
              (o.price == book[b].price && o.seq < book[b].seq))
            b = static_cast<int>(i);
        }
        if (o.side == Side::sell && o.price <= c.price) {
          if (a == -1 || o.price < book[a].price ||
              (o.price == book[a].price && o.seq < book[a].seq))
            a = static_cast<int>(i);
        }
      }
      Qty q = std::min(left, std::min(book[b].qty, book[a].qty));
      book[b].qty -= q;
      book[a].qty -= q;
      left -= q;
      const RestingOrder& maker = book[b].seq < book[a].seq ? book[b] : book[a];
      const RestingOrder& taker = book[b].seq < book[a].seq ? book[a] : book[b];
      Fill f;
      f.maker = maker.id;
      f.taker = taker.id;
      f.maker_owner = maker.owner;
      f.taker_owner = taker.owner;
      f.price = c.price;
      f.qty = q;
      f.maker_left = maker.qty;
      f.taker_left = taker.qty;
      f.taker_side = taker.side;
      f.aggressor = Aggressor::none;
      out.fills.push_back(f);
      // Erase the emptied ones, the higher index first so the lower stays valid.
      int hi = std::max(a, b), lo = std::min(a, b);
      if (book[hi].qty == 0) book.erase(book.begin() + hi);
      if (book[lo].qty == 0) book.erase(book.begin() + lo);
    }
    out.clearing = c;
    return out;
  }

  // Every resting order in priority order: bids high to low, asks low to high, then by seq.
  std::vector<RestingOrder> listing() const {
    std::vector<RestingOrder> sorted = book;
    std::sort(sorted.begin(), sorted.end(), [](const RestingOrder& x, const RestingOrder& y) {
      if (x.side != y.side) return x.side == Side::buy;
      if (x.price != y.price) return x.side == Side::buy ? x.price > y.price : x.price < y.price;
      return x.seq < y.seq;
    });
    return sorted;
  }

 private:
  Price tick_;
  Price base_;
  int64_t band_bps_;
  Qty max_qty_;
};

}  // namespace tanso::market::reference
