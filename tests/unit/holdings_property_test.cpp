// Randomized property test of the holdings module through the real executor: >= 100,000 seeded
// issue/transfer/burn transactions (valid ones mixed with overdrafts, unknown accounts and
// instruments, zero and oversized amounts, self transfers, wrong issuers, unauthorized senders,
// replayed and skipped nonces) among 63 accounts and 3 instruments, in blocks of random size.
// After every block the ledger must agree with a tiny obviously-correct model (std::map balances,
// supplies and nonces): the same receipt code for every tx, the same balances, supplies and
// nonces, and conservation_violations() empty. The seed is printed on failure; set TANSO_SEED to
// replay one.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "core/executor.h"
#include "core/holdings.h"
#include "core/identity.h"
#include "core/limits.h"

namespace tanso {
namespace {

constexpr std::string_view kChain = "prop-chain";
constexpr size_t kHolders = 60;
constexpr size_t kInstruments = 3;
constexpr size_t kOpsMin = 100'000;
constexpr size_t kBlockTxsMax = 500;

std::string holder(size_t i) { return "h" + std::to_string(i); }
std::string issuer(size_t k) { return "iss" + std::to_string(k); }
std::string inst(size_t k) { return "I" + std::to_string(k); }

// The model: plain maps and the rules of docs/ARCHITECTURE.md written out longhand.
struct Model {
  std::map<std::string, std::string> role;  // account -> role ("company" or "bank")
  std::map<std::string, std::string> issuer_of;
  std::map<std::pair<std::string, std::string>, uint64_t> bal;  // (account, instrument); no zeros
  std::map<std::string, uint64_t> supply;
  std::map<std::string, uint64_t> nonce;

  uint64_t balance(const std::string& a, const std::string& i) const {
    auto it = bal.find({a, i});
    return it == bal.end() ? 0 : it->second;
  }
  void set(const std::string& a, const std::string& i, uint64_t v) {
    if (v == 0)
      bal.erase({a, i});
    else
      bal[{a, i}] = v;
  }

  // Applies one tx to the model and returns the receipt code the ledger must give.
  std::string apply(const std::string& type, const std::string& from, uint64_t n,
                    const std::string& in, const std::string& to, uint64_t amount) {
    auto r = role.find(from);
    if (r == role.end()) return "tx.unknown_account";
    if (type == "holdings.issue" && r->second != "bank") return "tx.unauthorized_type";
    uint64_t& last = nonce[from];
    if (n <= last) return "tx.nonce_replayed";
    if (n > last + 1) return "tx.nonce_skipped";
    last = n;
    if (amount == 0 || amount > limits::amount_max) return "tx.malformed";
    if (!issuer_of.contains(in)) return "holdings.unknown_instrument";
    if (type == "holdings.transfer") {
      if (from == to) return "holdings.self_transfer";
      if (!role.contains(to)) return "holdings.unknown_account";
      uint64_t b = balance(from, in);
      if (b < amount) return "holdings.insufficient_balance";
      set(from, in, b - amount);
      set(to, in, balance(to, in) + amount);
    } else if (type == "holdings.issue") {
      if (issuer_of[in] != from) return "holdings.not_issuer";
      if (!role.contains(to)) return "holdings.unknown_account";
      if (amount > limits::amount_max - supply[in]) return "holdings.supply_overflow";
      supply[in] += amount;
      set(to, in, balance(to, in) + amount);
    } else {  // holdings.burn
      uint64_t b = balance(from, in);
      if (b < amount) return "holdings.insufficient_balance";
      set(from, in, b - amount);
      supply[in] -= amount;
    }
    return "ok";
  }
};

uint64_t seed_from_env() {
  if (const char* s = std::getenv("TANSO_SEED")) return std::strtoull(s, nullptr, 10);
  std::random_device rd;
  return (uint64_t{rd()} << 32) | rd();
}

class HoldingsProperty {
 public:
  explicit HoldingsProperty(uint64_t seed) : rng_(seed) {
    for (size_t i = 0; i < kHolders; ++i) accounts_.push_back(holder(i));
    for (size_t k = 0; k < kInstruments; ++k) accounts_.push_back(issuer(k));
    for (size_t i = 0; i < accounts_.size(); ++i) {
      std::array<uint8_t, 32> seed_bytes{};
      seed_bytes[0] = static_cast<uint8_t>(i);
      seed_bytes[1] = 0xa7;
      keys_[accounts_[i]] = keypair_from_seed(seed_bytes);
    }
  }

