// `tanso-bench ets`: the emissions-trading registry under load (issue 3 "Performance").
//
//   1. set-up     a regulator with three officers (threshold 1, but 2 of 3 for
//                 ets.allocation.order, as in the demo network), a bank issuing KRW and N
//                 companies c-0001.. (deterministic keys), each designated for the year in
//                 genesis ("ets" txs: the year's plan and N designations); every company holds KRW
//   2. sign       the allocation order (one tx, N entries, signed by officers 1 and 2), N
//                 certifications, and for each of --rounds rounds --txs/--rounds ets.surrender
//                 txs (1 KAU each) and as many holdings.transfer txs (1 KRW each) from the same
//                 companies, pre-signed on all cores, untimed
//   3. node       tansod (next to this binary) on a free loopback port
//   4. allocate   POST /v1/txs (wait=commit) of the order: allocation_order_ms = submit ->
//                 committed answer; the year's totals are checked (GET /v1/ets/years/Y/totals)
//   5. certify    the N certifications (obligation = the allocation), in batches
//   6. load       rounds of the two closed-loop runs with the same connections and batches
//                 (POST /v1/txs/batch?wait=commit), alternating which goes first to cancel drift:
//                 surrender_tx_per_s and transfer_tx_per_s = committed / seconds over all rounds
//   7. report     table on stderr; with --json one JSON object as the last line on stdout
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cmath>
#include <ctime>
#include <fstream>
#include <iostream>
#include <thread>

#include "commands.h"
#include "common.h"
#include "core/tx.h"
#include "http/client.h"
#include "load.h"
#include "node_process.h"

