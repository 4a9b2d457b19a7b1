// The ledger workload: deterministic accounts and genesis, pre-signed holdings.transfer batches
// partitioned by connection, and the two load runs (closed-loop peak, open-loop paced).
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common.h"
#include "core/crypto.h"

namespace tanso::bench {

struct BenchAccount {
  std::string id;
  KeyPair key;
};

struct Workload {
  std::string chain_id = "tanso-bench";
  std::string instrument = "KRW";
  BenchAccount bank;                   // issuer of KRW (org "bank", role bank)
  std::vector<BenchAccount> accounts;  // the senders (org "bench", role company)
  std::string genesis;                 // genesis document (JSON text)
};

// Keys from keypair_from_seed(SHA-256("tanso-bench/account/<i>")), so every run signs the same
// txs. Every account holds kBalance KRW.
inline constexpr uint64_t kBalance = 1'000'000'000'000;
Workload make_workload(unsigned accounts);

// One HTTP request body {"txs": [...]} and how many txs it holds.
struct Batch {
  std::string body;
  uint32_t txs = 0;
};

// What connection i sends: only txs of its own accounts (index % connections == i), each
// account's txs in nonce order, so the node's "nonce == last + 1" check holds at admission.
struct ConnPlan {
  std::vector<unsigned> accounts;  // indexes into Workload::accounts
  std::vector<Batch> peak;         // the peak run's batches, in send order
  std::vector<Batch> paced;        // the latency run's batches (nonces continue after peak)
};

struct SignSpec {
  unsigned connections = 8;
  uint64_t peak_txs = 200'000;
  unsigned peak_batch = 500;
  uint64_t paced_txs = 0;
  unsigned paced_batch = 100;
  uint64_t expires = 1'000'000'000;  // block height; far away
};

// Signs everything on all cores (std::thread), with a progress bar. Throws if interrupted.
std::vector<ConnPlan> presign(const Workload& w, const SignSpec& spec);

// Runs f(i) for i in [0, n) on all cores, 256 at a time, updating `bar` (may be null). Throws
// std::runtime_error if interrupted.
template <typename F>
void parallel(uint64_t n, Progress* bar, F&& f) {
  std::atomic<uint64_t> next{0}, done{0};
  std::vector<std::thread> ts;
  for (unsigned t = 0; t < cpu_count(); ++t)
    ts.emplace_back([&] {
      for (;;) {
        if (interrupted()) return;
        uint64_t b = next.fetch_add(256);
        if (b >= n) return;
        uint64_t e = std::min(n, b + 256);
        for (uint64_t i = b; i < e; ++i) f(i);
        uint64_t d = done.fetch_add(e - b) + (e - b);
        if (bar) bar->update(d);
      }
    });
  for (auto& t : ts) t.join();
  if (interrupted()) throw std::runtime_error("interrupted");
}

// Batches of `per` envelopes from envs[b, e) (moved out: the strings are emptied).
std::vector<Batch> to_batches(std::vector<std::string>& envs, size_t b, size_t e, unsigned per);

// ---- load runs ----

struct BatchSample {
  double latency_ms = 0;
  uint32_t txs = 0;
};

struct RunResult {
  uint64_t sent = 0;          // txs sent
  uint64_t committed_ok = 0;  // committed with code "ok"
  uint64_t errors = 0;        // everything else: refused, rejected, pending/timeout, transport
  double seconds = 0;         // first send .. last response
  std::chrono::steady_clock::time_point start;  // the first send
  std::vector<BatchSample> batches;
  std::vector<std::string> first_errors;  // at most 10
  std::map<std::string, uint64_t> codes;  // txs not committed "ok", by receipt code (or status)
  uint64_t late_batches = 0;              // paced run: sent after their scheduled time + 1 ms
  double max_lag_ms = 0;                  // paced run: largest send delay behind schedule
};

// Closed loop: each connection sends its peak batches back to back, each waiting for commit
// (POST /v1/txs/batch, wait=commit). Latency of a batch = send .. response.
RunResult run_peak(const std::string& host, unsigned short port,
                   const std::vector<ConnPlan>& plans);
// The same against several nodes: connection i sends to ports[i % ports.size()].
RunResult run_peak(const std::string& host, const std::vector<unsigned short>& ports,
                   const std::vector<ConnPlan>& plans);

// Open loop at `rate` txs/s in total, for up to `seconds` (or until the pre-signed paced batches
// run out): connection i sends batch k at t0 + (k + i/C) * interval, interval = C * batch / rate,
// and a tx's latency is measured from that scheduled time (not from the actual send time, which
// can be late if the previous response was slow) to the response: no coordinated omission.
RunResult run_paced(const std::string& host, unsigned short port,
                    const std::vector<ConnPlan>& plans, double rate, double seconds);

// Percentile over txs (each batch's latency counts once per tx in it).
double tx_percentile(const std::vector<BatchSample>& b, double p);

}  // namespace tanso::bench
