// tanso-sensor-sim's MQTT side (docs/SENSOR_SIM.md): one libmosquitto client per device
// (persistent session, QoS 1), publishing each device's slots on schedule, subscribing to the
// device's ack topic, re-publishing unacknowledged readings after the retry time and after every
// reconnect, and reconnecting when the broker goes away. Single-threaded: one poll() loop drives
// every client.
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "sim/device.h"

namespace tanso::sim {

struct RunOptions {
  std::string host = "127.0.0.1";
  int port = 1883;
  std::string client_prefix = "tanso-sim";
  std::string username, password;
  int keepalive_s = 30;
  uint64_t count = 0;      // slots per device; 0: until --duration or a signal
  double duration_s = 0;   // wall seconds of generation; 0: no limit
  bool realtime = false;   // one slot per interval of wall time
  double rate = 0;         // slots per second per device; 0 (and not realtime): as fast as possible
  double retry_s = 5;      // re-publish an unacknowledged reading after this; 0: only on reconnect
  bool acks = true;        // false: no ack topic, no pending store (MQTT QoS 1 only)
  bool wait_acks = false;  // after generating, wait until every valid reading is acknowledged
  double ack_timeout_s = 60;  // how long to wait for acks (or, without --wait-acks, PUBACKs)
  size_t window = 100;        // MQTT messages in flight per device before fast mode pauses
  bool quiet = false;
};

struct RunResult {
  int exit_code = 0;       // 0 done; 1 could not start; 3 acks (or PUBACKs) missing at the timeout
  std::string stopped_by;  // "count", "duration", "signal"
  bool drained = false;    // every valid reading acknowledged (--wait-acks) or PUBACKed
  double elapsed_s = 0;
  uint64_t connects = 0, disconnects = 0;
  std::string error;
};

// Runs until the stop condition; `signals` counts SIGINT/SIGTERM (1: stop generating and drain;
// 2: stop now).
RunResult run_sim(std::vector<DeviceSim>& devices, const RunOptions& o,
                  const std::atomic<int>& signals);

}  // namespace tanso::sim
