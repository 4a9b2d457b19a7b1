// libmosquitto wrapper (see mqtt.h).
#include "edge/mqtt.h"

#include <mosquitto.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <mutex>
#include <stdexcept>

namespace tanso::edge {

MqttClient::MqttClient(std::string host, int port, std::string client_id,
                       std::vector<std::string> topics, OnMessage on_message)
    : host_(std::move(host)),
      port_(port),
      topics_(std::move(topics)),
      on_message_(std::move(on_message)) {
  static std::once_flag init;
  std::call_once(init, [] { mosquitto_lib_init(); });
  mosq_ = mosquitto_new(client_id.c_str(), /*clean_session=*/false, this);
  if (!mosq_) throw std::runtime_error("mosquitto_new failed");
  mosquitto_int_option(mosq_, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
  mosquitto_max_inflight_messages_set(mosq_, 0);  // acks are never held back
  mosquitto_reconnect_delay_set(mosq_, 1, 10, true);
  mosquitto_connect_callback_set(mosq_, &MqttClient::on_connect);
  mosquitto_disconnect_callback_set(mosq_, &MqttClient::on_disconnect);
  mosquitto_message_callback_set(mosq_, &MqttClient::on_message);
}

MqttClient::~MqttClient() {
  stop();
  mosquitto_destroy(mosq_);
}

// libmosquitto's loop thread reconnects by itself once a connection was set up, but not when
// the very first connect fails (broker down when the gateway starts): a connector thread retries
// that one every second, then hands over to the loop thread.
void MqttClient::start() {
  started_ = true;
  connector_ = std::thread([this] {
    bool warned = false;
    while (started_) {
      int rc = mosquitto_connect_async(mosq_, host_.c_str(), port_, 30);
      if (rc == MOSQ_ERR_SUCCESS) {
        rc = mosquitto_loop_start(mosq_);
        if (rc == MOSQ_ERR_SUCCESS) {
          looping_ = true;
          return;
        }
      }
      if (!warned)
        spdlog::warn("mqtt: connect to {}:{}: {} (retrying every second)", host_, port_,
                     mosquitto_strerror(rc));
      warned = true;
      for (int i = 0; i < 10 && started_; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
}

void MqttClient::stop() {
  if (!started_.exchange(false)) return;
  if (connector_.joinable()) connector_.join();
  if (looping_) {
    mosquitto_disconnect(mosq_);
    mosquitto_loop_stop(mosq_, true);
  }
}

bool MqttClient::publish(const std::string& topic, const std::string& payload) {
  int rc = mosquitto_publish(mosq_, nullptr, topic.c_str(), static_cast<int>(payload.size()),
                             payload.data(), 1, false);
  return rc == MOSQ_ERR_SUCCESS;
}

void MqttClient::on_connect(mosquitto* m, void* self, int rc) {
  auto* c = static_cast<MqttClient*>(self);
  if (rc != 0) {
    spdlog::warn("mqtt: connection refused: {}", mosquitto_connack_string(rc));
    return;
  }
  for (const auto& t : c->topics_) mosquitto_subscribe(m, nullptr, t.c_str(), 1);
  c->connected_ = true;
  c->connects_++;
  spdlog::info("mqtt: connected to {}:{}, subscribed to {} topic(s)", c->host_, c->port_,
               c->topics_.size());
}

void MqttClient::on_disconnect(mosquitto*, void* self, int rc) {
  auto* c = static_cast<MqttClient*>(self);
  c->connected_ = false;
  if (rc != 0) spdlog::warn("mqtt: disconnected ({}), reconnecting", mosquitto_strerror(rc));
}

void MqttClient::on_message(mosquitto*, void* self, const mosquitto_message* m) {
  auto* c = static_cast<MqttClient*>(self);
  c->on_message_(std::string(m->topic),
                 std::string(static_cast<const char*>(m->payload), m->payloadlen));
}

}  // namespace tanso::edge
