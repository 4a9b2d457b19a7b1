// The RocksDB chain store: one column family per kind of record, one synced WriteBatch per
// block, open-time recovery checks, checkpoints, read-only opens and restore from a backup.
//
// Column families and their keys (integers big-endian, so byte order is numeric order):
//   blocks    height u64                              -> encode_block
//   receipts  height u64                              -> encode_receipts
//   txidx     tx id (32 bytes)                        -> height u64 + index u32
//   history   account '\0' height u64 index u32       -> empty (one row per account a receipt
//                                                        names; newest = last in key order)
//   state     state key                               -> value
//   meta      "last_height"                           -> u64
// The default column family is required by RocksDB and holds nothing.
#include <fcntl.h>
#include <rocksdb/cache.h>
#include <rocksdb/convenience.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cassert>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <vector>

#include "core/limits.h"
#include "storage/chain_store.h"

namespace tanso {
namespace {

namespace fs = std::filesystem;

enum Cf : size_t { kDefault, kBlocks, kReceipts, kTxIdx, kHistory, kState, kMeta, kCfCount };
constexpr std::array<const char*, kCfCount> kCfNames = {"default", "blocks", "receipts", "txidx",
                                                        "history", "state",  "meta"};

constexpr std::string_view kLastHeightKey = "last_height";
// The height the state column family is at (absent in stores that wrote state with every block,
// which are read as at last_height).
constexpr std::string_view kStateHeightKey = "state_height";
// State keys staged for the next state write: written early when this many are pending, so the
// staging map stays within ~100 MiB whatever the interval (~500 B per key with its node).
constexpr size_t kPendingStateKeysMax = 200'000;
constexpr size_t kHeightKeyBytes = 8;
constexpr size_t kTxLocBytes = 8 + 4;  // height u64 + index u32
// State keys per State::apply call in load_state: bounds the staging WriteSet to ~10k entries.
constexpr size_t kLoadStateChunkKeys = 10'000;
// OpenForReadOnly attempts beside a live writer: a MANIFEST or WAL may be replaced under us
// while we read it (an IOError); the next attempt sees the new files.
constexpr int kReadOnlyOpenAttemptsMax = 3;

// --- Encodings -----------------------------------------------------------------------------

void append_u64(std::string& s, uint64_t v) {
  for (int i = 7; i >= 0; --i) s.push_back(static_cast<char>(v >> (i * 8)));
}
void append_u32(std::string& s, uint32_t v) {
  for (int i = 3; i >= 0; --i) s.push_back(static_cast<char>(v >> (i * 8)));
}
uint64_t read_u64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = v << 8 | static_cast<uint8_t>(p[i]);
  return v;
}
uint32_t read_u32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = v << 8 | static_cast<uint8_t>(p[i]);
  return v;
}

std::string height_key(uint64_t height) {
  std::string k;
  k.reserve(kHeightKeyBytes);
  append_u64(k, height);
  return k;
}

std::string tx_loc_value(uint64_t height, uint32_t index) {
  std::string v;
  v.reserve(kTxLocBytes);
  append_u64(v, height);
  append_u32(v, index);
  return v;
}

std::string history_prefix(std::string_view account) {
  std::string k;
  k.reserve(account.size() + 1 + kTxLocBytes);
  k.append(account);
  k.push_back('\0');
  return k;
}

