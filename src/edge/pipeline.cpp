// The reading pipeline (see pipeline.h).
#include "edge/pipeline.h"

#include <spdlog/spdlog.h>

#include <stdexcept>

namespace tanso::edge {

Pipeline::Pipeline(Store& store, SequenceLimits limits, unsigned verify_threads)
    : store_(store), lim_(limits), pool_(verify_threads) {}

void Pipeline::set_registry(std::shared_ptr<const Registry> r) {
  std::lock_guard lk(mu_);
  registry_ = std::move(r);
}

std::shared_ptr<const Registry> Pipeline::registry() const {
  std::lock_guard lk(mu_);
  return registry_;
}

void Pipeline::load() {
  std::lock_guard lk(mu_);
  store_.scan("d/", [&](std::string_view k, std::string_view v) {
    devices_[std::string(k.substr(2))] = decode_device_state(v);
    return true;
  });
  auto inst_start = [](std::string_view k) {
    k.remove_prefix(2);
    auto slash = k.rfind('/');
    return std::pair{
        std::string(k.substr(0, slash)),
        static_cast<int64_t>(std::stoull(std::string(k.substr(slash + 1)), nullptr, 16))};
  };
  store_.scan("o/", [&](std::string_view k, std::string_view) {
    open_.insert(inst_start(k));
    return true;
  });
  store_.scan("b/", [&](std::string_view k, std::string_view) {
    closed_.insert(inst_start(k));
    return true;
  });
  store_.scan("m/", [&](std::string_view k, std::string_view v) {
    counters_[std::string(k.substr(2))] = std::stoull(std::string(v));
    return true;
  });
}

std::vector<Prechecked> Pipeline::precheck_all(const std::vector<Message>& msgs) {
  auto reg = registry();
  std::vector<Prechecked> out(msgs.size());
  if (!reg) {
    static const Registry empty;
    for (size_t i = 0; i < msgs.size(); ++i)
      out[i] = precheck(msgs[i].topic, msgs[i].payload, empty);
    return out;
  }
  pool_.run(msgs.size(),
            [&](size_t i) { out[i] = precheck(msgs[i].topic, msgs[i].payload, *reg); });
  return out;
}

std::vector<Ack> Pipeline::commit(const std::vector<Message>& msgs,
                                  const std::vector<Prechecked>& pre, int64_t now_ms) {
  rocksdb::WriteBatch wb;
  std::map<std::string, uint64_t> delta;
  std::map<std::string, uint64_t> ack_seq;          // ack topic -> seq
  std::map<std::string, std::string> group_stored;  // raw key -> "sig text" in this group
  std::set<std::string> touched_devices;
  std::vector<std::pair<std::string, int64_t>> opened;
  for (size_t i = 0; i < msgs.size(); ++i) {
    const Prechecked& p = pre[i];
    auto ack = [&](uint64_t seq) {
      // Only to the device that sent it (a reading published under another device's topic is
      // not that device's to acknowledge).
      if (!p.topic || !p.reading || p.topic->device != p.reading->device) return;
      std::string t = topic_for(p.topic->installation, p.topic->device) + "/ack";
      auto& s = ack_seq[t];
      s = std::max(s, seq);
    };
    if (!p.code.empty()) {
      ++delta["refused." + p.code];
      if (p.reading) ack(p.reading->seq);
      continue;
    }
    const Reading& r = *p.reading;
    const std::string& inst = p.topic->installation;
    const std::string dkey = inst + "/" + r.device;
    DeviceState& st = devices_[dkey];
    const std::string sig_hex = to_hex(ByteView(r.sig.data(), r.sig.size()));
    auto stored = [&](uint64_t seq) -> std::optional<std::string> {
      auto k = Store::raw_key(inst, r.device, seq);
      if (auto g = group_stored.find(k); g != group_stored.end()) return g->second;
      auto v = store_.get(k);
      if (!v) return std::nullopt;
      auto rec = RawRecord::decode(*v);
      if (!rec) return std::nullopt;
      return rec->sig_and_text();
    };
    auto closed = [&](int64_t start) { return closed_.contains({inst, start}); };
    Sequenced s = sequence(p, sig_hex, st, now_ms, lim_, stored, closed);
    if (s.verdict == Verdict::refuse) {
      ++delta["refused." + s.code];
      ack(std::max(r.seq, st.last_seq));
      continue;
    }
    if (s.verdict == Verdict::duplicate) {
      ++delta["duplicate"];
      ack(st.last_seq);
      continue;
    }
    RawRecord rec{s.interval.start_ms, s.gaps, s.subst_milli, r.value_milli, sig_hex, r.text};
    const std::string rk = Store::raw_key(inst, r.device, r.seq);
    wb.Put(rk, rec.encode());
    wb.Put(Store::interval_key(inst, s.interval.start_ms, r.device, r.seq), "");
    group_stored[rk] = rec.sig_and_text();
    if (!open_.contains({inst, s.interval.start_ms})) {
      wb.Put(Store::open_key(inst, s.interval.start_ms), "");
      opened.emplace_back(inst, s.interval.start_ms);
      std::lock_guard lk(mu_);
      open_.insert({inst, s.interval.start_ms});
    }
    advance(st, r, lim_.gap_window);
    touched_devices.insert(dkey);
    ++delta["accepted"];
    if (s.gaps) {
      delta["gaps"] += s.gaps;
      delta["substituted"] += s.gaps;
    }
    ack(r.seq);
  }
  for (const auto& d : touched_devices) {
    auto slash = d.find('/');
    wb.Put(Store::device_key(d.substr(0, slash), d.substr(slash + 1)),
           encode_device_state(devices_[d]));
  }
  {
    std::lock_guard lk(mu_);
    for (const auto& [k, v] : delta) {
      counters_[k] += v;
      wb.Put("m/" + k, std::to_string(counters_[k]));
    }
  }
  if (wb.Count() > 0)
    if (auto w = store_.write(wb, /*sync=*/true); !w)
      throw std::runtime_error("store write failed: " + w.error().message);
  std::vector<Ack> acks;
  for (auto& [t, s] : ack_seq) acks.push_back({t, s});
  return acks;
}

std::vector<std::string> Pipeline::close_due(int64_t now_ms, int64_t grace_ms) {
  std::vector<std::pair<std::string, int64_t>> due;
  {
    std::lock_guard lk(mu_);
    for (const auto& o : open_) {
      IntervalId id = interval_at(lim_.rule, o.second);
      if (interval_end_ms(lim_.rule, id) + grace_ms <= now_ms) due.push_back(o);
    }
  }
  std::vector<std::string> out;
  auto reg = registry();
  for (const auto& [inst, start] : due) {
    IntervalId id = interval_at(lim_.rule, start);
    auto readings = store_.interval_readings(inst, start);
    std::string version;
    if (reg)
      if (auto it = reg->installations.find(inst); it != reg->installations.end())
        version = it->second.factor_version;
    auto totals = device_totals(readings, [&](const std::string& dev) {
      const DeviceInfo* d = reg ? reg->find(inst, dev) : nullptr;
      return d ? std::pair{d->source, d->unit} : std::pair{std::string("unknown"), std::string()};
    });
    Json body = batch_body(inst, lim_.rule, id, readings_root(readings), version, totals);
    Json rec = {{"batch_id", body["batch_id"]}, {"body", body},
                {"status", "pending"},          {"installation", inst},
                {"interval_start_ms", start},   {"readings", readings.size()}};
    rocksdb::WriteBatch wb;
    const std::string bk = Store::batch_key(inst, start);
    wb.Delete(Store::open_key(inst, start));
    wb.Put(bk, rec.dump());
    {
      std::lock_guard lk(mu_);
      wb.Put("m/batches_closed", std::to_string(++counters_["batches_closed"]));
    }
    if (auto w = store_.write(wb, true); !w)
      throw std::runtime_error("store write failed: " + w.error().message);
    {
      std::lock_guard lk(mu_);
      open_.erase({inst, start});
      closed_.insert({inst, start});
    }
    spdlog::info("closed interval {} ({} readings, root {})", body["batch_id"].get<std::string>(),
                 readings.size(), body["merkle_root"].get<std::string>());
    out.push_back(bk);
  }
  return out;
}

std::map<std::string, uint64_t> Pipeline::counters() const {
  std::lock_guard lk(mu_);
  return counters_;
}

size_t Pipeline::open_intervals() const {
  std::lock_guard lk(mu_);
  return open_.size();
}

}  // namespace tanso::edge