  std::string genesis() {
    Json g = {{"chain_id", kChain}};
    g["orgs"] = {{{"org", "reg"}, {"name", "Regulator"}, {"role", "regulator"}},
                 {{"org", "co"}, {"name", "Companies"}, {"role", "company"}},
                 {{"org", "bk"}, {"name", "Banks"}, {"role", "bank"}}};
    Json accounts = Json::array(), instruments = Json::array(), balances = Json::array();
    for (const auto& a : accounts_) {
      bool is_issuer = a.starts_with("iss");
      accounts.push_back({{"account", a},
                          {"org", is_issuer ? "bk" : "co"},
                          {"keys", {key_to_text(keys_[a].pub)}}});
      model_.role[a] = is_issuer ? "bank" : "company";
    }
    for (size_t k = 0; k < kInstruments; ++k) {
      instruments.push_back(
          {{"instrument", inst(k)}, {"issuer", issuer(k)}, {"name", inst(k)}, {"unit", "u"}});
      model_.issuer_of[inst(k)] = issuer(k);
      model_.supply[inst(k)] = 0;
    }
    for (const auto& a : accounts_)
      for (size_t k = 0; k < kInstruments; ++k)
        if (below(3) == 0) {
          uint64_t amount = 1 + below(1'000'000);
          balances.push_back({{"account", a}, {"instrument", inst(k)}, {"amount", amount}});
          model_.set(a, inst(k), model_.balance(a, inst(k)) + amount);
          model_.supply[inst(k)] += amount;
        }
    g["accounts"] = accounts;
    g["instruments"] = instruments;
    g["balances"] = balances;
    return g.dump();
  }

