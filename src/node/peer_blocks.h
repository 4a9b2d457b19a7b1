// Blocks as nodes serve them to each other (GET /v1/blocks/{height}/raw, docs/API.md): the JSON
// form of a whole block — header, tx envelopes exactly as signed, the attestations the serving
// node holds — and the BlockSource (node/catch_up.h) that fetches them from a peer's API over
// HTTP, signing each request as this node (node/node_auth.h).
#pragma once

#include <memory>
#include <string>

#include "http/client.h"
#include "node/catch_up.h"

namespace tanso {

// {"header": <header_json>, "txs": [envelope text, ...], "attestations": [...]}.
Json raw_block_json(const Block& b, const std::vector<Attestation>& attestations);
// The inverse; error catchup.bad_answer when a field is missing or malformed.
Result<PeerBlock> raw_block_from_json(const Json& j);

struct PeerSourceOptions {
  std::string peer;      // the peer's node id
  std::string base_url;  // "http://host:port"
  std::string chain_id;
  std::string node_id;  // this node (signs the requests)
  KeyPair key;
  unsigned timeout_ms = 10'000;
};

std::unique_ptr<BlockSource> make_http_block_source(PeerSourceOptions o);

}  // namespace tanso
