// Micro-benchmark: executing a block of 250 market order txs, and one of 250 holdings.transfer
// txs from the same traders, against the same state (execute_block, signatures already verified:
// the node's serial part apart from the RocksDB commit). The order mix is tanso-bench market's
// (bench/tanso_bench/market.cpp): 45 % passive, 35 % crossing, 8 % far with a client_id, 6 %
// cancels and 6 % amends of far orders; 200 traders, 4,000 order txs applied before the measured
// block so the book holds ~1,000 orders. items/s = txs executed; counters: state writes and
// bytes (keys + values) per tx of the block's write set (what the commit stores and hashes);
// TANSO_BENCH_WRITES=1 prints them by key family (mkt/o, mkt/t, bal/<account>, ...) on stderr.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/crypto.h"
#include "core/executor.h"
#include "core/tx.h"

namespace tanso {
namespace {

constexpr const char* kChain = "tanso-bench-market";
constexpr const char* kMarket = "KAU-BENCH";
constexpr int64_t kMid = 10'000, kTick = 50;
constexpr size_t kTraders = 200, kBlock = 250, kWarmBlocks = 16;
constexpr uint64_t kT0 = 1'790'000'000'000 / 86'400'000 * 86'400'000 + 3'600'000;

KeyPair trader_key(size_t i) {
  std::array<uint8_t, 32> seed{};
  for (int b = 0; b < 4; ++b) seed[b] = static_cast<uint8_t>(i >> (8 * b));
  seed[31] = 0x3c;
  return keypair_from_seed(seed);
}

struct Mix {
  std::mt19937_64 rng;
  std::vector<std::string> far;
  uint64_t next_cid = 1;
  int64_t uni(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo + 1));
  }
  std::pair<std::string, Json> next() {
    int64_t r = uni(0, 99);
    bool buy = uni(0, 1) == 1;
    auto order = [&](int64_t out, int64_t qty) {
      return Json{{"market", kMarket},
                  {"side", buy ? "buy" : "sell"},
                  {"price", buy ? kMid - out * kTick : kMid + out * kTick},
                  {"qty", qty}};
    };
    if (r < 45) return {"market.order.place", order(uni(1, 10), uni(1, 20))};
    if (r < 80) return {"market.order.place", order(-uni(3, 10), uni(1, 40))};
    if (r >= 88 && !far.empty()) {
      if (r < 94) {
        std::string cid = far.front();
        far.erase(far.begin());
        return {"market.order.cancel", {{"market", kMarket}, {"client_id", cid}}};
      }
      const std::string& cid =
          far[static_cast<size_t>(uni(0, static_cast<int64_t>(far.size()) - 1))];
      int64_t out = uni(15, 19);
      return {"market.order.amend",
              {{"market", kMarket},
               {"client_id", cid},
               {"price", cid[0] == 'b' ? kMid - out * kTick : kMid + out * kTick},
               {"qty", uni(1, 10)}}};
    }
    std::string cid = std::string(buy ? "b" : "s") + std::to_string(next_cid++);
    far.push_back(cid);
    Json b = order(uni(15, 19), uni(1, 10));
    b["client_id"] = cid;
    return {"market.order.place", b};
  }
};

struct MarketFixture {
  State st;
  Hash root{};
  uint64_t height = 0;
  std::vector<Tx> orders, transfers;  // the measured blocks

  Tx make(const std::string& type, const std::string& from, uint64_t nonce, const Json& body,
          const KeyPair& k) {
    Payload p;
    p.chain = kChain;
    p.type = type;
    p.from = from;
    p.nonce = nonce;
    p.expires = 1'000'000'000;
    p.body = body;
    auto tx = decode_tx(sign_envelope(payload_text(p), kChain, {&k}));
    if (!tx) throw std::runtime_error("bench tx: " + tx.error().message);
    return *tx;
  }
  void run(const std::vector<Tx>& txs) {
    std::vector<const Tx*> ptrs;
    for (const auto& t : txs) ptrs.push_back(&t);
    ++height;
    BlockOutput out = execute_block(st, root, height, kT0 + height * 1000, ptrs, false);
    for (const auto& r : out.receipts)
      if (r.code != "ok") throw std::runtime_error("bench: a tx was refused: " + r.code);
    st.apply(out.writes);
    root = out.state_root;
  }