rocksdb::Slice slice(const Bytes& b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }
rocksdb::Slice slice(const Hash& h) { return {reinterpret_cast<const char*>(h.data()), h.size()}; }
ByteView view(const rocksdb::Slice& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

Error rocks_error(std::string code, std::string_view what, const rocksdb::Status& s) {
  return err(std::move(code), std::string(what) + ": " + s.ToString(), 500);
}
Error corrupt(std::string message) { return err("storage.corrupt", std::move(message), 500); }

// --- Tuning ---------------------------------------------------------------------------------
//
// The workload is append-mostly: one large batch per block (~1.6 MiB of envelopes at 4,000 tx,
// the receipts, 4,000 random tx ids, a few history rows and state writes per tx), synced, a few
// times a second; reads are point lookups (block by height, tx id) and short prefix scans.
//
// - Larger memtables (64 MiB blocks/state, 32 MiB the rest) so each block lands in memory and
//   flushes are few and large; db_write_buffer_size caps the total at 256 MiB.
// - Heights are monotonic, so flushed blocks/receipts files never overlap and compaction moves
//   them down a level without rewriting (trivial move): write amplification stays near 1 for
//   the bulk of the bytes. Dynamic level sizing keeps the tree shaped to the data actually held.
// - txidx keys are random hashes: a 10 bits/key Bloom filter (~1% false positives) makes the
//   frequent "is this tx id already committed?" miss cost no disk read.
// - LZ4 on every level when the Debian build has it (it does: librocksdb links liblz4): the
//   JSON envelopes and receipts are repetitive text, and LZ4 costs little CPU on a 2-core host,
//   where zstd's better ratio would compete with the commit path for a core.
// - 64 KiB data blocks for blocks/receipts (values are large and read whole), 4 KiB elsewhere.
// - bytes_per_sync spreads SST write-back so flushes do not stall the synced WAL append.
// - max_background_jobs = 2: one flush and one compaction on a 2-core host.
// - max_total_wal_size = 256 MiB (about the sum of the memtables): meta gets one tiny write per
//   block and would otherwise pin every WAL file forever; past the cap RocksDB flushes the column
//   families holding the oldest WAL. It bounds replay at restart and at each read-only open
//   (measured ~5 s of CPU for ~130 MiB of WAL).
// - max_open_files = -1: every SST is opened once at start (no table-cache misses), and a
//   read-only instance holds its files open even if a live writer compacts them away.

constexpr size_t kBlockCacheBytes = 128 << 20;
constexpr size_t kDbWriteBufferBytes = 256 << 20;
constexpr size_t kBigMemtableBytes = 64 << 20;
constexpr size_t kMemtableBytes = 32 << 20;
constexpr size_t kMetaMemtableBytes = 4 << 20;
constexpr uint64_t kWalBytesMax = 256ull << 20;
constexpr uint64_t kBytesPerSync = 1 << 20;
constexpr size_t kLargeValueBlockBytes = 64 << 10;
constexpr double kBloomBitsPerKey = 10;

rocksdb::CompressionType pick_compression() {
  const auto supported = rocksdb::GetSupportedCompressions();
  return std::find(supported.begin(), supported.end(), rocksdb::kLZ4Compression) != supported.end()
             ? rocksdb::kLZ4Compression
             : rocksdb::kNoCompression;
}

rocksdb::DBOptions db_options(bool create) {
  rocksdb::DBOptions o;
  o.create_if_missing = create;
  o.create_missing_column_families = create;
  o.max_background_jobs = 2;
  o.bytes_per_sync = kBytesPerSync;
  o.max_total_wal_size = kWalBytesMax;
  o.db_write_buffer_size = kDbWriteBufferBytes;
  o.max_open_files = -1;
  o.keep_log_file_num = 5;
  o.max_log_file_size = 16 << 20;
  return o;
}

std::vector<rocksdb::ColumnFamilyDescriptor> cf_descriptors() {
  // One block cache for every store the process opens (a node opens one; tests open several).
  static const std::shared_ptr<rocksdb::Cache> cache = rocksdb::NewLRUCache(kBlockCacheBytes);
  const rocksdb::CompressionType compression = pick_compression();
  std::vector<rocksdb::ColumnFamilyDescriptor> out;
  for (size_t i = 0; i < kCfCount; ++i) {
    rocksdb::ColumnFamilyOptions o;
    o.compression = compression;
    o.level_compaction_dynamic_level_bytes = true;
    rocksdb::BlockBasedTableOptions t;
    t.block_cache = cache;
    switch (i) {
      case kBlocks:
      case kReceipts:
        o.write_buffer_size = i == kBlocks ? kBigMemtableBytes : kMemtableBytes;
        t.block_size = kLargeValueBlockBytes;
        break;
      case kTxIdx:
        o.write_buffer_size = kMemtableBytes;
        t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(kBloomBitsPerKey));
        break;
      case kState:
        o.write_buffer_size = kBigMemtableBytes;
        break;
      case kHistory:
        o.write_buffer_size = kMemtableBytes;
        break;
      default:  // default, meta: a few bytes
        o.write_buffer_size = kMetaMemtableBytes;
        break;
    }
    o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
    out.emplace_back(kCfNames[i], o);
  }
  return out;
}

