// The network orderer over the in-memory shared log: three nodes' orderers submit txs
// concurrently and every follower hands out the same batches (heights, times, tx ids, proposer
// signatures); lost append answers and an unavailable log lose and duplicate nothing; batches
// that a genesis node did not sign, or that go back in time, halt the follower; the shared rules
// of ordering/network_batch.h on their own.
#include "ordering/network_orderer.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "core/merkle.h"
#include "ordering/memory_log.h"
#include "test_keys.h"

namespace tanso {
namespace {

constexpr uint8_t kFamily = 61;

Network three_nodes() {
  Network n;
  for (uint8_t i = 0; i < 3; ++i)
    n.nodes.push_back({"node-" + std::to_string(i + 1), "org", test_key(i, kFamily).pub});
  n.attest_quorum = 2;
  return n;
}

// A signed transfer from account `who` with nonce `nonce` (content does not matter here).
TxPtr tx(const std::string& who, uint64_t nonce) {
  Payload p;
  p.chain = "net-test";
  p.type = "holdings.transfer";
  p.from = who;
  p.nonce = nonce;
  p.expires = 1'000'000;
  p.body = {{"to", "x"}, {"instrument", "KRW"}, {"amount", 1}};
  auto t = decode_tx(sign_envelope(payload_text(p), p.chain, {&test_key(9, kFamily)}));
  EXPECT_TRUE(static_cast<bool>(t));
  return std::make_shared<const Tx>(std::move(*t));
}

struct Cluster {
  MemoryLog log;
  std::vector<std::unique_ptr<NetworkOrderer>> nodes;
  uint64_t clock = 1'000;
  bool catch_up = false;  // for the orderers made from now on

