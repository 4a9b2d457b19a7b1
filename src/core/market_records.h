// The market's per-order and per-trade state records written without the JSON library (every
// order tx writes one or more of each; core/market.h "Key space"). The text is exactly what
// nlohmann::json's dump() gives for the same object (keys in its sorted order), so the state,
// its root and every reader (views, tests, Json::parse) are unchanged; the readers here take
// the text back directly when it is in that exact form and fall back to the JSON library
// otherwise.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/market_book.h"

namespace tanso::market {

// mkt/o/<market>/<id>: {client_id?, filled, notional (decimal string), open, owner, placed_ms,
// price, qty, seq, side ("buy"|"sell"), status, updated_ms}. `seq` is the order's arrival number
// in the book (it changes when an amend loses priority): while the order is open, its book entry
// is mkt/bk/<market>/<book_slot(side, price, seq)>.
struct OrderRecord {
  std::string owner;
  Side side = Side::buy;
  Price price = 0;
  Qty qty = 0, open = 0, filled = 0;
  Seq seq = 0;
  uint64_t notional = 0;  // cash turnover of the fills (wraps like the decimal it replaced)
  std::string status;     // open | filled | cancelled | expired
  std::optional<std::string> client_id;
  uint64_t placed_ms = 0, updated_ms = 0;

  std::string to_text() const;
  // nullopt: not an order record.
  static std::optional<OrderRecord> parse(std::string_view text);
};

// mkt/t/<market>/<id>: {buy, buyer, kind, price, qty, sell, seller, t}.
std::string trade_text(Price price, Qty qty, uint64_t t, std::string_view kind,
                       std::string_view buy, std::string_view sell, std::string_view buyer,
                       std::string_view seller);

// mkt/day/<market>/<date>: {close, high, low, open, trades, turnover (decimal string), volume}.
struct DayStats {
  Price open = 0, high = 0, low = 0, close = 0;
  uint64_t volume = 0, trades = 0;
  uint64_t turnover = 0;  // wraps like the decimal it replaced
  std::string to_text() const;
  static std::optional<DayStats> parse(std::string_view text);
};

// A JSON string literal for `s` (what nlohmann's dump() writes), appended to `out`.
void append_json_string(std::string& out, std::string_view s);

}  // namespace tanso::market
