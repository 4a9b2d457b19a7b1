// The edge gateway's logic (src/edge): intervals, every checker code, gap filling arithmetic,
// the Merkle order of a batch, and recovery of the store after a restart (nothing lost, nothing
// counted twice).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/merkle.h"
#include "edge/config.h"
#include "edge/pipeline.h"
#include "test_keys.h"

namespace tanso::edge {
namespace {

constexpr int64_t kT0 = 1'685'577'600'000;  // 2023-06-01T00:00Z = 09:00 KST
const KeyPair& dkey(uint8_t n) { return test_key(n, 0xe9); }

Json device_json(const std::string& id, uint8_t k, const std::string& unit,
                 const std::string& source = "boiler", const char* max_value = nullptr) {
  Json d = {{"device", id},
            {"key", key_to_text(dkey(k).pub)},
            {"installation", "pohang"},
            {"source", source},
            {"unit", unit},
            {"retired_on", nullptr}};
  if (max_value) d["max_value"] = max_value;
  return d;
}

std::shared_ptr<const Registry> registry() {
  Json view = {{"devices",
                {device_json("gm1", 1, "Nm3"), device_json("gm2", 2, "Nm3"),
                 device_json("pm1", 3, "kWh", "grid", "100"), device_json("a", 4, "Nm3"),
                 device_json("a.b", 5, "Nm3")}},
               {"plan", {{"sources", {{{"factor_version", "v-test"}}}}}}};
  Json old = device_json("old", 6, "Nm3");
  old["retired_on"] = "2023-01-01";
  view["devices"].push_back(old);
  auto r = std::make_shared<Registry>();
  r->installations["pohang"] = *parse_installation("pohang", view, 1'000'000'000, "default");
  return r;
}

Message msg(const std::string& dev, uint8_t k, uint64_t seq, int64_t t, uint64_t milli,
            const std::string& unit = "Nm3", const std::string& inst = "pohang") {
  return {"tanso/" + inst + "/" + dev,
          encode_reading_message(reading_text(dev, seq, t, milli, unit), dkey(k).secret)};
}

struct EdgeTest : ::testing::Test {
  void SetUp() override {
    init_crypto();
    dir = std::filesystem::temp_directory_path() /
          ("edge-test-" + std::to_string(::getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir);
    open();
  }
  void TearDown() override {
    pipe.reset();
    store.reset();
    std::filesystem::remove_all(dir);
  }
  void open() {
    pipe.reset();
    store.reset();
    store = std::move(*Store::open(dir.string()));
    SequenceLimits lim;
    lim.rule = rule;
    lim.max_skew_ms = 300'000;
    lim.gap_window = 3;
    lim.gap_wait_ms = gap_wait_ms;
    pipe = std::make_unique<Pipeline>(*store, lim, 2);
    pipe->load();
    pipe->set_registry(registry());
  }
  // The ack published to a device in `acks` (0: none).
  static uint64_t ack_of(const std::vector<Ack>& acks, const std::string& dev) {
    uint64_t s = 0;
    for (const auto& a : acks)
      if (a.topic == "tanso/pohang/" + dev + "/ack") s = std::max(s, a.seq);
    return s;
  }
  uint64_t count(const std::string& k) {
    auto c = pipe->counters();
    return c.contains(k) ? c[k] : 0;
  }
  Json batch(int64_t start) {
    auto v = store->get(Store::batch_key("pohang", start));
    return v ? Json::parse(*v) : Json();
  }
  IntervalRule rule{1440, 540};
  int64_t gap_wait_ms = 60'000;
  std::filesystem::path dir;
  std::unique_ptr<Store> store;
  std::unique_ptr<Pipeline> pipe;
};

TEST(EdgeInterval, LocalDaysAndSlots) {
  IntervalRule daily{1440, 540};
  // 2023-05-31T15:00Z is 2023-06-01 00:00 KST: the first instant of the local day.
  auto i = interval_of(daily, kT0 - 9 * 3'600'000);
  EXPECT_EQ(i.day, "2023-06-01");
  EXPECT_EQ(i.slot, 0u);
  EXPECT_EQ(i.start_ms, kT0 - 9 * 3'600'000);
  EXPECT_EQ(interval_of(daily, kT0 - 9 * 3'600'000 - 1).day, "2023-05-31");
  IntervalRule hourly{60, 540};
  auto h = interval_of(hourly, kT0 + 30 * 60'000);  // 09:30 KST
  EXPECT_EQ(h.day, "2023-06-01");
  EXPECT_EQ(h.slot, 9u);
  EXPECT_EQ(h.start_ms, kT0);
  EXPECT_EQ(batch_id_for("pohang", h), "pohang.2023-06-01.9");
  EXPECT_EQ(interval_of(IntervalRule{1440, 0}, 951'782'400'000).day, "2000-02-29");
}

TEST(EdgeConfig, TomlThenChecks) {
  auto path = std::filesystem::temp_directory_path() / ("edge-cfg-" + std::to_string(::getpid()));
  {
    std::ofstream f(path);
    f << "installations = \"pohang, ulsan\"\ndevices = \"d.json\"\ninterval_min = 60\n"
         "utc_offset_min = -300\n";
  }
  EdgeConfig c;
  ASSERT_TRUE(load_edge_config_file(path.string(), c));
  EXPECT_EQ(c.interval_min, 60u);
  EXPECT_EQ(c.utc_offset_min, -300);
  EXPECT_EQ(split_installations(c.installations), (std::vector<std::string>{"pohang", "ulsan"}));
  EXPECT_TRUE(validate_edge_config(c));
  c.interval_min = 7;  // does not divide a day
  EXPECT_FALSE(validate_edge_config(c));
  c.interval_min = 60;
  c.devices.clear();  // neither a devices file nor a node
  EXPECT_FALSE(validate_edge_config(c));
  {
    std::ofstream f(path);
    f << "nope = 1\n";
  }
  EXPECT_EQ(load_edge_config_file(path.string(), c).error().code, "config.invalid");
  std::filesystem::remove(path);
}

TEST(EdgeGapRule, HighestOfRecentTimesMissing) {
  EXPECT_EQ(substitute_milli({5000, 7000, 3000}, 2), 14000u);
  EXPECT_EQ(substitute_milli({}, 3), 0u);
  EXPECT_EQ(substitute_milli({1'000'000}, uint64_t{1} << 53), UINT64_MAX);  // saturates
}

TEST_F(EdgeTest, EveryCheckerCode) {
  const int64_t now = kT0;
  std::vector<Message> m = {
      msg("gm1", 1, 1, now, 1000),                            // accepted
      msg("gm1", 1, 1, now, 1000),                            // exact duplicate
      msg("gm1", 1, 1, now, 2000),                            // same seq, other bytes: replayed
      msg("gm1", 1, 3, now, 1000),                            // accepted (seq 2 missing)
      msg("gm1", 1, 2, now, 1000),                            // fills the hole: accepted
      msg("gm1", 1, 2, now + 1, 1000),                        // other bytes: replayed
      msg("gm2", 1, 1, now, 1000),                            // signed by gm1's key
      msg("gm2", 2, 1, now, 1000, "kWh"),                     // not gm2's unit
      msg("nope", 2, 1, now, 1000),                           // unknown_device
      msg("old", 6, 1, now, 1000),                            // retired: unknown_device
      msg("gm2", 2, 2, now + 400'000, 1000),                  // clock_skew
      msg("pm1", 3, 1, now, 100'001, "kWh"),                  // impossible_value (max 100)
      msg("gm2", 2, 3, now, 1000, "Nm3", "ulsan"),            // bad_topic: not served
      {"tanso/pohang/gm2", "{\"reading\":1}"},                // malformed
      {"tanso/pohang/gm2", std::string(1100, ' ')},           // too_large
      {"tanso/pohang/gm1", msg("gm2", 2, 9, now, 1).payload}  // bad_topic: device differs
  };
  auto acks = pipe->handle(m, now);
  EXPECT_EQ(count("accepted"), 3u);
  EXPECT_EQ(count("duplicate"), 1u);
  EXPECT_EQ(count("refused.reading.replayed"), 2u);
  for (auto code : {"reading.bad_signature", "reading.bad_unit", "reading.clock_skew",
                    "reading.impossible_value", "reading.malformed", "reading.too_large"})
    EXPECT_EQ(count(std::string("refused.") + code), 1u) << code;
  EXPECT_EQ(count("refused.reading.unknown_device"), 2u);
  EXPECT_EQ(count("refused.reading.bad_topic"), 2u);
  EXPECT_EQ(count("gaps"), 0u);
  // A seq handled without being stored (here gm2's 2, refused for its clock) is out_of_order
  // when a valid reading comes under it; a signed reading with its own fault keeps its code.
  auto a2 = pipe->handle({msg("gm2", 2, 2, now, 1000), msg("gm2", 2, 2, now + 400'000, 7)}, now);
  EXPECT_EQ(count("refused.reading.out_of_order"), 1u);
  EXPECT_EQ(count("refused.reading.clock_skew"), 2u);
  EXPECT_EQ(ack_of(a2, "gm2"), 2u);
  bool gm1_acked = false;
  for (const auto& a : acks)
    if (a.topic == "tanso/pohang/gm1/ack") {
      EXPECT_EQ(a.seq, 3u);
      EXPECT_EQ(a.payload(), "{\"seq\":3}");
      gm1_acked = true;
    }
  EXPECT_TRUE(gm1_acked);
  // Close the day (end 2023-06-01 24:00 KST) and a reading of it is late.
  const int64_t end = kT0 + 15 * 3'600'000;
  EXPECT_TRUE(pipe->close_due(end - 1, 0).empty());
  ASSERT_EQ(pipe->close_due(end + 1000, 1000).size(), 1u);
  // Seq 10 is late; the seqs missing below it (5..9) could only be late too: declared, acked.
  auto a3 = pipe->handle({msg("gm1", 1, 10, end - 1000, 1000)}, end);
  EXPECT_EQ(count("refused.reading.late"), 1u);
  EXPECT_EQ(ack_of(a3, "gm1"), 10u);
}

TEST_F(EdgeTest, GapFillAndTotals) {
  const int64_t t = kT0;
  // gm1: 5, 7, (missing 3 and 4), 3, (missing 6) 2: window 3 -> max(5,7,3)=7 each.
  pipe->handle(
      {msg("gm1", 1, 1, t, 5000), msg("gm1", 1, 2, t + 1, 7000), msg("gm1", 1, 5, t + 2, 3000)}, t);
  pipe->handle({msg("gm1", 1, 7, t + 3, 2000), msg("gm2", 2, 10, t, 1500)}, t);
  auto due = pipe->close_due(t + 86'400'000, 0);
  ASSERT_EQ(due.size(), 1u);
  Json b = batch(kT0 - 9 * 3'600'000);
  ASSERT_TRUE(b.is_object());
  EXPECT_EQ(b["status"], "pending");
  const Json& body = b["body"];
  EXPECT_EQ(body["batch_id"], "pohang.2023-06-01.0");
  EXPECT_EQ(body["day"], "2023-06-01");
  EXPECT_EQ(body["factor_version"], "v-test");
  EXPECT_FALSE(body.contains("interval_min"));
  ASSERT_EQ(body["totals"].size(), 2u);
  const Json& g1 = body["totals"][0];
  EXPECT_EQ(g1["device"], "gm1");
  EXPECT_EQ(g1["source"], "boiler");
  EXPECT_EQ(g1["unit"], "Nm3");
  // 5 + 7 + 3 + 2 readings, + 2 x 7 (seq 3, 4) + 1 x 7 (seq 6: max of 7, 3... window 3 = 5,7,3)
  EXPECT_EQ(g1["quantity"], 5000 + 7000 + 3000 + 2000 + 2 * 7000 + 7000);
  EXPECT_EQ(g1["readings"], 4);
  EXPECT_EQ(g1["gaps"], 3);
  EXPECT_EQ(g1["substituted"], 3);
  const Json& g2 = body["totals"][1];
  EXPECT_EQ(g2["quantity"], 1500);  // a device's first reading seen: no gap before it
  EXPECT_EQ(g2["gaps"], 0);
}

TEST_F(EdgeTest, MerkleRootOrderIsDeviceThenSeq) {
  const int64_t t = kT0;
  // Arrival order differs from the leaf order; "a" < "a.b" in byte order although the store
  // keys "a/..." and "a.b/..." sort the other way.
  pipe->handle({msg("a.b", 5, 1, t, 1), msg("a", 4, 2, t, 2)}, t);
  pipe->handle({msg("a", 4, 10, t, 3), msg("a.b", 5, 2, t, 4)}, t);
  pipe->close_due(t + 86'400'000, 0);
  Json b = batch(kT0 - 9 * 3'600'000);
  std::vector<Hash> leaves = {reading_leaf(reading_text("a", 2, t, 2, "Nm3")),
                              reading_leaf(reading_text("a", 10, t, 3, "Nm3")),
                              reading_leaf(reading_text("a.b", 1, t, 1, "Nm3")),
                              reading_leaf(reading_text("a.b", 2, t, 4, "Nm3"))};
  EXPECT_EQ(b["body"]["merkle_root"], to_hex(merkle::root(leaves)));
}

TEST_F(EdgeTest, StoreRecoveryNothingLostNothingTwice) {
  const int64_t t = kT0;
  pipe->handle({msg("gm1", 1, 1, t, 1000), msg("gm1", 1, 2, t, 2000)}, t);
  auto a = pipe->handle({msg("gm1", 1, 4, t, 1000)}, t);  // seq 3 missing: the ack stays at 2
  EXPECT_EQ(ack_of(a, "gm1"), 2u);
  open();  // a restart: everything from the store
  EXPECT_EQ(count("accepted"), 3u);
  // The device resends what it has no ack for: 2 and 4 are duplicates, counted apart and not
  // again; 3 (lost by the edge, say) fills the hole and the ack moves past it.
  a = pipe->handle({msg("gm1", 1, 2, t, 2000), msg("gm1", 1, 4, t, 1000), msg("gm1", 1, 3, t, 9)},
                   t);
  EXPECT_EQ(count("accepted"), 4u);
  EXPECT_EQ(count("duplicate"), 2u);
  EXPECT_EQ(count("refused.reading.out_of_order"), 0u);
  EXPECT_EQ(ack_of(a, "gm1"), 4u);
  pipe->handle({msg("gm1", 1, 5, t, 500)}, t);
  open();
  ASSERT_EQ(pipe->close_due(t + 86'400'000, 0).size(), 1u);
  open();  // the closed interval stays closed
  EXPECT_TRUE(pipe->close_due(t + 86'400'000, 0).empty());
  Json body = batch(kT0 - 9 * 3'600'000)["body"];
  EXPECT_EQ(body["totals"][0]["quantity"], 1000 + 2000 + 9 + 1000 + 500);
  EXPECT_EQ(body["totals"][0]["readings"], 5);
  EXPECT_EQ(body["totals"][0]["gaps"], 0);
  EXPECT_EQ(count("gaps"), 0u);
  pipe->handle({msg("gm1", 1, 6, t, 1)}, t);
  EXPECT_EQ(count("refused.reading.late"), 1u);
}

TEST_F(EdgeTest, AckNeverPassesAHole) {
  const int64_t t = kT0;
  auto a = pipe->handle({msg("gm1", 1, 1, t, 1000), msg("gm1", 1, 2, t, 1000)}, t);
  EXPECT_EQ(ack_of(a, "gm1"), 2u);
  a = pipe->handle({msg("gm1", 1, 4, t, 1000), msg("gm1", 1, 6, t, 1000)}, t);
  EXPECT_EQ(ack_of(a, "gm1"), 2u);                          // 3 and 5 missing
  a = pipe->handle({msg("gm1", 1, 4, t, 1000)}, t + 1000);  // a duplicate: the same ack
  EXPECT_EQ(ack_of(a, "gm1"), 2u);
  EXPECT_TRUE(pipe->resolve_due(t + 59'000).empty());  // still waited for
  a = pipe->handle({msg("gm1", 1, 5, t, 1000)}, t + 2000);
  EXPECT_EQ(ack_of(a, "gm1"), 2u);  // 3 still missing
  a = pipe->handle({msg("gm1", 1, 3, t, 1000)}, t + 3000);
  EXPECT_EQ(ack_of(a, "gm1"), 6u);
  // A refusal (signed, its own fault) is handled: the ack covers it, but not a hole below it.
  a = pipe->handle({msg("gm1", 1, 8, t + 400'000, 1000)}, t + 3000);  // clock_skew; 7 missing
  EXPECT_EQ(ack_of(a, "gm1"), 6u);
  a = pipe->handle({msg("gm1", 1, 7, t, 1000)}, t + 3000);
  EXPECT_EQ(ack_of(a, "gm1"), 8u);
  // A refusal that is not proven to be the device's (bad signature) never reveals a hole.
  a = pipe->handle({msg("gm1", 2, 1000, t, 1000)}, t + 4000);
  EXPECT_EQ(count("refused.reading.bad_signature"), 1u);
  EXPECT_EQ(ack_of(a, "gm1"), 8u);
  EXPECT_TRUE(pipe->resolve_due(t + 3'600'000).empty());
  a = pipe->handle({msg("gm1", 1, 9, t, 1000)}, t + 5000);
  EXPECT_EQ(ack_of(a, "gm1"), 9u);
  pipe->close_due(t + 86'400'000, 0);
  Json g = batch(kT0 - 9 * 3'600'000)["body"]["totals"][0];
  EXPECT_EQ(g["readings"], 8);
  EXPECT_EQ(g["gaps"], 1);  // seq 8, refused
}

TEST_F(EdgeTest, GapDeclaredAfterTheWait) {
  const int64_t t = kT0;
  pipe->handle({msg("gm1", 1, 1, t, 5000), msg("gm1", 1, 2, t, 7000)}, t);
  auto a = pipe->handle({msg("gm1", 1, 5, t, 3000)}, t + 10'000);  // 3, 4 missing
  EXPECT_EQ(ack_of(a, "gm1"), 2u);
  EXPECT_TRUE(pipe->resolve_due(t + 69'999).empty());
  a = pipe->resolve_due(t + 70'000);  // 60 s after 5 revealed them: declared missing
  EXPECT_EQ(ack_of(a, "gm1"), 5u);
  // Too late now: refused, acknowledged, not stored.
  a = pipe->handle({msg("gm1", 1, 4, t, 1)}, t + 71'000);
  EXPECT_EQ(count("refused.reading.out_of_order"), 1u);
  EXPECT_EQ(ack_of(a, "gm1"), 5u);
  pipe->close_due(t + 86'400'000, 0);
  Json g = batch(kT0 - 9 * 3'600'000)["body"]["totals"][0];
  EXPECT_EQ(g["quantity"], 5000 + 7000 + 3000 + 2 * 7000);
  EXPECT_EQ((std::pair{g["readings"], g["gaps"]}), (std::pair{Json(3), Json(2)}));
  EXPECT_EQ(count("gaps"), 2u);
  EXPECT_EQ(count("substituted"), 2u);
}

TEST_F(EdgeTest, GapDeclaredWhenTheIntervalCloses) {
  gap_wait_ms = 0;  // holes are waited for until the interval of a reading above them closes
  open();
  const int64_t t = kT0;
  pipe->handle({msg("gm1", 1, 1, t, 5000)}, t);
  auto a = pipe->handle({msg("gm1", 1, 3, t, 3000)}, t);
  EXPECT_EQ(ack_of(a, "gm1"), 1u);
  EXPECT_TRUE(pipe->resolve_due(t + 3'600'000).empty());
  std::vector<Ack> acks;
  const int64_t end = kT0 + 15 * 3'600'000;  // 24:00 KST
  ASSERT_EQ(pipe->close_due(end + 1000, 1000, &acks).size(), 1u);
  EXPECT_EQ(ack_of(acks, "gm1"), 3u);
  Json g = batch(kT0 - 9 * 3'600'000)["body"]["totals"][0];
  EXPECT_EQ(g["quantity"], 5000 + 3000 + 5000);
  EXPECT_EQ(g["gaps"], 1);
  open();  // persisted
  a = pipe->handle({msg("gm1", 1, 2, end - 1000, 1)}, end + 1000);
  EXPECT_EQ(count("refused.reading.late"), 1u);
  EXPECT_EQ(ack_of(a, "gm1"), 3u);
}

TEST_F(EdgeTest, RestartWhileAHoleIsOpen) {
  const int64_t t = kT0;
  pipe->handle({msg("gm1", 1, 1, t, 1000), msg("gm1", 1, 3, t, 3000)}, t);
  open();  // the hole (seq 2) persists; its wait starts again at the first tick
  auto a = pipe->handle({msg("gm1", 1, 3, t, 3000)}, t + 100'000);
  EXPECT_EQ(count("duplicate"), 1u);
  EXPECT_EQ(ack_of(a, "gm1"), 1u);
  EXPECT_TRUE(pipe->resolve_due(t + 100'000).empty());
  EXPECT_TRUE(pipe->resolve_due(t + 159'999).empty());
  a = pipe->handle({msg("gm1", 1, 2, t, 2000)}, t + 150'000);  // the device's resend
  EXPECT_EQ(ack_of(a, "gm1"), 3u);
  open();
  EXPECT_TRUE(pipe->resolve_due(t + 1'000'000).empty());
  pipe->close_due(t + 86'400'000, 0);
  Json g = batch(kT0 - 9 * 3'600'000)["body"]["totals"][0];
  EXPECT_EQ((std::pair{g["quantity"], g["gaps"]}), (std::pair{Json(6000), Json(0)}));
}

TEST_F(EdgeTest, NewDeviceWaitsForItsFirstReadings) {
  const int64_t t = kT0;
  // gm1's first readings (1, 2) were lost by the edge; 3 is the first it stores: no ack yet, as
  // {"seq":3} would tell the device to drop 1 and 2.
  auto a = pipe->handle({msg("gm1", 1, 3, t, 3000)}, t);
  EXPECT_EQ(ack_of(a, "gm1"), 0u);
  a = pipe->handle({msg("gm1", 1, 1, t, 1000), msg("gm1", 1, 2, t, 2000)}, t + 5000);
  EXPECT_EQ(ack_of(a, "gm1"), 3u);
  // gm2 starts at 10 (its earlier seqs never come): after the wait, 10 is its first reading.
  pipe->handle({msg("gm2", 2, 10, t, 1500)}, t);
  a = pipe->resolve_due(t + 60'000);
  EXPECT_EQ(ack_of(a, "gm2"), 10u);
  pipe->close_due(t + 86'400'000, 0);
  Json body = batch(kT0 - 9 * 3'600'000)["body"];
  EXPECT_EQ(body["totals"][0]["quantity"], 6000);
  EXPECT_EQ(body["totals"][0]["readings"], 3);
  EXPECT_EQ(body["totals"][1]["quantity"], 1500);
  EXPECT_EQ(body["totals"][1]["gaps"], 0);
}

TEST_F(EdgeTest, SubDailySlotsAreSeparateBatches) {
  rule = {60, 540};
  open();
  // 09:10 and 09:50 KST are slot 9; 10:05 is slot 10 (its own batch).
  pipe->handle({msg("gm1", 1, 1, kT0 + 600'000, 1000)}, kT0 + 600'000);
  pipe->handle({msg("gm1", 1, 2, kT0 + 3'000'000, 2000)}, kT0 + 3'000'000);
  pipe->handle({msg("gm1", 1, 3, kT0 + 3'900'000, 4000)}, kT0 + 3'900'000);
  EXPECT_EQ(pipe->open_intervals(), 2u);
  // Slot 9 ends at 10:00 KST; with 60 s grace it closes at 10:01, slot 10 stays open.
  ASSERT_EQ(pipe->close_due(kT0 + 3'660'000, 60'000).size(), 1u);
  Json body = batch(kT0)["body"];
  EXPECT_EQ(body["batch_id"], "pohang.2023-06-01.9");
  EXPECT_EQ(body["interval_min"], 60);
  EXPECT_EQ(body["slot"], 9);
  EXPECT_EQ(body["totals"][0]["quantity"], 3000);
  EXPECT_EQ(pipe->open_intervals(), 1u);
  ASSERT_EQ(pipe->close_due(kT0 + 2 * 3'600'000 + 60'000, 60'000).size(), 1u);
  EXPECT_EQ(batch(kT0 + 3'600'000)["body"]["slot"], 10);
}

}  // namespace
}  // namespace tanso::edge
