// Module internals shared by the market_*.cpp transaction files (not for other modules): one
// market's state and the part of its book one tx needs (see core/market.h for why nothing longer),
// the session steps by block time, reservations and delivery-versus-payment settlement.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/market.h"
#include "core/market_records.h"

namespace tanso::market {

std::string order_key(std::string_view market, OrderId id);
std::string side_text(Side s);
uint64_t open_count(const StateReader& st, std::string_view account);

// Moves the buyer's cash or the seller's units into @market (market.insufficient_cash,
// market.insufficient_units when the account holds less), and back out.
Status reserve_cash(Overlay& st, std::string_view cash, std::string_view from, uint64_t amount);
Status reserve_units(Overlay& st, std::string_view instrument, std::string_view from,
                     uint64_t amount);
// A reservation side by side: cash for a buy, units for a sell.
inline Status reserve_for(Overlay& st, const MarketState& ms, Side s, std::string_view from,
                          uint64_t amount) {
  return s == Side::buy ? reserve_cash(st, ms.cash, from, amount)
                        : reserve_units(st, ms.id, from, amount);
}
Status release(Overlay& st, std::string_view instrument, std::string_view to, uint64_t amount);

class Ledger {
 public:
  // market.unknown_market. The tx's Book starts empty (in the phase's mode): a tx loads only the
  // stored orders it may touch (load_order, load_crossing), or all of them for a session step.
  static Result<Ledger> load(TxEnv& env, std::string_view market);
  Ledger(Ledger&&) = default;

  // Runs the session steps from the stored (day, phase) up to the block's time: opening
  // uncross, start of the closing auction, closing uncross, expiry of the day's orders and the
  // next base price. Idempotent; every market tx of this market calls it first.
  Status advance();

  // Restores one stored order into the tx's book (false: it is not open).
  Result<bool> load_order(OrderId id);
  // Restores the opposite side's orders that an incoming `side` order at `price` for `qty`
  // could trade with in continuous mode: best first while they cross, until their open
  // quantity covers `qty` (the engine can touch no other). Nothing in auction mode.
  Status load_crossing(Side side, Price price, Qty qty);

  MarketState& ms() { return ms_; }
  Book& book() { return *book_; }
  OwnerId owner_id(const std::string& account);
  const std::string& owner_name(OwnerId id) const { return owners_.at(id); }
  const OpenOrder* order(OrderId id) const;
  // Registers a new order's terms (before Book::add) or an amend's new price.
  void track(const OpenOrder& o) { open_[o.id] = o; }

  // Settles fills: units and cash out of @market, refunds, order records, trades, day stats.
  Status settle(const std::vector<Fill>& fills, std::string_view kind);
  // Removes an order from the book and returns its reservation (cancel, expiry).
  Status remove(OrderId id, std::string_view status);
  // Order records read or written in this tx, kept parsed and written once, by save(): the
  // stored record (market.corrupt_book if there is none or it does not parse), to change in place
  // and then mark with changed().
  // With must_exist false, a missing record is nullptr (no such order).
  Result<OrderRecord*> record(OrderId id, bool must_exist = true);
  void put_record(OrderId id, OrderRecord rec) { records_[id] = {std::move(rec), true}; }
  void changed(OrderId id) { records_[id].second = true; }
  // Records a trade (and, unless OTC, the day's prices).
  void record_trade(Price price, Qty qty, std::string_view kind, const std::string& buy,
                    const std::string& sell, const std::string& buyer, const std::string& seller);

  // Writes the book entries of the orders this tx loaded or placed that changed, the order
  // records and day stats it changed, the market state and the owners' open-order counts.
  void save();

 private:
  Ledger(TxEnv& env, MarketState ms) : env_(&env), ms_(std::move(ms)) {}
  Status step();  // one phase forward
  Status expire_all();
  Status load_all();  // every stored order (session steps)
  // Restores a stored entry (key under mkt/bk/<market>/, value) unless already loaded.
  Status restore(std::string_view key, std::string_view value);

  TxEnv* env_;
  MarketState ms_;
  std::optional<Book> book_;
  bool all_loaded_ = false;
  std::map<OrderId, OpenOrder> open_;    // loaded orders and new ones (terms for settlement)
  std::map<OrderId, OpenOrder> stored_;  // the loaded orders as stored (what save() compares)
  std::vector<std::string> owners_;
  std::map<std::string, OwnerId, std::less<>> owner_ids_;
  std::map<std::string, int64_t> before_;  // open orders per owner among the loaded ones
  std::map<OrderId, std::pair<OrderRecord, bool>> records_;  // parsed order records, changed?
  std::map<std::string, DayStats> days_;                     // changed day stats by key
};

// Handlers of the OTC and government auction txs (market_otc.cpp, market_gov_auction.cpp);
// the table of all market handlers is in market_orders.cpp.
namespace otc {
Status propose_check(const Json& b);
Status propose_apply(TxEnv& env);
Status accept_check(const Json& b);
Status accept_apply(TxEnv& env);
Status cancel_check(const Json& b);
Status cancel_apply(TxEnv& env);
}  // namespace otc
namespace auction {
Status open_check(const Json& b);
Status open_apply(TxEnv& env);
Status bid_check(const Json& b);
Status bid_apply(TxEnv& env);
Status reveal_check(const Json& b);
Status reveal_apply(TxEnv& env);
Status settle_check(const Json& b);
Status settle_apply(TxEnv& env);
// The commitment a sealed bid carries: hex SHA-256 of
// "tanso/auction-bid/v1|<auction>|<bidder>|<price>|<qty>|<salt>".
std::string commitment(std::string_view auction, std::string_view bidder, uint64_t price,
                       uint64_t qty, std::string_view salt);
}  // namespace auction

// Body helpers.
Result<Side> side_field(const Json& b, std::string_view type);

}  // namespace tanso::market
