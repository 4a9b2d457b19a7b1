// The network orderer's pure logic (docs/CLUSTER.md), without threads, clock or I/O: what a
// proposing node appends for the head it knows, what an append's outcome means, and how a
// follower checks a log entry before it is executed. Used by the threaded NetworkOrderer
// (ordering/network_orderer.h) and by the single-threaded seed-driven simulation (src/netsim),
// so both run the same rules.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/network.h"
#include "core/status.h"
#include "ordering/orderer.h"
#include "ordering/shared_log.h"

namespace tanso {

// Batch values in the log: {"v":1, "slot", "time_ms", "proposer" (node id), "seq",
// "sig" (hex, over the batch digest), "txs": [envelope text, ...]}.
std::string encode_log_batch(uint64_t slot, uint64_t time_ms, const std::string& proposer,
                             uint64_t seq, const Signature& sig, const std::vector<TxPtr>& txs);

// The Merkle root of the txs' ids (the tx root of the block they make).
Hash batch_tx_root(const std::vector<TxPtr>& txs);

// One batch a node appends under its next sequence number, until it is in the log.
struct BatchProposal {
  std::string node_id;
  uint64_t seq = 0;
  std::vector<TxPtr> txs;
  Hash tx_root{};  // batch_tx_root(txs)
};

struct AppendAttempt {
  LogHead expected;  // the head it is signed for
  uint64_t slot = 0;
  uint64_t time_ms = 0;
  std::string value;  // encode_log_batch(...)
};

// The value for slot head+1 with time max(clock_ms, head's time) (block time never decreases),
// its digest signed with `key`.
AppendAttempt prepare_append(const BatchProposal& p, const LogHead& head, uint64_t clock_ms,
                             const KeyPair& key);

// True when the batch is in the log: appended now, or before (a retry after a lost answer finds
// the proposer's sequence already there). False: another node took the slot; sign again for
// r.head.
inline bool append_done(const AppendResult& r) { return r.outcome != AppendOutcome::head_moved; }

// Decodes other nodes' txs and verifies their signatures.
using AdmitPeerTxs =
    std::function<Result<std::vector<TxPtr>>(const std::vector<std::string>& envelopes)>;
// This node's own txs appended under `seq`, if it still holds them (taken: asked once per seq).
using TakeOwnTxs = std::function<std::optional<std::vector<TxPtr>>(uint64_t seq)>;

struct CheckedBatch {
  OrderedBatch batch;
  bool mine = false;  // this node's own txs (verified at admission)
};

// Checks one log entry and turns it into a batch: a batch value for the slot it is at, time not
// before prev_time, a genesis node as proposer, its signature over the batch digest, every tx
// decoded and verified (own txs come from take_own). Errors: ordering.bad_batch.
Result<CheckedBatch> check_log_entry(const LogEntry& e, uint64_t prev_time, const Network& net,
                                     const NetworkNode* me, const TakeOwnTxs& take_own,
                                     const AdmitPeerTxs& admit);

// A follower's position: the next slot it needs and the time of the block before it. Entries
// may come again (a duplicate delivery) or early (out of order); only the next slot is checked.
struct FollowCursor {
  uint64_t next = 1;
  uint64_t prev_time = 0;
  enum class Place { seen, ahead, next };
  Place place(uint64_t slot) const {
    return slot < next ? Place::seen : slot > next ? Place::ahead : Place::next;
  }
  void advance(const OrderedBatch& b) {
    prev_time = b.time_ms;
    ++next;
  }
};

}  // namespace tanso
