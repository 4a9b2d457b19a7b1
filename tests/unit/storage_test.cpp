// Chain store tests: the same cases on the memory and RocksDB stores (StoreTest, parameterized),
// then RocksDB-only behaviour: restart recovery, the single-writer lock, checkpoint + restore,
// read-only opens beside a live writer (in this process and in another one) and corrupt values.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <rocksdb/db.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "core/block.h"
#include "core/crypto.h"
#include "storage/chain_store.h"

extern char** environ;

namespace tanso {
namespace {

namespace fs = std::filesystem;

// A fresh directory under /tmp, removed with everything in it at scope exit.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = "/tmp/tanso-storage-test-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string sub(std::string_view name) const { return path_ + "/" + std::string(name); }

 private:
  std::string path_;
};

// --- Test data -------------------------------------------------------------------------------

struct BlockData {
  Block block;
  std::vector<Receipt> receipts;
  WriteSet writes;
};

std::string envelope(uint64_t height, uint32_t i) {
  return R"({"payload":"{\"chain\":\"test\",\"type\":\"transfer\",\"from\":\"acct-)" +
         std::to_string(i) + R"(\",\"nonce\":)" + std::to_string(height) +
         R"(,\"body\":{\"to\":\"alice\",\"amount\":)" + std::to_string(height * 1000 + i) +
         R"(}}","signatures":[]})";
}

Hash fill(uint8_t seed) {
  Hash h;
  for (size_t i = 0; i < h.size(); ++i) h[i] = static_cast<uint8_t>(seed + i);
  return h;
}

// Block `height` with `ntx` txs. Tx i touches "alice" and "acct-<i>"; tx 0 also "alice-x" (a
// longer id with "alice" as a prefix, which must not show up in alice's history). State
// writes: nonce/acct-<i> = height, tip = height, and at height 2 a delete of "genesis/tmp".
BlockData make_block(uint64_t height, uint32_t ntx) {
  BlockData d;
  BlockHeader& h = d.block.header;
  h.height = height;
  h.prev_hash = fill(static_cast<uint8_t>(height));
  h.time_ms = 1'700'000'000'000 + height * 50;
  h.tx_count = ntx;
  h.tx_root = fill(10);
  h.receipts_root = fill(20);
  h.state_root = sha256("state" + std::to_string(height));
  h.proposer = fill(30);
  for (size_t i = 0; i < h.signature.size(); ++i) h.signature[i] = static_cast<uint8_t>(255 - i);
  for (uint32_t i = 0; i < ntx; ++i) {
    d.block.txs.push_back(envelope(height, i));
    Receipt r;
    r.tx_id = sha256(d.block.txs.back());
    if (i % 4 == 3) {
      r.code = "ets.surrender.insufficient_units";
      r.message = "needs " + std::to_string(i) + " more";
    }
    r.accounts = {"alice", "acct-" + std::to_string(i)};
    if (i == 0) r.accounts.push_back("alice-x");
    d.receipts.push_back(std::move(r));
    d.writes["nonce/acct-" + std::to_string(i)] = std::to_string(height);
  }
  d.writes["tip"] = std::to_string(height);
  if (height == 0) {
    d.writes["meta/genesis"] = R"({"chain":"test"})";
    d.writes["genesis/tmp"] = "scratch";
  }
  if (height == 2) d.writes["genesis/tmp"] = std::nullopt;
  return d;
}

Status commit(ChainStore& s, const BlockData& d) { return s.commit(d.block, d.receipts, d.writes); }

// Commits heights 0..last (genesis has no txs; block h has `ntx` txs).
void commit_chain(ChainStore& s, uint64_t last, uint32_t ntx = 3) {
  for (uint64_t h = 0; h <= last; ++h) {
    auto st = commit(s, make_block(h, h == 0 ? 0 : ntx));
    ASSERT_TRUE(st.ok()) << "height " << h << ": " << st.error().code << " " << st.error().message;
  }
}

std::map<std::string, std::string> state_of(const ChainStore& s) {
  State st;
  s.load_state(st);
  return st.data();
}

std::vector<std::pair<uint64_t, uint32_t>> rows(const std::vector<TxLocation>& v) {
  std::vector<std::pair<uint64_t, uint32_t>> out;
  for (const auto& l : v) out.emplace_back(l.height, l.index);
  return out;
}

