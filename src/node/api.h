// The HTTP/JSON API under /v1 (docs/API.md, docs/openapi.json): routes bound to a Node.
#pragma once

#include <string>

#include "http/server.h"
#include "node/node.h"

namespace tanso {

struct ApiOptions {
  std::string web_dir;  // static files served at / when set
};

void register_api(http::Server& server, Node& node, const ApiOptions& opts);

// The OpenAPI document served at /v1/openapi.json (docs/openapi.json, embedded at build time).
std::string_view openapi_document();

}  // namespace tanso
