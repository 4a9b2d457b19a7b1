// One simulated metering device of tanso-sensor-sim, without I/O (docs/SENSOR_SIM.md): it makes
// each slot's signed reading (a slot is one seq, at simulated time start + k * interval), injects
// the faults drawn for the slot, keeps the bookkeeping of the summary (what is valid and its sum),
// and keeps every published reading until an acknowledgement covers it (SENSOR_PROTOCOL.md
// "Acknowledgement").
//
// A reading is VALID (counted in `valid` and `valid_sum_milli`) when it is the slot's own reading
// (not a replay, so its seq is used once), signed by the device's key over the exact text, in the
// device's unit, with a value <= the device's max_value and time = the slot's simulated time.
// Every fault makes the reading invalid; a gap is never published.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/tx.h"
#include "sim/manifest.h"
#include "sim/profile.h"

namespace tanso::sim {

struct SimConfig {
  uint64_t seed = 1;
  uint64_t start_ms = 0;  // the slot with seq first_seq ends at start_ms + interval_ms
  uint64_t interval_ms = 60'000;
  uint64_t first_seq = 1;
  int utc_offset_min = 540;
  FaultRates faults;
};

// What a slot publishes.
struct Publication {
  uint64_t seq = 0;
  std::string message;
  bool valid = false;
  bool tracked = false;  // the slot's own reading: kept until acknowledged (replays are not)
  uint64_t value_milli = 0;
  std::string fault;  // "none", a Fault name, "replay_exact" or "replay_seq"
};

struct DayTotal {
  uint64_t readings = 0;
  uint64_t sum_milli = 0;
};

inline constexpr std::string_view fault_kinds[] = {
    "gap", "spike", "bad_signature", "wrong_unit", "clock_skew", "replay_exact", "replay_seq"};

struct DeviceStats {
  uint64_t slots = 0;        // seqs used (gaps included)
  uint64_t published = 0;    // publications made (replays included, retries not)
  uint64_t republished = 0;  // the same bytes sent again (no ack in time, or after a reconnect)
  uint64_t valid = 0;
  uint64_t valid_sum_milli = 0;
  std::map<std::string, uint64_t, std::less<>> faults;
  uint64_t last_seq = 0;  // highest seq used (0: none)
  uint64_t last_valid_seq = 0;
  uint64_t acked_seq = 0;
  uint64_t acks = 0;
  uint64_t bad_acks = 0;
  // By the local date (UTC + utc_offset_min) of the reading's time: tanso-edge's day rule.
  std::map<std::string, DayTotal> valid_by_day;
};

// "YYYY-MM-DD" (UTC) of a time in ms since the epoch.
std::string utc_date(uint64_t time_ms);  // core/mrv_registry.h date_of_ms
// A message with the given signature (encode_reading_message's shape).
std::string message_with_sig(std::string_view reading_text, const Signature& sig);
// {"seq":<n>} (exactly that member, an integer >= 0); nullopt otherwise.
std::optional<uint64_t> parse_ack(std::string_view payload);

class DeviceSim {
 public:
  DeviceSim(Device d, const SimConfig& c);
  const Device& device() const { return dev_; }
  const std::string& id() const { return dev_.entry.id; }
  uint64_t next_seq() const { return next_seq_; }
  uint64_t slot_end_ms(uint64_t seq) const;
  uint64_t interval_ms() const { return cfg_.interval_ms; }

  // The next slot's publications: its reading (none for a gap), then replays if drawn.
  std::vector<Publication> next_slot();

  // Acknowledgement bookkeeping.
  void track(uint64_t seq, std::string message, int64_t now_ms);
  // Handles an ack message; false (and bad_acks + 1) if it is not {"seq":n}.
  bool on_ack_message(std::string_view payload);
  void ack_through(uint64_t seq);
  // Pending messages last sent at or before now - retry_ms, in seq order; marks them sent now and
  // counts them as republished.
  std::vector<std::string> due_retries(int64_t now_ms, int64_t retry_ms);
  // Every pending message in seq order (after a reconnect); marks them sent now, counts them.
  std::vector<std::string> all_pending(int64_t now_ms);
  size_t pending() const { return pending_.size(); }
  bool acks_complete() const { return stats.acked_seq >= stats.last_valid_seq; }

  Json summary_json(size_t pending_count) const;

  DeviceStats stats;

 private:
  struct Pending {
    std::string message;
    int64_t sent_ms = 0;
  };
  struct Recent {
    uint64_t seq, value_milli;
    std::string message;
  };
  std::string sign_text(const std::string& text) const;

  Device dev_;
  SimConfig cfg_;
  ProfileContext ctx_;
  uint64_t next_seq_;
  std::map<uint64_t, Pending> pending_;
  std::deque<Recent> recent_valid_;  // the last few valid readings (for replays)
};

// The whole run's summary (docs/SENSOR_SIM.md "Summary").
Json summary_json(const std::vector<DeviceSim>& devices, const SimConfig& c, const Json& run_info);

}  // namespace tanso::sim
