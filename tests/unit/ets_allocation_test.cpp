// Allocation preview (ets/allocation.h): grandfathering, benchmark and auction share computed by
// hand, the single floor of the documented rounding, missing base years, ETRS-over-NGMS and
// conflicting figures, the cap, the `ets.allocation.order` body exactly as the ledger module
// expects it, and a basis hash that does not drift. Also the demo preview from the sample files.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "core/crypto.h"
#include "core/limits.h"
#include "ets/allocation.h"

namespace tanso::ets {
namespace {

class EtsAllocation : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { init_crypto(); }
};

EmissionRecord rec(const std::string& name, uint32_t year, uint64_t t, Format f = Format::kNgms,
                   size_t line = 2) {
  EmissionRecord r;
  r.company_name = name;
  r.year = year;
  r.emissions_t = t;
  r.source_format = f;
  r.line = line;
  return r;
}

Company gf(const std::string& account, const std::string& name) {
  return Company{account, name, Method::kGrandfathering, 0, 0};
}

AllocationSettings settings(uint64_t adjust_ppm = 970'000, uint64_t auction_ppm = 30'000,
                            uint64_t cap = 100'000'000) {
  AllocationSettings s;
  s.year = 2026;
  s.base_year_first = 2017;
  s.base_year_last = 2019;
  s.adjustment_ppm = adjust_ppm;
  s.auction_share_ppm = auction_ppm;
  s.cap_t = cap;
  return s;
}

std::vector<std::string> codes(const std::vector<Warning>& ws) {
  std::vector<std::string> out;
  for (const auto& w : ws) out.push_back(w.code);
  return out;
}

std::string sample(const std::string& name) {
  std::ifstream f(std::string(TANSO_SAMPLES) + "/ets/" + name, std::ios::binary);
  EXPECT_TRUE(f) << "missing sample " << name;
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

TEST_F(EtsAllocation, GrandfatheringByHand) {
  // (100,000 + 110,000 + 120,001) x 0.97 / 3 = 106,700.32... -> 106,700;
  // auction 2.5 %: free = floor(106,700 x 0.975) = floor(104,032.5) = 104,032; auctioned 2,668.
  std::vector<EmissionRecord> h = {rec("(주)가", 2017, 100'000), rec("(주)가", 2018, 110'000),
                                   rec("(주)가", 2019, 120'001),
                                   rec("(주)가", 2016, 999'999),     // outside the base years
                                   rec("(주)나", 2018, 5'000'000)};  // not allocated to
  std::vector<Company> cs = {gf("acme", "(주)가")};
  auto p = preview_allocation(h, cs, settings(970'000, 25'000));
  ASSERT_TRUE(p.ok()) << p.error().message;
  ASSERT_EQ(p->companies.size(), 1u);
  const auto& a = p->companies[0];
  EXPECT_EQ(a.base_years.size(), 3u);
  EXPECT_TRUE(a.years_missing.empty());
  EXPECT_EQ(a.base_total_t, 330'001u);
  EXPECT_EQ(a.base_average_t, 110'000u);
  EXPECT_EQ(a.gross_t, 106'700u);
  EXPECT_EQ(a.free_t, 104'032u);
  EXPECT_EQ(a.auctioned_t, 2'668u);
  EXPECT_EQ(codes(a.warnings), std::vector<std::string>{"below_designation_guidance"});
  EXPECT_EQ(p->total_gross_t, 106'700u);
  EXPECT_EQ(p->total_free_t, 104'032u);
  EXPECT_EQ(p->total_auctioned_t, 2'668u);
  EXPECT_FALSE(p->exceeds_cap);
}

TEST_F(EtsAllocation, RoundingIsOneFloorOverTheExactProduct) {
  // 10 t over 3 years x 0.9: floor(10 x 0.9 / 3) = floor(3.0) = 3, where averaging first would
  // give floor(floor(10 / 3) x 0.9) = floor(2.7) = 2.
  std::vector<EmissionRecord> h = {rec("x", 2017, 3), rec("x", 2018, 3), rec("x", 2019, 4)};
  std::vector<Company> cs = {gf("x", "x")};
  auto p = preview_allocation(h, cs, settings(900'000, 0));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->companies[0].gross_t, 3u);
  EXPECT_EQ(p->companies[0].free_t, 3u);
  // Auction share rounds the free part down: 3 x (1 - 0.5) = 1.5 -> free 1, auctioned 2.
  p = preview_allocation(h, cs, settings(900'000, 500'000));
  EXPECT_EQ(p->companies[0].free_t, 1u);
  EXPECT_EQ(p->companies[0].auctioned_t, 2u);
  // Whole auction: nothing free.
  p = preview_allocation(h, cs, settings(1'000'000, 1'000'000));
  EXPECT_EQ(p->companies[0].gross_t, 3u);
  EXPECT_EQ(p->companies[0].free_t, 0u);
  EXPECT_EQ(p->companies[0].auctioned_t, 3u);
}

TEST_F(EtsAllocation, BenchmarkByHand) {
  // 1,234,567 t clinker x 866,321 gCO2e/t = 1,069,531,318,007 g -> 1,069,531 t;
  // auction 2.5 %: free floor(1,042,792.7...) = 1,042,792, auctioned 26,739. The adjustment
  // factor does not apply to benchmark allocation; history is shown but not used.
  std::vector<EmissionRecord> h = {rec("(주)시멘트", 2018, 900'000)};
  std::vector<Company> cs = {{"cement", "(주)시멘트", Method::kBenchmark, 1'234'567, 866'321}};
  auto p = preview_allocation(h, cs, settings(500'000, 25'000));
  ASSERT_TRUE(p.ok()) << p.error().message;
  const auto& a = p->companies[0];
  EXPECT_EQ(a.gross_t, 1'069'531u);
  EXPECT_EQ(a.free_t, 1'042'792u);
  EXPECT_EQ(a.auctioned_t, 26'739u);
  EXPECT_EQ(a.base_years.size(), 1u);
  EXPECT_TRUE(a.warnings.empty());  // no missing-year warning for benchmark
  Json j = preview_json(*p);
  EXPECT_EQ(j["companies"][0]["activity"], "1234567");
  EXPECT_EQ(j["companies"][0]["benchmark_g_per_unit"], "866321");
  EXPECT_EQ(j["companies"][0]["method"], "benchmark");
}

TEST_F(EtsAllocation, MissingBaseYears) {
  // 2018 missing: (200,000 + 300,000) x 1 / 2 = 250,000.
  std::vector<EmissionRecord> h = {rec("a", 2017, 200'000), rec("a", 2019, 300'000)};
  std::vector<Company> cs = {gf("a", "a"), gf("b", "b")};
  auto p = preview_allocation(h, cs, settings(1'000'000, 0));
  ASSERT_TRUE(p.ok());
  const auto& a = p->companies[0];
  EXPECT_EQ(a.years_missing, std::vector<uint32_t>{2018});
  EXPECT_EQ(a.gross_t, 250'000u);
  EXPECT_EQ(codes(a.warnings), std::vector<std::string>{"missing_base_years"});
  // No history at all: nothing allocated, left out of the order.
  const auto& b = p->companies[1];
  EXPECT_EQ(b.years_missing, (std::vector<uint32_t>{2017, 2018, 2019}));
  EXPECT_EQ(b.gross_t, 0u);
  EXPECT_EQ(codes(b.warnings), (std::vector<std::string>{"no_history", "zero_allocation"}));
  auto body = allocation_order_body(*p, "o-1");
  ASSERT_TRUE(body.ok());
  EXPECT_EQ((*body)["entries"], Json::parse(R"([["a","250000"]])"));
}

TEST_F(EtsAllocation, EtrsFiguresWinAndConflictsAreRefused) {
  std::vector<EmissionRecord> h = {
      rec("a", 2018, 200'000, Format::kNgms), rec("a", 2018, 210'000, Format::kEtrs),
      rec("a", 2019, 300'000, Format::kEtrs), rec("a", 2019, 290'000, Format::kNgms)};
  std::vector<Company> cs = {gf("a", "a")};
  AllocationSettings s = settings(1'000'000, 0);
  s.base_year_first = 2018;
  auto p = preview_allocation(h, cs, s);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->companies[0].base_total_t, 510'000u);
  EXPECT_EQ(p->companies[0].base_years[0].source, Format::kEtrs);
  // The same figure twice (two overlapping files) is fine; two different ones are not.
  h.push_back(rec("a", 2019, 300'000, Format::kEtrs, 7));
  EXPECT_TRUE(preview_allocation(h, cs, s).ok());
  h.push_back(rec("a", 2019, 300'001, Format::kEtrs, 9));
  auto bad = preview_allocation(h, cs, s);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "allocation.conflicting_history");
  EXPECT_NE(bad.error().message.find("line 9"), std::string::npos) << bad.error().message;
}

TEST_F(EtsAllocation, Cap) {
  std::vector<EmissionRecord> h = {rec("a", 2017, 300'000), rec("a", 2018, 300'000),
                                   rec("a", 2019, 300'000), rec("b", 2018, 200'000)};
  std::vector<Company> cs = {gf("a", "a"), gf("b", "b")};
  // Total gross 500,000 (free + auctioned) against the cap.
  auto at = preview_allocation(h, cs, settings(1'000'000, 100'000, 500'000));
  ASSERT_TRUE(at.ok());
  EXPECT_EQ(at->total_gross_t, 500'000u);
  EXPECT_EQ(at->total_free_t, 450'000u);
  EXPECT_EQ(at->total_auctioned_t, 50'000u);
  EXPECT_FALSE(at->exceeds_cap);
  EXPECT_TRUE(at->warnings.empty());
  EXPECT_TRUE(allocation_order_body(*at, "o").ok());

  auto over = preview_allocation(h, cs, settings(1'000'000, 100'000, 499'999));
  ASSERT_TRUE(over.ok());
  EXPECT_TRUE(over->exceeds_cap);
  EXPECT_EQ(codes(over->warnings), std::vector<std::string>{"exceeds_cap"});
  EXPECT_EQ(preview_json(*over)["exceeds_cap"], true);
  auto body = allocation_order_body(*over, "o");
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(body.error().code, "allocation.above_cap");
}

// The contract with the ledger module: tx type ets.allocation.order, body
// {"order", "year", "entries": [[account, amount]...], "basis"}.
TEST_F(EtsAllocation, OrderBodyExactly) {
  std::vector<EmissionRecord> h = {rec("(주)가", 2017, 150'000), rec("(주)가", 2018, 150'000),
                                   rec("(주)가", 2019, 150'000), rec("(주)나", 2019, 200'001)};
  std::vector<Company> cs = {gf("kor-a", "(주)가"), gf("kor-b", "(주)나"), gf("kor-c", "(주)다")};
  auto p = preview_allocation(h, cs, settings(970'000, 30'000, 1'000'000));
  ASSERT_TRUE(p.ok());
  // a: 150,000 x 0.97 = 145,500 -> free floor(141,135) = 141,135;
  // b: 200,001 x 0.97 = 194,000.97 -> 194,000 -> free 188,180; c: nothing, left out.
  auto body = allocation_order_body(*p, "alloc-2026-01");
  ASSERT_TRUE(body.ok()) << body.error().message;
  std::string basis = preview_basis(*p);
  EXPECT_EQ(body->dump(), R"({"basis":")" + basis +
                              R"(","entries":[["kor-a","141135"],["kor-b","188180"]],)"
                              R"("order":"alloc-2026-01","year":2026})");
  EXPECT_EQ(body->size(), 4u);
  // Parsed the way the ledger reads it.
  EXPECT_EQ((*body)["year"].get<uint32_t>(), 2026u);
  EXPECT_EQ(json_u64((*body)["entries"][1][1]), 188'180u);

  for (const char* bad : {"", "has space", "über"}) {
    auto b = allocation_order_body(*p, bad);
    ASSERT_FALSE(b.ok());
    EXPECT_EQ(b.error().code, "allocation.bad_order_id");
  }
  std::vector<Company> none = {gf("kor-c", "(주)다")};
  auto empty = preview_allocation(h, none, settings());
  auto e = allocation_order_body(*empty, "o");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code, "allocation.empty_order");
}

TEST_F(EtsAllocation, BasisIsTheHashOfTheCanonicalPreview) {
  std::vector<EmissionRecord> h = {rec("(주)가", 2017, 150'000),
                                   rec("(주)가", 2018, 160'000, Format::kEtrs)};
  std::vector<Company> cs = {gf("kor-a", "(주)가")};
  AllocationSettings s = settings(970'000, 30'000, 1'000'000);
  s.base_year_last = 2018;
  auto p = preview_allocation(h, cs, s);
  ASSERT_TRUE(p.ok());
  // The canonical text: keys sorted, no whitespace, quantities as strings, warnings as codes.
  const std::string canonical =
      R"({"companies":[{"account":"kor-a","auctioned_t":"4511","base_average_t":"155000",)"
      R"("base_total_t":"310000","base_years":[{"emissions_t":"150000","source":"ngms",)"
      R"("year":2017},{"emissions_t":"160000","source":"etrs","year":2018}],)"
      R"("free_t":"145839","gross_t":"150350","method":"grandfathering","name":"(주)가",)"
      R"("warnings":[],"years_missing":[]}],"exceeds_cap":false,"settings":{"adjustment_ppm":)"
      R"("970000","auction_share_ppm":"30000","base_years":[2017,2018],"cap_t":"1000000",)"
      R"("year":2026},"totals":{"auctioned_t":"4511","free_t":"145839","gross_t":"150350"},)"
      R"("version":"tanso.ets.allocation_preview/1","warnings":[]})";
  EXPECT_EQ(preview_json(*p).dump(), canonical);
  EXPECT_EQ(preview_basis(*p), to_hex(sha256(canonical)));
  // Pinned: a change here changes every order's basis; do it on purpose (bump "version").
  EXPECT_EQ(preview_basis(*p), "b602d44e9aa474458ed935b284bb397e412dda1d5e5791e734e110c06c06b006");
  // The same inputs give the same basis; any input change gives another.
  EXPECT_EQ(preview_basis(*preview_allocation(h, cs, s)), preview_basis(*p));
  s.auction_share_ppm = 30'001;
  EXPECT_NE(preview_basis(*preview_allocation(h, cs, s)), preview_basis(*p));
}

TEST_F(EtsAllocation, SettingsAndCompaniesAreChecked) {
  std::vector<EmissionRecord> h;
  std::vector<Company> cs = {gf("a", "a")};
  auto code = [&](AllocationSettings s, std::vector<Company> c) {
    auto p = preview_allocation(h, c, s);
    return p.ok() ? std::string("ok") : p.error().code;
  };
  EXPECT_EQ(code(settings(), cs), "ok");
  AllocationSettings s = settings();
  s.base_year_first = 2020;
  EXPECT_EQ(code(s, cs), "allocation.bad_settings");  // first > last
  s = settings();
  s.base_year_last = 2026;
  EXPECT_EQ(code(s, cs), "allocation.bad_settings");  // not before the year
  s = settings();
  s.base_year_first = 2000;
  EXPECT_EQ(code(s, cs), "allocation.bad_settings");  // 20 years
  EXPECT_EQ(code(settings(0), cs), "allocation.bad_settings");
  EXPECT_EQ(code(settings(1'000'001), cs), "allocation.bad_settings");
  EXPECT_EQ(code(settings(970'000, 1'000'001), cs), "allocation.bad_settings");
  EXPECT_EQ(code(settings(970'000, 0, 0), cs), "allocation.bad_settings");
  EXPECT_EQ(code(settings(), {}), "allocation.bad_company");
  EXPECT_EQ(code(settings(), {gf("bad id", "a")}), "allocation.bad_company");
  EXPECT_EQ(code(settings(), {gf("a", "")}), "allocation.bad_company");
  EXPECT_EQ(code(settings(), {{"a", "a", Method::kBenchmark, 0, 5}}), "allocation.bad_company");
  EXPECT_EQ(code(settings(), {{"a", "a", Method::kGrandfathering, 5, 0}}),
            "allocation.bad_company");
  EXPECT_EQ(code(settings(), {{"a", "a", Method::kBenchmark, limits::quantity_max, 2'000'000}}),
            "allocation.bad_company");
  EXPECT_EQ(code(settings(), {gf("a", "x"), gf("a", "y")}), "allocation.duplicate_company");
  EXPECT_EQ(code(settings(), {gf("a", "x"), gf("b", "x")}), "allocation.duplicate_company");
}

TEST_F(EtsAllocation, OrderBodySizeLimit) {
  auto order_for = [](int n, size_t id_chars) {
    std::vector<EmissionRecord> h;
    std::vector<Company> cs;
    for (int i = 0; i < n; ++i) {
      std::string num = std::to_string(i);
      cs.push_back(gf(std::string(id_chars - num.size(), 'a') + num, num));
      h.push_back(rec(num, 2018, 1'000'000'000));
    }
    auto p = preview_allocation(h, cs, settings(1'000'000, 0, tanso::limits::amount_max));
    EXPECT_TRUE(p.ok());
    return allocation_order_body(*p, "o");
  };
  // 1,000 companies with 12-character accounts fit (~31 KB); 1,500 with 40 characters do not.
  auto fits = order_for(1000, 12);
  ASSERT_TRUE(fits.ok()) << fits.error().message;
  EXPECT_LE(fits->dump().size(), limits::order_body_bytes_max);
  auto big = order_for(1500, 40);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code, "allocation.order_too_large");
}

TEST_F(EtsAllocation, CompaniesJson) {
  auto cs = companies_from_json(Json::parse(sample("companies.json")));
  ASSERT_TRUE(cs.ok()) << cs.error().message;
  ASSERT_EQ(cs->size(), 4u);
  EXPECT_EQ((*cs)[0].account, "hanbit-steel");
  EXPECT_EQ((*cs)[0].name, "(주)한빛제철");
  EXPECT_EQ((*cs)[3].account, "nuri-power");
  auto b = companies_from_json(Json::parse(
      R"([{"account":"c","name":"n","method":"benchmark","activity":"1,2","benchmark_g_per_unit":5}])"));
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().code, "allocation.bad_company");
  b = companies_from_json(Json::parse(
      R"([{"account":"c","name":"n","method":"benchmark","activity":"12","benchmark_g_per_unit":5}])"));
  ASSERT_TRUE(b.ok());
  EXPECT_EQ((*b)[0].activity, 12u);
  for (const char* bad :
       {R"({"companies":[{"account":"c","name":"n","method":"auction"}]})",
        R"({"companies":[{"account":"c","name":"n","method":"grandfathering","x":1}]})",
        R"({"companies":[{"account":"c","method":"grandfathering"}]})", R"({"list":[]})",
        R"("companies")"}) {
    auto r = companies_from_json(Json::parse(bad));
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, "allocation.bad_company") << bad;
  }
  auto d =
      companies_from_json(Json::parse(R"([{"account":"c","name":"n","method":"grandfathering"},)"
                                      R"({"account":"c","name":"m","method":"grandfathering"}])"));
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().code, "allocation.duplicate_company");
}

TEST_F(EtsAllocation, RatiosAndYearRanges) {
  EXPECT_EQ(*parse_ratio_ppm("0.97"), 970'000u);
  EXPECT_EQ(*parse_ratio_ppm("0.03"), 30'000u);
  EXPECT_EQ(*parse_ratio_ppm("1"), 1'000'000u);
  EXPECT_EQ(*parse_ratio_ppm("0"), 0u);
  EXPECT_EQ(*parse_ratio_ppm("0.000001"), 1u);
  for (const char* bad : {"1.01", "0.0000001", "-0.5", "97%", "", "0,97"}) {
    auto r = parse_ratio_ppm(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, "allocation.bad_settings");
  }
  EXPECT_EQ(*parse_year_range("2017-2019"), std::make_pair(2017u, 2019u));
  EXPECT_EQ(*parse_year_range("2018"), std::make_pair(2018u, 2018u));
  for (const char* bad : {"2019-2017", "17-19", "2017-", "2017-2019-2020", "abcd", "1800"})
    EXPECT_FALSE(parse_year_range(bad).ok()) << bad;
}

// The demo: the sample files and companies, grandfathering for 2026 from 2017-2019, adjustment
// 0.97, auction share 0.03 (the numbers docs and the demo genesis rely on).
TEST_F(EtsAllocation, DemoPreviewFromTheSamples) {
  std::vector<EmissionRecord> h;
  for (const char* f : {"ngms_2018.csv", "etrs_2018.tsv", "ngms_2018_cp949.csv"}) {
    ImportReport r = import_history(sample(f));
    ASSERT_FALSE(r.refused) << f;
    h.insert(h.end(), r.records.begin(), r.records.end());
  }
  auto cs = companies_from_json(Json::parse(sample("companies.json")));
  ASSERT_TRUE(cs.ok());
  auto p = preview_allocation(h, *cs, settings(970'000, 30'000, 6'000'000));
  ASSERT_TRUE(p.ok()) << p.error().message;
  struct Want {
    const char* account;
    uint64_t total, gross, free, auctioned;
  };
  // e.g. hanbit-steel: 1,250,400 + 1,312,750 + 1,288,020 = 3,851,170; x 0.97 / 3 = 1,245,211.6
  // -> 1,245,211; free floor(1,245,211 x 0.97) = 1,207,854; auctioned 37,357.
  const Want want[] = {{"hanbit-steel", 3'851'170, 1'245'211, 1'207'854, 37'357},
                       {"daehan-cement", 2'533'350, 819'116, 794'542, 24'574},
                       {"seoul-petrochem", 1'817'505, 587'659, 570'029, 17'630},
                       {"nuri-power", 6'480'820, 2'095'465, 2'032'601, 62'864}};
  ASSERT_EQ(p->companies.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    const auto& c = p->companies[i];
    EXPECT_EQ(c.account, want[i].account);
    EXPECT_EQ(c.base_total_t, want[i].total) << c.account;
    EXPECT_EQ(c.gross_t, want[i].gross) << c.account;
    EXPECT_EQ(c.free_t, want[i].free) << c.account;
    EXPECT_EQ(c.auctioned_t, want[i].auctioned) << c.account;
    EXPECT_TRUE(c.warnings.empty()) << c.account;
    EXPECT_EQ(c.base_years[1].source, Format::kEtrs);  // 2018: the ETRS certified figure
  }
  EXPECT_EQ(p->total_gross_t, 4'747'451u);
  EXPECT_EQ(p->total_free_t, 4'605'026u);
  EXPECT_EQ(p->total_auctioned_t, 142'425u);
  EXPECT_FALSE(p->exceeds_cap);
}

}  // namespace
}  // namespace tanso::ets
