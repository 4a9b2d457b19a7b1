// One simulated device: readings, faults, bookkeeping, pending acknowledgements
// (docs/SENSOR_SIM.md).
#include "sim/device.h"

#include <algorithm>
#include <cstdio>

#include "core/json_fast.h"
#include "core/mrv_registry.h"
#include "edge/reading.h"

namespace tanso::sim {
namespace {

constexpr size_t recent_max = 64;
constexpr std::string_view all_units[] = {"Nm3", "kWh", "MWh", "kg", "t"};

}  // namespace

std::string utc_date(uint64_t time_ms) { return date_of_ms(time_ms); }

std::string message_with_sig(std::string_view reading_text, const Signature& sig) {
  Json t = std::string(reading_text);
  return "{\"reading\":" + t.dump() + ",\"sig\":\"" + to_hex(ByteView(sig.data(), sig.size())) +
         "\"}";
}

std::optional<uint64_t> parse_ack(std::string_view payload) {
  auto p = parse_json_checked(payload, 2);
  if (!p.valid || p.duplicate || p.too_deep || !p.value.is_object() || p.value.size() != 1 ||
      !p.value.contains("seq"))
    return std::nullopt;
  const Json& s = p.value["seq"];
  if (!s.is_number_unsigned()) {
    if (s.is_number_integer() && s.get<int64_t>() == 0) return 0;
    return std::nullopt;
  }
  return s.get<uint64_t>();
}

DeviceSim::DeviceSim(Device d, const SimConfig& c)
    : dev_(std::move(d)), cfg_(c), next_seq_(c.first_seq) {
  ctx_.seed = c.seed;
  ctx_.device = device_hash(dev_.entry.id);
  ctx_.utc_offset_min = c.utc_offset_min;
  for (auto k : fault_kinds) stats.faults[std::string(k)] = 0;
  // Acknowledgements cover seqs, so what came before this run counts as handled.
  stats.acked_seq = c.first_seq - 1;
}

uint64_t DeviceSim::slot_end_ms(uint64_t seq) const {
  return cfg_.start_ms + (seq - cfg_.first_seq + 1) * cfg_.interval_ms;
}

std::string DeviceSim::sign_text(const std::string& text) const {
  return edge::encode_reading_message(text, dev_.key.secret);
}

std::vector<Publication> DeviceSim::next_slot() {
  std::vector<Publication> out;
  const uint64_t seq = next_seq_++;
  const uint64_t dh = ctx_.device;
  const auto& e = dev_.entry;
  ++stats.slots;
  stats.last_seq = seq;
  const uint64_t end = slot_end_ms(seq);
  const uint64_t value = profile_value_milli(e.kind, e.unit, ctx_, seq, end, cfg_.interval_ms);
  const Fault f = slot_fault(cfg_.faults, cfg_.seed, dh, seq);
  if (f != Fault::none) ++stats.faults[std::string(fault_name(f))];

  if (f != Fault::gap) {
    Publication p;
    p.seq = seq;
    p.tracked = true;
    p.fault = std::string(fault_name(f));
    uint64_t time = end, v = value;
    std::string unit = e.unit;
    uint64_t u = draw(cfg_.seed, dh, seq, stream_spike);
    switch (f) {
      case Fault::spike:
        // Above the device's maximum (2x to 100x it), still a well-formed value.
        v = e.max_milli * 2 + u % (e.max_milli * 98 + 1);
        break;
      case Fault::wrong_unit: {
        std::vector<std::string_view> others;
        for (auto x : all_units)
          if (x != e.unit) others.push_back(x);
        unit = std::string(others[draw(cfg_.seed, dh, seq, stream_unit) % others.size()]);
        break;
      }
      case Fault::clock_skew: {
        bool back = (draw(cfg_.seed, dh, seq, stream_skew_sign) & 1) && end > cfg_.faults.skew_ms;
        time = back ? end - cfg_.faults.skew_ms : end + cfg_.faults.skew_ms;
        break;
      }
      default:
        break;
    }
    std::string text = edge::reading_text(e.id, seq, time, v, unit);
    if (f == Fault::bad_signature) {
      Signature s = sign(dev_.key.secret, edge::reading_signing_message(text));
      uint64_t b = draw(cfg_.seed, dh, seq, stream_sig_bit);
      s[b % s.size()] ^= static_cast<uint8_t>(1u << ((b >> 8) % 8));
      p.message = message_with_sig(text, s);
    } else {
      p.message = sign_text(text);
    }
    p.value_milli = v;
    p.valid = f == Fault::none;
    if (p.valid) {
      ++stats.valid;
      stats.valid_sum_milli += v;
      stats.last_valid_seq = seq;
      int64_t local = static_cast<int64_t>(time) + int64_t{cfg_.utc_offset_min} * 60'000;
      auto& day = stats.valid_by_day[utc_date(static_cast<uint64_t>(std::max<int64_t>(local, 0)))];
      ++day.readings;
      day.sum_milli += v;
      recent_valid_.push_back(Recent{seq, v, p.message});
      if (recent_valid_.size() > recent_max) recent_valid_.pop_front();
    }
    ++stats.published;
    out.push_back(std::move(p));
  }

  if (!recent_valid_.empty() && slot_replay_exact(cfg_.faults, cfg_.seed, dh, seq)) {
    const auto& r = recent_valid_[draw(cfg_.seed, dh, seq, stream_pick) % recent_valid_.size()];
    Publication p;
    p.seq = r.seq;
    p.message = r.message;
    p.value_milli = r.value_milli;
    p.fault = "replay_exact";
    ++stats.faults["replay_exact"];
    ++stats.published;
    out.push_back(std::move(p));
  }
  // Another reading under an earlier slot's valid seq (not this slot's: its time would be the
  // same, and only the order of arrival would tell the two apart).
  size_t earlier =
      recent_valid_.size() - (!recent_valid_.empty() && recent_valid_.back().seq == seq);
  if (earlier > 0 && slot_replay_seq(cfg_.faults, cfg_.seed, dh, seq)) {
    const auto& r = recent_valid_[draw(cfg_.seed, dh, seq, stream_pick + 100) % earlier];
    // A different value, and this slot's time.
    uint64_t v = r.value_milli + 1 + draw(cfg_.seed, dh, seq, stream_spike + 100) % 1000;
    Publication p;
    p.seq = r.seq;
    p.message = sign_text(edge::reading_text(e.id, r.seq, end, v, e.unit));
    p.value_milli = v;
    p.fault = "replay_seq";
    ++stats.faults["replay_seq"];
    ++stats.published;
    out.push_back(std::move(p));
  }
  return out;
}

void DeviceSim::track(uint64_t seq, std::string message, int64_t now_ms) {
  if (seq <= stats.acked_seq) return;
  pending_[seq] = Pending{std::move(message), now_ms};
}

bool DeviceSim::on_ack_message(std::string_view payload) {
  auto s = parse_ack(payload);
  if (!s) {
    ++stats.bad_acks;
    return false;
  }
  ++stats.acks;
  ack_through(*s);
  return true;
}

void DeviceSim::ack_through(uint64_t seq) {
  if (seq > stats.acked_seq) stats.acked_seq = seq;
  pending_.erase(pending_.begin(), pending_.upper_bound(seq));
}

std::vector<std::string> DeviceSim::due_retries(int64_t now_ms, int64_t retry_ms) {
  std::vector<std::string> out;
  for (auto& [seq, p] : pending_)
    if (p.sent_ms <= now_ms - retry_ms) {
      out.push_back(p.message);
      p.sent_ms = now_ms;
    }
  stats.republished += out.size();
  return out;
}

std::vector<std::string> DeviceSim::all_pending(int64_t now_ms) {
  std::vector<std::string> out;
  for (auto& [seq, p] : pending_) {
    out.push_back(p.message);
    p.sent_ms = now_ms;
  }
  stats.republished += out.size();
  return out;
}

Json DeviceSim::summary_json(size_t pending_count) const {
  const auto& e = dev_.entry;
  Json faults = Json::object();
  for (const auto& [k, v] : stats.faults) faults[k] = v;
  Json days = Json::object();
  for (const auto& [d, t] : stats.valid_by_day)
    days[d] = {{"readings", t.readings}, {"sum_milli", t.sum_milli}};
  return Json{{"device", e.id},
              {"installation", e.installation},
              {"kind", std::string(kind_name(e.kind))},
              {"unit", e.unit},
              {"source", e.source},
              {"calibration", e.calibration},
              {"public_key", key_to_text(dev_.key.pub)},
              {"max_value", edge::format_milli(e.max_milli)},
              {"first_seq", cfg_.first_seq},
              {"last_seq", stats.last_seq},
              {"slots", stats.slots},
              {"published", stats.published},
              {"republished", stats.republished},
              {"valid", stats.valid},
              {"valid_sum_milli", stats.valid_sum_milli},
              {"valid_sum", edge::format_milli(stats.valid_sum_milli)},
              {"last_valid_seq", stats.last_valid_seq},
              {"acked_seq", stats.acked_seq},
              {"pending", pending_count},
              {"acks", stats.acks},
              {"bad_acks", stats.bad_acks},
              {"faults", faults},
              {"valid_by_day", days}};
}

Json summary_json(const std::vector<DeviceSim>& devices, const SimConfig& c, const Json& run_info) {
  Json devs = Json::array();
  uint64_t slots = 0, published = 0, republished = 0, valid = 0;
  std::map<std::string, uint64_t> faults, by_unit, included_by_unit;
  for (auto k : fault_kinds) faults[std::string(k)] = 0;
  bool acks_complete = true;
  for (const auto& d : devices) {
    devs.push_back(d.summary_json(d.pending()));
    slots += d.stats.slots;
    published += d.stats.published;
    republished += d.stats.republished;
    valid += d.stats.valid;
    for (const auto& [k, v] : d.stats.faults) faults[k] += v;
    by_unit[d.device().entry.unit] += d.stats.valid_sum_milli;
    if (d.device().entry.calibration == "valid")
      included_by_unit[d.device().entry.unit] += d.stats.valid_sum_milli;
    acks_complete = acks_complete && d.acks_complete();
  }
  Json totals = {{"devices", devices.size()},
                 {"slots", slots},
                 {"published", published},
                 {"republished", republished},
                 {"valid", valid},
                 {"faults", faults},
                 {"valid_sum_milli_by_unit", by_unit},
                 {"included_sum_milli_by_unit", included_by_unit}};
  Json j = {{"format", "tanso-sensor-sim/summary/v1"},
            {"seed", c.seed},
            {"start_time", c.start_ms},
            {"interval_ms", c.interval_ms},
            {"first_seq", c.first_seq},
            {"utc_offset_min", c.utc_offset_min},
            {"acks_complete", acks_complete}};
  for (auto it = run_info.begin(); it != run_info.end(); ++it) j[it.key()] = it.value();
  j["devices"] = std::move(devs);
  j["totals"] = std::move(totals);
  return j;
}

}  // namespace tanso::sim