// --- The store ------------------------------------------------------------------------------

class RocksStore final : public ChainStore {
 public:
  RocksStore(rocksdb::DB* db, std::vector<rocksdb::ColumnFamilyHandle*> handles, bool sync,
             bool read_only, uint32_t state_every_blocks)
      : db_(db),
        handles_(std::move(handles)),
        sync_(sync),
        read_only_(read_only),
        state_every_(std::max<uint32_t>(state_every_blocks, 1)) {
    assert(handles_.size() == kCfCount);
    if (!read_only_ && state_every_ > 1) writer_ = std::thread([this] { state_writer(); });
  }
  ~RocksStore() override {
    if (writer_.joinable()) {
      {
        std::lock_guard lock(writer_mu_);
        stopping_ = true;
      }
      writer_cv_.notify_all();
      writer_.join();
    }
    write_pending_state();  // a clean close leaves nothing to replay
    for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
    db_->Close();  // nothing to report to: every commit already reached the WAL
  }
  RocksStore(const RocksStore&) = delete;
  RocksStore& operator=(const RocksStore&) = delete;

  // Checks the store is whole enough to resume from: meta agrees with the blocks column family,
  // and the tip block and its receipts decode. Sets the next expected height.
  Status recover();

  Status commit(const Block& block, const std::vector<Receipt>& receipts,
                const WriteSet& writes) override;
  std::optional<uint64_t> last_height() const override {
    const uint64_t next = next_height_.load(std::memory_order_acquire);
    if (next == 0) return std::nullopt;
    return next - 1;
  }
  std::optional<Block> block(uint64_t height) const override;
  std::optional<std::vector<Receipt>> receipts(uint64_t height) const override;
  std::optional<TxLocation> tx_location(const Hash& tx_id) const override;
  std::vector<TxLocation> history(std::string_view account, uint64_t before_height, size_t limit,
                                  uint32_t before_index) const override;
  uint64_t load_state(State& out) const override;
  void stage_replayed(const WriteSet& writes) override {
    std::lock_guard lock(commit_mu_);
    stage(writes);
  }
  Status checkpoint(const std::string& dir) const override;

  // Records live in the meta column family under "x/" (the store's own keys never start so).
  Status put_record(std::string_view key, std::string_view value) override {
    if (read_only_) return err("storage.unsupported", "the store is open read-only", 501);
    rocksdb::WriteOptions wo;
    wo.sync = sync_;
    auto st = db_->Put(wo, cf(kMeta), "x/" + std::string(key),
                       rocksdb::Slice(value.data(), value.size()));
    if (!st.ok())
      return err("storage.write_failed", "cannot write a record: " + st.ToString(), 500);
    return ok_status();
  }

