// Ordering: turns admitted transactions into an ordered sequence of batches, each with a block
// time that never decreases. One interface, two back ends: `solo` (embedded, this file's
// make_solo) and the network orderer over a log shared by several nodes (etcd;
// ordering/network_orderer.h).
//
// Thread-safety: submit() may be called from any thread; next() from one consumer thread (the
// pipeline); stop() from any thread, after which next() returns nullopt.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/crypto.h"
#include "core/tx.h"

namespace tanso {

using TxPtr = std::shared_ptr<const Tx>;

struct OrderedBatch {
  uint64_t time_ms = 0;
  std::vector<TxPtr> txs;
  // Network batches: the height (slot) they were ordered for and their proposer's signature
  // over the batch digest (core/network.h). Solo batches: height 0, unsigned.
  uint64_t height = 0;
  PublicKey proposer{};
  Signature signature{};
  // Network: not a batch but word that the log no longer holds slot `height` (compacted): the
  // node catches up from other nodes' blocks, then resumes the orderer (NetworkOrderer::resume).
  bool catch_up = false;
};

// When a batch is cut: whichever limit is reached first. Named limits, defaults in core/limits.h.
struct CutLimits {
  size_t block_txs_max;
  size_t block_bytes_max;
  uint32_t block_interval_ms;  // longest a pending tx waits for more to join its block
  size_t pending_txs_max;      // submit() refuses beyond this (back-pressure)
};

class Orderer {
 public:
  virtual ~Orderer() = default;
  // Appends txs in the given order. False (and nothing appended) if it would exceed
  // pending_txs_max or the orderer is stopped.
  virtual bool submit(std::vector<TxPtr> txs) = 0;
  // Waits for the next batch. nullopt once stopped.
  virtual std::optional<OrderedBatch> next() = 0;
  virtual void stop() = 0;
  virtual size_t pending() const = 0;
  // Why next() returned nullopt without stop() (the node halts with this); "" otherwise.
  virtual std::string failure() const { return {}; }
};

// Milliseconds since the Unix epoch; injectable so tests control time.
using ClockMs = std::function<uint64_t()>;
uint64_t system_clock_ms();

// The embedded sequencer. `last_time_ms`: the time of the last committed block, so block times
// never go backwards across restarts even if the wall clock does.
std::unique_ptr<Orderer> make_solo(CutLimits limits, uint64_t last_time_ms,
                                   ClockMs clock = system_clock_ms);

}  // namespace tanso
