// The market on the ledger (issue 5 part 2, DOMAIN.md §6, docs/MARKET.md "On the ledger"): one
// order book per instrument run by the pure matching engine (core/market_book.h) inside the
// deterministic state machine, with reservations in escrow, delivery-versus-payment settlement,
// sessions by block time, negotiated (OTC) trades and government auctions.
//
// State is the only truth. Every market tx restores into a fresh engine Book the part of its
// market's book it can touch, read from state (one key per open order under mkt/bk/<market>,
// whose key order is priority order, with its sequence number): the order a cancel or amend
// names, and the opposite side from the best price while it crosses and until its quantity
// covers the incoming order (what the engine can match against); a session step (uncross,
// expiry) restores the whole book. The tx acts on that local copy and writes back into its own
// overlay only the entries that changed, so an order tx costs O(log n + fills), not O(book).
// No book outlives a tx and there is no cache, so a tx the executor drops (any failure) drops
// its book with it, and every node, restart, restore and `tanso verify` see exactly the
// state-derived book. Overlays keep mkt/bk/ keys in order too (core/state.h ordered_key), so a
// tx walks the committed book merged with its block's earlier writes and its own.
//
// Reservations: placing an order moves the seller's units, or the buyer's limit price x quantity
// in cash, with transfer_units into the system holder @market (core/holdings.h); fills pay out of
// it in the same tx (units to the buyer, price x qty to the seller, and the buyer's difference
// between its limit and the trade price back to it); cancel, amend decreases and the end of the
// day release what is left. Invariant (tested): balance(@market, instrument) == sum over open
// orders of the market of their open quantity (sells) + sum over open OTC proposals; and
// balance(@market, cash) == sum of limit x open over open buys + open OTC buy proposals + cash
// deposited by sealed auction bids; the units offered in open auctions are in @market too.
//
// Key space (JSON values unless noted; <id> is a 20-digit zero-padded decimal):
//   mkt/m/<market>                 MarketState: config, schedule, session, counters
//   mkt/bk/<market>/<b|s>/<pk>/<seq>  an open order (plain text): "<id> <owner> <open>"; <pk> is
//                                  the price for asks and kPriceMax - price for bids, <pk> and
//                                  <seq> 20-digit zero-padded: each side sorts best price first,
//                                  then by arrival (market_ledger.cpp)
//   mkt/book/<market>              "" (written by market.create; the book was one text value
//                                  here before it moved to mkt/bk)
//   mkt/o/<market>/<id>            order record {owner, side, price, qty, open, filled, notional,
//                                  status ("open"|"filled"|"cancelled"|"expired"), client_id?,
//                                  seq, placed_ms, updated_ms}: while open, its mkt/bk entry is
//                                  <b|s>/<pk of price>/<seq> (how cancel and amend find it).
//                                  Written without the JSON library, the text dump() gives
//                                  (core/market_records.h), as are trades and day stats
//   mkt/cid/<account>/<client_id>  "<market>/<id>": client ids are used once per account
//   mkt/open/<account>             the account's open orders, all markets (decimal)
//   mkt/ao/<account>/<market>/<id> ""  : index of the account's orders (its own-orders view)
//   mkt/t/<market>/<id>            trade {price, qty, t, kind ("continuous"|"open"|"close"|"otc"),
//                                  buy, sell (order ids; OTC: proposal), buyer, seller}
//   mkt/day/<market>/<yyyy-mm-dd>  daily {open, high, low, close, volume, turnover} (exchange
//                                  trades; OTC trades are not in the day's prices)
//   mkt/c/<market>/<hour>, mkt/kau/<yyyy>  minute candles and the KAU year totals
//                                  (exchange trades; core/market_data.h)
//   mkt/otc/<proposer>/<ref>       OTC proposal (market_otc.cpp)
//   mkt/auc/<auction>              government auction; mkt/bid/<auction>/<bidder> its sealed
//                                  bids (market_gov_auction.cpp)
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/market_book.h"
#include "core/module.h"

