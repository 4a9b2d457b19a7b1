// tanso-sensor-sim's pure parts (src/sim): deterministic, bounded daily profiles; fault draws and
// their rates; the valid/valid-sum bookkeeping checked against the reading decoder; pending
// readings and acks; the device manifest and its errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "edge/reading.h"
#include "sim/device.h"
#include "sim/manifest.h"
#include "sim/profile.h"
#include "test_keys.h"

namespace tanso::sim {
namespace {

constexpr uint64_t monday_utc = 1763942400000;  // 2025-11-24 00:00 UTC (a Monday)
constexpr uint64_t hour = 3'600'000;

Device make_device(const std::string& id, Kind k, const std::string& unit, uint8_t key_n = 1) {
  DeviceEntry e;
  e.id = id;
  e.installation = "plant-a";
  e.kind = k;
  e.unit = unit;
  e.max_milli = default_max_milli(k, unit);
  e.source = std::string(default_source(k));
  return Device{e, test_key(key_n, 0x51)};
}

struct SimTest : ::testing::Test {
  void SetUp() override { init_crypto(); }
};

// ---- profiles

TEST_F(SimTest, ProfilesAreDeterministic) {
  for (Kind k : {Kind::gas, Kind::power, Kind::fuel}) {
    ProfileContext a{7, device_hash("d-1"), 540}, b{8, device_hash("d-1"), 540};
    size_t differ = 0;
    for (uint64_t seq = 1; seq <= 500; ++seq) {
      uint64_t end = monday_utc + seq * 15 * 60'000;
      uint64_t v = profile_value_milli(k, default_unit(k), a, seq, end, 15 * 60'000);
      EXPECT_EQ(v, profile_value_milli(k, default_unit(k), a, seq, end, 15 * 60'000));
      differ += v != profile_value_milli(k, default_unit(k), b, seq, end, 15 * 60'000);
    }
    EXPECT_GT(differ, 100u) << kind_name(k) << ": another seed gives another series";
  }
}

TEST_F(SimTest, ProfilesStayWithinTheirBound) {
  for (Kind k : {Kind::gas, Kind::power, Kind::fuel})
    for (std::string unit : {"Nm3", "kWh", "MWh", "kg", "t"}) {
      if (!unit_fits(k, unit)) continue;
      for (uint64_t interval :
           std::initializer_list<uint64_t>{1000, 60000, 900000, hour, 24 * hour}) {
        uint64_t bound = profile_max_milli(k, unit, interval);
        EXPECT_LE(bound, default_max_milli(k, unit) * (interval <= hour ? 1 : 1000));
        for (uint64_t seed = 1; seed <= 5; ++seed) {
          ProfileContext c{seed, device_hash("dev-" + std::to_string(seed)), 540};
          for (uint64_t seq = 1; seq <= 7 * 24 * 4; ++seq) {
            uint64_t end = monday_utc + seq * 15 * 60'000;
            EXPECT_LE(profile_value_milli(k, unit, c, seq, end, interval), bound);
          }
        }
      }
    }
}

// Sum of a kind's values over the local hours [h0, h1) of each day of the week (Monday = 0).
uint64_t hours_sum(Kind k, int day, int h0, int h1) {
  ProfileContext c{3, device_hash("g"), 0};
  uint64_t s = 0;
  for (int h = h0; h < h1; ++h)
    for (int q = 1; q <= 4; ++q) {
      uint64_t end = monday_utc + (day * 24 + h) * hour + q * 15 * 60'000;
      s += profile_value_milli(k, default_unit(k), c, end / 60'000, end, 15 * 60'000);
    }
  return s;
}

TEST_F(SimTest, ProfilesFollowShiftsAndWeekends) {
  // Gas: weekday shifts (06-22) far above the night; Sunday below a weekday.
  EXPECT_GT(hours_sum(Kind::gas, 1, 8, 12), 3 * hours_sum(Kind::gas, 1, 0, 4));
  EXPECT_GT(hours_sum(Kind::gas, 2, 0, 24), hours_sum(Kind::gas, 6, 0, 24));
  // Power: weekday day load above the night, weekend day below weekday day.
  EXPECT_GT(hours_sum(Kind::power, 0, 9, 17), 3 * hours_sum(Kind::power, 0, 0, 8));
  EXPECT_GT(hours_sum(Kind::power, 3, 9, 17), 2 * hours_sum(Kind::power, 5, 9, 17));
  // Fuel: intermittent (whole hours of zero and of running).
  ProfileContext c{3, device_hash("f"), 540};
  size_t zero = 0, running = 0;
  for (uint64_t seq = 1; seq <= 7 * 24; ++seq) {
    uint64_t v = profile_value_milli(Kind::fuel, "kg", c, seq, monday_utc + seq * hour, hour);
    (v == 0 ? zero : running)++;
  }
  EXPECT_GT(zero, 50u);
  EXPECT_GT(running, 5u);
  // Units: MWh and t are the kWh and kg figures / 1000.
  ProfileContext p{3, device_hash("p"), 540};
  uint64_t kwh = profile_value_milli(Kind::power, "kWh", p, 9, monday_utc + 10 * hour, hour);
  uint64_t mwh = profile_value_milli(Kind::power, "MWh", p, 9, monday_utc + 10 * hour, hour);
  EXPECT_EQ(mwh, (kwh + 500) / 1000);
}

TEST_F(SimTest, UtcDate) {
  EXPECT_EQ(utc_date(0), "1970-01-01");
  EXPECT_EQ(utc_date(monday_utc), "2025-11-24");
  EXPECT_EQ(utc_date(monday_utc - 1), "2025-11-23");
  EXPECT_EQ(utc_date(951782400000), "2000-02-29");
}

// ---- faults

TEST_F(SimTest, FaultRatesAreHonoured) {
  FaultRates r;
  r.gap = 0.05;
  r.spike = 0.02;
  r.bad_signature = 0.03;
  r.wrong_unit = 0.01;
  r.clock_skew = 0.04;
  r.replay_exact = 0.05;
  r.replay_seq = 0.02;
  std::map<Fault, size_t> n;
  size_t rx = 0, rs = 0;
  const size_t slots = 100'000;
  for (uint64_t seq = 1; seq <= slots; ++seq) {
    ++n[slot_fault(r, 9, device_hash("x"), seq)];
    rx += slot_replay_exact(r, 9, device_hash("x"), seq);
    rs += slot_replay_seq(r, 9, device_hash("x"), seq);
  }
  auto near = [&](size_t got, double p) {
    double want = p * slots;
    EXPECT_NEAR(static_cast<double>(got), want, 4 * std::sqrt(want) + 1) << p;
  };
  near(n[Fault::gap], r.gap);
  near(n[Fault::spike], r.spike);
  near(n[Fault::bad_signature], r.bad_signature);
  near(n[Fault::wrong_unit], r.wrong_unit);
  near(n[Fault::clock_skew], r.clock_skew);
  near(rx, r.replay_exact);
  near(rs, r.replay_seq);
  // Deterministic; none without rates; every slot with rate 1.
  EXPECT_EQ(slot_fault(r, 9, 1, 77), slot_fault(r, 9, 1, 77));
  FaultRates none, all_gaps;
  all_gaps.gap = 1;
  for (uint64_t seq = 1; seq <= 1000; ++seq) {
    EXPECT_EQ(slot_fault(none, 9, 1, seq), Fault::none);
    EXPECT_FALSE(slot_replay_exact(none, 9, 1, seq));
    EXPECT_EQ(slot_fault(all_gaps, 9, 1, seq), Fault::gap);
  }
}

// ---- bookkeeping: every publication checked with Tanso's decoder, the way a gateway would

TEST_F(SimTest, ValidSumMatchesWhatAGatewayWouldAccept) {
  for (Kind k : {Kind::gas, Kind::power, Kind::fuel}) {
    SimConfig c;
    c.seed = 42;
    c.start_ms = monday_utc;
    c.interval_ms = 5 * 60'000;
    c.first_seq = 10;
    c.faults.gap = c.faults.spike = c.faults.bad_signature = c.faults.wrong_unit =
        c.faults.clock_skew = 0.04;
    c.faults.replay_exact = c.faults.replay_seq = 0.05;
    Device d = make_device("dev-" + std::string(kind_name(k)), k, std::string(default_unit(k)));
    DeviceSim sim(d, c);
    std::set<uint64_t> accepted_seqs;
    std::set<std::string> valid_messages;
    uint64_t accepted = 0, sum = 0, published = 0;
    std::map<std::string, uint64_t> faults;
    for (int i = 0; i < 3000; ++i) {
      uint64_t seq = sim.next_seq();
      auto pubs = sim.next_slot();
      published += pubs.size();
      if (pubs.empty() || !pubs[0].tracked) ++faults["gap"];
      for (const auto& p : pubs) {
        if (p.fault != "none") ++faults[p.fault];
        auto r = edge::decode_reading_message(p.message);
        ASSERT_TRUE(r.ok()) << p.message;
        EXPECT_LE(p.message.size(), edge::reading_message_max);
        bool ok = verify_reading(*r, d.key.pub) && r->unit == d.entry.unit &&
                  r->value_milli <= d.entry.max_milli && r->time_ms == sim.slot_end_ms(r->seq) &&
                  r->device == d.entry.id;
        bool replay = accepted_seqs.count(r->seq) > 0;
        if (p.fault == "replay_exact") {
          EXPECT_TRUE(valid_messages.count(p.message)) << "an exact replay repeats a valid one";
        } else if (p.fault == "replay_seq") {
          EXPECT_TRUE(replay);
          EXPECT_FALSE(valid_messages.count(p.message));
        } else {
          EXPECT_EQ(r->seq, seq);
          EXPECT_FALSE(replay);
        }
        EXPECT_EQ(p.valid, ok && !replay) << p.fault << " " << p.message;
        if (ok && !replay) {
          accepted_seqs.insert(r->seq);
          valid_messages.insert(p.message);
          ++accepted;
          sum += r->value_milli;
        }
      }
    }
    EXPECT_EQ(sim.stats.valid, accepted);
    EXPECT_EQ(sim.stats.valid_sum_milli, sum);
    EXPECT_EQ(sim.stats.published, published);
    EXPECT_EQ(sim.stats.slots, 3000u);
    EXPECT_EQ(sim.stats.last_seq, 10u + 2999);
    uint64_t by_day = 0, readings = 0;
    for (const auto& [day, t] : sim.stats.valid_by_day) {
      by_day += t.sum_milli;
      readings += t.readings;
    }
    EXPECT_EQ(by_day, sum);
    EXPECT_EQ(readings, accepted);
    for (auto f : fault_kinds) {
      EXPECT_EQ(sim.stats.faults.at(std::string(f)), faults[std::string(f)]) << f;
      EXPECT_GT(faults[std::string(f)], 30u) << f;
    }
    EXPECT_GT(accepted, 2000u);
  }
}

TEST_F(SimTest, ValidByLocalDay) {
  // Readings every 6 h from Monday 00:00 UTC; KST (UTC+9) days start at 15:00 UTC.
  SimConfig c;
  c.start_ms = monday_utc;
  c.interval_ms = 6 * hour;
  DeviceSim s(make_device("p", Kind::power, "kWh"), c);
  uint64_t local_day1 = 0;
  for (int i = 0; i < 8; ++i)
    for (auto& p : s.next_slot()) {
      uint64_t t = s.slot_end_ms(p.seq);
      if (t + 9 * hour < monday_utc + 24 * hour) local_day1 += p.value_milli;
    }
  // Local times: Mon 15:00, 21:00; Tue 03:00 ... 21:00; Wed 03:00, 09:00.
  ASSERT_EQ(s.stats.valid_by_day.size(), 3u);
  EXPECT_EQ(s.stats.valid_by_day.begin()->first, "2025-11-24");
  EXPECT_EQ(s.stats.valid_by_day.begin()->second.sum_milli, local_day1);
  EXPECT_EQ(s.stats.valid_by_day.begin()->second.readings, 2u);  // 06:00 and 12:00 UTC
}

TEST_F(SimTest, SameSeedSameMessages) {
  SimConfig c;
  c.seed = 5;
  c.start_ms = monday_utc;
  c.faults.gap = c.faults.bad_signature = c.faults.replay_exact = 0.1;
  DeviceSim a(make_device("g", Kind::gas, "Nm3"), c), b(make_device("g", Kind::gas, "Nm3"), c);
  for (int i = 0; i < 200; ++i) {
    auto pa = a.next_slot(), pb = b.next_slot();
    ASSERT_EQ(pa.size(), pb.size());
    for (size_t j = 0; j < pa.size(); ++j) EXPECT_EQ(pa[j].message, pb[j].message);
  }
}

// ---- acks

TEST_F(SimTest, PendingUntilAcked) {
  SimConfig c;
  c.start_ms = monday_utc;
  DeviceSim s(make_device("g", Kind::gas, "Nm3"), c);
  for (int i = 0; i < 5; ++i)
    for (auto& p : s.next_slot())
      if (p.tracked) s.track(p.seq, p.message, 1000);
  EXPECT_EQ(s.pending(), 5u);
  EXPECT_FALSE(s.acks_complete());
  EXPECT_TRUE(s.due_retries(5999, 5000).empty());
  EXPECT_EQ(s.due_retries(6000, 5000).size(), 5u);  // same bytes again, in seq order
  EXPECT_EQ(s.stats.republished, 5u);
  EXPECT_TRUE(s.due_retries(6000, 5000).empty());  // sent again just now
  EXPECT_TRUE(s.on_ack_message(R"({"seq":3})"));
  EXPECT_EQ(s.pending(), 2u);
  EXPECT_EQ(s.stats.acked_seq, 3u);
  EXPECT_TRUE(s.on_ack_message(R"({"seq":2})"));  // cumulative: an older ack changes nothing
  EXPECT_EQ(s.stats.acked_seq, 3u);
  auto all = s.all_pending(7000);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_NE(all[0].find("\\\"seq\\\":4"), std::string::npos);
  for (auto bad : {"", "{}", "[4]", R"({"seq":-1})", R"({"seq":"5"})", R"({"seq":5,"x":1})",
                   R"({"seq":1.5})", R"({"seq":5,"seq":6})"})
    EXPECT_FALSE(s.on_ack_message(bad)) << bad;
  EXPECT_EQ(s.stats.bad_acks, 8u);
  EXPECT_TRUE(s.on_ack_message(R"({ "seq" : 5 })"));
  EXPECT_EQ(s.pending(), 0u);
  EXPECT_TRUE(s.acks_complete());
  EXPECT_EQ(parse_ack(R"({"seq":0})"), 0u);
}

// ---- manifest

std::string manifest_with(const std::string& device_members) {
  return R"({"format":"tanso-sensor-sim/devices/v1","devices":[{)" + device_members + "}]}";
}
const std::string good =
    R"("id":"g-1","installation":"plant-a","kind":"gas","unit":"Nm3","key_file":"g-1.key")";

TEST_F(SimTest, ManifestDefaults) {
  auto m = parse_manifest(manifest_with(good), "/keys");
  ASSERT_TRUE(m.ok()) << m.error().message;
  const auto& e = m->devices.at(0);
  EXPECT_EQ(e.key_path, "/keys/g-1.key");
  EXPECT_EQ(e.source, "natural_gas");
  EXPECT_EQ(e.max_milli, 10'000'000u);
  EXPECT_EQ(e.calibration, "valid");
  auto m2 = parse_manifest(
      manifest_with(
          R"("id":"p","installation":"i","kind":"power","unit":"MWh","key_file":"/abs/p.key","max_value":"2.5","calibration":"expired","source":"grid")"),
      "/keys");
  ASSERT_TRUE(m2.ok()) << m2.error().message;
  EXPECT_EQ(m2->devices[0].key_path, "/abs/p.key");
  EXPECT_EQ(m2->devices[0].max_milli, 2500u);
  EXPECT_EQ(m2->devices[0].calibration, "expired");
  // Round trip.
  auto again = parse_manifest(manifest_json(*m2), "/keys");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(manifest_json(*again), manifest_json(*m2));
}

TEST_F(SimTest, ManifestErrors) {
  const std::pair<std::string, std::string> cases[] = {
      {"not json", "not JSON"},
      {"[]", "JSON object"},
      {R"({"devices":[]})", "format"},
      {R"({"format":"tanso-sensor-sim/devices/v1","devices":[]})", "non-empty"},
      {R"({"format":"tanso-sensor-sim/devices/v1","devices":[],"x":1})", "unknown member"},
      {manifest_with(good + R"(,"colour":"red")"), "unknown member \"colour\""},
      {manifest_with(R"("installation":"i","kind":"gas","unit":"Nm3","key_file":"k")"),
       "missing \"id\""},
      {manifest_with(R"("id":"a b","installation":"i","kind":"gas","unit":"Nm3","key_file":"k")"),
       "\"id\""},
      {manifest_with(R"("id":"a","installation":"i","kind":"oil","unit":"Nm3","key_file":"k")"),
       "\"kind\""},
      {manifest_with(R"("id":"a","installation":"i","kind":"gas","unit":"kWh","key_file":"k")"),
       "does not fit"},
      {manifest_with(R"("id":"a","installation":"i","kind":"gas","unit":"Nm3","key_file":7)"),
       "must be a string"},
      {manifest_with(good + R"(,"max_value":"0")"), "max_value"},
      {manifest_with(good + R"(,"max_value":"1.2345")"), "max_value"},
      {manifest_with(good + R"(,"calibration":"lapsed")"), "calibration"},
      {manifest_with(good + R"(,"public_key":"ed25519:00")"), "public_key"},
      {R"({"format":"tanso-sensor-sim/devices/v1","devices":[{)" + good + "},{" + good + "}]}",
       "listed twice"},
      {R"({"format":"tanso-sensor-sim/devices/v1","format":"x","devices":[]})", "duplicate"},
  };
  for (const auto& [text, want] : cases) {
    auto m = parse_manifest(text, "/d");
    ASSERT_FALSE(m.ok()) << text;
    EXPECT_EQ(m.error().code, "manifest.malformed");
    EXPECT_NE(m.error().message.find(want), std::string::npos)
        << text << " -> " << m.error().message;
  }
}

TEST_F(SimTest, GenerateAndLoad) {
  auto dir =
      std::filesystem::temp_directory_path() / ("sim_core_test_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  auto m = generate_devices(dir.string(), 4, "plant-a", {Kind::gas, Kind::power}, "plant-a.");
  ASSERT_TRUE(m.ok()) << m.error().message;
  auto read = read_manifest(dir.string());
  ASSERT_TRUE(read.ok()) << read.error().message;
  ASSERT_EQ(read->devices.size(), 4u);
  EXPECT_EQ(read->devices[1].id, "plant-a.power-2");
  EXPECT_EQ(read->devices[1].unit, "kWh");
  auto devs = load_devices(*read);
  ASSERT_TRUE(devs.ok()) << devs.error().message;
  EXPECT_EQ(key_to_text((*devs)[3].key.pub), read->devices[3].public_key);
  std::ifstream rf(dir / "registry.json");
  auto reg = Json::parse(rf);
  ASSERT_EQ(reg["devices"].size(), 4u);
  EXPECT_EQ(
      reg["devices"][0],
      Json::parse(R"({"device":"plant-a.gas-1","installation":"plant-a","source":"natural_gas",
                "quantity":"natural_gas_volume","fuel":"natural_gas","scope":1,"unit":"Nm3",
                "max_value":"10000","key":")" +
                  read->devices[0].public_key + "\"}"));
  EXPECT_EQ(reg["devices"][1]["scope"], 2);
  EXPECT_FALSE(reg["devices"][1].contains("fuel"));
  // A second generate into the same directory refuses; a wrong public key is caught.
  EXPECT_EQ(generate_devices(dir.string(), 1, "plant-a", {Kind::gas}, "").error().code,
            "manifest.exists");
  read->devices[0].public_key = read->devices[1].public_key;
  EXPECT_EQ(load_devices(*read).error().code, "manifest.key_mismatch");
  read->devices[0].key_path = (dir / "missing.key").string();
  EXPECT_EQ(load_devices(*read).error().code, "key.unreadable");
  EXPECT_EQ(read_manifest((dir / "nope").string()).error().code, "manifest.unreadable");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tanso::sim
