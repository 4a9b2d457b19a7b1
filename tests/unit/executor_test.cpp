// The deterministic state machine (core/executor.h) end to end: a genesis with a regulator whose
// officers need 2 of 3 signatures to create accounts, a company and a bank issuing KRW; then
// blocks run through execute_block + State::apply, checking every receipt code: transfers,
// insufficient balance (only the nonce moves), each pre-handler rejection (replayed/skipped nonce,
// wrong chain, expiry, unknown account/key, revoked key, missing co-signature, unauthorized type)
// leaving the state untouched, key rotation, issuer rights, supply, governance of permissions,
// determinism of roots, signature verification, and apply_genesis' refusals.
#include "core/executor.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include "core/holdings.h"
#include "core/identity.h"
#include "core/limits.h"
#include "core/merkle.h"

namespace tanso {
namespace {

constexpr std::string_view kChain = "tanso-test";

KeyPair kp(uint8_t n) {
  std::array<uint8_t, 32> seed{};
  seed[0] = n;
  seed[31] = 0x5a;
  return keypair_from_seed(seed);
}

// Key numbering: regulator officers 1-3, acme.ops 10-11, acme.treasury 20 (21 after rotation),
// kbank.issuer 30, strangers 90+.
const KeyPair& key(uint8_t n) {
  static std::map<uint8_t, KeyPair> cache;
  auto it = cache.find(n);
  if (it == cache.end()) it = cache.emplace(n, kp(n)).first;
  return it->second;
}
std::string ktext(uint8_t n) { return key_to_text(key(n).pub); }

Json base_genesis() {
  return {
      {"chain_id", kChain},
      {"time_ms", 1700000000000},
      {"orgs",
       {{{"org", "moe"}, {"name", "Ministry of Environment"}, {"role", "regulator"}},
        {{"org", "acme"}, {"name", "Acme Steel"}, {"role", "company"}},
        {{"org", "kbank"}, {"name", "K Bank"}, {"role", "bank"}}}},
      {"accounts",
       {{{"account", "moe.officers"},
         {"org", "moe"},
         {"keys", {ktext(1), ktext(2), ktext(3)}},
         {"type_thresholds", {{"identity.account.create", 2}}}},
        {{"account", "acme.ops"}, {"org", "acme"}, {"keys", {ktext(10), ktext(11)}}},
        {{"account", "acme.treasury"}, {"org", "acme"}, {"keys", {ktext(20)}}},
        {{"account", "kbank.issuer"}, {"org", "kbank"}, {"keys", {ktext(30)}}}}},
      {"instruments",
       {{{"instrument", "KRW"},
         {"issuer", "kbank.issuer"},
         {"name", "Korean won"},
         {"unit", "won"}}}},
      {"balances",
       {{{"account", "acme.ops"}, {"instrument", "KRW"}, {"amount", "1000000"}},
        {{"account", "acme.treasury"}, {"instrument", "KRW"}, {"amount", 50000}}}},
  };
}

struct TxSpec {
  std::string from;
  std::string type;
  Json body;
  uint64_t nonce;
  std::vector<uint8_t> signers;
  uint64_t expires = 1000;
  std::string chain = std::string(kChain);
};

Tx make_tx(const TxSpec& s) {
  Payload p{s.chain, s.type, s.from, s.nonce, s.expires, s.body};
  std::vector<const KeyPair*> signers;
  for (uint8_t n : s.signers) signers.push_back(&key(n));
  auto tx = decode_tx(sign_envelope(payload_text(p), s.chain, signers));
  if (!tx) ADD_FAILURE() << "test tx does not decode: " << tx.error().message;
  return tx ? *tx : Tx{};
}

Json transfer_body(const std::string& to, uint64_t amount, const std::string& inst = "KRW") {
  return {{"instrument", inst}, {"to", to}, {"amount", std::to_string(amount)}};
}

// A node's view: committed state, its root and height.
struct Chain {
  State st;
  Hash root{};
  uint64_t height = 0;
  uint64_t time_ms = 1700000000000;

  explicit Chain(const Genesis& g) {
    st.apply(g.writes);
    root = g.state_root;
  }
  BlockOutput run(const std::vector<Tx>& txs, bool verify_sigs = false) {
    std::vector<const Tx*> ptrs;
    for (const auto& t : txs) ptrs.push_back(&t);
    ++height;
    time_ms += 1000;
    BlockOutput out = execute_block(st, root, height, time_ms, ptrs, verify_sigs);
    st.apply(out.writes);
    root = out.state_root;
    return out;
  }
  // One tx in its own block; returns its receipt and the block's writes.
  std::pair<Receipt, WriteSet> one(const TxSpec& s, bool verify_sigs = false) {
    BlockOutput out = run({make_tx(s)}, verify_sigs);
    EXPECT_EQ(out.receipts.size(), 1u);
    return {out.receipts.at(0), out.writes};
  }
  uint64_t bal(const std::string& a, const std::string& i = "KRW") const {
    return balance(st, a, i);
  }
};

class ExecutorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { init_crypto(); }
  void SetUp() override {
    auto g = apply_genesis(base_genesis().dump());
    ASSERT_TRUE(g) << g.error().message;
    genesis_ = std::move(*g);
    chain_ = std::make_unique<Chain>(genesis_);
  }
  Chain& c() { return *chain_; }

