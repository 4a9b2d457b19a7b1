// The running gateway: threads, MQTT, uploads, metrics and proofs (see gateway.h).
#include "edge/gateway.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "core/merkle.h"
#include "edge/uploader.h"
#include "http/client.h"

namespace tanso::edge {
namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Gateway::Gateway(EdgeConfig cfg, std::unique_ptr<Store> store)
    : cfg_(std::move(cfg)), store_(std::move(store)) {
  installations_ = split_installations(cfg_.installations);
  SequenceLimits lim;
  lim.rule = {cfg_.interval_min, cfg_.utc_offset_min};
  lim.max_skew_ms = int64_t{cfg_.max_skew_s} * 1000;
  lim.gap_window = cfg_.gap_window;
  lim.gap_wait_ms = int64_t{cfg_.gap_wait_s} * 1000;
  pipeline_ = std::make_unique<Pipeline>(*store_, lim, cfg_.verify_threads);
}

Gateway::~Gateway() { stop(); }

Result<std::unique_ptr<Gateway>> Gateway::open(const EdgeConfig& cfg) {
  auto st = Store::open(cfg.data_dir);
  if (!st) return st.error();
  std::unique_ptr<Gateway> g(new Gateway(cfg, std::move(*st)));
  g->pipeline_->load();
  if (auto s = g->load_registry(); !s) return s.error();
  return g;
}

// --devices: that file. Otherwise the node's view of each installation, cached in reg/<inst>;
// while the node is down the cached copy is used.
Status Gateway::load_registry() {
  const uint64_t max_milli = *parse_decimal_milli(cfg_.max_value);
  auto reg = std::make_shared<Registry>();
  rocksdb::WriteBatch wb;
  Json file;
  if (!cfg_.devices.empty()) {
    std::ifstream f(cfg_.devices);
    std::stringstream ss;
    ss << f.rdbuf();
    file = Json::parse(ss.str(), nullptr, false);
    if (!f || file.is_discarded() || !file.is_object() || !file.contains("devices"))
      return err("edge.registry_invalid",
                 cfg_.devices + ": not a JSON object {\"devices\": [...]}");
  }
  std::unique_ptr<NodeLink> link;
  if (cfg_.devices.empty()) {
    auto kf = read_key_file(cfg_.key);
    if (!kf) return kf.error();
    auto ep = http::parse_endpoint(cfg_.node);
    if (!ep) return err("config.invalid", "bad --node " + cfg_.node);
    link = std::make_unique<NodeLink>(*ep, *kf);
  }
  for (const auto& inst : installations_) {
    Json view;
    if (!cfg_.devices.empty()) {
      view = file;
    } else {
      try {
        auto v = link->installation(inst);
        if (v)
          view = *v;
        else
          spdlog::warn("registry of {}: {} {}", inst, v.error().code, v.error().message);
      } catch (const std::exception& e) {
        spdlog::warn("registry of {}: node unreachable ({}); using the cached copy", inst,
                     e.what());
      }
      if (view.is_null()) {
        auto cached = store_->get("reg/" + inst);
        if (cached) view = Json::parse(*cached, nullptr, false);
      }
      if (view.is_null() || view.is_discarded()) {
        spdlog::warn("no registry for {} yet: its readings are refused until it is fetched", inst);
        continue;
      }
    }
    auto info = parse_installation(inst, view, max_milli, cfg_.factor_version);
    if (!info) return info.error();
    reg->installations[inst] = std::move(*info);
    wb.Put("reg/" + inst, view.dump());
  }
  if (auto s = store_->write(wb, true); !s) return s;
  pipeline_->set_registry(reg);
  return ok_status();
}

void Gateway::start() {
  std::vector<std::string> topics;
  for (const auto& i : installations_) topics.push_back("tanso/" + i + "/+");
  std::string host;
  int port = 1883;
  auto ep = http::parse_endpoint(cfg_.broker, nullptr, 1883);
  if (ep) {
    host = ep->host;
    port = ep->port;
  }
  mqtt_ = std::make_unique<MqttClient>(
      host, port, cfg_.client_id, topics,
      [this](std::string t, std::string p) { on_message(std::move(t), std::move(p)); });
  verifier_thread_ = std::thread([this] { verifier(); });
  committer_thread_ = std::thread([this] { committer(); });
  uploader_thread_ = std::thread([this] { uploader(); });
  mqtt_->start();
}

void Gateway::stop() {
  if (stop_.exchange(true)) return;
  if (mqtt_) mqtt_->stop();
  qcv_.notify_all();
  ccv_.notify_all();
  ucv_.notify_all();
  if (verifier_thread_.joinable()) verifier_thread_.join();
  if (committer_thread_.joinable()) committer_thread_.join();
  if (uploader_thread_.joinable()) uploader_thread_.join();
}

void Gateway::on_message(std::string topic, std::string payload) {
  {
    std::lock_guard lk(qmu_);
    queue_.push_back({std::move(topic), std::move(payload)});
  }
  qcv_.notify_one();
}

void Gateway::verifier() {
  while (!stop_) {
    Checked c;
    {
      std::unique_lock lk(qmu_);
      qcv_.wait_for(lk, std::chrono::milliseconds(200),
                    [&] { return stop_.load() || !queue_.empty(); });
      while (!queue_.empty() && c.msgs.size() < cfg_.batch_max) {
        c.msgs.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    if (c.msgs.empty()) continue;
    c.pre = pipeline_->precheck_all(c.msgs);
    std::unique_lock lk(cmu_);
    ccv_.wait(lk, [&] { return stop_.load() || !checked_; });
    if (stop_) return;
    checked_ = std::move(c);
    ccv_.notify_all();
  }
}

void Gateway::committer() {
  const int64_t grace_ms = int64_t{cfg_.close_grace_s} * 1000;
  int64_t last_close = 0, last_resolve = 0;
  while (!stop_) {
    std::optional<Checked> c;
    {
      std::unique_lock lk(cmu_);
      ccv_.wait_for(lk, std::chrono::milliseconds(200),
                    [&] { return stop_.load() || checked_.has_value(); });
      c.swap(checked_);
    }
    ccv_.notify_all();
    try {
      std::vector<Ack> acks;
      if (c) acks = pipeline_->commit(c->msgs, c->pre, now_ms());
      int64_t now = now_ms();
      if (now - last_resolve >= 200) {
        last_resolve = now;
        for (auto& a : pipeline_->resolve_due(now)) acks.push_back(std::move(a));
      }
      if (now - last_close >= 1000) {
        last_close = now;
        if (!pipeline_->close_due(now, grace_ms, &acks).empty()) {
          std::lock_guard lk(umu_);
          upload_wakeup_ = true;
          ucv_.notify_one();
        }
      }
      for (const auto& a : acks)
        if (mqtt_->publish(a.topic, a.payload())) acks_++;
    } catch (const std::exception& e) {
      // Nothing of the group was acknowledged; devices resend. Stop taking readings.
      spdlog::critical("edge: {}; stopping the pipeline", e.what());
      failed_ = true;
      return;
    }
  }
}

void Gateway::uploader() {
  std::unique_ptr<NodeLink> link;
  if (!cfg_.node.empty()) {
    auto kf = read_key_file(cfg_.key);
    auto ep = http::parse_endpoint(cfg_.node);
    if (kf && ep) link = std::make_unique<NodeLink>(*ep, *kf);
  }
  uint32_t backoff_s = 0;
  auto last_refresh = std::chrono::steady_clock::now();
  while (!stop_) {
    // Pending batches, oldest interval first (key order).
    std::vector<std::pair<std::string, Json>> pending;
    store_->scan("b/", [&](std::string_view k, std::string_view v) {
      Json rec = Json::parse(v, nullptr, false);
      if (rec.is_object() && rec.value("status", "") == "pending")
        pending.emplace_back(std::string(k), std::move(rec));
      return true;
    });
    pending_ = pending.size();
    bool failed = false;
    if (link) {
      for (auto& [key, rec] : pending) {
        if (stop_) break;
        auto r = link->submit_batch(rec["body"]);
        if (r.outcome == NodeLink::Outcome::retry) {
          retries_++;
          spdlog::warn("batch {}: not submitted ({}: {}); retrying",
                       rec["batch_id"].get<std::string>(), r.code, r.message);
          failed = true;
          break;
        }
        rec["status"] = r.outcome == NodeLink::Outcome::done ? "submitted" : "rejected";
        rec["tx_id"] = r.tx_id;
        rec["height"] = r.height;
        rec["code"] = r.code;
        if (!r.message.empty()) rec["message"] = r.message;
        rocksdb::WriteBatch wb;
        wb.Put(key, rec.dump());
        if (r.outcome == NodeLink::Outcome::done) {
          submitted_++;
          spdlog::info("batch {} in block {} (tx {})", rec["batch_id"].get<std::string>(), r.height,
                       r.tx_id);
        } else {
          rejected_++;
          spdlog::error("batch {} rejected by the ledger: {}: {}",
                        rec["batch_id"].get<std::string>(), r.code, r.message);
        }
        if (auto s = store_->write(wb, true); !s) spdlog::error("store: {}", s.error().message);
        pending_--;
      }
    }
    backoff_s = failed ? std::min<uint32_t>(cfg_.retry_max_s, backoff_s ? backoff_s * 2 : 1) : 0;
    if (link && cfg_.devices.empty() &&
        std::chrono::steady_clock::now() - last_refresh >=
            std::chrono::seconds(cfg_.registry_refresh_s)) {
      last_refresh = std::chrono::steady_clock::now();
      if (auto s = load_registry(); !s) spdlog::warn("registry refresh: {}", s.error().message);
    }
    std::unique_lock lk(umu_);
    ucv_.wait_for(lk, std::chrono::seconds(failed ? backoff_s : 5),
                  [&] { return stop_.load() || (upload_wakeup_ && !failed); });
    upload_wakeup_ = false;
  }
}

std::string Gateway::metrics_text() const {
  auto c = pipeline_->counters();
  auto get = [&](const std::string& k) {
    auto it = c.find(k);
    return it == c.end() ? uint64_t{0} : it->second;
  };
  std::ostringstream o;
  auto line = [&](std::string_view name, std::string_view type, uint64_t v) {
    o << "# TYPE " << name << " " << type << "\n" << name << " " << v << "\n";
  };
  line("tanso_edge_readings_accepted_total", "counter", get("accepted"));
  line("tanso_edge_readings_duplicate_total", "counter", get("duplicate"));
  o << "# TYPE tanso_edge_readings_refused_total counter\n";
  uint64_t refused = 0;
  for (auto code : kRefusalCodes) {
    uint64_t v = get("refused." + std::string(code));
    refused += v;
    o << "tanso_edge_readings_refused_total{code=\"" << code << "\"} " << v << "\n";
  }
  line("tanso_edge_readings_refused_all_total", "counter", refused);
  line("tanso_edge_gaps_total", "counter", get("gaps"));
  line("tanso_edge_substituted_total", "counter", get("substituted"));
  line("tanso_edge_batches_closed_total", "counter", get("batches_closed"));
  line("tanso_edge_batches_submitted_total", "counter", submitted_.load());
  line("tanso_edge_batches_rejected_total", "counter", rejected_.load());
  line("tanso_edge_batches_pending", "gauge", pending_.load());
  line("tanso_edge_submit_retries_total", "counter", retries_.load());
  line("tanso_edge_acks_published_total", "counter", acks_.load());
  line("tanso_edge_open_intervals", "gauge", pipeline_->open_intervals());
  {
    std::lock_guard lk(const_cast<std::mutex&>(qmu_));
    line("tanso_edge_queue_depth", "gauge", queue_.size());
  }
  line("tanso_edge_mqtt_connected", "gauge", mqtt_ && mqtt_->connected() ? 1 : 0);
  line("tanso_edge_store_bytes", "gauge", store_->size_bytes());
  return o.str();
}

Result<Json> Gateway::proof(const std::string& device, uint64_t seq) const {
  auto reg = pipeline_->registry();
  const DeviceInfo* d = reg ? reg->find_any(device) : nullptr;
  std::vector<std::string> insts;
  if (d)
    insts.push_back(d->installation);
  else
    insts = installations_;
  for (const auto& inst : insts) {
    auto raw = store_->get(Store::raw_key(inst, device, seq));
    if (!raw) continue;
    auto rec = RawRecord::decode(*raw);
    if (!rec) return err("edge.store_corrupt", "unreadable record", 500);
    auto b = store_->get(Store::batch_key(inst, rec->interval_start));
    if (!b) return err("edge.not_batched", "the reading's interval is not closed yet", 409);
    Json brec = Json::parse(*b);
    auto readings = store_->interval_readings(inst, rec->interval_start);
    std::vector<Hash> leaves;
    size_t index = readings.size();
    for (size_t i = 0; i < readings.size(); ++i) {
      leaves.push_back(reading_leaf(readings[i].text));
      if (readings[i].device == device && readings[i].seq == seq) index = i;
    }
    if (index == readings.size()) return err("edge.store_corrupt", "reading not indexed", 500);
    Json path = Json::array();
    for (const auto& h : merkle::audit_path(leaves, index)) path.push_back(to_hex(h));
    return Json{{"device", device},
                {"seq", seq},
                {"installation", inst},
                {"reading", rec->text},
                {"sig", rec->sig_hex},
                {"batch_id", brec["batch_id"]},
                {"batch_status", brec["status"]},
                {"tx_id", brec.value("tx_id", "")},
                {"height", brec.value("height", Json(0))},
                {"leaf_index", index},
                {"tree_size", leaves.size()},
                {"leaf_hash", to_hex(leaves[index])},
                {"audit_path", path},
                {"merkle_root", to_hex(merkle::root(leaves))}};
  }
  return err("edge.unknown_reading", "no reading " + device + "/" + std::to_string(seq), 404);
}

void register_edge_routes(http::Server& server, Gateway& gw) {
  server.route("GET", "/metrics", [&gw](const http::Request&) {
    http::Response r;
    r.content_type = "text/plain; version=0.0.4";
    r.body = gw.metrics_text();
    return r;
  });
  server.route("GET", "/healthz", [&gw](const http::Request&) {
    http::Response r;
    r.status = gw.healthy() ? 200 : 503;
    r.body = gw.healthy() ? R"({"status":"ok"})" : R"({"status":"halted"})";
    return r;
  });
  server.route("GET", "/v1/edge/readings/{device}/{seq}/proof", [&gw](const http::Request& q) {
    uint64_t seq = 0;
    try {
      seq = std::stoull(q.params.at("seq"));
    } catch (const std::exception&) {
      return http::error_response(400, "request.bad_parameter", "seq must be an integer");
    }
    auto p = gw.proof(q.params.at("device"), seq);
    if (!p) return http::error_response(p.error().http, p.error().code, p.error().message);
    http::Response r;
    r.body = p->dump();
    return r;
  });
}

}  // namespace tanso::edge
