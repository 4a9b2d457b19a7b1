// Daily profiles and fault draws of tanso-sensor-sim (docs/SENSOR_SIM.md "Profiles", "Faults").
#include "sim/profile.h"

#include <algorithm>
#include <cmath>

namespace tanso::sim {
namespace {

constexpr int64_t hour_ms = 3'600'000;

// Floor division for possibly negative times.
int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// Peak noiseless rates per hour (base unit) and the spreads applied on top.
constexpr double gas_peak = 250, power_peak = 1200, fuel_run = 150;
constexpr double scale_lo = 0.7, scale_hi = 1.3;  // per-device size
double noise_of(Kind k) { return k == Kind::gas ? 0.10 : k == Kind::power ? 0.08 : 0.15; }
double peak_of(Kind k) {
  return k == Kind::gas ? gas_peak : k == Kind::power ? power_peak : fuel_run;
}

// Thousandths of the base unit per thousandth of the reading's unit (1 or 1000).
uint64_t unit_divisor(std::string_view unit) { return unit == "MWh" || unit == "t" ? 1000 : 1; }

}  // namespace

std::optional<Kind> kind_from_name(std::string_view name) {
  if (name == "gas") return Kind::gas;
  if (name == "power") return Kind::power;
  if (name == "fuel") return Kind::fuel;
  return std::nullopt;
}

std::string_view kind_name(Kind k) {
  switch (k) {
    case Kind::gas:
      return "gas";
    case Kind::power:
      return "power";
    case Kind::fuel:
      return "fuel";
  }
  return "?";
}

std::string_view default_unit(Kind k) {
  switch (k) {
    case Kind::gas:
      return "Nm3";
    case Kind::power:
      return "kWh";
    case Kind::fuel:
      return "kg";
  }
  return "?";
}

bool unit_fits(Kind k, std::string_view unit) {
  switch (k) {
    case Kind::gas:
      return unit == "Nm3";
    case Kind::power:
      return unit == "kWh" || unit == "MWh";
    case Kind::fuel:
      return unit == "kg" || unit == "t";
  }
  return false;
}

uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t device_hash(std::string_view id) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : id) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

uint64_t draw(uint64_t seed, uint64_t device, uint64_t seq, uint64_t stream) {
  uint64_t h = splitmix64(seed);
  h = splitmix64(h ^ device);
  h = splitmix64(h ^ seq);
  return splitmix64(h ^ (stream * 0xd1b54a32d192ed03ULL));
}

double draw_unit(uint64_t seed, uint64_t device, uint64_t seq, uint64_t stream) {
  return static_cast<double>(draw(seed, device, seq, stream) >> 11) * 0x1.0p-53;
}

double base_rate_per_hour(Kind k, const ProfileContext& c, int64_t local_hour_index) {
  int64_t day = floor_div(local_hour_index, 24);
  int hour = static_cast<int>(local_hour_index - day * 24);
  int dow = static_cast<int>(((day + 3) % 7 + 7) % 7);  // 0 = Monday (1970-01-01 a Thursday)
  bool weekday = dow < 5, saturday = dow == 5;
  switch (k) {
    case Kind::gas:
      // Boiler/furnace on two shifts (06-14, 14-22) on weekdays, lunch dip, one Saturday shift.
      if (weekday) {
        if (hour == 12) return 200;
        if (hour >= 6 && hour < 22) return gas_peak;
        return 60;
      }
      if (saturday) return hour >= 6 && hour < 14 ? 150 : 60;
      return 40;
    case Kind::power:
      // Office + plant load: day 08-19 on weekdays, shoulders 07-08 and 19-21, night base.
      if (weekday) {
        if (hour >= 8 && hour < 19) return power_peak;
        if (hour == 7 || hour == 19 || hour == 20) return 700;
        return 300;
      }
      return hour >= 8 && hour < 19 ? 400 : 300;
    case Kind::fuel: {
      // A diesel generator/boiler that runs in whole hours: often during weekday working
      // hours, rarely otherwise. Zero when it does not run.
      double p = weekday && hour >= 7 && hour < 19 ? 0.4 : 0.05;
      bool runs =
          draw_unit(c.seed, c.device, static_cast<uint64_t>(local_hour_index), stream_fuel_run) < p;
      return runs ? fuel_run : 0;
    }
  }
  return 0;
}

uint64_t profile_value_milli(Kind k, std::string_view unit, const ProfileContext& c, uint64_t seq,
                             uint64_t end_ms, uint64_t interval_ms) {
  int64_t offset = int64_t{c.utc_offset_min} * 60'000;
  int64_t end = static_cast<int64_t>(end_ms) + offset;
  int64_t t = end - static_cast<int64_t>(interval_ms);
  // Integrate the hourly rate over the interval, hour by hour.
  double units = 0;
  while (t < end) {
    int64_t h = floor_div(t, hour_ms);
    int64_t piece_end = std::min(end, (h + 1) * hour_ms);
    units += base_rate_per_hour(k, c, h) * static_cast<double>(piece_end - t) / hour_ms;
    t = piece_end;
  }
  double scale = scale_lo + (scale_hi - scale_lo) * draw_unit(c.seed, c.device, 0, stream_scale);
  double n = noise_of(k);
  double noise = 1 - n + 2 * n * draw_unit(c.seed, c.device, seq, stream_noise);
  double milli = std::floor(units * scale * noise * 1000 + 0.5);
  uint64_t base_milli = milli <= 0 ? 0 : static_cast<uint64_t>(milli);
  uint64_t div = unit_divisor(unit);
  return (base_milli + div / 2) / div;
}

uint64_t profile_max_milli(Kind k, std::string_view unit, uint64_t interval_ms) {
  double bound = peak_of(k) * scale_hi * (1 + noise_of(k));
  double milli = std::ceil(bound * static_cast<double>(interval_ms) / hour_ms * 1000) + 1;
  uint64_t div = unit_divisor(unit);
  return (static_cast<uint64_t>(milli) + div / 2) / div + 1;
}

std::string_view fault_name(Fault f) {
  switch (f) {
    case Fault::none:
      return "none";
    case Fault::gap:
      return "gap";
    case Fault::spike:
      return "spike";
    case Fault::bad_signature:
      return "bad_signature";
    case Fault::wrong_unit:
      return "wrong_unit";
    case Fault::clock_skew:
      return "clock_skew";
  }
  return "?";
}

Fault slot_fault(const FaultRates& r, uint64_t seed, uint64_t device, uint64_t seq) {
  double u = draw_unit(seed, device, seq, stream_fault);
  const std::pair<double, Fault> order[] = {{r.gap, Fault::gap},
                                            {r.spike, Fault::spike},
                                            {r.bad_signature, Fault::bad_signature},
                                            {r.wrong_unit, Fault::wrong_unit},
                                            {r.clock_skew, Fault::clock_skew}};
  double acc = 0;
  for (auto [p, f] : order) {
    acc += p;
    if (u < acc) return f;
  }
  return Fault::none;
}

bool slot_replay_exact(const FaultRates& r, uint64_t seed, uint64_t device, uint64_t seq) {
  return r.replay_exact > 0 && draw_unit(seed, device, seq, stream_replay_exact) < r.replay_exact;
}

bool slot_replay_seq(const FaultRates& r, uint64_t seed, uint64_t device, uint64_t seq) {
  return r.replay_seq > 0 && draw_unit(seed, device, seq, stream_replay_seq) < r.replay_seq;
}

}  // namespace tanso::sim
