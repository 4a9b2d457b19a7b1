// tanso-bench edge: signed readings through a real mosquitto broker into tanso-edge (found next
// to this binary), which verifies, stores (group-committed fsyncs) and acknowledges them on
// tanso/<inst>/<dev>/ack. No ledger node: the edge runs with --devices (uploads are not part of
// the measured path). In the same run it measures the Ed25519 verification ceiling on all cores.
// The rate is readings acknowledged per second, from the first publish to the last ack.
#include <mosquitto.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <condition_variable>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "commands.h"
#include "common.h"
#include "core/crypto.h"
#include "edge/reading.h"
#include "http/client.h"
#include "verify_ceiling.h"

namespace tanso::bench {
namespace {

struct EdgeOpts {
  unsigned devices = 50;
  unsigned per_device = 2000;
  double verify_seconds = 3;
  bool json = false;
  bool keep = false;
};

struct Acks {
  std::mutex mu;
  std::condition_variable cv;
  std::map<std::string, uint64_t> max_seq;  // device -> acked seq
  uint64_t complete = 0;                    // devices fully acknowledged
  std::atomic<uint64_t> pubacked{0};        // PUBACKs from the broker
  unsigned per_device = 0;
};

void on_ack(mosquitto*, void* p, const mosquitto_message* m) {
  auto* a = static_cast<Acks*>(p);
  std::string topic(m->topic);  // tanso/bench/<dev>/ack
  auto s1 = topic.find('/', 6), s2 = topic.rfind('/');
  std::string dev = topic.substr(s1 + 1, s2 - s1 - 1);
  auto j = nlohmann::json::parse(
      std::string_view(static_cast<const char*>(m->payload), m->payloadlen), nullptr, false);
  if (!j.is_object()) return;
  uint64_t seq = j.value("seq", uint64_t{0});
  std::lock_guard lk(a->mu);
  auto& cur = a->max_seq[dev];
  if (seq > cur) {
    if (cur < a->per_device && seq >= a->per_device) {
      a->complete++;
      a->cv.notify_all();
    }
    cur = seq;
  }
}

std::optional<double> metric(const std::string& text, const std::string& name) {
  auto p = text.find("\n" + name + " ");
  if (p == std::string::npos) return std::nullopt;
  return std::stod(text.substr(p + name.size() + 2));
}

bool wait_port(unsigned short port, double timeout_s) {
  auto t0 = Clock::now();
  while (seconds_since(t0) < timeout_s) {
    try {
      http::Client c("127.0.0.1", port, http::ClientOptions{.timeout_ms = 1000});
      if (c.get("/healthz").status == 200) return true;
    } catch (const std::exception&) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

int run_edge(const EdgeOpts& o) {
  init_crypto();
  const std::string inst = "bench";
  TempDir dir("tanso-bench-edge-");
  if (o.keep) dir.keep();
  phase("edge: " + std::to_string(o.devices) + " devices x " + std::to_string(o.per_device) +
        " readings, QoS 1, through mosquitto into tanso-edge");

  // Devices and pre-signed readings (outside the timing).
  std::vector<KeyPair> keys;
  nlohmann::json devs = nlohmann::json::array();
  for (unsigned d = 0; d < o.devices; ++d) {
    std::array<uint8_t, 32> seed{};
    seed[0] = static_cast<uint8_t>(d);
    seed[1] = static_cast<uint8_t>(d >> 8);
    seed[31] = 0xbe;
    keys.push_back(keypair_from_seed(seed));
    devs.push_back({{"device", "m" + std::to_string(d)},
                    {"key", key_to_text(keys.back().pub)},
                    {"installation", inst},
                    {"source", "boiler"},
                    {"unit", "Nm3"},
                    {"retired_on", nullptr}});
  }
  std::ofstream(dir.path() / "devices.json") << nlohmann::json{{"devices", devs}}.dump();
  const uint64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
  std::vector<std::pair<std::string, std::string>> msgs;  // topic, message (round-robin)
  msgs.reserve(size_t{o.devices} * o.per_device);
  for (unsigned s = 1; s <= o.per_device; ++s)
    for (unsigned d = 0; d < o.devices; ++d) {
      std::string dev = "m" + std::to_string(d);
      msgs.emplace_back(
          edge::topic_for(inst, dev),
          edge::encode_reading_message(
              edge::reading_text(dev, s, now_ms + s, 1000 + s % 977, "Nm3"), keys[d].secret));
    }
  info("pre-signed " + fmt_int(msgs.size()) + " readings");

  // Broker and edge.
  unsigned short mport = free_tcp_port(), eport = free_tcp_port();
  std::ofstream(dir.path() / "mosquitto.conf")
      << "listener " << mport << " 127.0.0.1\nallow_anonymous true\npersistence false\n"
      << "max_queued_messages 0\nmax_inflight_messages 0\n";
  Subprocess broker, edge_proc;
  broker.start({"/usr/sbin/mosquitto", "-c", (dir.path() / "mosquitto.conf").string()},
               dir.path() / "mosquitto.log", dir.path() / "mosquitto.log");
  fs::path edge_bin = self_dir() / "tanso-edge";
  std::vector<std::string> eargs = {edge_bin.string(),
                                    "--data-dir",
                                    (dir.path() / "store").string(),
                                    "--broker",
                                    "127.0.0.1:" + std::to_string(mport),
                                    "--installations",
                                    inst,
                                    "--devices",
                                    (dir.path() / "devices.json").string(),
                                    "--listen",
                                    "127.0.0.1:" + std::to_string(eport),
                                    "--log-level",
                                    "warn"};
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  edge_proc.start(eargs, dir.path() / "edge.log", dir.path() / "edge.log");
  if (!wait_port(eport, 20)) {
    warn("tanso-edge did not start: " + tail_file(dir.path() / "edge.log", 20));
    return kExitNodeStart;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // subscribed

  // Publisher + ack subscriber.
  mosquitto_lib_init();
  Acks acks;
  acks.per_device = o.per_device;
  mosquitto* m = mosquitto_new("bench-devices", true, &acks);
  mosquitto_max_inflight_messages_set(m, 0);
  mosquitto_message_callback_set(m, on_ack);
  if (mosquitto_connect(m, "127.0.0.1", mport, 60) != MOSQ_ERR_SUCCESS) {
    warn("cannot connect to mosquitto");
    return kExitErrors;
  }
  mosquitto_subscribe(m, nullptr, ("tanso/" + inst + "/+/ack").c_str(), 1);
  // Single-threaded client (no loop thread): publish() writes straight to the socket, and
  // mosquitto_loop() between chunks reads PUBACKs and the edge's acks. At most `window`
  // readings are unacknowledged by the broker, so the client's bookkeeping stays small.
  mosquitto_publish_callback_set(
      m, [](mosquitto*, void* p, int) { static_cast<Acks*>(p)->pubacked++; });
  for (int i = 0; i < 20; ++i) mosquitto_loop(m, 10, 1);
  double edge_cpu0 = process_cpu_seconds(edge_proc.pid());
  double broker_cpu0 = process_cpu_seconds(broker.pid()), self_cpu0 = self_cpu_seconds();
  auto t0 = Clock::now();
  const uint64_t window = 4000;
  size_t next = 0;
  while (next < msgs.size() && !interrupted()) {
    size_t chunk = 0;
    while (next < msgs.size() && chunk < 500 && next - acks.pubacked.load() < window) {
      const auto& [topic, msg] = msgs[next];
      if (mosquitto_publish(m, nullptr, topic.c_str(), static_cast<int>(msg.size()), msg.data(), 1,
                            false) != MOSQ_ERR_SUCCESS)
        break;
      ++next;
      ++chunk;
    }
    mosquitto_loop(m, chunk ? 0 : 5, 1);
  }
  double publish_s = seconds_since(t0);
  bool all = false;
  while (!interrupted() && seconds_since(t0) < 120) {
    {
      std::lock_guard lk(acks.mu);
      if (acks.complete == o.devices) {
        all = true;
        break;
      }
    }
    mosquitto_loop(m, 50, 1);
  }
  double elapsed = seconds_since(t0);
  double edge_cpu = process_cpu_seconds(edge_proc.pid()) - edge_cpu0;
  double broker_cpu = process_cpu_seconds(broker.pid()) - broker_cpu0;
  double self_cpu = self_cpu_seconds() - self_cpu0;
  mosquitto_disconnect(m);
  mosquitto_destroy(m);

  std::string mtext;
  try {
    http::Client c("127.0.0.1", eport);
    mtext = "\n" + c.get("/metrics").body;
  } catch (const std::exception&) {
  }
  uint64_t accepted =
      static_cast<uint64_t>(metric(mtext, "tanso_edge_readings_accepted_total").value_or(0));
  uint64_t refused =
      static_cast<uint64_t>(metric(mtext, "tanso_edge_readings_refused_all_total").value_or(0));
  uint64_t total = msgs.size();
  uint64_t lost = total > accepted ? total - accepted : 0;
  double rate = elapsed > 0 ? total / elapsed : 0;
  info("published in " + fmt_num(publish_s, 2) + " s; all acknowledged: " + (all ? "yes" : "NO") +
       " after " + fmt_num(elapsed, 2) + " s");
  info("readings/s: " + fmt_num(rate) + "; accepted " + fmt_int(accepted) + ", refused " +
       fmt_int(refused) + ", lost " + fmt_int(lost) + "; edge CPU " + fmt_num(edge_cpu, 1) + " s");
  edge_proc.stop(std::chrono::milliseconds(5000));
  broker.stop(std::chrono::milliseconds(2000));

  phase("Ed25519 verification ceiling");
  VerifyCeiling vc = measure_verify_ceiling(o.verify_seconds, 0, 8192, !o.json);
  info("verify ceiling: " + fmt_num(vc.per_s) + "/s on " + std::to_string(vc.threads) + " threads");
  double ratio = vc.per_s > 0 ? rate / vc.per_s : 0;
  info("ratio: " + fmt_num(ratio, 3) + " (target >= 0.75)");
  nlohmann::json out = {{"bench", "edge"},
                        {"readings", total},
                        {"devices", o.devices},
                        {"readings_per_s", rate},
                        {"verify_ceiling_per_s", vc.per_s},
                        {"ratio", ratio},
                        {"lost", lost},
                        {"accepted", accepted},
                        {"refused", refused},
                        {"all_acked", all},
                        {"elapsed_s", elapsed},
                        {"publish_s", publish_s},
                        {"edge_cpu_s", edge_cpu},
                        {"edge_cpu_us_per_reading", total ? edge_cpu * 1e6 / total : 0},
                        {"verify_cpu_us", vc.cpu_us_per_verify},
                        {"broker_cpu_s", broker_cpu},
                        {"publisher_cpu_s", self_cpu},
                        {"cpus", cpu_count()},
                        {"loadavg_1m", loadavg_1m()}};
  if (o.json) std::cout << out.dump() << std::endl;
  return all && lost == 0 && refused == 0 ? kExitOk : kExitErrors;
}

}  // namespace

CommandRunner setup_edge_command(CLI::App& app) {
  auto o = std::make_shared<EdgeOpts>();
  auto* sub = app.add_subcommand(
      "edge",
      "signed readings through mosquitto into tanso-edge (--devices, no node), with the "
      "Ed25519 verification ceiling");
  sub->add_option("--devices", o->devices, "Simulated devices")->capture_default_str();
  sub->add_option("--readings", o->per_device, "Readings per device")->capture_default_str();
  sub->add_option("--verify-seconds", o->verify_seconds, "Ceiling measurement time")
      ->capture_default_str();
  sub->add_flag("--json", o->json, "Last stdout line: one JSON object");
  sub->add_flag("--keep", o->keep, "Keep the temporary directory");
  return {sub, [o] { return run_edge(*o); }};
}

}  // namespace tanso::bench
