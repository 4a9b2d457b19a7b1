// The node's durable record: blocks, receipts, a tx index, per-account history and the state,
// written in one atomic, synced batch per block. Two implementations: RocksDB (the node) and
// memory (unit tests). Restart recovers to the last committed block.
//
// The state may lag the blocks: the RocksDB store writes the state's changes every N blocks
// (state_every_blocks; merged, so a key changed in many blocks is written once) from a writer
// thread, once the block that ends the interval is committed, and records that block's height
// as the state height in the same batch (N = 1: in every block's own batch). After a crash
// the state is as of that height and the blocks after it are replayed by re-execution
// (Node::open), which the state roots in their headers check. A clean close writes the rest.
//
// Reads return nullopt for what is absent. The stores check the newest block when they open
// (storage.corrupt otherwise); a nullopt for a height <= last_height() afterwards means the store
// was damaged since.
//
// Thread-safety: commit() is called by one thread (the pipeline); reads may run concurrently
// with it from any thread and see either the state before or after a commit, never a mix of
// one block's parts (RocksDB: the batch is atomic; memory: a mutex).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/block.h"
#include "core/state.h"
#include "core/status.h"

namespace tanso {

struct TxLocation {
  uint64_t height = 0;
  uint32_t index = 0;
};

class ChainStore {
 public:
  virtual ~ChainStore() = default;

  // Writes the block, its receipts, tx id -> location for each tx (a tx id already indexed whose
  // new copy was rejected tx.nonce_replayed keeps its first location), history rows for every
  // account in each receipt, the state writes and the new last height, atomically and synced.
  // Block heights must be consecutive, starting at 0 (the genesis block, with no txs).
  virtual Status commit(const Block& block, const std::vector<Receipt>& receipts,
                        const WriteSet& writes) = 0;

  virtual std::optional<uint64_t> last_height() const = 0;  // nullopt: empty store
  virtual std::optional<Block> block(uint64_t height) const = 0;
  virtual std::optional<std::vector<Receipt>> receipts(uint64_t height) const = 0;
  virtual std::optional<TxLocation> tx_location(const Hash& tx_id) const = 0;
  // Newest first; only rows strictly before (before_height, before_index) in (height, index)
  // order, so before_index 0 means "below before_height" (UINT64_MAX: from the newest).
  virtual std::vector<TxLocation> history(std::string_view account, uint64_t before_height,
                                          size_t limit, uint32_t before_index = 0) const = 0;
  // Every state key and value as of the returned height (the state height, <= last_height();
  // one consistent view), for loading the in-memory state at start.
  virtual uint64_t load_state(State& out) const = 0;
  // Hands the writes of a block replayed above the state height to the store, so the next
  // state write covers them (they are not written on their own).
  virtual void stage_replayed(const WriteSet& writes) = 0;
  // A consistent copy of the whole store in `dir` (must not exist), usable by open_rocks_store.
  virtual Status checkpoint(const std::string& dir) const = 0;
  // Records kept beside the chain, outside blocks and state (e.g. other nodes' attestations),
  // written synced; the store does not interpret them. Keys are compared bytewise.
  virtual Status put_record(std::string_view key, std::string_view value) = 0;
  // Records with from <= key < to, in key order, at most `limit`.
  virtual std::vector<std::pair<std::string, std::string>> records(std::string_view from,
                                                                   std::string_view to,
                                                                   size_t limit) const = 0;
};

// What every store checks before a commit: the expected height, tx_count == txs == receipts, no
// txs in block 0, no NUL in account ids. storage.bad_height / storage.bad_block.
Status check_commit(const Block& block, const std::vector<Receipt>& receipts, uint64_t expected);

// Opens (creating if missing) a RocksDB store in `dir`. `sync` = fsync the WAL on each commit
// (always true in the node; tests may turn it off). `state_every_blocks`: how often the state is
// written (1 = with every block). Errors: storage.open_failed (with RocksDB's message, e.g. the
// lock held by a running node).
Result<std::unique_ptr<ChainStore>> open_rocks_store(const std::string& dir, bool sync = true,
                                                     uint32_t state_every_blocks = 1);
// Opens read-only (for `tanso verify` and offline queries while no node runs, or beside one).
Result<std::unique_ptr<ChainStore>> open_rocks_store_readonly(const std::string& dir);
std::unique_ptr<ChainStore> make_memory_store();

// Copies a checkpoint/backup directory into a new data directory (which must not exist).
Status restore_store(const std::string& backup_dir, const std::string& data_dir);

}  // namespace tanso
