// One node of the cluster simulation (netsim/cluster_sim.h), driven step by step by the
// simulation's single thread: admission of client txs (decode, signatures, check_tx against the
// committed state plus what it admitted), a batch queue cut by count or age, the proposer
// (ordering/network_batch.h: sign for the head it knows, append by compare-and-swap, keep the
// batch while the log is down, learn the new head when another node got the slot), the follower
// (deliveries and reads of the log, each entry checked by check_log_entry in slot order:
// duplicates dropped, early ones held), and commit like Node::commit_batch: execute_block, the
// header carrying the batch's proposer and signature, the memory store, an attestation.
//
// A crash drops everything but the store (the committed chain); a restart resumes from the
// store's height. A node halts (halted() says why) where the real node would.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/module.h"
#include "core/network.h"
#include "netsim/sim_log.h"
#include "ordering/network_batch.h"
#include "storage/chain_store.h"

namespace tanso::netsim {

// Deliberate bugs, to show the invariant checks catch them (tests only).
enum class NodeBug {
  none,
  time_skew,  // executes every batch one millisecond later than ordered
  skip_tx,    // drops the first tx of every batch before executing it
  repropose,  // puts the txs of its previous batch into its next one again
};

// Decoded txs whose signatures verified, by envelope text: every node would reach the same
// answer for the same bytes, so the simulation verifies each tx once (it spends most of its time
// in Ed25519 otherwise). Failures are not kept.
class VerifiedTxs {
 public:
  Result<TxPtr> get(const std::string& envelope);

 private:
  std::map<std::string, TxPtr, std::less<>> ok_;
};

struct NodeSetup {
  size_t index = 0;  // in the simulation (its inbox in SimLog)
  std::string id;
  KeyPair key;
  Network network;
  CutLimits limits;
  int64_t clock_skew_ms = 0;
  NodeBug bug = NodeBug::none;
  VerifiedTxs* verified = nullptr;
};

// What a commit tells the simulation: the block, its receipts, the state after it.
struct Committed {
  const BlockHeader& prev;
  const Block& block;
  const std::vector<Receipt>& receipts;
  const State& state;
  const Attestation& attestation;
};

class SimNode {
 public:
  SimNode(NodeSetup s, ChainStore& store, SimLog& log);
  ~SimNode();
  bool running() const { return v_ != nullptr; }
  const std::string& halted() const { return halted_; }
  const std::string& id() const { return s_.id; }
  // Starts (or restarts) from the store: false while the log is unavailable.
  bool start();
  void crash();
  // Admission: "" (admitted) or the refusal's code.
  std::string submit(const TxPtr& tx, uint64_t now_ms);
  // One proposer step: cut a batch if one is due, then one append attempt.
  void propose(uint64_t now_ms);
  // Takes the due deliveries; with `read`, also reads the log from the next slot.
  void follow(uint64_t now_ms, bool read, const std::function<void(const Committed&)>& on_commit);
  uint64_t height() const;
  bool idle() const;           // running, nothing queued or being appended
  const State* state() const;  // nullptr while crashed
  uint64_t appended = 0, retries = 0, lost_answers = 0, already_appended = 0, head_moved = 0,
           duplicates_seen = 0,
           own_after_crash = 0;  // its own batches read back after a crash lost their txs

 private:
  struct Volatile;  // everything a crash loses
  void commit(OrderedBatch& b, const std::function<void(const Committed&)>& on_commit);
  void handle(const LogEntry& e, const std::function<void(const Committed&)>& on_commit);
  void halt(std::string why);

  NodeSetup s_;
  ChainStore& store_;
  SimLog& log_;
  const NetworkNode* me_;
  std::string halted_;
  std::vector<TxPtr> last_batch_;  // NodeBug::repropose
  std::unique_ptr<Volatile> v_;
};

}  // namespace tanso::netsim
