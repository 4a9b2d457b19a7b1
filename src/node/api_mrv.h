// The MRV registry's read API (docs/MRV.md "Read API", docs/API.md "MRV"): emission factor sets
// (public) and, restricted, an installation's devices and plans, a device, a batch, a company's
// daily emissions and its statement draft. Submission of mrv.* txs goes through POST /v1/txs;
// the rules live in core/mrv_*.cpp, this file only decides who may read what and renders it.
#pragma once

#include "http/server.h"
#include "node/api_ets.h"  // ReadHandler, ReadWrapper
#include "node/node.h"

namespace tanso {

// Registers GET /v1/mrv/... on `server`.
void register_mrv_api(http::Server& server, Node& node, const ReadWrapper& wrap);

}  // namespace tanso
