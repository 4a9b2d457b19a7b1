// Catch-up from other nodes' blocks (node/catch_up.h): a reference chain of signed transfers on
// a three-node network genesis; verify_peer_block refuses a block that breaks any one rule (each
// test tampers with one thing and expects that rule's message, so removing a rule fails its
// test); the runner takes blocks from fake peers, refuses a lying peer and commits nothing of its
// block, takes the next peer, backs off (doubling) while no peer can serve, and stops on request;
// requests signed by a node (node/node_auth.h); the raw block JSON round trip.
#include <gtest/gtest.h>

#include <map>

#include "core/executor.h"
#include "core/network.h"
#include "node/catch_up.h"
#include "node/node_auth.h"
#include "node/peer_blocks.h"
#include "test_keys.h"

namespace tanso {
namespace {

constexpr uint8_t kFamily = 63;
constexpr char kChain[] = "catchup-test";
constexpr uint64_t kGenesisTime = 1'800'000'000'000;

const KeyPair& node_key(uint8_t i) { return test_key(i, kFamily); }       // nodes 0..2
const KeyPair& acct_key(uint8_t i) { return test_key(10 + i, kFamily); }  // accounts

Result<std::vector<TxPtr>> admit(const std::vector<std::string>& envs) {
  std::vector<TxPtr> out;
  for (const auto& e : envs) {
    auto t = decode_tx(e);
    if (!t) return t.error();
    if (!verify_signatures(*t)) return err("tx.bad_signature", "a signature does not verify");
    out.push_back(std::make_shared<const Tx>(std::move(*t)));
  }
  return out;
}

std::string transfer(uint8_t from, uint64_t nonce, uint64_t amount) {
  Payload p{
      kChain,
      "holdings.transfer",
      "acct-" + std::to_string(from),
      nonce,
      1'000'000,
      {{"to", "acct-" + std::to_string(1 - from)}, {"instrument", "KRW"}, {"amount", amount}}};
  return sign_envelope(payload_text(p), kChain, {&acct_key(from)});
}

// Executes `envs` on `st` after `prev` as a block proposed by node `proposer`.
std::pair<Block, BlockOutput> make_block(const State& st, const BlockHeader& prev,
                                         std::vector<std::string> envs, uint8_t proposer = 0) {
  auto txs = admit(envs);
  EXPECT_TRUE(static_cast<bool>(txs));
  std::vector<const Tx*> ptrs;
  for (const auto& t : *txs) ptrs.push_back(t.get());
  Block b;
  BlockHeader& h = b.header;
  h.height = prev.height + 1;
  h.prev_hash = header_hash(prev);
  h.time_ms = prev.time_ms + 10;
  BlockOutput out = execute_block(st, prev.state_root, h.height, h.time_ms, ptrs, false);
  h.tx_count = static_cast<uint32_t>(envs.size());
  h.tx_root = out.tx_root;
  h.receipts_root = out.receipts_root;
  h.state_root = out.state_root;
  sign_batch(h, node_key(proposer));
  b.txs = std::move(envs);
  return {std::move(b), std::move(out)};
}

// Genesis (three nodes, two accounts holding KRW) and a chain of `blocks` blocks of transfers.
struct Chain {
  Network net;
  BlockHeader genesis;
  State genesis_state;
  std::vector<Block> blocks;  // blocks[h - 1] is height h
  std::vector<State> states;  // states[h]: after block h (states[0]: genesis)

