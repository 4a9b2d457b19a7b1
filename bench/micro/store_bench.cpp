// Micro-benchmark: committing a block to the RocksDB chain store, with and without fsync.
//
// Each block is what the pipeline hands to ChainStore::commit at 1,000 tx: 1,000 real signed
// envelopes (~400 bytes of JSON each), 1,000 receipts naming two accounts each (2,000 history
// rows), 1,000 random tx ids for the index and ~3,000 state writes (two balances and a nonce per
// tx over 10,000 accounts). items/s = committed tx per second; wall clock, since fsync waits are
// the point. The store lives in a fresh directory under $TMPDIR (default /tmp), removed after.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <random>

#include "core/block.h"
#include "core/crypto.h"
#include "core/tx.h"
#include "storage/chain_store.h"

namespace tanso {
namespace {

constexpr uint32_t kTxsPerBlock = 1'000;
constexpr size_t kAccounts = 10'000;
constexpr size_t kWriteSetVariants = 8;  // cycled, so state keys are overwritten as in a ledger

uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

std::string account(size_t i) { return "acct-" + std::to_string(i); }

struct Workload {
  std::vector<std::string> envelopes;
  std::vector<std::pair<std::string, std::string>> parties;  // (from, to) per tx
  std::vector<WriteSet> writesets;
};

Workload build_workload() {
  init_crypto();
  Workload w;
  std::mt19937_64 rng(42);
  const KeyPair kp = keypair_from_seed({7});
  for (uint32_t i = 0; i < kTxsPerBlock; ++i) {
    const std::string from = account(rng() % kAccounts), to = account(rng() % kAccounts);
    Payload p;
    p.chain = "tanso-bench";
    p.type = "transfer";
    p.from = from;
    p.nonce = rng() % 100'000;
    p.expires = 1'000'000;
    p.body = {{"instrument", "EUA-2030"}, {"to", to}, {"amount", std::to_string(rng() % 50'000)}};
    w.envelopes.push_back(sign_envelope(payload_text(p), p.chain, {&kp}));
    w.parties.emplace_back(from, to);
  }
  for (size_t v = 0; v < kWriteSetVariants; ++v) {
    WriteSet ws;
    for (uint32_t i = 0; i < kTxsPerBlock; ++i) {
      const std::string from = account(rng() % kAccounts), to = account(rng() % kAccounts);
      ws["bal/" + from + "/EUA-2030"] = std::to_string(rng() % 10'000'000);
      ws["bal/" + to + "/EUA-2030"] = std::to_string(rng() % 10'000'000);
      ws["nonce/" + from] = std::to_string(rng() % 100'000);
    }
    w.writesets.push_back(std::move(ws));
  }
  return w;
}

const Workload& workload() {
  static const Workload w = build_workload();
  return w;
}

std::string make_temp_dir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/tanso-store-bench-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) return {};
  return tmpl;
}

void BM_StoreCommitBlock(benchmark::State& state) {
  const bool sync = state.range(0) != 0;
  const Workload& w = workload();
  const std::string dir = make_temp_dir();
  if (dir.empty()) {
    state.SkipWithError("cannot create a temp dir");
    return;
  }
  {
    auto store = open_rocks_store(dir + "/db", sync);
    if (!store) {
      state.SkipWithError(store.error().message.c_str());
      return;
    }
    Block genesis;
    if (auto s = (*store)->commit(genesis, {}, {{"meta/genesis", "{}"}}); !s) {
      state.SkipWithError(s.error().message.c_str());
      return;
    }
    Block block;
    block.txs = w.envelopes;
    block.header.tx_count = kTxsPerBlock;
    std::vector<Receipt> receipts(kTxsPerBlock);
    for (uint32_t i = 0; i < kTxsPerBlock; ++i)
      receipts[i].accounts = {w.parties[i].first, w.parties[i].second};
    uint64_t height = 1, seed = 1;
    for (auto _ : state) {
      block.header.height = height;
      for (auto& r : receipts)  // fresh random tx ids each block, as real ids are
        for (size_t k = 0; k < r.tx_id.size(); k += 8) {
          const uint64_t x = splitmix64(seed);
          for (size_t b = 0; b < 8; ++b) r.tx_id[k + b] = static_cast<uint8_t>(x >> (8 * b));
        }
      auto s = (*store)->commit(block, receipts, w.writesets[height % kWriteSetVariants]);
      if (!s) {
        state.SkipWithError(s.error().message.c_str());
        break;
      }
      ++height;
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  state.SetItemsProcessed(state.iterations() * kTxsPerBlock);
  state.counters["blocks/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_StoreCommitBlock)
    ->ArgName("sync")
    ->Arg(1)
    ->Arg(0)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace tanso