  std::vector<std::pair<std::string, std::string>> records(std::string_view from,
                                                           std::string_view to,
                                                           size_t limit) const override {
    std::vector<std::pair<std::string, std::string>> out;
    const std::string lo = "x/" + std::string(from), hi = "x/" + std::string(to);
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(kMeta)));
    for (it->Seek(lo); it->Valid() && it->key().ToString() < hi && out.size() < limit; it->Next())
      out.emplace_back(it->key().ToString().substr(2), it->value().ToString());
    return out;
  }

 private:
  rocksdb::ColumnFamilyHandle* cf(Cf c) const { return handles_[c]; }
  // Merges a block's state writes into pending_ (the latest value of each key wins).
  void stage(const WriteSet& writes) {
    for (const auto& [k, v] : writes) pending_.insert_or_assign(k, v);
    ++pending_blocks_;
  }
  // Adds state writes and the state height to `batch`.
  rocksdb::Status put_state(rocksdb::WriteBatch& batch, const WriteSet& ws,
                            const std::string& height_key);
  void write_pending_state();
  // With state_every_ > 1 the state is written by this thread, off the commit path: a block's
  // commit never waits for the (larger) state batch. It takes one hand-off at a time.
  void state_writer();
  void hand_off(uint64_t height);

  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;  // indexed by Cf, owned
  const bool sync_;
  const bool read_only_;
  const uint32_t state_every_;            // write the state every this many blocks
  std::mutex commit_mu_;                  // one commit at a time (the height check is a read)
  std::atomic<uint64_t> next_height_{0};  // last committed height + 1; 0 = empty store
  WriteSet pending_;                      // state writes since the state height (commit_mu_)
  uint32_t pending_blocks_ = 0;
  // The state writer's hand-off (writer_mu_): one batch of state writes and its height at a time;
  // writes it could not store come back through unwritten_ (older than pending_).
  std::mutex writer_mu_;
  std::condition_variable writer_cv_;
  std::optional<std::pair<WriteSet, uint64_t>> handoff_;
  bool writer_busy_ = false;
  bool stopping_ = false;
  WriteSet unwritten_;
  std::thread writer_;
};

void RocksStore::state_writer() {
  std::unique_lock lock(writer_mu_);
  for (;;) {
    writer_cv_.wait(lock, [&] { return handoff_.has_value() || stopping_; });
    if (!handoff_) return;
    auto [ws, height] = std::move(*handoff_);
    handoff_.reset();
    writer_busy_ = true;
    lock.unlock();
    rocksdb::WriteBatch batch;
    // Not synced: the WAL is sequential, so this batch is durable with the next block's synced
    // commit, and never before the blocks it covers. Lost in a crash, it is replayed.
    rocksdb::Status s = put_state(batch, ws, height_key(height));
    if (s.ok()) s = db_->Write(rocksdb::WriteOptions(), &batch);
    lock.lock();
    if (!s.ok())
      for (auto& [k, v] : ws) unwritten_.try_emplace(k, std::move(v));  // newer ones stay
    writer_busy_ = false;
    writer_cv_.notify_all();
  }
}

void RocksStore::hand_off(uint64_t height) {
  std::unique_lock lock(writer_mu_);
  // While a state write is in flight, keep merging; only when the staging map is full, wait for
  // it (two writes in flight could land out of order and pair old values with a newer height).
  if (handoff_ || writer_busy_) {
    if (pending_.size() < kPendingStateKeysMax) return;
    writer_cv_.wait(lock, [&] { return !handoff_ && !writer_busy_; });
  }
  for (auto& [k, v] : unwritten_) pending_.try_emplace(k, std::move(v));
  unwritten_.clear();
  handoff_.emplace(std::move(pending_), height);
  pending_ = WriteSet();
  pending_blocks_ = 0;
  writer_cv_.notify_all();
}

rocksdb::Status RocksStore::put_state(rocksdb::WriteBatch& batch, const WriteSet& ws,
                                      const std::string& height_key) {
  rocksdb::Status s;
  for (const auto& [k, v] : ws) {
    s = v ? batch.Put(cf(kState), k, *v) : batch.Delete(cf(kState), k);
    if (!s.ok()) return s;
  }
  return batch.Put(cf(kMeta), kStateHeightKey, height_key);
}

void RocksStore::write_pending_state() {
  std::lock_guard lock(commit_mu_);
  const uint64_t next = next_height_.load(std::memory_order_acquire);
  for (auto& [k, v] : unwritten_) pending_.try_emplace(k, std::move(v));  // writer stopped
  unwritten_.clear();
  if (read_only_ || pending_.empty() || next == 0) return;
  rocksdb::WriteBatch batch;
  rocksdb::WriteOptions wo;
  wo.sync = sync_;
  rocksdb::Status s = put_state(batch, pending_, height_key(next - 1));
  if (s.ok()) s = db_->Write(wo, &batch);
  // Nothing is lost if this fails: the next open replays the blocks above the state height.
  if (s.ok()) {
    pending_.clear();
    pending_blocks_ = 0;
  }
}