// Everything a store holds for heights 0..last, compared field by field via the encodings.
void expect_same_contents(const ChainStore& a, const ChainStore& b, uint64_t last) {
  ASSERT_EQ(a.last_height(), std::optional<uint64_t>(last));
  ASSERT_EQ(b.last_height(), std::optional<uint64_t>(last));
  for (uint64_t h = 0; h <= last; ++h) {
    auto ba = a.block(h), bb = b.block(h);
    ASSERT_TRUE(ba && bb) << "height " << h;
    EXPECT_EQ(encode_block(*ba), encode_block(*bb));
    auto ra = a.receipts(h), rb = b.receipts(h);
    ASSERT_TRUE(ra && rb) << "height " << h;
    EXPECT_EQ(encode_receipts(*ra), encode_receipts(*rb));
    for (const auto& r : *ra) {
      auto la = a.tx_location(r.tx_id), lb = b.tx_location(r.tx_id);
      ASSERT_TRUE(la && lb);
      EXPECT_EQ(la->height, lb->height);
      EXPECT_EQ(la->index, lb->index);
    }
  }
  EXPECT_EQ(rows(a.history("alice", UINT64_MAX, 1000)), rows(b.history("alice", UINT64_MAX, 1000)));
  EXPECT_EQ(state_of(a), state_of(b));
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// --- Both stores -----------------------------------------------------------------------------

enum class Backend { kMemory, kRocks };

class StoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    init_crypto();
    if (GetParam() == Backend::kMemory) {
      store_ = make_memory_store();
      return;
    }
    dir_.emplace();
    auto r = open_rocks_store(dir_->sub("db"), /*sync=*/false);
    ASSERT_TRUE(r.ok()) << r.error().message;
    store_ = std::move(*r);
  }

  std::optional<TempDir> dir_;  // outlives store_
  std::unique_ptr<ChainStore> store_;
};

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, ::testing::Values(Backend::kMemory, Backend::kRocks),
                         [](const auto& info) {
                           return info.param == Backend::kMemory ? "Memory" : "Rocks";
                         });

TEST_P(StoreTest, EmptyStoreHasNothing) {
  EXPECT_EQ(store_->last_height(), std::nullopt);
  EXPECT_FALSE(store_->block(0));
  EXPECT_FALSE(store_->receipts(0));
  EXPECT_FALSE(store_->tx_location(fill(1)));
  EXPECT_TRUE(store_->history("alice", UINT64_MAX, 10).empty());
  EXPECT_TRUE(state_of(*store_).empty());
}

TEST_P(StoreTest, GenesisThenBlocks) {
  ASSERT_TRUE(commit(*store_, make_block(0, 0)).ok());
  EXPECT_EQ(store_->last_height(), std::optional<uint64_t>(0));
  auto g = store_->block(0);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->header.height, 0u);
  EXPECT_TRUE(g->txs.empty());
  auto gr = store_->receipts(0);
  ASSERT_TRUE(gr);
  EXPECT_TRUE(gr->empty());
  EXPECT_EQ(state_of(*store_).at("meta/genesis"), R"({"chain":"test"})");

  ASSERT_TRUE(commit(*store_, make_block(1, 5)).ok());
  ASSERT_TRUE(commit(*store_, make_block(2, 1)).ok());
  EXPECT_EQ(store_->last_height(), std::optional<uint64_t>(2));
  ASSERT_TRUE(store_->block(1));
  EXPECT_EQ(store_->block(1)->txs.size(), 5u);
  ASSERT_TRUE(store_->block(2));
  EXPECT_EQ(store_->block(2)->txs.size(), 1u);
  EXPECT_FALSE(store_->block(3));
  EXPECT_FALSE(store_->receipts(3));
}

TEST_P(StoreTest, RefusesNonConsecutiveHeightsAndWritesNothing) {
  const BlockData early = make_block(1, 2);
  auto st = commit(*store_, early);  // empty store: only genesis (0) is next
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "storage.bad_height");
  EXPECT_EQ(store_->last_height(), std::nullopt);
  EXPECT_FALSE(store_->block(1));

  ASSERT_TRUE(commit(*store_, make_block(0, 0)).ok());
  const auto state_before = state_of(*store_);
  for (uint64_t h : {uint64_t{0}, uint64_t{2}, uint64_t{7}}) {  // replay, gap, far ahead
    const BlockData d = make_block(h, 2);
    st = commit(*store_, d);
    ASSERT_FALSE(st.ok()) << "height " << h;
    EXPECT_EQ(st.error().code, "storage.bad_height");
    EXPECT_NE(st.error().message.find("expected 1"), std::string::npos) << st.error().message;
    EXPECT_FALSE(store_->tx_location(d.receipts[0].tx_id));
  }
  EXPECT_EQ(store_->last_height(), std::optional<uint64_t>(0));
  EXPECT_FALSE(store_->block(2));
  EXPECT_FALSE(store_->receipts(2));
  EXPECT_TRUE(store_->history("alice", UINT64_MAX, 10).empty());
  EXPECT_EQ(state_of(*store_), state_before);
  EXPECT_EQ(store_->block(0)->txs.size(), 0u);  // the replayed genesis did not overwrite it

  ASSERT_TRUE(commit(*store_, early).ok());  // the right next height is still accepted
  EXPECT_EQ(store_->last_height(), std::optional<uint64_t>(1));
}

