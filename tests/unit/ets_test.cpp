// The K-ETS registry module (core/ets.h) through the real executor: parameters (defaults,
// genesis, ets.params.set), civil-date deadlines in KST, plans and registry instruments,
// designation and its guidance, batch allocation orders under the regulator's 2-of-3 signature
// policy, certification, surrender (every rejection code), banking, borrowing, prices, settlement
// with penalties, and the views. Every rejection is checked to change nothing but the sender's
// nonce (the executor discards the tx's overlay), and conservation holds after every block.
#include "core/ets.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/executor.h"
#include "core/holdings.h"
#include "core/identity.h"
#include "core/limits.h"
#include "core/market_data.h"
#include "test_keys.h"

namespace tanso {
namespace {

constexpr std::string_view kChain = "ets-test";

// 00:00 KST of a civil date, in UTC epoch ms.
uint64_t kst(int y, uint32_t m, uint32_t d) {
  return static_cast<uint64_t>(days_from_civil(y, m, d) * 86'400'000 - 9 * 3'600'000);
}

const KeyPair& key(uint8_t n) { return test_key(n, 0xe7); }
std::string ktext(uint8_t n) { return key_to_text(key(n).pub); }

// Regulator officers: keys 1-3 (allocation orders need 2). Companies: acme.ops 10, bolt.ops 12,
// coil.ops 14. kbank.issuer 30 (a bank: not a company).
Json base_genesis() {
  return {
      {"chain_id", kChain},
      {"time_ms", kst(2025, 1, 1)},
      {"orgs",
       {{{"org", "moe"}, {"name", "Ministry of Environment"}, {"role", "regulator"}},
        {{"org", "acme"}, {"name", "Acme Steel"}, {"role", "company"}},
        {{"org", "bolt"}, {"name", "Bolt Cement"}, {"role", "company"}},
        {{"org", "coil"}, {"name", "Coil Chemicals"}, {"role", "company"}},
        {{"org", "kbank"}, {"name", "K Bank"}, {"role", "bank"}}}},
      {"accounts",
       {{{"account", "moe.officers"},
         {"org", "moe"},
         {"keys", {ktext(1), ktext(2), ktext(3)}},
         {"type_thresholds", {{"ets.allocation.order", 2}}}},
        {{"account", "acme.ops"}, {"org", "acme"}, {"keys", {ktext(10)}}},
        {{"account", "bolt.ops"}, {"org", "bolt"}, {"keys", {ktext(12)}}},
        {{"account", "coil.ops"}, {"org", "coil"}, {"keys", {ktext(14)}}},
        {{"account", "kbank.issuer"}, {"org", "kbank"}, {"keys", {ktext(30)}}}}},
  };
}

// [[k, v], ...]: a list of pairs (a braced {{"k", v}} would be a JSON object).
Json P(std::initializer_list<std::pair<std::string, Json>> l) {
  Json a = Json::array();
  for (const auto& [k, v] : l) a.push_back(Json::array({k, v}));
  return a;
}

struct TxSpec {
  std::string from;
  std::string type;
  Json body;
  std::vector<uint8_t> signers;
};

uint8_t signer_of(const std::string& account) {
  if (account == "moe.officers") return 1;
  if (account == "acme.ops") return 10;
  if (account == "bolt.ops") return 12;
  if (account == "coil.ops") return 14;
  return 30;
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
  Tx make(const TxSpec& s) {
    uint64_t n = ++nonces[s.from];
    Payload p{std::string(kChain), s.type, s.from, n, 1'000'000, s.body};
    std::vector<const KeyPair*> signers;
    if (s.signers.empty()) signers.push_back(&key(signer_of(s.from)));
    for (uint8_t k : s.signers) signers.push_back(&key(k));
    auto tx = decode_tx(sign_envelope(payload_text(p), kChain, signers));
    if (!tx) ADD_FAILURE() << "test tx does not decode: " << tx.error().message;
    return tx ? *tx : Tx{};
  }
  std::pair<Receipt, WriteSet> one(const TxSpec& s) {
    Tx tx = make(s);
    const Tx* ptr = &tx;
    ++height;
    time_ms += 1000;
    BlockOutput out = execute_block(st, root, height, time_ms, {&ptr, 1}, false);
    st.apply(out.writes);
    root = out.state_root;
    EXPECT_TRUE(conservation_violations(st).empty()) << "conservation broken at " << height;
    return {out.receipts.at(0), out.writes};
  }
  std::string code(const TxSpec& s) {
    auto [r, ws] = one(s);
    return r.code == "ok" ? r.code : r.code + " (" + r.message + ")";
  }
  uint64_t bal(const std::string& a, const std::string& i) const { return balance(st, a, i); }
  std::optional<std::string> get(const std::string& k) const { return st.get(k); }
};

class EtsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { init_crypto(); }
  void SetUp() override { start(base_genesis()); }
  void start(const Json& genesis) {
    auto g = apply_genesis(genesis.dump());
    ASSERT_TRUE(g) << g.error().message;
    chain_ = std::make_unique<Chain>(*g);
  }
  Chain& c() { return *chain_; }

  void ok(const TxSpec& s) {
    auto [r, ws] = c().one(s);
    ASSERT_EQ(r.code, "ok") << s.type << ": " << r.message;
  }
  // The tx is rejected with `code`, and the block wrote nothing but the sender's nonce (nothing
  // at all for the checks that run before the handler: permission, signatures).
  void rejected(const TxSpec& s, const std::string& code) {
    auto before = c().st.data();
    auto [r, ws] = c().one(s);
    EXPECT_EQ(r.code, code) << s.type << " " << s.body.dump() << ": " << r.message;
    EXPECT_FALSE(r.message.empty());
    if (code == "tx.unauthorized_type" || code == "tx.insufficient_signatures") {
      --c().nonces[s.from];
      EXPECT_TRUE(ws.empty());
      EXPECT_EQ(c().st.data(), before);
      return;
    }
    std::string nonce_key = "nonce/" + s.from;
    WriteSet only_nonce = {{nonce_key, u64_text(c().nonces[s.from])}};
    EXPECT_EQ(ws, only_nonce) << "a rejected " << s.type << " wrote more than its nonce";
    before[nonce_key] = u64_text(c().nonces[s.from]);
    EXPECT_EQ(c().st.data(), before);
  }

