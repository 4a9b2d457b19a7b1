// The market's read API (docs/MARKET.md "On the ledger", docs/API.md): markets, public depth and
// trades (never who), daily OHLC/VWAP, intraday candles, the year's KAU average price, a live
// stream of depth and trades, and each participant's own orders and fills; the regulator
// sees every order and the owners of trades. Orders go through POST /v1/txs (market.* txs).
#pragma once

#include "node/api_ets.h"

namespace tanso {

// Registers GET /v1/markets/... on `server`.
void register_market_api(http::Server& server, Node& node, const ReadWrapper& wrap);
// Registers the event stream GET /v1/markets/{market}/stream (api_market_stream.cpp).
void register_market_stream(http::Server& server, Node& node);

}  // namespace tanso
