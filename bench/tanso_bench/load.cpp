// The ledger workload and load runs (see load.h).
#include "load.h"

#include <algorithm>
#include <atomic>
#include <barrier>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "common.h"
#include "core/tx.h"
#include "http/client.h"

namespace tanso::bench {

namespace {

KeyPair derived_key(const std::string& label) {
  Hash h = sha256("tanso-bench/account/" + label);
  std::array<uint8_t, 32> seed{};
  std::copy(h.begin(), h.end(), seed.begin());
  return keypair_from_seed(seed);
}

std::string account_id(unsigned i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "bench-%05u", i);
  return buf;
}

// Runs f(i) for i in [0, n) on all cores, updating a progress bar. Stops early if interrupted.
template <typename F>
void parallel_for(uint64_t n, Progress* bar, F&& f) {
  unsigned threads = cpu_count();
  std::atomic<uint64_t> next{0}, done{0};
  const uint64_t chunk = 256;
  std::vector<std::thread> ts;
  for (unsigned t = 0; t < threads; ++t)
    ts.emplace_back([&] {
      for (;;) {
        if (interrupted()) return;
        uint64_t b = next.fetch_add(chunk);
        if (b >= n) return;
        uint64_t e = std::min(n, b + chunk);
        for (uint64_t i = b; i < e; ++i) f(i);
        uint64_t d = done.fetch_add(e - b) + (e - b);
        if (bar) bar->update(d);
      }
    });
  for (auto& t : ts) t.join();
  if (interrupted()) throw std::runtime_error("interrupted");
}

}  // namespace

Workload make_workload(unsigned n) {
  if (n < 2) throw std::runtime_error("--accounts must be at least 2 (txs go to another account)");
  init_crypto();
  Workload w;
  w.bank = {"bank", derived_key("bank")};
  w.accounts.resize(n);
  parallel_for(n, nullptr, [&](uint64_t i) {
    auto id = account_id(static_cast<unsigned>(i));
    w.accounts[i] = {id, derived_key(id)};
  });

  Json accounts = Json::array(), balances = Json::array();
  accounts.push_back({{"account", w.bank.id},
                      {"org", "bank"},
                      {"keys", {key_to_text(w.bank.key.pub)}},
                      {"threshold", 1}});
  for (const auto& a : w.accounts) {
    accounts.push_back({{"account", a.id},
                        {"org", "bench"},
                        {"keys", {key_to_text(a.key.pub)}},
                        {"threshold", 1}});
    balances.push_back(
        {{"account", a.id}, {"instrument", w.instrument}, {"amount", std::to_string(kBalance)}});
  }
  Json g = {
      {"chain_id", w.chain_id},
      {"orgs",
       {{{"org", "regulator"}, {"name", "Bench regulator"}, {"role", "regulator"}},
        {{"org", "bank"}, {"name", "Bench bank"}, {"role", "bank"}},
        {{"org", "bench"}, {"name", "Bench companies"}, {"role", "company"}}}},
      {"accounts", accounts},
      {"instruments",
       {{{"instrument", w.instrument},
         {"issuer", w.bank.id},
         {"name", "Korean won"},
         {"unit", "KRW"}}}},
      {"balances", balances},
  };
  w.genesis = g.dump(1);
  return w;
}

