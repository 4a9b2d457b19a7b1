// `tanso-bench market`: the market under load (issue 5 "Performance").
//
//   1. engine     the matching engine alone, in-process, before the node starts: the micro
//                 bench's stream (bench/market_stream.h) replayed on a fresh Book, --engine-reps
//                 times: engine_orders_per_s = operations / thread CPU seconds (median of
//                 the reps; the wall-clock rate beside it)
//   2. set-up     genesis: a regulator, an exchange (krx.ops), a bank issuing KRW, an
//                 instrument KAU-BENCH and N traders t-0001.. (deterministic keys) each holding
//                 KRW and KAU-BENCH
//   3. sign       market.create (a schedule that keeps the market in its continuous session for
//                 the next ~22 h), and for each of --rounds rounds --txs/--rounds market order txs
//                 and as many holdings.transfer txs (1 KRW) from the same traders, pre-signed on
//                 all cores, untimed. The order mix per trader: 45 % passive limit orders within
//                 10 ticks of the mid, 35 % crossing orders 3-10 ticks through it (they trade with
//                 the passive ones; what is left rests), 8 % far orders with a client_id (15-19
//                 ticks out: nothing reaches them), 6 % cancels and 6 % amends of the trader's own
//                 far orders by client_id; so no order tx is refused
//   4. node       tansod (next to this binary) on a free loopback port; market.create committed
//   5. load       rounds of an order run and a transfer run, closed loop, the same connections
//                 and batches (POST /v1/txs/batch?wait=commit), alternating which goes first:
//                 orders_tx_per_s and transfer_tx_per_s = committed / seconds over all rounds;
//                 rejections counted by code (there must be none); trades from the daily stats
//   6. report     table on stderr; with --json one JSON object as the last line on stdout
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <fstream>
#include <iostream>
#include <random>
#include <thread>

#include "../market_stream.h"
#include "commands.h"
#include "common.h"
#include "core/tx.h"
#include "http/client.h"
#include "load.h"
#include "node_process.h"