TEST_P(StoreTest, RefusesMalformedBlocks) {
  BlockData genesis_with_tx = make_block(0, 1);
  auto st = commit(*store_, genesis_with_tx);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "storage.bad_block");
  ASSERT_TRUE(commit(*store_, make_block(0, 0)).ok());

  BlockData bad_count = make_block(1, 3);
  bad_count.block.header.tx_count = 4;
  BlockData missing_receipt = make_block(1, 3);
  missing_receipt.receipts.pop_back();
  BlockData nul_account = make_block(1, 3);
  nul_account.receipts[1].accounts.push_back(std::string("bad\0id", 6));
  for (const BlockData* d : {&bad_count, &missing_receipt, &nul_account}) {
    st = commit(*store_, *d);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, "storage.bad_block");
  }
  EXPECT_EQ(store_->last_height(), std::optional<uint64_t>(0));
  EXPECT_FALSE(store_->block(1));
  EXPECT_FALSE(store_->tx_location(bad_count.receipts[0].tx_id));
}

TEST_P(StoreTest, BlockAndReceiptsRoundTrip) {
  ASSERT_TRUE(commit(*store_, make_block(0, 0)).ok());
  BlockData d = make_block(1, 4);
  d.block.txs[1] = std::string("\0binary\xff", 8);  // stored as bytes, not as C strings
  d.block.txs[2] = "";
  d.receipts[2].accounts.clear();
  ASSERT_TRUE(commit(*store_, d).ok());

  auto b = store_->block(1);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->header.height, 1u);
  EXPECT_EQ(b->header.time_ms, d.block.header.time_ms);
  EXPECT_EQ(b->header.tx_count, 4u);
  EXPECT_EQ(b->header.prev_hash, d.block.header.prev_hash);
  EXPECT_EQ(b->header.state_root, d.block.header.state_root);
  EXPECT_EQ(b->header.signature, d.block.header.signature);
  EXPECT_EQ(b->txs, d.block.txs);
  EXPECT_EQ(header_hash(b->header), header_hash(d.block.header));

  auto rs = store_->receipts(1);
  ASSERT_TRUE(rs);
  ASSERT_EQ(rs->size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ((*rs)[i].tx_id, d.receipts[i].tx_id);
    EXPECT_EQ((*rs)[i].code, d.receipts[i].code);
    EXPECT_EQ((*rs)[i].message, d.receipts[i].message);
    EXPECT_EQ((*rs)[i].accounts, d.receipts[i].accounts);
  }
  EXPECT_EQ((*rs)[3].code, "ets.surrender.insufficient_units");
}

TEST_P(StoreTest, TxLocationFindsEveryTx) {
  commit_chain(*store_, 3, 5);
  for (uint64_t h = 1; h <= 3; ++h) {
    const BlockData d = make_block(h, 5);
    for (uint32_t i = 0; i < 5; ++i) {
      auto loc = store_->tx_location(d.receipts[i].tx_id);
      ASSERT_TRUE(loc) << h << "/" << i;
      EXPECT_EQ(loc->height, h);
      EXPECT_EQ(loc->index, i);
    }
  }
  EXPECT_FALSE(store_->tx_location(sha256("never submitted")));
}

// A network can order the same signed tx twice (sent to two nodes); the second copy is
// rejected tx.nonce_replayed and the index keeps the first, also within one block. Another
// rejection code of a tx id seen before (which cannot happen) still moves it.
TEST_P(StoreTest, AReplayedCopyKeepsTheFirstLocation) {
  commit_chain(*store_, 1, 2);
  const Receipt first = make_block(1, 2).receipts[0];
  BlockData d = make_block(2, 3);
  d.block.txs[1] = make_block(1, 2).block.txs[0];
  d.receipts[1].tx_id = first.tx_id;
  d.receipts[1].code = "tx.nonce_replayed";
  d.block.txs[2] = d.block.txs[0];
  d.receipts[2].tx_id = d.receipts[0].tx_id;
  d.receipts[2].code = "tx.nonce_replayed";
  ASSERT_TRUE(commit(*store_, d).ok());
  auto loc = store_->tx_location(first.tx_id);
  ASSERT_TRUE(loc);
  EXPECT_EQ(loc->height, 1u);
  EXPECT_EQ(loc->index, 0u);
  auto same_block = store_->tx_location(d.receipts[0].tx_id);
  ASSERT_TRUE(same_block);
  EXPECT_EQ(same_block->height, 2u);
  EXPECT_EQ(same_block->index, 0u);
  BlockData e = make_block(3, 1);
  e.block.txs[0] = make_block(1, 2).block.txs[0];
  e.receipts[0].tx_id = first.tx_id;
  e.receipts[0].code = "holdings.insufficient";
  ASSERT_TRUE(commit(*store_, e).ok());
  EXPECT_EQ(store_->tx_location(first.tx_id)->height, 3u);
}

