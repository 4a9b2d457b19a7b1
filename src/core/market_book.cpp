// Market order book: validation, continuous matching, cancel, amend, restore and the queries
// (the call auction is in market_auction.cpp). Layout: resting orders live in one pool of nodes
// linked into a FIFO per price level; each side keeps its levels in a vector sorted so the best
// price is at the back (orders arrive near the best, so inserts and removals there shift little);
// an open-addressing index maps order ids to nodes. Freed nodes and levels are reused, so a book
// in steady state allocates nothing per order.
#include "core/market_book.h"

#include <algorithm>
#include <string>

namespace tanso::market {

namespace {

Error market_err(const char* code, std::string message) { return err(code, std::move(message)); }

// The base is a price (the previous close): a positive multiple of the tick, so it always lies
// inside its own band.
Status check_base(Price base, Price tick) {
  if (base <= 0 || base > kPriceMax || base % tick != 0)
    return market_err("market.bad_config",
                      "base price " + std::to_string(base) + " must be a multiple of the tick " +
                          std::to_string(tick) + " in 1.." + std::to_string(kPriceMax));
  return ok_status();
}

}  // namespace

Band price_band(const Config& c) {
  Price width = c.base_price * c.band_bps / 10'000;
  Price hi = (c.base_price + width) / c.tick * c.tick;
  Price lo_raw = c.base_price - width;
  Price lo = (lo_raw + c.tick - 1) / c.tick * c.tick;
  return Band{std::max(lo, c.tick), hi};
}

Result<Book> Book::create(const Config& c, Seq next_seq) {
  if (c.tick <= 0 || c.tick > kPriceMax)
    return market_err("market.bad_config", "tick must be 1.." + std::to_string(kPriceMax));
  if (Status s = check_base(c.base_price, c.tick); !s) return s.error();
  if (c.band_bps < 0 || c.band_bps > 10'000)
    return market_err("market.bad_config", "band_bps must be 0..10000");
  if (c.max_qty <= 0 || c.max_qty > kQtyMax)
    return market_err("market.bad_config", "max_qty must be 1.." + std::to_string(kQtyMax));
  if (next_seq == 0) return market_err("market.bad_config", "next_seq must be > 0");
  return Book(c, next_seq);
}

Book::Book(const Config& c, Seq next_seq) : cfg_(c), band_(price_band(c)), next_seq_(next_seq) {}

Status Book::set_base_price(Price base) {
  if (Status s = check_base(base, cfg_.tick); !s) return s;
  cfg_.base_price = base;
  band_ = price_band(cfg_);
  return ok_status();
}

void Book::reserve(size_t n) {
  nodes_.reserve(n);
  levels_.reserve(std::min<size_t>(n, 1u << 16));
  index_.reserve(n);
}

// ---- validation ----

Status Book::check_price(Price p, bool band) const {
  if (p <= 0 || p > kPriceMax)
    return market_err("market.bad_price",
                      "price " + std::to_string(p) + " must be 1.." + std::to_string(kPriceMax));
  if (p % cfg_.tick != 0)
    return market_err("market.price_off_tick", "price " + std::to_string(p) +
                                                   " is not a multiple of the tick " +
                                                   std::to_string(cfg_.tick));
  if (band && (p < band_.lo || p > band_.hi))
    return market_err("market.price_out_of_band",
                      "price " + std::to_string(p) + " is outside today's band [" +
                          std::to_string(band_.lo) + ", " + std::to_string(band_.hi) + "]");
  return ok_status();
}

Status Book::check_qty(Qty q) const {
  if (q <= 0) return market_err("market.bad_qty", "quantity must be > 0");
  if (q > cfg_.max_qty)
    return market_err("market.qty_above_max", "quantity " + std::to_string(q) + " exceeds " +
                                                  std::to_string(cfg_.max_qty) + " per order");
  return ok_status();
}

// ---- pools and levels ----

uint32_t Book::new_node() {
  if (free_nodes_ != nil) {
    uint32_t n = free_nodes_;
    free_nodes_ = nodes_[n].next;
    return n;
  }
  nodes_.push_back(Node{});
  return static_cast<uint32_t>(nodes_.size() - 1);
}

void Book::free_node(uint32_t n) {
  nodes_[n].next = free_nodes_;
  free_nodes_ = n;
}

uint32_t Book::new_level(Price price) {
  uint32_t l;
  if (free_levels_ != nil) {
    l = free_levels_;
    free_levels_ = levels_[l].head;
  } else {
    levels_.push_back(Level{});
    l = static_cast<uint32_t>(levels_.size() - 1);
  }
  levels_[l] = Level{price, 0, nil, nil, 0};
  return l;
}

uint32_t Book::level_at(Side side, Price price) {
  std::vector<LevelRef>& refs = sides_[static_cast<int>(side)];
  // "Better" than `price`: higher for bids, lower for asks; better levels sit nearer the back.
  auto better = [side, price](Price p) { return side == Side::buy ? p > price : p < price; };
  size_t i = refs.size();
  // Most orders arrive near the best price: walk a few levels from the back, then bisect.
  size_t steps = 0;
  while (i > 0 && better(refs[i - 1].price) && ++steps <= 8) --i;
  if (i > 0 && steps > 8) {
    i = static_cast<size_t>(
        std::partition_point(refs.begin(), refs.begin() + i,
                             [&](const LevelRef& r) { return !better(r.price); }) -
        refs.begin());
  }
  // Now refs[0, i) are at `price` or worse, refs[i, end) better.
  if (i > 0 && refs[i - 1].price == price) return refs[i - 1].level;
  uint32_t l = new_level(price);
  refs.insert(refs.begin() + static_cast<ptrdiff_t>(i), LevelRef{price, l});
  return l;
}

void Book::link_back(uint32_t n, uint32_t l) {
  Node& node = nodes_[n];
  Level& lv = levels_[l];
  node.level = l;
  node.prev = lv.tail;
  node.next = nil;
  if (lv.tail != nil)
    nodes_[lv.tail].next = n;
  else
    lv.head = n;
  lv.tail = n;
  lv.qty += node.qty;
  ++lv.count;
}

void Book::drop_level(Side side, uint32_t l) {
  std::vector<LevelRef>& refs = sides_[static_cast<int>(side)];
  Price price = levels_[l].price;
  if (!refs.empty() && refs.back().level == l) {
    refs.pop_back();
  } else {
    auto it = std::partition_point(refs.begin(), refs.end(), [&](const LevelRef& r) {
      return side == Side::buy ? r.price < price : r.price > price;
    });
    refs.erase(it);
  }
  levels_[l].head = free_levels_;
  free_levels_ = l;
}

void Book::unlink(uint32_t n) {
  Node& node = nodes_[n];
  Level& lv = levels_[node.level];
  if (node.prev != nil)
    nodes_[node.prev].next = node.next;
  else
    lv.head = node.next;
  if (node.next != nil)
    nodes_[node.next].prev = node.prev;
  else
    lv.tail = node.prev;
  lv.qty -= node.qty;
  if (--lv.count == 0) drop_level(node.side, node.level);
}

// ---- matching ----

template <Side S>
Qty Book::match_side(OrderId id, OwnerId owner, Price price, Qty qty, std::vector<Fill>& fills) {
  // An incoming order of side S takes liquidity from the opposite side.
  constexpr Side opp = S == Side::buy ? Side::sell : Side::buy;
  constexpr Aggressor agg = S == Side::buy ? Aggressor::buy : Aggressor::sell;
  std::vector<LevelRef>& refs = sides_[static_cast<int>(opp)];
  while (qty > 0 && !refs.empty()) {
    const LevelRef top = refs.back();
    if (S == Side::buy ? top.price > price : top.price < price) break;
    Level& lv = levels_[top.level];
    while (qty > 0 && lv.head != nil) {
      uint32_t m = lv.head;
      Node& maker = nodes_[m];
      Qty x = std::min(qty, maker.qty);
      maker.qty -= x;
      qty -= x;
      lv.qty -= x;
      fills.push_back(Fill{maker.id, id, maker.owner, owner, top.price, x, maker.qty, qty, S, agg});
      if (maker.qty == 0) {
        lv.head = maker.next;
        if (lv.head != nil) nodes_[lv.head].prev = nil;
        --lv.count;
        index_.erase(maker.id);
        free_node(m);
      }
    }
    if (lv.head == nil) {
      refs.pop_back();
      lv.head = free_levels_;
      free_levels_ = top.level;
    }
  }
  return qty;
}

Qty Book::match(Side side, OrderId id, OwnerId owner, Price price, Qty qty,
                std::vector<Fill>& fills) {
  if (mode_ != Mode::continuous) return qty;
  return side == Side::buy ? match_side<Side::buy>(id, owner, price, qty, fills)
                           : match_side<Side::sell>(id, owner, price, qty, fills);
}

Result<Ack> Book::add(const NewOrder& o, std::vector<Fill>& fills) {
  if (index_.find(o.id) != OrderIndex::npos)
    return market_err("market.duplicate_order",
                      "order " + std::to_string(o.id) + " is already in the book");
  if (Status s = check_price(o.price, true); !s) return s.error();
  if (Status s = check_qty(o.qty); !s) return s.error();
  Seq seq = next_seq_++;
  Qty left = match(o.side, o.id, o.owner, o.price, o.qty, fills);
  if (left > 0) {
    uint32_t n = new_node();
    nodes_[n] = Node{o.id, o.owner, o.price, left, seq, nil, nil, nil, o.side};
    link_back(n, level_at(o.side, o.price));
    index_.insert(o.id, n);
  }
  return Ack{seq, o.qty - left, left};
}

Result<uint32_t> Book::owned(OrderId id, OwnerId owner) const {
  uint32_t n = index_.find(id);
  if (n == OrderIndex::npos)
    return market_err("market.unknown_order", "no order " + std::to_string(id) + " in the book");
  if (nodes_[n].owner != owner)
    return market_err("market.not_owner",
                      "order " + std::to_string(id) + " belongs to another participant");
  return n;
}

Result<Qty> Book::cancel(OrderId id, OwnerId owner) {
  auto found = owned(id, owner);
  if (!found) return found.error();
  uint32_t n = *found;
  Qty q = nodes_[n].qty;
  unlink(n);
  index_.erase(id);
  free_node(n);
  return q;
}

Result<Ack> Book::amend(OrderId id, OwnerId owner, Price price, Qty qty, std::vector<Fill>& fills) {
  auto found = owned(id, owner);
  if (!found) return found.error();
  uint32_t n = *found;
  if (Status s = check_qty(qty); !s) return s.error();
  Node& node = nodes_[n];
  if (price == node.price && qty <= node.qty) {  // keeps its place
    levels_[node.level].qty -= node.qty - qty;
    node.qty = qty;
    return Ack{node.seq, 0, qty};
  }
  if (Status s = check_price(price, true); !s) return s.error();
  // Loses priority: out of its level, then in again as a new arrival (matching if it crosses).
  unlink(n);
  Side side = node.side;
  Seq seq = next_seq_++;
  Qty left = match(side, id, owner, price, qty, fills);
  // match() never allocates nodes, so `n` is still this order's slot.
  if (left == 0) {
    index_.erase(id);
    free_node(n);
  } else {
    Node& again = nodes_[n];
    again.price = price;
    again.qty = left;
    again.seq = seq;
    link_back(n, level_at(side, price));
  }
  return Ack{seq, qty - left, left};
}

Status Book::restore(const RestingOrder& o) {
  if (index_.find(o.id) != OrderIndex::npos)
    return market_err("market.duplicate_order",
                      "order " + std::to_string(o.id) + " is already in the book");
  if (Status s = check_price(o.price, false); !s) return s;
  if (Status s = check_qty(o.qty); !s) return s;
  if (o.seq == 0) return market_err("market.bad_seq", "sequence numbers start at 1");
  uint32_t l = level_at(o.side, o.price);
  // Find its place in the level's FIFO: after every order with a lower sequence number.
  uint32_t after = levels_[l].tail;
  while (after != nil && nodes_[after].seq > o.seq) after = nodes_[after].prev;
  if (after != nil && nodes_[after].seq == o.seq)
    return market_err("market.bad_seq", "sequence number " + std::to_string(o.seq) +
                                            " is taken at price " + std::to_string(o.price));
  uint32_t n = new_node();
  nodes_[n] = Node{o.id, o.owner, o.price, o.qty, o.seq, after, nil, l, o.side};
  Level& lv = levels_[l];
  uint32_t before = after == nil ? lv.head : nodes_[after].next;
  nodes_[n].next = before;
  if (after != nil)
    nodes_[after].next = n;
  else
    lv.head = n;
  if (before != nil)
    nodes_[before].prev = n;
  else
    lv.tail = n;
  lv.qty += o.qty;
  ++lv.count;
  index_.insert(o.id, n);
  next_seq_ = std::max(next_seq_, o.seq + 1);
  return ok_status();
}

// ---- queries ----

std::optional<Price> Book::best(Side s) const {
  const std::vector<LevelRef>& refs = sides_[static_cast<int>(s)];
  if (refs.empty()) return std::nullopt;
  return refs.back().price;
}

RestingOrder Book::resting(const Node& n) const {
  return RestingOrder{n.id, n.owner, n.side, n.price, n.qty, n.seq};
}

std::optional<RestingOrder> Book::find(OrderId id) const {
  uint32_t n = index_.find(id);
  if (n == OrderIndex::npos) return std::nullopt;
  return resting(nodes_[n]);
}

std::vector<DepthLevel> Book::depth(Side s, size_t n) const {
  const std::vector<LevelRef>& refs = sides_[static_cast<int>(s)];
  std::vector<DepthLevel> out;
  for (auto it = refs.rbegin(); it != refs.rend() && out.size() < n; ++it) {
    const Level& lv = levels_[it->level];
    out.push_back(DepthLevel{lv.price, lv.qty, lv.count});
  }
  return out;
}

void Book::append_side(Side s, std::vector<RestingOrder>& out, const OwnerId* owner) const {
  const std::vector<LevelRef>& refs = sides_[static_cast<int>(s)];
  for (auto it = refs.rbegin(); it != refs.rend(); ++it)
    for (uint32_t n = levels_[it->level].head; n != nil; n = nodes_[n].next)
      if (!owner || nodes_[n].owner == *owner) out.push_back(resting(nodes_[n]));
}

std::vector<RestingOrder> Book::orders() const {
  std::vector<RestingOrder> out;
  out.reserve(size());
  append_side(Side::buy, out, nullptr);
  append_side(Side::sell, out, nullptr);
  return out;
}

std::vector<RestingOrder> Book::orders_of(OwnerId owner) const {
  std::vector<RestingOrder> out;
  append_side(Side::buy, out, &owner);
  append_side(Side::sell, out, &owner);
  return out;
}

}  // namespace tanso::market