  // Draws the next tx, applies it to the model, and returns it with the code it must get.
  std::pair<Tx, std::string> next_tx() {
    std::string type, from = pick_account(), in = inst(below(kInstruments)), to = pick_account();
    uint64_t roll = below(100);
    if (roll < 45) {
      type = "holdings.transfer";
    } else if (roll < 70) {
      type = "holdings.issue";
      size_t k = below(kInstruments);
      in = inst(k);
      uint64_t who = below(100);
      from = who < 90   ? issuer(k)
             : who < 95 ? issuer((k + 1) % kInstruments)
                        : holder(below(kHolders));
    } else {
      type = "holdings.burn";
    }
    if (below(100) < 3) in = "I9";                                   // unknown instrument
    if (below(100) < 3) to = "ghost" + std::to_string(below(5));     // unknown recipient
    if (below(200) == 0) from = "ghost" + std::to_string(below(5));  // unknown sender

    uint64_t amount;
    uint64_t a = below(100);
    uint64_t held = model_.balance(from, in);
    if (a < 4) {
      amount = 0;
    } else if (a < 6) {
      amount = limits::amount_max + 1 + below(1000);
    } else if (type == "holdings.issue") {
      uint64_t s = model_.supply.contains(in) ? model_.supply[in] : 0;
      amount = a < 7 ? limits::amount_max - s + 1 : 1 + below(1'000'000);  // overflow, or normal
    } else {
      amount = held == 0 ? 1 + below(1000) : 1 + below(held + held / 4 + 1);  // ~20% overdrafts
    }

    uint64_t last = model_.nonce[from];
    uint64_t nonce = last + 1;
    uint64_t n = below(100);
    if (n < 3 && last > 0) nonce = 1 + below(last);  // replayed
    if (n >= 97) nonce = last + 2 + below(3);        // skipped

    std::string code = model_.apply(type, from, nonce, in, to, amount);

    Json body = {{"instrument", in}};
    // Amounts go as JSON numbers or decimal strings (both are valid encodings).
    Json amount_json = below(2) == 0 ? Json(std::to_string(amount)) : Json(amount);
    body["amount"] = amount_json;
    if (type != "holdings.burn") body["to"] = to;
    Payload p{std::string(kChain), type, from, nonce, 1'000'000'000, body};
    auto signer = keys_.find(from);
    const KeyPair& kp = signer == keys_.end() ? keys_.begin()->second : signer->second;
    auto tx = decode_tx(sign_envelope(payload_text(p), kChain, {&kp}));
    if (!tx) ADD_FAILURE() << "generated tx does not decode: " << tx.error().message;
    return {tx ? *tx : Tx{}, code};
  }

  // Compares the whole holdings state, supplies and nonces with the model.
  void expect_state_matches(const State& st) const {
    std::map<std::pair<std::string, std::string>, uint64_t> ledger;
    st.scan("bal/", [&](const std::string& k, const std::string& v) {
      auto slash = k.find('/', 4);
      ledger[{k.substr(4, slash - 4), k.substr(slash + 1)}] = parse_u64_or0(v);
    });
    ASSERT_EQ(ledger, model_.bal);
    for (const auto& [i, s] : model_.supply) ASSERT_EQ(supply(st, i), s) << i;
    for (const auto& [a, n] : model_.nonce) {
      if (!model_.role.contains(a)) continue;
      ASSERT_EQ(last_nonce(st, a), n) << a;
    }
    auto bad = conservation_violations(st);
    ASSERT_TRUE(bad.empty()) << bad.size() << " instruments violate conservation";
  }

  uint64_t below(uint64_t n) { return rng_() % n; }

 private:
  std::string pick_account() { return accounts_[below(accounts_.size())]; }

  std::mt19937_64 rng_;
  std::vector<std::string> accounts_;
  std::map<std::string, KeyPair> keys_;
  Model model_;
};

TEST(HoldingsPropertyTest, LedgerMatchesModel) {
  init_crypto();
  const uint64_t seed = seed_from_env();
  SCOPED_TRACE("seed " + std::to_string(seed) + " (replay: TANSO_SEED=" + std::to_string(seed) +
               ")");
  HoldingsProperty prop(seed);
  auto g = apply_genesis(prop.genesis());
  ASSERT_TRUE(g) << g.error().message;
  State st;
  st.apply(g->writes);
  Hash root = g->state_root;
  prop.expect_state_matches(st);
  ASSERT_FALSE(HasFatalFailure());

  std::map<std::string, size_t> codes;
  size_t ops = 0;
  for (uint64_t height = 1; ops < kOpsMin; ++height) {
    std::vector<Tx> txs;
    std::vector<std::string> want;
    size_t n = 1 + prop.below(kBlockTxsMax);
    for (size_t i = 0; i < n; ++i) {
      auto [tx, code] = prop.next_tx();
      txs.push_back(std::move(tx));
      want.push_back(std::move(code));
    }
    std::vector<const Tx*> ptrs;
    for (const auto& t : txs) ptrs.push_back(&t);
    BlockOutput out = execute_block(st, root, height, height * 1000, ptrs, /*verify_sigs=*/false);
    ASSERT_EQ(out.receipts.size(), txs.size());
    for (size_t i = 0; i < txs.size(); ++i) {
      ASSERT_EQ(out.receipts[i].code, want[i])
          << "block " << height << " tx " << i << ": " << txs[i].payload_text << " -> "
          << out.receipts[i].message;
      ++codes[want[i]];
    }
    st.apply(out.writes);
    root = out.state_root;
    SCOPED_TRACE("after block " + std::to_string(height));
    prop.expect_state_matches(st);
    ASSERT_FALSE(HasFatalFailure());
    ops += txs.size();
  }
  // The mix really exercised every path.
  for (const char* c :
       {"ok", "tx.unknown_account", "tx.unauthorized_type", "tx.nonce_replayed", "tx.nonce_skipped",
        "tx.malformed", "holdings.unknown_instrument", "holdings.self_transfer",
        "holdings.unknown_account", "holdings.insufficient_balance", "holdings.not_issuer",
        "holdings.supply_overflow"})
    EXPECT_GT(codes[c], 0u) << c;
  EXPECT_GT(codes["ok"], ops / 3);
  std::string mix;
  for (const auto& [c, k] : codes) mix += " " + c + "=" + std::to_string(k);
  std::printf("%zu txs:%s\n", ops, mix.c_str());
}

}  // namespace
}  // namespace tanso
