// The MRV emission factor registry (core/mrv_factors.h) through the real executor: the built-in
// default set, mrv.factors.publish (regulator only, immutable versions, strict bodies), the
// latest pointer, the view, genesis factor sets, and a calculation recording the version used.
// Every rejection is checked to change nothing but the sender's nonce.
#include "core/mrv_factors.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

#include "core/executor.h"
#include "core/identity.h"
#include "test_keys.h"

namespace tanso {
namespace {

constexpr std::string_view kChain = "mrv-test";

const KeyPair& key(uint8_t n) { return test_key(n, 0x3a); }
std::string ktext(uint8_t n) { return key_to_text(key(n).pub); }

Json base_genesis() {
  return {
      {"chain_id", kChain},
      {"time_ms", 1'735'657'200'000},
      {"orgs",
       {{{"org", "moe"}, {"name", "Ministry of Environment"}, {"role", "regulator"}},
        {{"org", "acme"}, {"name", "Acme Steel"}, {"role", "company"}},
        {{"org", "kver"}, {"name", "K Verifier"}, {"role", "verifier"}}}},
      {"accounts",
       {{{"account", "moe.gir"}, {"org", "moe"}, {"keys", {ktext(1)}}},
        {{"account", "acme.ops"}, {"org", "acme"}, {"keys", {ktext(10)}}},
        {{"account", "kver.ops"}, {"org", "kver"}, {"keys", {ktext(20)}}}}},
  };
}

uint8_t signer_of(const std::string& account) {
  if (account == "moe.gir") return 1;
  if (account == "acme.ops") return 10;
  return 20;
}

// A complete, valid body: the 2006 IPCC values with an AR6-like GWP set and a 2024 grid factor.
Json body(std::string version) {
  return {{"version", version},
          {"valid_from", 2024},
          {"source", "test set"},
          {"fuels",
           {{"natural_gas",
             {{"ncv_mj_per_kg", "48.0"},
              {"ncv_mj_per_nm3", "39.4"},
              {"co2_kg_per_tj", "56100"},
              {"ch4_kg_per_tj", "1"},
              {"n2o_kg_per_tj", "0.1"}}},
            {"diesel",
             {{"ncv_mj_per_kg", 43},
              {"co2_kg_per_tj", 74100},
              {"ch4_kg_per_tj", 3},
              {"n2o_kg_per_tj", "0.6"}}}}},
          {"grid",
           {{{"from_year", 2020}, {"to_year", 2022}, {"tco2e_per_mwh", "0.4541"}},
            {{"from_year", 2023}, {"to_year", 2024}, {"tco2e_per_mwh", "0.4173"}}}},
          {"gwp", {{"ch4", "29.8"}, {"n2o", "273"}}}};
}

struct Chain {
  State st;
  Hash root{};
  uint64_t height = 0;
  uint64_t time_ms;
  std::map<std::string, uint64_t> nonces;

  explicit Chain(const Genesis& g) : time_ms(g.time_ms) {
    st.apply(g.writes);
    root = g.state_root;
  }
  std::pair<Receipt, WriteSet> one(const std::string& from, const std::string& type,
                                   const Json& b) {
    uint64_t n = ++nonces[from];
    Payload p{std::string(kChain), type, from, n, 1'000'000, b};
    auto tx = decode_tx(sign_envelope(payload_text(p), kChain, {&key(signer_of(from))}));
    EXPECT_TRUE(tx) << (tx ? "" : tx.error().message);
    const Tx* ptr = &*tx;
    ++height;
    time_ms += 1000;
    BlockOutput out = execute_block(st, root, height, time_ms, {&ptr, 1}, false);
    st.apply(out.writes);
    root = out.state_root;
    return {out.receipts.at(0), out.writes};
  }
};

class MrvFactorsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { init_crypto(); }
  void SetUp() override { start(base_genesis()); }
  void start(const Json& g) {
    auto r = apply_genesis(g.dump());
    ASSERT_TRUE(r) << r.error().message;
    chain_ = std::make_unique<Chain>(*r);
  }
  Chain& c() { return *chain_; }