std::vector<ConnPlan> presign(const Workload& w, const SignSpec& spec) {
  const unsigned C = spec.connections;
  const unsigned A = static_cast<unsigned>(w.accounts.size());
  if (C == 0) throw std::runtime_error("--connections must be at least 1");
  if (A < C)
    throw std::runtime_error("--accounts (" + std::to_string(A) +
                             ") must be at least --connections (" + std::to_string(C) +
                             "): each connection sends from accounts of its own");
  std::vector<ConnPlan> plans(C);
  for (unsigned a = 0; a < A; ++a) plans[a % C].accounts.push_back(a);

  // Describe every tx (sender, nonce), connection by connection, round-robin over the
  // connection's accounts so each account's nonces go out in order.
  struct Desc {
    uint32_t from;
    uint64_t nonce;
  };
  std::vector<uint64_t> next_nonce(A, 1);
  std::vector<Desc> descs;
  descs.reserve(spec.peak_txs + spec.paced_txs);
  // [conn][0: peak, 1: paced] -> range in descs
  std::vector<std::array<std::pair<size_t, size_t>, 2>> ranges(C);
  for (int phase_i = 0; phase_i < 2; ++phase_i) {
    uint64_t total = phase_i == 0 ? spec.peak_txs : spec.paced_txs;
    for (unsigned c = 0; c < C; ++c) {
      uint64_t mine = total / C + (c < total % C ? 1 : 0);
      size_t begin = descs.size();
      const auto& accts = plans[c].accounts;
      for (uint64_t j = 0; j < mine; ++j) {
        unsigned a = accts[j % accts.size()];
        descs.push_back({a, next_nonce[a]++});
      }
      ranges[c][phase_i] = {begin, descs.size()};
    }
  }

  // Sign on all cores.
  std::vector<std::string> envs(descs.size());
  {
    Progress bar("signing", descs.size(), "txs");
    parallel_for(descs.size(), &bar, [&](uint64_t i) {
      const Desc& d = descs[i];
      const BenchAccount& from = w.accounts[d.from];
      Payload p;
      p.chain = w.chain_id;
      p.type = "holdings.transfer";
      p.from = from.id;
      p.nonce = d.nonce;
      p.expires = spec.expires;
      p.body = {
          {"instrument", w.instrument}, {"to", w.accounts[(d.from + 1) % A].id}, {"amount", 1}};
      std::string pt = payload_text(p);
      envs[i] = sign_envelope(pt, w.chain_id, {&from.key});
    });
    bar.finish();
  }

  // Assemble the request bodies.
  auto assemble = [&](size_t b, size_t e, unsigned per, std::vector<Batch>& out) {
    per = std::max(1u, per);
    for (size_t i = b; i < e; i += per) {
      size_t end = std::min(e, i + per);
      Batch batch;
      size_t bytes = 16;
      for (size_t k = i; k < end; ++k) bytes += envs[k].size() + 1;
      batch.body.reserve(bytes);
      batch.body = "{\"txs\":[";
      for (size_t k = i; k < end; ++k) {
        if (k > i) batch.body += ',';
        batch.body += envs[k];
        std::string().swap(envs[k]);
      }
      batch.body += "]}";
      batch.txs = static_cast<uint32_t>(end - i);
      out.push_back(std::move(batch));
    }
  };
  for (unsigned c = 0; c < C; ++c) {
    assemble(ranges[c][0].first, ranges[c][0].second, spec.peak_batch, plans[c].peak);
    assemble(ranges[c][1].first, ranges[c][1].second, spec.paced_batch, plans[c].paced);
  }
  return plans;
}

// ---- load runs ----

namespace {

// Per-run shared bookkeeping.
struct Collector {
  std::mutex mu;
  RunResult r;
  void error(std::string msg, uint64_t count) {
    std::lock_guard lk(mu);
    r.errors += count;
    if (r.first_errors.size() < 10) r.first_errors.push_back(std::move(msg));
  }
};

// Sends one batch and checks every result; returns the number of txs committed with "ok".
uint64_t send_batch(http::Client& cl, const Batch& b, unsigned conn, size_t index, Collector& col) {
  std::string where = "connection " + std::to_string(conn) + " batch " + std::to_string(index);
  http::Response resp;
  try {
    resp = cl.post("/v1/txs/batch?wait=commit", b.body);
  } catch (const std::exception& e) {
    col.error(where + ": " + e.what(), b.txs);
    return 0;
  }
  if (resp.status != 200) {
    col.error(where + ": HTTP " + std::to_string(resp.status) + " " + resp.body.substr(0, 300),
              b.txs);
    return 0;
  }
  Json j = Json::parse(resp.body, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("results") || !j["results"].is_array()) {
    col.error(where + ": unexpected response " + resp.body.substr(0, 300), b.txs);
    return 0;
  }
  const Json& res = j["results"];
  uint64_t ok = 0, bad = 0;
  std::string first_bad;
  std::map<std::string, uint64_t> codes;
  for (const Json& x : res) {
    if (x.value("status", "") == "committed" && x.value("code", "") == "ok") {
      ++ok;
      continue;
    }
    ++bad;
    ++codes[x.is_object() && x.contains("code") && x["code"].is_string()
                ? x["code"].get<std::string>()
                : "status:" + x.value("status", std::string("?"))];
    if (first_bad.empty()) first_bad = x.dump().substr(0, 400);
  }
  if (!codes.empty()) {
    std::lock_guard lk(col.mu);
    for (const auto& [c, n] : codes) col.r.codes[c] += n;
  }
  if (res.size() != b.txs) {
    uint64_t missing = b.txs > res.size() ? b.txs - res.size() : 0;
    col.error(where + ": " + std::to_string(res.size()) + " results for " + std::to_string(b.txs) +
                  " txs",
              missing);
  }
  if (bad)
    col.error(where + ": " + first_bad +
                  (bad > 1 ? " (+" + std::to_string(bad - 1) + " more in this batch)" : ""),
              bad);
  return ok;
}

http::ClientOptions client_options() {
  http::ClientOptions o;
  o.timeout_ms = 120'000;  // the node answers within its own 30 s commit timeout
  return o;
}

}  // namespace

