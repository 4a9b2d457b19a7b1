// The MQTT loop of tanso-sensor-sim (docs/SENSOR_SIM.md "Acknowledgements and reconnects").
#include "sim/runner.h"

#include <mosquitto.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <set>

#include "edge/reading.h"

namespace tanso::sim {
namespace {

int64_t steady_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

struct Conn {
  DeviceSim* dev = nullptr;
  mosquitto* m = nullptr;
  std::string topic, ack_topic, client_id;
  bool linked = false;  // TCP connected (socket open)
  bool up = false;      // CONNACK accepted
  bool ever_connected = false;
  bool reported_down = false;  // "cannot connect" said once per outage
  int64_t next_attempt_ms = 0;
  int64_t backoff_ms = 200;
  std::set<int> inflight;           // mids not yet PUBACKed
  std::vector<std::string> outbox;  // made while down, not tracked (replays; all in --no-acks)
  uint64_t slots_done = 0;
  double first_due_ms = 0;  // rate and realtime modes: slot k is due at first_due + k * period
  bool done = false;
  const RunOptions* o = nullptr;
  RunResult* result = nullptr;
};

void log(const RunOptions& o, const char* fmt, const std::string& a, const std::string& b = "") {
  if (o.quiet) return;
  std::fprintf(stderr, fmt, a.c_str(), b.c_str());
  std::fputc('\n', stderr);
}

// Publishes at QoS 1; false if the library refused (not connected): the caller keeps it.
bool publish(Conn& c, const std::string& msg) {
  if (!c.up) return false;
  int mid = 0;
  int rc = mosquitto_publish(c.m, &mid, c.topic.c_str(), static_cast<int>(msg.size()), msg.data(),
                             1, false);
  if (rc != MOSQ_ERR_SUCCESS) return false;
  c.inflight.insert(mid);
  return true;
}

void send_backlog(Conn& c) {
  int64_t now = steady_ms();
  if (c.o->acks)
    for (const auto& msg : c.dev->all_pending(now)) publish(c, msg);
  std::vector<std::string> out;
  out.swap(c.outbox);
  for (auto& msg : out)
    if (!publish(c, msg)) c.outbox.push_back(std::move(msg));
}

void on_connect(mosquitto* m, void* obj, int rc) {
  auto& c = *static_cast<Conn*>(obj);
  if (rc != 0) {
    log(*c.o, "tanso-sensor-sim: %s: broker refused the connection: %s", c.dev->id(),
        mosquitto_connack_string(rc));
    mosquitto_disconnect(m);
    return;
  }
  c.up = true;
  c.reported_down = false;
  c.backoff_ms = 200;
  c.inflight.clear();  // the library resends its own in-flight messages; PUBACKs may still come
  ++c.result->connects;
  if (c.ever_connected) log(*c.o, "tanso-sensor-sim: %s: reconnected", c.dev->id());
  c.ever_connected = true;
  if (c.o->acks) mosquitto_subscribe(m, nullptr, c.ack_topic.c_str(), 1);
  send_backlog(c);
}

void on_disconnect(mosquitto*, void* obj, int) {
  auto& c = *static_cast<Conn*>(obj);
  if (c.up) ++c.result->disconnects;
  c.up = false;
}

void on_publish(mosquitto*, void* obj, int mid) { static_cast<Conn*>(obj)->inflight.erase(mid); }

void on_message(mosquitto*, void* obj, const mosquitto_message* msg) {
  auto& c = *static_cast<Conn*>(obj);
  if (!msg->topic || c.ack_topic != msg->topic) return;
  std::string_view payload(static_cast<const char*>(msg->payload),
                           static_cast<size_t>(std::max(msg->payloadlen, 0)));
  if (!c.dev->on_ack_message(payload))
    log(*c.o, "tanso-sensor-sim: %s: ignored a malformed ack: %s", c.dev->id(),
        std::string(payload.substr(0, 200)));
}

void drop_link(Conn& c, int64_t now) {
  if (c.linked) mosquitto_disconnect(c.m);
  if (c.up) ++c.result->disconnects;
  c.linked = false;
  c.up = false;
  c.next_attempt_ms = now + c.backoff_ms;
  c.backoff_ms = std::min<int64_t>(c.backoff_ms * 2, 2000);
}

void try_connect(Conn& c, int64_t now) {
  int rc = c.ever_connected || c.next_attempt_ms > 0
               ? mosquitto_reconnect(c.m)
               : mosquitto_connect(c.m, c.o->host.c_str(), c.o->port, c.o->keepalive_s);
  if (rc == MOSQ_ERR_SUCCESS) {
    c.linked = true;
    return;
  }
  if (rc == MOSQ_ERR_INVAL && !c.ever_connected && c.next_attempt_ms == 0) {
    c.result->error = "invalid broker address " + c.o->host;
  }
  if (!c.reported_down) {
    c.reported_down = true;
    log(*c.o, "tanso-sensor-sim: %s: cannot connect to the broker (%s); retrying", c.dev->id(),
        rc == MOSQ_ERR_ERRNO ? std::string(std::strerror(errno)) : mosquitto_strerror(rc));
  }
  c.next_attempt_ms = now + c.backoff_ms;
  c.backoff_ms = std::min<int64_t>(c.backoff_ms * 2, 2000);
}

// Makes the device's next slot and publishes (or keeps) what it produced.
void produce(Conn& c, int64_t now) {
  auto pubs = c.dev->next_slot();
  ++c.slots_done;
  for (auto& p : pubs) {
    if (c.o->acks && p.tracked) {
      c.dev->track(p.seq, p.message, now);
      publish(c, p.message);
    } else if (!publish(c, p.message)) {
      c.outbox.push_back(std::move(p.message));
    }
  }
  if (c.o->count && c.slots_done >= c.o->count) c.done = true;
}

}  // namespace

RunResult run_sim(std::vector<DeviceSim>& devices, const RunOptions& o,
                  const std::atomic<int>& signals) {
  RunResult res;
  mosquitto_lib_init();
  const int64_t start = steady_ms();
  std::vector<std::unique_ptr<Conn>> conns;
  const double n = static_cast<double>(devices.size());
  for (size_t i = 0; i < devices.size(); ++i) {
    auto c = std::make_unique<Conn>();
    c->dev = &devices[i];
    c->o = &o;
    c->result = &res;
    const auto& e = devices[i].device().entry;
    c->topic = edge::topic_for(e.installation, e.id);
    c->ack_topic = c->topic + "/ack";
    c->client_id = o.client_prefix + "-" + e.id;
    c->m = mosquitto_new(c->client_id.c_str(), false, c.get());
    if (!c->m) {
      res.exit_code = 1;
      res.error = "cannot create an MQTT client";
      break;
    }
    mosquitto_int_option(c->m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
    mosquitto_max_inflight_messages_set(c->m, static_cast<unsigned>(o.window));
    if (!o.username.empty())
      mosquitto_username_pw_set(c->m, o.username.c_str(),
                                o.password.empty() ? nullptr : o.password.c_str());
    mosquitto_connect_callback_set(c->m, on_connect);
    mosquitto_disconnect_callback_set(c->m, on_disconnect);
    mosquitto_publish_callback_set(c->m, on_publish);
    mosquitto_message_callback_set(c->m, on_message);
    // Spread the devices over one period in rate mode; realtime devices publish at the end of
    // each interval, as meters do.
    if (o.realtime)
      c->first_due_ms = static_cast<double>(start + static_cast<int64_t>(devices[i].interval_ms()));
    else if (o.rate > 0)
      c->first_due_ms = static_cast<double>(start) + 1000.0 / o.rate * static_cast<double>(i) / n;
    conns.push_back(std::move(c));
  }
  const double period_ms =
      o.realtime   ? (devices.empty() ? 1000.0 : static_cast<double>(devices[0].interval_ms()))
      : o.rate > 0 ? 1000.0 / o.rate
                   : 0;

  bool generating = res.exit_code == 0;
  int64_t drain_deadline = 0;
  int64_t last_retry_check = 0, last_progress = start;
  std::vector<pollfd> fds;
  std::vector<Conn*> polled;
  while (res.exit_code == 0) {
    int64_t now = steady_ms();
    int sig = signals.load();
    if (sig >= 2) {
      res.stopped_by = "signal";
      res.exit_code = 3;
      break;
    }
    if (generating) {
      bool all_done = std::all_of(conns.begin(), conns.end(), [](auto& c) { return c->done; });
      if (sig >= 1 || all_done || (o.duration_s > 0 && now - start >= o.duration_s * 1000)) {
        res.stopped_by = sig >= 1 ? "signal" : all_done ? "count" : "duration";
        generating = false;
        drain_deadline = now + static_cast<int64_t>(o.ack_timeout_s * 1000);
      }
    }
    if (!generating) {
      bool drained;
      if (o.wait_acks && o.acks)
        drained =
            std::all_of(devices.begin(), devices.end(), [](auto& d) { return d.acks_complete(); });
      else
        drained = std::all_of(conns.begin(), conns.end(), [](auto& c) {
          return c->up && c->inflight.empty() && c->outbox.empty();
        });
      if (drained) {
        res.drained = true;
        break;
      }
      if (now >= drain_deadline) {
        res.exit_code = 3;
        break;
      }
    }
    for (auto& c : conns)
      if (!c->linked && now >= c->next_attempt_ms) try_connect(*c, now);
    if (!res.error.empty()) {
      res.exit_code = 1;
      break;
    }

    // Generation.
    bool busy = false;
    if (generating) {
      for (auto& c : conns) {
        if (c->done) continue;
        if (o.realtime || o.rate > 0) {
          int burst = 0;
          while (!c->done && burst++ < 1000 &&
                 static_cast<double>(now) >=
                     c->first_due_ms + period_ms * static_cast<double>(c->slots_done))
            produce(*c, now);
        } else {
          int burst = 0;
          while (!c->done && c->up && c->inflight.size() < o.window && burst++ < 50)
            produce(*c, now);
          if (!c->done && c->up && c->inflight.size() < o.window) busy = true;
        }
      }
    }
    // Retries.
    if (o.acks && o.retry_s > 0 && now - last_retry_check >= 100) {
      last_retry_check = now;
      for (auto& c : conns)
        if (c->up)
          for (const auto& msg : c->dev->due_retries(now, static_cast<int64_t>(o.retry_s * 1000)))
            publish(*c, msg);
    }
    if (!o.quiet && now - last_progress >= 5000) {
      last_progress = now;
      uint64_t pub = 0, valid = 0, pend = 0, up = 0;
      for (auto& c : conns) {
        pub += c->dev->stats.published;
        valid += c->dev->stats.valid;
        pend += c->dev->pending();
        up += c->up;
      }
      std::fprintf(stderr,
                   "tanso-sensor-sim: %.0fs published %llu, valid %llu, unacked %llu, connected "
                   "%llu/%zu\n",
                   (now - start) / 1000.0, static_cast<unsigned long long>(pub),
                   static_cast<unsigned long long>(valid), static_cast<unsigned long long>(pend),
                   static_cast<unsigned long long>(up), conns.size());
    }

    // I/O.
    fds.clear();
    polled.clear();
    for (auto& c : conns) {
      if (!c->linked) continue;
      int fd = mosquitto_socket(c->m);
      if (fd < 0) {
        drop_link(*c, now);
        continue;
      }
      short ev = POLLIN;
      if (mosquitto_want_write(c->m)) ev |= POLLOUT;
      fds.push_back(pollfd{fd, ev, 0});
      polled.push_back(c.get());
    }
    int timeout = busy ? 0 : 10;
    if (fds.empty()) {
      poll(nullptr, 0, timeout);
    } else {
      poll(fds.data(), fds.size(), timeout);
    }
    now = steady_ms();
    for (size_t i = 0; i < fds.size(); ++i) {
      Conn& c = *polled[i];
      int rc = MOSQ_ERR_SUCCESS;
      if (fds[i].revents & (POLLIN | POLLERR | POLLHUP)) rc = mosquitto_loop_read(c.m, 1);
      if (rc == MOSQ_ERR_SUCCESS && (fds[i].revents & POLLOUT)) rc = mosquitto_loop_write(c.m, 1);
      if (rc == MOSQ_ERR_SUCCESS) rc = mosquitto_loop_misc(c.m);
      if (rc != MOSQ_ERR_SUCCESS) {
        if (c.up || c.ever_connected)
          log(o, "tanso-sensor-sim: %s: connection lost (%s); reconnecting", c.dev->id(),
              mosquitto_strerror(rc));
        drop_link(c, now);
      }
    }
  }

  // Say goodbye cleanly (the session persists on the broker).
  for (auto& c : conns) {
    if (c->m && c->linked) {
      mosquitto_disconnect(c->m);
      mosquitto_loop_write(c->m, 1);
    }
    if (c->m) mosquitto_destroy(c->m);
  }
  mosquitto_lib_cleanup();
  res.elapsed_s = (steady_ms() - start) / 1000.0;
  if (res.stopped_by.empty()) res.stopped_by = "error";
  return res;
}

}  // namespace tanso::sim