  // Asserts that the tx is refused with `code` and that the block wrote nothing at all.
  void expect_refused_untouched(const TxSpec& s, const std::string& code) {
    auto before = c().st.data();
    auto [r, ws] = c().one(s);
    EXPECT_EQ(r.code, code) << r.message;
    EXPECT_TRUE(ws.empty()) << "a refused tx wrote " << ws.size() << " keys";
    EXPECT_EQ(c().st.data(), before);
  }

  Genesis genesis_;
  std::unique_ptr<Chain> chain_;
};

TEST_F(ExecutorTest, GenesisBuildsTheDocumentedState) {
  EXPECT_EQ(genesis_.params.chain_id, kChain);
  EXPECT_EQ(genesis_.state_root, next_state_root(Hash{}, genesis_.writes));
  EXPECT_EQ(genesis_.header.height, 0u);
  EXPECT_EQ(genesis_.header.prev_hash, sha256(genesis_.text));
  EXPECT_EQ(genesis_.header.state_root, genesis_.state_root);
  EXPECT_EQ(genesis_.header.tx_root, sha256(std::string_view{}));
  EXPECT_EQ(genesis_.time_ms, 1700000000000u);
  const State& st = c().st;
  EXPECT_EQ(org_role(st, "moe"), "regulator");
  EXPECT_EQ(org_role(st, "acme"), "company");
  auto officers = load_account(st, "moe.officers");
  ASSERT_TRUE(officers);
  EXPECT_EQ(officers->role, "regulator");
  EXPECT_EQ(officers->keys.size(), 3u);
  EXPECT_EQ(officers->threshold, 1u);
  EXPECT_EQ(officers->threshold_for("identity.account.create"), 2u);
  EXPECT_EQ(officers->threshold_for("holdings.transfer"), 1u);
  EXPECT_EQ(key_owner(st, key(2).pub), "moe.officers");
  EXPECT_EQ(load_instrument(st, "KRW")->issuer, "kbank.issuer");
  EXPECT_EQ(c().bal("acme.ops"), 1000000u);
  EXPECT_EQ(c().bal("acme.treasury"), 50000u);
  EXPECT_EQ(supply(st, "KRW"), 1050000u);
  EXPECT_TRUE(conservation_violations(st).empty());
  EXPECT_EQ(last_nonce(st, "acme.ops"), 0u);
  // Genesis is a pure function of its text.
  auto again = apply_genesis(base_genesis().dump());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->state_root, genesis_.state_root);
}

TEST_F(ExecutorTest, TransferMovesUnitsAndConsumesNonce) {
  auto [r, ws] =
      c().one({"acme.ops", "holdings.transfer", transfer_body("acme.treasury", 1234), 1, {10}});
  EXPECT_EQ(r.code, "ok") << r.message;
  EXPECT_EQ(r.accounts, (std::vector<std::string>{"acme.ops", "acme.treasury"}));
  EXPECT_EQ(c().bal("acme.ops"), 1000000u - 1234);
  EXPECT_EQ(c().bal("acme.treasury"), 50000u + 1234);
  EXPECT_EQ(supply(c().st, "KRW"), 1050000u);
  EXPECT_EQ(last_nonce(c().st, "acme.ops"), 1u);
  // Either of the account's keys may sign; the whole balance may move (and its key disappears).
  auto [r2, ws2] = c().one(
      {"acme.ops", "holdings.transfer", transfer_body("kbank.issuer", 1000000 - 1234), 2, {11}});
  EXPECT_EQ(r2.code, "ok") << r2.message;
  EXPECT_EQ(c().bal("acme.ops"), 0u);
  EXPECT_FALSE(c().st.get("bal/acme.ops/KRW"));
  EXPECT_TRUE(conservation_violations(c().st).empty());
}

TEST_F(ExecutorTest, InsufficientBalanceChangesOnlyTheNonce) {
  auto before = c().st.data();
  auto [r, ws] =
      c().one({"acme.treasury", "holdings.transfer", transfer_body("acme.ops", 50001), 1, {20}});
  EXPECT_EQ(r.code, "holdings.insufficient_balance");
  EXPECT_FALSE(r.message.empty());
  EXPECT_EQ(r.accounts, std::vector<std::string>{"acme.treasury"});
  WriteSet only_nonce = {{"nonce/acme.treasury", "1"}};
  EXPECT_EQ(ws, only_nonce);
  before["nonce/acme.treasury"] = "1";
  EXPECT_EQ(c().st.data(), before);
  // The nonce is spent: the same nonce again is a replay, the next one works.
  expect_refused_untouched(
      {"acme.treasury", "holdings.transfer", transfer_body("acme.ops", 1), 1, {20}},
      "tx.nonce_replayed");
  auto [r2, ws2] =
      c().one({"acme.treasury", "holdings.transfer", transfer_body("acme.ops", 50000), 2, {20}});
  EXPECT_EQ(r2.code, "ok") << r2.message;
}

