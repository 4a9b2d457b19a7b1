// The reading checks (see checker.h); each refusal has the stable code of SENSOR_PROTOCOL.md.
#include "edge/checker.h"

#include <algorithm>
#include <cstdlib>
#include <iterator>

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

bool DeviceState::handled(uint64_t seq) const {
  if (seq <= acked) return true;
  auto it = above.upper_bound(seq);
  return it != above.begin() && std::prev(it)->second >= seq;
}

void DeviceState::absorb() {
  while (!above.empty() && above.begin()->first <= acked + 1) {
    acked = std::max(acked, above.begin()->second);
    above.erase(above.begin());
  }
  // Entries whose seqs are all <= acked are done; the first one left covers acked + 1.
  while (!revealed.empty() && revealed.front().first <= acked + 1) revealed.pop_front();
  if (above.empty()) revealed.clear();
}

void DeviceState::mark(uint64_t seq, int64_t now_ms) {
  if (handled(seq)) return;
  const uint64_t old_max = max_handled();
  auto next = above.upper_bound(seq);
  uint64_t lo = seq, hi = seq;
  if (next != above.begin()) {
    auto prev = std::prev(next);
    if (prev->second + 1 == seq) {
      lo = prev->first;
      above.erase(prev);
    }
  }
  if (next != above.end() && next->first == seq + 1) {
    hi = next->second;
    above.erase(next);
  }
  above[lo] = hi;
  if (seq > old_max + 1) revealed.emplace_back(seq, now_ms);
  absorb();
}

void DeviceState::declare_below(uint64_t seq) {
  if (seq == 0 || seq - 1 <= acked) return;
  acked = seq - 1;
  // Ranges now under acked are handled anyway; absorb() merges the one that continues it.
  while (!above.empty() && above.begin()->second <= acked) above.erase(above.begin());
  absorb();
}

void DeviceState::resolve(int64_t now_ms, int64_t wait_ms) {
  for (auto& r : revealed)
    if (r.second == kRevealedUnset) r.second = now_ms;
  while (has_hole() && wait_ms > 0) {
    if (revealed.empty()) revealed.emplace_back(max_handled() + 1, now_ms);
    if (revealed.front().second > now_ms - wait_ms) return;
    declare_below(above.begin()->first);
  }
}

Sequenced sequence(const Prechecked& p, std::string_view sig_hex, const DeviceState& st,
                   int64_t now_ms, const SequenceLimits& lim,
                   const std::function<std::optional<std::string>(uint64_t)>& stored_text_sig,
                   const std::function<bool(int64_t)>& closed) {
  Sequenced s;
  const Reading& r = *p.reading;
  if (st.handled(r.seq)) {
    if (auto prev = stored_text_sig(r.seq)) {
      // An exact redelivery is acknowledged and dropped; other bytes under that seq: replay.
      bool same = *prev == std::string(sig_hex) + " " + r.text;
      s.verdict = same ? Verdict::duplicate : Verdict::refuse;
      if (!same) s.code = "reading.replayed";
      return s;
    }
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
  if (r.seq <= st.acked) {
    // Handled without being stored: refused earlier, or declared missing.
    s.code = "reading.out_of_order";
    return s;
  }
  s.verdict = Verdict::accept;
  return s;
}

}  // namespace tanso::edge