  void publish(const Json& b) {
    auto [r, ws] = c().one("moe.gir", "mrv.factors.publish", b);
    ASSERT_EQ(r.code, "ok") << r.message;
  }
  // Rejected with `code`; the block wrote nothing but the nonce (nothing at all when the
  // permission check refused it before the handler).
  void rejected(const std::string& from, const Json& b, const std::string& code) {
    auto before = c().st.data();
    auto [r, ws] = c().one(from, "mrv.factors.publish", b);
    EXPECT_EQ(r.code, code) << b.dump() << ": " << r.message;
    EXPECT_FALSE(r.message.empty());
    if (code == "tx.unauthorized_type") {
      --c().nonces[from];
      EXPECT_TRUE(ws.empty());
      EXPECT_EQ(c().st.data(), before);
      return;
    }
    std::string nonce_key = "nonce/" + from;
    WriteSet only_nonce = {{nonce_key, u64_text(c().nonces[from])}};
    EXPECT_EQ(ws, only_nonce) << "a rejected publish wrote more than its nonce";
    before[nonce_key] = u64_text(c().nonces[from]);
    EXPECT_EQ(c().st.data(), before);
  }
  void malformed(Json b, const std::string& code = "tx.malformed") { rejected("moe.gir", b, code); }

  std::unique_ptr<Chain> chain_;
};

TEST_F(MrvFactorsTest, DefaultSetWhenGenesisHasNone) {
  EXPECT_EQ(latest_factor_version(c().st), kDefaultFactorVersion);
  EXPECT_FALSE(c().st.get("mrv/factors/latest"));
  auto fs = load_factor_set(c().st, "latest");
  ASSERT_TRUE(fs);
  EXPECT_EQ(fs->version, kDefaultFactorVersion);
  auto v = mrv_factor_set(c().st, "latest");
  ASSERT_TRUE(v);
  EXPECT_EQ((*v)["origin"], "default");
  EXPECT_EQ((*v)["latest"], true);
  EXPECT_EQ((*v)["fuels"]["natural_gas"]["co2_kg_per_tj"], "56100");
  EXPECT_EQ((*v)["fuels"]["natural_gas"]["n2o_kg_per_tj"], "0.1");
  EXPECT_EQ((*v)["fuels"]["natural_gas"]["ncv_mj_per_kg"], "48");
  EXPECT_EQ((*v)["fuels"]["lpg"]["ncv_mj_per_kg"], "47.3");
  EXPECT_EQ((*v)["fuels"]["diesel"]["ch4_kg_per_tj"], "3");
  EXPECT_EQ((*v)["grid"][0]["tco2e_per_mwh"], "0.4541");
  EXPECT_EQ((*v)["grid"][1]["tco2e_per_mwh"], "0.4173");
  EXPECT_EQ((*v)["gwp"]["ch4"], "28");
  EXPECT_EQ((*v)["gwp"]["n2o"], "265");
  // The default's JSON is itself a valid publish body that round-trips.
  Json j = factor_set_to_json(default_factor_set());
  auto back = factor_set_from_json(j, "x");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(factor_set_to_json(*back), j);
  auto missing = mrv_factor_set(c().st, "nope");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, "mrv.unknown_factor_version");
  EXPECT_EQ(missing.error().http, 404);
  EXPECT_EQ(load_factor_set(c().st, "nope").error().code, "mrv.unknown_factor_version");
}