namespace tanso::bench {

namespace {

constexpr double kTargetEngine = 5'000'000;
constexpr double kTargetOrderRatio = 0.8;
constexpr const char* kMarket = "KAU-BENCH";
constexpr int64_t kMid = 10'000, kTick = 50;

struct MarketOptions {
  bool json = false;
  unsigned traders = 400;
  uint64_t txs = 40'000;  // per kind (orders, transfers), over all rounds
  unsigned rounds = 4;
  unsigned connections = 8;
  unsigned batch = 250;
  uint64_t engine_ops = 1'000'000;
  unsigned engine_reps = 5;
  bool keep = false;
  std::string tansod;
  std::vector<std::string> node_args;
};

KeyPair derived_key(const std::string& label) {
  Hash h = sha256("tanso-bench/market/" + label);
  std::array<uint8_t, 32> seed{};
  std::copy(h.begin(), h.end(), seed.begin());
  return keypair_from_seed(seed);
}

std::string trader_id(unsigned i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "t-%04u", i + 1);
  return buf;
}

struct World {
  std::string chain = "tanso-bench-market";
  KeyPair exchange, bank, regulator;
  std::vector<std::string> ids;
  std::vector<KeyPair> keys;
  std::string genesis;
};

World make_world(const MarketOptions& o, uint64_t now_ms) {
  World w;
  w.exchange = derived_key("krx.ops");
  w.bank = derived_key("bank");
  w.regulator = derived_key("regulator");
  Json accounts = Json::array(), balances = Json::array();
  auto account = [&](const std::string& id, const std::string& org, const KeyPair& k) {
    accounts.push_back({{"account", id}, {"org", org}, {"keys", {key_to_text(k.pub)}}});
  };
  account("regulator", "regulator", w.regulator);
  account("krx.ops", "krx", w.exchange);
  account("bank", "bank", w.bank);
  for (unsigned i = 0; i < o.traders; ++i) {
    w.ids.push_back(trader_id(i));
    w.keys.push_back(derived_key(w.ids.back()));
    account(w.ids.back(), "bench", w.keys.back());
    balances.push_back(
        {{"account", w.ids.back()}, {"instrument", "KRW"}, {"amount", "1000000000000"}});
    balances.push_back(
        {{"account", w.ids.back()}, {"instrument", kMarket}, {"amount", "10000000"}});
  }
  Json g = {
      {"chain_id", w.chain},
      {"time_ms", now_ms},
      {"orgs",
       {{{"org", "regulator"}, {"name", "Bench regulator"}, {"role", "regulator"}},
        {{"org", "krx"}, {"name", "Bench exchange"}, {"role", "exchange"}},
        {{"org", "bank"}, {"name", "Bench bank"}, {"role", "bank"}},
        {{"org", "bench"}, {"name", "Bench traders"}, {"role", "company"}}}},
      {"accounts", accounts},
      {"instruments",
       {{{"instrument", "KRW"}, {"issuer", "bank"}, {"name", "Korean won"}, {"unit", "KRW"}},
        {{"instrument", kMarket},
         {"issuer", "regulator"},
         {"name", "Bench allowance"},
         {"unit", "tCO2e"}}}},
      {"balances", balances},
  };
  w.genesis = g.dump();
  return w;
}

// market.create with a day that starts ~1 h before now (local time = UTC + offset), so the
// continuous session (00:00-23:59 local, every day) lasts ~22 h from the start of the run.
Json create_body(uint64_t now_ms) {
  int64_t utc_min = static_cast<int64_t>((now_ms / 60'000) % 1440);
  int64_t offset = 60 - utc_min;
  if (offset < -720) offset += 1440;
  return {{"market", kMarket},
          {"tick", kTick},
          {"base_price", kMid},
          {"schedule",
           {{"utc_offset_min", offset},
            {"pre_open_ms", 0},
            {"open_ms", 0},
            {"close_auction_ms", 86'340'000},
            {"close_ms", 86'400'000},
            {"lock_ms", 0},
            {"weekdays_only", false}}}};
}

// One trader's order txs, in its nonce order (see the mix at the top).
struct OrderMix {
  std::mt19937_64 rng;
  std::vector<std::string> far;  // open far orders' client ids, oldest first
  uint64_t next_cid = 1;
  std::map<std::string, uint64_t>* kinds;
  int64_t uni(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo + 1));
  }
  std::pair<std::string, Json> next() {
    int64_t r = uni(0, 99);
    bool buy = uni(0, 1) == 1;
    auto order = [&](int64_t ticks_out, int64_t qty) {
      return Json{{"market", kMarket},
                  {"side", buy ? "buy" : "sell"},
                  {"price", buy ? kMid - ticks_out * kTick : kMid + ticks_out * kTick},
                  {"qty", qty}};
    };
    if (r < 45) {
      ++(*kinds)["passive"];
      return {"market.order.place", order(uni(1, 10), uni(1, 20))};
    }
    if (r < 80) {
      ++(*kinds)["crossing"];
      return {"market.order.place", order(-uni(3, 10), uni(1, 40))};
    }
    if (r >= 88 && !far.empty()) {
      if (r < 94) {
        ++(*kinds)["cancel"];
        std::string cid = far.front();
        far.erase(far.begin());
        return {"market.order.cancel", {{"market", kMarket}, {"client_id", cid}}};
      }
      ++(*kinds)["amend"];
      const std::string& cid =
          far[static_cast<size_t>(uni(0, static_cast<int64_t>(far.size()) - 1))];
      // Which side the order is on is in its client id: a far buy stays far below the mid.
      bool was_buy = cid[0] == 'b';
      int64_t out = uni(15, 19);
      return {"market.order.amend",
              {{"market", kMarket},
               {"client_id", cid},
               {"price", was_buy ? kMid - out * kTick : kMid + out * kTick},
               {"qty", uni(1, 10)}}};
    }
    ++(*kinds)["far"];
    std::string cid = std::string(buy ? "b" : "s") + std::to_string(next_cid++);
    far.push_back(cid);
    Json b = order(uni(15, 19), uni(1, 10));
    b["client_id"] = cid;
    return {"market.order.place", b};
  }
};

std::string sign_one(const World& w, const std::string& type, const std::string& from,
                     uint64_t nonce, const Json& body, const KeyPair& key) {
  Payload p;
  p.chain = w.chain;
  p.type = type;
  p.from = from;
  p.nonce = nonce;
  p.expires = 1'000'000'000;
  p.body = body;
  return sign_envelope(payload_text(p), w.chain, {&key});
}

struct RunPlan {
  bool orders = false;
  std::vector<ConnPlan> plans;
};

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

int run_market(const MarketOptions& o) {
  const auto t_start = Clock::now();
  std::vector<std::string> problems;
  if (o.traders < o.connections || o.traders < 2) {
    std::cerr << "tanso-bench market: --traders must be at least 2 and at least --connections\n";
    return kExitUsage;
  }
  const uint64_t per_round = o.txs / o.rounds;
  if (per_round == 0) {
    std::cerr << "tanso-bench market: --txs must be at least --rounds\n";
    return kExitUsage;
  }
  // A trader's resting orders must stay under the ledger's 200 open orders per account.
  if (per_round * o.rounds / o.traders + 1 > 190) {
    std::cerr << "tanso-bench market: at most 190 order txs per trader (raise --traders)\n";
    return kExitUsage;
  }
  fs::path tansod = o.tansod.empty() ? self_dir() / "tansod" : fs::path(o.tansod);
  if (access(tansod.c_str(), X_OK) != 0)
    throw std::runtime_error(tansod.string() + " not found or not executable (--tansod PATH)");
  init_crypto();
  const Machine machine = Machine::probe("tanso-bench market");
  const double load0 = machine.load0;

  // ---- 1. engine ----
  phase("1/6 matching engine alone: " + fmt_int(o.engine_ops) +
        " operations (bench/market_stream.h), " + std::to_string(o.engine_reps) +
        " replays on one core");
  using namespace market::benchstream;
  // Rates per second of this thread's CPU time (as Google Benchmark reports the micro bench),
  // so other load on the machine hardly moves them; wall-clock rates beside them.
  auto thread_cpu = [] {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
  };
  std::vector<double> engine_rates, engine_wall_rates;
  uint64_t engine_fills = 0, engine_resting = 0;
  {
    Stream s = make_stream(o.engine_ops);
    for (unsigned rep = 0; rep < o.engine_reps && !interrupted(); ++rep) {
      auto t0 = Clock::now();
      double c0 = thread_cpu();
      EngineRun r = replay_engine(s);
      double cpu = thread_cpu() - c0;
      double sec = seconds_since(t0);
      if (r.refused || r.fills != s.fills || r.volume != s.volume)
        problems.push_back("engine replay differs from the generated stream");
      engine_fills = r.fills;
      engine_resting = r.resting;
      engine_rates.push_back(static_cast<double>(s.ops.size()) / cpu);
      engine_wall_rates.push_back(static_cast<double>(s.ops.size()) / sec);
      info("replay " + std::to_string(rep + 1) + ": " + fmt_num(cpu * 1000, 1) + " ms CPU (" +
           fmt_num(sec * 1000, 1) + " ms wall) = " + fmt_num(engine_rates.back()) + " ops/s");
    }
  }
  const double engine_per_s = median(engine_rates);
  const double engine_wall_per_s = median(engine_wall_rates);
  if (interrupted()) return kExitInterrupted;

  // ---- 2. set-up ----
  phase("2/6 set-up: exchange, bank (KRW), " + std::string(kMarket) + ", " + fmt_int(o.traders) +
        " traders with KRW and units in genesis");
  TempDir dir("tanso-bench-market-");
  if (o.keep) dir.keep();
  uint64_t now_ms = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                              std::chrono::system_clock::now().time_since_epoch())
                                              .count());
  World w = make_world(o, now_ms);
  fs::path genesis = dir.path() / "genesis.json";
  std::ofstream(genesis, std::ios::binary) << w.genesis;

  // ---- 3. sign ----
  const std::string create_env =
      sign_one(w, "market.create", "krx.ops", 1, create_body(now_ms), w.exchange);
  std::map<std::string, uint64_t> kinds;
  std::vector<RunPlan> runs;
  {
    std::vector<bool> order_run;  // round r: orders first when r is odd
    for (unsigned r = 0; r < o.rounds; ++r) {
      order_run.push_back(r % 2 == 1);
      order_run.push_back(r % 2 == 0);
    }
    struct Desc {
      uint32_t from;
      uint64_t nonce;
      std::string type;
      Json body;
    };
    std::vector<Desc> descs;
    std::vector<uint64_t> nonce(o.traders, 0);
    std::vector<OrderMix> mix;
    for (unsigned i = 0; i < o.traders; ++i)
      mix.push_back({std::mt19937_64(1000 + i), {}, 1, &kinds});
    const unsigned C = o.connections;
    std::vector<std::vector<std::pair<size_t, size_t>>> ranges(order_run.size());
    for (size_t run = 0; run < order_run.size(); ++run) {
      for (unsigned c = 0; c < C; ++c) {
        std::vector<unsigned> mine;
        for (unsigned a = c; a < o.traders; a += C) mine.push_back(a);
        uint64_t n = per_round / C + (c < per_round % C ? 1 : 0);
        size_t begin = descs.size();
        for (uint64_t j = 0; j < n; ++j) {
          unsigned a = mine[j % mine.size()];
          Desc d{a, ++nonce[a], "", {}};
          if (order_run[run]) {
            std::tie(d.type, d.body) = mix[a].next();
          } else {
            d.type = "holdings.transfer";
            d.body = {{"instrument", "KRW"}, {"to", w.ids[(a + 1) % o.traders]}, {"amount", "1"}};
          }
          descs.push_back(std::move(d));
        }
        ranges[run].push_back({begin, descs.size()});
      }
    }
    std::string mix_text;
    for (const auto& [k, n] : kinds)
      mix_text += (mix_text.empty() ? "" : ", ") + k + " " + fmt_int(n);
    phase("3/6 signing: " + fmt_int(descs.size()) + " txs (orders: " + mix_text + ")");
    std::vector<std::string> all(descs.size());
    Progress bar("signing", descs.size(), "txs");
    parallel(descs.size(), &bar, [&](uint64_t i) {
      const Desc& d = descs[i];
      all[i] = sign_one(w, d.type, w.ids[d.from], d.nonce, d.body, w.keys[d.from]);
    });
    bar.finish();
    for (size_t run = 0; run < order_run.size(); ++run) {
      RunPlan rp;
      rp.orders = order_run[run];
      rp.plans.resize(C);
      for (unsigned c = 0; c < C; ++c)
        rp.plans[c].peak = to_batches(all, ranges[run][c].first, ranges[run][c].second, o.batch);
      runs.push_back(std::move(rp));
    }
  }

  // ---- 4. node ----
  phase("4/6 starting tansod, market.create");
  NodeProcess node(tansod, dir.path(), genesis, o.node_args);
  node.start();
  info(node.command());
  std::string why;
  if (!node.wait_healthy(60, why)) {
    if (interrupted()) return kExitInterrupted;
    std::cerr << "tanso-bench: tansod did not become healthy: " << why << "\n"
              << node.log_tail(40) << std::flush;
    return kExitNodeStart;
  }
  http::ClientOptions copts;
  copts.timeout_ms = 120'000;
  http::Client cl(node.host(), node.port(), copts);
  cl.get("/healthz");
  uint64_t errors = 0;
  {
    http::Response cr = cl.post("/v1/txs", create_env);
    Json cj = Json::parse(cr.body, nullptr, false);
    if (cr.status != 200 || cj.is_discarded() || cj.value("code", "") != "ok") {
      ++errors;
      problems.push_back("market.create: HTTP " + std::to_string(cr.status) + " " +
                         cr.body.substr(0, 300));
    }
  }

  // ---- 5. load ----
  phase("5/6 load: " + std::to_string(o.rounds) + " rounds x (" + fmt_int(per_round) +
        " order txs + " + fmt_int(per_round) + " transfers), " + std::to_string(o.connections) +
        " connections, batches of " + std::to_string(o.batch) + ", wait=commit");
  struct Sum {
    uint64_t ok = 0, errors = 0;
    double seconds = 0;
    std::vector<BatchSample> batches;
    std::vector<double> per_run;
    std::map<std::string, uint64_t> codes;
    double node_cpu = 0;  // tansod's CPU seconds during the runs
  } sum[2];               // [0] transfer, [1] orders
  for (size_t i = 0; i < runs.size() && !interrupted() && errors == 0; ++i) {
    auto& s = sum[runs[i].orders ? 1 : 0];
    double cpu0 = process_cpu_seconds(node.pid());
    RunResult r = run_peak(node.host(), node.port(), runs[i].plans);
    s.node_cpu += process_cpu_seconds(node.pid()) - cpu0;
    s.ok += r.committed_ok;
    s.errors += r.errors;
    s.seconds += r.seconds;
    s.batches.insert(s.batches.end(), r.batches.begin(), r.batches.end());
    for (const auto& [c, n] : r.codes) s.codes[c] += n;
    double rate = r.seconds > 0 ? r.committed_ok / r.seconds : 0;
    s.per_run.push_back(rate);
    info(std::string(runs[i].orders ? "orders   " : "transfer ") + " run " +
         std::to_string(i / 2 + 1) + ": " + fmt_int(r.committed_ok) + " in " +
         fmt_num(r.seconds, 2) + " s = " + fmt_num(rate) + " tx/s (load " +
         fmt_num(loadavg_1m(), 2) + ")");
    for (const auto& e : r.first_errors) warn(e);
    errors += r.errors;
    if (r.errors)
      problems.push_back(std::string(runs[i].orders ? "order" : "transfer") + " run: " +
                         fmt_int(r.errors) + " txs failed (first: " + r.first_errors.front() + ")");
  }
  if (errors && !problems.empty())
    warn("stopped after errors: the pre-signed nonces no longer line up");
  const double transfer_per_s = sum[0].seconds > 0 ? sum[0].ok / sum[0].seconds : 0;
  const double orders_per_s = sum[1].seconds > 0 ? sum[1].ok / sum[1].seconds : 0;
  const double ratio = transfer_per_s > 0 ? orders_per_s / transfer_per_s : 0;
  const double load_end = loadavg_1m();
  // CPU-normalized view, hardly affected by other load on the machine: tansod's CPU time per
  // committed tx of each kind, and the ratio the throughput ratio would have if CPU-bound.
  const double transfer_cpu_us = sum[0].ok ? sum[0].node_cpu * 1e6 / sum[0].ok : 0;
  const double orders_cpu_us = sum[1].ok ? sum[1].node_cpu * 1e6 / sum[1].ok : 0;
  const double cpu_ratio = orders_cpu_us > 0 ? transfer_cpu_us / orders_cpu_us : 0;

  // What the orders did: trades (daily stats) and what rests (depth).
  uint64_t trades = 0, volume = 0, resting = 0;
  {
    auto r = cl.get(std::string("/v1/markets/") + kMarket + "/daily");
    Json j = Json::parse(r.body, nullptr, false);
    if (r.status == 200 && !j.is_discarded())
      for (const auto& d : j.value("days", Json::array())) {
        trades += d.value("trades", uint64_t{0});
        volume += d.value("volume", uint64_t{0});
      }
    else
      problems.push_back("GET daily: HTTP " + std::to_string(r.status));
    auto dr = cl.get(std::string("/v1/markets/") + kMarket + "/depth?levels=100");
    Json dj = Json::parse(dr.body, nullptr, false);
    if (dr.status == 200 && !dj.is_discarded())
      for (const char* side : {"bids", "asks"})
        for (const auto& l : dj.value(side, Json::array()))
          resting += l.value("orders", uint64_t{0});
  }
  if (errors == 0 && sum[1].ok > 0 && trades == 0)
    problems.push_back("no trades: the mix did not cross");
  bool alive = node.running();
  int status = node.stop(10);
  if (!alive)
    problems.push_back("tansod exited during the run (status " + std::to_string(status) + ")");
  if (interrupted()) return kExitInterrupted;

  // ---- report ----
  phase("6/6 results");
  bool engine_pass = engine_per_s >= kTargetEngine;
  bool ratio_pass = ratio >= kTargetOrderRatio;
  auto row = [](const std::string& k, const std::string& v, const std::string& tgt = "",
                const std::string& res = "") {
    char buf[256];
    std::snprintf(buf, sizeof buf, "%-34s %14s  %-12s %s", k.c_str(), v.c_str(), tgt.c_str(),
                  res.c_str());
    std::cerr << "   " << buf << "\n";
  };
  row("metric", "value", "target", "result");
  row("engine_orders_per_s (CPU time)", fmt_num(engine_per_s), ">= 5,000,000",
      engine_pass ? "PASS" : "FAIL");
  row("engine, wall clock", fmt_num(engine_wall_per_s));
  row("orders_tx_per_s", fmt_num(orders_per_s));
  row("transfer_tx_per_s", fmt_num(transfer_per_s));
  row("orders_over_transfer", fmt_num(ratio, 2) + "x", ">= 0.8x", ratio_pass ? "PASS" : "FAIL");
  row("node CPU us per order tx", fmt_num(orders_cpu_us, 1));
  row("node CPU us per transfer", fmt_num(transfer_cpu_us, 1));
  row("transfer_cpu / order_cpu", fmt_num(cpu_ratio, 2) + "x");
  row("orders p99 batch ms", fmt_num(tx_percentile(sum[1].batches, 99), 1));
  row("transfer p99 batch ms", fmt_num(tx_percentile(sum[0].batches, 99), 1));
  row("trades (volume t)", fmt_int(trades) + " (" + fmt_int(volume) + ")");
  row("orders resting at the end", fmt_int(resting));
  row("errors", fmt_int(errors), "0", errors ? "FAIL" : "PASS");
  for (int k = 1; k >= 0; --k)
    for (const auto& [c, n] : sum[k].codes)
      row(std::string(k ? "  order" : "  transfer") + " rejected " + c, fmt_int(n));
  std::cerr << "   (total " << fmt_num(seconds_since(t_start), 0) << " s; load average "
            << fmt_num(load0, 2) << " at start, " << fmt_num(load_end, 2) << " at the end)\n";
  if (!problems.empty()) {
    std::cerr << "\n!! the run had errors, its numbers are not valid:\n";
    for (const auto& p : problems) std::cerr << "!!  - " << p << "\n";
  }
  if (o.keep) std::cerr << "   work dir kept: " << dir.path().string() << "\n";
  if (o.json) {
    Json j = {
        {"bench", "market"},
        {"engine_orders_per_s", engine_per_s},
        {"engine_runs_orders_per_s", engine_rates},
        {"engine_wall_orders_per_s", engine_wall_per_s},
        {"engine_ops", o.engine_ops},
        {"engine_fills", engine_fills},
        {"engine_resting", engine_resting},
        {"orders_tx_per_s", orders_per_s},
        {"transfer_tx_per_s", transfer_per_s},
        {"orders_over_transfer", ratio},
        {"orders_runs_tx_per_s", sum[1].per_run},
        {"transfer_runs_tx_per_s", sum[0].per_run},
        {"orders_node_cpu_us_per_tx", orders_cpu_us},
        {"transfer_node_cpu_us_per_tx", transfer_cpu_us},
        {"transfer_cpu_over_orders_cpu", cpu_ratio},
        {"orders_p99_batch_ms", tx_percentile(sum[1].batches, 99)},
        {"transfer_p99_batch_ms", tx_percentile(sum[0].batches, 99)},
        {"order_txs_ok", sum[1].ok},
        {"transfers_ok", sum[0].ok},
        {"order_mix", kinds},
        {"trades", trades},
        {"traded_volume", volume},
        {"resting_orders_at_end", resting},
        {"order_rejections_by_code", sum[1].codes},
        {"transfer_rejections_by_code", sum[0].codes},
        {"traders", o.traders},
        {"txs_per_kind", per_round * o.rounds},
        {"rounds", o.rounds},
        {"connections", o.connections},
        {"batch", o.batch},
        {"targets",
         {{"engine_orders_per_s", target_json(">=", kTargetEngine, engine_per_s, engine_pass)},
          {"orders_over_transfer", target_json(">=", kTargetOrderRatio, ratio, ratio_pass)}}},
        {"all_targets_pass", engine_pass && ratio_pass && errors == 0},
        {"errors", errors},
        {"valid", problems.empty()},
        {"problems", problems},
        {"environment", machine.json(load_end)},
        {"node_command", node.command()},
        {"total_seconds", seconds_since(t_start)},
    };
    std::cout << j.dump() << std::endl;
  }
  return problems.empty() ? kExitOk : kExitErrors;
}

}  // namespace

