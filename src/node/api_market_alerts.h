// The regulator's market surveillance read (docs/MARKET.md "Surveillance", docs/API.md):
// GET /v1/markets/alerts, the alerts core/market_surveillance.h raised, for signed regulator
// reads only.
#pragma once

#include "node/api_ets.h"

namespace tanso {

// Registers GET /v1/markets/alerts on `server`.
void register_market_alerts_api(http::Server& server, Node& node, const ReadWrapper& wrap);

}  // namespace tanso
