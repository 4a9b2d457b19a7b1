// Genesis "mrv": {"txs": [{type, from, body}]} (core/executor.cpp apply_genesis): MRV set-up
// applied through the handlers as sent by genesis accounts with their roles, judged at the
// genesis time; a sender that is unknown or whose role may not send the type, a malformed entry,
// or a tx its rules refuse makes the genesis invalid.
#include <gtest/gtest.h>

#include "core/executor.h"
#include "core/mrv_registry.h"
#include "test_keys.h"

namespace tanso {
namespace {

std::string ktext(uint8_t n) { return key_to_text(test_key(n, 0x6d).pub); }

Json tx(const char* type, const char* from, Json body) {
  return {{"type", type}, {"from", from}, {"body", std::move(body)}};
}

Json setup_txs(const std::string& calibrated_on = "2024-01-01") {
  return Json::array(
      {tx("mrv.device.register", "acme.ops",
          {{"device", "pohang.gas-1"},
           {"key", ktext(50)},
           {"installation", "pohang"},
           {"source", "natural_gas"},
           {"quantity", "natural_gas_volume"},
           {"unit", "Nm3"},
           {"fuel", "natural_gas"},
           {"scope", 1}}),
       tx("mrv.device.calibrate", "kver.ops",
          {{"device", "pohang.gas-1"},
           {"technician", "Lee"},
           {"certificate", "C-1"},
           {"calibrated_on", calibrated_on},
           {"expires_on", "2026-12-31"}}),
       tx("mrv.plan.set", "acme.ops",
          {{"installation", "pohang"},
           {"sources",
            {{{"source", "natural_gas"},
              {"scope", 1},
              {"fuel", "natural_gas"},
              {"method", "calculation"},
              {"tier", 3},
              {"factor_version", "latest"}}}}}),
       tx("mrv.plan.approve", "moe.gir", {{"installation", "pohang"}, {"revision", 1}})});
}

Json genesis(Json mrv_txs) {
  return {{"chain_id", "mrv-genesis-test"},
          {"time_ms", 1'735'657'200'000},  // 2024-12-31T15:00Z
          {"orgs",
           {{{"org", "moe"}, {"name", "Ministry"}, {"role", "regulator"}},
            {{"org", "acme"}, {"name", "Acme"}, {"role", "company"}},
            {{"org", "kver"}, {"name", "Verifier"}, {"role", "verifier"}}}},
          {"accounts",
           {{{"account", "moe.gir"}, {"org", "moe"}, {"keys", {ktext(1)}}},
            {{"account", "acme.ops"}, {"org", "acme"}, {"keys", {ktext(2)}}},
            {{"account", "kver.ops"}, {"org", "kver"}, {"keys", {ktext(3)}}}}},
          {"ets",
           {{"txs",
             {{{"type", "ets.designate"},
               {"body",
                {{"company", "acme.ops"},
                 {"name", "Acme"},
                 {"sector", "steel"},
                 {"from_year", 2020},
                 {"installations", {{{"id", "pohang"}, {"name", "Pohang"}}}}}}}}}}},
          {"mrv", {{"txs", std::move(mrv_txs)}}}};
}

TEST(MrvGenesis, TxsSetUpDevicesCalibrationsAndApprovedPlans) {
  auto g = apply_genesis(genesis(setup_txs()).dump());
  ASSERT_TRUE(g) << g.error().message;
  State st;
  st.apply(g->writes);
  auto inst = mrv_installation(st, "pohang");
  ASSERT_TRUE(inst);
  EXPECT_EQ((*inst)["company"], "acme.ops");
  ASSERT_EQ((*inst)["devices"].size(), 1u);
  EXPECT_EQ((*inst)["devices"][0]["key"], ktext(50));
  EXPECT_EQ((*inst)["devices"][0]["calibrations"][0]["by"], "kver.ops");
  EXPECT_EQ((*inst)["plan"]["revision"], 1);
  EXPECT_EQ((*inst)["plan"]["approved_by"], "moe.gir");
  EXPECT_TRUE((*inst)["pending"].is_null());
  auto dev = mrv_device(st, "pohang.gas-1", std::string_view("2025-01-01"));
  ASSERT_TRUE(dev);
  EXPECT_EQ((*dev)["calibration_status"], "valid");
}

TEST(MrvGenesis, RefusedEntriesMakeTheGenesisInvalid) {
  auto refused = [](Json txs) {
    auto g = apply_genesis(genesis(std::move(txs)).dump());
    return g ? std::string("ok") : g.error().code + ": " + g.error().message;
  };
  // A company may not calibrate its own meter (the permission table applies).
  Json own = setup_txs();
  own[1]["from"] = "acme.ops";
  EXPECT_NE(refused(own).find("may not send"), std::string::npos) << refused(own);
  // An unknown sender, a malformed entry, a non-mrv type.
  Json unknown = setup_txs();
  unknown[0]["from"] = "nobody";
  EXPECT_NE(refused(unknown).find("unknown account"), std::string::npos);
  Json extra = setup_txs();
  extra[0]["memo"] = "x";
  EXPECT_NE(refused(extra).find("{type, from, body}"), std::string::npos);
  EXPECT_NE(refused(Json::array({tx("holdings.transfer", "acme.ops", Json::object())}))
                .find("may not send"),
            std::string::npos);
  // The handlers' rules, judged at the genesis time: a calibration after its date + 1 day.
  EXPECT_NE(refused(setup_txs("2025-01-02")).find("mrv.device.calibrate"), std::string::npos);
  EXPECT_EQ(refused(setup_txs("2025-01-01")), "ok");
}

}  // namespace
}  // namespace tanso
