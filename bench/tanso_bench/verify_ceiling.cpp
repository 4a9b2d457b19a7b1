// Ed25519 verification ceiling (see verify_ceiling.h) and the `verify` subcommand.
#include "verify_ceiling.h"

#include <time.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <thread>
#include <vector>

#include "commands.h"
#include "common.h"
#include "core/crypto.h"
#include "core/tx.h"

namespace tanso::bench {

namespace {

struct Sample {
  PublicKey pub;
  Bytes message;
  Signature sig;
};

// A holdings.transfer signing message like the ones the node verifies (~250 bytes).
Bytes sample_message(unsigned i) {
  Payload p;
  p.chain = "tanso-bench";
  p.type = "holdings.transfer";
  p.from = "acct-" + std::to_string(i);
  p.nonce = i + 1;
  p.expires = 1'000'000'000;
  p.body = {{"instrument", "KRW"}, {"to", "acct-" + std::to_string(i + 1)}, {"amount", 1}};
  return signing_message(p.chain, payload_text(p));
}

}  // namespace

VerifyCeiling measure_verify_ceiling(double seconds, unsigned threads, unsigned distinct,
                                     bool show_progress) {
  init_crypto();
  VerifyCeiling r;
  r.threads = threads ? threads : cpu_count();
  r.distinct = std::max(1u, distinct);

  // Set-up (not timed): distinct keys, messages and signatures, made on all cores.
  std::vector<Sample> samples(r.distinct);
  {
    std::vector<std::thread> ts;
    unsigned n = r.threads;
    for (unsigned t = 0; t < n; ++t)
      ts.emplace_back([&, t] {
        for (unsigned i = t; i < r.distinct; i += n) {
          std::array<uint8_t, 32> seed{};
          seed[0] = 0x5e;
          for (int b = 0; b < 4; ++b) seed[28 + b] = static_cast<uint8_t>(i >> (8 * (3 - b)));
          KeyPair kp = keypair_from_seed(seed);
          samples[i].pub = kp.pub;
          samples[i].message = sample_message(i);
          samples[i].sig = sign(kp.secret, samples[i].message);
        }
      });
    for (auto& t : ts) t.join();
  }

  std::atomic<bool> stop{false};
  std::vector<uint64_t> counts(r.threads, 0), fails(r.threads, 0);
  std::vector<double> cpu_s(r.threads, 0);
  std::vector<std::thread> ts;
  auto t0 = Clock::now();
  for (unsigned t = 0; t < r.threads; ++t)
    ts.emplace_back([&, t] {
      size_t i = (static_cast<size_t>(t) * r.distinct) / r.threads;  // spread the start points
      uint64_t c = 0, f = 0;
      auto thread_cpu = [] {
        timespec ts{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
      };
      double c0 = thread_cpu();
      while (!stop.load(std::memory_order_relaxed)) {
        for (int k = 0; k < 64; ++k) {
          const Sample& s = samples[i];
          if (!verify(s.pub, s.message, s.sig)) ++f;
          if (++i == samples.size()) i = 0;
        }
        c += 64;
      }
      counts[t] = c;
      fails[t] = f;
      cpu_s[t] = thread_cpu() - c0;
    });
  {
    std::unique_ptr<Progress> bar;
    if (show_progress) bar = std::make_unique<Progress>("verifying", 1000);
    while (seconds_since(t0) < seconds && !interrupted()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      if (bar) bar->update(static_cast<uint64_t>(seconds_since(t0) / seconds * 1000));
    }
    stop = true;
    for (auto& t : ts) t.join();
    if (bar) bar->finish();
  }
  r.seconds = seconds_since(t0);
  double cpu_total = 0;
  for (unsigned t = 0; t < r.threads; ++t) {
    r.verified += counts[t];
    r.failures += fails[t];
    cpu_total += cpu_s[t];
  }
  if (r.verified) r.cpu_us_per_verify = cpu_total * 1e6 / static_cast<double>(r.verified);
  r.per_s = r.seconds > 0 ? static_cast<double>(r.verified) / r.seconds : 0;
  return r;
}

// `tanso-bench verify`: the ceiling alone.
CommandRunner setup_verify_command(CLI::App& app) {
  auto* sub = app.add_subcommand(
      "verify", "Ed25519 verification ceiling only (the ledger bench's verify_ceiling_per_s)");
  struct Opts {
    double seconds = 3.0;
    unsigned threads = 0;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  sub->add_option("--seconds", o->seconds, "How long to verify")->capture_default_str();
  sub->add_option("--threads", o->threads, "Threads (0: one per core)")->capture_default_str();
  sub->add_flag("--json", o->json, "Print one JSON object as the last line on stdout");
  return {sub, [o]() -> int {
            phase("Ed25519 verification ceiling (" + fmt_num(o->seconds, 1) + " s)");
            auto r = measure_verify_ceiling(o->seconds, o->threads);
            info(fmt_num(r.per_s) + " verifications/s on " + std::to_string(r.threads) +
                 " threads (" + fmt_int(r.verified) + " in " + fmt_num(r.seconds, 2) + " s, " +
                 std::to_string(r.distinct) + " distinct signatures); " +
                 fmt_num(r.cpu_us_per_verify, 1) + " us of CPU per verification");
            if (r.failures) warn(fmt_int(r.failures) + " verifications failed");
            if (o->json)
              std::cout << Json{{"verify_ceiling_per_s", r.per_s},
                                {"threads", r.threads},
                                {"verified", r.verified},
                                {"seconds", r.seconds},
                                {"failures", r.failures},
                                {"cpu_us_per_verify", r.cpu_us_per_verify}}
                               .dump()
                        << std::endl;
            if (interrupted()) return 130;
            return r.failures ? 1 : 0;
          }};
}

}  // namespace tanso::bench
