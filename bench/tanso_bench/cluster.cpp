// `tanso-bench cluster`: the network mode under load (issue 6 "Performance", docs/CLUSTER.md).
//
//   1. etcd       3 members on free loopback ports, fresh data dirs (etcd from PATH)
//   2. genesis    the ledger bench's accounts (load.h) plus a network of 3 nodes (regulator-1,
//                 bank-1, bench-1) with deterministic node keys in <node dir>/data/node_key.json
//   3. ceiling    the Ed25519 verification ceiling of this machine (before anything runs)
//   4. sign       holdings.transfer txs from --accounts accounts, pre-signed on all cores, untimed
//   5. nodes      3 tansod (next to this binary) with --cluster-etcd and --node-id
//   6. load       closed loop: connection i sends its batches to node i % 3
//                 (POST /v1/txs/batch?wait=commit); tx_per_s = txs committed / (first send ->
//                 every node at the final height); p50/p99 = submit -> committed on the receiving
//                 node, per tx
//   7. check      same block hash at the final height on every node, every node counted every tx
//   8. etcd puts  the nodes stopped, N clients PUT through the JSON gateway (/v3/kv/put) of the
//                 same cluster: small values, then values the size of the run's mean batch
//   9. report     table on stderr; with --json one JSON object as the last line on stdout
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <barrier>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>

#include "commands.h"
#include "common.h"
#include "core/tx.h"
#include "http/client.h"
#include "load.h"
#include "node/keyfile.h"
#include "node_process.h"
#include "ordering/etcd_log.h"
#include "verify_ceiling.h"

