// The MRV registry (core/mrv_registry.h) through the real executor: device registration,
// calibration (status as a pure function, expiry excluding readings until recalibration),
// retirement, monitoring plans and their approval, daily batches (idempotent retries, every
// refusal), the emissions computed from them with the factor version recorded, and the views.
// Every rejection is checked to change nothing but the sender's nonce.
#include "core/mrv_registry.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "mrv_fixture.h"

namespace tanso {
namespace {

using namespace mrv_testing;  // NOLINT(google-build-using-namespace): the shared fixture

TEST(MrvDates, DatesAndCalibrationStatusArePure) {
  EXPECT_TRUE(valid_mrv_date("2024-02-29"));
  EXPECT_FALSE(valid_mrv_date("2023-02-29"));
  EXPECT_FALSE(valid_mrv_date("2100-02-29"));
  EXPECT_TRUE(valid_mrv_date("2000-02-29"));
  EXPECT_FALSE(valid_mrv_date("2023-13-01"));
  EXPECT_FALSE(valid_mrv_date("2023-04-31"));
  EXPECT_FALSE(valid_mrv_date("2023-4-30"));
  EXPECT_FALSE(valid_mrv_date("1999-12-31"));
  EXPECT_FALSE(valid_mrv_date("2023-06-0a"));
  EXPECT_EQ(date_of_ms(0), "1970-01-01");
  EXPECT_EQ(date_of_ms(1'735'657'200'000), "2024-12-31");
  EXPECT_EQ(date_of_ms(1'709'164'800'000), "2024-02-29");

  std::vector<Calibration> cals;
  EXPECT_EQ(calibration_status(cals, "2023-06-01"), CalibrationStatus::never);
  cals.push_back({"t", "c1", "2023-01-01", "2023-06-30"});
  EXPECT_EQ(calibration_status(cals, "2022-12-31"), CalibrationStatus::never);
  EXPECT_EQ(calibration_status(cals, "2023-01-01"), CalibrationStatus::valid);
  EXPECT_EQ(calibration_status(cals, "2023-06-30"), CalibrationStatus::valid);
  EXPECT_EQ(calibration_status(cals, "2023-07-01"), CalibrationStatus::expired);
  cals.push_back({"t", "c2", "2023-07-10", "2024-07-09"});
  EXPECT_EQ(calibration_status(cals, "2023-07-05"), CalibrationStatus::expired);
  EXPECT_EQ(calibration_status(cals, "2023-07-10"), CalibrationStatus::valid);
  EXPECT_EQ(calibration_status(cals, "2023-03-01"), CalibrationStatus::valid);  // history kept
  EXPECT_EQ(calibration_status(cals, "2024-07-10"), CalibrationStatus::expired);
  EXPECT_EQ(calibration_status_name(CalibrationStatus::expired), "expired");
}

TEST_F(MrvRegistryTest, RegisterDevices) {
  // The company (any account of its org) or the regulator registers; the first record binds
  // the installation to the company whose designation lists it.
  ok("acme.edge", "mrv.device.register",
     device("gm1", 101, "pohang", "boiler", "natural_gas_volume", "Nm3", "natural_gas"));
  ok("moe.gir", "mrv.device.register",
     device("pm9", 109, "ulsan", "grid", "electricity", "MWh", nullptr));
  Json inst = get("mrv/inst/pohang");
  EXPECT_EQ(inst["company"], "acme.ops");
  EXPECT_EQ(inst["devices"], Json::array({"gm1"}));
  EXPECT_EQ(get("mrv/inst/ulsan")["company"], "beta.ops");
  auto d = mrv_device(c().st, "gm1", std::string_view("2023-05-01"));
  ASSERT_TRUE(d);
  EXPECT_EQ((*d)["key"], ktext(101));
  EXPECT_EQ((*d)["company"], "acme.ops");
  EXPECT_EQ((*d)["unit"], "Nm3");
  EXPECT_EQ((*d)["fuel"], "natural_gas");
  EXPECT_EQ((*d)["scope"], 1);
  EXPECT_EQ((*d)["registered_by"], "acme.edge");
  EXPECT_EQ((*d)["calibration_status"], "never");
  EXPECT_EQ(*c().st.get("mrv/devkey/" + to_hex(key(101).pub)), "gm1");
  EXPECT_EQ(mrv_device(c().st, "nope").error().code, "mrv.unknown_device");

  const std::string t = "mrv.device.register";
  rejected("acme.ops", t,
           device("gm1", 110, "pohang", "boiler", "natural_gas_volume", "Nm3", "natural_gas"),
           "mrv.device_exists");
  rejected("acme.ops", t,
           device("gm5", 101, "pohang", "boiler", "natural_gas_volume", "Nm3", "natural_gas"),
           "mrv.device_key_in_use");
  rejected("acme.ops", t, device("x1", 111, "nowhere", "grid", "electricity", "kWh", nullptr),
           "mrv.unknown_installation");
  rejected("acme.ops", t, device("x1", 111, "shared", "grid", "electricity", "kWh", nullptr),
           "mrv.installation_ambiguous");
  rejected("beta.ops", t, device("x1", 111, "pohang", "grid", "electricity", "kWh", nullptr),
           "mrv.not_owner");
  rejected("kver.ops", t, device("x1", 111, "pohang", "grid", "electricity", "kWh", nullptr),
           "tx.unauthorized_type");
  // Strict bodies.
  Json good = device("x1", 111, "pohang", "grid", "electricity", "kWh", nullptr);
  auto bad = [&](const std::function<void(Json&)>& f, const std::string& code = "tx.malformed") {
    Json b = good;
    f(b);
    rejected("acme.ops", t, b, code);
  };
  bad([](Json& b) { b["unit"] = "Nm3"; });       // wrong unit for the quantity
  bad([](Json& b) { b["quantity"] = "heat"; });  // unknown quantity
  bad([](Json& b) { b["scope"] = 1; });          // electricity is scope 2
  bad([](Json& b) { b["scope"] = 3; });
  bad([](Json& b) { b["fuel"] = "natural_gas"; });  // fuel on scope 2
  bad([](Json& b) { b["key"] = "ed25519:00"; });
  bad([](Json& b) { b.erase("source"); });
  bad([](Json& b) { b["colour"] = "red"; }, "tx.unknown_field");
  bad([](Json& b) {
    b = device("x1", 111, "pohang", "boiler", "fuel_mass", "kg", nullptr);  // no fuel
    b["scope"] = 1;
  });
  bad([](Json& b) { b = device("x1", 111, "pohang", "b", "fuel_mass", "Nm3", "diesel"); });
  bad([](Json& b) { b = device("x1", 111, "pohang", "b", "fuel_mass", "kg", "Diesel!"); });
}

TEST_F(MrvRegistryTest, CalibrateAndRetire) {
  ok("acme.ops", "mrv.device.register",
     device("gm1", 101, "pohang", "boiler", "natural_gas_volume", "Nm3", "natural_gas"));
  const std::string t = "mrv.device.calibrate";
  ok("kver.ops", t, calibration("gm1", "2023-01-01", "2023-12-31"));
  Json d = get("mrv/device/gm1");
  ASSERT_EQ(d["calibrations"].size(), 1u);
  EXPECT_EQ(d["calibrations"][0]["by"], "kver.ops");
  EXPECT_EQ(d["calibrations"][0]["technician"], "Kim Technician");
  EXPECT_EQ(d["calibrations"][0]["certificate"], "CAL-gm1-2023-01-01");
  EXPECT_EQ((*mrv_device(c().st, "gm1", std::string_view("2024-01-01")))["calibration_status"],
            "expired");

  rejected("kver.ops", t, calibration("nope", "2023-01-01", "2023-12-31"), "mrv.unknown_device");
  rejected("acme.ops", t, calibration("gm1", "2024-01-01", "2024-12-31"),
           "tx.unauthorized_type");  // the company cannot certify its own meter
  rejected("kver.ops", t, calibration("gm1", "2022-12-01", "2023-12-01"),
           "mrv.calibration_out_of_order");
  // Genesis time is 2024-12-31T15:00Z: 2025-01-01 (KST) is allowed, 2025-01-02 is not.
  rejected("kver.ops", t, calibration("gm1", "2025-01-02", "2026-01-01"), "mrv.future_date");
  rejected("kver.ops", t, calibration("gm1", "2024-01-01", "2024-01-01"), "tx.malformed");
  rejected("kver.ops", t, calibration("gm1", "2024-01-01", "2024-02-30"), "tx.malformed");
  Json nt = calibration("gm1", "2024-01-01", "2024-12-31");
  nt["technician"] = "";
  rejected("kver.ops", t, nt, "tx.malformed");
  ok("kver.ops", t, calibration("gm1", "2025-01-01", "2025-12-31"));

  const std::string r = "mrv.device.retire";
  rejected("beta.ops", r, {{"device", "gm1"}, {"retired_on", "2024-06-30"}}, "mrv.not_owner");
  rejected("kver.ops", r, {{"device", "gm1"}, {"retired_on", "2024-06-30"}},
           "tx.unauthorized_type");
  rejected("acme.ops", r, {{"device", "nope"}, {"retired_on", "2024-06-30"}}, "mrv.unknown_device");
  rejected("acme.ops", r, {{"device", "gm1"}, {"retired_on", "2024-06-31"}}, "tx.malformed");
  ok("acme.ops", r, {{"device", "gm1"}, {"retired_on", "2024-06-30"}, {"reason", "replaced"}});
  d = get("mrv/device/gm1");
  EXPECT_EQ(d["retired_on"], "2024-06-30");
  EXPECT_EQ(d["retired_by"], "acme.ops");
  EXPECT_EQ(d["retire_reason"], "replaced");
  rejected("moe.gir", r, {{"device", "gm1"}, {"retired_on", "2024-07-30"}}, "mrv.device_retired");
  rejected("kver.ops", t, calibration("gm1", "2025-01-01", "2026-12-31"), "mrv.device_retired");
  // Ids and keys of retired devices are never reused.
  rejected("acme.ops", "mrv.device.register",
           device("gm1", 120, "pohang", "boiler", "natural_gas_volume", "Nm3", "natural_gas"),
           "mrv.device_exists");
}

TEST_F(MrvRegistryTest, PlansAreSetByTheCompanyAndApprovedByTheRegulator) {
  Json plan = {{"installation", "pohang"},
               {"sources",
                {{{"source", "boiler"},
                  {"scope", 1},
                  {"fuel", "natural_gas"},
                  {"method", "calculation"},
                  {"tier", 2},
                  {"factor_version", "latest"}}}}};
  const std::string t = "mrv.plan.set", a = "mrv.plan.approve";
  rejected("moe.gir", a, {{"installation", "pohang"}, {"revision", 1}}, "mrv.no_pending_plan");
  ok("acme.edge", t, plan);
  Json pend = get("mrv/plan_pending/pohang");
  EXPECT_EQ(pend["revision"], 1);
  EXPECT_EQ(pend["sources"][0]["factor_version"], kDefaultFactorVersion);  // "latest" resolved
  EXPECT_EQ(pend["set_by"], "acme.edge");
  rejected("kver.ops", a, {{"installation", "pohang"}, {"revision", 1}}, "tx.unauthorized_type");
  rejected("moe.gir", a, {{"installation", "pohang"}, {"revision", 2}},
           "mrv.plan_revision_mismatch");
  ok("moe.gir", a, {{"installation", "pohang"}, {"revision", 1}});
  EXPECT_EQ(get("mrv/plan/pohang")["approved_by"], "moe.gir");
  EXPECT_FALSE(c().st.get("mrv/plan_pending/pohang"));
  // A new revision waits while the approved one stays in force.
  plan["sources"][0]["tier"] = 3;
  ok("acme.ops", t, plan);
  EXPECT_EQ(get("mrv/plan_pending/pohang")["revision"], 2);
  EXPECT_EQ(get("mrv/plan/pohang")["sources"][0]["tier"], 2);
  auto view = mrv_installation(c().st, "pohang");
  ASSERT_TRUE(view);
  EXPECT_EQ((*view)["company"], "acme.ops");
  EXPECT_EQ((*view)["plan"]["revision"], 1);
  EXPECT_EQ((*view)["pending"]["revision"], 2);
  EXPECT_EQ(mrv_installation(c().st, "ulsan").error().code, "mrv.unknown_installation");

  rejected("beta.ops", t, plan, "mrv.not_owner");
  rejected("moe.gir", t, plan, "tx.unauthorized_type");
  Json p2 = plan;
  p2["installation"] = "nowhere";
  rejected("acme.ops", t, p2, "mrv.unknown_installation");
  p2 = plan;
  p2["sources"][0]["factor_version"] = "kr-9999";
  rejected("acme.ops", t, p2, "mrv.unknown_factor_version");
  p2 = plan;
  p2["sources"][0]["fuel"] = "coal";
  rejected("acme.ops", t, p2, "mrv.unknown_fuel");
  auto bad = [&](const std::function<void(Json&)>& f, const std::string& code = "tx.malformed") {
    Json b = plan;
    f(b);
    rejected("acme.ops", t, b, code);
  };
  bad([](Json& b) { b["sources"][0]["method"] = "measurement"; });
  bad([](Json& b) { b["sources"][0]["tier"] = 5; });
  bad([](Json& b) { b["sources"][0]["tier"] = 0; });
  bad([](Json& b) { b["sources"][0].erase("fuel"); });
  bad([](Json& b) { b["sources"][0]["scope"] = 2; });  // fuel on scope 2
  bad([](Json& b) { b["sources"].push_back(b["sources"][0]); });
  bad([](Json& b) { b["sources"] = Json::array(); });
  bad([](Json& b) { b["sources"][0]["x"] = 1; }, "tx.unknown_field");
}

TEST_F(MrvRegistryTest, BatchComputesExactEmissionsAndRecordsTheFactorVersion) {
  setup_pohang();
  // 2023-06-01, everything calibrated. Hand-computed with the default set (docs/MRV.md):
  //   boiler: 4,000 + 6,000 = 10,000 Nm3 natural gas, summed first and calculated once:
  //     0.385 TJ -> CO2 21,598,500 g; CH4 385 g (x28 = 10,780 g); N2O 38.5 g -> 39 g
  //     (x265 = 10,202.5 -> 10,203 g): 21,619,483 g CO2e.
  //   gen: 1 t diesel = 0.043 TJ -> 3,186,300 + 3,612 + 6,837 = 3,196,749 g CO2e.
  //   grid: 1,000,000 kWh = 1,000 MWh in 2023 x 0.4173 t = 417,300,000 g CO2e.
  Json b1 = batch(
      "pohang.2023-06-01.1", "2023-06-01",
      {total("boiler", "gm1", "Nm3", 4'000'000), total("boiler", "gm2", "Nm3", 6'000'000),
       total("gen", "ds1", "t", 1'000, 24, 2, 1), total("grid", "pm1", "kWh", 1'000'000'000)});
  ok("acme.edge", "mrv.batch.submit", b1);
  auto rec = mrv_batch(c().st, "pohang.2023-06-01.1");
  ASSERT_TRUE(rec);
  EXPECT_EQ((*rec)["company"], "acme.ops");
  EXPECT_EQ((*rec)["submitted_by"], "acme.edge");
  EXPECT_EQ((*rec)["factor_version"], kDefaultFactorVersion);
  EXPECT_EQ((*rec)["co2e_g"], S(21'619'483 + 3'196'749 + 417'300'000));
  const Json& src = (*rec)["sources"];
  ASSERT_EQ(src.size(), 3u);
  EXPECT_EQ(src[0]["source"], "boiler");
  EXPECT_EQ(src[0]["factor_version"], kDefaultFactorVersion);
  EXPECT_EQ(src[0]["activity"]["Nm3"], S(10'000'000));
  EXPECT_EQ(src[0]["co2_g"], S(21'598'500));
  EXPECT_EQ(src[0]["ch4_g"], S(385));
  EXPECT_EQ(src[0]["n2o_g"], S(39));
  EXPECT_EQ(src[0]["co2e_g"], S(21'619'483));
  EXPECT_EQ(src[1]["source"], "gen");
  EXPECT_EQ(src[1]["co2e_g"], S(3'196'749));
  EXPECT_EQ(src[1]["gaps"], "2");
  EXPECT_EQ(src[1]["substituted"], "1");
  EXPECT_EQ(src[2]["source"], "grid");
  EXPECT_EQ(src[2]["scope"], 2);
  EXPECT_EQ(src[2]["co2e_g"], S(417'300'000));
  Json day_rec = get("mrv/day/pohang/boiler/2023-06-01");
  EXPECT_EQ(day_rec["interval_min"], 1440);
  EXPECT_EQ(day_rec["slots"].size(), 1u);
  EXPECT_EQ(day_rec["slots"]["0"]["batch"], "pohang.2023-06-01.1");
  EXPECT_EQ(day_rec["slots"]["0"]["factor_version"], kDefaultFactorVersion);
  EXPECT_EQ(day_rec["co2e_g"], S(21'619'483));
  EXPECT_EQ((*rec)["interval_min"], 1440);
  EXPECT_EQ((*rec)["slot"], 0);

  // Retry of the same body (the edge did not see the receipt): success, nothing but the nonce.
  {
    auto before = c().st.data();
    auto [r, ws] = c().one("acme.edge", "mrv.batch.submit", b1);
    EXPECT_EQ(r.code, "ok") << r.message;
    WriteSet only_nonce = {{"nonce/acme.edge", u64_text(c().nonces["acme.edge"])}};
    EXPECT_EQ(ws, only_nonce);
    before["nonce/acme.edge"] = u64_text(c().nonces["acme.edge"]);
    EXPECT_EQ(c().st.data(), before);
  }
  // The same id with other content is a conflict.
  Json b1x = b1;
  b1x["totals"][0]["quantity"] = 4'000'001;
  rejected("acme.ops", "mrv.batch.submit", b1x, "mrv.batch_conflict");
  // Another batch id for a source and day already reported.
  rejected("acme.ops", "mrv.batch.submit",
           batch("pohang.2023-06-01.2", "2023-06-01", {total("gen", "ds1", "t", 5)}),
           "mrv.source_day_reported");

  // 2023-06-02: gm2's calibration lapsed on 06-01, so its 5,000 Nm3 is excluded; gm1's 5,000
  // Nm3 alone: 0.1925 TJ -> CO2 10,799,250 g; CH4 192.5 g (x28 = 5,390 g); N2O 19.25 g
  // (x265 = 5,101.25 -> 5,101 g): 10,809,741 g CO2e.
  ok("acme.edge", "mrv.batch.submit",
     batch("pohang.2023-06-02.1", "2023-06-02",
           {total("boiler", "gm1", "Nm3", 5'000'000), total("boiler", "gm2", "Nm3", 5'000'000)}));
  Json s2 = (*mrv_batch(c().st, "pohang.2023-06-02.1"))["sources"][0];
  EXPECT_EQ(s2["co2e_g"], S(10'809'741));
  EXPECT_EQ(s2["activity"]["Nm3"], S(5'000'000));
  EXPECT_EQ(s2["excluded_activity"]["Nm3"], S(5'000'000));
  EXPECT_EQ(s2["excluded_devices"], 1);
  EXPECT_EQ(s2["devices"][1]["device"], "gm2");
  EXPECT_EQ(s2["devices"][1]["included"], false);
  EXPECT_EQ(s2["devices"][1]["calibration"], "expired");
  EXPECT_EQ(s2["devices"][1]["reason"], "calibration_expired");
  EXPECT_EQ(s2["devices"][0]["included"], true);

  // Recalibrated from 06-03: included again (06-02 stays excluded).
  ok("kver.ops", "mrv.device.calibrate", calibration("gm2", "2023-06-03", "2024-06-02"));
  ok("acme.edge", "mrv.batch.submit",
     batch("pohang.2023-06-03.1", "2023-06-03",
           {total("boiler", "gm1", "Nm3", 5'000'000), total("boiler", "gm2", "Nm3", 5'000'000)}));
  EXPECT_EQ((*mrv_batch(c().st, "pohang.2023-06-03.1"))["sources"][0]["co2e_g"], S(21'619'483));
  EXPECT_EQ((*mrv_batch(c().st, "pohang.2023-06-02.1"))["sources"][0]["co2e_g"], S(10'809'741));

  // The chart: three days.
  auto daily = mrv_daily_emissions(c().st, "acme.ops", 2023);
  ASSERT_TRUE(daily);
  ASSERT_EQ((*daily)["days"].size(), 3u);
  EXPECT_EQ((*daily)["days"][0]["day"], "2023-06-01");
  EXPECT_EQ((*daily)["days"][0]["co2e_g"], S(442'116'232));
  EXPECT_EQ((*daily)["days"][0]["sources"].size(), 3u);
  EXPECT_EQ((*daily)["days"][0]["sources"][0]["installation"], "pohang");
  EXPECT_EQ((*daily)["days"][0]["sources"][0]["source"], "boiler");
  EXPECT_EQ((*daily)["days"][1]["co2e_g"], S(10'809'741));
  EXPECT_EQ((*daily)["days"][2]["co2e_g"], S(21'619'483));
  EXPECT_EQ((*daily)["total_co2e_g"], S(442'116'232 + 10'809'741 + 21'619'483));
  EXPECT_EQ((*mrv_daily_emissions(c().st, "acme.ops", 2024))["days"].size(), 0u);

  // The statement draft: per source, scope and fuel, with the factor versions.
  auto stmt = mrv_statement_draft(c().st, "acme.ops", 2023);
  ASSERT_TRUE(stmt);
  EXPECT_EQ((*stmt)["status"], "draft");
  ASSERT_EQ((*stmt)["rows"].size(), 3u);
  const Json& boiler = (*stmt)["rows"][0];
  EXPECT_EQ(boiler["source"], "boiler");
  EXPECT_EQ(boiler["fuel"], "natural_gas");
  EXPECT_EQ(boiler["scope"], 1);
  EXPECT_EQ(boiler["days"], 3);
  EXPECT_EQ(boiler["activity"]["Nm3"], S(25'000'000));
  EXPECT_EQ(boiler["excluded"]["activity"]["Nm3"], S(5'000'000));
  EXPECT_EQ(boiler["excluded"]["device_days"], 1);
  EXPECT_EQ(boiler["co2e_g"], S(21'619'483 + 10'809'741 + 21'619'483));
  EXPECT_EQ(boiler["co2_g"], S(21'598'500 + 10'799'250 + 21'598'500));
  EXPECT_EQ(boiler["factor_versions"], Json::array({kDefaultFactorVersion}));
  EXPECT_EQ((*stmt)["by_scope"]["1"], S(21'619'483 * 2 + 10'809'741 + 3'196'749));
  EXPECT_EQ((*stmt)["by_scope"]["2"], S(417'300'000));
  EXPECT_EQ((*stmt)["by_fuel"]["diesel"], S(3'196'749));
  EXPECT_EQ((*stmt)["by_fuel"]["electricity"], S(417'300'000));
  EXPECT_EQ((*stmt)["total_co2e_g"], S(474'545'456));
  EXPECT_EQ((*stmt)["total_co2e_t"], "474.545456");
  EXPECT_EQ((*mrv_statement_draft(c().st, "beta.ops", 2023))["rows"].size(), 0u);
  EXPECT_EQ((*mrv_statement_draft(c().st, "beta.ops", 2023))["total_co2e_t"], "0.000000");
}

TEST_F(MrvRegistryTest, BatchRefusals) {
  const std::string t = "mrv.batch.submit";
  ok("acme.ops", "mrv.device.register",
     device("gm1", 101, "pohang", "boiler", "natural_gas_volume", "Nm3", "natural_gas"));
  Json good = batch("b1", "2023-06-01", {total("boiler", "gm1", "Nm3", 1'000'000)});
  rejected("acme.ops", t, good, "mrv.plan_not_approved");
  Json plan = {{"installation", "pohang"},
               {"sources",
                {{{"source", "boiler"},
                  {"scope", 1},
                  {"fuel", "natural_gas"},
                  {"method", "calculation"},
                  {"tier", 2},
                  {"factor_version", kDefaultFactorVersion}}}}};
  ok("acme.ops", "mrv.plan.set", plan);
  rejected("acme.ops", t, good, "mrv.plan_not_approved");  // pending is not in force
  ok("moe.gir", "mrv.plan.approve", {{"installation", "pohang"}, {"revision", 1}});
  setup_pohang_extra();

  Json b = good;
  b["installation"] = "shared";  // designated, but no MRV record binds it
  rejected("beta.ops", t, b, "mrv.unknown_installation");
  rejected("beta.ops", t, good, "mrv.not_owner");
  rejected("moe.gir", t, good, "tx.unauthorized_type");
  rejected("kver.ops", t, good, "tx.unauthorized_type");
  rejected("acme.ops", t, batch("b1", "2025-01-02", good["totals"]), "mrv.future_date");
  rejected("acme.ops", t, batch("b1", "2023-06-01", {total("kiln", "gm1", "Nm3", 1)}),
           "mrv.unknown_source");
  rejected("acme.ops", t, batch("b1", "2023-06-01", good["totals"], "kr-2024.1"),
           "mrv.factor_version_mismatch");
  rejected("acme.ops", t, batch("b1", "2023-06-01", {total("boiler", "nope", "Nm3", 1)}),
           "mrv.unknown_device");
  rejected("acme.ops", t, batch("b1", "2023-06-01", {total("boiler", "um1", "Nm3", 1)}),
           "mrv.device_mismatch");  // a Ulsan meter
  rejected("acme.ops", t, batch("b1", "2023-06-01", {total("boiler", "lp1", "kg", 1)}),
           "mrv.plan_mismatch");  // an LPG scale on the natural gas source
  rejected("acme.ops", t, batch("b1", "2023-06-01", {total("boiler", "gm1", "kWh", 1)}),
           "mrv.unit_mismatch");
  rejected("acme.ops", t, batch("b1", "2023-07-01", {total("boiler", "old", "Nm3", 1)}),
           "mrv.device_retired");
  // Strict bodies.
  auto bad = [&](const std::function<void(Json&)>& f, const std::string& code = "tx.malformed") {
    Json x = good;
    f(x);
    rejected("acme.ops", t, x, code);
  };
  bad([](Json& x) { x["merkle_root"] = std::string(64, 'A'); });
  bad([](Json& x) { x["merkle_root"] = std::string(63, 'a'); });
  bad([](Json& x) { x["day"] = "2023-02-29"; });
  bad([](Json& x) { x["totals"] = Json::array(); });
  bad([](Json& x) { x["totals"].push_back(x["totals"][0]); });  // a device twice
  bad([](Json& x) { x["totals"][0]["unit"] = "L"; });
  bad([](Json& x) { x["totals"][0]["quantity"] = 1.5; });
  bad([](Json& x) { x["totals"][0]["quantity"] = -1; });
  bad([](Json& x) { x["totals"][0]["substituted"] = 1; });  // more than gaps
  bad([](Json& x) { x["totals"][0].erase("readings"); });
  bad([](Json& x) { x["batch_id"] = "a b"; });
  bad([](Json& x) { x["extra"] = 1; }, "tx.unknown_field");
  bad([](Json& x) { x["totals"][0]["extra"] = 1; }, "tx.unknown_field");
  bad([](Json& x) { x["interval_min"] = 0; });
  bad([](Json& x) { x["interval_min"] = 7; });  // does not divide a day
  bad([](Json& x) { x["interval_min"] = 2880; });
  bad([](Json& x) { x["slot"] = 1; });  // a whole-day batch has slot 0 only
  bad([](Json& x) {
    x["interval_min"] = 60;
    x["slot"] = 24;
  });
  bad([](Json& x) {
    x["interval_min"] = 60;
    x["slot"] = -1;
  });

  // Refused batches left no trace: b1 is still free, and goes through (uncalibrated: excluded).
  ok("acme.ops", t, good);
  Json s = (*mrv_batch(c().st, "b1"))["sources"][0];
  EXPECT_EQ(s["co2e_g"], "0");
  EXPECT_EQ(s["devices"][0]["reason"], "never_calibrated");
  EXPECT_EQ(s["excluded_activity"]["Nm3"], S(1'000'000));
  EXPECT_EQ(mrv_batch(c().st, "b2").error().code, "mrv.unknown_batch");
}

TEST_F(MrvRegistryTest, ElectricityNeedsAGridFactorForTheYearAndUsesThePublishedSet) {
  setup_pohang();
  ok("kver.ops", "mrv.device.calibrate", calibration("pm1", "2024-01-01", "2024-12-31"));
  // The default set has grid factors for 2020-2023 only.
  rejected("acme.edge", "mrv.batch.submit",
           batch("e1", "2024-03-01", {total("grid", "pm1", "kWh", 1'000'000)}),
           "mrv.no_grid_factor");
  // A published set with 2024 (0.4173 t/MWh here), moved into the plan: the batch records it.
  Json fs = factor_set_to_json(default_factor_set());
  fs["version"] = "kr-2024.1";
  fs["grid"] = {{{"from_year", 2023}, {"to_year", 2024}, {"tco2e_per_mwh", "0.4173"}}};
  fs.erase("valid_from");
  ok("moe.gir", "mrv.factors.publish", fs);
  Json plan = get("mrv/plan/pohang");
  Json body = {{"installation", "pohang"}, {"sources", Json::array()}};
  for (auto s : plan["sources"]) {
    s["factor_version"] = s["source"] == "grid" ? "kr-2024.1" : kDefaultFactorVersion;
    if (s["fuel"].is_null()) s.erase("fuel");
    body["sources"].push_back(s);
  }
  ok("acme.ops", "mrv.plan.set", body);
  ok("moe.gir", "mrv.plan.approve", {{"installation", "pohang"}, {"revision", 2}});
  // 1,000 kWh (1,000,000 milli-kWh) x 0.4173 t/MWh = 417,300 g.
  ok("acme.edge", "mrv.batch.submit",
     batch("e1", "2024-03-01", {total("grid", "pm1", "kWh", 1'000'000)}, "kr-2024.1"));
  Json s = (*mrv_batch(c().st, "e1"))["sources"][0];
  EXPECT_EQ(s["factor_version"], "kr-2024.1");
  EXPECT_EQ(s["co2e_g"], S(417'300));
  auto stmt = mrv_statement_draft(c().st, "acme.ops", 2024);
  EXPECT_EQ((*stmt)["rows"][0]["factor_versions"], Json::array({"kr-2024.1"}));
  // One batch's factor_version must be the plan's for every source it carries.
  rejected("acme.edge", "mrv.batch.submit",
           batch("e2", "2024-03-02", {total("grid", "pm1", "kWh", 1), total("gen", "ds1", "t", 1)},
                 "kr-2024.1"),
           "mrv.factor_version_mismatch");
}

// Sub-daily batches: each slot of a day once, one interval length per source and day; the
// chart, the statement's day count and the per-day record add the slots up.
TEST_F(MrvRegistryTest, SubDailyIntervals) {
  setup_pohang();
  const std::string t = "mrv.batch.submit";
  auto hourly = [](const std::string& id, uint64_t slot, uint64_t milli) {
    Json b = batch(id, "2023-06-01", {total("boiler", "gm1", "Nm3", milli, 60)});
    b["interval_min"] = 60;
    b["slot"] = slot;
    return b;
  };
  // 4,000 + 6,000 Nm3 in two hours. Each batch is computed alone, so the day is the sum of the
  // two rounded hourly figures (within 1 g per gas of the 10,000 Nm3 figure, 21,619,483 g).
  ok("acme.edge", t, hourly("h9", 9, 4'000'000));
  ok("acme.edge", t, hourly("h10", 10, 6'000'000));
  Json b9 = *mrv_batch(c().st, "h9");
  EXPECT_EQ(b9["interval_min"], 60);
  EXPECT_EQ(b9["slot"], 9);
  uint64_t g9 = std::stoull(b9["co2e_g"].get<std::string>());
  uint64_t g10 = std::stoull((*mrv_batch(c().st, "h10"))["co2e_g"].get<std::string>());
  EXPECT_GT(g9, 0u);
  EXPECT_GT(g10, g9);
  EXPECT_LE(g9 + g10 > 21'619'483 ? g9 + g10 - 21'619'483 : 21'619'483 - (g9 + g10), 3u);
  Json day_rec = get("mrv/day/pohang/boiler/2023-06-01");
  EXPECT_EQ(day_rec["interval_min"], 60);
  EXPECT_EQ(day_rec["slots"].size(), 2u);
  EXPECT_EQ(day_rec["slots"]["10"]["batch"], "h10");
  EXPECT_EQ(day_rec["co2e_g"], S(g9 + g10));

  // The same hour again under a new id, and another interval length for the day: refused.
  rejected("acme.edge", t, hourly("h9b", 9, 1), "mrv.source_day_reported");
  Json half = hourly("m30", 5, 1);
  half["interval_min"] = 30;
  rejected("acme.edge", t, half, "mrv.interval_mismatch");
  rejected("acme.edge", t, batch("whole", "2023-06-01", {total("boiler", "gm1", "Nm3", 1)}),
           "mrv.interval_mismatch");
  // A retry of a slot's batch is a success that changes nothing.
  ok("acme.edge", t, hourly("h9", 9, 4'000'000));
  EXPECT_EQ(get("mrv/day/pohang/boiler/2023-06-01")["co2e_g"], S(g9 + g10));

  auto daily = mrv_daily_emissions(c().st, "acme.ops", 2023);
  ASSERT_EQ((*daily)["days"].size(), 1u);
  EXPECT_EQ((*daily)["days"][0]["co2e_g"], S(g9 + g10));
  EXPECT_EQ((*daily)["days"][0]["sources"][0]["co2e_g"], S(g9 + g10));
  auto stmt = mrv_statement_draft(c().st, "acme.ops", 2023);
  ASSERT_EQ((*stmt)["rows"].size(), 1u);
  EXPECT_EQ((*stmt)["rows"][0]["days"], 1);
  EXPECT_EQ((*stmt)["rows"][0]["activity"]["Nm3"], S(10'000'000));
  EXPECT_EQ((*stmt)["rows"][0]["readings"], S(120));
  EXPECT_EQ((*stmt)["total_co2e_g"], S(g9 + g10));

  // The next day may use another interval length.
  Json d2 = batch("d2", "2023-06-02", {total("boiler", "gm1", "Nm3", 1'000)});
  ok("acme.edge", t, d2);
  EXPECT_EQ((*mrv_statement_draft(c().st, "acme.ops", 2023))["rows"][0]["days"], 2);
}

}  // namespace
}  // namespace tanso
