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

namespace {

std::string ack_topic(const std::string& dkey) { return "tanso/" + dkey + "/ack"; }

std::pair<std::string, std::string> split_dkey(const std::string& d) {
  auto slash = d.find('/');
  return {d.substr(0, slash), d.substr(slash + 1)};
}

}  // namespace

std::vector<Ack> Pipeline::commit(const std::vector<Message>& msgs,
                                  const std::vector<Prechecked>& pre, int64_t now_ms) {
  rocksdb::WriteBatch wb;
  std::map<std::string, uint64_t> delta;
  std::map<std::string, uint64_t> stateless_ack;    // ack topic -> seq (no device state)
  std::map<std::string, std::string> group_stored;  // raw key -> "sig text" in this group
  std::set<std::string> ack_devices, touched_devices;
  for (size_t i = 0; i < msgs.size(); ++i) {
    const Prechecked& p = pre[i];
    // Only the device that sent it is acknowledged (a reading published under another device's
    // topic is not that device's to acknowledge).
    const bool own = p.topic && p.reading && p.topic->device == p.reading->device;
    if (!p.code.empty()) {
      ++delta["refused." + p.code];
      if (!own) continue;
      const std::string dkey = p.topic->installation + "/" + p.reading->device;
      if (!p.device) {
        // Unknown here (or not this installation's): no state; its own seq is acknowledged.
        auto& s = stateless_ack[ack_topic(dkey)];
        s = std::max(s, p.reading->seq);
        continue;
      }
      // bad_unit, bad_signature: not proven to be the device's; such a refusal never reveals a
      // hole (a forged seq far ahead must not make the device's own readings missing).
      DeviceState& st = devices_[dkey];
      if (p.reading->seq <= st.max_handled() + 1 && !st.handled(p.reading->seq)) {
        st.mark(p.reading->seq, now_ms);
        touched_devices.insert(dkey);
      }
      ack_devices.insert(dkey);
      continue;
    }
    const Reading& r = *p.reading;
    const std::string& inst = p.topic->installation;
    const std::string dkey = inst + "/" + r.device;
    DeviceState& st = devices_[dkey];
    ack_devices.insert(dkey);
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
      // A signed reading refused for its own fault is handled; the seqs missing below a late
      // one belong to closed intervals: they can only be late too, so they are declared now.
      if (s.code == "reading.clock_skew" || s.code == "reading.impossible_value" ||
          s.code == "reading.late") {
        st.mark(r.seq, now_ms);
        if (s.code == "reading.late") st.declare_below(r.seq);
        touched_devices.insert(dkey);
      }
      continue;
    }
    if (s.verdict == Verdict::duplicate) {
      ++delta["duplicate"];
      continue;
    }
    RawRecord rec{s.interval.start_ms, 0, 0, r.value_milli, sig_hex, r.text};
    const std::string rk = Store::raw_key(inst, r.device, r.seq);
    wb.Put(rk, rec.encode());
    wb.Put(Store::interval_key(inst, s.interval.start_ms, r.device, r.seq), "");
    group_stored[rk] = rec.sig_and_text();
    if (!open_.contains({inst, s.interval.start_ms})) {
      wb.Put(Store::open_key(inst, s.interval.start_ms), "");
      std::lock_guard lk(mu_);
      open_.insert({inst, s.interval.start_ms});
    }
    st.mark(r.seq, now_ms);
    touched_devices.insert(dkey);
    ++delta["accepted"];
  }
  for (const auto& d : touched_devices) {
    auto [inst, dev] = split_dkey(d);
    wb.Put(Store::device_key(inst, dev), encode_device_state(devices_[d]));
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
  for (auto& [t, s] : stateless_ack) acks.push_back({t, s});
  for (const auto& d : ack_devices)
    if (uint64_t a = devices_[d].acked; a > 0) acks.push_back({ack_topic(d), a});
  return acks;
}