TEST_P(StoreTest, HistoryIsNewestFirstWithBeforeAndLimit) {
  commit_chain(*store_, 4, 3);  // alice is in every tx of blocks 1..4
  using Rows = std::vector<std::pair<uint64_t, uint32_t>>;
  EXPECT_EQ(rows(store_->history("alice", UINT64_MAX, 100)), (Rows{{4, 2},
                                                                   {4, 1},
                                                                   {4, 0},
                                                                   {3, 2},
                                                                   {3, 1},
                                                                   {3, 0},
                                                                   {2, 2},
                                                                   {2, 1},
                                                                   {2, 0},
                                                                   {1, 2},
                                                                   {1, 1},
                                                                   {1, 0}}));
  EXPECT_EQ(rows(store_->history("alice", 3, 100)),
            (Rows{{2, 2}, {2, 1}, {2, 0}, {1, 2}, {1, 1}, {1, 0}}));
  EXPECT_EQ(rows(store_->history("alice", UINT64_MAX, 4)), (Rows{{4, 2}, {4, 1}, {4, 0}, {3, 2}}));
  EXPECT_EQ(rows(store_->history("alice", 2, 2)), (Rows{{1, 2}, {1, 1}}));
  EXPECT_TRUE(store_->history("alice", 1, 100).empty());  // genesis has no txs
  EXPECT_TRUE(store_->history("alice", UINT64_MAX, 0).empty());
  // A cursor inside a block: the rest of that block's rows come next, none skipped.
  EXPECT_EQ(rows(store_->history("alice", 4, 100, 1)).front(),
            (std::pair<uint64_t, uint32_t>{4, 0}));
  EXPECT_EQ(rows(store_->history("alice", 4, 2, 1)), (Rows{{4, 0}, {3, 2}}));
  // Ids that share a prefix do not mix: alice-x is only in tx 0, acct-1 only in tx 1.
  EXPECT_EQ(rows(store_->history("alice-x", UINT64_MAX, 100)),
            (Rows{{4, 0}, {3, 0}, {2, 0}, {1, 0}}));
  EXPECT_EQ(rows(store_->history("acct-1", 4, 100)), (Rows{{3, 1}, {2, 1}, {1, 1}}));
  EXPECT_TRUE(store_->history("ali", UINT64_MAX, 100).empty());
  EXPECT_TRUE(store_->history("nobody", UINT64_MAX, 100).empty());
}

TEST_P(StoreTest, StateWritesPutOverwriteDelete) {
  commit_chain(*store_, 1, 2);
  auto s = state_of(*store_);
  EXPECT_EQ(s.at("genesis/tmp"), "scratch");
  EXPECT_EQ(s.at("nonce/acct-1"), "1");
  EXPECT_EQ(s.at("tip"), "1");

  BlockData d = make_block(2, 2);  // overwrites nonce/*, tip; deletes genesis/tmp
  d.writes["new/key"] = "v";
  d.writes["never/existed"] = std::nullopt;  // deleting a missing key is fine
  ASSERT_TRUE(commit(*store_, d).ok());
  s = state_of(*store_);
  EXPECT_EQ(s.count("genesis/tmp"), 0u);
  EXPECT_EQ(s.count("never/existed"), 0u);
  EXPECT_EQ(s.at("nonce/acct-0"), "2");
  EXPECT_EQ(s.at("tip"), "2");
  EXPECT_EQ(s.at("new/key"), "v");
  EXPECT_EQ(s.at("meta/genesis"), R"({"chain":"test"})");
  EXPECT_EQ(s.size(), 5u);  // meta/genesis, new/key, nonce/acct-0, nonce/acct-1, tip

  State preloaded;  // load_state applies on top of what the caller has
  preloaded.apply({{"zz", "old"}, {"tip", "stale"}});
  store_->load_state(preloaded);
  EXPECT_EQ(preloaded.get("tip"), std::optional<std::string>("2"));
  EXPECT_EQ(preloaded.get("zz"), std::optional<std::string>("old"));
}

// Readers racing the committing thread: whatever last_height() says is fully readable.
TEST_P(StoreTest, ConcurrentReadersSeeWholeBlocks) {
  constexpr uint64_t kBlocks = 60;
  ASSERT_TRUE(commit(*store_, make_block(0, 0)).ok());
  std::atomic<bool> done{false};
  std::atomic<uint64_t> checks{0}, torn{0};
  std::thread reader([&] {
    while (!done.load()) {
      auto h = store_->last_height();
      if (!h) continue;
      auto b = store_->block(*h);
      auto r = store_->receipts(*h);
      if (!b || !r || r->size() != b->txs.size()) ++torn;
      if (*h > 0 && (!r || r->empty() || !store_->tx_location(r->back().tx_id))) ++torn;
      ++checks;
    }
  });
  while (checks.load() == 0) std::this_thread::yield();  // the reader is running
  for (uint64_t h = 1; h <= kBlocks; ++h) {
    ASSERT_TRUE(commit(*store_, make_block(h, 8)).ok());
    std::this_thread::yield();
  }
  done = true;
  reader.join();
  EXPECT_EQ(torn.load(), 0u);
  EXPECT_GT(checks.load(), 0u);
  EXPECT_EQ(store_->last_height(), std::optional<uint64_t>(kBlocks));
}