  // Common set-up: plan 2025 (cap 1,000,000), acme and bolt designated from 2025, coil from 2026.
  void designate(const std::string& acct, uint32_t from, Json extra = Json::object()) {
    Json b = {{"company", acct},
              {"name", acct + " Co."},
              {"sector", "steel"},
              {"from_year", from},
              {"installations", {{{"id", "site-1"}, {"name", "Main works"}}}}};
    for (auto it = extra.begin(); it != extra.end(); ++it) b[it.key()] = it.value();
    ok({"moe.officers", "ets.designate", b, {}});
  }
  void basic() {
    ok({"moe.officers", "ets.plan.set", {{"year", 2025}, {"cap", 1'000'000}}, {}});
    ok({"moe.officers", "ets.plan.set", {{"year", 2024}, {"cap", 1'000'000}}, {}});
    designate("acme.ops", 2024);
    designate("bolt.ops", 2025);
    designate("coil.ops", 2026);
  }
  void allocate(const std::string& order, uint32_t year, Json entries) {
    ok({"moe.officers",
        "ets.allocation.order",
        {{"order", order}, {"year", year}, {"entries", entries}},
        {1, 2}});
  }
  void certify(const std::string& acct, uint32_t year, uint64_t t) {
    ok({"moe.officers",
        "ets.emissions.certify",
        {{"company", acct}, {"year", year}, {"tco2e", t}},
        {}});
  }
  Json surrender_body(uint32_t year, Json units) { return {{"year", year}, {"units", units}}; }