namespace tanso {
namespace market {

// Session times in milliseconds after local midnight (KST by default: utc_offset_min 540).
// KRX hours: pre-open (opening call auction collects) 08:30, open (uncross) 09:00, closing call
// auction from 15:20, close (uncross) 15:30; cancel and amend refused from lock_ms before the
// closing auction until the close. Weekends closed when weekdays_only (no holiday calendar).
struct Schedule {
  int32_t utc_offset_min = 540;
  uint64_t pre_open_ms = 8 * 3'600'000 + 30 * 60'000;
  uint64_t open_ms = 9 * 3'600'000;
  uint64_t close_auction_ms = 15 * 3'600'000 + 20 * 60'000;
  uint64_t close_ms = 15 * 3'600'000 + 30 * 60'000;
  uint64_t lock_ms = 60'000;
  bool weekdays_only = true;
};

// Phases of a market day, in order; a day goes through them once.
enum class Phase : uint8_t { before = 0, pre_open = 1, continuous = 2, closing = 3, closed = 4 };

struct MarketState {
  std::string id;    // the traded instrument (one market per instrument)
  std::string cash;  // the cash instrument, KRW
  Config cfg;        // tick, base price (previous close), band, max qty
  Schedule sched;
  int64_t day = 0;  // local days since 1970-01-01 of the session below
  Phase phase = Phase::before;
  Price last = 0;           // last exchange trade of the day (0: none yet)
  uint64_t next_id = 1;     // order ids
  Seq next_seq = 1;         // the engine's sequence counter
  uint64_t next_trade = 1;  // trade ids
  std::string created_by;
  Json to_json() const;
  // to_json().dump() written out directly (every market tx stores it; tested equal).
  std::string to_text() const;
  static Result<MarketState> from_json(const Json& j);
};

// Where block time `t` falls for the schedule: (local day, phase).
std::pair<int64_t, Phase> session_at(const Schedule& s, uint64_t t_ms);
// "yyyy-mm-dd" of a local day number.
std::string civil_date(int64_t day);

// The market's stored state (nullopt: no such market).
std::optional<MarketState> load_market(const StateReader& st, std::string_view market);

// An open order as stored in mkt/bk.
struct OpenOrder {
  OrderId id = 0;
  std::string owner;
  Side side = Side::buy;
  Price price = 0;
  Qty open = 0;
  Seq seq = 0;
};
// The whole stored book in priority order: bids best first, then asks best first (O(book)).
std::vector<OpenOrder> load_open_orders(const StateReader& st, std::string_view market);
// The book's keys: mkt/bk/<market>/ and, under it, an order's "<b|s>/<pk>/<seq>" slot.
std::string book_prefix(std::string_view market);
std::string book_slot(Side s, Price p, Seq seq);
// An entry back from its slot and value (nullopt: malformed).
std::optional<OpenOrder> parse_book_entry(std::string_view slot, std::string_view value);

// 20-digit zero-padded decimal (ids in keys sort numerically).
std::string pad20(uint64_t v);

// Reserved cash of a buy or units of a sell at this price and open quantity.
inline uint64_t reservation(Side s, Price p, Qty q) {
  return s == Side::buy ? static_cast<uint64_t>(p) * static_cast<uint64_t>(q)
                        : static_cast<uint64_t>(q);
}

// ---- views (market_views.cpp): read-only, for the API. Quantities and prices are numbers
// (they fit in 2^53: price <= 10^12, qty <= 10^6); cash sums are decimal strings. ----

// Every market: {market, cash, tick, base_price, band:{lo,hi}, band_bps, max_qty, phase, day,
// last, schedule}. The phase is the stored one (it moves at the next market tx of the market).
Json market_list(const State& st);
// Public depth, no owners: {market, phase, base_price, band, bids:[{price,qty,orders}],
// asks:[...], indicative?:{price,volume,surplus}} (indicative during a call auction).
Result<Json> market_depth(const State& st, std::string_view market, size_t levels);
// The latest `limit` trades, newest first: {id, price, qty, t, kind}, plus buyer and seller
// (and their order ids) only with_owners (the regulator).
Result<Json> market_trades(const State& st, std::string_view market, size_t limit,
                           bool with_owners);
// Orders of one account (its own view), or every order (nullopt: the regulator), newest first.
Result<Json> market_orders(const State& st, std::string_view market,
                           std::optional<std::string_view> account, size_t limit);
// The account's fills (trades where it bought or sold), newest first, with its side.
Result<Json> market_fills(const State& st, std::string_view market, std::string_view account,
                          size_t limit);
// Daily OHLC, volume, turnover and VWAP (floor(turnover / volume)) of exchange trades.
Result<Json> market_daily(const State& st, std::string_view market);

}  // namespace market

// market.create, market.session.advance, market.order.place / cancel / amend,
// market.otc.propose / accept / cancel, market.auction.open / bid / reveal / settle.
std::span<const TxHandler> market_handlers();

}  // namespace tanso