TEST_F(ExecutorTest, HandlerRejectionsConsumeTheNonceOnly) {
  // A body that fails the stateless check (amount 0) and rejections inside handlers.
  struct Case {
    TxSpec tx;
    const char* code;
  };
  const Case cases[] = {
      {{"acme.ops", "holdings.transfer", transfer_body("acme.treasury", 0), 1, {10}},
       "tx.malformed"},
      {{"acme.ops", "holdings.transfer", transfer_body("nobody", 5), 2, {10}},
       "holdings.unknown_account"},
      {{"acme.ops", "holdings.transfer", transfer_body("acme.ops", 5), 3, {10}},
       "holdings.self_transfer"},
      {{"acme.ops", "holdings.transfer", transfer_body("acme.treasury", 5, "USD"), 4, {10}},
       "holdings.unknown_instrument"},
      {{"acme.ops",
        "holdings.transfer",
        {{"instrument", "KRW"}, {"to", "acme.treasury"}, {"amount", 5}, {"note", "x"}},
        5,
        {10}},
       "tx.unknown_field"},
      {{"acme.ops", "holdings.burn", {{"instrument", "KRW"}, {"amount", "1000001"}}, 6, {10}},
       "holdings.insufficient_balance"},
  };
  for (const auto& k : cases) {
    SCOPED_TRACE(k.code);
    auto before = c().st.data();
    auto [r, ws] = c().one(k.tx);
    EXPECT_EQ(r.code, k.code) << r.message;
    WriteSet only_nonce = {{"nonce/acme.ops", std::to_string(k.tx.nonce)}};
    EXPECT_EQ(ws, only_nonce);
  }
  EXPECT_EQ(c().bal("acme.ops"), 1000000u);
}

TEST_F(ExecutorTest, PreHandlerRejectionsChangeNothing) {
  ASSERT_EQ(c().one({"acme.ops", "holdings.transfer", transfer_body("acme.treasury", 1), 1, {10}})
                .first.code,
            "ok");
  auto t = [](uint64_t nonce) { return transfer_body("acme.treasury", 10 + nonce); };
  expect_refused_untouched({"acme.ops", "holdings.transfer", t(1), 1, {10}}, "tx.nonce_replayed");
  expect_refused_untouched({"acme.ops", "holdings.transfer", t(3), 3, {10}}, "tx.nonce_skipped");
  expect_refused_untouched({"acme.ops", "holdings.transfer", t(2), 2, {10}, 1000, "other-chain"},
                           "tx.wrong_chain");
  // Each refusal above ran in its own block, so the chain is well past height 1 now; expires is
  // the last height at which a tx may be included.
  expect_refused_untouched({"acme.ops", "holdings.transfer", t(2), 2, {10}, 1}, "tx.expired");
  expect_refused_untouched({"ghost", "holdings.transfer", t(2), 1, {10}}, "tx.unknown_account");
  expect_refused_untouched({"acme.ops", "holdings.transfer", t(2), 2, {90}}, "tx.unknown_key");
  expect_refused_untouched({"acme.ops", "holdings.transfer", t(2), 2, {10, 20}},
                           "tx.unknown_key");  // a key of another account
  expect_refused_untouched({"acme.ops", "holdings.mint", t(2), 2, {10}}, "tx.unknown_type");
  // The company may not create accounts (the regulator's type).
  expect_refused_untouched({"acme.ops",
                            "identity.account.create",
                            {{"account", "acme.new"}, {"org", "acme"}, {"keys", {ktext(40)}}},
                            2,
                            {10}},
                           "tx.unauthorized_type");
  EXPECT_EQ(last_nonce(c().st, "acme.ops"), 1u);
  // After all that, nonce 2 is still the next one; expires == height is still valid.
  auto [r, ws] = c().one({"acme.ops", "holdings.transfer", t(2), 2, {10}, c().height + 1});
  EXPECT_EQ(r.code, "ok") << r.message;
}

