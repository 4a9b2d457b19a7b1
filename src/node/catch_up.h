// Catch-up from other nodes' blocks (docs/CLUSTER.md "Catch-up"): a network node whose next slot
// the shared log no longer holds (compacted while the node was down, or a node of genesis that
// starts later with an empty data directory) fetches blocks from its peers (BlockSource: their
// GET /v1/blocks/{height}/raw), verifies each one against its own head and state
// (verify_peer_block) and commits it through the node's normal commit path; then the node
// follows the log again from its new head.
//
// A peer that serves a block failing verification is refused for that round (logged with the
// rule that failed) and the next peer is tried; nothing of the bad block is committed. When no
// peer can serve a block beyond the head, the runner waits (doubling backoff) and asks again:
// it never halts the node.
//
// Thread-safety: run() from one thread (the node's pipeline); status() from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/executor.h"
#include "core/network.h"
#include "ordering/network_batch.h"

namespace tanso {

// A block as a peer serves it, with the attestations the peer holds for it.
struct PeerBlock {
  Block block;
  std::vector<Attestation> attestations;
};

struct PeerBlocks {
  uint64_t head = 0;              // the peer's height when it answered
  std::vector<PeerBlock> blocks;  // consecutive heights from the one asked for (may be empty)
};

class BlockSource {
 public:
  virtual ~BlockSource() = default;
  virtual const std::string& peer() const = 0;  // the peer's node id (logs, status)
  // Up to `count` blocks from height `from`. An error when the peer cannot answer
  // (catchup.peer_unavailable); no blocks when it has none at `from`.
  virtual Result<PeerBlocks> fetch(uint64_t from, uint32_t count) = 0;
};

// A fetched block that passed every check, ready to commit.
struct VerifiedBlock {
  Block block;
  std::vector<TxPtr> txs;                 // decoded, signatures verified
  BlockOutput out;                        // its re-execution on the local state
  std::vector<Attestation> attestations;  // the peer's, each valid for this block
};

// Checks a peer's block for height head.height + 1 before anything of it is committed: height;
// prev_hash is the local head's hash; time not before the head's; the proposer is a node genesis
// names and the signature over the batch digest verifies; tx_count; every tx decodes and its
// signatures verify (`admit`); the tx root over the txs; re-executed on `st` (the state at
// `head`), the receipts root and the state root are the header's. Attestations that are not a
// genesis node's valid signature over this block are dropped. Error: catchup.bad_block, the
// message naming the rule.
Result<VerifiedBlock> verify_peer_block(PeerBlock pb, const BlockHeader& head, const State& st,
                                        const Network& net, std::string_view chain_id,
                                        const AdmitPeerTxs& admit);

struct CatchUpStatus {
  bool active = false;
  uint64_t height = 0;   // the local head
  uint64_t target = 0;   // the highest height a peer reported in this run
  std::string peer;      // the peer blocks come from
  uint64_t refused = 0;  // blocks refused since the node started
};

// What the runner needs from the node: its head and state (read on the calling thread) and the
// commit of a verified block (false: the node cannot go on, e.g. it halted).
struct LocalChain {
  std::function<BlockHeader()> head;
  std::function<const State&()> state;
  std::function<bool(VerifiedBlock&)> commit;
  std::function<bool()> stopping;
};

struct CatchUpOptions {
  Network network;
  std::string chain_id;
  std::vector<std::unique_ptr<BlockSource>> peers;
  AdmitPeerTxs admit;
  uint32_t blocks_per_fetch = 64;
  uint32_t retry_ms = 200;  // first wait when no peer can serve; doubles up to retry_ms_max
  uint32_t retry_ms_max = 5'000;
  uint32_t progress_s = 5;  // a progress line at most this often
  // Waits between rounds (returns early if the node stops); injectable so tests do not sleep.
  std::function<void(uint32_t ms)> sleep;
};

class CatchUp {
 public:
  explicit CatchUp(CatchUpOptions o);
  // Commits verified peer blocks until the head reaches the highest height a peer reported
  // (at least one block beyond the head it started from). True when caught up; false when
  // local.stopping() or a commit failed.
  bool run(const LocalChain& local);
  CatchUpStatus status() const;
  bool has_peers() const { return !o_.peers.empty(); }

 private:
  void set_status(const CatchUpStatus& s);
  CatchUpOptions o_;
  size_t current_ = 0;  // the peer that served last
  mutable std::mutex mu_;
  CatchUpStatus status_;
};

}  // namespace tanso
