// Market matching engine: one limit order book per instrument (docs/MARKET.md, DOMAIN.md §6).
// Pure and deterministic: integer prices (KRW per tonne) and quantities (tonnes), no I/O, no
// clock, no floating point. The same calls in the same order give the same fills and the same
// book on every node. Session rules (which mode when, the pre-close lock on cancel/amend),
// reservations of cash and units, settlement and market data belong to the ledger's executor;
// this file only matches.
//
// Rules
// - Price-time priority: bids by price descending, asks ascending, then by sequence number
//   ascending. The book assigns each accepted order the next sequence number (next_seq());
//   restore() re-inserts a stored order with its original one.
// - Continuous mode: an incoming order matches the opposite side while it crosses, always at the
//   resting (maker) order's price; what is left rests at its limit price. A fully filled order
//   still consumes a sequence number.
// - Cancel removes an order. Amend sets a new limit price and a new *open* quantity (what is left
//   to trade, not the original size): a price change or an increase of the open quantity loses
//   priority (the order gets a new sequence number, goes to the back of its level and, in
//   continuous mode, matches as the aggressor if it now crosses); a decrease alone, or no change,
//   keeps the order's place. Only the order's owner may cancel or amend it.
// - Call-auction mode (begin_auction()): orders, cancels and amends collect without matching, and
//   the book may be crossed. uncross() executes everything at one price, chosen among the limit
//   prices in the book (D(p) = bids at >= p, S(p) = asks at <= p, summed quantities):
//     1. the price that maximizes the executable volume min(D, S);
//     2. among those, the minimum surplus |D - S|;
//     3. if the surplus is on the buy side (D > S) at all remaining prices, the highest of them;
//        if on the sell side (D < S) at all, the lowest;
//     4. otherwise (no surplus, or surplus on both sides) the reference price the caller passes
//        (previous close, or the day's last trade for the closing auction) if it lies between the
//        lowest and highest remaining prices, rounded down to the tick; else the remaining price
//        closest to it.
//   Orders execute in price-time priority (bids >= the price best first, asks <= the price best
//   first, pairing the two queues); every order at a better price than the clearing price fills
//   completely. The leftover stays in the book with its sequence numbers and the book returns
//   to continuous mode; it is never crossed afterwards. In an auction fill neither side is the
//   aggressor: the maker is the order that arrived first (lower sequence number).
// - Daily price band: band_bps (1,000 = 10 %) of the base price (previous close) either side,
//   integer arithmetic, rounded inward to the tick so the band never exceeds 10 %:
//     width = floor(base * band_bps / 10,000), hi = floor((base + width) / tick) * tick,
//     lo = max(tick, ceil((base - width) / tick) * tick).
//   E.g. base 10,000, tick 50: [9,000, 11,000]; base 10,050: width 1,005 -> [9,050, 11,050].
//   The base is itself a price (a positive multiple of the tick), so it is always in its band.
//   The band applies to add() and to amends that lose priority; resting orders stay when the
//   base moves (day orders are the ledger's business).
// - Self-matching is allowed (both owners are in every fill, so the ledger may flag it).
//
// Errors (stable codes; checks run in the order listed, the first failure is returned; a
// refused call changes nothing):
//   add:     market.duplicate_order (an order with this id rests in the book), market.bad_price
//            (<= 0 or above kPriceMax), market.price_off_tick, market.price_out_of_band,
//            market.bad_qty (<= 0), market.qty_above_max (> Config::max_qty)
//   cancel:  market.unknown_order, market.not_owner
//   amend:   market.unknown_order, market.not_owner, market.bad_qty, market.qty_above_max, then,
//            only if the amend loses priority, market.bad_price, market.price_off_tick,
//            market.price_out_of_band
//   restore: market.duplicate_order, market.bad_price, market.price_off_tick, market.bad_qty,
//            market.qty_above_max, market.bad_seq (0, or equal to another order's at that price)
//   uncross: market.not_in_auction
//   create / set_base_price: market.bad_config
// Ids are checked against resting orders only: the ledger keeps ids unique over history.
//
// How the ledger uses it (the executor; not wired yet)
// - Owner and order ids are the caller's integers: intern account ids to OwnerId (any stable
//   mapping; the engine only compares them and reports them back in fills) and derive OrderIds
//   from state (e.g. a per-instrument counter). Reserve cash or units before add(); each Fill
//   says who pays whom how much at what price, and maker_left/taker_left give every touched
//   order's open quantity afterwards, so the executor can update the stored orders and release
//   the reservations of those that reach 0 (and of cancels, and of amend decreases).
// - Rebuilding: store each resting order (RestingOrder, with its seq), next_seq() and mode();
//   create(config, next_seq), restore() every order (any order of calls gives the same book),
//   begin_auction() if the mode was auction. The result is the same book, sequence numbers
//   included; orders() lists it in priority order.
// - Sessions by block time: begin_auction() before the open; uncross(previous close); continuous
//   add/cancel/amend; refuse cancel/amend in the minute before the close (executor check);
//   begin_auction(); uncross(last trade or base); set_base_price(close) for the next day.
// - fills are appended to the caller's vector (clear it yourself; reuse it to avoid allocation).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/market_index.h"
#include "core/status.h"