  explicit Cluster(size_t n = 3, uint64_t next_slot = 1) {
    for (size_t i = 0; i < n; ++i) nodes.push_back(make(i, next_slot, 0));
  }
  std::unique_ptr<NetworkOrderer> make(size_t i, uint64_t next_slot, uint64_t last_time) {
    NetworkOrdererOptions o;
    o.limits = {50, 1 << 20, 5, 100'000};
    o.network = three_nodes();
    o.node_id = "node-" + std::to_string(i + 1);
    o.key = test_key(static_cast<uint8_t>(i), kFamily);
    o.next_slot = next_slot;
    o.last_time_ms = last_time;
    o.genesis_time_ms = 500;
    o.make_log = [this] { return log.handle(); };
    o.admit = [](const std::vector<std::string>& envs) -> Result<std::vector<TxPtr>> {
      std::vector<TxPtr> out;
      for (const auto& e : envs) {
        auto t = decode_tx(e);
        if (!t) return t.error();
        if (!verify_signatures(*t)) return err("tx.bad_signature", "bad signature");
        out.push_back(std::make_shared<const Tx>(std::move(*t)));
      }
      return out;
    };
    o.clock = [this] { return clock; };
    o.retry_ms = 5;
    o.wait_ms = 20;
    o.catch_up = catch_up;
    auto n = std::make_unique<NetworkOrderer>(std::move(o));
    n->start();
    return n;
  }
};

// Reads batches from `o` until `txs` txs arrived; returns them with their batch metadata.
std::vector<OrderedBatch> drain(Orderer& o, size_t txs) {
  std::vector<OrderedBatch> out;
  size_t n = 0;
  while (n < txs) {
    auto b = o.next();
    if (!b) break;
    n += b->txs.size();
    out.push_back(std::move(*b));
  }
  return out;
}

std::vector<Hash> ids(const std::vector<OrderedBatch>& bs) {
  std::vector<Hash> out;
  for (const auto& b : bs)
    for (const auto& t : b.txs) out.push_back(t->id);
  return out;
}

TEST(NetworkOrderer, EveryNodeGetsTheSameBatchesInTheSameOrder) {
  Cluster c;
  std::vector<std::thread> clients;
  for (size_t i = 0; i < 3; ++i)
    clients.emplace_back([&, i] {
      for (uint64_t k = 1; k <= 200; ++k)
        ASSERT_TRUE(c.nodes[i]->submit({tx("acct-" + std::to_string(i), k)}));
    });
  for (auto& t : clients) t.join();
  std::vector<std::vector<OrderedBatch>> got;
  for (auto& n : c.nodes) got.push_back(drain(*n, 600));
  for (size_t i = 0; i < 3; ++i) {
    ASSERT_EQ(ids(got[i]).size(), 600u);
    ASSERT_EQ(got[i].size(), got[0].size());
    uint64_t prev_time = 0;
    for (size_t b = 0; b < got[i].size(); ++b) {
      const OrderedBatch& x = got[i][b];
      EXPECT_EQ(x.height, b + 1);
      EXPECT_EQ(x.time_ms, got[0][b].time_ms);
      EXPECT_EQ(x.proposer, got[0][b].proposer);
      EXPECT_EQ(x.signature, got[0][b].signature);
      EXPECT_GE(x.time_ms, prev_time);
      prev_time = x.time_ms;
      std::vector<Hash> leaves;
      for (const auto& t : x.txs) leaves.push_back(merkle::leaf_hash(t->id));
      EXPECT_TRUE(verify(x.proposer,
                         batch_digest(x.height, x.time_ms, static_cast<uint32_t>(x.txs.size()),
                                      merkle::root(leaves)),
                         x.signature));
    }
    EXPECT_EQ(ids(got[i]), ids(got[0]));
  }
  const std::vector<Hash> order = ids(got[0]);
  std::set<Hash> unique(order.begin(), order.end());
  EXPECT_EQ(unique.size(), 600u) << "each tx exactly once";
  uint64_t appended = 0;
  for (auto& n : c.nodes) appended += n->appended();
  EXPECT_EQ(appended, got[0].size()) << "every batch appended by one node, once";
}

TEST(NetworkOrderer, LostAnswersAndOutagesLoseAndRepeatNothing) {
  Cluster c(1);
  c.log.lose_answers(3);
  for (uint64_t k = 1; k <= 20; ++k) ASSERT_TRUE(c.nodes[0]->submit({tx("a", k)}));
  auto first = drain(*c.nodes[0], 20);
  c.log.set_unavailable(true);
  for (uint64_t k = 21; k <= 40; ++k) ASSERT_TRUE(c.nodes[0]->submit({tx("a", k)}));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(c.nodes[0]->pending(), 20u) << "kept while the log is down";
  c.log.set_unavailable(false);
  auto second = drain(*c.nodes[0], 20);
  auto all = ids(first);
  for (const auto& h : ids(second)) all.push_back(h);
  ASSERT_EQ(all.size(), 40u);
  EXPECT_EQ(std::set<Hash>(all.begin(), all.end()).size(), 40u);
  EXPECT_EQ(c.log.head().slot, first.size() + second.size()) << "no duplicate batch appended";
  EXPECT_TRUE(c.nodes[0]->failure().empty());
}

TEST(NetworkOrderer, ALateNodeReadsFromItsNextHeight) {
  Cluster c(1);
  std::vector<OrderedBatch> all;
  for (uint64_t k = 1; k <= 30; ++k) {
    ASSERT_TRUE(c.nodes[0]->submit({tx("a", k)}));
    if (k % 10 == 0)
      for (auto& b : drain(*c.nodes[0], 10)) all.push_back(std::move(b));
  }
  ASSERT_GE(all.size(), 3u);
  // Node 2 has committed up to the first batch and starts there.
  auto late = c.make(1, 2, all[0].time_ms);
  auto rest = drain(*late, 30 - all[0].txs.size());
  ASSERT_EQ(rest.size(), all.size() - 1);
  EXPECT_EQ(rest[0].height, 2u);
  EXPECT_EQ(rest.back().signature, all.back().signature);
  // Its own txs go after the head it learns.
  c.clock = 900;  // the clock went back: block time still never decreases
  ASSERT_TRUE(late->submit({tx("b", 1)}));
  auto b = late->next();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->height, all.size() + 1);
  EXPECT_EQ(b->time_ms, all.back().time_ms);
}

TEST(NetworkOrderer, ABatchNoGenesisNodeSignedHaltsTheFollower) {
  MemoryLog log;
  auto h = log.handle();
  h->open("intruder", 0);
  std::vector<TxPtr> txs{tx("a", 1)};
  std::vector<Hash> leaves{merkle::leaf_hash(txs[0]->id)};
  const KeyPair& k = test_key(7, kFamily);  // not a node key
  Signature sig = sign(k.secret, batch_digest(1, 10, 1, merkle::root(leaves)));
  ASSERT_EQ(h->append({0, 0}, 10, "intruder", 1, encode_log_batch(1, 10, "intruder", 1, sig, txs))
                .outcome,
            AppendOutcome::appended);
  Cluster c(0);
  // A cluster sharing `log` is not what Cluster makes; build the follower on this log directly.
  NetworkOrdererOptions o;
  o.limits = {50, 1 << 20, 5, 100};
  o.network = three_nodes();
  o.node_id = "node-1";
  o.key = test_key(0, kFamily);
  o.make_log = [&] { return log.handle(); };
  o.admit = [](const std::vector<std::string>&) -> Result<std::vector<TxPtr>> {
    return std::vector<TxPtr>{tx("a", 1)};
  };
  NetworkOrderer n(std::move(o));
  n.start();
  EXPECT_FALSE(n.next().has_value());
  EXPECT_NE(n.failure().find("'intruder' is no node"), std::string::npos) << n.failure();
  EXPECT_FALSE(n.submit({tx("a", 2)})) << "a halted orderer takes nothing";
}

TEST(NetworkOrderer, AForgedSignatureOrTimeGoingBackHalts) {
  for (int variant = 0; variant < 2; ++variant) {
    MemoryLog log;
    auto h = log.handle();
    h->open("node-2", 0);
    std::vector<TxPtr> txs{tx("a", 1)};
    std::vector<Hash> leaves{merkle::leaf_hash(txs[0]->id)};
    const KeyPair& k = test_key(1, kFamily);  // node-2's key
    uint64_t t1 = 100, t2 = variant == 0 ? 200 : 50;
    Signature s1 = sign(k.secret, batch_digest(1, t1, 1, merkle::root(leaves)));
    Signature s2 = sign(k.secret, batch_digest(2, t2, 1, merkle::root(leaves)));
    if (variant == 0) s2[5] ^= 1;
    h->append({0, 0}, t1, "node-2", 1, encode_log_batch(1, t1, "node-2", 1, s1, txs));
    h->append({1, t1}, t2, "node-2", 2, encode_log_batch(2, t2, "node-2", 2, s2, txs));
    NetworkOrdererOptions o;
    o.limits = {50, 1 << 20, 5, 100};
    o.network = three_nodes();
    o.node_id = "node-1";
    o.key = test_key(0, kFamily);
    o.make_log = [&] { return log.handle(); };
    o.admit = [&](const std::vector<std::string>&) -> Result<std::vector<TxPtr>> { return txs; };
    NetworkOrderer n(std::move(o));
    n.start();
    auto first = n.next();
    ASSERT_TRUE(first);
    EXPECT_EQ(first->height, 1u);
    EXPECT_FALSE(n.next().has_value());
    EXPECT_NE(n.failure().find(variant == 0 ? "does not verify" : "time goes back"),
              std::string::npos)
        << n.failure();
  }
}

TEST(NetworkOrderer, CompactedBelowTheNodeHalts) {
  Cluster c(1);
  for (uint64_t k = 1; k <= 10; ++k) {
    ASSERT_TRUE(c.nodes[0]->submit({tx("a", k)}));
    drain(*c.nodes[0], 1);
  }
  ASSERT_EQ(c.log.head().slot, 10u);
  c.log.handle()->compact(c.log.head().slot);
  EXPECT_EQ(c.log.slots_held(), 1u) << "the head's slot stays";
  auto late = c.make(1, 1, 0);
  EXPECT_FALSE(late->next().has_value());
  EXPECT_NE(late->failure().find("ordering.compacted"), std::string::npos) << late->failure();
}

// With catch-up (the node has cluster_peers), a compacted slot is not a halt: next() hands out
// a marker, and the follower waits until the node caught up and says where to go on reading.
TEST(NetworkOrderer, CompactedBelowTheNodeWithCatchUpHandsAMarkerAndResumes) {
  Cluster c(1);
  for (uint64_t k = 1; k <= 10; ++k) {
    ASSERT_TRUE(c.nodes[0]->submit({tx("a", k)}));
    drain(*c.nodes[0], 1);
  }
  c.log.handle()->compact(c.log.head().slot);
  c.catch_up = true;
  auto late = c.make(1, 1, 0);
  auto m = late->next();
  ASSERT_TRUE(m.has_value()) << late->failure();
  EXPECT_TRUE(m->catch_up);
  EXPECT_EQ(m->height, 1u);
  EXPECT_TRUE(m->txs.empty());
  EXPECT_EQ(late->failure(), "");
  // The node committed blocks 1..9 from its peers: the follower goes on at slot 10.
  late->resume(10, c.clock);
  auto b = late->next();
  ASSERT_TRUE(b.has_value()) << late->failure();
  EXPECT_FALSE(b->catch_up);
  EXPECT_EQ(b->height, 10u);
  ASSERT_EQ(b->txs.size(), 1u);
  EXPECT_EQ(b->txs[0]->payload.nonce, 10u);
  // A resume below what the log holds gives another marker, not a halt.
  auto again = c.make(2, 3, 0);
  auto m2 = again->next();
  ASSERT_TRUE(m2.has_value());
  EXPECT_TRUE(m2->catch_up);
  EXPECT_EQ(m2->height, 3u);
  again->resume(4, c.clock);
  auto m3 = again->next();
  ASSERT_TRUE(m3.has_value());
  EXPECT_TRUE(m3->catch_up);
  EXPECT_EQ(m3->height, 4u);
}

// The rules both the threaded orderer and the simulation use (ordering/network_batch.h).
TEST(NetworkBatch, ProposesForTheNextSlotWithATimeThatNeverGoesBack) {
  const KeyPair& k = test_key(1, kFamily);
  std::vector<TxPtr> txs{tx("a", 1), tx("a", 2)};
  BatchProposal p{"node-2", 4, txs, batch_tx_root(txs)};
  AppendAttempt behind = prepare_append(p, {7, 5'000}, 4'000, k);  // the clock is behind
  EXPECT_EQ(behind.slot, 8u);
  EXPECT_EQ(behind.time_ms, 5'000u);
  EXPECT_EQ(prepare_append(p, {7, 5'000}, 6'000, k).time_ms, 6'000u);
  Network net = three_nodes();
  const NetworkNode* me = net.find(std::string_view("node-1"));
  auto admit = [&](const std::vector<std::string>& envs) -> Result<std::vector<TxPtr>> {
    EXPECT_EQ(envs.size(), 2u);
    return txs;
  };
  auto c = check_log_entry({8, behind.value}, 5'000, net, me, nullptr, admit);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_FALSE(c->mine);
  EXPECT_EQ(c->batch.height, 8u);
  EXPECT_EQ(c->batch.proposer, k.pub);
  // Signed for slot 8: at another slot, or after a later block, it does not check.
  EXPECT_FALSE(check_log_entry({9, behind.value}, 0, net, me, nullptr, admit));
  EXPECT_FALSE(check_log_entry({8, behind.value}, 5'001, net, me, nullptr, admit));
  // The proposer's own follower takes its txs back by sequence number.
  auto own = [&](uint64_t seq) -> std::optional<std::vector<TxPtr>> {
    EXPECT_EQ(seq, 4u);
    return txs;
  };
  auto mine = check_log_entry({8, behind.value}, 0, net, net.find(std::string_view("node-2")), own,
                              nullptr);
  ASSERT_TRUE(mine) << mine.error().message;
  EXPECT_TRUE(mine->mine);
  EXPECT_TRUE(append_done({AppendOutcome::already_appended, {8, 5'000}}));
  EXPECT_FALSE(append_done({AppendOutcome::head_moved, {8, 5'000}}));
  FollowCursor at{8, 5'000};
  EXPECT_EQ(at.place(7), FollowCursor::Place::seen);
  EXPECT_EQ(at.place(9), FollowCursor::Place::ahead);
  EXPECT_EQ(at.place(8), FollowCursor::Place::next);
  at.advance(c->batch);
  EXPECT_EQ(at.next, 9u);
  EXPECT_EQ(at.place(8), FollowCursor::Place::seen);
}

TEST(NetworkOrderer, RefusesAKeyGenesisDoesNotName) {
  NetworkOrdererOptions o;
  o.network = three_nodes();
  o.node_id = "node-1";
  o.key = test_key(2, kFamily);
  EXPECT_THROW(NetworkOrderer{std::move(o)}, std::invalid_argument);
  NetworkOrdererOptions p;
  p.network = three_nodes();
  p.node_id = "node-9";
  EXPECT_THROW(NetworkOrderer{std::move(p)}, std::invalid_argument);
}

}  // namespace
}  // namespace tanso
