// The shared log on an etcd cluster (v3 API through its JSON gateway, HTTP/1.1): the ordering
// service of a network of nodes. etcd orders (Raft, linearizable, a revision per write); it is
// never the ledger: nodes copy blocks into their own store, and slots below the slowest node are
// deleted and etcd compacted (docs/CLUSTER.md).
//
// Keys under `prefix` (e.g. "/tanso/ets/"): head (LogHead text), b/<slot> (a batch),
// p/<proposer> (last sequence), s/<side key> (side records).
// Thread-safety: one EtcdLog per thread (each holds its own connection).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ordering/shared_log.h"

namespace tanso {

struct EtcdOptions {
  std::vector<std::string> endpoints;  // "http://127.0.0.1:2379", ...; tried in turn
  std::string prefix;                  // ends with '/'
  unsigned timeout_ms = 5'000;         // per request
  unsigned attempts = 0;               // per call across endpoints; 0: 2 x endpoints
};

std::unique_ptr<SharedLog> make_etcd_log(const EtcdOptions& opts);

// Base64 (RFC 4648, with padding), as the gateway carries keys and values.
std::string base64_encode(std::string_view bytes);
bool base64_decode(std::string_view text, std::string& out);

}  // namespace tanso