namespace tanso::market {

using Price = int64_t;  // KRW per tonne
using Qty = int64_t;    // tonnes
using OrderId = uint64_t;
using OwnerId = uint64_t;
using Seq = uint64_t;  // arrival sequence number, > 0

// Bounds that keep every product and sum in int64: price x qty <= 10^12 x 10^6 = 10^18.
inline constexpr Price kPriceMax = 1'000'000'000'000;
inline constexpr Qty kQtyMax = 1'000'000;

enum class Side : uint8_t { buy = 0, sell = 1 };
enum class Mode : uint8_t { continuous, auction };
enum class Aggressor : uint8_t { buy, sell, none };  // none: a call-auction fill

struct Config {
  Price tick = 50;          // prices are positive multiples of the tick
  Price base_price = 0;     // previous close; a positive multiple of the tick
  int64_t band_bps = 1000;  // daily band either side of the base, in 1/10,000 (0..10,000)
  Qty max_qty = 100'000;    // per order (1..kQtyMax)
};

struct Band {
  Price lo = 0;
  Price hi = 0;
};

struct NewOrder {
  OrderId id = 0;
  OwnerId owner = 0;
  Side side = Side::buy;
  Price price = 0;
  Qty qty = 0;
};

// A resting order (also what the ledger stores and restore() takes back).
struct RestingOrder {
  OrderId id = 0;
  OwnerId owner = 0;
  Side side = Side::buy;
  Price price = 0;
  Qty qty = 0;  // open quantity
  Seq seq = 0;
  bool operator==(const RestingOrder&) const = default;
};

struct Fill {
  OrderId maker = 0;
  OrderId taker = 0;
  OwnerId maker_owner = 0;
  OwnerId taker_owner = 0;
  Price price = 0;
  Qty qty = 0;
  Qty maker_left = 0;           // the maker's open quantity after this fill (0: gone from the book)
  Qty taker_left = 0;           // the taker's open quantity after this fill
  Side taker_side = Side::buy;  // the buyer is the taker if buy, else the maker
  Aggressor aggressor = Aggressor::none;
  bool operator==(const Fill&) const = default;
};

// The outcome for the order an add() or amend() acted on.
struct Ack {
  Seq seq = 0;      // its sequence number (unchanged by an amend that keeps priority)
  Qty filled = 0;   // traded by this call
  Qty resting = 0;  // left in the book (0: fully filled)
  bool operator==(const Ack&) const = default;
};

struct DepthLevel {
  Price price = 0;
  Qty qty = 0;
  uint32_t orders = 0;
  bool operator==(const DepthLevel&) const = default;
};

// A call auction's clearing: volume 0 means no trade (price 0 then).
struct Clearing {
  Price price = 0;
  Qty volume = 0;
  Qty surplus = 0;  // D(price) - S(price): > 0 buy side left over, < 0 sell side
  bool operator==(const Clearing&) const = default;
};

// The band for a base price under `c` (see "Daily price band" above).
Band price_band(const Config& c);

class Book {
 public:
  // market.bad_config: tick <= 0 or > kPriceMax, base outside 1..kPriceMax or off the tick,
  // band_bps outside 0..10,000, max_qty outside 1..kQtyMax, next_seq 0.
  static Result<Book> create(const Config& c, Seq next_seq = 1);

