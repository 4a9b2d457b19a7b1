// Google Benchmark micro-benchmarks of the pure core: Ed25519 sign/verify, SHA-256 (32 B and
// 1 KiB), RFC 6962 Merkle roots (1,000 and 4,000 leaves) and audit paths, decoding a realistic
// holdings.transfer envelope, and executing a block of 1,000 transfers among 10,000 accounts
// (signatures already verified at admission: verify_sigs=false). Each reports items/s.
#include <benchmark/benchmark.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "core/crypto.h"
#include "core/executor.h"
#include "core/merkle.h"
#include "core/tx.h"

namespace tanso {
namespace {

KeyPair bench_key(uint32_t n) {
  std::array<uint8_t, 32> seed{};
  for (int i = 0; i < 4; ++i) seed[i] = static_cast<uint8_t>(n >> (8 * i));
  seed[31] = 0xbe;
  return keypair_from_seed(seed);
}

// A realistic transfer: the payload a wallet would build.
Payload transfer_payload(const std::string& from, const std::string& to, uint64_t nonce) {
  Payload p;
  p.chain = "tanso-main";
  p.type = "holdings.transfer";
  p.from = from;
  p.nonce = nonce;
  p.expires = 120000;
  p.body = {{"instrument", "KRW"}, {"to", to}, {"amount", "125000"}};
  return p;
}

void BM_Ed25519Sign(benchmark::State& state) {
  init_crypto();
  KeyPair kp = bench_key(1);
  Payload p = transfer_payload("acme.ops", "acme.treasury", 42);
  Bytes msg = signing_message(p.chain, payload_text(p));
  for (auto _ : state) benchmark::DoNotOptimize(sign(kp.secret, msg));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Ed25519Sign);

void BM_Ed25519Verify(benchmark::State& state) {
  init_crypto();
  KeyPair kp = bench_key(1);
  Payload p = transfer_payload("acme.ops", "acme.treasury", 42);
  Bytes msg = signing_message(p.chain, payload_text(p));
  Signature sig = sign(kp.secret, msg);
  for (auto _ : state) {
    bool ok = verify(kp.pub, msg, sig);
    benchmark::DoNotOptimize(ok);
    if (!ok) state.SkipWithError("signature does not verify");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Ed25519Verify);

void sha256_bench(benchmark::State& state, size_t bytes) {
  init_crypto();
  Bytes data(bytes, 0x5a);
  for (auto _ : state) benchmark::DoNotOptimize(sha256(data));
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(bytes));
}
void BM_Sha256_32B(benchmark::State& state) { sha256_bench(state, 32); }
void BM_Sha256_1KiB(benchmark::State& state) { sha256_bench(state, 1024); }
BENCHMARK(BM_Sha256_32B);
BENCHMARK(BM_Sha256_1KiB);

std::vector<Hash> tx_leaves(size_t n) {
  std::vector<Hash> leaves;
  leaves.reserve(n);
  for (size_t i = 0; i < n; ++i)
    leaves.push_back(merkle::leaf_hash(sha256(std::to_string(i))));  // leaf over a tx id
  return leaves;
}

// items = leaves hashed into the root.
void BM_MerkleRoot(benchmark::State& state) {
  init_crypto();
  auto leaves = tx_leaves(static_cast<size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(merkle::root(leaves));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_MerkleRoot)->Arg(1000)->Arg(4000);

// items = audit paths built, in a block of 4,000 txs (the block_txs_max default).
void BM_AuditPath(benchmark::State& state) {
  init_crypto();
  auto leaves = tx_leaves(4000);
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(merkle::audit_path(leaves, i));
    i = (i + 997) % leaves.size();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AuditPath);

// items = inclusion proofs verified (what a light client does per tx).
void BM_VerifyInclusion(benchmark::State& state) {
  init_crypto();
  auto leaves = tx_leaves(4000);
  Hash root = merkle::root(leaves);
  auto path = merkle::audit_path(leaves, 1234);
  for (auto _ : state) {
    bool ok = merkle::verify_inclusion(leaves[1234], 1234, leaves.size(), path, root);
    benchmark::DoNotOptimize(ok);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_VerifyInclusion);

// items = envelopes decoded (parse, shape checks, tx id); no signature verification.
void BM_DecodeTx(benchmark::State& state) {
  init_crypto();
  KeyPair kp = bench_key(1);
  std::string env = sign_envelope(payload_text(transfer_payload("acme.ops", "acme.treasury", 42)),
                                  "tanso-main", {&kp});
  for (auto _ : state) {
    auto tx = decode_tx(env);
    benchmark::DoNotOptimize(tx);
    if (!tx) state.SkipWithError("envelope does not decode");
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(env.size()));
  state.counters["envelope_bytes"] = static_cast<double>(env.size());
}
BENCHMARK(BM_DecodeTx);

// A chain of 10,000 company accounts holding KRW, and one block of 1,000 transfers between them
// from distinct senders. Built once; execute_block is pure, so every iteration runs the same
// block against the same state.
struct ExecuteFixture {
  static constexpr size_t kAccounts = 10'000;
  static constexpr size_t kTxs = 1'000;
  State st;
  Hash root{};
  std::vector<Tx> txs;

  ExecuteFixture() {
    Json accounts = Json::array(), balances = Json::array();
    std::vector<KeyPair> keys;
    for (size_t i = 0; i < kAccounts; ++i) {
      keys.push_back(bench_key(static_cast<uint32_t>(i + 10)));
      std::string id = "c" + std::to_string(i);
      accounts.push_back({{"account", id}, {"org", "co"}, {"keys", {key_to_text(keys[i].pub)}}});
      balances.push_back({{"account", id}, {"instrument", "KRW"}, {"amount", 100'000'000}});
    }
    accounts.push_back(
        {{"account", "bank"}, {"org", "bk"}, {"keys", {key_to_text(bench_key(1).pub)}}});
    Json g = {{"chain_id", "tanso-main"},
              {"orgs",
               {{{"org", "reg"}, {"name", "Regulator"}, {"role", "regulator"}},
                {{"org", "co"}, {"name", "Companies"}, {"role", "company"}},
                {{"org", "bk"}, {"name", "Bank"}, {"role", "bank"}}}},
              {"accounts", accounts},
              {"instruments",
               {{{"instrument", "KRW"}, {"issuer", "bank"}, {"name", "won"}, {"unit", "won"}}}},
              {"balances", balances}};
    auto gen = apply_genesis(g.dump());
    if (!gen) throw std::runtime_error("bench genesis: " + gen.error().message);
    st.apply(gen->writes);
    root = gen->state_root;
    for (size_t i = 0; i < kTxs; ++i) {
      size_t from = i * 7 % kAccounts, to = (i * 7919 + 13) % kAccounts;
      if (to == from) to = (to + 1) % kAccounts;
      Payload p = transfer_payload("c" + std::to_string(from), "c" + std::to_string(to), 1);
      auto tx = decode_tx(sign_envelope(payload_text(p), p.chain, {&keys[from]}));
      txs.push_back(*tx);
    }
  }
};

// items = transactions executed (receipts, writes, tx/receipts/state roots included).
void BM_ExecuteBlock(benchmark::State& state) {
  init_crypto();
  static const ExecuteFixture fx;
  std::vector<const Tx*> ptrs;
  for (size_t i = 0; i < static_cast<size_t>(state.range(0)) && i < fx.txs.size(); ++i)
    ptrs.push_back(&fx.txs[i]);
  for (const auto& r : execute_block(fx.st, fx.root, 1, 1000, ptrs, false).receipts)
    if (r.code != "ok") state.SkipWithError(("a transfer was refused: " + r.code).c_str());
  for (auto _ : state) {
    BlockOutput out = execute_block(fx.st, fx.root, 1, 1000, ptrs, /*verify_sigs=*/false);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(ptrs.size()));
}
BENCHMARK(BM_ExecuteBlock)->Arg(1000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tanso
