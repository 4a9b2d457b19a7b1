// The reading checks (see checker.h); each refusal has the stable code of SENSOR_PROTOCOL.md.
#include "edge/checker.h"

#include <cstdlib>

namespace tanso::edge {

Prechecked precheck(std::string_view topic, std::string_view message, const Registry& registry) {
  Prechecked p;
  auto r = decode_reading_message(message);
  if (!r) {
    p.code = r.error().code;
    return p;
  }
  p.reading = std::move(*r);
  p.topic = parse_topic(topic);
  if (!p.topic || p.topic->device != p.reading->device ||
      !registry.installations.contains(p.topic->installation)) {
    p.code = "reading.bad_topic";
    return p;
  }
  const DeviceInfo* d = registry.find(p.topic->installation, p.topic->device);
  if (!d) {
    // Registered for another installation: the topic is wrong; nowhere: unknown.
    const DeviceInfo* other = registry.find_any(p.topic->device);
    p.code = other && !other->retired ? "reading.bad_topic" : "reading.unknown_device";
    return p;
  }
  if (d->retired) {
    p.code = "reading.unknown_device";
    return p;
  }
  p.device = d;
  if (p.reading->unit != d->unit) {
    p.code = "reading.bad_unit";
    return p;
  }
  if (!verify_reading(*p.reading, d->key)) {
    p.code = "reading.bad_signature";
    return p;
  }
  return p;
}

Sequenced sequence(const Prechecked& p, std::string_view sig_hex, const DeviceState& st,
                   int64_t now_ms, const SequenceLimits& lim,
                   const std::function<std::optional<std::string>(uint64_t)>& stored_text_sig,
                   const std::function<bool(int64_t)>& closed) {
  Sequenced s;
  const Reading& r = *p.reading;
  if (st.last_seq != 0 && r.seq <= st.last_seq) {
    auto prev = stored_text_sig(r.seq);
    if (prev) {
      // An exact redelivery is acknowledged and dropped; other bytes under that seq: replay.
      bool same = *prev == std::string(sig_hex) + " " + r.text;
      s.verdict = same ? Verdict::duplicate : Verdict::refuse;
      if (!same) s.code = "reading.replayed";
      return s;
    }
    s.code = "reading.out_of_order";
    return s;
  }
  int64_t t = static_cast<int64_t>(r.time_ms);
  if (std::llabs(t - now_ms) > lim.max_skew_ms) {
    s.code = "reading.clock_skew";
    return s;
  }
  if (r.value_milli > p.device->max_milli) {
    s.code = "reading.impossible_value";
    return s;
  }
  s.interval = interval_of(lim.rule, t);
  if (closed(s.interval.start_ms)) {
    s.code = "reading.late";
    return s;
  }
  s.verdict = Verdict::accept;
  if (st.last_seq != 0 && r.seq > st.last_seq + 1) {
    s.gaps = r.seq - st.last_seq - 1;
    s.subst_milli = substitute_milli(st.recent, s.gaps);
  }
  return s;
}

void advance(DeviceState& st, const Reading& r, size_t gap_window) {
  st.last_seq = r.seq;
  st.recent.push_back(r.value_milli);
  while (st.recent.size() > gap_window) st.recent.pop_front();
}

}  // namespace tanso::edge