double tx_percentile(const std::vector<BatchSample>& b, double p) {
  if (b.empty()) return 0;
  std::vector<BatchSample> s = b;
  std::sort(s.begin(), s.end(),
            [](const BatchSample& x, const BatchSample& y) { return x.latency_ms < y.latency_ms; });
  uint64_t total = 0;
  for (const auto& x : s) total += x.txs;
  if (total == 0) return 0;
  // nearest rank over txs
  double rank = std::max(1.0, std::ceil(p / 100.0 * static_cast<double>(total)));
  uint64_t cum = 0;
  for (const auto& x : s) {
    cum += x.txs;
    if (static_cast<double>(cum) >= rank) return x.latency_ms;
  }
  return s.back().latency_ms;
}

RunResult run_peak(const std::string& host, unsigned short port,
                   const std::vector<ConnPlan>& plans) {
  return run_peak(host, std::vector<unsigned short>{port}, plans);
}

RunResult run_peak(const std::string& host, const std::vector<unsigned short>& ports,
                   const std::vector<ConnPlan>& plans) {
  if (ports.empty()) throw std::runtime_error("run_peak: no node to send to");
  const unsigned C = static_cast<unsigned>(plans.size());
  Collector col;
  uint64_t total = 0;
  for (const auto& p : plans)
    for (const auto& b : p.peak) total += b.txs;
  std::atomic<uint64_t> done{0}, ok_total{0};
  std::atomic<unsigned> finished{0};
  std::barrier sync(static_cast<std::ptrdiff_t>(C) + 1);
  std::vector<std::vector<BatchSample>> samples(C);
  std::vector<Clock::time_point> ends(C);
  Clock::time_point t0;
  std::vector<std::thread> ts;
  for (unsigned c = 0; c < C; ++c)
    ts.emplace_back([&, c] {
      http::Client cl(host, ports[c % ports.size()], client_options());
      try {
        cl.get("/healthz");  // connect before the clock starts
      } catch (...) {
      }
      sync.arrive_and_wait();
      for (size_t i = 0; i < plans[c].peak.size() && !interrupted(); ++i) {
        const Batch& b = plans[c].peak[i];
        auto s = Clock::now();
        ok_total += send_batch(cl, b, c, i, col);
        auto e = Clock::now();
        samples[c].push_back({std::chrono::duration<double, std::milli>(e - s).count(), b.txs});
        done += b.txs;
      }
      ends[c] = Clock::now();
      ++finished;
    });
  {
    Progress bar("peak run", total, "txs");
    t0 = Clock::now();
    sync.arrive_and_wait();
    while (finished.load() < C) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      bar.update(done.load());
    }
    for (auto& t : ts) t.join();
    bar.finish();
  }
  Clock::time_point end = t0;
  for (auto e : ends) end = std::max(end, e);
  RunResult r = std::move(col.r);
  r.seconds = std::chrono::duration<double>(end - t0).count();
  r.start = t0;
  r.sent = done.load();
  r.committed_ok = ok_total.load();
  for (auto& s : samples) r.batches.insert(r.batches.end(), s.begin(), s.end());
  return r;
}

