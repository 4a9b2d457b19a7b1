// Annual statements (core/mrv_statements.h) through the real executor, on top of real daily
// batches: submit -> correction with comments -> resubmit with a documented adjustment ->
// approve -> certify, the certified tonnes seen by the ETS module (position, compliance table,
// settlement), the precedence over ets.emissions.certify, the views, and every refusal, each
// checked to change nothing but the sender's nonce (mrv_fixture.h).
#include "core/mrv_statements.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "core/ets.h"
#include "mrv_fixture.h"

namespace tanso {
namespace {

using namespace mrv_testing;  // NOLINT(google-build-using-namespace): the shared fixture

const std::string kSubmit = "mrv.statement.submit", kAttest = "mrv.statement.attest",
                  kCertify = "mrv.statement.certify";
const std::string kEvidence(64, 'e');

// 2023 at Pohang (docs/MRV.md worked example): 06-01 boiler 21,619,483 g, gen 3,196,749 g, grid
// 417,300,000 g; 06-02 boiler 10,809,741 g (gm2's 5,000 Nm3 excluded, calibration lapsed).
constexpr uint64_t kBoiler = 21'619'483 + 10'809'741, kGen = 3'196'749, kGrid = 417'300'000;
constexpr uint64_t kTotal = kBoiler + kGen + kGrid;  // 452,925,973 g = 452.925973 t -> 453 t

Json target(const std::string& company, uint32_t year, uint64_t revision) {
  return {{"company", company}, {"year", year}, {"revision", revision}};
}
Json attest(uint64_t revision, const std::string& decision, const std::string& comments = "") {
  Json b = target("acme.ops", 2023, revision);
  b["decision"] = decision;
  if (!comments.empty()) b["comments"] = comments;
  return b;
}
Json submit(uint32_t year = 2023) { return {{"company", "acme.ops"}, {"year", year}}; }

class MrvStatementsTest : public MrvRegistryTest {
 protected:
  void batches_2023() {
    setup_pohang();
    ok("acme.edge", "mrv.batch.submit",
       batch("p.2023-06-01", "2023-06-01",
             {total("boiler", "gm1", "Nm3", 4'000'000), total("boiler", "gm2", "Nm3", 6'000'000),
              total("gen", "ds1", "t", 1'000, 24, 2, 1),
              total("grid", "pm1", "kWh", 1'000'000'000)}));
    ok("acme.edge", "mrv.batch.submit",
       batch("p.2023-06-02", "2023-06-02",
             {total("boiler", "gm1", "Nm3", 5'000'000), total("boiler", "gm2", "Nm3", 5'000'000)}));
  }
  // Submitted, approved by kver.ops: revision 1 awaits certification.
  void approved_2023() {
    batches_2023();
    ok("acme.ops", kSubmit, submit());
    ok("kver.ops", kAttest, attest(1, "approve"));
  }
  Json view(const std::string& company = "acme.ops", uint32_t year = 2023) {
    auto v = mrv_statement(c().st, company, year);
    EXPECT_TRUE(v) << (v ? "" : v.error().code);
    return v ? *v : Json(nullptr);
  }
};

TEST(MrvStatementTonnes, RoundHalfUpToWholeTonnes) {
  EXPECT_EQ(certified_tonnes(0), 0u);
  EXPECT_EQ(certified_tonnes(499'999), 0u);
  EXPECT_EQ(certified_tonnes(500'000), 1u);
  EXPECT_EQ(certified_tonnes(1'000'000), 1u);
  EXPECT_EQ(certified_tonnes(1'499'999), 1u);
  EXPECT_EQ(certified_tonnes(1'500'000), 2u);
  EXPECT_EQ(certified_tonnes(kTotal), 453u);
  EXPECT_EQ(certified_tonnes(uint64_t{1} << 62), 4'611'686'018'427u);  // ...427.387904 t
}

TEST_F(MrvStatementsTest, SubmitCorrectResubmitApproveCertifyFeedsTheEtsModule) {
  batches_2023();
  EXPECT_EQ(mrv_statements_pending(c().st)["statements"].size(), 0u);

  // Revision 1: the draft frozen, with its hash.
  Json b1 = submit();
  b1["revision"] = 1;
  ok("acme.edge", kSubmit, b1);
  Json h = get("mrv/stmt/acme.ops/2023");
  EXPECT_EQ(h["status"], "submitted");
  EXPECT_EQ(h["revision"], 1);
  ASSERT_EQ(h["revisions"].size(), 1u);
  EXPECT_EQ(h["revisions"][0]["submitted_by"], "acme.edge");
  EXPECT_EQ(h["revisions"][0]["height"], c().height);
  EXPECT_EQ(h["revisions"][0]["total_co2e_g"], S(kTotal));
  EXPECT_EQ(h["revisions"][0]["certified_tco2e"], "453");
  Json r1 = get("mrv/stmt_rev/acme.ops/2023/1");
  const Json& content1 = r1["content"];
  ASSERT_EQ(content1["rows"].size(), 3u);
  EXPECT_EQ(content1["rows"][0]["source"], "boiler");
  EXPECT_EQ(content1["rows"][0]["co2e_g"], S(kBoiler));
  EXPECT_EQ(content1["by_scope"]["1"], S(kBoiler + kGen));
  EXPECT_EQ(content1["by_scope"]["2"], S(kGrid));
  EXPECT_EQ(content1["by_fuel"]["electricity"], S(kGrid));
  EXPECT_EQ(content1["total_co2e_t"], "452.925973");
  EXPECT_EQ(content1["measured_total_co2e_g"], S(kTotal));
  // The hash is the canonical content's, recomputable by anyone from the state.
  EXPECT_EQ(r1["hash"], h["revisions"][0]["hash"]);
  EXPECT_EQ(r1["hash"], statement_hash(content1));
  EXPECT_EQ(r1["hash"], statement_hash(*statement_content(c().st, "acme.ops", 2023, Json())));
  EXPECT_EQ(statement_hash(content1).size(), 64u);
  Json pending = mrv_statements_pending(c().st)["statements"];
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0]["company"], "acme.ops");
  EXPECT_EQ(pending[0]["year"], 2023);
  EXPECT_EQ(pending[0]["revision"], 1);
  EXPECT_EQ(pending[0]["corrections"], 0);

  // The verifier asks for a correction, with comments.
  const std::string why = "gen: 2 gaps on 06-01, 1 substituted; 발전기 대체값 근거 제출 요망";
  ok("kver.ops", kAttest, attest(1, "correction", why));
  h = get("mrv/stmt/acme.ops/2023");
  EXPECT_EQ(h["status"], "correction_requested");
  const Json& a1 = h["revisions"][0]["attestation"];
  EXPECT_EQ(a1["decision"], "correction");
  EXPECT_EQ(a1["comments"], why);
  EXPECT_EQ(a1["by"], "kver.ops");
  EXPECT_EQ(a1["org"], "kver");
  EXPECT_EQ(a1["height"], c().height);
  EXPECT_EQ(a1["time_ms"], c().time_ms);
  EXPECT_TRUE(a1["evidence_hash"].is_null());
  EXPECT_EQ(mrv_statements_pending(c().st)["statements"].size(), 0u);

  // Revision 2 corrects the gen row (conservative substitute for the gaps), with evidence.
  Json b2 = submit();
  b2["revision"] = 2;
  b2["comment"] = "substitute values per the plan; fuel receipts attached";
  b2["adjustments"] = {{{"installation", "pohang"},
                        {"source", "gen"},
                        {"co2e_g", S(kGen + 100'000'000)},
                        {"reason", "2 gaps filled with the plan's conservative value"},
                        {"evidence_hash", kEvidence}}};
  ok("acme.ops", kSubmit, b2);
  Json r2 = get("mrv/stmt_rev/acme.ops/2023/2");
  const Json& gen = r2["content"]["rows"][1];
  EXPECT_EQ(gen["source"], "gen");
  EXPECT_EQ(gen["measured_co2e_g"], S(kGen));
  EXPECT_EQ(gen["co2e_g"], S(kGen + 100'000'000));
  EXPECT_EQ(gen["adjustment"]["evidence_hash"], kEvidence);
  EXPECT_EQ(r2["content"]["total_co2e_g"], S(kTotal + 100'000'000));
  EXPECT_EQ(r2["content"]["measured_total_co2e_g"], S(kTotal));
  EXPECT_EQ(r2["content"]["by_fuel"]["diesel"], S(kGen + 100'000'000));
  EXPECT_EQ(r2["content"]["certified_tco2e"], "553");
  EXPECT_EQ(r2["comment"], "substitute values per the plan; fuel receipts attached");
  EXPECT_NE(r2["hash"], r1["hash"]);
  pending = mrv_statements_pending(c().st)["statements"];
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0]["revision"], 2);
  EXPECT_EQ(pending[0]["corrections"], 1);
  EXPECT_EQ(pending[0]["certified_tco2e"], "553");

  Json a2 = attest(2, "approve", "reasonable assurance");
  a2["evidence_hash"] = std::string(64, 'f');
  ok("kver.ops", kAttest, a2);
  EXPECT_EQ(get("mrv/stmt/acme.ops/2023")["status"], "approved");

  // The regulator had certified a figure directly; the statement's certification replaces it.
  ok("moe.gir", "ets.emissions.certify", {{"company", "acme.ops"}, {"year", 2023}, {"tco2e", 400}});
  EXPECT_EQ(*c().st.get("ets/sum/2023/certified"), "400");
  ok("moe.gir", kCertify, target("acme.ops", 2023, 2));
  EXPECT_EQ(*c().st.get("ets/cert/2023/acme.ops"), "553");
  EXPECT_EQ(*c().st.get("ets/sum/2023/certified"), "553");
  EXPECT_EQ(*c().st.get("ets/sum/2023/certified_companies"), "1");
  EXPECT_EQ(*c().st.get("ets/cert_src/2023/acme.ops"), "mrv.statement revision 2");
  Json v = view();
  EXPECT_EQ(v["status"], "certified");
  EXPECT_EQ(v["certification"]["revision"], 2);
  EXPECT_EQ(v["certification"]["tco2e"], "553");
  EXPECT_EQ(v["certification"]["by"], "moe.gir");
  EXPECT_EQ(v["certification"]["height"], c().height);
  EXPECT_EQ(v["certification"]["replaced_tco2e"], "400");
  EXPECT_EQ(v["ets_certified_tco2e"], "553");
  ASSERT_EQ(v["revisions"].size(), 2u);
  EXPECT_EQ(v["revisions"][0]["attestation"]["comments"], why);
  EXPECT_EQ(v["revisions"][0]["content"]["total_co2e_g"], S(kTotal));
  EXPECT_EQ(v["revisions"][1]["attestation"]["decision"], "approve");
  EXPECT_EQ(v["revisions"][1]["content"]["rows"][1]["adjustment"]["reason"],
            "2 gaps filled with the plan's conservative value");

  // The ETS module sees the certified figure.
  auto pos = ets_position(c().st, "acme.ops", 2023);
  ASSERT_TRUE(pos);
  EXPECT_EQ((*pos)["certified_tco2e"], "553");
  auto table = ets_compliance_table(c().st, 2023);
  ASSERT_TRUE(table);
  bool seen = false;
  for (const auto& row : (*table)["rows"])
    if (row["company"] == "acme.ops") {
      seen = true;
      EXPECT_EQ(row["certified_tco2e"], "553");
    }
  EXPECT_TRUE(seen);

  // Final: no more submissions, attestations, certifications, nor direct ETS certification.
  rejected("moe.gir", "ets.emissions.certify",
           {{"company", "acme.ops"}, {"year", 2023}, {"tco2e", 1}}, "ets.certified_by_statement");
  rejected("acme.ops", kSubmit, submit(), "mrv.statement_certified");
  rejected("kver.ops", kAttest, attest(2, "approve"), "mrv.statement_certified");
  rejected("moe.gir", kCertify, target("acme.ops", 2023, 2), "mrv.statement_certified");

  // Settlement counts the certified obligation: nothing surrendered, 553 t short.
  ok("moe.gir", "ets.price.set", {{"year", 2023}, {"avg_price_krw", 25'000}});
  ok("moe.gir", "ets.compliance.settle", {{"year", 2023}});
  Json status = get("ets/status/2023/acme.ops");
  EXPECT_EQ(status["obligation"], "553");
  EXPECT_EQ(status["shortfall"], "553");
  EXPECT_EQ(status["penalty_krw"], S(553 * 75'000));
}

TEST_F(MrvStatementsTest, RefusalsChangeNothing) {
  batches_2023();
  // Roles (the permission table).
  rejected("kver.ops", kSubmit, submit(), "tx.unauthorized_type");
  rejected("moe.gir", kSubmit, submit(), "tx.unauthorized_type");
  rejected("acme.ops", kAttest, attest(1, "approve"), "tx.unauthorized_type");
  rejected("moe.gir", kAttest, attest(1, "approve"), "tx.unauthorized_type");
  rejected("kver.ops", kCertify, target("acme.ops", 2023, 1), "tx.unauthorized_type");
  rejected("acme.ops", kCertify, target("acme.ops", 2023, 1), "tx.unauthorized_type");
  // Nothing submitted yet.
  rejected("kver.ops", kAttest, attest(1, "approve"), "mrv.unknown_statement");
  rejected("moe.gir", kCertify, target("acme.ops", 2023, 1), "mrv.unknown_statement");
  EXPECT_EQ(mrv_statement(c().st, "acme.ops", 2023).error().code, "mrv.unknown_statement");
  EXPECT_EQ(mrv_statement(c().st, "acme.ops", 2023).error().http, 404);
  // Submission rules.
  rejected("beta.ops", kSubmit, submit(), "mrv.not_owner");
  rejected("beta.ops", kSubmit, {{"company", "beta.ops"}, {"year", 2023}}, "mrv.no_data");
  ok("acme.edge", "mrv.batch.submit",
     batch("p.2025-01-01", "2025-01-01", {total("boiler", "gm1", "Nm3", 1'000'000)}));
  ASSERT_EQ((*mrv_statement_draft(c().st, "acme.ops", 2025))["rows"].size(), 1u);
  rejected("acme.ops", kSubmit, submit(2025), "mrv.year_not_over");  // 2025 KST has begun
  Json b = submit();
  b["revision"] = 2;
  rejected("acme.ops", kSubmit, b, "mrv.statement_revision_mismatch");
  b = submit();
  b["adjustments"] = {{{"installation", "pohang"},
                       {"source", "kiln"},
                       {"co2e_g", "1"},
                       {"reason", "r"},
                       {"evidence_hash", kEvidence}}};
  rejected("acme.ops", kSubmit, b, "mrv.unknown_row");

  ok("acme.ops", kSubmit, submit());
  rejected("acme.edge", kSubmit, submit(), "mrv.statement_pending");
  rejected("moe.gir", kCertify, target("acme.ops", 2023, 1), "mrv.statement_not_approved");
  rejected("kver.ops", kAttest, attest(2, "approve"), "mrv.unknown_revision");
  rejected("moe.gir", kCertify, target("acme.ops", 2023, 3), "mrv.unknown_revision");

  ok("kver.ops", kAttest, attest(1, "correction", "grid meter reading of 06-01 looks doubled"));
  rejected("kver.ops", kAttest, attest(1, "approve"), "mrv.not_awaiting_attestation");
  rejected("moe.gir", kCertify, target("acme.ops", 2023, 1), "mrv.statement_not_approved");
  ok("acme.ops", kSubmit, submit());
  rejected("kver.ops", kAttest, attest(1, "approve"), "mrv.not_awaiting_attestation");
  ok("kver.ops", kAttest, attest(2, "approve"));
  rejected("kver.ops", kAttest, attest(2, "correction", "again"), "mrv.not_awaiting_attestation");
  rejected("moe.gir", kCertify, target("acme.ops", 2023, 1), "mrv.statement_not_approved");
  // A new revision after approval supersedes the approved one.
  ok("acme.ops", kSubmit, submit());
  rejected("moe.gir", kCertify, target("acme.ops", 2023, 2), "mrv.statement_not_approved");
  ok("kver.ops", kAttest, attest(3, "approve"));
  ok("moe.gir", kCertify, target("acme.ops", 2023, 3));
  rejected("moe.gir", kCertify, target("acme.ops", 2023, 3), "mrv.statement_certified");
  EXPECT_EQ(*c().st.get("ets/cert/2023/acme.ops"), "453");
}

TEST_F(MrvStatementsTest, StrictBodies) {
  batches_2023();
  auto bad_submit = [&](const std::function<void(Json&)>& f,
                        const std::string& code = "tx.malformed") {
    Json b = submit();
    b["adjustments"] = {{{"installation", "pohang"},
                         {"source", "gen"},
                         {"co2e_g", "1"},
                         {"reason", "r"},
                         {"evidence_hash", kEvidence}}};
    f(b);
    rejected("acme.ops", kSubmit, b, code);
  };
  bad_submit([](Json& b) { b["year"] = 1999; });
  bad_submit([](Json& b) { b.erase("company"); });
  bad_submit([](Json& b) { b["revision"] = 0; });
  bad_submit([](Json& b) { b["comment"] = std::string(2001, 'x'); });
  bad_submit([](Json& b) { b["adjustments"][0]["evidence_hash"] = std::string(64, 'E'); });
  bad_submit([](Json& b) { b["adjustments"][0]["reason"] = ""; });
  bad_submit([](Json& b) { b["adjustments"][0]["co2e_g"] = -1; });
  bad_submit([](Json& b) { b["adjustments"].push_back(b["adjustments"][0]); });
  bad_submit([](Json& b) { b["adjustments"] = "all"; });
  bad_submit([](Json& b) { b["adjustments"][0]["x"] = 1; }, "tx.unknown_field");
  bad_submit([](Json& b) { b["x"] = 1; }, "tx.unknown_field");

  ok("acme.ops", kSubmit, submit());
  auto bad_attest = [&](const std::function<void(Json&)>& f,
                        const std::string& code = "tx.malformed") {
    Json b = attest(1, "correction", "fix it");
    f(b);
    rejected("kver.ops", kAttest, b, code);
  };
  bad_attest([](Json& b) { b.erase("comments"); });  // a correction needs comments
  bad_attest([](Json& b) { b["comments"] = " \n "; });
  bad_attest([](Json& b) { b["comments"] = std::string(2001, 'x'); });
  bad_attest([](Json& b) { b["decision"] = "reject"; });
  bad_attest([](Json& b) { b.erase("revision"); });
  bad_attest([](Json& b) { b["evidence_hash"] = "abc"; });
  bad_attest([](Json& b) { b["x"] = 1; }, "tx.unknown_field");
  rejected("moe.gir", kCertify, {{"company", "acme.ops"}, {"year", 2023}}, "tx.malformed");
  rejected("moe.gir", kCertify,
           {{"company", "acme.ops"}, {"year", 2023}, {"revision", 1}, {"x", 1}},
           "tx.unknown_field");
  EXPECT_EQ(get("mrv/stmt/acme.ops/2023")["status"], "submitted");
  EXPECT_EQ(mrv_statement(c().st, "acme.ops", 1999).error().code, "tx.malformed");
}

TEST_F(MrvStatementsTest, OwnOrgMayNeverAttest) {
  // A network that lets companies attest (say, peers reviewing each other) still never lets a
  // company's own org attest its statement.
  Json g = base_genesis();
  g["params"] = {{"permissions", {{"mrv.statement.attest", {"verifier", "company"}}}}};
  start(g);
  batches_2023();
  ok("acme.ops", kSubmit, submit());
  rejected("acme.ops", kAttest, attest(1, "approve"), "mrv.own_statement");
  rejected("acme.edge", kAttest, attest(1, "approve"), "mrv.own_statement");
  ok("beta.ops", kAttest, attest(1, "approve"));
  EXPECT_EQ(get("mrv/stmt/acme.ops/2023")["revisions"][0]["attestation"]["org"], "beta");
}

TEST_F(MrvStatementsTest, CertificationFollowsTheEtsRules) {
  approved_2023();
  // 2023 settled before certification (its deadline, 2024-08-31 KST, has passed): too late.
  ok("moe.gir", "ets.compliance.settle", {{"year", 2023}});
  rejected("moe.gir", kCertify, target("acme.ops", 2023, 1), "ets.already_settled");
  EXPECT_EQ(get("mrv/stmt/acme.ops/2023")["status"], "approved");
  EXPECT_FALSE(c().st.get("ets/cert/2023/acme.ops"));
}

TEST_F(MrvStatementsTest, UndesignatedYearIsRefusedByTheEtsRules) {
  approved_2023();
  ok("moe.gir", "ets.undesignate", {{"company", "acme.ops"}, {"last_year", 2022}});
  rejected("moe.gir", kCertify, target("acme.ops", 2023, 1), "ets.not_designated");
}

}  // namespace
}  // namespace tanso
