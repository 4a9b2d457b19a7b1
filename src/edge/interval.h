// Intervals, gap filling and batch aggregation for the edge gateway (docs/MRV.md "tanso-edge").
// Pure: no I/O, no clock. An interval is [day 00:00 + slot x interval_min, + interval_min) in the
// installation's local time (UTC + utc_offset_min); a reading belongs to the interval that holds
// its `time` (the end of the measured period).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/tx.h"

namespace tanso::edge {

struct IntervalRule {
  uint32_t interval_min = 1440;  // a divisor of 1440
  int32_t utc_offset_min = 540;  // KST
};

struct IntervalId {
  int64_t start_ms = 0;  // UTC ms of the interval's first instant
  std::string day;       // local date YYYY-MM-DD of the start
  uint32_t slot = 0;     // 0 <= slot < 1440 / interval_min
};

IntervalId interval_of(const IntervalRule& r, int64_t time_ms);
IntervalId interval_at(const IntervalRule& r, int64_t start_ms);  // start_ms must be a start
inline int64_t interval_end_ms(const IntervalRule& r, const IntervalId& i) {
  return i.start_ms + int64_t{r.interval_min} * 60'000;
}
// "<installation>.<day>.<slot>": deterministic, so a retry after a crash reuses it.
std::string batch_id_for(std::string_view installation, const IntervalId& i);

// Gap rule: the substitute for each missing reading is the highest of the device's last
// `window` accepted values (never a substitute), so a gap is never under-reported. Returns the
// milli-units to add for `missing` readings.
uint64_t substitute_milli(const std::deque<uint64_t>& recent, uint64_t missing);

// One accepted reading as stored, for aggregation.
struct StoredReading {
  std::string device;
  uint64_t seq = 0;
  uint64_t value_milli = 0;
  uint64_t gaps = 0;         // missing readings revealed by this one (seq jump before it)
  uint64_t subst_milli = 0;  // their substitute quantity
  std::string text;          // the exact signed text (the Merkle leaf)
};

struct DeviceTotal {
  std::string source, device, unit;
  uint64_t quantity = 0;  // milli: readings + substitutes
  uint64_t readings = 0, gaps = 0, substituted = 0;
};

// Sorts by device id (byte order) then seq: the Merkle leaf order of SENSOR_PROTOCOL.md.
void sort_for_merkle(std::vector<StoredReading>& rs);
// RFC 6962 root over the sorted readings' texts.
Hash readings_root(const std::vector<StoredReading>& sorted);
// Per device totals (sorted by device); source/unit from `source_unit(device)`.
std::vector<DeviceTotal> device_totals(
    const std::vector<StoredReading>& sorted,
    const std::function<std::pair<std::string, std::string>(const std::string&)>& source_unit);

// The mrv.batch.submit body. interval_min/slot are sent only for sub-daily intervals.
Json batch_body(std::string_view installation, const IntervalRule& r, const IntervalId& i,
                const Hash& root, std::string_view factor_version,
                const std::vector<DeviceTotal>& totals);

}  // namespace tanso::edge
