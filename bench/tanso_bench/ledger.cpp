// `tanso-bench ledger`: the end-to-end ledger benchmark.
//
//   1. set-up     N accounts with deterministic Ed25519 keys and a genesis (bank issues KRW,
//                 every account holds a large balance), in a temp dir
//   2. verify     the Ed25519 verification ceiling on all cores (before the node runs, so
//                 nothing competes with it; it also sizes the latency run's tx pool)
//   3. sign       M holdings.transfer txs for the peak run plus ~latency-seconds at half the
//                 ceiling's rate for the latency run, on all cores, before any timing
//   4. node       tansod (next to this binary) as a child on a free loopback port
//   5. peak       closed loop: C connections POST /v1/txs/batch (wait=commit) back to back
//   6. latency    open loop at half the peak rate, batches of 100 on a fixed schedule
//   7. postgres   pgbench TPC-B on a throwaway PostgreSQL 15 cluster (after the node stopped)
//   8. report     table on stderr; with --json one JSON object as the last line on stdout
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cmath>
#include <fstream>
#include <iostream>

#include "commands.h"
#include "common.h"
#include "core/tx.h"
#include "load.h"
#include "node_process.h"
#include "postgres.h"
#include "verify_ceiling.h"

namespace tanso::bench {

namespace {

// The targets the ledger is built to meet (docs/PERFORMANCE.md).
constexpr double kTargetTxPerS = 30'000;
constexpr double kTargetVerifyRatio = 0.78;
constexpr double kTargetPostgresRatio = 7.0;
constexpr double kTargetP99Ms = 50.0;

struct LedgerOptions {
  bool json = false;
  uint64_t txs = 200'000;
  unsigned accounts = 4'000;
  unsigned connections = 8;
  unsigned batch = 500;
  int seconds_pg = 30;
  bool skip_postgres = false;
  bool keep = false;
  double latency_seconds = 10;
  unsigned latency_batch = 100;
  double verify_seconds = 3;
  std::string tansod;  // default: next to this binary
  std::vector<std::string> node_args;
  std::string pg_bin = "/usr/lib/postgresql/15/bin";
};

Json opt_num(std::optional<double> v) { return v ? Json(*v) : Json(); }

int run_ledger(const LedgerOptions& o) {
  const auto t_start = Clock::now();
  int exit_code = kExitOk;
  std::vector<std::string> problems;  // why the run is not valid (errors)

  // ---- environment and sanity checks (before anything expensive) ----
  if (o.txs == 0) throw std::runtime_error("--txs must be positive");
  if (o.accounts < 2 || o.accounts < o.connections) {
    std::cerr << "tanso-bench ledger: --accounts must be at least 2 and at least --connections "
                 "(each connection sends from accounts of its own)\n";
    return kExitUsage;
  }
  fs::path tansod = o.tansod.empty() ? self_dir() / "tansod" : fs::path(o.tansod);
  if (access(tansod.c_str(), X_OK) != 0)
    throw std::runtime_error(tansod.string() +
                             " not found or not executable (build the tansod target, or pass "
                             "--tansod PATH)");
  const Machine machine = Machine::probe("tanso-bench ledger");
  const unsigned cores = machine.cores;
  info("tansod: " + tansod.string());

  // ---- 1. set-up ----
  phase("1/7 set-up: " + fmt_int(o.accounts) + " accounts, genesis");
  TempDir dir("tanso-bench-");
  if (o.keep) dir.keep();
  info("work dir " + dir.path().string() + (o.keep ? " (kept)" : " (removed at the end)"));
  auto t = Clock::now();
  Workload w = make_workload(o.accounts);
  fs::path genesis = dir.path() / "genesis.json";
  {
    std::ofstream g(genesis, std::ios::binary);
    g << w.genesis;
    if (!g) throw std::runtime_error("cannot write " + genesis.string());
  }
  info("keys and genesis (" + fmt_num(static_cast<double>(w.genesis.size()) / 1e6, 1) + " MB) in " +
       fmt_num(seconds_since(t), 2) + " s");

  // ---- 2. verification ceiling ----
  phase("2/7 Ed25519 verification ceiling (" + std::to_string(cores) + " threads, " +
        fmt_num(o.verify_seconds, 1) + " s)");
  VerifyCeiling vc = measure_verify_ceiling(o.verify_seconds, 0);
  info(fmt_num(vc.per_s) + " verifications/s (" + fmt_num(vc.cpu_us_per_verify, 1) +
       " us of CPU each)");
  if (vc.failures) problems.push_back(fmt_int(vc.failures) + " signature verifications failed");
  if (interrupted()) return kExitInterrupted;

  // ---- 3. pre-sign ----
  // The latency run goes at half the peak rate, and the peak cannot beat the verification
  // ceiling (the node verifies every tx), so ceiling/2 * seconds (+25%) txs always last.
  SignSpec spec;
  spec.connections = o.connections;
  spec.peak_txs = o.txs;
  spec.peak_batch = o.batch;
  spec.paced_batch = o.latency_batch;
  {
    double want = std::ceil(o.latency_seconds * vc.per_s / 2 * 1.25);
    uint64_t unit = uint64_t{o.connections} * o.latency_batch;
    spec.paced_txs =
        std::max<uint64_t>(unit, (static_cast<uint64_t>(want) + unit - 1) / unit * unit);
  }
  phase("3/7 signing " + fmt_int(spec.peak_txs) + " peak + " + fmt_int(spec.paced_txs) +
        " latency-run txs on " + std::to_string(cores) + " threads");
  t = Clock::now();
  std::vector<ConnPlan> plans = presign(w, spec);
  double sign_s = seconds_since(t);
  info("signed " + fmt_int(spec.peak_txs + spec.paced_txs) + " txs in " + fmt_num(sign_s, 1) +
       " s (" + fmt_num((spec.peak_txs + spec.paced_txs) / sign_s) + "/s); " +
       std::to_string(o.connections) + " connections x " + fmt_int(plans[0].accounts.size()) +
       "+ accounts each");

  // ---- 4. node ----
  phase("4/7 starting tansod");
  NodeProcess node(tansod, dir.path(), genesis, o.node_args);
  node.start();
  info(node.command());
  std::string why;
  t = Clock::now();
  if (!node.wait_healthy(30, why)) {
    if (interrupted()) return kExitInterrupted;
    std::cerr << "tanso-bench: tansod did not become healthy: " << why << "\n"
              << node.log_tail(40) << std::flush;
    node.stop();
    return kExitNodeStart;
  }
  uint64_t h0 = node_height(node.host(), node.port()).value_or(0);
  info("healthy after " + fmt_num(seconds_since(t), 2) + " s at height " + fmt_int(h0));

  // ---- 5. peak ----
  phase("5/7 peak run: " + fmt_int(o.txs) + " txs, " + std::to_string(o.connections) +
        " connections, batches of " + std::to_string(o.batch) + ", wait=commit");
  double node_cpu0 = process_cpu_seconds(node.pid()), self_cpu0 = self_cpu_seconds();
  RunResult peak = run_peak(node.host(), node.port(), plans);
  double node_cpu = process_cpu_seconds(node.pid()) - node_cpu0;
  double client_cpu = self_cpu_seconds() - self_cpu0;
  const double load_peak = loadavg_1m();
  uint64_t h1 = node_height(node.host(), node.port()).value_or(h0);
  NodeMetrics nm = node_metrics(node.host(), node.port());
  if (!nm.text.empty()) {
    std::ofstream(dir.path() / "metrics-after-peak.txt") << nm.text;
    auto cm = nm.mean("tanso_block_commit_seconds");
    auto sm = nm.mean("tanso_submit_seconds");
    info("node: mean block commit " + (cm ? fmt_num(*cm * 1000, 1) + " ms" : "n/a") +
         ", mean submit (per request) " + (sm ? fmt_num(*sm * 1000, 1) + " ms" : "n/a"));
  }
  // CPU-normalized: tansod's CPU time per committed tx, against the CPU time of one
  // verification. Other load on the machine lowers tx_per_s but hardly these.
  const double node_cpu_us_per_tx =
      peak.committed_ok ? node_cpu * 1e6 / static_cast<double>(peak.committed_ok) : 0;
  const double verify_share =
      node_cpu_us_per_tx > 0 ? vc.cpu_us_per_verify / node_cpu_us_per_tx : 0;
  if (peak.seconds > 0)
    info("CPU during the peak: tansod " + fmt_num(node_cpu / peak.seconds, 2) +
         " cores, tanso-bench client " + fmt_num(client_cpu / peak.seconds, 2) + " cores, of " +
         std::to_string(cores) + "; load average " + fmt_num(load_peak, 2) + "; tansod " +
         fmt_num(node_cpu_us_per_tx, 1) +
         " us of CPU per tx (one verification: " + fmt_num(vc.cpu_us_per_verify, 1) + " us)");
  double tx_per_s = peak.seconds > 0 ? static_cast<double>(peak.committed_ok) / peak.seconds : 0;
  double p50_peak = tx_percentile(peak.batches, 50), p99_peak = tx_percentile(peak.batches, 99);
  uint64_t blocks = h1 > h0 ? h1 - h0 : 0;
  info(fmt_int(peak.committed_ok) + " committed in " + fmt_num(peak.seconds, 2) +
       " s = " + fmt_num(tx_per_s) + " tx/s; batch latency p50 " + fmt_num(p50_peak, 1) +
       " ms, p99 " + fmt_num(p99_peak, 1) + " ms; " + fmt_int(blocks) + " blocks (" +
       fmt_num(blocks ? static_cast<double>(peak.committed_ok) / blocks : 0, 0) + " txs/block)");
  for (const auto& e : peak.first_errors) warn(e);
  if (peak.errors)
    problems.push_back("peak run: " + fmt_int(peak.errors) +
                       " txs failed (first: " + peak.first_errors.front() + ")");

  // ---- 6. latency ----
  RunResult paced;
  double rate = tx_per_s / 2;
  bool paced_ran = false;
  if (interrupted()) {
  } else if (peak.errors) {
    warn(
        "latency run skipped: the peak run had errors, so the pre-signed nonces no longer line up");
  } else if (!node.running()) {
    problems.push_back("tansod exited during the peak run");
  } else {
    phase("6/7 latency run: " + fmt_num(rate) + " tx/s (half the peak), batches of " +
          std::to_string(o.latency_batch) + " on a fixed schedule, up to " +
          fmt_num(o.latency_seconds, 0) + " s");
    paced = run_paced(node.host(), node.port(), plans, rate, o.latency_seconds);
    paced_ran = true;
    if (paced.seconds < 0.8 * o.latency_seconds)
      warn("the latency run lasted only " + fmt_num(paced.seconds, 1) +
           " s: the pre-signed pool (sized from the verification ceiling, which was measured "
           "low) ran out");
    for (const auto& e : paced.first_errors) warn(e);
    if (paced.errors)
      problems.push_back("latency run: " + fmt_int(paced.errors) +
                         " txs failed (first: " + paced.first_errors.front() + ")");
    info(fmt_int(paced.committed_ok) + " committed in " + fmt_num(paced.seconds, 2) + " s (" +
         fmt_num(paced.seconds > 0 ? paced.committed_ok / paced.seconds : 0) + " tx/s); p50 " +
         fmt_num(tx_percentile(paced.batches, 50), 1) + " ms, p99 " +
         fmt_num(tx_percentile(paced.batches, 99), 1) + " ms; " + fmt_int(paced.late_batches) +
         " batches sent late (max " + fmt_num(paced.max_lag_ms, 1) + " ms behind schedule)");
  }
  double p50 = paced_ran ? tx_percentile(paced.batches, 50) : NAN;
  double p99 = paced_ran ? tx_percentile(paced.batches, 99) : NAN;
  plans.clear();
  plans.shrink_to_fit();

  // stop the node before postgres runs
  bool node_alive = node.running();
  t = Clock::now();
  int node_status = node.stop(10);
  info("tansod stopped (status " + std::to_string(node_status) + ", " +
       fmt_num(seconds_since(t), 2) + " s)");
  if (!node_alive) {
    problems.push_back("tansod exited during the run (status " + std::to_string(node_status) + ")");
    std::cerr << node.log_tail(30);
  } else if (node_status != 0) {
    warn("tansod exited with status " + std::to_string(node_status) + " on SIGTERM");
    std::cerr << node.log_tail(15);
  }

  // ---- 7. postgres ----
  PgResult pg;
  if (o.skip_postgres) {
    phase("7/7 PostgreSQL reference skipped (--skip-postgres)");
  } else if (!interrupted()) {
    phase("7/7 PostgreSQL 15 pgbench TPC-B: scale 10, -c 8 -j 2, " + std::to_string(o.seconds_pg) +
          " s, default settings (fsync on)");
    PgOptions po;
    po.bin_dir = o.pg_bin;
    po.seconds = o.seconds_pg;
    pg = run_postgres_reference(po);
    if (pg.tps) info("postgres_tps " + fmt_num(*pg.tps, 1));
    if (!pg.error.empty()) problems.push_back("postgres: " + pg.error);
  }
  if (interrupted()) {
    warn("interrupted");
    return kExitInterrupted;
  }

  // ---- 8. report ----
  uint64_t errors = peak.errors + paced.errors;
  std::optional<double> ratio_verify, ratio_pg;
  if (vc.per_s > 0) ratio_verify = tx_per_s / vc.per_s;
  if (pg.tps && *pg.tps > 0) ratio_pg = tx_per_s / *pg.tps;
  struct Target {
    std::string name, op;
    double threshold;
    std::optional<double> value;
    std::optional<bool> pass;
  };
  auto mk = [](std::string name, std::string op, double thr, std::optional<double> v) {
    Target tg{std::move(name), std::move(op), thr, v, std::nullopt};
    if (v && std::isfinite(*v)) tg.pass = tg.op == ">=" ? *v >= thr : *v <= thr;
    return tg;
  };
  std::vector<Target> targets = {
      mk("tx_per_s", ">=", kTargetTxPerS, tx_per_s),
      mk("tx_per_s/verify_ceiling_per_s", ">=", kTargetVerifyRatio, ratio_verify),
      mk("tx_per_s/postgres_tps", ">=", kTargetPostgresRatio, ratio_pg),
      mk("p99_ms", "<=", kTargetP99Ms, paced_ran ? std::optional<double>(p99) : std::nullopt),
  };

  phase("results");
  auto row = [](const std::string& k, const std::string& v, const std::string& tgt = "",
                const std::string& res = "") {
    char buf[256];
    std::snprintf(buf, sizeof buf, "%-32s %16s  %-12s %s", k.c_str(), v.c_str(), tgt.c_str(),
                  res.c_str());
    std::cerr << "   " << buf << "\n";
  };
  auto res_of = [](const Target& tg) { return tg.pass ? (*tg.pass ? "PASS" : "FAIL") : "n/a"; };
  auto fmt_ratio = [](std::optional<double> v) { return v ? fmt_num(*v, 2) + "x" : "n/a"; };
  row("metric", "value", "target", "result");
  row("tx_per_s (peak, committed)", fmt_num(tx_per_s), ">= 30,000", res_of(targets[0]));
  row("p50_ms (half-peak rate)", paced_ran ? fmt_num(p50, 1) : "n/a");
  row("p99_ms (half-peak rate)", paced_ran ? fmt_num(p99, 1) : "n/a", "<= 50", res_of(targets[3]));
  row("p50_peak_ms (batch)", fmt_num(p50_peak, 1));
  row("p99_peak_ms (batch)", fmt_num(p99_peak, 1));
  row("verify_ceiling_per_s", fmt_num(vc.per_s));
  row("tansod CPU us per tx", fmt_num(node_cpu_us_per_tx, 1));
  row("verify CPU us (share of tx)",
      fmt_num(vc.cpu_us_per_verify, 1) + " (" + fmt_num(verify_share * 100, 0) + "%)");
  row("tx_per_s / verify_ceiling", fmt_ratio(ratio_verify), ">= 0.78x", res_of(targets[1]));
  row("postgres_tps (pgbench TPC-B)", pg.tps ? fmt_num(*pg.tps, 1) : "n/a");
  row("tx_per_s / postgres_tps", fmt_ratio(ratio_pg), ">= 7x", res_of(targets[2]));
  row("errors", fmt_int(errors), "0", errors ? "FAIL" : "PASS");
  std::cerr << "   (txs " << fmt_int(o.txs) << ", accounts " << fmt_int(o.accounts)
            << ", connections " << o.connections << ", batch " << o.batch << "; total "
            << fmt_num(seconds_since(t_start), 0) << " s)\n";
  if (!problems.empty()) {
    exit_code = kExitErrors;
    std::cerr << "\n!! the run had errors, its numbers are not valid:\n";
    for (const auto& p : problems) std::cerr << "!!  - " << p << "\n";
  }
  if (o.keep) std::cerr << "   work dir kept: " << dir.path().string() << "\n";
  std::cerr << std::flush;

  if (o.json) {
    Json tj = Json::object();
    bool all = true;
    for (const auto& tg : targets) {
      tj[tg.name] = {{"op", tg.op},
                     {"threshold", tg.threshold},
                     {"value", opt_num(tg.value)},
                     {"pass", tg.pass ? Json(*tg.pass) : Json()}};
      all = all && tg.pass.value_or(false);
    }
    Json j = {
        {"bench", "ledger"},
        {"tx_per_s", tx_per_s},
        {"p50_ms", paced_ran ? Json(p50) : Json()},
        {"p99_ms", paced_ran ? Json(p99) : Json()},
        {"p50_peak_ms", p50_peak},
        {"p99_peak_ms", p99_peak},
        {"verify_ceiling_per_s", vc.per_s},
        {"postgres_tps", opt_num(pg.tps)},
        {"tx_per_s_over_verify_ceiling", opt_num(ratio_verify)},
        {"tx_per_s_over_postgres_tps", opt_num(ratio_pg)},
        {"txs", o.txs},
        {"accounts", o.accounts},
        {"connections", o.connections},
        {"batch", o.batch},
        {"errors", errors},
        {"targets", tj},
        {"all_targets_pass", all && errors == 0},
        {"valid", problems.empty()},
        {"problems", problems},
        {"peak",
         {{"committed", peak.committed_ok},
          {"seconds", peak.seconds},
          {"errors", peak.errors},
          {"blocks", blocks},
          {"first_errors", peak.first_errors}}},
        {"latency_run",
         {{"ran", paced_ran},
          {"rate_tx_per_s", rate},
          {"batch", o.latency_batch},
          {"committed", paced.committed_ok},
          {"seconds", paced.seconds},
          {"errors", paced.errors},
          {"late_batches", paced.late_batches},
          {"max_lag_ms", paced.max_lag_ms},
          {"first_errors", paced.first_errors}}},
        {"verify",
         {{"threads", vc.threads}, {"seconds", vc.seconds}, {"distinct_signatures", vc.distinct}}},
        {"postgres",
         {{"skipped", o.skip_postgres},
          {"seconds", o.seconds_pg},
          {"command", pg.run_command},
          {"settings", pg.settings},
          {"server_version", pg.version},
          {"latency_avg_ms", opt_num(pg.latency_ms)},
          {"error", pg.error.empty() ? Json() : Json(pg.error)}}},
        {"environment", machine.json(loadavg_1m())},
        {"node_command", node.command()},
        {"node_cpu_us_per_tx", node_cpu_us_per_tx},
        {"verify_cpu_us", vc.cpu_us_per_verify},
        {"verify_share_of_node_cpu", verify_share},
        {"node_after_peak",
         {{"cpu_cores_used", peak.seconds > 0 ? node_cpu / peak.seconds : 0.0},
          {"client_cpu_cores_used", peak.seconds > 0 ? client_cpu / peak.seconds : 0.0},
          {"loadavg_1m", load_peak},
          {"block_commit_ms_mean", nm.mean("tanso_block_commit_seconds")
                                       ? Json(*nm.mean("tanso_block_commit_seconds") * 1000)
                                       : Json()},
          {"submit_ms_mean", nm.mean("tanso_submit_seconds")
                                 ? Json(*nm.mean("tanso_submit_seconds") * 1000)
                                 : Json()}}},
        {"sign_seconds", sign_s},
        {"total_seconds", seconds_since(t_start)},
    };
    std::cout << j.dump() << std::endl;
  }
  return exit_code;
}

}  // namespace

CommandRunner setup_ledger_command(CLI::App& app) {
  auto* sub = app.add_subcommand(
      "ledger",
      "End-to-end ledger bench: tansod + pre-signed holdings.transfer txs over HTTP (peak tx/s, "
      "latency at half the peak), the Ed25519 verification ceiling, and pgbench TPC-B");
  sub->footer(
      "\nPhases: set-up (keys, genesis in a temp dir) -> verification ceiling -> pre-signing on\n"
      "all cores (untimed) -> tansod on a free 127.0.0.1 port -> peak run (closed loop, each\n"
      "connection POSTs /v1/txs/batch?wait=commit back to back) -> latency run (open loop at\n"
      "half the peak rate, batches of --latency-batch on a fixed schedule, latency from the\n"
      "scheduled send time) -> tansod stopped -> pgbench TPC-B on a throwaway PostgreSQL 15\n"
      "cluster (fsync on, defaults).\n"
      "Targets: tx_per_s >= 30,000; >= 0.78 x verify ceiling; >= 7 x postgres_tps; p99 <= 50 ms.\n"
      "Exit 0 whenever the run was valid, even if targets are missed; 1 if any tx failed or a\n"
      "phase failed; 2 if tansod did not start (its log is printed).\n"
      "Quick check: tanso-bench ledger --txs 20000 --accounts 800 --latency-seconds 3 "
      "--skip-postgres");
  auto o = std::make_shared<LedgerOptions>();
  sub->add_flag("--json", o->json,
                "Print one JSON object with every number as the last line on "
                "stdout");
  sub->add_option("--txs", o->txs, "Transfers in the peak run")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{100'000'000}));
  sub->add_option("--accounts", o->accounts, "Sending accounts (split across connections)")
      ->capture_default_str()
      ->check(CLI::Range(2u, 1'000'000u));
  sub->add_option("--connections", o->connections, "Client connections (one thread each)")
      ->capture_default_str()
      ->check(CLI::Range(1u, 512u));
  sub->add_option("--batch", o->batch, "Txs per POST /v1/txs/batch in the peak run")
      ->capture_default_str()
      ->check(CLI::Range(1u, 10'000u));
  sub->add_option("--seconds-pg", o->seconds_pg, "pgbench -T (seconds)")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  sub->add_flag("--skip-postgres", o->skip_postgres, "Do not run pgbench (postgres_tps = null)");
  sub->add_flag("--keep", o->keep,
                "Keep the work dir (genesis, node data, node logs) and print its path");
  sub->add_option("--latency-seconds", o->latency_seconds, "Length of the latency run")
      ->capture_default_str()
      ->check(CLI::Range(0.5, 600.0));
  sub->add_option("--latency-batch", o->latency_batch, "Txs per batch in the latency run")
      ->capture_default_str()
      ->check(CLI::Range(1u, 10'000u));
  sub->add_option("--verify-seconds", o->verify_seconds, "Length of the verification ceiling")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 600.0));
  sub->add_option("--tansod", o->tansod, "The node binary (default: tansod next to tanso-bench)");
  sub->add_option("--node-arg", o->node_args,
                  "Extra argument for tansod, repeatable (e.g. --node-arg=--block-interval-ms=20)")
      ->allow_extra_args(false);
  sub->add_option("--pg-bin", o->pg_bin, "PostgreSQL 15 binaries")->capture_default_str();
  return {sub, [o] { return run_ledger(*o); }};
}

}  // namespace tanso::bench