  MarketFixture() {
    init_crypto();
    std::vector<std::string> ids;
    std::vector<KeyPair> keys;
    Json accounts = Json::array(), balances = Json::array();
    KeyPair ex = trader_key(1'000'000);
    accounts.push_back({{"account", "krx.ops"}, {"org", "krx"}, {"keys", {key_to_text(ex.pub)}}});
    for (const char* a : {"regulator", "bank"})
      accounts.push_back(
          {{"account", a},
           {"org", a[0] == 'r' ? "reg" : "bk"},
           {"keys", {key_to_text(trader_key(a[0] == 'r' ? 2'000'000 : 3'000'000).pub)}}});
    for (size_t i = 0; i < kTraders; ++i) {
      ids.push_back("t-" + std::to_string(1000 + i));
      keys.push_back(trader_key(i));
      accounts.push_back(
          {{"account", ids[i]}, {"org", "bench"}, {"keys", {key_to_text(keys[i].pub)}}});
      balances.push_back({{"account", ids[i]}, {"instrument", "KRW"}, {"amount", "1000000000000"}});
      balances.push_back({{"account", ids[i]}, {"instrument", kMarket}, {"amount", "10000000"}});
    }
    Json g = {
        {"chain_id", kChain},
        {"time_ms", kT0},
        {"orgs",
         {{{"org", "reg"}, {"name", "Regulator"}, {"role", "regulator"}},
          {{"org", "krx"}, {"name", "Exchange"}, {"role", "exchange"}},
          {{"org", "bk"}, {"name", "Bank"}, {"role", "bank"}},
          {{"org", "bench"}, {"name", "Traders"}, {"role", "company"}}}},
        {"accounts", accounts},
        {"instruments",
         {{{"instrument", "KRW"}, {"issuer", "bank"}, {"name", "won"}, {"unit", "KRW"}},
          {{"instrument", kMarket}, {"issuer", "regulator"}, {"name", "KAU"}, {"unit", "t"}}}},
        {"balances", balances}};
    auto gen = apply_genesis(g.dump());
    if (!gen) throw std::runtime_error("bench genesis: " + gen.error().message);
    st.apply(gen->writes);
    root = gen->state_root;
    run({make("market.create", "krx.ops", 1,
              {{"market", kMarket},
               {"tick", kTick},
               {"base_price", kMid},
               {"schedule",
                {{"utc_offset_min", 0},
                 {"pre_open_ms", 0},
                 {"open_ms", 0},
                 {"close_auction_ms", 86'340'000},
                 {"close_ms", 86'400'000},
                 {"lock_ms", 0},
                 {"weekdays_only", false}}}},
              ex)});
    std::vector<Mix> mix(kTraders);
    std::vector<uint64_t> nonce(kTraders, 0);
    for (size_t i = 0; i < kTraders; ++i) mix[i].rng.seed(i + 1);
    auto order_block = [&](size_t b) {
      std::vector<Tx> txs;
      for (size_t k = 0; k < kBlock; ++k) {
        size_t t = (b * kBlock + k) % kTraders;
        auto [type, body] = mix[t].next();
        txs.push_back(make(type, ids[t], ++nonce[t], body, keys[t]));
      }
      return txs;
    };
    for (size_t b = 0; b < kWarmBlocks; ++b) run(order_block(b));
    // Both measured blocks run against this state: each continues the traders' nonces.
    std::vector<uint64_t> after = nonce;
    orders = order_block(kWarmBlocks);
    nonce = after;
    for (size_t k = 0; k < kBlock; ++k) {
      size_t t = k % kTraders;
      transfers.push_back(
          make("holdings.transfer", ids[t], ++nonce[t],
               {{"instrument", "KRW"}, {"to", ids[(t + 7) % kTraders]}, {"amount", "1"}}, keys[t]));
    }
  }
};

const MarketFixture& fixture() {
  static const MarketFixture fx;
  return fx;
}

void exec(benchmark::State& state, const std::vector<Tx>& txs) {
  const MarketFixture& fx = fixture();
  std::vector<const Tx*> ptrs;
  for (const auto& t : txs) ptrs.push_back(&t);
  BlockOutput first =
      execute_block(fx.st, fx.root, fx.height + 1, kT0 + (fx.height + 1) * 1000, ptrs, false);
  for (const auto& r : first.receipts)
    if (r.code != "ok") state.SkipWithError(("a tx was refused: " + r.code).c_str());
  size_t bytes = 0;
  std::map<std::string, std::pair<size_t, size_t>> by;  // writes, bytes by key family
  for (const auto& [k, v] : first.writes) {
    bytes += k.size() + (v ? v->size() : 0);
    auto& e = by[k.substr(0, k.find('/', k.find('/') + 1))];
    e.first++, e.second += k.size() + (v ? v->size() : 0);
  }
  if (std::getenv("TANSO_BENCH_WRITES"))
    for (auto& [p, e] : by)
      fprintf(stderr, "%-20s %6zu writes %8zu bytes\n", p.c_str(), e.first, e.second);
  for (auto _ : state) {
    BlockOutput out = execute_block(fx.st, fx.root, fx.height + 1, kT0 + (fx.height + 1) * 1000,
                                    ptrs, /*verify_sigs=*/false);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(ptrs.size()));
  state.counters["writes_per_tx"] = static_cast<double>(first.writes.size()) / txs.size();
  state.counters["bytes_per_tx"] = static_cast<double>(bytes) / txs.size();
}

void BM_ExecuteMarketOrders(benchmark::State& state) { exec(state, fixture().orders); }
BENCHMARK(BM_ExecuteMarketOrders)->Unit(benchmark::kMillisecond);
void BM_ExecuteMarketTransfers(benchmark::State& state) { exec(state, fixture().transfers); }
BENCHMARK(BM_ExecuteMarketTransfers)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tanso