TEST_F(ExecutorTest, TwoOfThreeOfficersCreateAccounts) {
  Json body = {{"account", "acme.plant2"},
               {"org", "acme"},
               {"keys", {ktext(40), ktext(41)}},
               {"threshold", 2}};
  expect_refused_untouched({"moe.officers", "identity.account.create", body, 1, {1}},
                           "tx.insufficient_signatures");
  expect_refused_untouched({"moe.officers", "identity.account.create", body, 1, {3}},
                           "tx.insufficient_signatures");
  EXPECT_FALSE(load_account(c().st, "acme.plant2"));
  auto [r, ws] = c().one({"moe.officers", "identity.account.create", body, 1, {1, 3}});
  EXPECT_EQ(r.code, "ok") << r.message;
  auto a = load_account(c().st, "acme.plant2");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->role, "company");
  EXPECT_EQ(a->threshold, 2u);
  EXPECT_EQ(key_owner(c().st, key(41).pub), "acme.plant2");
  // Three of three also satisfies the threshold; other types need only one officer.
  Json body2 = {{"account", "acme.plant3"}, {"org", "acme"}, {"keys", {ktext(42)}}};
  EXPECT_EQ(c().one({"moe.officers", "identity.account.create", body2, 2, {1, 2, 3}}).first.code,
            "ok");
  EXPECT_EQ(c().one({"moe.officers",
                     "identity.org.register",
                     {{"org", "verico"}, {"name", "Verico"}, {"role", "verifier"}},
                     3,
                     {2}})
                .first.code,
            "ok");
  // The new account's own threshold (2) binds its transfers.
  EXPECT_EQ(c().one({"acme.ops", "holdings.transfer", transfer_body("acme.plant2", 10), 1, {10}})
                .first.code,
            "ok");
  expect_refused_untouched(
      {"acme.plant2", "holdings.transfer", transfer_body("acme.ops", 1), 1, {40}},
      "tx.insufficient_signatures");
  EXPECT_EQ(c().one({"acme.plant2", "holdings.transfer", transfer_body("acme.ops", 1), 1, {40, 41}})
                .first.code,
            "ok");
}

TEST_F(ExecutorTest, RevokedKeyIsRefused) {
  auto [r, ws] = c().one({"acme.ops", "identity.key.revoke", {{"key", ktext(11)}}, 1, {10}});
  ASSERT_EQ(r.code, "ok") << r.message;
  auto a = load_account(c().st, "acme.ops");
  ASSERT_TRUE(a);
  ASSERT_EQ(a->keys.size(), 2u);
  EXPECT_FALSE(a->keys[1].active);
  expect_refused_untouched(
      {"acme.ops", "holdings.transfer", transfer_body("acme.treasury", 1), 2, {11}},
      "tx.revoked_key");
  // A revoked key next to a good one still spoils the tx.
  expect_refused_untouched(
      {"acme.ops", "holdings.transfer", transfer_body("acme.treasury", 1), 2, {10, 11}},
      "tx.revoked_key");
  // The last active key cannot be revoked.
  auto [r2, ws2] = c().one({"acme.ops", "identity.key.revoke", {{"key", ktext(10)}}, 2, {10}});
  EXPECT_EQ(r2.code, "identity.no_active_key");
  EXPECT_EQ(c().one({"acme.ops", "holdings.transfer", transfer_body("acme.treasury", 1), 3, {10}})
                .first.code,
            "ok");
}

TEST_F(ExecutorTest, KeyRotation) {
  auto [r, ws] = c().one({"acme.treasury",
                          "identity.key.rotate",
                          {{"add", {ktext(21)}}, {"remove", {ktext(20)}}},
                          1,
                          {20}});
  ASSERT_EQ(r.code, "ok") << r.message;
  EXPECT_EQ(key_owner(c().st, key(21).pub), "acme.treasury");
  expect_refused_untouched(
      {"acme.treasury", "holdings.transfer", transfer_body("acme.ops", 1), 2, {20}},
      "tx.revoked_key");
  EXPECT_EQ(c().one({"acme.treasury", "holdings.transfer", transfer_body("acme.ops", 1), 2, {21}})
                .first.code,
            "ok");
  // A revoked key stays bound to its account: nobody else may adopt it.
  auto [r2, ws2] = c().one({"acme.ops", "identity.key.rotate", {{"add", {ktext(20)}}}, 1, {10}});
  EXPECT_EQ(r2.code, "identity.key_in_use");
  // Only the account itself or the regulator may rotate an account's keys.
  auto [r3, ws3] = c().one({"acme.ops",
                            "identity.key.rotate",
                            {{"account", "acme.treasury"}, {"add", {ktext(22)}}},
                            2,
                            {10}});
  EXPECT_EQ(r3.code, "identity.not_authorized");
  auto [r4, ws4] = c().one({"moe.officers",
                            "identity.key.rotate",
                            {{"account", "acme.treasury"}, {"add", {ktext(22)}}},
                            1,
                            {1}});
  EXPECT_EQ(r4.code, "ok") << r4.message;
  EXPECT_EQ(c().one({"acme.treasury", "holdings.transfer", transfer_body("acme.ops", 1), 3, {22}})
                .first.code,
            "ok");
}

TEST_F(ExecutorTest, OnlyTheIssuerIssues) {
  // The regulator may send holdings.issue, but KRW is kbank's.
  auto [r, ws] = c().one({"moe.officers",
                          "holdings.issue",
                          {{"instrument", "KRW"}, {"to", "acme.ops"}, {"amount", 5}},
                          1,
                          {1}});
  EXPECT_EQ(r.code, "holdings.not_issuer");
  EXPECT_EQ(ws, (WriteSet{{"nonce/moe.officers", "1"}}));
  // A company may not send holdings.issue at all.
  expect_refused_untouched({"acme.ops",
                            "holdings.issue",
                            {{"instrument", "KRW"}, {"to", "acme.ops"}, {"amount", 5}},
                            1,
                            {10}},
                           "tx.unauthorized_type");
  EXPECT_EQ(supply(c().st, "KRW"), 1050000u);
}

