// Attestations between nodes over the in-memory shared log: each node's book publishes its own
// attestation and stores the others' valid ones; a node whose block differs from what a quorum
// of the others attests halts (node.diverged), a single dissenting peer only counts a mismatch;
// forged attestations are ignored; compaction waits for the slowest node.
#include <gtest/gtest.h>

#include <thread>

#include "core/merkle.h"
#include "node/attestations.h"
#include "ordering/memory_log.h"
#include "test_keys.h"

namespace tanso {
namespace {

constexpr uint8_t kFamily = 62;
constexpr char kChain[] = "att-test";

Network nodes(size_t n) {
  Network net;
  for (uint8_t i = 0; i < n; ++i)
    net.nodes.push_back({"n" + std::to_string(i + 1), "org", test_key(i, kFamily).pub});
  net.attest_quorum = static_cast<uint32_t>(n / 2 + 1);
  return net;
}

// A chain of `blocks` empty blocks whose state roots differ by `flavour` (0: the honest chain).
void fill(ChainStore& store, uint64_t blocks, uint8_t flavour) {
  BlockHeader prev;
  prev.height = 0;
  prev.tx_root = merkle::root({});
  prev.receipts_root = merkle::root({});
  ASSERT_TRUE(store.commit(Block{prev, {}}, {}, {}));
  for (uint64_t h = 1; h <= blocks; ++h) {
    BlockHeader b;
    b.height = h;
    b.prev_hash = header_hash(prev);
    b.time_ms = h;
    b.tx_root = merkle::root({});
    b.receipts_root = merkle::root({});
    b.state_root[0] = static_cast<uint8_t>(h);
    b.state_root[1] = flavour;
    ASSERT_TRUE(store.commit(Block{b, {}}, {}, {}));
    prev = b;
  }
}

struct Peer {
  std::unique_ptr<ChainStore> store = make_memory_store();
  std::unique_ptr<AttestationBook> book;
  std::string halted;
  std::mutex mu;
};

struct Net {
  MemoryLog log;
  std::vector<std::unique_ptr<Peer>> peers;
  Net(size_t n, const std::vector<uint8_t>& flavours, uint64_t blocks, uint64_t keep = 10'000) {
    for (size_t i = 0; i < n; ++i) {
      auto p = std::make_unique<Peer>();
      fill(*p->store, blocks, flavours[i]);
      AttestationOptions o;
      o.chain_id = kChain;
      o.network = nodes(n);
      o.node_id = "n" + std::to_string(i + 1);
      o.key = test_key(static_cast<uint8_t>(i), kFamily);
      o.poll_ms = 5;
      o.keep_slots = keep;
      Peer* raw = p.get();
      o.halt = [raw](const std::string& why) {
        std::lock_guard lock(raw->mu);
        if (raw->halted.empty()) raw->halted = why;
      };
      p->book = std::make_unique<AttestationBook>(o, *p->store, log.handle());
      peers.push_back(std::move(p));
    }
  }
  void attest_all(uint64_t blocks) {
    for (auto& p : peers) {
      p->book->start();
      for (uint64_t h = 1; h <= blocks; ++h) p->book->committed(p->store->block(h)->header);
    }
  }
  // Waits until every book holds `want` attestations of `height` (or 3 s pass).
  void settle(uint64_t height, size_t want) {
    for (int i = 0; i < 2000; ++i) {
      bool all = true;
      for (auto& p : peers) all = all && p->book->at(height).size() >= want;
      if (all) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  std::string halted(size_t i) {
    std::lock_guard lock(peers[i]->mu);
    return peers[i]->halted;
  }
  ~Net() {
    for (auto& p : peers) p->book->stop();
  }
};

TEST(Attestations, AgreeingNodesStoreEachOthersAttestations) {
  Net net(3, {0, 0, 0}, 20);
  net.attest_all(20);
  net.settle(20, 3);
  for (size_t i = 0; i < 3; ++i) {
    for (uint64_t h : {1u, 10u, 20u}) {
      auto atts = net.peers[i]->book->at(h);
      ASSERT_EQ(atts.size(), 3u) << "node " << i << " height " << h;
      for (const auto& a : atts) {
        EXPECT_TRUE(verify_attestation(kChain, a));
        EXPECT_EQ(a.block_hash, header_hash(net.peers[i]->store->block(h)->header));
      }
    }
    EXPECT_EQ(net.halted(i), "");
    EXPECT_EQ(net.peers[i]->book->mismatches(), 0u);
  }
}

TEST(Attestations, TheOddNodeOutHaltsTheOthersOnlyCount) {
  Net net(3, {0, 0, 7}, 5);  // n3 computed different state roots
  net.attest_all(5);
  for (int i = 0; i < 2000 && net.halted(2).empty(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const std::string why = net.halted(2);
  EXPECT_EQ(why.rfind("node.diverged: at height 1 nodes n1, n2 attest", 0), 0u) << why;
  EXPECT_EQ(net.halted(0), "");
  EXPECT_EQ(net.halted(1), "");
  // n1 counts n3's dissent once it has read it (asynchronously, like n3 read n1's).
  for (int i = 0; i < 2000 && net.peers[0]->book->mismatches() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_GT(net.peers[0]->book->mismatches(), 0u);
  EXPECT_EQ(net.halted(0), "");
}

TEST(Attestations, ForgedAttestationsAreIgnored) {
  Net net(3, {0, 0, 0}, 3);
  // Someone writes an attestation of n2 signed with another key, and one with a wrong root.
  auto log = net.log.handle();
  BlockHeader h1 = net.peers[0]->store->block(1)->header;
  Attestation forged = attest(kChain, "n2", h1, test_key(9, kFamily));
  forged.key = test_key(1, kFamily).pub;  // claims n2's key, signature by another
  log->put_side("a/" + slot_text(1) + "/n2", forged.to_json().dump());
  BlockHeader other = h1;
  other.state_root[5] ^= 1;
  Attestation wrong_key = attest(kChain, "n3", other, test_key(9, kFamily));
  log->put_side("a/" + slot_text(1) + "/n3", wrong_key.to_json().dump());
  net.peers[0]->book->start();
  net.peers[0]->book->committed(h1);
  for (int i = 0; i < 2000 && log->list_side("n/n1", "n/n2", 1).empty(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // and it read the side records
  EXPECT_EQ(net.peers[0]->book->at(1).size(), 1u) << "only its own";
  EXPECT_EQ(net.halted(0), "");
  EXPECT_EQ(net.peers[0]->book->mismatches(), 0u);
}

// Polls until `pred` holds or 10 s pass.
template <typename F>
bool eventually(F pred) {
  for (int i = 0; i < 2000; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return pred();
}

TEST(Attestations, CompactionWaitsForTheSlowestNodeThenKeepsAWindow) {
  MemoryLog log;
  auto h = log.handle();
  h->open("x", 0);
  for (uint64_t s = 1; s <= 400; ++s) h->append({s - 1, 0}, 0, "x", s, "batch");
  Net net(2, {0, 0}, 400, /*keep=*/100);
  // Node n1 has attested 400 blocks, n2 none yet: nothing may go below n2... except the window.
  auto book_log = log.handle();
  AttestationOptions o;
  o.chain_id = kChain;
  o.network = nodes(2);
  o.node_id = "n1";
  o.key = test_key(0, kFamily);
  o.poll_ms = 1;
  o.keep_slots = 1000;
  o.halt = [](const std::string&) {};
  {
    AttestationBook b(o, *net.peers[0]->store, log.handle());
    b.start();
    for (uint64_t x = 1; x <= 400; ++x) b.committed(net.peers[0]->store->block(x)->header);
    // n1's progress reaches the log, and its book has polled (and compacted) a few times since.
    ASSERT_TRUE(eventually([&] { return !log.handle()->list_side("n/n1", "n/n2", 1).empty(); }));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    EXPECT_EQ(log.slots_held(), 400u) << "n2 has not reported: nothing compacted";
    h->put_side("n/n2", slot_text(250));
    EXPECT_TRUE(eventually([&] { return log.slots_held() == 151u; }))
        << log.slots_held() << ": slots 250..400 stay";
  }
  o.keep_slots = 100;
  {
    AttestationBook b(o, *net.peers[0]->store, log.handle());
    h->put_side("n/n2", slot_text(260));  // still far behind
    b.start();
    b.committed(net.peers[0]->store->block(400)->header);
    EXPECT_TRUE(eventually([&] { return log.slots_held() == 101u; }))
        << log.slots_held() << ": at most keep_slots behind the head";
  }
}

// A node that catches up publishes its attestations of old heights late: they stay in the log
// until every node has read that far ("r/<node>"), not only until every node has published.
TEST(Attestations, LateAttestationsStayUntilEveryNodeHasReadThem) {
  Net net(2, {0, 0}, 400);
  MemoryLog& log = net.log;
  auto h = log.handle();
  h->open("x", 0);
  for (uint64_t s = 1; s <= 400; ++s) h->append({s - 1, 0}, 0, "x", s, "batch");
  // n1 (not running) published all 400 and read n2's only up to height 10.
  for (uint64_t x = 1; x <= 400; ++x) {
    Attestation a =
        attest(kChain, "n1", net.peers[0]->store->block(x)->header, test_key(0, kFamily));
    h->put_side("a/" + slot_text(x) + "/n1", a.to_json().dump());
  }
  h->put_side("n/n1", slot_text(400));
  h->put_side("r/n1", slot_text(10));
  // n2 comes back and attests all 400 late; it reads n1's and compacts the log behind both.
  net.peers[1]->book->start();
  for (uint64_t x = 1; x <= 400; ++x)
    net.peers[1]->book->committed(net.peers[1]->store->block(x)->header);
  auto held = [&](const std::string& key) {
    return !log.handle()->list_side(key, key + "0", 1).empty();
  };
  ASSERT_TRUE(eventually([&] { return log.slots_held() < 400u; })) << "slots compacted";
  ASSERT_TRUE(eventually([&] { return held("r/n2"); })) << "n2 reports what it has read";
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // more polls and compactions
  EXPECT_TRUE(held("a/" + slot_text(200) + "/n2")) << "n1 has not read it yet";
  h->put_side("r/n1", slot_text(400));
  EXPECT_TRUE(eventually([&] { return !held("a/" + slot_text(200) + "/n2"); }))
      << "every node has read it: deleted";
}

}  // namespace
}  // namespace tanso