TEST(MemoryStoreTest, CheckpointIsUnsupported) {
  auto store = make_memory_store();
  auto st = store->checkpoint("/tmp/never-created-by-tanso");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "storage.unsupported");
  EXPECT_FALSE(fs::exists("/tmp/never-created-by-tanso"));
}

// --- RocksDB only ----------------------------------------------------------------------------

class RocksStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { init_crypto(); }
  std::unique_ptr<ChainStore> open(bool sync = false) {
    auto r = open_rocks_store(db_, sync);
    EXPECT_TRUE(r.ok()) << r.error().code << " " << r.error().message;
    return r ? std::move(*r) : nullptr;
  }

  TempDir tmp_;
  const std::string db_ = tmp_.sub("db");
};

// Writes one raw value into a column family, bypassing the store (to plant corruption).
void raw_put(const std::string& dir, const std::string& cf, const std::string& key,
             const std::string& value) {
  std::vector<std::string> names;
  ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir, &names).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const auto& n : names) descriptors.emplace_back(n, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  auto s = rocksdb::DB::Open(rocksdb::DBOptions(), dir, descriptors, &handles, &db);
  ASSERT_TRUE(s.ok()) << s.ToString();
  auto it = std::find(names.begin(), names.end(), cf);
  ASSERT_NE(it, names.end()) << cf;
  s = db->Put(rocksdb::WriteOptions(), handles[it - names.begin()], key, value);
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  delete db;
  ASSERT_TRUE(s.ok()) << s.ToString();
}

std::string be64(uint64_t v) {
  std::string s;
  for (int i = 7; i >= 0; --i) s.push_back(static_cast<char>(v >> (i * 8)));
  return s;
}

TEST_F(RocksStoreTest, ReopenRecoversToLastCommittedBlock) {
  auto reference = make_memory_store();
  {
    auto store = open(/*sync=*/true);
    ASSERT_TRUE(store);
    commit_chain(*store, 5, 4);
    commit_chain(*reference, 5, 4);
  }
  auto store = open();
  ASSERT_TRUE(store);
  expect_same_contents(*store, *reference, 5);
  // It carries on from the recovered height, and only from there.
  auto st = commit(*store, make_block(5, 1));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "storage.bad_height");
  ASSERT_TRUE(commit(*store, make_block(6, 2)).ok());
  store.reset();
  store = open();
  ASSERT_TRUE(store);
  EXPECT_EQ(store->last_height(), std::optional<uint64_t>(6));
  EXPECT_EQ(store->block(6)->txs.size(), 2u);
}

TEST_F(RocksStoreTest, SecondWriterIsRefusedByTheLock) {
  auto store = open();
  ASSERT_TRUE(store);
  auto second = open_rocks_store(db_);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, "storage.open_failed");
  EXPECT_NE(lower(second.error().message).find("lock"), std::string::npos)
      << second.error().message;
}

TEST_F(RocksStoreTest, ReadOnlyOpenOfMissingDirFails) {
  auto r = open_rocks_store_readonly(tmp_.sub("absent"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "storage.open_failed");
  EXPECT_FALSE(fs::exists(tmp_.sub("absent")));  // and it created nothing
}

TEST_F(RocksStoreTest, CheckpointRestoreReopenEqualsOriginal) {
  auto store = open(/*sync=*/true);
  ASSERT_TRUE(store);
  commit_chain(*store, 4, 6);
  const std::string ck = tmp_.sub("ck"), restored = tmp_.sub("restored/db");
  ASSERT_TRUE(store->checkpoint(ck).ok());
  auto again = store->checkpoint(ck);  // must not exist
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "storage.write_failed");
  ASSERT_TRUE(commit(*store, make_block(5, 1)).ok());  // after the checkpoint: not in it

  auto st = restore_store(ck, restored);
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_FALSE(fs::exists(restored + ".restoring"));
  auto copy = open_rocks_store(restored);
  ASSERT_TRUE(copy.ok()) << copy.error().message;
  auto reference = make_memory_store();
  commit_chain(*reference, 4, 6);
  expect_same_contents(**copy, *reference, 4);
  EXPECT_FALSE((*copy)->block(5));
  // The restored store is a live store in its own right.
  ASSERT_TRUE(commit(**copy, make_block(5, 3)).ok());
  EXPECT_EQ((*copy)->last_height(), std::optional<uint64_t>(5));
  EXPECT_EQ(store->block(5)->txs.size(), 1u);  // the original is untouched
}