TEST_F(ExecutorTest, IssueAndBurnUpdateSupply) {
  auto [r, ws] = c().one({"kbank.issuer",
                          "holdings.issue",
                          {{"instrument", "KRW"}, {"to", "acme.treasury"}, {"amount", "500"}},
                          1,
                          {30}});
  ASSERT_EQ(r.code, "ok") << r.message;
  EXPECT_EQ(r.accounts, (std::vector<std::string>{"kbank.issuer", "acme.treasury"}));
  EXPECT_EQ(supply(c().st, "KRW"), 1050500u);
  EXPECT_EQ(c().bal("acme.treasury"), 50500u);
  auto [r2, ws2] = c().one({"acme.treasury",
                            "holdings.burn",
                            {{"instrument", "KRW"}, {"amount", 200}, {"memo", "retire"}},
                            1,
                            {20}});
  ASSERT_EQ(r2.code, "ok") << r2.message;
  EXPECT_EQ(supply(c().st, "KRW"), 1050300u);
  EXPECT_EQ(c().bal("acme.treasury"), 50300u);
  EXPECT_TRUE(conservation_violations(c().st).empty());
  // Supply is capped at 2^62 units.
  auto [r3, ws3] = c().one({"kbank.issuer",
                            "holdings.issue",
                            {{"instrument", "KRW"},
                             {"to", "acme.ops"},
                             {"amount", std::to_string(limits::amount_max - 1050300 + 1)}},
                            2,
                            {30}});
  EXPECT_EQ(r3.code, "holdings.supply_overflow");
  auto [r4, ws4] = c().one({"kbank.issuer",
                            "holdings.issue",
                            {{"instrument", "KRW"},
                             {"to", "acme.ops"},
                             {"amount", std::to_string(limits::amount_max - 1050300)}},
                            3,
                            {30}});
  EXPECT_EQ(r4.code, "ok") << r4.message;
  EXPECT_EQ(supply(c().st, "KRW"), limits::amount_max);
  EXPECT_TRUE(conservation_violations(c().st).empty());
}

TEST_F(ExecutorTest, GovernanceChangesWhoMaySendAType) {
  Json create = {{"instrument", "ACME-PTS"}, {"name", "Acme points"}, {"unit", "point"}};
  expect_refused_untouched({"acme.ops", "instrument.create", create, 1, {10}},
                           "tx.unauthorized_type");
  // Only the regulator governs.
  expect_refused_untouched({"acme.ops",
                            "governance.permissions.set",
                            {{"type", "instrument.create"}, {"roles", {"company"}}},
                            1,
                            {10}},
                           "tx.unauthorized_type");
  // The change applies to the very next tx in the same block.
  BlockOutput out =
      c().run({make_tx({"moe.officers",
                        "governance.permissions.set",
                        {{"type", "instrument.create"}, {"roles", {"regulator", "company"}}},
                        1,
                        {1}}),
               make_tx({"acme.ops", "instrument.create", create, 1, {10}})});
  EXPECT_EQ(out.receipts[0].code, "ok") << out.receipts[0].message;
  EXPECT_EQ(out.receipts[1].code, "ok") << out.receipts[1].message;
  EXPECT_EQ(load_instrument(c().st, "ACME-PTS")->issuer, "acme.ops");
  // Narrow holdings.transfer to banks: the company can no longer send it, the bank still can.
  EXPECT_EQ(c().one({"moe.officers",
                     "governance.permissions.set",
                     {{"type", "holdings.transfer"}, {"roles", {"bank"}}},
                     2,
                     {2}})
                .first.code,
            "ok");
  expect_refused_untouched(
      {"acme.ops", "holdings.transfer", transfer_body("acme.treasury", 1), 2, {10}},
      "tx.unauthorized_type");
  EXPECT_EQ(c().one({"kbank.issuer", "holdings.transfer", transfer_body("acme.ops", 1), 1, {30}})
                .first.code,
            "holdings.insufficient_balance");
  // "*" opens a type to every role.
  EXPECT_EQ(c().one({"moe.officers",
                     "governance.permissions.set",
                     {{"type", "holdings.transfer"}, {"roles", {"*"}}},
                     3,
                     {3}})
                .first.code,
            "ok");
  EXPECT_EQ(c().one({"acme.ops", "holdings.transfer", transfer_body("acme.treasury", 1), 2, {10}})
                .first.code,
            "ok");
  // Unknown types and roles are refused.
  EXPECT_EQ(c().one({"moe.officers",
                     "governance.permissions.set",
                     {{"type", "no.such.type"}, {"roles", {"bank"}}},
                     4,
                     {1}})
                .first.code,
            "identity.unknown_type");
  EXPECT_EQ(c().one({"moe.officers",
                     "governance.permissions.set",
                     {{"type", "holdings.burn"}, {"roles", {"pirate"}}},
                     5,
                     {1}})
                .first.code,
            "tx.malformed");
}

