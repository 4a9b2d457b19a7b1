// The gateway's link to the ledger node: registry reads (signed with the edge account's key,
// docs/API.md "signed reads") and mrv.batch.submit txs (signed envelopes, core/tx.h) with the
// nonce asked from the node. One instance per thread (http::Client is not thread-safe).
#pragma once

#include <memory>
#include <string>

#include "core/tx.h"
#include "http/client.h"
#include "node/keyfile.h"

namespace tanso::edge {

class NodeLink {
 public:
  NodeLink(const http::Endpoint& node, KeyFile key);
  // GET /v1/mrv/installations/{id} as the edge account. Throws std::runtime_error when the node
  // cannot be reached; an API error comes back as an Error.
  Result<Json> installation(const std::string& id);

  enum class Outcome { done, rejected, retry };
  struct Submitted {
    Outcome outcome = Outcome::retry;
    std::string code, message, tx_id;
    uint64_t height = 0;
  };
  // Signs `body` as a new mrv.batch.submit tx (next nonce) and waits for its block. done: the
  // block applied it (code ok; an identical earlier copy also answers ok); rejected: the block
  // rejected it (mrv.batch_conflict, ...: resending cannot help); retry: not known to be in a
  // block (node down, timeout, nonce race, node.unavailable). Never throws.
  Submitted submit_batch(const Json& body);

 private:
  std::string chain();
  http::Headers read_headers(const std::string& method, const std::string& target);
  http::Client client_;
  KeyFile key_;
  std::string chain_;
};

}  // namespace tanso::edge