Status RocksStore::recover() {
  const rocksdb::ReadOptions ro;
  std::string meta;
  rocksdb::Status s = db_->Get(ro, cf(kMeta), kLastHeightKey, &meta);
  if (!s.ok() && !s.IsNotFound()) return rocks_error("storage.open_failed", "read last_height", s);

  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cf(kBlocks)));
  it->SeekToLast();
  if (!it->status().ok()) return rocks_error("storage.corrupt", "scan blocks", it->status());
  if (s.IsNotFound()) {
    if (it->Valid()) return corrupt("blocks stored but no last_height");
    next_height_.store(0, std::memory_order_release);
    return ok_status();
  }
  if (meta.size() != kHeightKeyBytes) return corrupt("last_height is not 8 bytes");
  const uint64_t last = read_u64(meta.data());
  std::string state_meta;
  s = db_->Get(ro, cf(kMeta), kStateHeightKey, &state_meta);
  if (!s.ok() && !s.IsNotFound()) return rocks_error("storage.open_failed", "read state height", s);
  if (s.ok() && (state_meta.size() != kHeightKeyBytes || read_u64(state_meta.data()) > last))
    return corrupt("state_height is not a height at or below last_height");
  if (!it->Valid() || it->key() != rocksdb::Slice(height_key(last)))
    return corrupt("last_height " + std::to_string(last) + " is not the newest stored block");
  it->SeekToFirst();
  if (!it->Valid() || it->key() != rocksdb::Slice(height_key(0)))
    return corrupt("the oldest stored block is not height 0");

  rocksdb::PinnableSlice v;
  s = db_->Get(ro, cf(kBlocks), height_key(last), &v);
  if (!s.ok()) return rocks_error("storage.corrupt", "read tip block", s);
  auto blk = decode_block(view(v));
  if (!blk) return corrupt("tip block " + std::to_string(last) + ": " + blk.error().message);
  if (blk->header.height != last)
    return corrupt("tip block stored at " + std::to_string(last) + " says height " +
                   std::to_string(blk->header.height));
  v.Reset();
  s = db_->Get(ro, cf(kReceipts), height_key(last), &v);
  if (!s.ok()) return rocks_error("storage.corrupt", "read tip receipts", s);
  auto rs = decode_receipts(view(v));
  if (!rs) return corrupt("tip receipts " + std::to_string(last) + ": " + rs.error().message);
  if (rs->size() != blk->txs.size()) return corrupt("tip receipts do not match the tip block");
  next_height_.store(last + 1, std::memory_order_release);
  return ok_status();
}