  // Matching (continuous mode) or collecting (auction mode); fills appended to `fills`.
  Result<Ack> add(const NewOrder& o, std::vector<Fill>& fills);
  // The open quantity removed.
  Result<Qty> cancel(OrderId id, OwnerId owner);
  Result<Ack> amend(OrderId id, OwnerId owner, Price price, Qty qty, std::vector<Fill>& fills);
  // Re-inserts a stored order as it was (no matching, no band check, priority by its seq).
  Status restore(const RestingOrder& o);

  // Call auction.
  void begin_auction() { mode_ = Mode::auction; }
  // What uncross(reference) would clear now, without executing (volume 0: nothing crosses).
  Clearing indicative(Price reference) const;
  // Executes the clearing, appends its fills and returns to continuous mode.
  Result<Clearing> uncross(Price reference, std::vector<Fill>& fills);

  // The next day's base (previous close); market.bad_config outside 1..kPriceMax or off the
  // tick.
  Status set_base_price(Price base);

  // Queries.
  Mode mode() const { return mode_; }
  const Config& config() const { return cfg_; }
  Band band() const { return band_; }
  Seq next_seq() const { return next_seq_; }
  size_t size() const { return index_.size(); }
  std::optional<Price> best(Side s) const;
  std::optional<RestingOrder> find(OrderId id) const;
  // Up to n price levels of one side, best first: public market data (no owners).
  std::vector<DepthLevel> depth(Side s, size_t n) const;
  // Every resting order in priority order, bids best first, then asks best first; the owner's
  // own only with orders_of() (walks the whole book: O(orders)).
  std::vector<RestingOrder> orders() const;
  std::vector<RestingOrder> orders_of(OwnerId owner) const;
  // Pre-sizes for n resting orders (optional; the book grows by doubling otherwise).
  void reserve(size_t n);

 private:
  // The slot of a resting order `owner` owns: market.unknown_order / market.not_owner otherwise.
  Result<uint32_t> owned(OrderId id, OwnerId owner) const;
  static constexpr uint32_t nil = UINT32_MAX;

  struct Node {  // a resting order in the pool; prev/next link its level's FIFO queue
    OrderId id;
    OwnerId owner;
    Price price;
    Qty qty;
    Seq seq;
    uint32_t prev, next, level;
    Side side;
  };
  struct Level {  // one price on one side: a FIFO of nodes and its summed open quantity
    Price price;
    Qty qty;
    uint32_t head, tail, count;
  };
  struct LevelRef {  // a side's levels, sorted so the best price is at the back
    Price price;
    uint32_t level;
  };

  explicit Book(const Config& c, Seq next_seq);

  Status check_price(Price p, bool band) const;
  Status check_qty(Qty q) const;
  // Matches an incoming order against the opposite side; returns its open quantity left.
  Qty match(Side side, OrderId id, OwnerId owner, Price price, Qty qty, std::vector<Fill>& fills);
  template <Side S>
  Qty match_side(OrderId id, OwnerId owner, Price price, Qty qty, std::vector<Fill>& fills);
  // The level for `price` on `side`, created if absent.
  uint32_t level_at(Side side, Price price);
  void link_back(uint32_t node, uint32_t level);
  void unlink(uint32_t node);  // removes from its level, and the level from its side if empty
  void drop_level(Side side, uint32_t level);
  uint32_t new_node();
  void free_node(uint32_t n);
  uint32_t new_level(Price price);
  RestingOrder resting(const Node& n) const;
  void append_side(Side s, std::vector<RestingOrder>& out, const OwnerId* owner) const;

  Config cfg_;
  Band band_;
  Mode mode_ = Mode::continuous;
  Seq next_seq_ = 1;
  std::vector<Node> nodes_;
  uint32_t free_nodes_ = nil;  // free list through Node::next
  std::vector<Level> levels_;
  uint32_t free_levels_ = nil;      // free list through Level::head
  std::vector<LevelRef> sides_[2];  // [buy]: ascending prices; [sell]: descending
  OrderIndex index_;
};

}  // namespace tanso::market
