// Attestations in a network (docs/CLUSTER.md): after each block this node signs (height, block
// hash, state root) and publishes it in the shared log's side records; it reads the other
// nodes' attestations, keeps the valid ones in its store (records "att/<height>/<node>", which
// `tanso verify` checks for a quorum), compares each with its own block, and halts the node when
// a quorum of other nodes attests a different result at a height ("node.diverged"). It also
// compacts the log behind the slowest node (bounded by keep_slots behind the head).
//
// Thread-safety: committed() from the pipeline thread; at() from any thread; one worker thread.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "core/network.h"
#include "ordering/shared_log.h"
#include "storage/chain_store.h"

namespace tanso {

struct AttestationOptions {
  std::string chain_id;
  Network network;
  std::string node_id;
  KeyPair key;
  uint32_t poll_ms = 200;
  uint64_t keep_slots = 10'000;  // slots kept in the log behind its head at most
  std::function<void(const std::string& reason)> halt;
};

class AttestationBook {
 public:
  AttestationBook(AttestationOptions o, ChainStore& store, std::unique_ptr<SharedLog> log);
  ~AttestationBook();
  void start();
  void stop();
  // Signs and queues this node's attestation of a committed block (and stores it).
  void committed(const BlockHeader& h);
  // The attestations stored for `height`, this node's included, in node order.
  std::vector<Attestation> at(uint64_t height) const;
  uint64_t mismatches() const { return mismatches_; }

 private:
  void run();
  void publish();
  void read_peers();
  void check(const Attestation& a);
  void compact();

  AttestationOptions o_;
  ChainStore& store_;
  std::unique_ptr<SharedLog> log_;
  std::thread thread_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Attestation> outbox_;
  bool stopped_ = false;
  std::map<std::string, uint64_t> seen_;  // per other node: highest height read (worker)
  uint64_t own_height_ = 0;
  uint64_t last_compacted_ = 0;
  uint64_t last_att_compacted_ = 0;
  uint64_t read_reported_ = 0;  // the last "r/<node>" this book published
  unsigned polls_ = 0;
  std::atomic<uint64_t> mismatches_{0};
};

// Store record key of an attestation.
std::string attestation_record_key(uint64_t height, std::string_view node);

}  // namespace tanso
