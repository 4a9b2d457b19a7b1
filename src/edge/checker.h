// The edge gateway's checks of one reading (docs/SENSOR_PROTOCOL.md "What the gateway refuses"),
// in two pure steps: precheck() needs only the message and the registry (decoding, topic,
// unknown device, unit, signature — the costly part, run on the verify pool in parallel);
// sequence() needs the device's state and the clock and runs in arrival order.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "edge/interval.h"
#include "edge/reading.h"
#include "edge/registry.h"

namespace tanso::edge {

struct Prechecked {
  std::optional<Topic> topic;
  std::optional<Reading> reading;  // decoded (also when refused later on)
  const DeviceInfo* device = nullptr;
  std::string code;  // empty: passed; else the reading.* refusal code
};

// Decoding, topic, registry, unit and signature checks. `registry` must outlive the result.
Prechecked precheck(std::string_view topic, std::string_view message, const Registry& registry);

// Per device, which seqs are handled (docs/MRV.md "Acknowledgement and gaps"): stored, refused
// with a code, or declared missing. `acked` is the contiguous prefix: every seq <= acked is
// handled, and it is what the gateway acknowledges ({"seq": acked}). Handled seqs above it are
// kept as ranges; the unhandled seqs between them ("holes") are readings the edge has not got
// (yet): the device resends them while no ack covers them, and they are declared missing (handled,
// not stored) when their wait is over or the interval of a stored reading above them closes.
// acked, above: persisted by the store. revealed: not persisted (the waits restart with the edge).
inline constexpr int64_t kRevealedUnset = INT64_MIN;  // revealed at the next tick (after a load)
struct DeviceState {
  uint64_t acked = 0;
  std::map<uint64_t, uint64_t> above;  // disjoint, non-adjacent ranges lo -> hi, all lo > acked + 1
  // (b, t): the unhandled seqs below b not covered by an earlier entry were first seen missing at
  // t (when a handled seq above them arrived). Front = the oldest.
  std::deque<std::pair<uint64_t, int64_t>> revealed;

  uint64_t max_handled() const { return above.empty() ? acked : above.rbegin()->second; }
  bool has_hole() const { return !above.empty(); }
  bool handled(uint64_t seq) const;
  // Marks `seq` handled (at now_ms); a seq above max_handled() + 1 reveals a hole.
  void mark(uint64_t seq, int64_t now_ms);
  // Declares every unhandled seq below `seq` missing (handled).
  void declare_below(uint64_t seq);
  // Declares the holes, lowest first, whose wait (wait_ms > 0) since they were revealed is over.
  void resolve(int64_t now_ms, int64_t wait_ms);

 private:
  void absorb();
};

struct SequenceLimits {
  IntervalRule rule;
  int64_t max_skew_ms = 300'000;
  size_t gap_window = 24;
  int64_t gap_wait_ms = 60'000;  // 0: holes are declared only when an interval closes
};

enum class Verdict { accept, duplicate, refuse };
struct Sequenced {
  Verdict verdict = Verdict::refuse;
  std::string code;  // for refuse
  IntervalId interval;
};

// `stored(seq)`: the (text, sig hex) accepted earlier for this seq, if any. `closed(start_ms)`:
// the interval starting there was already closed (submitted or queued for submission).
// Order: a stored seq -> duplicate or reading.replayed; then the reading's own faults
// (clock_skew, impossible_value, late); then a seq <= st.acked (handled, not stored) ->
// reading.out_of_order; else accept (also a seq inside a hole: the device's resend).
Sequenced sequence(const Prechecked& p, std::string_view sig_hex, const DeviceState& st,
                   int64_t now_ms, const SequenceLimits& lim,
                   const std::function<std::optional<std::string>(uint64_t)>& stored_text_sig,
                   const std::function<bool(int64_t)>& closed);

}  // namespace tanso::edge
