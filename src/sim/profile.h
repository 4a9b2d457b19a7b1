// tanso-sensor-sim's building blocks that need no I/O (docs/SENSOR_SIM.md): device kinds, a
// stateless deterministic random source, the daily consumption profiles and the fault draw.
// Every draw is a pure function of (seed, device, seq, stream), so a run is reproducible from
// its seed whatever the timing, and adding a device or a fault kind changes no other draw.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tanso::sim {

enum class Kind { gas, power, fuel };
std::optional<Kind> kind_from_name(std::string_view name);
std::string_view kind_name(Kind k);
// gas: Nm3; power: kWh; fuel: kg.
std::string_view default_unit(Kind k);
// gas: Nm3; power: kWh or MWh; fuel: kg or t.
bool unit_fits(Kind k, std::string_view unit);

// ---- deterministic randomness
uint64_t splitmix64(uint64_t x);
// FNV-1a 64 of a device id.
uint64_t device_hash(std::string_view id);
// A 64-bit draw for (seed, device, seq, stream).
uint64_t draw(uint64_t seed, uint64_t device, uint64_t seq, uint64_t stream);
// Uniform in [0, 1).
double draw_unit(uint64_t seed, uint64_t device, uint64_t seq, uint64_t stream);

// ---- profiles
struct ProfileContext {
  uint64_t seed = 1;
  uint64_t device = 0;       // device_hash(id)
  int utc_offset_min = 540;  // the site's local time (KST by default) for shifts and days
};
// The noiseless consumption rate of a device of this kind, in its base unit (Nm3, kWh, kg) per
// hour, at local hour-of-week `hour` (hours since a Monday 00:00 local, 0..167), and `hour_index`
// (hours since the epoch, local) for the intermittent fuel profile. Device scale not applied.
double base_rate_per_hour(Kind k, const ProfileContext& c, int64_t local_hour_index);
// The quantity measured over the interval (end_ms - interval_ms, end_ms], in thousandths of
// `unit` (which fits `k`). Deterministic in (context, seq, end_ms, interval_ms).
uint64_t profile_value_milli(Kind k, std::string_view unit, const ProfileContext& c, uint64_t seq,
                             uint64_t end_ms, uint64_t interval_ms);
// An upper bound of profile_value_milli for this interval, whatever the device, seed and time.
uint64_t profile_max_milli(Kind k, std::string_view unit, uint64_t interval_ms);

// ---- faults
// Per-slot probabilities (a slot is one seq). gap, spike, bad_signature, wrong_unit and
// clock_skew are exclusive (at most one per slot; their sum must be <= 1); replay_exact and
// replay_seq are extra publications after a slot's reading.
struct FaultRates {
  double gap = 0, spike = 0, bad_signature = 0, wrong_unit = 0, clock_skew = 0;
  double replay_exact = 0, replay_seq = 0;
  uint64_t skew_ms = 7ull * 24 * 3600 * 1000;  // how far a clock_skew reading's time is off
  double exclusive_sum() const { return gap + spike + bad_signature + wrong_unit + clock_skew; }
};
enum class Fault { none, gap, spike, bad_signature, wrong_unit, clock_skew };
std::string_view fault_name(Fault f);
Fault slot_fault(const FaultRates& r, uint64_t seed, uint64_t device, uint64_t seq);
bool slot_replay_exact(const FaultRates& r, uint64_t seed, uint64_t device, uint64_t seq);
bool slot_replay_seq(const FaultRates& r, uint64_t seed, uint64_t device, uint64_t seq);

// Draw streams (distinct per purpose).
enum Stream : uint64_t {
  stream_noise = 1,
  stream_scale = 2,
  stream_fault = 3,
  stream_replay_exact = 4,
  stream_replay_seq = 5,
  stream_pick = 6,
  stream_spike = 7,
  stream_fuel_run = 8,
  stream_sig_bit = 9,
  stream_unit = 10,
  stream_skew_sign = 11,
};

}  // namespace tanso::sim
