// tanso-sensor-sim: simulated metering devices publishing signed readings over MQTT
// (docs/SENSOR_SIM.md, docs/SENSOR_PROTOCOL.md). Wiring only; the logic is in src/sim.
//
//   tanso-sensor-sim --devices-dir DIR --broker 127.0.0.1:1883 --count 100 [faults...]
//   tanso-sensor-sim --generate N --installation X --out DIR
//   tanso-sensor-sim check (--key-file K | --public-key ed25519:<hex>) < messages
#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "core/crypto.h"
#include "edge/reading.h"
#include "node/keyfile.h"
#include "sim/device.h"
#include "sim/manifest.h"
#include "sim/runner.h"

using namespace tanso;
using namespace tanso::sim;

namespace {

constexpr int exit_ok = 0, exit_error = 1, exit_usage = 2, exit_refused = 4;

std::atomic<int> g_signals{0};
extern "C" void on_signal(int) { g_signals.fetch_add(1); }

int fail(int code, const std::string& msg) {
  std::cerr << "tanso-sensor-sim: " << msg << std::endl;
  return code;
}

bool write_file_atomic(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f << text;
    f.flush();
    if (!f) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

struct CheckArgs {
  std::string key_file, public_key, device, unit, topic, max_value;
};

// One message per input line; prints one JSON line per message.
int run_check(const CheckArgs& a) {
  PublicKey pk{};
  if (!a.key_file.empty()) {
    auto kf = read_key_file(a.key_file);
    if (!kf.ok()) return fail(exit_error, kf.error().message);
    pk = kf->key.pub;
  } else {
    auto k = key_from_text(a.public_key);
    if (!k) return fail(exit_usage, "--public-key must be ed25519:<64 hex>");
    pk = *k;
  }
  std::optional<uint64_t> max;
  if (!a.max_value.empty()) {
    max = edge::parse_decimal_milli(a.max_value);
    if (!max) return fail(exit_usage, "--max-value must be a decimal (at most 3 fraction digits)");
  }
  std::optional<edge::Topic> topic;
  if (!a.topic.empty()) {
    topic = edge::parse_topic(a.topic);
    if (!topic) return fail(exit_usage, "--topic must be tanso/<installation>/<device>");
  }
  std::string line;
  size_t n = 0, refused = 0;
  while (std::getline(std::cin, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    ++n;
    Json out;
    auto r = edge::decode_reading_message(line);
    std::string code, message;
    if (!r.ok()) {
      code = r.error().code;
      message = r.error().message;
    } else if (topic && topic->device != r->device) {
      code = "reading.bad_topic";
      message = "the reading's device " + r->device + " is not the topic's " + topic->device;
    } else if (!a.device.empty() && a.device != r->device) {
      code = "reading.bad_topic";
      message = "the reading's device " + r->device + " is not " + a.device;
    } else if (!a.unit.empty() && a.unit != r->unit) {
      code = "reading.bad_unit";
      message = "unit " + r->unit + " is not the device's " + a.unit;
    } else if (!verify_reading(*r, pk)) {
      code = "reading.bad_signature";
      message = "the signature does not verify with " + key_to_text(pk);
    } else if (max && r->value_milli > *max) {
      code = "reading.impossible_value";
      message = "value " + edge::format_milli(r->value_milli) + " exceeds " + a.max_value;
    }
    if (code.empty()) {
      out = {{"ok", true},
             {"device", r->device},
             {"seq", r->seq},
             {"time", r->time_ms},
             {"value", edge::format_milli(r->value_milli)},
             {"value_milli", r->value_milli},
             {"unit", r->unit},
             {"leaf", to_hex(edge::reading_leaf(r->text))}};
    } else {
      ++refused;
      out = {{"ok", false}, {"code", code}, {"message", message}};
    }
    std::cout << out.dump() << "\n";
  }
  std::cout.flush();
  if (n == 0) return fail(exit_usage, "no message on stdin (one message per line)");
  return refused ? exit_refused : exit_ok;
}

std::optional<std::pair<std::string, int>> parse_broker(const std::string& s) {
  auto colon = s.rfind(':');
  if (colon == std::string::npos) return std::make_pair(s, 1883);
  std::string host = s.substr(0, colon), port = s.substr(colon + 1);
  if (host.empty() || port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  int p = std::stoi(port);
  if (p < 1 || p > 65535) return std::nullopt;
  return std::make_pair(host, p);
}

}  // namespace

int main(int argc, char** argv) {
  init_crypto();
  CLI::App app{
      "tanso-sensor-sim: simulated gas, power and fuel meters publishing signed readings to an "
      "MQTT broker (docs/SENSOR_PROTOCOL.md), with fault injection, end-to-end acks and a JSON "
      "summary of what a gateway should accept (docs/SENSOR_SIM.md).\n"
      "Exit codes: 0 ok, 1 error (manifest, keys, broker), 2 usage, 3 acks/PUBACKs missing at "
      "--ack-timeout or interrupted twice, 4 (check) a message was refused."};
  app.require_subcommand(0, 1);

  // Devices.
  std::string devices_dir, out_dir, installation, kinds_text = "gas,power,fuel", id_prefix;
  size_t generate = 0;
  bool id_prefix_set = false;
  std::vector<std::string> only;
  app.add_option("--devices-dir", devices_dir,
                 "Directory with devices.json (the manifest) and the devices' key files");
  app.add_option("--only", only, "Simulate only these device ids (repeatable)");
  auto* gen = app.add_option("--generate", generate,
                             "Create N device keys and devices.json in --out, then exit");
  app.add_option("--installation", installation, "Installation id of generated devices");
  app.add_option("--out", out_dir, "Directory for --generate (created; must hold no manifest)");
  app.add_option("--kinds", kinds_text, "Kinds cycled through by --generate (gas,power,fuel)");
  app.add_option("--id-prefix", id_prefix,
                 "Prefix of generated device ids (default \"<installation>.\")")
      ->each([&](const std::string&) { id_prefix_set = true; });

  // Broker.
  std::string broker = "127.0.0.1:1883";
  RunOptions ro;
  app.add_option("--broker", broker, "MQTT broker host[:port] (default 127.0.0.1:1883)");
  app.add_option("--client-prefix", ro.client_prefix,
                 "MQTT client ids are <prefix>-<device> (default tanso-sim)");
  app.add_option("--username", ro.username, "MQTT user name");
  app.add_option("--password", ro.password, "MQTT password")->envname("TANSO_MQTT_PASSWORD");

  // Time.
  SimConfig sc;
  double interval_s = 60, total_rate = 0;
  int64_t start_time = -1;
  app.add_option("--seed", sc.seed, "Seed of every draw (profiles, faults) (default 1)");
  app.add_option("--start-time", start_time,
                 "Simulated start, ms since 1970 UTC (default now); the first reading's time is "
                 "start + interval");
  app.add_option("--interval-s", interval_s,
                 "Simulated seconds between a device's readings (default 60)");
  app.add_option("--first-seq", sc.first_seq, "First seq of every device (default 1)");
  app.add_option("--utc-offset-min", sc.utc_offset_min,
                 "The site's local time for shifts and weekends (default 540, KST)");
  app.add_option("--count", ro.count, "Readings (seqs) per device, gaps included");
  app.add_option("--duration", ro.duration_s, "Stop generating after this many wall seconds");
  app.add_flag("--realtime", ro.realtime,
               "One reading per --interval-s of wall time (default: simulated time, as fast as "
               "--rate allows)");
  app.add_option("--rate", ro.rate,
                 "Readings per second per device (default: as fast as possible)");
  app.add_option("--total-rate", total_rate, "Readings per second over all devices");
  app.add_option("--window", ro.window,
                 "MQTT messages in flight per device (fast mode pauses above it; default 100)");

  // Acks.
  app.add_option("--retry-s", ro.retry_s,
                 "Re-publish a reading no ack covered after this many seconds (default 5; 0: only "
                 "after a reconnect)");
  bool no_acks = false;
  app.add_flag("--no-acks", no_acks,
               "Do not subscribe to acks nor keep readings for them (MQTT QoS 1 only; benchmarks)");
  app.add_flag("--wait-acks", ro.wait_acks,
               "Exit only when every valid reading is acknowledged (or at --ack-timeout: exit 3)");
  app.add_option("--ack-timeout", ro.ack_timeout_s,
                 "Seconds to wait for acks (--wait-acks) or PUBACKs after generating (default 60)");

  // Faults.
  FaultRates& fr = sc.faults;
  double all_faults = -1, skew_s = 7 * 24 * 3600;
  app.add_option("--fault-rate", all_faults, "Set every fault probability below to P");
  app.add_option("--gap-rate", fr.gap, "P(a seq is skipped, never published)");
  app.add_option("--spike-rate", fr.spike, "P(a reading's value is above the device's max_value)");
  app.add_option("--bad-signature-rate", fr.bad_signature, "P(a reading's signature is wrong)");
  app.add_option("--wrong-unit-rate", fr.wrong_unit, "P(a reading has another unit)");
  app.add_option("--clock-skew-rate", fr.clock_skew, "P(a reading's time is --skew-s off)");
  app.add_option("--replay-exact-rate", fr.replay_exact,
                 "P(after a reading, an earlier valid reading is re-published byte for byte)");
  app.add_option("--replay-seq-rate", fr.replay_seq,
                 "P(after a reading, another reading is published under an earlier valid seq)");
  app.add_option("--skew-s", skew_s, "How far a clock_skew reading's time is off (default 7 days)");

  // Output.
  std::string summary_file;
  app.add_option("--summary", summary_file, "Also write the JSON summary to this file");
  app.add_flag("-q,--quiet", ro.quiet, "No progress or connection messages on stderr");

  CheckArgs ca;
  auto* check = app.add_subcommand(
      "check",
      "Decode and verify reading messages from stdin (one per line) with Tanso's decoder; prints "
      "one JSON line each: the reading, or {\"ok\":false,\"code\":\"reading.*\"}");
  auto* kf = check->add_option("--key-file", ca.key_file, "The device's key file");
  auto* pko = check->add_option("--public-key", ca.public_key, "The device's ed25519:<hex> key");
  kf->excludes(pko);
  check->add_option("--device", ca.device, "The registered device id");
  check->add_option("--unit", ca.unit, "The registered unit");
  check->add_option("--topic", ca.topic, "The topic the message came on");
  check->add_option("--max-value", ca.max_value, "The device's maximum per reading");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? exit_ok : exit_usage;
  }

  if (*check) {
    if (ca.key_file.empty() && ca.public_key.empty())
      return fail(exit_usage, "check needs --key-file or --public-key");
    return run_check(ca);
  }

  if (*gen) {
    if (out_dir.empty() || installation.empty())
      return fail(exit_usage, "--generate needs --out DIR and --installation ID");
    std::vector<Kind> kinds;
    std::stringstream ss(kinds_text);
    for (std::string k; std::getline(ss, k, ',');) {
      auto kk = kind_from_name(k);
      if (!kk) return fail(exit_usage, "--kinds: unknown kind \"" + k + "\" (gas, power, fuel)");
      kinds.push_back(*kk);
    }
    auto m = generate_devices(out_dir, generate, installation, kinds,
                              id_prefix_set ? id_prefix : installation + ".");
    if (!m.ok())
      return fail(m.error().code == "sim.usage" ? exit_usage : exit_error, m.error().message);
    std::cout << manifest_json(*m);
    return exit_ok;
  }

  // Run.
  if (devices_dir.empty())
    return fail(exit_usage, "--devices-dir DIR is required (or --generate N, or check); --help");
  auto b = parse_broker(broker);
  if (!b) return fail(exit_usage, "--broker must be host[:port]");
  ro.host = b->first;
  ro.port = b->second;
  ro.acks = !no_acks;
  if (all_faults >= 0)
    fr.gap = fr.spike = fr.bad_signature = fr.wrong_unit = fr.clock_skew = fr.replay_exact =
        fr.replay_seq = all_faults;
  for (double p : {fr.gap, fr.spike, fr.bad_signature, fr.wrong_unit, fr.clock_skew,
                   fr.replay_exact, fr.replay_seq})
    if (!(p >= 0 && p <= 1)) return fail(exit_usage, "fault probabilities must be in [0, 1]");
  if (fr.exclusive_sum() > 1)
    return fail(exit_usage,
                "gap + spike + bad-signature + wrong-unit + clock-skew rates must not exceed 1");
  if (!(interval_s >= 0.001 && interval_s <= 366 * 86400))
    return fail(exit_usage, "--interval-s must be from 0.001 to 366 days");
  if (!(skew_s >= 1 && skew_s <= 100.0 * 365 * 86400))
    return fail(exit_usage, "--skew-s must be from 1 s to 100 years");
  if (ro.rate < 0 || total_rate < 0 || ro.retry_s < 0 || ro.duration_s < 0 || ro.ack_timeout_s < 0)
    return fail(exit_usage, "rates, times and timeouts must not be negative");
  if (ro.realtime && (ro.rate > 0 || total_rate > 0))
    return fail(exit_usage, "--realtime sets the rate (one reading per --interval-s)");
  if (ro.rate > 0 && total_rate > 0) return fail(exit_usage, "use --rate or --total-rate");
  if (sc.first_seq < 1 || sc.first_seq > edge::reading_seq_max)
    return fail(exit_usage, "--first-seq must be from 1 to 2^53-1");
  if (ro.window < 1) return fail(exit_usage, "--window must be at least 1");
  if (ro.wait_acks && no_acks) return fail(exit_usage, "--wait-acks needs acks (not --no-acks)");
  if (sc.utc_offset_min < -24 * 60 || sc.utc_offset_min > 24 * 60)
    return fail(exit_usage, "--utc-offset-min must be within a day");
  sc.interval_ms = static_cast<uint64_t>(interval_s * 1000 + 0.5);
  fr.skew_ms = static_cast<uint64_t>(skew_s * 1000);
  if (start_time < 0)
    start_time = std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
  sc.start_ms = static_cast<uint64_t>(start_time);

  auto m = read_manifest(devices_dir);
  if (!m.ok()) return fail(exit_error, m.error().message);
  if (!only.empty()) {
    std::set<std::string> want(only.begin(), only.end());
    std::vector<DeviceEntry> kept;
    for (auto& e : m->devices)
      if (want.erase(e.id)) kept.push_back(e);
    if (!want.empty()) return fail(exit_usage, "--only: no device " + *want.begin());
    m->devices = std::move(kept);
  }
  auto devs = load_devices(*m);
  if (!devs.ok()) return fail(exit_error, devs.error().message);
  std::vector<DeviceSim> sims;
  for (auto& d : *devs) {
    uint64_t bound = profile_max_milli(d.entry.kind, d.entry.unit, sc.interval_ms);
    if (bound > d.entry.max_milli)
      return fail(exit_usage, "device " + d.entry.id + ": at --interval-s " +
                                  std::to_string(interval_s) + " a reading can reach " +
                                  edge::format_milli(bound) + " " + d.entry.unit +
                                  ", above its max_value " + edge::format_milli(d.entry.max_milli) +
                                  ": raise max_value in the manifest or shorten the interval");
    sims.emplace_back(std::move(d), sc);
  }
  if (total_rate > 0) ro.rate = total_rate / static_cast<double>(sims.size());

  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  RunResult res = run_sim(sims, ro, g_signals);
  if (res.exit_code == exit_error) return fail(exit_error, res.error);
  Json info = {{"stopped_by", res.stopped_by},  {"drained", res.drained},
               {"wait_acks", ro.wait_acks},     {"acks", ro.acks},
               {"elapsed_s", res.elapsed_s},    {"connects", res.connects},
               {"disconnects", res.disconnects}};
  std::string text = summary_json(sims, sc, info).dump(2) + "\n";
  std::cout << text;
  std::cout.flush();
  if (!summary_file.empty() && !write_file_atomic(summary_file, text))
    return fail(exit_error, "cannot write " + summary_file);
  if (res.exit_code != 0)
    std::cerr << "tanso-sensor-sim: "
              << (ro.wait_acks ? "not every valid reading was acknowledged"
                               : "not every message reached the broker")
              << " within --ack-timeout" << std::endl;
  return res.exit_code;
}