namespace tanso::bench {

namespace {

constexpr double kTargetAllocationMs = 1000;
constexpr double kTargetSurrenderRatio = 0.8;
constexpr uint64_t kAllocation = 1'000'000;  // KAU per company (and its certified emissions)

struct EtsOptions {
  bool json = false;
  unsigned companies = 1'000;
  uint64_t txs = 100'000;  // per kind (surrender, transfer), over all rounds
  unsigned rounds = 4;
  unsigned connections = 8;
  unsigned batch = 250;
  uint32_t year = 0;  // default: the current calendar year (UTC)
  bool keep = false;
  std::string tansod;
  std::vector<std::string> node_args;
};

KeyPair derived_key(const std::string& label) {
  Hash h = sha256("tanso-bench/ets/" + label);
  std::array<uint8_t, 32> seed{};
  std::copy(h.begin(), h.end(), seed.begin());
  return keypair_from_seed(seed);
}

std::string company_id(unsigned i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "c-%04u", i + 1);
  return buf;
}

struct EtsWorld {
  std::string chain = "tanso-bench-ets";
  std::vector<KeyPair> officers;
  KeyPair bank;
  std::vector<std::string> ids;
  std::vector<KeyPair> keys;
  std::string genesis;
};

EtsWorld make_world(const EtsOptions& o, uint64_t now_ms) {
  EtsWorld w;
  for (int i = 1; i <= 3; ++i) w.officers.push_back(derived_key("officer" + std::to_string(i)));
  w.bank = derived_key("bank");
  Json officer_keys = Json::array();
  for (const auto& k : w.officers) officer_keys.push_back(key_to_text(k.pub));
  Json accounts = Json::array(), balances = Json::array(), txs = Json::array();
  accounts.push_back({{"account", "regulator"},
                      {"org", "regulator"},
                      {"keys", officer_keys},
                      {"threshold", 1},
                      {"type_thresholds", {{"ets.allocation.order", 2}}}});
  accounts.push_back({{"account", "bank"},
                      {"org", "bank"},
                      {"keys", {key_to_text(w.bank.pub)}},
                      {"threshold", 1}});
  txs.push_back({{"type", "ets.plan.set"},
                 {"body", {{"year", o.year}, {"cap", std::to_string(kAllocation * o.companies)}}}});
  for (unsigned i = 0; i < o.companies; ++i) {
    w.ids.push_back(company_id(i));
    w.keys.push_back(derived_key(w.ids.back()));
    const std::string& id = w.ids.back();
    accounts.push_back(
        {{"account", id}, {"org", "bench"}, {"keys", {key_to_text(w.keys.back().pub)}}});
    balances.push_back({{"account", id}, {"instrument", "KRW"}, {"amount", "1000000000000"}});
    txs.push_back({{"type", "ets.designate"},
                   {"body",
                    {{"company", id},
                     {"name", "Bench company " + id},
                     {"sector", "steel"},
                     {"from_year", o.year},
                     {"to_year", o.year},
                     {"installations", {{{"id", id + "-1"}, {"name", "Plant 1"}}}}}}});
  }
  Json g = {
      {"chain_id", w.chain},
      {"time_ms", now_ms},
      {"orgs",
       {{{"org", "regulator"}, {"name", "Bench regulator"}, {"role", "regulator"}},
        {{"org", "bank"}, {"name", "Bench bank"}, {"role", "bank"}},
        {{"org", "bench"}, {"name", "Bench companies"}, {"role", "company"}}}},
      {"accounts", accounts},
      {"instruments",
       {{{"instrument", "KRW"}, {"issuer", "bank"}, {"name", "Korean won"}, {"unit", "KRW"}}}},
      {"balances", balances},
      {"ets", {{"txs", txs}}},
  };
  w.genesis = g.dump();
  return w;
}

std::string sign_one(const EtsWorld& w, const std::string& type, const std::string& from,
                     uint64_t nonce, const Json& body, const std::vector<const KeyPair*>& keys) {
  Payload p;
  p.chain = w.chain;
  p.type = type;
  p.from = from;
  p.nonce = nonce;
  p.expires = 1'000'000'000;
  p.body = body;
  return sign_envelope(payload_text(p), w.chain, keys);
}

// The load of one run of one kind: per connection, its companies' txs round-robin in nonce order.
struct RunPlan {
  bool surrender = false;
  std::vector<ConnPlan> plans;  // batches in ConnPlan::peak (run_peak sends those)
};

int run_ets(EtsOptions o) {
  const auto t_start = Clock::now();
  std::vector<std::string> problems;
  if (o.year == 0) {
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    o.year = static_cast<uint32_t>(tm.tm_year + 1900);
  }
  if (o.companies < o.connections || o.companies < 2) {
    std::cerr << "tanso-bench ets: --companies must be at least 2 and at least --connections\n";
    return kExitUsage;
  }
  const uint64_t per_round = o.txs / o.rounds;
  if (per_round == 0) {
    std::cerr << "tanso-bench ets: --txs must be at least --rounds\n";
    return kExitUsage;
  }
  if (per_round * o.rounds / o.companies + 1 > kAllocation) {
    std::cerr << "tanso-bench ets: too many surrenders per company\n";
    return kExitUsage;
  }
  fs::path tansod = o.tansod.empty() ? self_dir() / "tansod" : fs::path(o.tansod);
  if (access(tansod.c_str(), X_OK) != 0)
    throw std::runtime_error(tansod.string() + " not found or not executable (--tansod PATH)");
  init_crypto();
  const Machine machine = Machine::probe("tanso-bench ets");
  const double load0 = machine.load0;

  // ---- 1. set-up ----
  phase("1/6 set-up: " + fmt_int(o.companies) + " companies designated for " +
        std::to_string(o.year) + " in genesis; regulator 3 officers, allocation order 2 of 3");
  TempDir dir("tanso-bench-ets-");
  if (o.keep) dir.keep();
  uint64_t now_ms = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                              std::chrono::system_clock::now().time_since_epoch())
                                              .count());
  EtsWorld w = make_world(o, now_ms);
  fs::path genesis = dir.path() / "genesis.json";
  std::ofstream(genesis, std::ios::binary) << w.genesis;

  // ---- 2. sign ----
  const std::string kau = "KAU-" + std::to_string(o.year);
  Json entries = Json::array();
  for (const auto& id : w.ids) entries.push_back({id, std::to_string(kAllocation)});
  Json order_body = {{"order", "bench-" + std::to_string(o.year)},
                     {"year", o.year},
                     {"entries", entries},
                     {"basis", "tanso-bench"}};
  const std::string order_env = sign_one(w, "ets.allocation.order", "regulator", 1, order_body,
                                         {&w.officers[0], &w.officers[1]});
  info("allocation order: " + fmt_int(o.companies) + " entries, envelope " +
       fmt_int(order_env.size()) + " bytes (limit 65,536)");

  std::vector<std::string> cert_envs(o.companies);
  std::vector<std::vector<std::string>> envs;  // per run
  std::vector<RunPlan> runs;
  {
    // Runs: round r: transfer then surrender when r is even, surrender then transfer when odd.
    std::vector<bool> kinds;
    for (unsigned r = 0; r < o.rounds; ++r) {
      kinds.push_back(r % 2 == 1);
      kinds.push_back(r % 2 == 0);
    }
    struct Desc {
      uint32_t run, from;
      uint64_t nonce;
    };
    std::vector<Desc> descs;
    std::vector<uint64_t> nonce(o.companies, 0);
    const unsigned C = o.connections;
    // [run][conn] -> range in descs
    std::vector<std::vector<std::pair<size_t, size_t>>> ranges(kinds.size());
    for (size_t run = 0; run < kinds.size(); ++run) {
      for (unsigned c = 0; c < C; ++c) {
        std::vector<unsigned> mine;
        for (unsigned a = c; a < o.companies; a += C) mine.push_back(a);
        uint64_t n = per_round / C + (c < per_round % C ? 1 : 0);
        size_t begin = descs.size();
        for (uint64_t j = 0; j < n; ++j) {
          unsigned a = mine[j % mine.size()];
          descs.push_back({static_cast<uint32_t>(run), a, ++nonce[a]});
        }
        ranges[run].push_back({begin, descs.size()});
      }
    }
    std::vector<std::string> all(descs.size());
    Progress bar("signing", descs.size() + o.companies, "txs");
    parallel(o.companies, nullptr, [&](uint64_t i) {
      cert_envs[i] = sign_one(
          w, "ets.emissions.certify", "regulator", 2 + i,
          {{"company", w.ids[i]}, {"year", o.year}, {"tco2e", std::to_string(kAllocation)}},
          {&w.officers[0]});
    });
    parallel(descs.size(), &bar, [&](uint64_t i) {
      const Desc& d = descs[i];
      const std::string& from = w.ids[d.from];
      if (kinds[d.run])
        all[i] = sign_one(w, "ets.surrender", from, d.nonce,
                          {{"year", o.year}, {"units", Json::array({Json::array({kau, "1"})})}},
                          {&w.keys[d.from]});
      else
        all[i] = sign_one(
            w, "holdings.transfer", from, d.nonce,
            {{"instrument", "KRW"}, {"to", w.ids[(d.from + 1) % o.companies]}, {"amount", "1"}},
            {&w.keys[d.from]});
    });
    bar.finish();
    for (size_t run = 0; run < kinds.size(); ++run) {
      RunPlan rp;
      rp.surrender = kinds[run];
      rp.plans.resize(C);
      for (unsigned c = 0; c < C; ++c)
        rp.plans[c].peak = to_batches(all, ranges[run][c].first, ranges[run][c].second, o.batch);
      runs.push_back(std::move(rp));
    }
  }

  // ---- 3. node ----
  phase("2/6 starting tansod");
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

  // ---- 4. allocation order ----
  phase("3/6 allocation order: 1 tx, " + fmt_int(o.companies) + " companies, wait=commit");
  uint64_t errors = 0;
  auto t = Clock::now();
  http::Response ar = cl.post("/v1/txs", order_env);
  double allocation_ms = std::chrono::duration<double, std::milli>(Clock::now() - t).count();
  Json aj = Json::parse(ar.body, nullptr, false);
  bool order_ok = ar.status == 200 && !aj.is_discarded() && aj.value("status", "") == "committed" &&
                  aj.value("code", "") == "ok";
  if (!order_ok) {
    ++errors;
    problems.push_back("allocation order: HTTP " + std::to_string(ar.status) + " " +
                       ar.body.substr(0, 300));
  }
  info("committed in " + fmt_num(allocation_ms, 1) + " ms (block " +
       (aj.is_discarded() ? std::string("?") : aj.value("height", Json()).dump()) + ")");
  {
    auto tr = cl.get("/v1/ets/years/" + std::to_string(o.year) + "/totals");
    Json tj = Json::parse(tr.body, nullptr, false);
    std::string want = std::to_string(kAllocation * o.companies);
    if (tr.status == 200 && !tj.is_discarded())
      info("GET totals: allocated " + tj.value("allocated", "?") + " (expected " + want + ")");
    if (tr.status == 200 && !tj.is_discarded() && tj.value("allocated", "") != want)
      problems.push_back("allocated " + tj.value("allocated", "?") + ", expected " + want);
    if (tr.status == 404) warn("GET /v1/ets/years/{year}/totals is not served; not checked");
  }

  // ---- 5. certify ----
  phase("4/6 certified emissions: " + fmt_int(o.companies) + " ets.emissions.certify txs");
  std::vector<ConnPlan> cert(1);
  cert[0].peak = to_batches(cert_envs, 0, cert_envs.size(), o.batch);
  RunResult cr = run_peak(node.host(), node.port(), cert);
  double certify_per_s = cr.seconds > 0 ? cr.committed_ok / cr.seconds : 0;
  info(fmt_int(cr.committed_ok) + " committed in " + fmt_num(cr.seconds, 2) + " s (" +
       fmt_num(certify_per_s) + " tx/s, one sender)");
  for (const auto& e : cr.first_errors) warn(e);
  errors += cr.errors;
  if (cr.errors) problems.push_back("certification: " + fmt_int(cr.errors) + " txs failed");

  // ---- 6. load ----
  phase("5/6 load: " + std::to_string(o.rounds) + " rounds x (" + fmt_int(per_round) +
        " surrenders + " + fmt_int(per_round) + " transfers), " + std::to_string(o.connections) +
        " connections, batches of " + std::to_string(o.batch) + ", wait=commit");
  struct Sum {
    uint64_t ok = 0, errors = 0;
    double seconds = 0;
    std::vector<BatchSample> batches;
    std::vector<double> per_run;
  } sum[2];  // [0] transfer, [1] surrender
  for (size_t i = 0; i < runs.size() && !interrupted() && errors == 0; ++i) {
    auto& s = sum[runs[i].surrender ? 1 : 0];
    RunResult r = run_peak(node.host(), node.port(), runs[i].plans);
    s.ok += r.committed_ok;
    s.errors += r.errors;
    s.seconds += r.seconds;
    s.batches.insert(s.batches.end(), r.batches.begin(), r.batches.end());
    double rate = r.seconds > 0 ? r.committed_ok / r.seconds : 0;
    s.per_run.push_back(rate);
    info(std::string(runs[i].surrender ? "surrender" : "transfer ") + " run " +
         std::to_string(i / 2 + 1) + ": " + fmt_int(r.committed_ok) + " in " +
         fmt_num(r.seconds, 2) + " s = " + fmt_num(rate) + " tx/s (load " +
         fmt_num(loadavg_1m(), 2) + ")");
    for (const auto& e : r.first_errors) warn(e);
    errors += r.errors;
    if (r.errors)
      problems.push_back(std::string(runs[i].surrender ? "surrender" : "transfer") + " run: " +
                         fmt_int(r.errors) + " txs failed (first: " + r.first_errors.front() + ")");
  }
  if (errors && !problems.empty())
    warn("stopped after errors: the pre-signed nonces no longer line up");
  const double transfer_per_s = sum[0].seconds > 0 ? sum[0].ok / sum[0].seconds : 0;
  const double surrender_per_s = sum[1].seconds > 0 ? sum[1].ok / sum[1].seconds : 0;
  const double ratio = transfer_per_s > 0 ? surrender_per_s / transfer_per_s : 0;
  const double load_end = loadavg_1m();

  // Sanity: the surrenders are in the year's totals.
  std::string surrendered = "?";
  {
    auto tr = cl.get("/v1/ets/years/" + std::to_string(o.year) + "/totals");
    Json tj = Json::parse(tr.body, nullptr, false);
    if (tr.status == 200 && !tj.is_discarded()) {
      surrendered = tj.value("surrendered_kau", "?");
      if (errors == 0 && surrendered != std::to_string(sum[1].ok))
        problems.push_back("totals: surrendered_kau " + surrendered + ", expected " +
                           std::to_string(sum[1].ok));
    }
  }
  bool alive = node.running();
  int status = node.stop(10);
  if (!alive)
    problems.push_back("tansod exited during the run (status " + std::to_string(status) + ")");
  if (interrupted()) return kExitInterrupted;

  // ---- report ----
  phase("6/6 results");
  bool alloc_pass = order_ok && allocation_ms < kTargetAllocationMs;
  bool ratio_pass = ratio >= kTargetSurrenderRatio;
  auto row = [](const std::string& k, const std::string& v, const std::string& tgt = "",
                const std::string& res = "") {
    char buf[256];
    std::snprintf(buf, sizeof buf, "%-34s %14s  %-10s %s", k.c_str(), v.c_str(), tgt.c_str(),
                  res.c_str());
    std::cerr << "   " << buf << "\n";
  };
  row("metric", "value", "target", "result");
  row("allocation_order_ms (" + fmt_int(o.companies) + " cos.)", fmt_num(allocation_ms, 1),
      "< 1,000", alloc_pass ? "PASS" : "FAIL");
  row("surrender_tx_per_s", fmt_num(surrender_per_s));
  row("transfer_tx_per_s", fmt_num(transfer_per_s));
  row("surrender_over_transfer", fmt_num(ratio, 2) + "x", ">= 0.8x", ratio_pass ? "PASS" : "FAIL");
  row("surrender p99 batch ms", fmt_num(tx_percentile(sum[1].batches, 99), 1));
  row("transfer p99 batch ms", fmt_num(tx_percentile(sum[0].batches, 99), 1));
  row("certify_tx_per_s (one sender)", fmt_num(certify_per_s));
  row("errors", fmt_int(errors), "0", errors ? "FAIL" : "PASS");
  std::cerr << "   (total " << fmt_num(seconds_since(t_start), 0) << " s; load average "
            << fmt_num(load0, 2) << " at start, " << fmt_num(load_end, 2) << " at the end)\n";
  if (!problems.empty()) {
    std::cerr << "\n!! the run had errors, its numbers are not valid:\n";
    for (const auto& p : problems) std::cerr << "!!  - " << p << "\n";
  }
  if (o.keep) std::cerr << "   work dir kept: " << dir.path().string() << "\n";
  if (o.json) {
    Json j = {
        {"bench", "ets"},
        {"companies", o.companies},
        {"year", o.year},
        {"regulator", "3 officers; ets.allocation.order needs 2 (signed by 2)"},
        {"allocation_order_ms", allocation_ms},
        {"allocation_order_bytes", order_env.size()},
        {"certify_tx_per_s", certify_per_s},
        {"surrender_tx_per_s", surrender_per_s},
        {"transfer_tx_per_s", transfer_per_s},
        {"surrender_over_transfer", ratio},
        {"surrender_runs_tx_per_s", sum[1].per_run},
        {"transfer_runs_tx_per_s", sum[0].per_run},
        {"surrender_p99_batch_ms", tx_percentile(sum[1].batches, 99)},
        {"transfer_p99_batch_ms", tx_percentile(sum[0].batches, 99)},
        {"surrendered", sum[1].ok},
        {"transferred", sum[0].ok},
        {"surrendered_kau_in_totals", surrendered},
        {"txs_per_kind", per_round * o.rounds},
        {"rounds", o.rounds},
        {"connections", o.connections},
        {"batch", o.batch},
        {"targets",
         {{"allocation_order_ms", target_json("<", kTargetAllocationMs, allocation_ms, alloc_pass)},
          {"surrender_over_transfer",
           target_json(">=", kTargetSurrenderRatio, ratio, ratio_pass)}}},
        {"all_targets_pass", alloc_pass && ratio_pass && errors == 0},
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

CommandRunner setup_ets_command(CLI::App& app) {
  auto* sub = app.add_subcommand(
      "ets",
      "Emissions-trading registry bench: one allocation order for N companies (submit -> "
      "commit), then ets.surrender against holdings.transfer throughput in the same run");
  sub->footer(
      "\nPhases: genesis (regulator with 3 officers, 2 of 3 for ets.allocation.order; N\n"
      "companies c-0001.. designated for --year, holding KRW) -> pre-signing (untimed) -> tansod\n"
      "on a free 127.0.0.1 port -> the allocation order (one tx, N entries, 2 officers' "
      "signatures,\n"
      "POST /v1/txs wait=commit: allocation_order_ms) -> N certifications -> --rounds rounds of a\n"
      "surrender run and a transfer run (closed loop, same connections and batches, alternating\n"
      "which goes first), 1 unit per tx.\n"
      "Targets: allocation_order_ms < 1,000; surrender_tx_per_s >= 0.8 x transfer_tx_per_s;\n"
      "errors 0. Exit 0 when the run was valid (even if targets are missed), 1 on errors,\n"
      "2 if tansod did not start.\n"
      "Quick check: tanso-bench ets --txs 4000 --companies 200");
  auto o = std::make_shared<EtsOptions>();
  sub->add_flag("--json", o->json,
                "Print one JSON object with every number as the last stdout line");
  sub->add_option("--companies", o->companies,
                  "Companies designated and allocated by the one order (at most 2,000 entries)")
      ->capture_default_str()
      ->check(CLI::Range(2u, 2'000u));
  sub->add_option("--txs", o->txs, "Surrenders, and as many transfers, over all rounds")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{10'000'000}));
  sub->add_option("--rounds", o->rounds, "Rounds of (surrender run, transfer run)")
      ->capture_default_str()
      ->check(CLI::Range(1u, 100u));
  sub->add_option("--connections", o->connections, "Client connections (one thread each)")
      ->capture_default_str()
      ->check(CLI::Range(1u, 512u));
  sub->add_option("--batch", o->batch, "Txs per POST /v1/txs/batch")
      ->capture_default_str()
      ->check(CLI::Range(1u, 10'000u));
  sub->add_option("--year", o->year,
                  "Compliance year (default: the current one; it must be in a phase and its "
                  "surrender deadline not passed)")
      ->check(CLI::Range(2000u, 2200u));
  sub->add_flag("--keep", o->keep, "Keep the work dir (genesis, node data, logs)");
  sub->add_option("--tansod", o->tansod, "The node binary (default: tansod next to tanso-bench)");
  sub->add_option("--node-arg", o->node_args, "Extra argument for tansod, repeatable")
      ->allow_extra_args(false);
  return {sub, [o] { return run_ets(*o); }};
}

}  // namespace tanso::bench