Status RocksStore::commit(const Block& block, const std::vector<Receipt>& receipts,
                          const WriteSet& writes) {
  if (read_only_) return err("storage.write_failed", "store is open read-only", 500);
  std::lock_guard lock(commit_mu_);
  if (auto st = check_commit(block, receipts, next_height_.load(std::memory_order_acquire)); !st)
    return st;
  const uint64_t h = block.header.height;
  const std::string hk = height_key(h);
  const Bytes block_bytes = encode_block(block);
  const Bytes receipt_bytes = encode_receipts(receipts);

  rocksdb::WriteBatch batch(block_bytes.size() + receipt_bytes.size() + 64 * receipts.size());
  rocksdb::Status s;
  auto put = [&](Cf c, const rocksdb::Slice& k, const rocksdb::Slice& v) {
    if (s.ok()) s = batch.Put(cf(c), k, v);
  };
  put(kBlocks, hk, slice(block_bytes));
  put(kReceipts, hk, slice(receipt_bytes));
  // Index rows go in key order: the memtable skiplist then resumes each insert from the last
  // one's position instead of searching from the top (most of commit's CPU is these inserts).
  std::vector<std::pair<Hash, std::string>> txidx;
  std::vector<std::string> history;
  txidx.reserve(receipts.size());
  history.reserve(receipts.size() * 2);
  for (uint32_t i = 0; i < receipts.size(); ++i) {
    const Receipt& r = receipts[i];
    // The same signed tx sent to two nodes of a network can be ordered twice; the second copy
    // is rejected as a replay and the index keeps pointing at the first (rare: a lookup only
    // for replays).
    if (r.code == "tx.nonce_replayed" &&
        (tx_location(r.tx_id) || std::any_of(txidx.begin(), txidx.end(),
                                             [&](const auto& e) { return e.first == r.tx_id; })))
      continue;
    txidx.emplace_back(r.tx_id, tx_loc_value(h, i));
    for (const auto& account : r.accounts) {
      history.push_back(history_prefix(account));
      history.back().append(txidx.back().second);
    }
  }
  std::sort(txidx.begin(), txidx.end());
  std::sort(history.begin(), history.end());
  for (const auto& [id, loc] : txidx) put(kTxIdx, slice(id), loc);
  for (const auto& key : history) put(kHistory, key, rocksdb::Slice());
  // The state goes with the genesis block (replay starts from it) and, with state_every_ = 1,
  // with every block; otherwise the state writer takes it every state_every_ blocks (or earlier
  // when the staging map is full) once this block is committed.
  // The default (state with every block, nothing staged): the block's writes go straight into
  // its batch, without a copy through the staging map.
  const bool direct = !writer_.joinable() && pending_.empty();
  if (!direct) stage(writes);
  const bool due = direct || h == 0 || pending_blocks_ >= state_every_ ||
                   pending_.size() >= kPendingStateKeysMax;
  const bool write_state = due && (h == 0 || !writer_.joinable());
  if (write_state && s.ok()) s = put_state(batch, direct ? writes : pending_, hk);
  put(kMeta, kLastHeightKey, hk);
  if (!s.ok()) return rocks_error("storage.write_failed", "build batch", s);

  rocksdb::WriteOptions wo;
  wo.sync = sync_;
  s = db_->Write(wo, &batch);
  if (!s.ok()) return rocks_error("storage.write_failed", "commit block " + std::to_string(h), s);
  next_height_.store(h + 1, std::memory_order_release);
  if (write_state) {
    pending_.clear();
    pending_blocks_ = 0;
  } else if (due) {
    hand_off(h);
  }
  return ok_status();
}

// Reads return nullopt for a missing record and also for an unreadable one (I/O error, bad
// checksum, undecodable value): since heights are consecutive, a nullopt block or receipts at a
// height <= last_height() means the store is damaged (recover() catches it at the tip).
std::optional<Block> RocksStore::block(uint64_t height) const {
  rocksdb::PinnableSlice v;
  if (!db_->Get(rocksdb::ReadOptions(), cf(kBlocks), height_key(height), &v).ok())
    return std::nullopt;
  auto b = decode_block(view(v));
  if (!b || b->header.height != height) return std::nullopt;
  return std::move(b.value());
}

std::optional<std::vector<Receipt>> RocksStore::receipts(uint64_t height) const {
  rocksdb::PinnableSlice v;
  if (!db_->Get(rocksdb::ReadOptions(), cf(kReceipts), height_key(height), &v).ok())
    return std::nullopt;
  auto rs = decode_receipts(view(v));
  if (!rs) return std::nullopt;
  return std::move(rs.value());
}

std::optional<TxLocation> RocksStore::tx_location(const Hash& tx_id) const {
  rocksdb::PinnableSlice v;
  if (!db_->Get(rocksdb::ReadOptions(), cf(kTxIdx), slice(tx_id), &v).ok()) return std::nullopt;
  if (v.size() != kTxLocBytes) return std::nullopt;
  return TxLocation{read_u64(v.data()), read_u32(v.data() + 8)};
}

