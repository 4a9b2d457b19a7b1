// The edge gateway's checks of one reading (docs/SENSOR_PROTOCOL.md "What the gateway refuses"),
// in two pure steps: precheck() needs only the message and the registry (decoding, topic,
// unknown device, unit, signature — the costly part, run on the verify pool in parallel);
// sequence() needs the device's state and the clock and runs in arrival order.
#pragma once

#include <deque>
#include <functional>
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

// Per device, what the sequence checks need (persisted by the store).
struct DeviceState {
  uint64_t last_seq = 0;        // highest accepted seq (0: none yet)
  std::deque<uint64_t> recent;  // last accepted values (milli), newest last, for substitutes
};

struct SequenceLimits {
  IntervalRule rule;
  int64_t max_skew_ms = 300'000;
  size_t gap_window = 24;
};

enum class Verdict { accept, duplicate, refuse };
struct Sequenced {
  Verdict verdict = Verdict::refuse;
  std::string code;  // for refuse
  IntervalId interval;
  uint64_t gaps = 0, subst_milli = 0;  // for accept: missing readings before this one
};

// `stored(seq)`: the (text, sig hex) accepted earlier for this seq, if any. `closed(start_ms)`:
// the interval starting there was already closed (submitted or queued for submission).
Sequenced sequence(const Prechecked& p, std::string_view sig_hex, const DeviceState& st,
                   int64_t now_ms, const SequenceLimits& lim,
                   const std::function<std::optional<std::string>(uint64_t)>& stored_text_sig,
                   const std::function<bool(int64_t)>& closed);

// Applies an accepted reading to the device state.
void advance(DeviceState& st, const Reading& r, size_t gap_window);

}  // namespace tanso::edge
