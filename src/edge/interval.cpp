// Interval arithmetic, the gap substitute rule and the batch body (see interval.h).
#include "edge/interval.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <functional>

#include "core/merkle.h"
#include "edge/reading.h"

namespace tanso::edge {
namespace {

constexpr int64_t kDayMs = 86'400'000;

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// Days since 1970-01-01 -> "YYYY-MM-DD" (Howard Hinnant's civil_from_days).
std::string civil(int64_t z) {
  z += 719468;
  const int64_t era = floor_div(z, 146097);
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lld", static_cast<long long>(y),
                static_cast<long long>(m), static_cast<long long>(d));
  return buf;
}

}  // namespace

IntervalId interval_of(const IntervalRule& r, int64_t time_ms) {
  const int64_t off = int64_t{r.utc_offset_min} * 60'000;
  const int64_t len = int64_t{r.interval_min} * 60'000;
  const int64_t local = time_ms + off;
  const int64_t day = floor_div(local, kDayMs);
  const int64_t in_day = local - day * kDayMs;
  IntervalId i;
  i.slot = static_cast<uint32_t>(in_day / len);
  i.start_ms = day * kDayMs + int64_t{i.slot} * len - off;
  i.day = civil(day);
  return i;
}

IntervalId interval_at(const IntervalRule& r, int64_t start_ms) { return interval_of(r, start_ms); }

std::string batch_id_for(std::string_view installation, const IntervalId& i) {
  return std::string(installation) + "." + i.day + "." + std::to_string(i.slot);
}

uint64_t substitute_milli(const std::deque<uint64_t>& recent, uint64_t missing) {
  uint64_t hi = 0;
  for (uint64_t v : recent) hi = std::max(hi, v);
  // Saturates instead of wrapping (a seq jump of 2^50 is a broken device; the ledger then
  // refuses the batch's quantity as out of range rather than under-reporting).
  if (hi != 0 && missing > UINT64_MAX / hi) return UINT64_MAX;
  return hi * missing;
}

void sort_for_merkle(std::vector<StoredReading>& rs) {
  std::sort(rs.begin(), rs.end(), [](const StoredReading& a, const StoredReading& b) {
    return a.device != b.device ? a.device < b.device : a.seq < b.seq;
  });
}

Hash readings_root(const std::vector<StoredReading>& sorted) {
  std::vector<Hash> leaves;
  leaves.reserve(sorted.size());
  for (const auto& r : sorted) leaves.push_back(reading_leaf(r.text));
  return merkle::root(leaves);
}

std::vector<DeviceTotal> device_totals(
    const std::vector<StoredReading>& sorted,
    const std::function<std::pair<std::string, std::string>(const std::string&)>& source_unit) {
  std::vector<DeviceTotal> out;
  for (const auto& r : sorted) {
    if (out.empty() || out.back().device != r.device) {
      DeviceTotal t;
      t.device = r.device;
      std::tie(t.source, t.unit) = source_unit(r.device);
      out.push_back(std::move(t));
    }
    DeviceTotal& t = out.back();
    for (uint64_t add : {r.value_milli, r.subst_milli})  // saturating, as substitute_milli
      t.quantity = add > UINT64_MAX - t.quantity ? UINT64_MAX : t.quantity + add;
    t.readings += 1;
    t.gaps += r.gaps;
    t.substituted += r.gaps;  // every gap is filled (substitute_milli)
  }
  return out;
}

Json batch_body(std::string_view installation, const IntervalRule& r, const IntervalId& i,
                const Hash& root, std::string_view factor_version,
                const std::vector<DeviceTotal>& totals) {
  Json ts = Json::array();
  for (const auto& t : totals)
    ts.push_back({{"source", t.source},
                  {"device", t.device},
                  {"unit", t.unit},
                  {"quantity", t.quantity},
                  {"readings", t.readings},
                  {"gaps", t.gaps},
                  {"substituted", t.substituted}});
  Json b = {{"batch_id", batch_id_for(installation, i)},
            {"installation", std::string(installation)},
            {"day", i.day},
            {"merkle_root", to_hex(root)},
            {"factor_version", std::string(factor_version)},
            {"totals", ts}};
  if (r.interval_min != 1440) {
    b["interval_min"] = r.interval_min;
    b["slot"] = i.slot;
  }
  return b;
}

}  // namespace tanso::edge
