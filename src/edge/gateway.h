// tanso-edge's running gateway: MQTT in, the pipeline (pipeline.h) in two stages — a verifier
// thread checks a group's signatures on the pool while a committer thread writes the previous
// group (group commit, one fsync) and then publishes its acks, and closes due intervals —
// and an uploader thread
// that submits pending batches to the node with backoff and refreshes the registry. Also serves
// /metrics, /healthz and reading proofs (register_edge_routes).
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "edge/config.h"
#include "edge/mqtt.h"
#include "edge/pipeline.h"
#include "edge/store.h"
#include "http/server.h"

namespace tanso::edge {

class Gateway {
 public:
  // Opens the store, loads the registry (--devices file, else the node, else the cached copy).
  static Result<std::unique_ptr<Gateway>> open(const EdgeConfig& cfg);
  ~Gateway();
  void start();
  void stop();
  bool healthy() const { return !failed_.load(); }

  std::string metrics_text() const;
  // The reading's proof up to its batch's merkle_root. Errors: edge.unknown_reading (404),
  // edge.not_batched (409: its interval is not closed yet).
  Result<Json> proof(const std::string& device, uint64_t seq) const;

 private:
  Gateway(EdgeConfig cfg, std::unique_ptr<Store> store);
  Status load_registry();
  void verifier();
  void committer();
  void uploader();
  void on_message(std::string topic, std::string payload);

  EdgeConfig cfg_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Pipeline> pipeline_;
  std::unique_ptr<MqttClient> mqtt_;
  std::vector<std::string> installations_;

  std::mutex qmu_;
  std::condition_variable qcv_;
  std::deque<Message> queue_;

  // verifier -> committer: one checked group at a time, so the next group's signatures are
  // verified while this one is written and fsynced.
  struct Checked {
    std::vector<Message> msgs;
    std::vector<Prechecked> pre;
  };
  std::mutex cmu_;
  std::condition_variable ccv_;
  std::optional<Checked> checked_;

  std::mutex umu_;
  std::condition_variable ucv_;
  bool upload_wakeup_ = false;

  std::atomic<bool> stop_{false}, failed_{false};
  std::atomic<uint64_t> acks_{0}, submitted_{0}, rejected_{0}, retries_{0}, pending_{0};
  std::thread verifier_thread_, committer_thread_, uploader_thread_;
};

void register_edge_routes(http::Server& server, Gateway& gw);

}  // namespace tanso::edge
