// The MRV tests' shared fixture (mrv_registry_test.cpp, mrv_statements_test.cpp): a genesis
// with a regulator, two companies designated with their installations and a verifier; a chain
// that executes one signed tx per block through the real executor; body builders for devices,
// calibrations and batches; and ok()/rejected(), which checks that a refused tx changed nothing
// but the sender's nonce.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/executor.h"
#include "core/identity.h"
#include "core/mrv_factors.h"
#include "core/mrv_registry.h"
#include "test_keys.h"

namespace tanso::mrv_testing {

inline constexpr std::string_view kChain = "mrv-reg-test";

inline const KeyPair& key(uint8_t n) { return test_key(n, 0x5c); }
inline std::string ktext(uint8_t n) { return key_to_text(key(n).pub); }

inline const std::map<std::string, uint8_t> kSigners = {
    {"moe.gir", 1}, {"acme.ops", 10}, {"acme.edge", 11}, {"beta.ops", 12}, {"kver.ops", 20}};

inline Json designation(const std::string& company, std::vector<std::string> installations) {
  Json ins = Json::array();
  for (const auto& i : installations) ins.push_back({{"id", i}, {"name", i}});
  return {{"type", "ets.designate"},
          {"body",
           {{"company", company},
            {"name", company},
            {"sector", "steel"},
            {"from_year", 2020},
            {"installations", ins}}}};
}

inline Json base_genesis() {
  return {
      {"chain_id", kChain},
      {"time_ms", 1'735'657'200'000},  // 2024-12-31T15:00Z
      {"orgs",
       {{{"org", "moe"}, {"name", "Ministry of Environment"}, {"role", "regulator"}},
        {{"org", "acme"}, {"name", "Acme Steel"}, {"role", "company"}},
        {{"org", "beta"}, {"name", "Beta Chemicals"}, {"role", "company"}},
        {{"org", "kver"}, {"name", "K Verifier"}, {"role", "verifier"}}}},
      {"accounts",
       {{{"account", "moe.gir"}, {"org", "moe"}, {"keys", {ktext(1)}}},
        {{"account", "acme.ops"}, {"org", "acme"}, {"keys", {ktext(10)}}},
        {{"account", "acme.edge"}, {"org", "acme"}, {"keys", {ktext(11)}}},
        {{"account", "beta.ops"}, {"org", "beta"}, {"keys", {ktext(12)}}},
        {{"account", "kver.ops"}, {"org", "kver"}, {"keys", {ktext(20)}}}}},
      {"ets",
       {{"txs",
         {designation("acme.ops", {"pohang", "shared"}),
          designation("beta.ops", {"ulsan", "shared"})}}}},
  };
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
    auto tx = decode_tx(sign_envelope(payload_text(p), kChain, {&key(kSigners.at(from))}));
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

inline Json device(const std::string& id, uint8_t k, const std::string& inst,
                   const std::string& src, const std::string& quantity, const std::string& unit,
                   const char* fuel) {
  Json b = {{"device", id},         {"key", ktext(k)}, {"installation", inst}, {"source", src},
            {"quantity", quantity}, {"unit", unit},    {"scope", fuel ? 1 : 2}};
  if (fuel) b["fuel"] = fuel;
  return b;
}

inline Json calibration(const std::string& dev, const std::string& from, const std::string& to) {
  return {{"device", dev},
          {"technician", "Kim Technician"},
          {"certificate", "CAL-" + dev + "-" + from},
          {"calibrated_on", from},
          {"expires_on", to}};
}

inline Json total(const std::string& src, const std::string& dev, const std::string& unit,
                  uint64_t milli, uint64_t readings = 1440, uint64_t gaps = 0, uint64_t subst = 0) {
  return {{"source", src},        {"device", dev}, {"unit", unit},        {"quantity", milli},
          {"readings", readings}, {"gaps", gaps},  {"substituted", subst}};
}

inline Json batch(const std::string& id, const std::string& day, Json totals,
                  const std::string& version = std::string(kDefaultFactorVersion)) {
  // `batch(..., {total(...)})`: GCC makes the braced single total an array, clang a copy of the
  // object (nlohmann's brace-initialization differs between them); always a list here.
  if (totals.is_object()) totals = Json::array({totals});
  return {{"batch_id", id},
          {"installation", "pohang"},
          {"day", day},
          {"merkle_root", std::string(64, 'a')},
          {"factor_version", version},
          {"totals", totals}};
}

inline std::string S(uint64_t v) { return u64_text(v); }

class MrvRegistryTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { init_crypto(); }
  void SetUp() override { start(base_genesis()); }
  // (Re)starts the chain from a genesis document (a test may change base_genesis()).
  void start(const Json& genesis) {
    auto r = apply_genesis(genesis.dump());
    ASSERT_TRUE(r) << r.error().message;
    chain_ = std::make_unique<Chain>(*r);
  }
  Chain& c() { return *chain_; }

  void ok(const std::string& from, const std::string& type, const Json& b) {
    auto [r, ws] = c().one(from, type, b);
    ASSERT_EQ(r.code, "ok") << type << " " << b.dump() << ": " << r.message;
  }
  // Rejected with `code`; the block wrote nothing but the nonce (nothing at all when the
  // permission check refused it before the handler).
  void rejected(const std::string& from, const std::string& type, const Json& b,
                const std::string& code) {
    auto before = c().st.data();
    auto [r, ws] = c().one(from, type, b);
    EXPECT_EQ(r.code, code) << type << " " << b.dump() << ": " << r.message;
    EXPECT_FALSE(r.message.empty());
    if (code == "tx.unauthorized_type") {
      --c().nonces[from];
      EXPECT_TRUE(ws.empty());
      EXPECT_EQ(c().st.data(), before);
      return;
    }
    std::string nonce_key = "nonce/" + from;
    WriteSet only_nonce = {{nonce_key, u64_text(c().nonces[from])}};
    EXPECT_EQ(ws, only_nonce) << type << ": a rejected tx wrote more than its nonce";
    before[nonce_key] = u64_text(c().nonces[from]);
    EXPECT_EQ(c().st.data(), before);
  }
  Json get(const std::string& k) {
    auto v = c().st.get(k);
    return v ? Json::parse(*v) : Json(nullptr);
  }

  // Pohang: a gas boiler (two volume meters), a diesel generator (a scale in t) and purchased
  // electricity (a kWh meter), all calibrated for 2023, and an approved plan.
  void setup_pohang() {
    ok("acme.ops", "mrv.device.register",
       device("gm1", 101, "pohang", "boiler", "natural_gas_volume", "Nm3", "natural_gas"));
    ok("acme.edge", "mrv.device.register",
       device("gm2", 102, "pohang", "boiler", "natural_gas_volume", "Nm3", "natural_gas"));
    ok("moe.gir", "mrv.device.register",
       device("ds1", 103, "pohang", "gen", "fuel_mass", "t", "diesel"));
    ok("acme.ops", "mrv.device.register",
       device("pm1", 104, "pohang", "grid", "electricity", "kWh", nullptr));
    for (auto d : {"gm1", "ds1", "pm1"})
      ok("kver.ops", "mrv.device.calibrate", calibration(d, "2023-01-01", "2023-12-31"));
    // gm2's calibration lapses at the end of 1 June 2023.
    ok("kver.ops", "mrv.device.calibrate", calibration("gm2", "2022-06-02", "2023-06-01"));
    Json plan = {{"installation", "pohang"},
                 {"sources",
                  {{{"source", "boiler"},
                    {"scope", 1},
                    {"fuel", "natural_gas"},
                    {"method", "calculation"},
                    {"tier", 2},
                    {"factor_version", "latest"}},
                   {{"source", "gen"},
                    {"scope", 1},
                    {"fuel", "diesel"},
                    {"method", "calculation"},
                    {"tier", 1},
                    {"factor_version", kDefaultFactorVersion}},
                   {{"source", "grid"},
                    {"scope", 2},
                    {"method", "calculation"},
                    {"tier", 1},
                    {"factor_version", kDefaultFactorVersion}}}}};
    ok("acme.ops", "mrv.plan.set", plan);
    ok("moe.gir", "mrv.plan.approve", {{"installation", "pohang"}, {"revision", 1}});
  }

  // Devices for the refusals: a Ulsan meter, an LPG scale at Pohang's natural gas boiler, and a
  // gas meter retired on 2023-06-30.
  void setup_pohang_extra() {
    ok("beta.ops", "mrv.device.register",
       device("um1", 121, "ulsan", "boiler", "natural_gas_volume", "Nm3", "natural_gas"));
    ok("acme.ops", "mrv.device.register",
       device("lp1", 122, "pohang", "boiler", "fuel_mass", "kg", "lpg"));
    ok("acme.ops", "mrv.device.register",
       device("old", 123, "pohang", "boiler", "natural_gas_volume", "Nm3", "natural_gas"));
    ok("acme.ops", "mrv.device.retire", {{"device", "old"}, {"retired_on", "2023-06-30"}});
  }

  std::unique_ptr<Chain> chain_;
};

}  // namespace tanso::mrv_testing