TEST_F(MrvFactorsTest, PublishStoresCanonicalSetAndMovesLatest) {
  publish(body("kr-2024.1"));
  EXPECT_EQ(*c().st.get("mrv/factors/latest"), "kr-2024.1");
  EXPECT_EQ(latest_factor_version(c().st), "kr-2024.1");
  auto v = mrv_factor_set(c().st, "kr-2024.1");
  ASSERT_TRUE(v);
  EXPECT_EQ((*v)["origin"], "state");
  EXPECT_EQ((*v)["latest"], true);
  EXPECT_EQ((*v)["published_by"], "moe.gir");
  EXPECT_EQ((*v)["height"], 1);
  EXPECT_EQ((*v)["valid_from"], 2024);
  EXPECT_EQ((*v)["fuels"]["natural_gas"]["ncv_mj_per_kg"], "48");  // canonical "48.0" -> "48"
  EXPECT_EQ((*v)["fuels"]["diesel"]["co2_kg_per_tj"], "74100");    // JSON integer -> string
  EXPECT_EQ((*v)["gwp"]["ch4"], "29.8");
  // The default stays available by its version, no longer latest.
  auto d = mrv_factor_set(c().st, kDefaultFactorVersion);
  ASSERT_TRUE(d);
  EXPECT_EQ((*d)["latest"], false);

  // Calculations with the published set record its version; AR6-like GWP 29.8 and 273:
  // 1 TJ natural gas = 56,100 kg + 1 kg x 29.8 + 0.1 kg x 273 = 56,157.1 kg CO2e.
  auto fs = load_factor_set(c().st, "latest");
  ASSERT_TRUE(fs);
  auto e = fuel_emissions(*fs, "natural_gas", Quantity{1'000, ActivityUnit::TJ});
  ASSERT_TRUE(e);
  EXPECT_EQ(e->factor_version, "kr-2024.1");
  EXPECT_EQ(e->co2e_g, 56'157'100u);
  // Volume via the published NCV: 1,000 Nm3 x 39.4 MJ = 39,400 MJ = 0.0394 TJ
  // -> CO2 0.0394 x 56,100 = 2,210.34 kg.
  EXPECT_EQ(fuel_emissions(*fs, "natural_gas", Quantity{1'000'000, ActivityUnit::Nm3})->co2_g,
            2'210'340u);
  auto el = electricity_emissions(*fs, 2024, Quantity{1'000'000, ActivityUnit::MWh});
  ASSERT_TRUE(el);
  EXPECT_EQ(el->co2e_g, 417'300'000u);
  EXPECT_EQ(el->factor_version, "kr-2024.1");
  EXPECT_EQ(fuel_emissions(*fs, "lpg", Quantity{1, ActivityUnit::kg}).error().code,
            "mrv.unknown_fuel");

  publish(body("kr-2024.2"));
  EXPECT_EQ(latest_factor_version(c().st), "kr-2024.2");
  EXPECT_EQ((*mrv_factor_set(c().st, "kr-2024.1"))["latest"], false);
}

TEST_F(MrvFactorsTest, VersionsAreImmutable) {
  publish(body("kr-2024.1"));
  auto before = *c().st.get("mrv/factors/kr-2024.1");
  Json changed = body("kr-2024.1");
  changed["gwp"]["ch4"] = "28";
  rejected("moe.gir", changed, "mrv.factor_version_exists");
  rejected("moe.gir", body("kr-2024.1"), "mrv.factor_version_exists");
  rejected("moe.gir", body(std::string(kDefaultFactorVersion)), "mrv.factor_version_exists");
  EXPECT_EQ(*c().st.get("mrv/factors/kr-2024.1"), before);
  EXPECT_EQ(latest_factor_version(c().st), "kr-2024.1");
}

TEST_F(MrvFactorsTest, OnlyTheRegulatorPublishes) {
  rejected("acme.ops", body("x1"), "tx.unauthorized_type");
  rejected("kver.ops", body("x1"), "tx.unauthorized_type");
  EXPECT_FALSE(c().st.get("mrv/factors/x1"));
  EXPECT_EQ(latest_factor_version(c().st), kDefaultFactorVersion);
}

TEST_F(MrvFactorsTest, MalformedBodiesAreRefused) {
  auto with = [](auto edit) {
    Json b = body("v1");
    edit(b);
    return b;
  };
  malformed(with([](Json& b) { b.erase("version"); }));
  malformed(with([](Json& b) { b["version"] = "latest"; }));
  malformed(with([](Json& b) { b["version"] = "has space"; }));
  malformed(with([](Json& b) { b["valid_from"] = 1999; }));
  malformed(with([](Json& b) { b["valid_from"] = "soon"; }));
  malformed(with([](Json& b) { b["source"] = std::string(300, 'x'); }));
  malformed(with([](Json& b) { b["extra"] = 1; }), "tx.unknown_field");
  // Fuels.
  malformed(with([](Json& b) { b.erase("fuels"); }));
  malformed(with([](Json& b) { b["fuels"] = Json::object(); }));
  malformed(with([](Json& b) { b["fuels"] = Json::array(); }));
  malformed(with([](Json& b) { b["fuels"]["Natural Gas"] = b["fuels"]["diesel"]; }));
  malformed(with([](Json& b) { b["fuels"]["diesel"].erase("n2o_kg_per_tj"); }));
  malformed(with([](Json& b) { b["fuels"]["diesel"]["ch4_kg_per_tj"] = 3.5; }));  // a float
  malformed(with([](Json& b) { b["fuels"]["diesel"]["ch4_kg_per_tj"] = "0.0001"; }));
  malformed(with([](Json& b) { b["fuels"]["diesel"]["ch4_kg_per_tj"] = "-1"; }));
  malformed(with([](Json& b) { b["fuels"]["diesel"]["ch4_kg_per_tj"] = -1; }));
  malformed(with([](Json& b) { b["fuels"]["diesel"]["co2_kg_per_tj"] = "1000000.001"; }));
  malformed(with([](Json& b) { b["fuels"]["diesel"]["ncv_mj_per_kg"] = "0"; }));
  malformed(with([](Json& b) { b["fuels"]["diesel"]["ncv_mj_per_kg"] = "1e2"; }));
  malformed(with([](Json& b) { b["fuels"]["diesel"]["ncv_mj_per_l"] = "36"; }), "tx.unknown_field");
  malformed(with([](Json& b) { b["fuels"]["diesel"] = "74100"; }));
  // Grid.
  malformed(with([](Json& b) { b.erase("grid"); }));
  malformed(with([](Json& b) { b["grid"] = Json::object(); }));
  malformed(with([](Json& b) { b["grid"][0]["from_year"] = 2023; }));  // overlaps the next
  malformed(with([](Json& b) { b["grid"][1]["to_year"] = 2022; }));    // before from_year
  malformed(with([](Json& b) { b["grid"][0].erase("tco2e_per_mwh"); }));
  malformed(with([](Json& b) { b["grid"][0]["tco2e_per_mwh"] = "0.4541001"; }));
  malformed(with([](Json& b) { b["grid"][0]["tco2e_per_mwh"] = 0.4541; }));
  malformed(with([](Json& b) { b["grid"][0]["tco2e_per_mwh"] = "101"; }));
  malformed(with([](Json& b) { b["grid"][0]["note"] = "x"; }), "tx.unknown_field");
  // GWP.
  malformed(with([](Json& b) { b.erase("gwp"); }));
  malformed(with([](Json& b) { b["gwp"].erase("n2o"); }));
  malformed(with([](Json& b) { b["gwp"]["ch4"] = "0"; }));
  malformed(with([](Json& b) { b["gwp"]["ch4"] = 28.5; }));
  malformed(with([](Json& b) { b["gwp"]["sf6"] = "23500"; }), "tx.unknown_field");
  EXPECT_EQ(latest_factor_version(c().st), kDefaultFactorVersion);
  // The same body with none of the faults is accepted; an empty grid list is allowed.
  publish(with([](Json& b) { b["grid"] = Json::array(); }));
}

TEST_F(MrvFactorsTest, GenesisPublishesFactorSets) {
  Json g = base_genesis();
  g["mrv"] = {{"factor_sets", {body("g1"), body("g2")}}};
  start(g);
  EXPECT_EQ(latest_factor_version(c().st), "g2");
  auto v = mrv_factor_set(c().st, "g1");
  ASSERT_TRUE(v);
  EXPECT_EQ((*v)["published_by"], "genesis");
  EXPECT_EQ((*v)["height"], 0);
  // Then the same version cannot be published again.
  rejected("moe.gir", body("g1"), "mrv.factor_version_exists");

  auto refused = [](Json mrv) {
    Json g2 = base_genesis();
    g2["mrv"] = mrv;
    auto r = apply_genesis(g2.dump());
    EXPECT_FALSE(r) << mrv.dump();
    return r ? std::string() : r.error().code;
  };
  EXPECT_EQ(refused({{"factor_sets", {body("g1"), body("g1")}}}), "genesis.invalid");
  Json bad = body("g1");
  bad["gwp"]["ch4"] = "x";
  EXPECT_EQ(refused({{"factor_sets", {bad}}}), "genesis.invalid");
  EXPECT_EQ(refused({{"other", 1}}), "genesis.invalid");
  EXPECT_EQ(refused(Json::array()), "genesis.invalid");
  EXPECT_EQ(refused({{"factor_sets", 1}}), "genesis.invalid");
}

}  // namespace
}  // namespace tanso