CommandRunner setup_market_command(CLI::App& app) {
  auto* sub = app.add_subcommand(
      "market",
      "Market bench: the matching engine alone (orders/s), then signed market order txs "
      "against holdings.transfer throughput through the node in the same run");
  sub->footer(
      "\nPhases: the matching engine alone, in-process, on the micro bench's stream\n"
      "(bench/market_stream.h: 70 % limit orders, 20 % cancels, 10 % amends) -> genesis (an\n"
      "exchange, a bank issuing KRW, KAU-BENCH, N traders t-0001.. holding both) -> pre-signing\n"
      "(untimed): market.create, and per round --txs/--rounds order txs (45 % passive, 35 %\n"
      "crossing, far orders with client ids, their cancels and amends) and as many 1-KRW\n"
      "transfers from the same traders -> tansod on a free 127.0.0.1 port -> --rounds rounds of\n"
      "an order run and a transfer run (closed loop, same connections and batches, alternating\n"
      "which goes first).\n"
      "Targets: engine_orders_per_s >= 5,000,000; orders_tx_per_s >= 0.8 x transfer_tx_per_s;\n"
      "errors 0 (rejections are counted by code). Exit 0 when the run was valid (even if\n"
      "targets are missed), 1 on errors, 2 if tansod did not start.\n"
      "Quick check: tanso-bench market --txs 4000 --traders 100");
  auto o = std::make_shared<MarketOptions>();
  sub->add_flag("--json", o->json,
                "Print one JSON object with every number as the last stdout line");
  sub->add_option("--traders", o->traders, "Trading accounts (each sends orders and transfers)")
      ->capture_default_str()
      ->check(CLI::Range(2u, 100'000u));
  sub->add_option("--txs", o->txs, "Order txs, and as many transfers, over all rounds")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{10'000'000}));
  sub->add_option("--rounds", o->rounds, "Rounds of (order run, transfer run)")
      ->capture_default_str()
      ->check(CLI::Range(1u, 100u));
  sub->add_option("--connections", o->connections, "Client connections (one thread each)")
      ->capture_default_str()
      ->check(CLI::Range(1u, 512u));
  sub->add_option("--batch", o->batch, "Txs per POST /v1/txs/batch")
      ->capture_default_str()
      ->check(CLI::Range(1u, 10'000u));
  sub->add_option("--engine-ops", o->engine_ops, "Operations in the engine-alone stream")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1'000}, uint64_t{100'000'000}));
  sub->add_option("--engine-reps", o->engine_reps, "Engine replays (the median is reported)")
      ->capture_default_str()
      ->check(CLI::Range(1u, 100u));
  sub->add_flag("--keep", o->keep, "Keep the work dir (genesis, node data, logs)");
  sub->add_option("--tansod", o->tansod, "The node binary (default: tansod next to tanso-bench)");
  sub->add_option("--node-arg", o->node_args, "Extra argument for tansod, repeatable")
      ->allow_extra_args(false);
  return {sub, [o] { return run_market(*o); }};
}

}  // namespace tanso::bench
