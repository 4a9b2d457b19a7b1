// Private data at a node (docs/PRIVATE_DATA.md): the bytes of private documents whose commitment
// is on the ledger (core/private_data.h), kept only at nodes of an authorized organization, as
// store records beside the chain, and delivered to the other authorized organizations' nodes.
//
// Records (ChainStore::put_record):
//   pd/d/<id hex>          the document: its 32-byte salt first when the scheme is salted
//   pd/o/<id hex>/<node>   a delivery to a peer node: "pending", "done" or "refused"
// A delivery is written before the document, so an upload that was answered 200 is delivered
// even if the node stops right after (at its next start, the pending ones are retried).
//
// Delivery runs on a thread of its own: POST <peer>/v1/private/<id>/deliver, signed by this
// node's key (a node's signed request, node/node_auth.h); a peer that is down or has not yet
// committed the commitment is retried with a backoff of 0.25 s doubling to 2 s, forever; a peer
// that refuses (its org is not authorized, or it says the copy does not match) is given up and
// logged. Nothing here runs on the block pipeline.
//
// Thread-safety: every public method may be called from any thread.
#pragma once

#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>

#include "core/private_data.h"
#include "node/node.h"

namespace tanso {

class PrivateStore {
 public:
  // `peers`: node id -> base URL (config cluster_peers). `store` is the node's store.
  PrivateStore(Node& node, ChainStore& store, KeyPair node_key,
               std::map<std::string, std::string> peers);
  ~PrivateStore();
  void start();  // loads pending deliveries, starts the delivery thread
  void stop();

  // The org of this node: its genesis network org, or "" on a solo chain (which holds all).
  const std::string& org() const { return org_; }
  // May this node hold the document?
  bool may_hold(const StateReader& st, const PrivateCommitment& c) const;

  // The committed commitment; while its tx is pending at this node, waits up to timeout_ms for
  // its block. nullopt: none.
  std::optional<PrivateCommitment> commitment(const Hash& id, uint32_t timeout_ms);

  // Stores a copy already checked against the commitment; with `forward`, delivers it to the
  // other authorized organizations' nodes. Returns the node ids it is delivered to.
  Result<std::vector<std::string>> put(const PrivateCommitment& c, const std::string& salt,
                                       std::string_view bytes, bool forward);
  // {salt, bytes} of a held copy.
  std::optional<std::pair<std::string, std::string>> get(const Hash& id) const;

  // Replay guard for signed uploads and deliveries: false if this signature was already used
  // within the last 2 x the allowed clock skew.
  bool first_use(const std::string& signature_hex, int64_t now_s);

  // The key a peer node signs deliveries with, and its org (nullopt: not a genesis node).
  std::optional<NetworkNode> peer(std::string_view node_id) const;
  Node& node() { return node_; }
  const Network* network() const { return net_ ? &*net_ : nullptr; }

 private:
  struct Pending {
    std::string id_hex, node;
    int64_t due_ms = 0;
    int64_t backoff_ms = 250;
  };
  void run();
  // 1: delivered, 0: retry later, -1: refused.
  int deliver(const Pending& p);
  void mark(const Pending& p, std::string_view status);

  Node& node_;
  ChainStore& store_;
  KeyPair key_;
  std::map<std::string, std::string> peers_;
  std::string org_;
  std::optional<Network> net_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Pending> queue_;
  bool stopping_ = false;
  std::thread thread_;

  std::mutex seen_mu_;
  std::unordered_map<std::string, int64_t> seen_;  // signature -> time seen
};

}  // namespace tanso