std::vector<TxLocation> RocksStore::history(std::string_view account, uint64_t before_height,
                                            size_t limit, uint32_t before_index) const {
  std::vector<TxLocation> out;
  if (limit == 0 || account.find('\0') != std::string_view::npos) return out;
  out.reserve(std::min(limit, limits::history_rows_max));
  const std::string prefix = history_prefix(account);
  // Every row of this account sorts after `prefix`; `target` is the row key of the cursor, so
  // the newest wanted row is the last key strictly before it.
  std::string target = prefix;
  append_u64(target, before_height);
  append_u32(target, before_index);
  const rocksdb::Slice lower(prefix);
  rocksdb::ReadOptions ro;
  ro.iterate_lower_bound = &lower;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cf(kHistory)));
  it->SeekForPrev(target);
  if (it->Valid() && it->key() == rocksdb::Slice(target)) it->Prev();
  for (; it->Valid() && out.size() < limit; it->Prev()) {
    const rocksdb::Slice k = it->key();
    if (!k.starts_with(prefix)) break;
    if (k.size() != prefix.size() + kTxLocBytes) continue;  // not a row of ours: skip it
    const char* p = k.data() + prefix.size();
    out.push_back({read_u64(p), read_u32(p + 8)});
  }
  return out;
}

uint64_t RocksStore::load_state(State& out) const {
  // One snapshot for the state height and the scan, so they agree beside a running writer.
  struct Snap {
    rocksdb::DB* db;
    const rocksdb::Snapshot* s;
    ~Snap() {
      if (s) db->ReleaseSnapshot(s);
    }
  } snap{db_.get(), db_->GetSnapshot()};
  rocksdb::ReadOptions ro;
  ro.snapshot = snap.s;
  ro.fill_cache = false;  // a one-off full scan: keep the cache for the hot blocks
  std::string meta;
  uint64_t height = 0;
  if (db_->Get(ro, cf(kMeta), kStateHeightKey, &meta).ok() && meta.size() == kHeightKeyBytes)
    height = read_u64(meta.data());
  else if (db_->Get(ro, cf(kMeta), kLastHeightKey, &meta).ok() && meta.size() == kHeightKeyBytes)
    height = read_u64(meta.data());  // written before state heights existed: state at the tip
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cf(kState)));
  WriteSet chunk;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    chunk.emplace(it->key().ToString(), it->value().ToString());
    if (chunk.size() >= kLoadStateChunkKeys) {
      out.apply(chunk);
      chunk.clear();
    }
  }
  out.apply(chunk);
  return height;
}

Status RocksStore::checkpoint(const std::string& dir) const {
  rocksdb::Checkpoint* raw = nullptr;
  rocksdb::Status s = rocksdb::Checkpoint::Create(db_.get(), &raw);
  std::unique_ptr<rocksdb::Checkpoint> cp(raw);
  if (!s.ok()) return rocks_error("storage.write_failed", "checkpoint", s);
  std::error_code ec;
  const fs::path abs = fs::absolute(dir, ec);  // RocksDB wants an absolute path
  if (ec) return err("storage.write_failed", "checkpoint " + dir + ": " + ec.message(), 500);
  s = cp->CreateCheckpoint(abs.string());
  if (!s.ok()) return rocks_error("storage.write_failed", "checkpoint into " + dir, s);
  return ok_status();
}

// --- Opening --------------------------------------------------------------------------------

enum class OpenMode { kCreate, kExisting, kReadOnly };

