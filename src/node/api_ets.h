// The K-ETS registry's read API (docs/ETS.md, docs/API.md "Emissions trading (K-ETS)") and the
// public `ets` and `mrv` Server-Sent Events. Submission of ets.* txs goes through POST /v1/txs;
// the rules live in core/ets_*.cpp, this file only decides who may read what and renders it.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "http/server.h"
#include "node/node.h"
#include "node/read_auth.h"

namespace tanso {

// A handler that gets the authenticated reader (nullopt: anonymous), and the wrapper of
// register_api that authenticates X-Tanso-* headers and counts the response.
using ReadHandler =
    std::function<http::Response(const http::Request&, const std::optional<Reader>&)>;
using ReadWrapper = std::function<http::Handler(ReadHandler)>;

// Registers GET /v1/ets/... on `server`.
void register_ets_api(http::Server& server, Node& node, const ReadWrapper& wrap);

// Sends the module events of committed block `height` with SSE id `id`, in tx order, public
// fields only, for txs with receipt code "ok" (docs/API.md "Events"): an `ets` event per ets.*
// tx; for an mrv.statement.certify, the `ets` event of the certification it records (as an
// ets.emissions.certify's, with `via`); an `mrv` event per mrv.statement.* tx. `block_json` is
// the block's header event (it identifies the block in the per-node cache). False once the
// client has gone.
bool send_module_events(Node& node, http::EventSink& sink, uint64_t height, const std::string& id,
                        const std::string& block_json);

}  // namespace tanso