// A fixed script of blocks touching every handler.
std::vector<std::vector<TxSpec>> script() {
  Json acct = {{"account", "acme.new"}, {"org", "acme"}, {"keys", {ktext(40)}}};
  return {
      {{"acme.ops", "holdings.transfer", transfer_body("acme.treasury", 10), 1, {10}},
       {"acme.treasury", "holdings.transfer", transfer_body("acme.ops", 999999), 1, {20}},
       {"kbank.issuer",
        "holdings.issue",
        {{"instrument", "KRW"}, {"to", "acme.ops"}, {"amount", 77}},
        1,
        {30}}},
      {{"moe.officers", "identity.account.create", acct, 1, {1, 2}},
       {"acme.ops", "holdings.transfer", transfer_body("acme.new", 500), 2, {11}},
       {"acme.ops", "holdings.transfer", transfer_body("acme.new", 5), 2, {11}}},
      {},
      {{"acme.new", "holdings.burn", {{"instrument", "KRW"}, {"amount", 100}}, 1, {40}},
       {"acme.treasury", "identity.key.rotate", {{"add", {ktext(21)}}}, 2, {20}},
       {"acme.treasury", "holdings.transfer", transfer_body("acme.new", 3), 3, {21}}},
  };
}

TEST_F(ExecutorTest, SameBlocksGiveSameRoots) {
  auto run_all = [&](Chain& ch) {
    std::vector<std::tuple<Hash, Hash, Hash>> roots;
    for (const auto& block : script()) {
      std::vector<Tx> txs;
      for (const auto& s : block) txs.push_back(make_tx(s));
      BlockOutput out = ch.run(txs);
      roots.emplace_back(out.tx_root, out.receipts_root, out.state_root);
    }
    return roots;
  };
  Chain a(genesis_), b(*apply_genesis(base_genesis().dump()));
  auto ra = run_all(a), rb = run_all(b);
  EXPECT_EQ(ra, rb);
  EXPECT_EQ(a.st.data(), b.st.data());
  EXPECT_EQ(a.root, b.root);
  // Each block's state root chains the previous one: even an empty block moves it.
  EXPECT_NE(std::get<2>(ra[1]), std::get<2>(ra[2]));
  EXPECT_TRUE(conservation_violations(a.st).empty());

  // Another order of the same txs commits to another tx and receipts root; these three commute,
  // so the state root (which commits to the resulting writes) is the same.
  Chain d(genesis_);
  const auto first_block = script()[0];
  std::vector<Tx> txs;
  for (const auto& s : first_block) txs.push_back(make_tx(s));
  std::swap(txs[0], txs[2]);
  BlockOutput out = d.run(txs);
  EXPECT_NE(out.tx_root, std::get<0>(ra[0]));
  EXPECT_NE(out.receipts_root, std::get<1>(ra[0]));
  EXPECT_EQ(out.state_root, std::get<2>(ra[0]));
}

TEST_F(ExecutorTest, BlockRootsCommitToTxsAndReceipts) {
  const auto first_block = script()[0];
  std::vector<Tx> txs;
  for (const auto& s : first_block) txs.push_back(make_tx(s));
  BlockOutput out = c().run(txs);
  ASSERT_EQ(out.receipts.size(), 3u);
  std::vector<Hash> tx_leaves, receipt_leaves;
  for (size_t i = 0; i < txs.size(); ++i) {
    EXPECT_EQ(out.receipts[i].tx_id, txs[i].id);
    tx_leaves.push_back(merkle::leaf_hash(txs[i].id));
    receipt_leaves.push_back(merkle::leaf_hash(receipt_bytes(out.receipts[i])));
  }
  EXPECT_EQ(out.tx_root, merkle::root(tx_leaves));
  EXPECT_EQ(out.receipts_root, merkle::root(receipt_leaves));
  EXPECT_EQ(out.receipts[1].code, "holdings.insufficient_balance");
  for (size_t i = 0; i < txs.size(); ++i)
    EXPECT_TRUE(merkle::verify_inclusion(tx_leaves[i], i, txs.size(),
                                         merkle::audit_path(tx_leaves, i), out.tx_root));
  EXPECT_EQ(out.state_root, c().root);
}