std::vector<Ack> Pipeline::resolve_due(int64_t now_ms) {
  rocksdb::WriteBatch wb;
  std::vector<Ack> acks;
  for (auto& [d, st] : devices_) {
    if (!st.has_hole()) continue;
    const uint64_t before = st.acked;
    st.resolve(now_ms, lim_.gap_wait_ms);
    if (st.acked == before) continue;
    auto [inst, dev] = split_dkey(d);
    wb.Put(Store::device_key(inst, dev), encode_device_state(st));
    acks.push_back({ack_topic(d), st.acked});
    spdlog::info("{}: seqs up to {} declared missing (no reading within the gap wait)", d,
                 st.acked);
  }
  if (wb.Count() > 0)
    if (auto w = store_.write(wb, /*sync=*/true); !w)
      throw std::runtime_error("store write failed: " + w.error().message);
  return acks;
}

void Pipeline::fill_gaps(const std::string& inst, std::vector<StoredReading>& readings) const {
  for (auto& r : readings) {
    r.gaps = r.subst_milli = 0;
    if (r.seq <= 1 || store_.get(Store::raw_key(inst, r.device, r.seq - 1))) continue;
    auto below = store_.readings_below(inst, r.device, r.seq, lim_.gap_window);
    if (below.empty()) continue;  // the device's first stored reading: nothing before it
    r.gaps = r.seq - below.front().first - 1;
    std::deque<uint64_t> recent;
    for (const auto& b : below) recent.push_back(b.second);
    r.subst_milli = substitute_milli(recent, r.gaps);
  }
}

std::vector<std::string> Pipeline::close_due(int64_t now_ms, int64_t grace_ms,
                                             std::vector<Ack>* acks) {
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
    rocksdb::WriteBatch wb;
    // Every hole below a reading of this interval is declared missing now: its gaps are counted
    // in this batch, which never changes afterwards.
    std::map<std::string, uint64_t> top;  // device -> highest seq in the interval
    for (const auto& r : readings) top[r.device] = std::max(top[r.device], r.seq);
    for (const auto& [dev, seq] : top) {
      const std::string d = inst + "/" + dev;
      DeviceState& st = devices_[d];
      const uint64_t before = st.acked;
      st.declare_below(seq);
      if (st.acked == before) continue;
      wb.Put(Store::device_key(inst, dev), encode_device_state(st));
      if (acks) acks->push_back({ack_topic(d), st.acked});
    }
    fill_gaps(inst, readings);
    std::string version;
    if (reg)
      if (auto it = reg->installations.find(inst); it != reg->installations.end())
        version = it->second.factor_version;
    // (A named copy: clang before 16 cannot capture a structured binding.)
    auto totals = device_totals(readings, [&, &installation = inst](const std::string& dev) {
      const DeviceInfo* d = reg ? reg->find(installation, dev) : nullptr;
      return d ? std::pair{d->source, d->unit} : std::pair{std::string("unknown"), std::string()};
    });
    uint64_t gaps = 0;
    for (const auto& t : totals) gaps += t.gaps;
    Json body = batch_body(inst, lim_.rule, id, readings_root(readings), version, totals);
    Json rec = {{"batch_id", body["batch_id"]}, {"body", body},
                {"status", "pending"},          {"installation", inst},
                {"interval_start_ms", start},   {"readings", readings.size()}};
    const std::string bk = Store::batch_key(inst, start);
    wb.Delete(Store::open_key(inst, start));
    wb.Put(bk, rec.dump());
    {
      std::lock_guard lk(mu_);
      wb.Put("m/batches_closed", std::to_string(++counters_["batches_closed"]));
      if (gaps) {
        wb.Put("m/gaps", std::to_string(counters_["gaps"] += gaps));
        wb.Put("m/substituted", std::to_string(counters_["substituted"] += gaps));
      }
    }
    if (auto w = store_.write(wb, true); !w)
      throw std::runtime_error("store write failed: " + w.error().message);
    {
      std::lock_guard lk(mu_);
      open_.erase({inst, start});
      closed_.insert({inst, start});
    }
    spdlog::info("closed interval {} ({} readings, {} gaps, root {})",
                 body["batch_id"].get<std::string>(), readings.size(), gaps,
                 body["merkle_root"].get<std::string>());
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
