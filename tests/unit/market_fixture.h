// A small chain for the cash and market tests (core/cash.h, core/market.h): the regulator
// (moe.officers), the exchange (krx.ops), the settlement bank (bank.ops, issuer of KRW) and four
// companies a..d with KRW and KAU-2026 (issued by the regulator in genesis). Blocks run through
// the real executor at a time the test sets; conservation is checked after every block.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "core/crypto.h"
#include "core/executor.h"
#include "core/holdings.h"
#include "core/identity.h"
#include "test_keys.h"

namespace tanso::mktest {

inline constexpr std::string_view kChain = "market-test";
inline constexpr uint64_t kDayMs = 86'400'000;
inline constexpr uint64_t kHourMs = 3'600'000;
inline constexpr uint64_t kMinMs = 60'000;

inline const KeyPair& key(uint8_t n) { return test_key(n, 0x3c); }
inline std::string ktext(uint8_t n) { return key_to_text(key(n).pub); }

inline const std::map<std::string, uint8_t>& signers() {
  static const std::map<std::string, uint8_t> m = {
      {"moe.officers", 1}, {"krx.ops", 5}, {"bank.ops", 6}, {"a", 10},
      {"b", 11},           {"c", 12},      {"d", 13},       {"muni", 14}};
  return m;
}

// 2026-03-02 is a Monday; 00:00 KST of it in UTC epoch ms.
inline constexpr uint64_t kMonday = 1772377200000ull;  // 2026-03-01T15:00:00Z
// Block time `day` days after kMonday at h:m:s (local time of the test markets' schedule).
inline constexpr uint64_t at(uint64_t day, uint64_t h, uint64_t m, uint64_t s = 0) {
  return kMonday + day * kDayMs + h * kHourMs + m * kMinMs + s * 1000;
}

inline Json genesis(uint64_t krw = 10'000'000'000, uint64_t kau = 1'000'000) {
  Json accounts = Json::array();
  for (const auto& [acct, k] : signers()) {
    std::string org = acct == "moe.officers" ? "moe"
                      : acct == "krx.ops"    ? "krx"
                      : acct == "bank.ops"   ? "settle-bank"
                                             : acct;
    accounts.push_back({{"account", acct}, {"org", org}, {"keys", {ktext(k)}}});
  }
  Json orgs = {{{"org", "moe"}, {"name", "Ministry"}, {"role", "regulator"}},
               {{"org", "krx"}, {"name", "Korea Exchange"}, {"role", "exchange"}},
               {{"org", "settle-bank"}, {"name", "Settlement Bank"}, {"role", "bank"}},
               {{"org", "muni"}, {"name", "City"}, {"role", "municipality"}}};
  for (const char* c : {"a", "b", "c", "d"})
    orgs.push_back({{"org", c}, {"name", std::string("Company ") + c}, {"role", "company"}});
  Json balances = Json::array();
  for (const char* c : {"a", "b", "c", "d"}) {
    balances.push_back({{"account", c}, {"instrument", "KRW"}, {"amount", u64_text(krw)}});
    balances.push_back({{"account", c}, {"instrument", "KAU-2026"}, {"amount", u64_text(kau)}});
  }
  balances.push_back(
      {{"account", "moe.officers"}, {"instrument", "KAU-2026"}, {"amount", "500000"}});
  return {{"chain_id", kChain},
          {"time_ms", kMonday},
          {"orgs", orgs},
          {"accounts", accounts},
          {"instruments",
           {{{"instrument", "KRW"}, {"issuer", "bank.ops"}, {"name", "Won"}, {"unit", "KRW"}},
            {{"instrument", "KAU-2026"},
             {"issuer", "moe.officers"},
             {"name", "KAU 2026"},
             {"unit", "tCO2e"}}}},
          {"balances", balances}};
}

struct TxSpec {
  std::string from;
  std::string type;
  Json body;
};

struct Chain {
  Genesis gen;
  State st;
  Hash root{};
  uint64_t height = 0;
  uint64_t time_ms;
  std::map<std::string, uint64_t> nonces;
  std::vector<std::vector<Tx>> log;  // every block, for re-execution
  std::vector<uint64_t> times;
  std::vector<Hash> roots;