TEST_F(RocksStoreTest, RestoreRefusesExistingTargetAndNonCheckpoints) {
  auto store = open();
  ASSERT_TRUE(store);
  commit_chain(*store, 1);
  const std::string ck = tmp_.sub("ck");
  ASSERT_TRUE(store->checkpoint(ck).ok());

  fs::create_directories(tmp_.sub("occupied"));
  auto st = restore_store(ck, tmp_.sub("occupied"));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "storage.write_failed");
  EXPECT_TRUE(fs::is_empty(tmp_.sub("occupied")));

  st = restore_store(tmp_.sub("no-such-backup"), tmp_.sub("r1"));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "storage.open_failed");
  EXPECT_FALSE(fs::exists(tmp_.sub("r1")));

  // A directory that looks like a checkpoint but is not: the copy fails to open and is removed.
  fs::create_directories(tmp_.sub("fake"));
  { std::ofstream(tmp_.sub("fake/CURRENT")) << "MANIFEST-000001\n"; }
  st = restore_store(tmp_.sub("fake"), tmp_.sub("r2"));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "storage.open_failed");
  EXPECT_FALSE(fs::exists(tmp_.sub("r2")));
  EXPECT_FALSE(fs::exists(tmp_.sub("r2.restoring")));
}

TEST_F(RocksStoreTest, ReadOnlyBesideLiveWriterInThisProcess) {
  auto writer = open(/*sync=*/true);
  ASSERT_TRUE(writer);
  commit_chain(*writer, 3, 4);
  auto ro = open_rocks_store_readonly(db_);
  ASSERT_TRUE(ro.ok()) << ro.error().message;
  auto reference = make_memory_store();
  commit_chain(*reference, 3, 4);
  expect_same_contents(**ro, *reference, 3);

  auto st = (*ro)->commit(make_block(4, 1).block, make_block(4, 1).receipts, {});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "storage.write_failed");

  // The read-only view is as of its open; a new open sees later commits.
  ASSERT_TRUE(commit(*writer, make_block(4, 2)).ok());
  EXPECT_EQ((*ro)->last_height(), std::optional<uint64_t>(3));
  auto ro2 = open_rocks_store_readonly(db_);
  ASSERT_TRUE(ro2.ok()) << ro2.error().message;
  EXPECT_EQ((*ro2)->last_height(), std::optional<uint64_t>(4));
  ASSERT_TRUE((*ro2)->block(4));
  EXPECT_EQ((*ro2)->block(4)->txs.size(), 2u);
  ASSERT_TRUE(commit(*writer, make_block(5, 1)).ok());  // the writer is unaffected
}

// --- Another process holding the store open read-write ---------------------------------------
//
// The parent re-runs this test binary with only RocksStoreHelper.DISABLED_HoldStoreOpen selected;
// that helper opens the store read-write, commits 0..4 and talks over two pipes whose fd numbers
// it gets in TANSO_STORAGE_HELPER (dir,read_fd,write_fd): "ready", then on "commit" it commits
// block 5 and answers "committed", and exits when its input closes.

constexpr int kHelperTimeoutMs = 30'000;

std::string read_line(int fd, int timeout_ms) {
  std::string line;
  char c = 0;
  while (true) {
    pollfd p{fd, POLLIN, 0};
    if (timeout_ms >= 0 && ::poll(&p, 1, timeout_ms) <= 0) return line + "<timeout>";
    if (::read(fd, &c, 1) != 1) return line;
    if (c == '\n') return line;
    line.push_back(c);
  }
}

void write_line(int fd, const std::string& s) {
  const std::string msg = s + "\n";
  ASSERT_EQ(::write(fd, msg.data(), msg.size()), static_cast<ssize_t>(msg.size()));
}

TEST(RocksStoreHelper, DISABLED_HoldStoreOpen) {
  const char* spec = std::getenv("TANSO_STORAGE_HELPER");
  ASSERT_NE(spec, nullptr) << "run only by ReadOnlyBesideAnotherProcess";
  std::string s = spec;
  const auto c1 = s.find(','), c2 = s.rfind(',');
  const std::string dir = s.substr(0, c1);
  const int in = std::stoi(s.substr(c1 + 1, c2 - c1 - 1)), out = std::stoi(s.substr(c2 + 1));
  init_crypto();
  auto store = open_rocks_store(dir, /*sync=*/true);
  ASSERT_TRUE(store.ok()) << store.error().message;
  commit_chain(**store, 4, 3);
  write_line(out, "ready");
  for (std::string cmd = read_line(in, -1); !cmd.empty(); cmd = read_line(in, -1)) {
    if (cmd == "commit") {
      ASSERT_TRUE(commit(**store, make_block(5, 7)).ok());
      write_line(out, "committed");
    }
  }
}