// The block and receipts a node stores round-trip through their binary encodings; corrupt input
// is storage.corrupt, never an exception or a huge allocation.
TEST_F(ExecutorTest, BlockAndReceiptEncodings) {
  std::vector<Tx> txs;
  const auto first_block = script()[0];
  for (const auto& s : first_block) txs.push_back(make_tx(s));
  BlockOutput out = c().run(txs);
  Block blk;
  blk.header.height = c().height;
  blk.header.prev_hash = header_hash(genesis_.header);
  blk.header.time_ms = c().time_ms;
  blk.header.tx_count = static_cast<uint32_t>(txs.size());
  blk.header.tx_root = out.tx_root;
  blk.header.receipts_root = out.receipts_root;
  blk.header.state_root = out.state_root;
  for (const auto& t : txs) blk.txs.push_back(t.envelope);
  sign_header(blk.header, key(99));
  EXPECT_TRUE(verify_header_signature(blk.header));

  Bytes enc = encode_block(blk);
  auto dec = decode_block(enc);
  ASSERT_TRUE(dec) << dec.error().message;
  EXPECT_EQ(header_bytes(dec->header), header_bytes(blk.header));
  EXPECT_EQ(dec->header.signature, blk.header.signature);
  EXPECT_EQ(dec->txs, blk.txs);
  EXPECT_TRUE(verify_header_signature(dec->header));
  BlockHeader forged = dec->header;
  forged.state_root[0] ^= 1;
  EXPECT_FALSE(verify_header_signature(forged));

  Bytes renc = encode_receipts(out.receipts);
  auto rdec = decode_receipts(renc);
  ASSERT_TRUE(rdec);
  ASSERT_EQ(rdec->size(), out.receipts.size());
  for (size_t i = 0; i < out.receipts.size(); ++i)
    EXPECT_EQ(receipt_bytes((*rdec)[i]), receipt_bytes(out.receipts[i]));

  for (size_t cut = 0; cut < enc.size(); cut += 7)
    EXPECT_FALSE(decode_block(ByteView(enc.data(), cut))) << "truncated to " << cut;
  Bytes padded = enc;
  padded.push_back(0);
  EXPECT_FALSE(decode_block(padded));
  for (size_t cut = 0; cut < renc.size(); cut += 5)
    EXPECT_FALSE(decode_receipts(ByteView(renc.data(), cut))) << "truncated to " << cut;
  // A header claiming 2^32-1 txs (in both places) over a short body.
  Bytes huge = enc;
  const size_t count_at = 1 + 8 + 32 + 8;  // version, height, prev_hash, time_ms
  const size_t body_count_at = count_at + 4 + 32 * 3 + 32 + 64;
  for (size_t at : {count_at, body_count_at})
    for (size_t i = 0; i < 4; ++i) huge[at + i] = 0xff;
  Result<Block> r = Error{};
  EXPECT_NO_THROW(r = decode_block(huge));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "storage.corrupt");
}

TEST_F(ExecutorTest, VerifySigsRejectsBadSignature) {
  Tx good = make_tx({"acme.ops", "holdings.transfer", transfer_body("acme.treasury", 7), 1, {10}});
  Tx bad = good;
  bad.signatures[0].sig[5] ^= 0x40;
  // Signed with a key of the account, but over another chain id's message.
  auto foreign = decode_tx(sign_envelope(good.payload_text, "other-chain", {&key(10)}));
  ASSERT_TRUE(foreign);

  Chain unchecked(genesis_);
  EXPECT_EQ(unchecked.run({bad}, /*verify_sigs=*/false).receipts[0].code, "ok");

  auto before = c().st.data();
  BlockOutput out = c().run({bad, *foreign}, /*verify_sigs=*/true);
  EXPECT_EQ(out.receipts[0].code, "tx.bad_signature");
  EXPECT_EQ(out.receipts[1].code, "tx.bad_signature");
  EXPECT_TRUE(out.writes.empty());
  EXPECT_EQ(c().st.data(), before);
  out = c().run({good}, /*verify_sigs=*/true);
  EXPECT_EQ(out.receipts[0].code, "ok") << out.receipts[0].message;
  EXPECT_EQ(c().bal("acme.treasury"), 50007u);
}

// An overlay stacks on its parent: reads fall through, writes stay private until merged.
TEST(OverlayTest, StacksOnParentAndMergesDown) {
  static_assert(!std::is_copy_constructible_v<Overlay>,
                "copying an overlay duplicates its write set (it made execution quadratic)");
  State st;
  st.apply({{"a", "1"}, {"b", "2"}});
  Overlay block(st);
  block.put("c", "3");
  Overlay tx(static_cast<const StateReader&>(block));
  EXPECT_EQ(tx.get("a"), "1");
  EXPECT_EQ(tx.get("c"), "3");
  tx.erase("a");
  tx.put("d", "4");
  EXPECT_EQ(tx.writes().size(), 2u);  // only its own writes
  EXPECT_FALSE(tx.get("a"));
  EXPECT_EQ(block.get("a"), "1");  // not visible below until merged
  EXPECT_FALSE(block.get("d"));
  tx.merge_into(block);
  EXPECT_TRUE(tx.writes().empty());
  EXPECT_FALSE(block.get("a"));
  EXPECT_EQ(block.get("d"), "4");
  EXPECT_EQ(st.get("a"), "1");  // the committed state is untouched until applied
  st.apply(block.take());
  EXPECT_FALSE(st.get("a"));
  EXPECT_EQ(st.data().size(), 3u);  // b, c, d
}

// ---- apply_genesis refusals ----

std::string genesis_code(const Json& g) {
  auto r = apply_genesis(g.dump());
  return r ? "ok" : r.error().code + ": " + r.error().message;
}