  explicit Chain(const Genesis& g) : gen(g), time_ms(g.time_ms) {
    st.apply(g.writes);
    root = g.state_root;
  }
  Tx make(const TxSpec& s) {
    uint64_t n = ++nonces[s.from];
    Payload p{std::string(kChain), s.type, s.from, n, 1'000'000'000, s.body};
    std::vector<const KeyPair*> ks = {&key(signers().at(s.from))};
    auto tx = decode_tx(sign_envelope(payload_text(p), kChain, ks));
    if (!tx) ADD_FAILURE() << "test tx does not decode: " << tx.error().message;
    return tx ? *tx : Tx{};
  }
  // Runs the txs as one block at `at` (0: one second after the last block).
  std::vector<Receipt> block(const std::vector<TxSpec>& specs, uint64_t at = 0) {
    std::vector<Tx> txs;
    for (const auto& s : specs) txs.push_back(make(s));
    return run(std::move(txs), at);
  }
  std::vector<Receipt> run(std::vector<Tx> txs, uint64_t at = 0) {
    time_ms = at ? at : time_ms + 1000;
    std::vector<const Tx*> ptrs;
    for (const auto& t : txs) ptrs.push_back(&t);
    ++height;
    BlockOutput out = execute_block(st, root, height, time_ms, ptrs, false);
    st.apply(out.writes);
    root = out.state_root;
    EXPECT_TRUE(conservation_violations(st).empty()) << "conservation broken at " << height;
    log.push_back(std::move(txs));
    times.push_back(time_ms);
    roots.push_back(root);
    return out.receipts;
  }
  // Re-executes the whole log from the genesis: the same roots block after block.
  bool replays() const {
    State s2;
    s2.apply(gen.writes);
    Hash r = gen.state_root;
    for (size_t i = 0; i < log.size(); ++i) {
      std::vector<const Tx*> ptrs;
      for (const auto& t : log[i]) ptrs.push_back(&t);
      BlockOutput out = execute_block(s2, r, i + 1, times[i], ptrs, true);
      s2.apply(out.writes);
      r = out.state_root;
      if (r != roots[i]) return false;
    }
    return s2.data() == st.data();
  }
  std::string code(const TxSpec& s, uint64_t at = 0) {
    auto r = block({s}, at).at(0);
    return r.code == "ok" ? r.code : r.code + " (" + r.message + ")";
  }
  uint64_t bal(std::string_view a, std::string_view i) const { return balance(st, a, i); }
  std::optional<std::string> get(const std::string& k) const { return st.get(k); }
};

class MarketFixture : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { init_crypto(); }
  void SetUp() override { start(genesis()); }
  void start(const Json& g) {
    auto gen = apply_genesis(g.dump());
    ASSERT_TRUE(gen) << gen.error().message;
    chain_ = std::make_unique<Chain>(*gen);
  }
  Chain& c() { return *chain_; }
  void ok(const TxSpec& s, uint64_t at = 0) {
    auto r = c().block({s}, at).at(0);
    ASSERT_EQ(r.code, "ok") << s.type << " " << s.body.dump() << ": " << r.message;
  }
  // Rejected with `code`, and the block wrote nothing but the sender's nonce.
  void rejected(const TxSpec& s, const std::string& code, uint64_t at = 0) {
    auto before = c().st.data();
    Tx tx = c().make(s);
    auto r = c().run({tx}, at).at(0);
    EXPECT_EQ(r.code, code) << s.type << " " << s.body.dump() << ": " << r.message;
    if (r.code == "tx.unauthorized_type") {
      EXPECT_EQ(c().st.data(), before);
      --c().nonces[s.from];
      return;
    }
    before["nonce/" + s.from] = u64_text(c().nonces[s.from]);
    EXPECT_EQ(c().st.data(), before) << s.type << " rejected but wrote more than its nonce";
  }
  std::unique_ptr<Chain> chain_;
};

}  // namespace tanso::mktest