RunResult run_paced(const std::string& host, unsigned short port,
                    const std::vector<ConnPlan>& plans, double rate, double seconds) {
  const unsigned C = static_cast<unsigned>(plans.size());
  Collector col;
  if (rate <= 0) throw std::runtime_error("paced run needs a positive rate");
  // Batches per connection: as many as fit in `seconds` at this rate, if pre-signed.
  unsigned per = plans[0].paced.empty() ? 1 : plans[0].paced[0].txs;
  double interval_s = static_cast<double>(C) * per / rate;
  size_t n_batches = static_cast<size_t>(seconds / interval_s);
  for (const auto& p : plans) n_batches = std::min(n_batches, p.paced.size());
  if (n_batches == 0) throw std::runtime_error("no pre-signed txs for the latency run");
  uint64_t total = 0;
  for (const auto& p : plans)
    for (size_t i = 0; i < n_batches; ++i) total += p.paced[i].txs;

  std::atomic<uint64_t> done{0}, ok_total{0}, late{0};
  std::atomic<unsigned> finished{0};
  std::atomic<int64_t> max_lag_us{0};
  std::barrier sync(static_cast<std::ptrdiff_t>(C) + 1);
  std::vector<std::vector<BatchSample>> samples(C);
  std::vector<Clock::time_point> ends(C);
  Clock::time_point t0;
  const auto interval =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(interval_s));
  std::vector<std::thread> ts;
  for (unsigned c = 0; c < C; ++c)
    ts.emplace_back([&, c] {
      http::Client cl(host, port, client_options());
      try {
        cl.get("/healthz");
      } catch (...) {
      }
      sync.arrive_and_wait();
      auto offset = interval * c / C;
      for (size_t k = 0; k < n_batches && !interrupted(); ++k) {
        const Batch& b = plans[c].paced[k];
        auto sched = t0 + offset + interval * static_cast<int64_t>(k);
        std::this_thread::sleep_until(sched);
        auto sent = Clock::now();
        auto lag = std::chrono::duration_cast<std::chrono::microseconds>(sent - sched).count();
        if (lag > 1000) ++late;
        int64_t prev = max_lag_us.load();
        while (lag > prev && !max_lag_us.compare_exchange_weak(prev, lag)) {
        }
        ok_total += send_batch(cl, b, c, k, col);
        auto e = Clock::now();
        samples[c].push_back({std::chrono::duration<double, std::milli>(e - sched).count(), b.txs});
        done += b.txs;
      }
      ends[c] = Clock::now();
      ++finished;
    });
  {
    Progress bar("latency run", total, "txs");
    t0 = Clock::now() + std::chrono::milliseconds(20);
    sync.arrive_and_wait();
    while (finished.load() < C) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      bar.update(done.load());
    }
    for (auto& t : ts) t.join();
    bar.finish();
  }
  Clock::time_point end = t0;
  for (auto e : ends) end = std::max(end, e);
  RunResult r = std::move(col.r);
  r.seconds = std::chrono::duration<double>(end - t0).count();
  r.sent = done.load();
  r.committed_ok = ok_total.load();
  r.late_batches = late.load();
  r.max_lag_ms = static_cast<double>(max_lag_us.load()) / 1000.0;
  for (auto& s : samples) r.batches.insert(r.batches.end(), s.begin(), s.end());
  return r;
}

std::vector<Batch> to_batches(std::vector<std::string>& envs, size_t b, size_t e, unsigned per) {
  std::vector<Batch> out;
  for (size_t i = b; i < e; i += per) {
    size_t end = std::min(e, i + per);
    Batch batch;
    batch.body = "{\"txs\":[";
    for (size_t k = i; k < end; ++k) {
      if (k > i) batch.body += ',';
      batch.body += envs[k];
      std::string().swap(envs[k]);
    }
    batch.body += "]}";
    batch.txs = static_cast<uint32_t>(end - i);
    out.push_back(std::move(batch));
  }
  return out;
}

}  // namespace tanso::bench
