// Requests signed by a node of the network (docs/API.md "Raw blocks"): a node reads what only
// the network's nodes may read from another node's API (GET /v1/blocks/{height}/raw carries
// every tx envelope) by signing the request with its node key. Headers: X-Tanso-Node (its id in
// genesis), X-Tanso-Node-Time (Unix seconds) and X-Tanso-Node-Signature (hex Ed25519 over
// node_read_message).
#pragma once

#include <optional>
#include <string>

#include "core/network.h"
#include "core/status.h"
#include "http/client.h"
#include "http/server.h"

namespace tanso {

inline constexpr std::string_view kNodeReadDomain = "tanso/node-read/v1";

// domain || 0 || chain || 0 || method || 0 || target || 0 || time.
Bytes node_read_message(std::string_view chain, std::string_view method, std::string_view target,
                        std::string_view time_s);

// The headers of a request signed by node `node_id` at `now_s`.
http::Headers node_read_headers(std::string_view chain, const std::string& node_id,
                                const KeyPair& key, std::string_view method,
                                std::string_view target, int64_t now_s);

// The node id when the request is signed by a node genesis names; nullopt when it carries no
// X-Tanso-Node header; an error (auth.malformed, auth.stale, auth.unknown_key,
// auth.bad_signature; 401) when it does not authenticate.
Result<std::optional<std::string>> authenticate_node(const http::Request& req, const Network& net,
                                                     std::string_view chain, int64_t now_s);

}  // namespace tanso