  std::unique_ptr<Chain> chain_;
};

TEST_F(EtsTest, CivilDatesAndDeadlinesInKst) {
  EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
  EXPECT_EQ(days_from_civil(1969, 12, 31), -1);
  EXPECT_EQ(days_from_civil(2000, 3, 1), 11017);
  EXPECT_EQ(days_from_civil(2024, 2, 29), 19782);
  EXPECT_EQ(kst(2025, 1, 1), 1735657200000u);
  auto p = EtsParams::defaults();
  // 2025's surrender ends with 31 August 2026 in Korea: 2026-09-01 00:00 KST.
  EXPECT_EQ(ets_deadline_end_ms(p, 2025), 1788188400000u);
  EXPECT_EQ(ets_deadline_end_ms(p, 2025), kst(2026, 9, 1));
  p.utc_offset_minutes = 0;
  EXPECT_EQ(ets_deadline_end_ms(p, 2025), kst(2026, 9, 1) + 9 * 3'600'000);
}

TEST_F(EtsTest, DefaultParamsAreTheKEtsValues) {
  auto p = load_ets_params(c().st);
  ASSERT_EQ(p->phases.size(), 4u);
  EXPECT_EQ(p->phase_of(2016)->offset_cap_bp, 1000u);
  EXPECT_EQ(p->phase_of(2020)->offset_cap_bp, 1000u);
  EXPECT_EQ(p->phase_of(2021)->phase, 3u);
  EXPECT_EQ(p->phase_of(2025)->offset_cap_bp, 500u);
  EXPECT_EQ(p->phase_of(2025)->borrow_limit_bp, 1500u);
  EXPECT_EQ(p->phase_of(2030)->phase, 4u);
  EXPECT_EQ(p->phase_of(2031), nullptr);
  EXPECT_EQ(p->phase_of(2014), nullptr);
  EXPECT_EQ(p->company_threshold_tco2e, 125'000u);
  EXPECT_EQ(p->site_threshold_tco2e, 25'000u);
  EXPECT_EQ(p->penalty_multiplier, 3u);
  EXPECT_EQ(p->penalty_cap_krw_per_t, 100'000u);
  EXPECT_EQ(p->utc_offset_minutes, 540);
  Json v = ets_params_view(c().st);
  EXPECT_EQ(v["source"], "defaults");
  EXPECT_EQ(v["surrender_deadline"], "08-31");
  // to_json / from_json round trip.
  auto back = EtsParams::from_json(p->to_json(), EtsParams{});
  ASSERT_TRUE(back);
  EXPECT_EQ(back->to_json(), p->to_json());
}

TEST_F(EtsTest, GenesisCarriesParamsAndRegulatorTxs) {
  Json g = base_genesis();
  g["ets"] = {
      {"params", {{"surrender_deadline", "06-30"}, {"penalty_cap_krw_per_t", 50'000}}},
      {"txs",
       {{{"type", "ets.plan.set"}, {"body", {{"year", 2025}, {"cap", 5000}}}},
        {{"type", "ets.designate"},
         {"body",
          {{"company", "acme.ops"},
           {"name", "Acme"},
           {"sector", "steel"},
           {"from_year", 2025},
           {"installations", Json::array()}}}},
        {{"type", "ets.allocation.order"},
         {"body", {{"order", "G-1"}, {"year", 2025}, {"entries", P({{"acme.ops", 1200}})}}}}}}};
  start(g);
  auto p = load_ets_params(c().st);
  EXPECT_EQ(p->deadline_month, 6u);
  EXPECT_EQ(p->penalty_cap_krw_per_t, 50'000u);
  EXPECT_EQ(p->penalty_multiplier, 3u);  // defaults fill the rest
  EXPECT_EQ(ets_params_view(c().st)["source"], "state");
  EXPECT_EQ(c().bal("acme.ops", "KAU-2025"), 1200u);
  EXPECT_TRUE(c().get("ets/order/G-1"));
  EXPECT_TRUE(conservation_violations(c().st).empty());

  auto refused = [](Json ets) {
    Json g2 = base_genesis();
    g2["ets"] = ets;
    auto r = apply_genesis(g2.dump());
    EXPECT_FALSE(r) << ets.dump();
    return r ? std::string() : r.error().code;
  };
  EXPECT_EQ(refused({{"params", {{"penalty_multiplier", 0}}}}), "genesis.invalid");
  EXPECT_EQ(refused({{"params", {{"nonsense", 1}}}}), "genesis.invalid");
  EXPECT_EQ(refused({{"other", 1}}), "genesis.invalid");
  EXPECT_EQ(refused({{"txs", {{{"type", "ets.surrender"}, {"body", Json::object()}}}}}),
            "genesis.invalid");
  EXPECT_EQ(refused({{"txs", {{{"type", "holdings.issue"}, {"body", Json::object()}}}}}),
            "genesis.invalid");
  EXPECT_EQ(
      refused({{"txs", {{{"type", "ets.plan.set"}, {"body", {{"year", 2040}, {"cap", 1}}}}}}}),
      "genesis.invalid");
}

TEST_F(EtsTest, ParamsSetByTheRegulatorOnly) {
  ok({"moe.officers", "ets.params.set", {{"surrender_deadline", "06-30"}}, {}});
  auto p = load_ets_params(c().st);
  EXPECT_EQ(p->deadline_month, 6u);
  EXPECT_EQ(p->deadline_day, 30u);
  EXPECT_EQ(p->penalty_multiplier, 3u);
  ok({"moe.officers",
      "ets.params.set",
      {{"phases",
        {{{"phase", 3},
          {"from_year", 2021},
          {"to_year", 2025},
          {"offset_cap_bp", 700},
          {"borrow_limit_bp", 1000}}}}},
      {}});
  EXPECT_EQ(load_ets_params(c().st)->phase_of(2025)->offset_cap_bp, 700u);
  EXPECT_EQ(load_ets_params(c().st)->phase_of(2026), nullptr);
  EXPECT_EQ(load_ets_params(c().st)->deadline_month, 6u);  // earlier change kept
  rejected({"acme.ops", "ets.params.set", {{"penalty_multiplier", 2}}, {}}, "tx.unauthorized_type");
  rejected({"moe.officers", "ets.params.set", Json::object(), {}}, "tx.malformed");
  rejected({"moe.officers", "ets.params.set", {{"surrender_deadline", "02-29"}}, {}},
           "tx.malformed");
  rejected({"moe.officers", "ets.params.set", {{"surrender_deadline", "8-31"}}, {}},
           "tx.malformed");
  rejected({"moe.officers", "ets.params.set", {{"utc_offset_minutes", 900}}, {}}, "tx.malformed");
  rejected({"moe.officers", "ets.params.set", {{"bank_across_phases", 1}}, {}}, "tx.malformed");
  rejected({"moe.officers", "ets.params.set", {{"deadline", "08-31"}}, {}}, "tx.unknown_field");
  // Overlapping or unordered phases, missing and out-of-range phase fields.
  Json ph = {{"phase", 1},
             {"from_year", 2015},
             {"to_year", 2017},
             {"offset_cap_bp", 1000},
             {"borrow_limit_bp", 1000}};
  Json overlap = ph;
  overlap["phase"] = 2;
  overlap["from_year"] = 2017;
  rejected({"moe.officers", "ets.params.set", {{"phases", {ph, overlap}}}, {}}, "tx.malformed");
  Json partial = ph;
  partial.erase("borrow_limit_bp");
  rejected({"moe.officers", "ets.params.set", {{"phases", {partial}}}, {}}, "tx.malformed");
  Json big = ph;
  big["offset_cap_bp"] = 10'001;
  rejected({"moe.officers", "ets.params.set", {{"phases", {big}}}, {}}, "tx.malformed");
  rejected({"moe.officers", "ets.params.set", {{"phases", Json::array()}}, {}}, "tx.malformed");
}

TEST_F(EtsTest, PlanCreatesTheRegistryInstrument) {
  ok({"moe.officers", "ets.plan.set", {{"year", 2025}, {"cap", 1000}, {"auction", 100}}, {}});
  auto in = load_instrument(c().st, "KAU-2025");
  ASSERT_TRUE(in);
  EXPECT_EQ(in->issuer, "ets/registry");
  EXPECT_EQ(supply(c().st, "KAU-2025"), 0u);
  auto totals = ets_totals(c().st, 2025);
  ASSERT_TRUE(totals);
  EXPECT_EQ((*totals)["plan"]["cap"], "1000");
  EXPECT_EQ((*totals)["plan"]["auction"], "100");
  // Nobody issues allowances outside the rules: holdings.issue finds no issuer it could be.
  rejected({"moe.officers",
            "holdings.issue",
            {{"instrument", "KAU-2025"}, {"to", "acme.ops"}, {"amount", 5}},
            {}},
           "holdings.not_issuer");
  rejected({"moe.officers", "ets.plan.set", {{"year", 2031}, {"cap", 1000}}, {}},
           "ets.unknown_year");
  rejected({"moe.officers", "ets.plan.set", {{"year", 2025}, {"cap", 10}, {"auction", 11}}, {}},
           "tx.malformed");
  rejected({"moe.officers", "ets.plan.set", {{"year", 2025}, {"cap", 0}}, {}}, "tx.malformed");
  rejected({"moe.officers", "ets.plan.set", {{"year", 1999}, {"cap", 10}}, {}}, "tx.malformed");
  rejected({"acme.ops", "ets.plan.set", {{"year", 2025}, {"cap", 10}}, {}}, "tx.unauthorized_type");
  // Revising the cap: never below what is allocated.
  designate("acme.ops", 2025);
  allocate("O-1", 2025, P({{"acme.ops", 600}}));
  rejected({"moe.officers", "ets.plan.set", {{"year", 2025}, {"cap", 599}}, {}},
           "ets.cap_below_allocated");
  ok({"moe.officers", "ets.plan.set", {{"year", 2025}, {"cap", 600}}, {}});
}

TEST_F(EtsTest, SquattedInstrumentIdsAreRefused) {
  // A bank creates "KCU" itself; the registry must not issue into, or count, someone else's KCU.
  ok({"kbank.issuer",
      "instrument.create",
      {{"instrument", "KCU"}, {"name", "fake"}, {"unit", "t"}},
      {}});
  rejected({"moe.officers", "ets.kcu.issue", {{"to", "acme.ops"}, {"amount", 5}}, {}},
           "ets.instrument_conflict");
  ok({"kbank.issuer",
      "instrument.create",
      {{"instrument", "KAU-2025"}, {"name", "fake"}, {"unit", "t"}},
      {}});
  rejected({"moe.officers", "ets.plan.set", {{"year", 2025}, {"cap", 5}}, {}},
           "ets.instrument_conflict");
}

TEST_F(EtsTest, DesignationAndGuidance) {
  ok({"moe.officers",
      "ets.designate",
      {{"company", "acme.ops"},
       {"name", "Acme Steel"},
       {"sector", "steel"},
       {"from_year", 2025},
       {"to_year", 2027},
       {"annual_tco2e", 90'000},
       {"installations",
        {{{"id", "pohang"}, {"name", "Pohang works"}, {"annual_tco2e", "30000"}},
         {{"id", "ulsan"}, {"name", "Ulsan plant"}, {"annual_tco2e", 60'000}}}}},
      {}});
  auto co = ets_company(c().st, "acme.ops");
  ASSERT_TRUE(co) << co.error().message;
  EXPECT_EQ((*co)["name"], "Acme Steel");
  EXPECT_EQ((*co)["to_year"], 2027);
  EXPECT_EQ((*co)["meets_threshold"], true);  // a site of 30,000 >= 25,000
  EXPECT_EQ((*co)["years"].size(), 3u);
  EXPECT_EQ((*co)["installations"][0]["annual_tco2e"], "30000");
  // Below both thresholds: designated all the same, flagged.
  ok({"moe.officers",
      "ets.designate",
      {{"company", "bolt.ops"},
       {"name", "Bolt"},
       {"sector", "cement"},
       {"from_year", 2025},
       {"installations", {{{"id", "a"}, {"name", "A"}, {"annual_tco2e", 20'000}}}}},
      {}});
  EXPECT_EQ((*ets_company(c().st, "bolt.ops"))["meets_threshold"], false);
  EXPECT_EQ((*ets_company(c().st, "bolt.ops"))["to_year"], nullptr);
  // Unknown sizes: no verdict.
  designate("coil.ops", 2025);
  EXPECT_EQ((*ets_company(c().st, "coil.ops"))["meets_threshold"], nullptr);
  EXPECT_EQ(designated_companies(c().st),
            (std::vector<std::string>{"acme.ops", "bolt.ops", "coil.ops"}));
  // Company by total: 130,000 >= 125,000 with no site above 25,000.
  EtsDesignation d;
  d.annual_tco2e = 130'000;
  EXPECT_EQ(meets_threshold(EtsParams::defaults(), d), true);

  auto body = [](std::string acct) {
    return Json{{"company", acct},
                {"name", "X"},
                {"sector", "s"},
                {"from_year", 2025},
                {"installations", Json::array()}};
  };
  rejected({"moe.officers", "ets.designate", body("ghost"), {}}, "ets.unknown_account");
  rejected({"moe.officers", "ets.designate", body("kbank.issuer"), {}}, "ets.not_company");
  rejected({"moe.officers", "ets.designate", body("moe.officers"), {}}, "ets.not_company");
  Json early = body("acme.ops");
  early["from_year"] = 2014;
  rejected({"moe.officers", "ets.designate", early, {}}, "ets.unknown_year");
  Json backwards = body("acme.ops");
  backwards["to_year"] = 2024;
  rejected({"moe.officers", "ets.designate", backwards, {}}, "tx.malformed");
  Json twice = body("acme.ops");
  twice["installations"] = {{{"id", "a"}, {"name", "A"}}, {{"id", "a"}, {"name", "B"}}};
  rejected({"moe.officers", "ets.designate", twice, {}}, "tx.malformed");
  Json extra = body("acme.ops");
  extra["installations"] = {{{"id", "a"}, {"name", "A"}, {"size", 1}}};
  rejected({"moe.officers", "ets.designate", extra, {}}, "tx.unknown_field");
  Json no_inst = body("acme.ops");
  no_inst.erase("installations");
  rejected({"moe.officers", "ets.designate", no_inst, {}}, "tx.malformed");
  rejected({"acme.ops", "ets.designate", body("acme.ops"), {}}, "tx.unauthorized_type");

  // Records pin the covered years: after an allocation for 2025, coverage must keep 2025.
  ok({"moe.officers", "ets.plan.set", {{"year", 2025}, {"cap", 100}}, {}});
  allocate("O-1", 2025, P({{"acme.ops", 10}}));
  rejected({"moe.officers", "ets.undesignate", {{"company", "acme.ops"}, {"last_year", 2024}}, {}},
           "ets.designation_in_use");
  Json later = body("acme.ops");
  later["from_year"] = 2026;
  rejected({"moe.officers", "ets.designate", later, {}}, "ets.designation_in_use");
  ok({"moe.officers", "ets.undesignate", {{"company", "acme.ops"}, {"last_year", 2025}}, {}});
  EXPECT_EQ((*ets_company(c().st, "acme.ops"))["to_year"], 2025);
  EXPECT_EQ((*ets_company(c().st, "acme.ops"))["years"].size(), 1u);
  // Bolt has no records: its designation may end before it starts (covers no year).
  ok({"moe.officers", "ets.undesignate", {{"company", "bolt.ops"}, {"last_year", 2024}}, {}});
  EXPECT_EQ((*ets_company(c().st, "bolt.ops"))["years"].size(), 0u);
  rejected(
      {"moe.officers", "ets.undesignate", {{"company", "kbank.issuer"}, {"last_year", 2024}}, {}},
      "ets.not_designated");
  EXPECT_EQ(ets_company(c().st, "kbank.issuer").error().code, "ets.not_designated");
}

TEST_F(EtsTest, AllocationOrderNeedsTwoOfThreeOfficers) {
  basic();
  Json body = {{"order", "2025-A"},
               {"year", 2025},
               {"basis", "grandfathering"},
               {"entries", P({{"acme.ops", 400'000}, {"bolt.ops", "250000"}})}};
  rejected({"moe.officers", "ets.allocation.order", body, {1}}, "tx.insufficient_signatures");
  rejected({"moe.officers", "ets.allocation.order", body, {3}}, "tx.insufficient_signatures");
  auto [r, ws] = c().one({"moe.officers", "ets.allocation.order", body, {2, 3}});
  ASSERT_EQ(r.code, "ok") << r.message;
  EXPECT_EQ(r.accounts, (std::vector<std::string>{"moe.officers", "acme.ops", "bolt.ops"}));
  EXPECT_EQ(c().bal("acme.ops", "KAU-2025"), 400'000u);
  EXPECT_EQ(c().bal("bolt.ops", "KAU-2025"), 250'000u);
  EXPECT_EQ(supply(c().st, "KAU-2025"), 650'000u);
  EXPECT_EQ(c().get("ets/alloc/2025/acme.ops"), "400000");
  Json order = Json::parse(*c().get("ets/order/2025-A"));
  EXPECT_EQ(order["total"], "650000");
  EXPECT_EQ(order["entries"], 2);
  EXPECT_EQ(order["basis"], "grandfathering");
  EXPECT_EQ((*ets_totals(c().st, 2025))["allocated"], "650000");
  // Other regulator types still need one officer.
  ok({"moe.officers", "ets.price.set", {{"year", 2025}, {"avg_price_krw", 9000}}, {3}});
}

TEST_F(EtsTest, AllocationOrderIsAllOrNothing) {
  basic();
  auto order = [](std::string id, uint32_t year, Json entries) {
    return TxSpec{"moe.officers",
                  "ets.allocation.order",
                  {{"order", id}, {"year", year}, {"entries", entries}},
                  {1, 2}};
  };
  rejected(order("O-1", 2026, P({{"coil.ops", 5}})), "ets.no_plan");
  rejected(order("O-1", 2031, P({{"acme.ops", 5}})), "ets.unknown_year");
  // coil is designated from 2026 only; kbank never: nobody receives anything.
  rejected(order("O-1", 2025, P({{"acme.ops", 5}, {"coil.ops", 5}})), "ets.not_designated");
  rejected(order("O-1", 2025, P({{"acme.ops", 5}, {"kbank.issuer", 5}})), "ets.not_designated");
  rejected(order("O-1", 2025, P({{"acme.ops", 5}, {"ghost", 5}})), "ets.not_designated");
  rejected(order("O-1", 2025, P({{"acme.ops", 600'000}, {"bolt.ops", 400'001}})), "ets.above_cap");
  rejected(order("O-1", 2025, P({{"acme.ops", 5}, {"acme.ops", 5}})), "tx.malformed");
  rejected(order("O-1", 2025, P({{"acme.ops", 0}})), "tx.malformed");
  rejected(order("O-1", 2025, Json::array()), "tx.malformed");
  rejected(order("O-1", 2025, {{"acme.ops"}}), "tx.malformed");
  rejected(order("O-1", 2025, {{{"acme.ops", 5}}}), "tx.malformed");
  rejected(order("O 1", 2025, P({{"acme.ops", 5}})), "tx.malformed");
  EXPECT_EQ(supply(c().st, "KAU-2025"), 0u);
  c().one(order("O-1", 2025, P({{"acme.ops", 600'000}, {"bolt.ops", 400'000}})));
  EXPECT_EQ(supply(c().st, "KAU-2025"), 1'000'000u);
  rejected(order("O-1", 2025, P({{"acme.ops", 1}})), "ets.duplicate_order");
  rejected(order("O-1", 2024, P({{"acme.ops", 1}})), "ets.duplicate_order");
  rejected(order("O-2", 2025, P({{"acme.ops", 1}})), "ets.above_cap");  // the cap is used up
  rejected({"acme.ops",
            "ets.allocation.order",
            {{"order", "O-9"}, {"year", 2025}, {"entries", P({{"acme.ops", 1}})}},
            {}},
           "tx.unauthorized_type");
}

TEST_F(EtsTest, AThousandCompanyOrderFitsOneTx) {
  // The bench's scenario: 1,000 designated companies in one order within tx_bytes_max.
  Json g = base_genesis();
  Json txs = Json::array();
  txs.push_back({{"type", "ets.plan.set"}, {"body", {{"year", 2025}, {"cap", "1000000000"}}}});
  g["orgs"].push_back({{"org", "many"}, {"name", "Many"}, {"role", "company"}});
  Json entries = Json::array();
  for (int i = 0; i < 1000; ++i) {
    std::string id = "company-" + std::to_string(100000 + i) + ".ops";
    g["accounts"].push_back({{"account", id}, {"org", "many"}, {"keys", {ktext(200)}}});
    txs.push_back({{"type", "ets.designate"},
                   {"body",
                    {{"company", id},
                     {"name", id},
                     {"sector", "s"},
                     {"from_year", 2025},
                     {"installations", Json::array()}}}});
    entries.push_back({id, 123'456 + i});
  }
  // One key may belong to one account only: give each its own.
  for (size_t i = 5; i < g["accounts"].size(); ++i) {
    std::array<uint8_t, 32> seed{};
    seed[0] = static_cast<uint8_t>(i);
    seed[1] = static_cast<uint8_t>(i >> 8);
    seed[2] = 0x77;
    g["accounts"][i]["keys"] = {key_to_text(keypair_from_seed(seed).pub)};
  }
  g["ets"] = {{"txs", txs}};
  start(g);
  Json body = {{"order", "BIG"}, {"year", 2025}, {"entries", entries}};
  Tx tx = c().make({"moe.officers", "ets.allocation.order", body, {1, 2}});
  EXPECT_LE(tx.envelope.size(), limits::tx_bytes_max);
  const Tx* ptr = &tx;
  BlockOutput out = execute_block(c().st, c().root, 1, c().time_ms + 1000, {&ptr, 1}, false);
  ASSERT_EQ(out.receipts.at(0).code, "ok") << out.receipts.at(0).message;
  c().st.apply(out.writes);
  EXPECT_EQ(c().bal("company-100999.ops", "KAU-2025"), 123'456u + 999);
  EXPECT_TRUE(conservation_violations(c().st).empty());
  auto table = ets_compliance_table(c().st, 2025);
  ASSERT_TRUE(table);
  EXPECT_EQ((*table)["rows"].size(), 1000u);
}

TEST_F(EtsTest, CertificationReplacesUntilSettled) {
  basic();
  rejected({"moe.officers",
            "ets.emissions.certify",
            {{"company", "coil.ops"}, {"year", 2025}, {"tco2e", 5}},
            {}},
           "ets.not_designated");
  rejected({"moe.officers",
            "ets.emissions.certify",
            {{"company", "acme.ops"}, {"year", 2031}, {"tco2e", 5}},
            {}},
           "ets.unknown_year");
  rejected({"moe.officers",
            "ets.emissions.certify",
            {{"company", "acme.ops"}, {"year", 2025}, {"tco2e", -5}},
            {}},
           "tx.malformed");
  rejected({"acme.ops",
            "ets.emissions.certify",
            {{"company", "acme.ops"}, {"year", 2025}, {"tco2e", 5}},
            {}},
           "tx.unauthorized_type");
  certify("acme.ops", 2025, 1000);
  certify("bolt.ops", 2025, 500);
  certify("acme.ops", 2025, 800);  // correction
  EXPECT_EQ(c().get("ets/cert/2025/acme.ops"), "800");
  auto t = *ets_totals(c().st, 2025);
  EXPECT_EQ(t["certified_tco2e"], "1300");
  EXPECT_EQ(t["certified_companies"], 2);
  certify("bolt.ops", 2025, 0);  // zero emissions is a certification too
  EXPECT_EQ(c().get("ets/cert/2025/bolt.ops"), "0");
  EXPECT_EQ((*ets_totals(c().st, 2025))["certified_tco2e"], "800");
  // Settle (nothing surrendered, so a price is needed), then certification is final.
  ok({"moe.officers", "ets.price.set", {{"year", 2025}, {"avg_price_krw", 10'000}}, {}});
  c().time_ms = kst(2026, 9, 1);
  ok({"moe.officers", "ets.compliance.settle", {{"year", 2025}}, {}});
  rejected({"moe.officers",
            "ets.emissions.certify",
            {{"company", "acme.ops"}, {"year", 2025}, {"tco2e", 5}},
            {}},
           "ets.already_settled");
}

TEST_F(EtsTest, SurrenderRules) {
  basic();
  allocate("O-25", 2025, P({{"acme.ops", 1000}, {"bolt.ops", 1000}}));
  allocate("O-24", 2024, P({{"acme.ops", 500}}));
  ok({"moe.officers",
      "ets.kcu.issue",
      {{"to", "acme.ops"}, {"amount", 100}, {"memo", "KOC-1"}},
      {}});
  ok({"moe.officers", "ets.kcu.issue", {{"to", "bolt.ops"}, {"amount", 100}}, {}});
  EXPECT_EQ(load_instrument(c().st, "KCU")->issuer, "ets/registry");
  auto s = [&](std::string from, uint32_t year, Json units) {
    return TxSpec{from, "ets.surrender", surrender_body(year, units), {}};
  };
  rejected(s("coil.ops", 2025, P({{"KAU-2025", 1}})), "ets.not_designated");
  rejected(s("kbank.issuer", 2025, P({{"KAU-2025", 1}})), "tx.unauthorized_type");
  rejected(s("acme.ops", 2031, P({{"KAU-2031", 1}})), "ets.unknown_year");
  rejected(s("acme.ops", 2025, P({{"KAU-2024", 1}})), "ets.wrong_vintage");
  rejected(s("acme.ops", 2025, P({{"KAU-2026", 1}})), "ets.wrong_vintage");
  rejected(s("acme.ops", 2025, P({{"KRW", 1}})), "ets.ineligible_instrument");
  rejected(s("acme.ops", 2025, P({{"KAU-2025", 1}, {"KAU-2025", 1}})), "tx.malformed");
  rejected(s("acme.ops", 2025, P({{"KAU-2025", 0}})), "tx.malformed");
  rejected(s("acme.ops", 2025, Json::array()), "tx.malformed");
  rejected(s("acme.ops", 2025, P({{"KAU-2025", 1}, {"KCU", 1}, {"X", 1}})), "tx.malformed");
  // KCU need the certified obligation.
  rejected(s("acme.ops", 2025, P({{"KCU", 1}})), "ets.not_certified");
  // Early KAU surrender is allowed before certification.
  ok(s("acme.ops", 2025, P({{"KAU-2025", 100}})));
  EXPECT_EQ(c().bal("acme.ops", "KAU-2025"), 900u);
  EXPECT_EQ(supply(c().st, "KAU-2025"), 1900u);
  EXPECT_EQ(c().get("ets/surr/2025/acme.ops/KAU-2025"), "100");
  certify("acme.ops", 2025, 1000);
  // Offset cap: 5 % of 1000 = 50 in phase 3.
  rejected(s("acme.ops", 2025, P({{"KCU", 51}})), "ets.offset_cap");
  ok(s("acme.ops", 2025, P({{"KCU", 30}})));
  rejected(s("acme.ops", 2025, P({{"KCU", 21}})), "ets.offset_cap");
  // Insufficient units. With 50 KAU and 10 KCU left, {50 KAU, 20 KCU} burns the KAU and then
  // fails on the KCU: the executor discards the tx's overlay, so the KAU burn is undone too.
  auto move = [&](std::string from, std::string to, std::string inst, uint64_t n) {
    ok({from, "holdings.transfer", {{"instrument", inst}, {"to", to}, {"amount", n}}, {}});
  };
  move("acme.ops", "bolt.ops", "KAU-2025", 850);
  move("acme.ops", "bolt.ops", "KCU", 60);
  rejected(s("acme.ops", 2025, P({{"KAU-2025", 51}, {"KCU", 5}})), "holdings.insufficient_balance");
  rejected(s("acme.ops", 2025, P({{"KAU-2025", 50}, {"KCU", 20}})),
           "holdings.insufficient_balance");
  rejected(s("acme.ops", 2025, P({{"KCU", 20}, {"KAU-2025", 50}})),
           "holdings.insufficient_balance");
  move("bolt.ops", "acme.ops", "KAU-2025", 900);
  move("bolt.ops", "acme.ops", "KCU", 60);
  // Beyond the obligation (1000 - 130 surrendered = 870 left).
  rejected(s("acme.ops", 2025, P({{"KAU-2025", 851}, {"KCU", 20}})),
           "ets.surrender_exceeds_obligation");
  ok(s("acme.ops", 2025, P({{"KAU-2025", 850}, {"KCU", 20}})));
  EXPECT_EQ(c().get("ets/surr/2025/acme.ops/KAU-2025"), "950");
  EXPECT_EQ(c().get("ets/surr/2025/acme.ops/KCU"), "50");
  auto t = *ets_totals(c().st, 2025);
  EXPECT_EQ(t["surrendered_kau"], "950");
  EXPECT_EQ(t["surrendered_kcu"], "50");
  EXPECT_EQ(t["offsets_used"], "50");
  rejected(s("acme.ops", 2025, P({{"KAU-2025", 1}})), "ets.surrender_exceeds_obligation");
  // 2024's units for 2024 (acme is designated from 2024); the deadline is 31 August 2025.
  c().time_ms = kst(2025, 9, 1) - 2000;  // the block lands at 23:59:59 KST on 31 August
  ok(s("acme.ops", 2024, P({{"KAU-2024", 10}})));
  rejected(s("acme.ops", 2024, P({{"KAU-2024", 10}})), "ets.deadline_passed");
  EXPECT_EQ(c().bal("acme.ops", "KAU-2024"), 490u);
}

TEST_F(EtsTest, BankingAfterTheObligationIsMet) {
  basic();
  ok({"moe.officers", "ets.plan.set", {{"year", 2026}, {"cap", 1000}}, {}});
  allocate("O-25", 2025, P({{"acme.ops", 1000}}));
  auto bank = [](uint32_t year, uint64_t amount) {
    return TxSpec{"acme.ops", "ets.bank", {{"year", year}, {"amount", amount}}, {}};
  };
  rejected(bank(2025, 100), "ets.not_certified");
  certify("acme.ops", 2025, 800);
  rejected(bank(2025, 100), "ets.obligation_unmet");
  ok({"acme.ops", "ets.surrender", surrender_body(2025, P({{"KAU-2025", 800}})), {}});
  rejected(bank(2025, 201), "holdings.insufficient_balance");
  ok(bank(2025, 150));
  EXPECT_EQ(c().bal("acme.ops", "KAU-2025"), 50u);
  EXPECT_EQ(c().bal("acme.ops", "KAU-2026"), 150u);
  EXPECT_EQ(supply(c().st, "KAU-2026"), 150u);
  EXPECT_EQ(c().get("ets/bank/2025/acme.ops"), "150");
  EXPECT_EQ((*ets_totals(c().st, 2025))["banked"], "150");
  rejected({"bolt.ops", "ets.bank", {{"year", 2024}, {"amount", 1}}, {}}, "ets.not_designated");
  rejected({"acme.ops", "ets.bank", {{"year", 2025}, {"amount", 0}}, {}}, "tx.malformed");
  // Phase 3 -> 4 crossing is allowed by default; the flag turns it off.
  ok({"moe.officers", "ets.params.set", {{"bank_across_phases", false}}, {}});
  rejected(bank(2025, 10), "ets.cross_phase");
  ok({"moe.officers", "ets.params.set", {{"bank_across_phases", true}}, {}});
  ok(bank(2025, 10));
  rejected(bank(2030, 10), "ets.unknown_year");
  // After 2026's deadline, banking 2025 into 2026 is closed.
  c().time_ms = kst(2027, 9, 1);
  rejected(bank(2025, 10), "ets.deadline_passed");
}

TEST_F(EtsTest, BorrowingWithinThePhaseAndLimit) {
  ok({"moe.officers", "ets.plan.set", {{"year", 2023}, {"cap", 100'000}}, {}});
  ok({"moe.officers", "ets.plan.set", {{"year", 2024}, {"cap", 100'000}}, {}});
  ok({"moe.officers", "ets.plan.set", {{"year", 2025}, {"cap", 100'000}}, {}});
  designate("acme.ops", 2023);
  allocate("O-23", 2023, P({{"acme.ops", 1000}}));
  allocate("O-24", 2024, P({{"acme.ops", 1000}}));
  allocate("O-25", 2025, P({{"acme.ops", 1000}}));
  c().time_ms = kst(2024, 3, 1);
  auto borrow = [](uint32_t year, uint64_t amount) {
    return TxSpec{"acme.ops", "ets.borrow", {{"year", year}, {"amount", amount}}, {}};
  };
  // Before certification the limit is 15 % of the allocation: 150.
  rejected(borrow(2023, 151), "ets.borrow_limit");
  ok(borrow(2023, 100));
  EXPECT_EQ(c().bal("acme.ops", "KAU-2023"), 1100u);
  EXPECT_EQ(c().bal("acme.ops", "KAU-2024"), 900u);
  EXPECT_EQ(c().get("ets/borrow/2023/acme.ops"), "100");
  // Certified 2000: the limit becomes 300 in total.
  certify("acme.ops", 2023, 2000);
  rejected(borrow(2023, 201), "ets.borrow_limit");
  ok(borrow(2023, 200));
  EXPECT_EQ((*ets_totals(c().st, 2023))["borrowed"], "300");
  auto pos = *ets_position(c().st, "acme.ops", 2023);
  EXPECT_EQ(pos["borrow_room"], "0");
  // 2025 -> 2026 crosses from phase 3 into phase 4.
  rejected(borrow(2025, 1), "ets.cross_phase");
  rejected({"bolt.ops", "ets.borrow", {{"year", 2023}, {"amount", 1}}, {}}, "ets.not_designated");
  // Holding too few next-year units.
  certify("acme.ops", 2024, 100'000);
  rejected(borrow(2024, 1001), "holdings.insufficient_balance");
  c().time_ms = kst(2024, 9, 1);
  rejected(borrow(2023, 1), "ets.deadline_passed");
  EXPECT_EQ(supply(c().st, "KAU-2023"), 1300u);  // 1000 allocated + 300 borrowed
  EXPECT_EQ(supply(c().st, "KAU-2024"), 700u);
}

TEST_F(EtsTest, SettlementStatusesAndPenalties) {
  basic();
  allocate("O-25", 2025, P({{"acme.ops", 1000}, {"bolt.ops", 1000}}));
  designate("coil.ops", 2025);  // re-designated from 2025: never certified
  certify("acme.ops", 2025, 1000);
  certify("bolt.ops", 2025, 1200);
  ok({"moe.officers", "ets.kcu.issue", {{"to", "acme.ops"}, {"amount", 100}}, {}});
  ok({"acme.ops", "ets.surrender", surrender_body(2025, P({{"KAU-2025", 950}, {"KCU", 50}})), {}});
  ok({"bolt.ops", "ets.surrender", surrender_body(2025, P({{"KAU-2025", 1000}})), {}});
  auto settle = TxSpec{"moe.officers", "ets.compliance.settle", {{"year", 2025}}, {}};
  rejected(settle, "ets.deadline_not_passed");
  c().time_ms = kst(2026, 9, 1) - 1000;  // the block lands exactly at the deadline's end
  rejected(settle, "ets.no_price");
  rejected({"moe.officers", "ets.compliance.settle", {{"year", 2031}}, {}}, "ets.unknown_year");
  rejected({"acme.ops", "ets.compliance.settle", {{"year", 2025}}, {}}, "tx.unauthorized_type");
  // 3 x 40,000 = 120,000 > the 100,000 cap: 200 t short x 100,000.
  ok({"moe.officers", "ets.price.set", {{"year", 2025}, {"avg_price_krw", 40'000}}, {}});
  auto table = *ets_compliance_table(c().st, 2025);
  EXPECT_EQ(table["settled"], false);
  ASSERT_EQ(table["rows"].size(), 3u);
  EXPECT_EQ(table["rows"][0]["status"], "met");
  EXPECT_EQ(table["rows"][1]["status"], "open");
  EXPECT_EQ(table["rows"][2]["status"], "uncertified");
  ok(settle);
  auto st = [&](const std::string& a) { return Json::parse(*c().get("ets/status/2025/" + a)); };
  EXPECT_EQ(st("acme.ops")["status"], "compliant");
  EXPECT_EQ(st("acme.ops")["penalty_krw"], "0");
  EXPECT_EQ(st("bolt.ops")["status"], "shortfall");
  EXPECT_EQ(st("bolt.ops")["shortfall"], "200");
  EXPECT_EQ(st("bolt.ops")["penalty_krw"], "20000000");
  EXPECT_EQ(st("coil.ops")["status"], "uncertified");
  auto t = *ets_totals(c().st, 2025);
  EXPECT_EQ(t["penalties_krw"], "20000000");
  EXPECT_EQ(t["settled"]["compliant"], 1);
  EXPECT_EQ(t["settled"]["shortfall"], 1);
  EXPECT_EQ(t["settled"]["uncertified"], 1);
  EXPECT_EQ(t["companies"], 3);
  table = *ets_compliance_table(c().st, 2025);
  EXPECT_EQ(table["settled"], true);
  EXPECT_EQ(table["rows"][1]["penalty_krw"], "20000000");
  EXPECT_EQ(table["rows"][1]["company"], "bolt.ops");
  rejected(settle, "ets.already_settled");
  rejected({"moe.officers", "ets.price.set", {{"year", 2025}, {"avg_price_krw", 1}}, {}},
           "ets.already_settled");
  rejected({"moe.officers", "ets.plan.set", {{"year", 2025}, {"cap", 2'000'000}}, {}},
           "ets.already_settled");
  rejected({"moe.officers",
            "ets.allocation.order",
            {{"order", "late"}, {"year", 2025}, {"entries", P({{"acme.ops", 1}})}},
            {1, 2}},
           "ets.already_settled");
  rejected({"bolt.ops", "ets.surrender", surrender_body(2025, P({{"KAU-2025", 1}})), {}},
           "ets.deadline_passed");
}

TEST_F(EtsTest, PenaltyBelowTheCapAndOffsetsCountedToTheFinalCap) {
  basic();
  allocate("O-25", 2025, P({{"acme.ops", 1000}}));
  certify("acme.ops", 2025, 2000);
  ok({"moe.officers", "ets.kcu.issue", {{"to", "acme.ops"}, {"amount", 100}}, {}});
  ok({"acme.ops", "ets.surrender", surrender_body(2025, P({{"KAU-2025", 900}, {"KCU", 100}})), {}});
  // Re-certified lower: the cap is now 5 % of 1000 = 50, so only 50 of the 100 KCU count.
  certify("acme.ops", 2025, 1000);
  ok({"moe.officers", "ets.price.set", {{"year", 2025}, {"avg_price_krw", 12'345}}, {}});
  c().time_ms = kst(2026, 9, 2);
  ok({"moe.officers", "ets.compliance.settle", {{"year", 2025}}, {}});
  Json s = Json::parse(*c().get("ets/status/2025/acme.ops"));
  EXPECT_EQ(s["counted"], "950");
  EXPECT_EQ(s["shortfall"], "50");
  EXPECT_EQ(s["penalty_krw"], std::to_string(50 * 3 * 12'345));
  Json sum = Json::parse(*c().get("ets/settled/2025"));
  EXPECT_EQ(sum["penalty_krw_per_t"], "37035");
}

// Without ets.price.set the settlement uses the year's KAU exchange trades (written by the market
// module's trade hook, core/market_data.h): floor(turnover / volume) over every KAU vintage, other
// instruments and other years left out; the summary and the views name the source.
TEST_F(EtsTest, MarketAveragePriceWhenTheRegulatorSetsNone) {
  basic();
  allocate("O-25", 2025, P({{"bolt.ops", 1000}}));
  certify("bolt.ops", 2025, 1200);
  ok({"bolt.ops", "ets.surrender", surrender_body(2025, P({{"KAU-2025", 1000}})), {}});
  auto trade = [&](std::string_view market, int y, uint32_t m, uint32_t d, int64_t price,
                   int64_t qty) {
    Overlay ov(c().st);
    uint64_t t = kst(y, m, d) + 10 * 3'600'000;
    market::record_trade_data(ov, market, t, days_from_civil(y, m, d), price, qty);
    c().st.apply(ov.take());
  };
  trade("KAU-2025", 2025, 3, 2, 20'000, 1'000);
  trade("KAU-2026", 2025, 12, 30, 21'050, 2'000);  // any vintage counts
  trade("KAU-2025", 2025, 12, 30, 19'950, 7);
  trade("KCU", 2025, 6, 1, 90'000, 5'000);       // not a KAU market
  trade("KAU-2025", 2026, 1, 2, 90'000, 5'000);  // next year
  // (20,000,000 + 42,100,000 + 139,650) / 3,007 = 20,698.25: 20,698.
  auto p = ets::year_price(c().st, 2025);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->krw, 20'698u);
  EXPECT_EQ(p->source, "market");
  auto t = *ets_totals(c().st, 2025);
  EXPECT_EQ(t["avg_price_krw"], "20698");
  EXPECT_EQ(t["price_source"], "market");
  c().time_ms = kst(2026, 9, 2);
  ok({"moe.officers", "ets.compliance.settle", {{"year", 2025}}, {}});
  Json s = Json::parse(*c().get("ets/status/2025/bolt.ops"));
  EXPECT_EQ(s["shortfall"], "200");
  EXPECT_EQ(s["penalty_krw"], std::to_string(200 * 3 * 20'698));  // 3 x 20,698 < 100,000
  Json sum = Json::parse(*c().get("ets/settled/2025"));
  EXPECT_EQ(sum["avg_price_krw"], "20698");
  EXPECT_EQ(sum["price_source"], "market");
  EXPECT_EQ(sum["penalty_krw_per_t"], "62094");
  // Settled: the recorded price stays, whatever trades come later.
  trade("KAU-2025", 2025, 12, 31, 10'000, 100'000);
  EXPECT_EQ(ets::year_price(c().st, 2025)->krw, 20'698u);
  EXPECT_EQ((*ets_compliance_table(c().st, 2025))["price_source"], "market");
}

// The regulator's price overrides the market's average.
TEST_F(EtsTest, RegulatorPriceOverridesTheMarket) {
  basic();
  allocate("O-25", 2025, P({{"bolt.ops", 1000}}));
  certify("bolt.ops", 2025, 1100);
  ok({"bolt.ops", "ets.surrender", surrender_body(2025, P({{"KAU-2025", 1000}})), {}});
  Overlay ov(c().st);
  market::record_trade_data(ov, "KAU-2025", kst(2025, 5, 1) + 36'000'000,
                            days_from_civil(2025, 5, 1), 20'000, 10);
  c().st.apply(ov.take());
  EXPECT_EQ(ets::year_price(c().st, 2025)->source, "market");
  ok({"moe.officers", "ets.price.set", {{"year", 2025}, {"avg_price_krw", 12'345}}, {}});
  auto p = ets::year_price(c().st, 2025);
  EXPECT_EQ(p->krw, 12'345u);
  EXPECT_EQ(p->source, "regulator");
  c().time_ms = kst(2026, 9, 2);
  ok({"moe.officers", "ets.compliance.settle", {{"year", 2025}}, {}});
  Json sum = Json::parse(*c().get("ets/settled/2025"));
  EXPECT_EQ(sum["price_source"], "regulator");
  EXPECT_EQ(sum["penalty_krw"], std::to_string(100 * 3 * 12'345));
}

TEST_F(EtsTest, PositionReportAndRiskBands) {
  basic();
  allocate("O-25", 2025, P({{"acme.ops", 900}}));
  auto pos = [&]() { return *ets_position(c().st, "acme.ops", 2025); };
  EXPECT_EQ(pos()["risk"], "unknown");
  EXPECT_EQ(pos()["projection_source"], "none");
  auto project = [&](uint64_t t) {
    ok({"acme.ops", "ets.position.project", {{"year", 2025}, {"projected_tco2e", t}}, {}});
  };
  project(1000);  // gap 100 / 1000 = exactly 10 %: rising
  EXPECT_EQ(pos()["gap_t"], "100");
  EXPECT_EQ(pos()["gap_bp"], 1000);
  EXPECT_EQ(pos()["gap_pct"], "10.00");
  EXPECT_EQ(pos()["risk"], "rising");
  project(999);  // 99 / 999 = 9.90 %
  EXPECT_EQ(pos()["gap_pct"], "9.90");
  EXPECT_EQ(pos()["risk"], "stable");
  project(1286);  // 386 / 1286 = 30.01 %
  EXPECT_EQ(pos()["risk"], "high");
  EXPECT_EQ(pos()["gap_pct"], "30.01");
  project(1285);  // 385 / 1285 = 29.96 %
  EXPECT_EQ(pos()["risk"], "rising");
  project(800);  // surplus
  EXPECT_EQ(pos()["gap_t"], "-100");
  EXPECT_EQ(pos()["gap_pct"], "-12.50");
  EXPECT_EQ(pos()["risk"], "stable");
  // KCU count up to the room left under the cap (5 % of the projection without certification).
  ok({"moe.officers", "ets.kcu.issue", {{"to", "acme.ops"}, {"amount", 500}}, {}});
  project(1000);
  EXPECT_EQ(pos()["kcu_usable"], "50");
  EXPECT_EQ(pos()["usable"], "950");
  EXPECT_EQ(pos()["gap_t"], "50");
  EXPECT_EQ(pos()["risk"], "stable");
  // Surrendered units count as covered.
  certify("acme.ops", 2025, 1000);
  ok({"acme.ops", "ets.surrender", surrender_body(2025, P({{"KAU-2025", 400}, {"KCU", 50}})), {}});
  EXPECT_EQ(pos()["covered"], "950");
  EXPECT_EQ(pos()["kcu_usable"], "0");
  EXPECT_EQ(pos()["surrendered"]["kcu"], "50");
  EXPECT_EQ(pos()["holdings"]["kau"], "500");
  rejected({"coil.ops", "ets.position.project", {{"year", 2025}, {"projected_tco2e", 1}}, {}},
           "ets.not_designated");
  EXPECT_EQ(ets_position(c().st, "coil.ops", 2025).error().code, "ets.not_designated");
  EXPECT_EQ(ets_position(c().st, "acme.ops", 2040).error().code, "ets.unknown_year");
  EXPECT_EQ(ets_totals(c().st, 2040).error().code, "ets.unknown_year");
  EXPECT_EQ(ets_compliance_table(c().st, 2040).error().code, "ets.unknown_year");
}

TEST_F(EtsTest, PolicyCanNameEtsTypes) {
  // identity.policy.set accepts the ets types (they are registered handlers).
  ok({"moe.officers",
      "identity.policy.set",
      {{"type_thresholds", {{"ets.compliance.settle", 3}, {"ets.allocation.order", 2}}}},
      {}});
  EXPECT_EQ(load_account(c().st, "moe.officers")->threshold_for("ets.compliance.settle"), 3u);
  rejected({"moe.officers", "ets.kcu.issue", {{"to", "ghost"}, {"amount", 1}}, {}},
           "holdings.unknown_account");
  rejected({"moe.officers", "ets.kcu.issue", {{"to", "acme.ops"}, {"amount", 1}, {"x", 1}}, {}},
           "tx.unknown_field");
}

}  // namespace
}  // namespace tanso
