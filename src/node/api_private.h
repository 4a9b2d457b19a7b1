// The private data routes under /v1/private (docs/PRIVATE_DATA.md, docs/API.md "Private data"):
// the public view of a commitment, signed upload and read of the bytes, the public check of a
// disclosed copy, and node-to-node delivery.
#pragma once

#include "http/server.h"
#include "node/private_store.h"

namespace tanso {

void register_private_api(http::Server& server, PrivateStore& pd);

}  // namespace tanso
