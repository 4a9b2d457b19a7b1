// The ledger node: admission (stateless checks, signatures on all cores, stateful checks),
// ordering, execution, commit and the committed state that the API reads.
//
// Pipeline: submit() -> admit -> Orderer -> pipeline thread: execute_block -> ChainStore::commit
// (one synced batch) -> apply to the in-memory state -> wake waiters, publish events.
// Thread-safety: submit() and the read methods may be called from any thread.
#pragma once

#include <atomic>
#include <cstring>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "core/executor.h"
#include "node/attestations.h"
#include "node/catch_up.h"
#include "node/config.h"
#include "node/events.h"
#include "node/metrics.h"
#include "node/verify_pool.h"
#include "ordering/orderer.h"
#include "storage/chain_store.h"

namespace tanso {

class NetworkOrderer;

struct HashHasher {
  size_t operator()(const Hash& h) const {
    size_t v;
    std::memcpy(&v, h.data(), sizeof v);
    return v;
  }
};

// One submitted tx's fate.
struct TxOutcome {
  Hash id{};
  std::string status;  // "committed", "pending", "refused", "timeout"
  Error error;         // when refused
  uint64_t height = 0;
  uint32_t index = 0;
  std::string code;  // receipt code when committed ("ok" or a rejection)
  std::string message;
};

class Node {
 public:
  // Opens the chain in `store`: a new store is initialized from `genesis_text`; an existing one
  // must have been made from the same genesis when genesis_text is non-empty.
  static Result<std::unique_ptr<Node>> open(const Config& cfg, std::unique_ptr<ChainStore> store,
                                            const std::string& genesis_text, KeyPair node_key);
  ~Node();
  void start();
  void stop();

  // Admits txs in order (each independently) and, with wait, returns after each admitted tx is
  // committed (or timeout_ms passes). Decoding errors come in as Error results.
  std::vector<TxOutcome> submit(std::vector<Result<Tx>> txs, bool wait, uint32_t timeout_ms);

  // Reads under a shared lock of the committed state.
  template <typename F>
  auto with_state(F&& f) const {
    std::shared_lock lock(state_mu_);
    return f(static_cast<const State&>(state_), head_, params_);
  }
  const ChainStore& store() const { return *store_; }
  bool is_pending(const Hash& id) const;
  size_t pending_count() const { return orderer_ ? orderer_->pending() : 0; }
  bool healthy() const { return healthy_; }
  std::string halt_reason() const {
    std::lock_guard lock(halt_mu_);
    return halt_reason_;
  }
  // Network chains: this node's id in genesis, and the attestations it holds for a height.
  const std::string& node_id() const { return node_id_; }
  bool is_network() const { return attest_ != nullptr; }
  std::vector<Attestation> attestations(uint64_t height) const;
  EventLog& events() { return events_; }
  Metrics& metrics() { return metrics_; }
  const PublicKey& node_key() const { return node_key_.pub; }
  const std::string& chain_id() const { return params_.chain_id; }
  // Network chains: catching up from other nodes' blocks (node/catch_up.h), if it is.
  std::optional<CatchUpStatus> catch_up_status() const;

 private:
  Node(const Config& cfg, std::unique_ptr<ChainStore> store, KeyPair key);
  void pipeline();
  // Stops taking txs and committing blocks (the API then answers node.unavailable / halted).
  void halt(const std::string& reason);
  Status open_network(const Network& net);
  // `done`: the batch's execution, when the caller already did it (a verified peer block).
  bool commit_batch(OrderedBatch& batch, BlockOutput* done = nullptr);
  bool catch_up_from_peers(uint64_t from);  // node/node_catch_up.cpp
  Status make_catch_up(const Network& net);
  Status admit_stateful(const Tx& tx, uint64_t next_height);
  Result<std::vector<TxPtr>> admit_peer_batch(const std::vector<std::string>& envelopes);
  void finish_waiters(const std::vector<TxPtr>& txs, const std::vector<Receipt>& rs,
                      uint64_t height);

  Config cfg_;
  std::unique_ptr<ChainStore> store_;
  KeyPair node_key_;
  std::unique_ptr<Orderer> orderer_;
  WorkPool pool_;

  mutable std::shared_mutex state_mu_;  // guards state_, head_, params_
  State state_;
  BlockHeader head_;
  Params params_;

  std::mutex admit_mu_;  // guards next_nonce_: highest nonce admitted per account
  std::unordered_map<std::string, uint64_t> admitted_nonce_;

  struct Waiter;
  mutable std::mutex wait_mu_;
  std::unordered_map<Hash, std::pair<std::shared_ptr<Waiter>, size_t>, HashHasher> waiting_;
  std::unordered_set<Hash, HashHasher> pending_;

  EventLog events_{1000};
  Metrics metrics_;
  std::atomic<bool> healthy_{true};
  mutable std::mutex halt_mu_;
  std::string halt_reason_;
  std::string node_id_;
  std::unique_ptr<AttestationBook> attest_;
  NetworkOrderer* net_orderer_ = nullptr;  // orderer_, on a network chain
  std::unique_ptr<CatchUp> catch_up_;      // with cluster_peers
  std::atomic<bool> catching_up_{false};
  std::thread thread_;
  std::atomic<bool> stopping_{false};
};

// The SSE events of one committed block (a header event and one receipt event per tx).
BlockEvents block_events(const BlockHeader& h, const std::vector<Receipt>& receipts);

// Renders an outcome as the API's JSON result object (as a Json, or appended as text).
Json outcome_json(const TxOutcome& o, size_t index);
void append_outcome(std::string& out, const TxOutcome& o, size_t index);

}  // namespace tanso