TEST(GenesisTest, Refusals) {
  init_crypto();
  ASSERT_EQ(genesis_code(base_genesis()), "ok");
  auto refused = [](const Json& g) {
    auto r = apply_genesis(g.dump());
    if (r) return false;
    EXPECT_EQ(r.error().code, "genesis.invalid") << r.error().message;
    return true;
  };

  Json two = base_genesis();
  two["orgs"].push_back({{"org", "moe2"}, {"name", "Second ministry"}, {"role", "regulator"}});
  EXPECT_TRUE(refused(two)) << "two regulators";

  Json none = base_genesis();
  none["orgs"][0]["role"] = "verifier";
  EXPECT_TRUE(refused(none)) << "no regulator";
  Json no_orgs = base_genesis();
  no_orgs.erase("orgs");
  EXPECT_TRUE(refused(no_orgs));

  Json unknown = base_genesis();
  unknown["consensus"] = "pow";
  EXPECT_TRUE(refused(unknown)) << "unknown top-level field";
  Json unknown_org_field = base_genesis();
  unknown_org_field["orgs"][1]["country"] = "KR";
  EXPECT_TRUE(refused(unknown_org_field));
  Json unknown_acct_field = base_genesis();
  unknown_acct_field["accounts"][1]["email"] = "ops@acme";
  EXPECT_TRUE(refused(unknown_acct_field));

  Json bad_org = base_genesis();
  bad_org["accounts"][1]["org"] = "globex";
  EXPECT_TRUE(refused(bad_org)) << "account of an unknown org";

  Json bad_inst = base_genesis();
  bad_inst["balances"].push_back({{"account", "acme.ops"}, {"instrument", "USD"}, {"amount", 1}});
  EXPECT_TRUE(refused(bad_inst)) << "balance of an unknown instrument";
  Json bad_holder = base_genesis();
  bad_holder["balances"].push_back({{"account", "nobody"}, {"instrument", "KRW"}, {"amount", 1}});
  EXPECT_TRUE(refused(bad_holder)) << "balance of an unknown account";
  Json zero = base_genesis();
  zero["balances"][0]["amount"] = 0;
  EXPECT_TRUE(refused(zero));

  Json dup_org = base_genesis();
  dup_org["orgs"].push_back({{"org", "acme"}, {"name", "Acme again"}, {"role", "company"}});
  EXPECT_TRUE(refused(dup_org));
  Json dup_key = base_genesis();
  dup_key["accounts"][2]["keys"] = {ktext(10)};
  EXPECT_TRUE(refused(dup_key)) << "a key in two accounts";
  Json bad_tt = base_genesis();
  bad_tt["accounts"][0]["type_thresholds"] = {{"identity.account.create", 4}};
  EXPECT_TRUE(refused(bad_tt)) << "threshold above the number of keys";
  Json bad_issuer = base_genesis();
  bad_issuer["instruments"][0]["issuer"] = "nobody";
  EXPECT_TRUE(refused(bad_issuer));
  Json bad_chain = base_genesis();
  bad_chain["chain_id"] = "has space";
  EXPECT_TRUE(refused(bad_chain));

  EXPECT_FALSE(apply_genesis("not json"));
  EXPECT_FALSE(apply_genesis("[]"));
}

// Malformed genesis documents are refused with an error value, never an exception.
TEST(GenesisTest, MalformedValuesAreErrorsNotExceptions) {
  init_crypto();
  auto refused = [](const Json& g) {
    Result<Genesis> r = Error{};
    EXPECT_NO_THROW(r = apply_genesis(g.dump()));
    return !r && r.error().code == "genesis.invalid";
  };
  Json params_number = base_genesis();
  params_number["params"] = 5;
  EXPECT_TRUE(refused(params_number)) << "params must be an object";
  Json params_array = base_genesis();
  params_array["params"] = Json::array();
  EXPECT_TRUE(refused(params_array));
  Json acct_id_number = base_genesis();
  acct_id_number["accounts"][1]["account"] = 5;
  EXPECT_TRUE(refused(acct_id_number)) << "account id must be a string";
  Json perms = base_genesis();
  perms["params"] = {{"permissions", {{"holdings.transfer", "bank"}}}};
  EXPECT_TRUE(refused(perms));
  Json time = base_genesis();
  time["time_ms"] = -1;
  EXPECT_TRUE(refused(time));
  Json orgs_obj = base_genesis();
  orgs_obj["orgs"][0] = "moe";
  EXPECT_TRUE(refused(orgs_obj));
  Json balance_str = base_genesis();
  balance_str["balances"][0] = "acme.ops";
  EXPECT_TRUE(refused(balance_str));
}

TEST(GenesisTest, ParamsOverrideDefaultPermissions) {
  init_crypto();
  Json g = base_genesis();
  g["params"] = {{"permissions", {{"instrument.create", {"company"}}}}};
  auto r = apply_genesis(g.dump());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->params.allowed("instrument.create", "company"));
  EXPECT_FALSE(r->params.allowed("instrument.create", "bank"));
  EXPECT_TRUE(r->params.allowed("holdings.transfer", "company"));  // untouched default
  Chain ch(*r);
  EXPECT_EQ(ch.one({"acme.ops",
                    "instrument.create",
                    {{"instrument", "PTS"}, {"name", "Points"}, {"unit", "point"}},
                    1,
                    {10}})
                .first.code,
            "ok");
}

}  // namespace
}  // namespace tanso