TEST_F(RocksStoreTest, ReadOnlyBesideAnotherProcess) {
  int to_child[2], from_child[2];
  ASSERT_EQ(::pipe(to_child), 0);
  ASSERT_EQ(::pipe(from_child), 0);
  const std::string log = tmp_.sub("helper.log");
  std::vector<std::string> env_s = {"TANSO_STORAGE_HELPER=" + db_ + "," +
                                    std::to_string(to_child[0]) + "," +
                                    std::to_string(from_child[1])};
  for (char** e = environ; *e; ++e) env_s.emplace_back(*e);
  std::vector<char*> envp;
  for (auto& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string exe = fs::read_symlink("/proc/self/exe").string();
  std::string filter = "--gtest_filter=RocksStoreHelper.DISABLED_HoldStoreOpen";
  std::string disabled = "--gtest_also_run_disabled_tests";
  std::vector<char*> argv = {exe.data(), filter.data(), disabled.data(), nullptr};
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addclose(&fa, to_child[1]);
  posix_spawn_file_actions_addclose(&fa, from_child[0]);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, exe.c_str(), &fa, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  ::close(to_child[0]);
  ::close(from_child[1]);
  ASSERT_EQ(rc, 0);
  auto helper_log = [&] {
    std::ifstream f(log);
    return std::string(std::istreambuf_iterator<char>(f), {});
  };

  ASSERT_EQ(read_line(from_child[0], kHelperTimeoutMs), "ready") << helper_log();
  {
    auto ro = open_rocks_store_readonly(db_);
    ASSERT_TRUE(ro.ok()) << ro.error().message;
    EXPECT_EQ((*ro)->last_height(), std::optional<uint64_t>(4));
    auto reference = make_memory_store();
    commit_chain(*reference, 4, 3);
    expect_same_contents(**ro, *reference, 4);
    // The node holds the lock: a second read-write open says so.
    auto rw = open_rocks_store(db_);
    ASSERT_FALSE(rw.ok());
    EXPECT_EQ(rw.error().code, "storage.open_failed");
    EXPECT_NE(lower(rw.error().message).find("lock"), std::string::npos) << rw.error().message;
  }
  write_line(to_child[1], "commit");
  ASSERT_EQ(read_line(from_child[0], kHelperTimeoutMs), "committed") << helper_log();
  {
    auto ro = open_rocks_store_readonly(db_);
    ASSERT_TRUE(ro.ok()) << ro.error().message;
    EXPECT_EQ((*ro)->last_height(), std::optional<uint64_t>(5));
    ASSERT_TRUE((*ro)->block(5));
    EXPECT_EQ((*ro)->block(5)->txs.size(), 7u);
    EXPECT_EQ((*ro)->tx_location(make_block(5, 7).receipts[6].tx_id)->index, 6u);
  }
  ::close(to_child[1]);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ::close(from_child[0]);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << helper_log();
  EXPECT_NE(helper_log().find("[  PASSED  ] 1 test"), std::string::npos) << helper_log();
}

// --- Corruption ------------------------------------------------------------------------------

TEST_F(RocksStoreTest, CorruptOlderBlockIsUnreadableNotACrash) {
  {
    auto store = open();
    ASSERT_TRUE(store);
    commit_chain(*store, 3);
  }
  raw_put(db_, "blocks", be64(1), "junk that is not a block");
  auto store = open();  // the tip is sound, so the store opens
  ASSERT_TRUE(store);
  EXPECT_EQ(store->last_height(), std::optional<uint64_t>(3));
  EXPECT_FALSE(store->block(1));  // height <= last_height yet nullopt: damaged, reported
  EXPECT_TRUE(store->block(2));
  EXPECT_TRUE(store->receipts(1));
  // A well-formed block stored under the wrong height is caught too.
  store.reset();
  raw_put(db_, "blocks", be64(2),
          std::string(reinterpret_cast<const char*>(encode_block(make_block(1, 3).block).data()),
                      encode_block(make_block(1, 3).block).size()));
  store = open();
  ASSERT_TRUE(store);
  EXPECT_FALSE(store->block(2));
}

TEST_F(RocksStoreTest, CorruptTipIsStorageCorrupt) {
  {
    auto store = open();
    ASSERT_TRUE(store);
    commit_chain(*store, 3);
  }
  raw_put(db_, "blocks", be64(3), "\x01truncated");
  auto r = open_rocks_store(db_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "storage.corrupt");
  EXPECT_NE(r.error().message.find("tip block 3"), std::string::npos) << r.error().message;
  auto ro = open_rocks_store_readonly(db_);
  ASSERT_FALSE(ro.ok());
  EXPECT_EQ(ro.error().code, "storage.corrupt");
}

TEST_F(RocksStoreTest, CorruptTipReceiptsAndMetaAreStorageCorrupt) {
  {
    auto store = open();
    ASSERT_TRUE(store);
    commit_chain(*store, 2);
  }
  raw_put(db_, "receipts", be64(2), std::string("\x01\x00\x00\x00\x05", 5));
  auto r = open_rocks_store(db_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "storage.corrupt");

  raw_put(db_, "meta", "last_height", "abc");  // not 8 bytes
  r = open_rocks_store(db_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "storage.corrupt");

  raw_put(db_, "meta", "last_height", be64(9));  // beyond the newest block
  r = open_rocks_store(db_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "storage.corrupt");
  EXPECT_NE(r.error().message.find("last_height 9"), std::string::npos) << r.error().message;
}

TEST_F(RocksStoreTest, CorruptIndexValuesAreIgnoredNotACrash) {
  {
    auto store = open();
    ASSERT_TRUE(store);
    commit_chain(*store, 1, 2);
  }
  const Hash id = make_block(1, 2).receipts[0].tx_id;
  raw_put(db_, "txidx", std::string(reinterpret_cast<const char*>(id.data()), id.size()), "x");
  raw_put(db_, "history", std::string("alice\0", 6) + "short", "");
  auto store = open();
  ASSERT_TRUE(store);
  EXPECT_FALSE(store->tx_location(id));
  EXPECT_EQ(rows(store->history("alice", UINT64_MAX, 10)),
            (std::vector<std::pair<uint64_t, uint32_t>>{{1, 1}, {1, 0}}));
}

}  // namespace
}  // namespace tanso