  explicit Chain(uint64_t n) {
    Json g = {{"chain_id", kChain}, {"time_ms", kGenesisTime}};
    g["orgs"] = {{{"org", "ops"}, {"name", "Operators"}, {"role", "regulator"}},
                 {{"org", "co"}, {"name", "Companies"}, {"role", "company"}},
                 {{"org", "bk"}, {"name", "Bank"}, {"role", "bank"}}};
    Json accounts = Json::array(
        {{{"account", "bank"}, {"org", "bk"}, {"keys", {key_to_text(test_key(20, kFamily).pub)}}}});
    Json balances = Json::array();
    for (uint8_t a = 0; a < 2; ++a) {
      accounts.push_back({{"account", "acct-" + std::to_string(a)},
                          {"org", "co"},
                          {"keys", {key_to_text(acct_key(a).pub)}}});
      balances.push_back(
          {{"account", "acct-" + std::to_string(a)}, {"instrument", "KRW"}, {"amount", 10'000}});
    }
    Json nodes = Json::array();
    for (uint8_t i = 0; i < 3; ++i)
      nodes.push_back({{"node", "n" + std::to_string(i + 1)},
                       {"org", "ops"},
                       {"key", key_to_text(node_key(i).pub)}});
    g["accounts"] = accounts;
    g["instruments"] = Json::array(
        {{{"instrument", "KRW"}, {"issuer", "bank"}, {"name", "Won"}, {"unit", "KRW"}}});
    g["balances"] = balances;
    g["network"] = {{"nodes", nodes}, {"attest_quorum", 2}};
    auto gen = apply_genesis(g.dump());
    EXPECT_TRUE(static_cast<bool>(gen)) << gen.error().message;
    genesis = gen->header;
    genesis_state.apply(gen->writes);
    net = *load_network(genesis_state);
    states.push_back(genesis_state);
    BlockHeader prev = genesis;
    for (uint64_t h = 1; h <= n; ++h) {
      auto [b, out] = make_block(states.back(), prev, {transfer(0, h, 1 + h), transfer(1, h, 2)},
                                 static_cast<uint8_t>(h % 3));
      State next = states.back();
      next.apply(out.writes);
      states.push_back(std::move(next));
      prev = b.header;
      blocks.push_back(std::move(b));
    }
  }
  const BlockHeader& header(uint64_t h) const { return h == 0 ? genesis : blocks[h - 1].header; }
};

// A node's chain in the test: its head and state, and every block committed.
struct Local {
  BlockHeader head;
  State state;
  std::vector<BlockHeader> committed;
  bool stop = false;
  LocalChain chain() {
    LocalChain c;
    c.head = [this] { return head; };
    c.state = [this]() -> const State& { return state; };
    c.commit = [this](VerifiedBlock& v) {
      state.apply(v.out.writes);
      head = v.block.header;
      committed.push_back(head);
      return true;
    };
    c.stopping = [this] { return stop; };
    return c;
  }
};

// A peer serving blocks of a Chain up to `height`; `tamper` may change a block before serving;
// `down` answers that many fetches with an error first.
struct FakePeer final : BlockSource {
  std::string id;
  const Chain* chain;
  uint64_t height;
  std::function<void(PeerBlock&)> tamper;
  int down = 0;
  int fetches = 0;
  FakePeer(std::string i, const Chain& c, uint64_t h) : id(std::move(i)), chain(&c), height(h) {}
  const std::string& peer() const override { return id; }
  Result<PeerBlocks> fetch(uint64_t from, uint32_t count) override {
    ++fetches;
    if (down > 0) {
      --down;
      return err("catchup.peer_unavailable", id + " is down");
    }
    PeerBlocks r;
    r.head = height;
    for (uint64_t h = from; h <= height && h < from + count; ++h) {
      PeerBlock pb{chain->blocks[h - 1], {}};
      if (tamper) tamper(pb);
      r.blocks.push_back(std::move(pb));
    }
    return r;
  }
};

// --- verify_peer_block: one test per rule -------------------------------------------------

struct Verify : ::testing::Test {
  Chain c{3};
  // Block 2 as served, checked against the honest state after block 1.
  Result<VerifiedBlock> check(const std::function<void(PeerBlock&)>& tamper) {
    PeerBlock pb{c.blocks[1], {}};
    tamper(pb);
    return verify_peer_block(std::move(pb), c.header(1), c.states[1], c.net, kChain, admit);
  }
  void expect_refused(const std::function<void(PeerBlock&)>& tamper, const std::string& rule) {
    auto r = check(tamper);
    ASSERT_FALSE(r) << "accepted a block that breaks: " << rule;
    EXPECT_EQ(r.error().code, "catchup.bad_block");
    EXPECT_NE(r.error().message.find(rule), std::string::npos) << r.error().message;
  }
};

TEST_F(Verify, AcceptsTheHonestBlock) {
  auto r = check([](PeerBlock&) {});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->out.state_root, c.header(2).state_root);
  EXPECT_EQ(r->txs.size(), 2u);
}

TEST_F(Verify, RefusesAnotherHeight) {
  // Block 3 of the same chain, served for height 2.
  expect_refused([&](PeerBlock& pb) { pb.block = c.blocks[2]; }, "sent height 3");
}

TEST_F(Verify, RefusesABlockThatDoesNotLinkToTheHead) {
  expect_refused([](PeerBlock& pb) { pb.block.header.prev_hash[0] ^= 1; },
                 "prev_hash does not link");
}

TEST_F(Verify, RefusesATimeBeforeTheHead) {
  expect_refused(
      [&](PeerBlock& pb) {
        pb.block.header.time_ms = c.header(1).time_ms - 1;
        sign_batch(pb.block.header, node_key(0));
      },
      "time is before");
}

TEST_F(Verify, RefusesAProposerGenesisDoesNotName) {
  expect_refused([](PeerBlock& pb) { sign_batch(pb.block.header, test_key(7, kFamily)); },
                 "no node of genesis");
}

TEST_F(Verify, RefusesABadHeaderSignature) {
  expect_refused([](PeerBlock& pb) { pb.block.header.signature[5] ^= 1; }, "batch signature");
}

TEST_F(Verify, RefusesATxCountThatIsNotTheBlocks) {
  expect_refused([](PeerBlock& pb) { pb.block.txs.pop_back(); }, "counts 2 txs");
}

TEST_F(Verify, RefusesATamperedTx) {
  // The amount changed after signing: the tx's signature no longer verifies.
  expect_refused(
      [](PeerBlock& pb) {
        Json e = Json::parse(pb.block.txs[0]);
        std::string payload = e["payload"].get<std::string>();
        auto at = payload.find("\"amount\":");
        ASSERT_NE(at, std::string::npos);
        payload.insert(at + 9, "9");
        e["payload"] = payload;
        pb.block.txs[0] = e.dump();
      },
      "tx.bad_signature");
}

TEST_F(Verify, RefusesTxsThatAreNotTheHeadersTxRoot) {
  // Another validly signed tx in place of one of the block's.
  expect_refused([](PeerBlock& pb) { pb.block.txs[1] = transfer(1, 2, 3); },
                 "tx_root does not match");
}

TEST_F(Verify, RefusesAReceiptsRootReExecutionDoesNotGive) {
  expect_refused([](PeerBlock& pb) { pb.block.header.receipts_root[0] ^= 1; },
                 "different receipts");
}

TEST_F(Verify, RefusesAStateRootReExecutionDoesNotGive) {
  expect_refused([](PeerBlock& pb) { pb.block.header.state_root[0] ^= 1; }, "different state root");
}

TEST_F(Verify, KeepsOnlyValidAttestationsOfThisBlock) {
  const BlockHeader& h = c.header(2);
  auto good = attest(kChain, "n2", h, node_key(1));
  auto wrong_key = attest(kChain, "n3", h, node_key(1));  // n3 signed with n2's key
  auto other_block = attest(kChain, "n3", c.header(1), node_key(2));
  auto forged = attest(kChain, "n1", h, node_key(0));
  forged.state_root[0] ^= 1;
  auto r = check([&](PeerBlock& pb) { pb.attestations = {good, wrong_key, other_block, forged}; });
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->attestations.size(), 1u);
  EXPECT_EQ(r->attestations[0].node, "n2");
}

// --- the runner ------------------------------------------------------------------------------

struct Runner : ::testing::Test {
  Chain c{12};
  Local local;
  std::vector<uint32_t> waits;
  Runner() {
    local.head = c.genesis;
    local.state = c.genesis_state;
  }
  std::unique_ptr<CatchUp> make(std::vector<FakePeer*> peers) {
    CatchUpOptions o;
    o.network = c.net;
    o.chain_id = kChain;
    for (auto* p : peers) o.peers.emplace_back(p);
    o.admit = admit;
    o.blocks_per_fetch = 5;
    o.sleep = [this](uint32_t ms) { waits.push_back(ms); };
    return std::make_unique<CatchUp>(std::move(o));
  }
  void expect_honest_chain() {
    for (size_t i = 0; i < local.committed.size(); ++i)
      EXPECT_EQ(header_hash(local.committed[i]), header_hash(c.header(i + 1)))
          << "height " << i + 1;
    EXPECT_EQ(local.state.data(), c.states[local.head.height].data());
  }
};

TEST_F(Runner, CommitsEveryBlockUpToThePeersHead) {
  auto* p = new FakePeer("n2", c, 12);
  auto cu = make({p});
  ASSERT_TRUE(cu->run(local.chain()));
  EXPECT_EQ(local.head.height, 12u);
  EXPECT_EQ(local.committed.size(), 12u);
  expect_honest_chain();
  auto s = cu->status();
  EXPECT_FALSE(s.active);
  EXPECT_EQ(s.height, 12u);
  EXPECT_EQ(s.target, 12u);
  EXPECT_EQ(s.peer, "n2");
  EXPECT_EQ(s.refused, 0u);
  EXPECT_EQ(p->fetches, 3) << "5 + 5 + 2 blocks";
  EXPECT_TRUE(waits.empty());
}

TEST_F(Runner, RefusesALyingPeerCommitsNothingOfItsBlockAndTakesTheNext) {
  // n2 serves block 7 with another state root (its signature covers the ordering fields only).
  auto* liar = new FakePeer("n2", c, 12);
  liar->tamper = [](PeerBlock& pb) {
    if (pb.block.header.height == 7) pb.block.header.state_root[3] ^= 0x40;
  };
  auto* honest = new FakePeer("n3", c, 10);
  auto cu = make({liar, honest});
  ASSERT_TRUE(cu->run(local.chain()));
  expect_honest_chain();
  EXPECT_GE(local.head.height, 10u);
  EXPECT_GE(cu->status().refused, 1u);
  Hash lie = c.header(7).state_root;
  lie[3] ^= 0x40;
  for (const auto& h : local.committed)
    EXPECT_NE(h.state_root, lie) << "nothing of the refused block is committed";
}

TEST_F(Runner, WaitsWithABackoffWhileNoPeerCanServe) {
  auto* a = new FakePeer("n2", c, 12);
  auto* b = new FakePeer("n3", c, 0);  // has nothing beyond this node's head
  a->down = 4;
  auto cu = make({a, b});
  ASSERT_TRUE(cu->run(local.chain()));
  EXPECT_EQ(local.head.height, 12u);
  expect_honest_chain();
  EXPECT_EQ(waits, (std::vector<uint32_t>{200, 400, 800, 1600}));
}

TEST_F(Runner, KeepsTryingUntilStoppedWhenEveryPeerLies) {
  auto* liar = new FakePeer("n2", c, 12);
  liar->tamper = [](PeerBlock& pb) { pb.block.header.signature[0] ^= 1; };
  auto cu = make({liar});
  Local* l = &local;
  auto* w = &waits;
  // Stop after the sixth wait; the backoff stays at its maximum.
  LocalChain chain = local.chain();
  chain.stopping = [l, w] { return l->stop || w->size() >= 6; };
  EXPECT_FALSE(cu->run(chain));
  EXPECT_TRUE(local.committed.empty());
  EXPECT_EQ(waits, (std::vector<uint32_t>{200, 400, 800, 1600, 3200, 5000}));
  EXPECT_EQ(cu->status().refused, 6u);
  EXPECT_FALSE(cu->status().active);
}

// --- node-signed requests and the raw block form -----------------------------------------------

TEST(NodeAuth, ANodeOfGenesisSignsItsRequests) {
  Chain c(0);
  auto request = [](const http::Headers& hs, std::string target = "/v1/blocks/1/raw?count=5") {
    http::Request r;
    r.method = "GET";
    r.target = std::move(target);
    for (const auto& [k, v] : hs) {
      std::string lower = k;
      for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      r.headers[lower] = v;
    }
    return r;
  };
  const int64_t now = 1'900'000'000;
  auto hs = node_read_headers(kChain, "n2", node_key(1), "GET", "/v1/blocks/1/raw?count=5", now);
  auto ok = authenticate_node(request(hs), c.net, kChain, now + 10);
  ASSERT_TRUE(ok) << ok.error().message;
  ASSERT_TRUE(ok->has_value());
  EXPECT_EQ(**ok, "n2");
  auto none = authenticate_node(request({}), c.net, kChain, now);
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
  EXPECT_EQ(
      authenticate_node(request(hs, "/v1/blocks/2/raw?count=5"), c.net, kChain, now).error().code,
      "auth.bad_signature");
  EXPECT_EQ(authenticate_node(request(hs), c.net, kChain, now + 301).error().code, "auth.stale");
  auto stranger =
      node_read_headers(kChain, "n9", test_key(7, kFamily), "GET", "/v1/blocks/1/raw?count=5", now);
  EXPECT_EQ(authenticate_node(request(stranger), c.net, kChain, now).error().code,
            "auth.unknown_key");
  auto as_n1 = node_read_headers(kChain, "n1", node_key(1), "GET", "/v1/blocks/1/raw?count=5", now);
  EXPECT_EQ(authenticate_node(request(as_n1), c.net, kChain, now).error().code,
            "auth.bad_signature");
  auto other_chain =
      node_read_headers("other", "n2", node_key(1), "GET", "/v1/blocks/1/raw?count=5", now);
  EXPECT_EQ(authenticate_node(request(other_chain), c.net, kChain, now).error().code,
            "auth.bad_signature");
}

TEST(PeerBlocksJson, RoundTripsAWholeBlock) {
  Chain c(2);
  auto a = attest(kChain, "n2", c.header(2), node_key(1));
  Json j = Json::parse(raw_block_json(c.blocks[1], {a}).dump());
  auto pb = raw_block_from_json(j);
  ASSERT_TRUE(pb) << pb.error().message;
  EXPECT_EQ(header_hash(pb->block.header), header_hash(c.header(2)));
  EXPECT_EQ(pb->block.header.signature, c.header(2).signature);
  EXPECT_EQ(pb->block.txs, c.blocks[1].txs);
  ASSERT_EQ(pb->attestations.size(), 1u);
  EXPECT_TRUE(verify_attestation(kChain, pb->attestations[0]));
  j["header"].erase("state_root");
  EXPECT_EQ(raw_block_from_json(j).error().code, "catchup.bad_answer");
}

}  // namespace
}  // namespace tanso