namespace tanso::bench {

namespace {

constexpr double kTargetTxPerS = 8'000;
constexpr double kTargetP99Ms = 250;
constexpr unsigned kNodes = 3;
const char* const kNodeIds[kNodes] = {"regulator-1", "bank-1", "bench-1"};
const char* const kNodeOrgs[kNodes] = {"regulator", "bank", "bench"};

struct ClusterOptions {
  bool json = false;
  uint64_t txs = 100'000;
  unsigned accounts = 3'000;
  unsigned connections = 2;  // per node
  unsigned batch = 250;
  unsigned etcd_clients = 8;
  double etcd_seconds = 3;
  double verify_seconds = 2;
  bool keep = false;
  std::string tansod;
  std::string etcd = "etcd";
  std::vector<std::string> node_args;
  std::vector<std::string> etcd_args;
};

// ---- etcd ----

struct EtcdMember {
  unsigned short client = 0, peer = 0;
  Subprocess proc;
  double cpu0 = 0;
};

// `name` as given if it has a '/', else the first executable of that name on PATH.
std::string find_program(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = std::getenv("PATH");
  std::string p = path ? path : "/usr/local/bin:/usr/bin:/bin";
  for (size_t a = 0, b; a <= p.size(); a = b + 1) {
    b = p.find(':', a);
    if (b == std::string::npos) b = p.size();
    fs::path cand = fs::path(p.substr(a, b - a)) / name;
    if (b > a && access(cand.c_str(), X_OK) == 0) return cand.string();
  }
  return name;
}

bool etcd_healthy(unsigned short port) {
  try {
    http::ClientOptions o;
    o.timeout_ms = 1000;
    http::Client c("127.0.0.1", port, o);
    auto r = c.get("/health");
    return r.status == 200 && r.body.find("\"true\"") != std::string::npos;
  } catch (...) {
    return false;
  }
}

// Starts n members; false (with `why`) if they do not all report healthy (a leader) in 30 s.
bool start_etcd(const ClusterOptions& o, const fs::path& dir, std::vector<EtcdMember>& ms,
                std::string& why) {
  std::string initial;
  for (size_t i = 0; i < ms.size(); ++i) {
    ms[i].client = free_tcp_port();
    ms[i].peer = free_tcp_port();
    initial += (i ? "," : "") + std::string("e") + std::to_string(i) +
               "=http://127.0.0.1:" + std::to_string(ms[i].peer);
  }
  for (size_t i = 0; i < ms.size(); ++i) {
    std::string c = "http://127.0.0.1:" + std::to_string(ms[i].client);
    std::string p = "http://127.0.0.1:" + std::to_string(ms[i].peer);
    std::vector<std::string> argv = {find_program(o.etcd),
                                     "--name",
                                     "e" + std::to_string(i),
                                     "--data-dir",
                                     (dir / "etcd" / ("e" + std::to_string(i))).string(),
                                     "--listen-client-urls",
                                     c,
                                     "--advertise-client-urls",
                                     c,
                                     "--listen-peer-urls",
                                     p,
                                     "--initial-advertise-peer-urls",
                                     p,
                                     "--initial-cluster",
                                     initial,
                                     "--initial-cluster-state",
                                     "new",
                                     "--initial-cluster-token",
                                     "tanso-bench-" + std::to_string(getpid())};
    argv.insert(argv.end(), o.etcd_args.begin(), o.etcd_args.end());
    fs::path log = dir / ("etcd-e" + std::to_string(i) + ".log");
    ms[i].proc.start(argv, log, log);
    if (i == 0) info(join_args(argv));
  }
  auto t0 = Clock::now();
  for (auto& m : ms) {
    while (!etcd_healthy(m.client)) {
      if (!m.proc.running()) {
        why = "etcd on port " + std::to_string(m.client) + " exited";
        return false;
      }
      if (interrupted() || seconds_since(t0) > 30) {
        why = interrupted() ? "interrupted" : "etcd not healthy within 30 s";
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  return true;
}

struct PutRate {
  size_t value_bytes = 0;
  uint64_t puts = 0, errors = 0;
  double seconds = 0, per_s = 0, p50_ms = 0, p99_ms = 0;
  double cores = 0;  // CPU of the etcd members during the phase
  std::string first_error;
};

// `clients` threads, each with one keep-alive connection to member i % members, PUT values of
// `value_bytes` under 16 keys of their own, back to back, for `seconds`.
PutRate etcd_put_rate(std::vector<EtcdMember>& ms, unsigned clients, size_t value_bytes,
                      double seconds, const std::string& tag) {
  PutRate out;
  out.value_bytes = value_bytes;
  double cpu0 = 0;
  for (const auto& m : ms) cpu0 += std::max(0.0, process_cpu_seconds(m.proc.pid()));
  const std::string value(value_bytes, 'x');
  const std::string v64 = base64_encode(value);
  std::vector<std::vector<std::string>> bodies(clients);
  for (unsigned c = 0; c < clients; ++c)
    for (int k = 0; k < 16; ++k) {
      std::string key =
          "/tanso-bench/raw/" + tag + "/" + std::to_string(c) + "/" + std::to_string(k);
      bodies[c].push_back("{\"key\":\"" + base64_encode(key) + "\",\"value\":\"" + v64 + "\"}");
    }
  std::mutex mu;
  std::vector<double> lat;
  std::atomic<uint64_t> puts{0}, errors{0};
  std::barrier sync(static_cast<std::ptrdiff_t>(clients) + 1);
  Clock::time_point t0;
  std::vector<std::thread> ts;
  for (unsigned c = 0; c < clients; ++c)
    ts.emplace_back([&, c] {
      http::ClientOptions co;
      co.timeout_ms = 10'000;
      http::Client cl("127.0.0.1", ms[c % ms.size()].client, co);
      std::vector<double> mine;
      try {
        cl.get("/health");
      } catch (...) {
      }
      sync.arrive_and_wait();
      const auto end =
          t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
      for (size_t i = 0; Clock::now() < end && !interrupted(); ++i) {
        auto s = Clock::now();
        std::string err;
        try {
          auto r = cl.post("/v3/kv/put", bodies[c][i % 16]);
          if (r.status != 200)
            err = "HTTP " + std::to_string(r.status) + " " + r.body.substr(0, 200);
        } catch (const std::exception& e) {
          err = e.what();
        }
        if (!err.empty()) {
          ++errors;
          std::lock_guard lk(mu);
          if (out.first_error.empty()) out.first_error = err;
          continue;
        }
        ++puts;
        mine.push_back(std::chrono::duration<double, std::milli>(Clock::now() - s).count());
      }
      std::lock_guard lk(mu);
      lat.insert(lat.end(), mine.begin(), mine.end());
    });
  t0 = Clock::now();
  sync.arrive_and_wait();
  for (auto& t : ts) t.join();
  out.seconds = seconds_since(t0);
  out.puts = puts.load();
  out.errors = errors.load();
  out.per_s = out.seconds > 0 ? out.puts / out.seconds : 0;
  double cpu1 = 0;
  for (const auto& m : ms) cpu1 += std::max(0.0, process_cpu_seconds(m.proc.pid()));
  out.cores = out.seconds > 0 ? (cpu1 - cpu0) / out.seconds : 0;
  out.p50_ms = percentile(lat, 50);
  out.p99_ms = percentile(lat, 99);
  return out;
}

// Deletes the raw-put keys (so the cluster is left as the run found it).
void etcd_delete_raw(const std::vector<EtcdMember>& ms) {
  try {
    http::Client cl("127.0.0.1", ms[0].client);
    std::string k = "/tanso-bench/raw/", end = "/tanso-bench/raw0";
    cl.post("/v3/kv/deleterange",
            "{\"key\":\"" + base64_encode(k) + "\",\"range_end\":\"" + base64_encode(end) + "\"}");
  } catch (...) {
  }
}

// ---- nodes ----

KeyPair node_key(unsigned i) {
  Hash h = sha256(std::string("tanso-bench/cluster/node/") + kNodeIds[i]);
  std::array<uint8_t, 32> seed{};
  std::copy(h.begin(), h.end(), seed.begin());
  return keypair_from_seed(seed);
}

std::string block_hash(unsigned short port, uint64_t height) {
  try {
    http::Client cl("127.0.0.1", port);
    auto r = cl.get("/v1/blocks/" + std::to_string(height));
    Json j = Json::parse(r.body, nullptr, false);
    if (r.status != 200 || j.is_discarded()) return "";
    if (j.contains("header") && j["header"].is_object()) return j["header"].value("hash", "");
    return j.value("hash", "");
  } catch (...) {
    return "";
  }
}

double cpu_of(pid_t pid) { return std::max(0.0, process_cpu_seconds(pid)); }

// What etcd did during the load, from its /metrics (counters summed over the members; the
// proposals are counted by every member, so the largest is the cluster's).
struct EtcdCounters {
  double proposals = 0;            // Raft proposals committed (writes, incl. failed CAS txns)
  double fsyncs = 0, fsync_s = 0;  // WAL fsyncs, all members
};
EtcdCounters etcd_counters(const std::vector<EtcdMember>& ms) {
  EtcdCounters c;
  for (const auto& m : ms) {
    NodeMetrics x = node_metrics("127.0.0.1", m.client);
    c.proposals =
        std::max(c.proposals, x.value("etcd_server_proposals_committed_total").value_or(0));
    c.fsyncs += x.value("etcd_disk_wal_fsync_duration_seconds_count").value_or(0);
    c.fsync_s += x.value("etcd_disk_wal_fsync_duration_seconds_sum").value_or(0);
  }
  return c;
}

int run_cluster(const ClusterOptions& o) {
  const auto t_start = Clock::now();
  std::vector<std::string> problems;
  fs::path tansod = o.tansod.empty() ? self_dir() / "tansod" : fs::path(o.tansod);
  if (access(tansod.c_str(), X_OK) != 0)
    throw std::runtime_error(tansod.string() + " not found or not executable (--tansod PATH)");
  const unsigned C = o.connections * kNodes;
  if (o.accounts < C) {
    std::cerr << "tanso-bench cluster: --accounts must be at least 3 x --connections\n";
    return kExitUsage;
  }
  init_crypto();
  const Machine machine = Machine::probe("tanso-bench cluster");
  const double load0 = machine.load0;
  TempDir dir("tanso-bench-cluster-");
  if (o.keep) dir.keep();

  // ---- verification ceiling (nothing else running yet) ----
  phase("1/7 Ed25519 verification ceiling (" + fmt_num(o.verify_seconds, 1) + " s, all cores)");
  VerifyCeiling vc = measure_verify_ceiling(o.verify_seconds);
  info(fmt_num(vc.per_s) + " verifications/s (" + fmt_num(vc.cpu_us_per_verify, 1) +
       " us CPU each); every node verifies every tx, so 3 nodes on this machine: <= " +
       fmt_num(vc.per_s / kNodes) + " tx/s");
  if (interrupted()) return kExitInterrupted;

  // ---- genesis and signing ----
  phase("2/7 genesis: " + fmt_int(o.accounts) + " accounts, network of 3 nodes; pre-signing " +
        fmt_int(o.txs) + " transfers");
  Workload w = make_workload(o.accounts);
  Json g = Json::parse(w.genesis);
  Json nodes = Json::array();
  std::vector<fs::path> node_dirs;
  for (unsigned i = 0; i < kNodes; ++i) {
    KeyFile kf{node_key(i), kNodeIds[i]};
    node_dirs.push_back(dir.path() / kNodeIds[i]);
    fs::create_directories(node_dirs.back() / "data");
    if (auto s = write_key_file((node_dirs.back() / "data" / "node_key.json").string(), kf); !s)
      throw std::runtime_error(s.error().message);
    nodes.push_back(
        {{"node", kNodeIds[i]}, {"org", kNodeOrgs[i]}, {"key", key_to_text(kf.key.pub)}});
  }
  g["network"] = {{"nodes", nodes}};
  fs::path genesis = dir.path() / "genesis.json";
  std::ofstream(genesis, std::ios::binary) << g.dump(1);
  SignSpec spec;
  spec.connections = C;
  spec.peak_txs = o.txs;
  spec.peak_batch = o.batch;
  spec.paced_txs = 0;
  std::vector<ConnPlan> plans = presign(w, spec);
  double envelope_bytes = 0;
  {
    uint64_t bytes = 0, n = 0;
    for (const auto& p : plans)
      for (const auto& b : p.peak) bytes += b.body.size(), n += b.txs;
    envelope_bytes = n ? static_cast<double>(bytes) / n : 0;
  }

  // ---- etcd ----
  phase("3/7 etcd: 3 members on loopback");
  std::vector<EtcdMember> etcd(kNodes);
  std::string why;
  if (!start_etcd(o, dir.path(), etcd, why)) {
    if (interrupted()) return kExitInterrupted;
    std::cerr << "tanso-bench: " << why << "\n"
              << tail_file(dir.path() / "etcd-e0.log", 30) << std::flush;
    return kExitNodeStart;
  }
  std::string endpoints;
  for (const auto& m : etcd)
    endpoints += (endpoints.empty() ? "" : ",") + std::string("http://127.0.0.1:") +
                 std::to_string(m.client);
  info("clients at " + endpoints);

  // ---- nodes ----
  phase("4/7 starting 3 tansod nodes");
  std::vector<std::unique_ptr<NodeProcess>> ns;
  for (unsigned i = 0; i < kNodes; ++i) {
    std::vector<std::string> args = {"--cluster-etcd", endpoints, "--node-id", kNodeIds[i]};
    args.insert(args.end(), o.node_args.begin(), o.node_args.end());
    ns.push_back(std::make_unique<NodeProcess>(tansod, node_dirs[i], genesis, args));
    ns.back()->start();
  }
  info(ns[0]->command());
  for (auto& n : ns)
    if (!n->wait_healthy(60, why)) {
      if (interrupted()) return kExitInterrupted;
      std::cerr << "tanso-bench: tansod did not become healthy: " << why << "\n"
                << n->log_tail(40) << std::flush;
      return kExitNodeStart;
    }
  std::vector<unsigned short> ports;
  for (auto& n : ns) ports.push_back(n->port());
  uint64_t h0 = node_height("127.0.0.1", ports[0]).value_or(0);

  // ---- load ----
  phase("5/7 load: " + fmt_int(o.txs) + " transfers, " + std::to_string(o.connections) +
        " connections per node (" + std::to_string(C) + "), batches of " + std::to_string(o.batch) +
        ", wait=commit, closed loop");
  std::vector<double> cpu0;
  for (auto& n : ns) cpu0.push_back(cpu_of(n->pid()));
  for (auto& m : etcd) m.cpu0 = cpu_of(m.proc.pid());
  const double self0 = self_cpu_seconds();
  const EtcdCounters ec0 = etcd_counters(etcd);
  RunResult r = run_peak("127.0.0.1", ports, plans);
  // Every node at the height the last answer came from.
  uint64_t final_h = 0;
  for (auto p : ports) final_h = std::max(final_h, node_height("127.0.0.1", p).value_or(0));
  Clock::time_point all_at = Clock::now();
  for (;;) {
    uint64_t low = UINT64_MAX;
    for (auto p : ports) low = std::min(low, node_height("127.0.0.1", p).value_or(0));
    all_at = Clock::now();
    if (low >= final_h) break;
    if (interrupted() || std::chrono::duration<double>(all_at - r.start).count() > r.seconds + 60) {
      problems.push_back("the nodes did not all reach height " + std::to_string(final_h));
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  const double all_seconds = std::chrono::duration<double>(all_at - r.start).count();
  const double run_seconds = std::max(all_seconds, 1e-9);
  std::vector<double> node_cores;
  double node_cores_total = 0, etcd_cores = 0;
  for (size_t i = 0; i < ns.size(); ++i) {
    node_cores.push_back((cpu_of(ns[i]->pid()) - cpu0[i]) / run_seconds);
    node_cores_total += node_cores.back();
  }
  for (auto& m : etcd) etcd_cores += (cpu_of(m.proc.pid()) - m.cpu0) / run_seconds;
  const double bench_cores = (self_cpu_seconds() - self0) / run_seconds;
  const EtcdCounters ec1 = etcd_counters(etcd);
  const double proposals = ec1.proposals - ec0.proposals;
  const double fsyncs = ec1.fsyncs - ec0.fsyncs;
  const double fsync_ms = fsyncs > 0 ? 1000 * (ec1.fsync_s - ec0.fsync_s) / fsyncs : 0;
  const double tx_per_s = r.committed_ok / run_seconds;
  const double p50 = tx_percentile(r.batches, 50), p99 = tx_percentile(r.batches, 99);
  const uint64_t blocks = final_h - h0;
  const double txs_per_block = blocks ? static_cast<double>(r.committed_ok) / blocks : 0;
  info(fmt_int(r.committed_ok) + " committed on every node in " + fmt_num(all_seconds, 2) +
       " s (last answer after " + fmt_num(r.seconds, 2) + " s) = " + fmt_num(tx_per_s) + " tx/s; " +
       fmt_int(blocks) + " blocks (" + fmt_num(txs_per_block, 1) + " txs each)");
  info("etcd: " + fmt_num(proposals) + " Raft proposals (" +
       fmt_num(blocks ? proposals / blocks : 0, 1) +
       " per block: appends, failed CAS, "
       "attestations), " +
       fmt_num(fsyncs) + " WAL fsyncs of " + fmt_num(fsync_ms, 2) + " ms");
  for (const auto& e : r.first_errors) warn(e);
  if (r.errors)
    problems.push_back(fmt_int(r.errors) + " txs failed (first: " +
                       (r.first_errors.empty() ? "" : r.first_errors.front()) + ")");

  // ---- check ----
  phase("6/7 check: the same block " + std::to_string(final_h) + " and tx count on every node");
  std::string hash0 = block_hash(ports[0], final_h);
  for (size_t i = 0; i < ns.size(); ++i) {
    std::string h = block_hash(ports[i], final_h);
    if (h.empty() || h != hash0)
      problems.push_back(std::string(kNodeIds[i]) + ": block " + std::to_string(final_h) +
                         " hash '" + h + "' differs from '" + hash0 + "'");
    auto m = node_metrics("127.0.0.1", ports[i]);
    auto committed = m.value("tanso_txs_committed_total");
    if (!committed || static_cast<uint64_t>(*committed) != r.committed_ok)
      problems.push_back(std::string(kNodeIds[i]) + ": tanso_txs_committed_total " +
                         (committed ? fmt_num(*committed) : std::string("?")) + ", expected " +
                         fmt_int(r.committed_ok));
    if (!ns[i]->running()) problems.push_back(std::string(kNodeIds[i]) + " exited during the run");
  }
  info(problems.empty() ? "block hash " + hash0.substr(0, 16) + "... on all 3 nodes"
                        : "mismatch, see below");
  for (auto& n : ns) n->stop(10);
  if (interrupted()) return kExitInterrupted;

  // ---- raw etcd puts ----
  // The mean batch as etcd stores it: the log value (JSON of the envelopes) is base64 on the wire.
  const size_t batch_bytes =
      static_cast<size_t>(std::max(1.0, txs_per_block) * (envelope_bytes + 3) + 200);
  phase("7/7 raw etcd puts, same cluster, nodes stopped: " + std::to_string(o.etcd_clients) +
        " clients, PUT /v3/kv/put, " + fmt_num(o.etcd_seconds, 1) + " s per value size");
  PutRate small = etcd_put_rate(etcd, o.etcd_clients, 100, o.etcd_seconds, "small");
  info("100-byte values: " + fmt_num(small.per_s) + " puts/s (p50 " + fmt_num(small.p50_ms, 1) +
       " ms, p99 " + fmt_num(small.p99_ms, 1) + " ms; etcd used " + fmt_num(small.cores, 2) +
       " cores)");
  PutRate big = etcd_put_rate(etcd, o.etcd_clients, batch_bytes, o.etcd_seconds, "batch");
  info(fmt_int(batch_bytes) + "-byte values (the mean batch): " + fmt_num(big.per_s) +
       " puts/s (p50 " + fmt_num(big.p50_ms, 1) + " ms, p99 " + fmt_num(big.p99_ms, 1) +
       " ms; etcd used " + fmt_num(big.cores, 2) + " cores)");
  etcd_delete_raw(etcd);
  for (const PutRate* pr : {&small, &big})
    if (pr->errors)
      problems.push_back("etcd puts of " + fmt_int(pr->value_bytes) + " bytes: " +
                         fmt_int(pr->errors) + " failed (first: " + pr->first_error + ")");
  for (auto& m : etcd) m.proc.stop(std::chrono::seconds(10));
  const double load_end = loadavg_1m();
  if (interrupted()) return kExitInterrupted;

  // ---- report ----
  phase("results");
  const bool rate_pass = tx_per_s >= kTargetTxPerS;
  const bool p99_pass = !r.batches.empty() && p99 <= kTargetP99Ms;
  auto row = [](const std::string& k, const std::string& v, const std::string& tgt = "",
                const std::string& res = "") {
    char buf[256];
    std::snprintf(buf, sizeof buf, "%-36s %14s  %-10s %s", k.c_str(), v.c_str(), tgt.c_str(),
                  res.c_str());
    std::cerr << "   " << buf << "\n";
  };
  row("metric", "value", "target", "result");
  row("tx_per_s (committed on every node)", fmt_num(tx_per_s), ">= 8,000",
      rate_pass ? "PASS" : "FAIL");
  row("p50_ms (submit -> commit)", fmt_num(p50, 1));
  row("p99_ms", fmt_num(p99, 1), "<= 250", p99_pass ? "PASS" : "FAIL");
  row("blocks / txs per block", fmt_int(blocks) + " / " + fmt_num(txs_per_block, 1));
  row("etcd_puts_per_s (100 B)", fmt_num(small.per_s));
  row("etcd_batch_puts_per_s (" + fmt_int(batch_bytes) + " B)", fmt_num(big.per_s));
  row("verify_ceiling_per_s (/3 nodes)", fmt_num(vc.per_s) + " (" + fmt_num(vc.per_s / 3) + ")");
  row("cores: 3 nodes / etcd / bench", fmt_num(node_cores_total, 2) + " / " +
                                           fmt_num(etcd_cores, 2) + " / " +
                                           fmt_num(bench_cores, 2));
  row("errors", fmt_int(r.errors), "0", r.errors ? "FAIL" : "PASS");
  std::cerr << "   (total " << fmt_num(seconds_since(t_start), 0) << " s; load average "
            << fmt_num(load0, 2) << " at start, " << fmt_num(load_end, 2) << " at the end)\n";
  if (!problems.empty()) {
    std::cerr << "\n!! the run had errors, its numbers are not valid:\n";
    for (const auto& p : problems) std::cerr << "!!  - " << p << "\n";
  }
  if (o.keep) std::cerr << "   work dir kept: " << dir.path().string() << "\n";
  if (o.json) {
    auto put_json = [](const PutRate& p) {
      return Json{{"value_bytes", p.value_bytes}, {"puts_per_s", p.per_s}, {"puts", p.puts},
                  {"p50_ms", p.p50_ms},           {"p99_ms", p.p99_ms},    {"errors", p.errors},
                  {"etcd_cores", p.cores}};
    };
    Json j = {
        {"bench", "cluster"},
        {"tx_per_s", tx_per_s},
        {"p50_ms", p50},
        {"p99_ms", p99},
        {"etcd_puts_per_s", small.per_s},
        {"etcd_batch_puts_per_s", big.per_s},
        {"etcd_puts",
         {{"method", "PUT /v3/kv/put (JSON gateway), keep-alive HTTP/1.1"},
          {"clients", o.etcd_clients},
          {"seconds", o.etcd_seconds},
          {"small", put_json(small)},
          {"batch", put_json(big)}}},
        {"seconds_to_all_nodes", all_seconds},
        {"seconds_to_last_answer", r.seconds},
        {"txs", o.txs},
        {"committed", r.committed_ok},
        {"blocks", blocks},
        {"txs_per_block", txs_per_block},
        {"envelope_bytes", envelope_bytes},
        {"accounts", o.accounts},
        {"connections", C},
        {"batch", o.batch},
        {"verify_ceiling_per_s", vc.per_s},
        {"verify_cpu_us", vc.cpu_us_per_verify},
        {"tx_per_s_over_verify_ceiling_per_node", vc.per_s > 0 ? tx_per_s / (vc.per_s / 3) : 0},
        {"cores_nodes", node_cores_total},
        {"cores_per_node", node_cores},
        {"cores_etcd", etcd_cores},
        {"cores_bench", bench_cores},
        {"etcd_proposals_per_block", blocks ? proposals / blocks : 0},
        {"etcd_wal_fsyncs", fsyncs},
        {"etcd_wal_fsync_ms", fsync_ms},
        {"targets",
         {{"tx_per_s", target_json(">=", kTargetTxPerS, tx_per_s, rate_pass)},
          {"p99_ms", target_json("<=", kTargetP99Ms, p99, p99_pass)}}},
        {"all_targets_pass", rate_pass && p99_pass && r.errors == 0},
        {"errors", r.errors},
        {"valid", problems.empty()},
        {"problems", problems},
        {"environment", machine.json(load_end)},
        {"node_command", ns[0]->command()},
        {"total_seconds", seconds_since(t_start)},
    };
    std::cout << j.dump() << std::endl;
  }
  return problems.empty() ? kExitOk : kExitErrors;
}

}  // namespace

CommandRunner setup_cluster_command(CLI::App& app) {
  auto* sub = app.add_subcommand(
      "cluster",
      "Network mode: 3 etcd members and 3 tansod nodes on this machine; transfers committed on "
      "every node per second, submit -> commit latency, and the raw put rate of the same etcd");
  sub->footer(
      "\nPhases: Ed25519 verification ceiling -> genesis (the ledger bench's accounts + a network\n"
      "of 3 nodes) and pre-signing (untimed) -> 3 etcd members (free 127.0.0.1 ports, fresh data\n"
      "dirs) -> 3 tansod (--cluster-etcd, --node-id) -> closed loop, connection i to node i % 3\n"
      "(POST /v1/txs/batch?wait=commit) until every node has the final height -> same block hash\n"
      "and tx count on every node -> nodes stopped, raw PUTs of 100-byte and mean-batch-sized\n"
      "values to the same etcd through its JSON gateway.\n"
      "tx_per_s = committed txs / (first send -> every node at the final height); p50/p99 =\n"
      "submit -> committed on the receiving node, per tx.\n"
      "Targets: tx_per_s >= 8,000; p99_ms <= 250; errors 0. Exit 0 when the run was valid (even\n"
      "if targets are missed), 1 on errors, 2 if etcd or tansod did not start.\n"
      "Quick check: tanso-bench cluster --txs 20000 --accounts 600");
  auto o = std::make_shared<ClusterOptions>();
  sub->add_flag("--json", o->json,
                "Print one JSON object with every number as the last stdout line");
  sub->add_option("--txs", o->txs, "Transfers in the run")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{10'000'000}));
  sub->add_option("--accounts", o->accounts, "Sending accounts")
      ->capture_default_str()
      ->check(CLI::Range(2u, 1'000'000u));
  sub->add_option("--connections", o->connections, "Client connections per node (one thread each)")
      ->capture_default_str()
      ->check(CLI::Range(1u, 256u));
  sub->add_option("--batch", o->batch, "Txs per POST /v1/txs/batch")
      ->capture_default_str()
      ->check(CLI::Range(1u, 10'000u));
  sub->add_option("--etcd-clients", o->etcd_clients, "Connections of the raw etcd put phase")
      ->capture_default_str()
      ->check(CLI::Range(1u, 256u));
  sub->add_option("--etcd-seconds", o->etcd_seconds, "Duration of each raw etcd put phase")
      ->capture_default_str()
      ->check(CLI::Range(0.5, 600.0));
  sub->add_option("--verify-seconds", o->verify_seconds, "Duration of the verification ceiling")
      ->capture_default_str()
      ->check(CLI::Range(0.5, 60.0));
  sub->add_flag("--keep", o->keep, "Keep the work dir (genesis, node and etcd data, logs)");
  sub->add_option("--tansod", o->tansod, "The node binary (default: tansod next to tanso-bench)");
  sub->add_option("--etcd", o->etcd, "The etcd binary")->capture_default_str();
  sub->add_option("--node-arg", o->node_args, "Extra argument for every tansod, repeatable")
      ->allow_extra_args(false);
  sub->add_option("--etcd-arg", o->etcd_args, "Extra argument for every etcd member, repeatable")
      ->allow_extra_args(false);
  return {sub, [o] { return run_cluster(*o); }};
}

}  // namespace tanso::bench