namespace tanso {
namespace {

// --- State written every N blocks -------------------------------------------------------------

constexpr uint32_t kEvery = 4;

// The state the memory store (which applies every block's writes) has after heights 0..last.
std::map<std::string, std::string> reference_state(uint64_t last) {
  auto ref = make_memory_store();
  commit_chain(*ref, last, 3);
  return state_of(*ref);
}

// Run only by StateIsWrittenEveryNBlocksAndSurvivesACrash: commits 0..9 with the state written
// every 4 blocks, then exits at once, as a SIGKILL would: no destructor writes the rest.
TEST(RocksStoreHelper, DISABLED_CommitAndVanish) {
  const char* dir = std::getenv("TANSO_STORAGE_VANISH_DIR");
  ASSERT_NE(dir, nullptr) << "run only by StateIsWrittenEveryNBlocksAndSurvivesACrash";
  init_crypto();
  auto store = open_rocks_store(dir, /*sync=*/true, kEvery);
  ASSERT_TRUE(store.ok()) << store.error().message;
  commit_chain(**store, 9, 3);
  std::_Exit(::testing::Test::HasFailure() ? 1 : 0);
}

TEST_F(RocksStoreTest, StateIsWrittenEveryNBlocksAndSurvivesACrash) {
  std::string env_dir = "TANSO_STORAGE_VANISH_DIR=" + db_;
  std::vector<char*> envp = {env_dir.data()};
  for (char** e = environ; *e; ++e) envp.push_back(*e);
  envp.push_back(nullptr);
  std::string exe = fs::read_symlink("/proc/self/exe").string();
  std::string filter = "--gtest_filter=RocksStoreHelper.DISABLED_CommitAndVanish";
  std::string disabled = "--gtest_also_run_disabled_tests";
  std::vector<char*> argv = {exe.data(), filter.data(), disabled.data(), nullptr};
  pid_t pid = 0;
  ASSERT_EQ(::posix_spawn(&pid, exe.c_str(), nullptr, nullptr, argv.data(), envp.data()), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "helper status " << status;

  // Blocks 0..9 are all there. The state is as of a height it was written at: 0 (with the
  // genesis block), or 4 or 8 (by the state writer, which the exit may have overtaken) — whole
  // as of that height, never a mix.
  auto store = open();
  ASSERT_TRUE(store);
  EXPECT_EQ(store->last_height(), std::optional<uint64_t>(9));
  State st;
  const uint64_t at = store->load_state(st);
  EXPECT_TRUE(at == 0 || at == 4 || at == 8) << at;
  EXPECT_EQ(st.data(), reference_state(at));
  EXPECT_NE(st.data(), reference_state(9));
  // Handing the store the writes of the blocks above it (as Node::open does after replaying
  // them) makes the next state write cover them; a clean close writes what is pending.
  for (uint64_t h = at + 1; h <= 9; ++h) store->stage_replayed(make_block(h, 3).writes);
  ASSERT_TRUE(commit(*store, make_block(10, 3)).ok());
  store.reset();
  store = open();
  ASSERT_TRUE(store);
  State after;
  EXPECT_EQ(store->load_state(after), 10u);
  EXPECT_EQ(after.data(), reference_state(10));
}

TEST_F(RocksStoreTest, StateWrittenEveryNBlocksIsWholeAfterACleanClose) {
  {
    auto r = open_rocks_store(db_, /*sync=*/false, kEvery);
    ASSERT_TRUE(r.ok());
    commit_chain(**r, 6, 3);  // state written at 0 and (by the writer) 4; 5, 6 wait for the close
  }
  auto store = open();
  ASSERT_TRUE(store);
  State st;
  EXPECT_EQ(store->load_state(st), 6u);
  EXPECT_EQ(st.data(), reference_state(6));
}

TEST_F(RocksStoreTest, StateHeightAboveTheTipIsStorageCorrupt) {
  {
    auto store = open();
    ASSERT_TRUE(store);
    commit_chain(*store, 2, 1);
  }
  raw_put(db_, "meta", "state_height", be64(3));
  auto r = open_rocks_store(db_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "storage.corrupt");
}

}  // namespace
}  // namespace tanso