Result<std::unique_ptr<ChainStore>> open_store(const std::string& dir, OpenMode mode, bool sync,
                                               uint32_t state_every_blocks = 1) {
  const rocksdb::DBOptions options = db_options(mode == OpenMode::kCreate);
  const auto descriptors = cf_descriptors();
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s;
  if (mode == OpenMode::kReadOnly) {
    // OpenForReadOnly takes no lock, so it works beside a running node (verified by
    // tests/unit/storage_test.cpp, ReadOnlyBesideAnotherProcess). It sees the store as of the
    // open (it replays the WAL into its own memtable) and does not follow later commits; open
    // again to see them. A torn last WAL record from an in-flight commit is dropped by
    // point-in-time recovery, so the view always ends at a whole block. RocksDB calls this
    // combination "undefined behavior" only because the writer may delete files the reader
    // still needs: max_open_files = -1 holds every SST open, and a MANIFEST/WAL swapped during
    // the open is an IOError we retry.
    for (int attempt = 0; attempt < kReadOnlyOpenAttemptsMax; ++attempt) {
      s = rocksdb::DB::OpenForReadOnly(options, dir, descriptors, &handles, &raw);
      if (s.ok() || !s.IsIOError()) break;
    }
  } else {
    s = rocksdb::DB::Open(options, dir, descriptors, &handles, &raw);
  }
  if (!s.ok()) return rocks_error("storage.open_failed", "open " + dir, s);
  auto store = std::make_unique<RocksStore>(raw, std::move(handles), sync,
                                            mode == OpenMode::kReadOnly, state_every_blocks);
  if (auto st = store->recover(); !st) return st.error();
  return std::unique_ptr<ChainStore>(std::move(store));
}

// fsyncs a file or directory (restore copies files that RocksDB will trust as durable).
bool fsync_path(const fs::path& p, bool dir) {
  const int fd = ::open(p.c_str(), dir ? O_RDONLY | O_DIRECTORY : O_RDONLY);
  if (fd < 0) return false;
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

Result<std::unique_ptr<ChainStore>> open_rocks_store(const std::string& dir, bool sync,
                                                     uint32_t state_every_blocks) {
  return open_store(dir, OpenMode::kCreate, sync, state_every_blocks);
}

Result<std::unique_ptr<ChainStore>> open_rocks_store_readonly(const std::string& dir) {
  return open_store(dir, OpenMode::kReadOnly, false);
}

// Copies into `<data_dir>.restoring`, fsyncs, opens it (with the same recovery checks as a node
// start), and only then renames it to data_dir: a failed restore leaves no data_dir behind.
Status restore_store(const std::string& backup_dir, const std::string& data_dir) {
  std::error_code ec;
  if (fs::exists(data_dir, ec) || ec)
    return err("storage.write_failed", "restore target " + data_dir + " already exists", 500);
  if (!fs::is_regular_file(fs::path(backup_dir) / "CURRENT", ec))
    return err("storage.open_failed", backup_dir + " is not a store checkpoint (no CURRENT)", 500);
  const fs::path target = fs::absolute(data_dir, ec);
  if (ec) return err("storage.write_failed", "restore " + data_dir + ": " + ec.message(), 500);
  fs::path staging = target;
  staging += ".restoring";
  if (fs::exists(staging, ec))
    return err("storage.write_failed",
               staging.string() + " exists (an earlier restore failed?); remove it first", 500);

  auto fail = [&](std::string code, std::string message) -> Status {
    std::error_code ignored;
    fs::remove_all(staging, ignored);
    return err(std::move(code), std::move(message), 500);
  };
  fs::create_directories(target.parent_path(), ec);
  if (!ec) fs::copy(backup_dir, staging, fs::copy_options::recursive, ec);
  if (ec) return fail("storage.write_failed", "copy " + backup_dir + ": " + ec.message());
  fs::recursive_directory_iterator it(staging, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    std::error_code type_ec;
    if (!fsync_path(it->path(), it->is_directory(type_ec)) || type_ec)
      return fail("storage.write_failed", "fsync " + it->path().string());
  }
  if (ec || !fsync_path(staging, true))
    return fail("storage.write_failed", "fsync " + staging.string());
  {
    auto opened = open_store(staging.string(), OpenMode::kExisting, true);
    if (!opened) return fail(opened.error().code, "restored copy: " + opened.error().message);
  }
  fs::rename(staging, target, ec);
  if (ec) return fail("storage.write_failed", "rename to " + data_dir + ": " + ec.message());
  if (!fsync_path(target.parent_path(), true))
    return err("storage.write_failed", "fsync " + target.parent_path().string(), 500);
  return ok_status();
}

}  // namespace tanso
