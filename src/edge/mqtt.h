// The gateway's MQTT client (libmosquitto 2.0): a fixed client id with clean_session=false, so
// the broker keeps the QoS 1 subscription and queues readings while the gateway is down; QoS 1
// subscriptions to tanso/<installation>/+; libmosquitto's own thread reconnects (1-10 s
// backoff) and resubscribes on every connect. Received messages go to a callback on that
// thread; acks (tanso/<installation>/<device>/ack) are published from any thread.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <vector>

struct mosquitto;
struct mosquitto_message;

namespace tanso::edge {

class MqttClient {
 public:
  using OnMessage = std::function<void(std::string topic, std::string payload)>;
  MqttClient(std::string host, int port, std::string client_id, std::vector<std::string> topics,
             OnMessage on_message);
  ~MqttClient();  // stop()s
  void start();   // connects in the background (retries every second until the broker is up)
  void stop();
  // QoS 1, not retained. False if not queued (e.g. never connected yet).
  bool publish(const std::string& topic, const std::string& payload);
  bool connected() const { return connected_.load(); }
  uint64_t connects() const { return connects_.load(); }

 private:
  static void on_connect(mosquitto*, void* self, int rc);
  static void on_disconnect(mosquitto*, void* self, int rc);
  static void on_message(mosquitto*, void* self, const mosquitto_message* m);
  std::string host_;
  int port_;
  std::vector<std::string> topics_;
  OnMessage on_message_;
  mosquitto* mosq_ = nullptr;
  std::atomic<bool> connected_{false}, started_{false}, looping_{false};
  std::thread connector_;
  std::atomic<uint64_t> connects_{0};
};

}  // namespace tanso::edge
