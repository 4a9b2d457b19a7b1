// Historical emissions import (ets/csv.h, ets/history.h): UTF-8 with and without BOM and CP949
// (the committed sample), CRLF, RFC 4180 quotes, tab-separated tables as published, thousands
// separators, every error code with its line and column, the skip-bad-rows listing, the size
// limits at their boundaries, and the three real rows of seed 002 parsed to their exact numbers.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "ets/history.h"

namespace tanso::ets {
namespace {

std::string sample(const std::string& name) {
  std::ifstream f(std::string(TANSO_SAMPLES) + "/ets/" + name, std::ios::binary);
  EXPECT_TRUE(f) << "missing sample " << name;
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

const std::string kNgmsHeader =
    "번호,관장기관,관리업체,대상연도,지정구분,지정업종,온실가스 배출량(tCO2),에너지 사용량(TJ),"
    "검증수행기관,비고\n";
const std::string kEtrsHeader =
    "부문\t업종\t업체명\t이행연도\t인증 배출량(톤)\t배출권 제출량(톤)\n";

// A good NGMS row for company `name`.
std::string ngms_row(const std::string& name, const std::string& year = "2018",
                     const std::string& t = "\"150,000\"") {
  return "1,산업통상자원부," + name + "," + year + ",업체,철강," + t + ",\"2,000\",검증원,\n";
}

std::string summary(const ImportReport& r) {
  std::string s;
  for (const auto& e : r.errors)
    s += std::to_string(e.line) + " " + e.code + " [" + e.column + "] " + e.message + "\n";
  return s;
}

void expect_one_error(const ImportReport& r, const std::string& code, size_t line,
                      const std::string& column = "") {
  EXPECT_TRUE(r.refused);
  EXPECT_TRUE(r.records.empty());
  ASSERT_EQ(r.errors.size(), 1u) << summary(r);
  EXPECT_EQ(r.errors[0].code, code) << summary(r);
  EXPECT_EQ(r.errors[0].line, line) << summary(r);
  EXPECT_EQ(r.errors[0].column, column) << summary(r);
}

// --- the three real rows of seed 002 ---------------------------------------------------------

TEST(EtsImport, NgmsSampleHasTheTwoRealRowsExactly) {
  ImportReport r = import_history(sample("ngms_2018.csv"));
  ASSERT_FALSE(r.refused) << summary(r);
  EXPECT_EQ(r.format, Format::kNgms);
  EXPECT_EQ(r.encoding, Encoding::kUtf8);
  EXPECT_EQ(r.delimiter, ',');
  ASSERT_EQ(r.records.size(), 14u);
  EXPECT_TRUE(r.errors.empty());

  const EmissionRecord& hj = r.records[0];
  EXPECT_EQ(hj.company_name, "(주)HJ매그놀리아용평호텔앤리조트");
  EXPECT_EQ(hj.year, 2018u);
  EXPECT_EQ(hj.emissions_t, 32776u);
  EXPECT_EQ(hj.energy_mtj, 649'000u);
  EXPECT_EQ(hj.agency, "국토교통부");
  EXPECT_EQ(hj.designation_kind, "사업장");
  EXPECT_EQ(hj.sector, "건물");
  EXPECT_EQ(hj.verifier, "(재)한국품질재단");
  EXPECT_FALSE(hj.surrendered_t);
  EXPECT_EQ(hj.source_format, Format::kNgms);
  EXPECT_EQ(hj.line, 2u);

  const EmissionRecord& kl = r.records[1];
  EXPECT_EQ(kl.company_name, "(주)강원랜드");
  EXPECT_EQ(kl.year, 2018u);
  EXPECT_EQ(kl.emissions_t, 76114u);
  EXPECT_EQ(kl.energy_mtj, 1'534'000u);
  EXPECT_EQ(kl.verifier, "한국표준협회");
  EXPECT_EQ(kl.line, 3u);

  // A fictional demo row with fractional TJ, stored exactly in milli-TJ.
  EXPECT_EQ(r.records[2].company_name, "(주)한빛제철");
  EXPECT_EQ(r.records[2].year, 2017u);
  EXPECT_EQ(r.records[2].emissions_t, 1'250'400u);
  EXPECT_EQ(r.records[2].energy_mtj, 17'930'500u);
  EXPECT_EQ(r.records[13].energy_mtj, 30'958'125u);
}

TEST(EtsImport, EtrsSampleHasTheRealRowExactly) {
  ImportReport r = import_history(sample("etrs_2018.tsv"));
  ASSERT_FALSE(r.refused) << summary(r);
  EXPECT_EQ(r.format, Format::kEtrs);
  EXPECT_EQ(r.delimiter, '\t');
  ASSERT_EQ(r.records.size(), 9u);
  const EmissionRecord& sk = r.records[0];
  EXPECT_EQ(sk.company_name, "(유)에스케이씨에보닉페룩사이드코리아");
  EXPECT_EQ(sk.year, 2018u);
  EXPECT_EQ(sk.emissions_t, 58372u);
  EXPECT_EQ(sk.surrendered_t, 58372u);
  EXPECT_EQ(sk.division, "산업");
  EXPECT_EQ(sk.sector, "석유화학(기초화학물질 제조업)");
  EXPECT_FALSE(sk.energy_mtj);
  EXPECT_FALSE(sk.verifier);
  EXPECT_EQ(sk.source_format, Format::kEtrs);
  EXPECT_EQ(sk.line, 2u);
}

// The tables exactly as seed 002 prints them: a title line, a blank line, tab-separated, and a
// trailing tab for the empty 비고.
TEST(EtsImport, SeedTablesPastedVerbatim) {
  std::string ngms =
      "<국가 온실가스 종합 관리 시스템(NGMS) - 업체별 명세서 주요 정보 (2019.08.08)>\n\n"
      "번호\t관장기관\t관리업체\t대상연도\t지정구분\t지정업종\t온실가스 배출량(tCO2)\t"
      "에너지 사용량(TJ)\t검증수행기관\t비고\n"
      "1\t국토교통부\t(주)HJ매그놀리아용평호텔앤리조트\t2018\t사업장\t건물\t32,776\t649\t"
      "(재)한국품질재단\t\n"
      "2\t국토교통부\t(주)강원랜드\t2018\t사업장\t건물\t76,114\t1,534\t한국표준협회\t\n";
  ImportReport r = import_history(ngms);
  ASSERT_FALSE(r.refused) << summary(r);
  EXPECT_EQ(r.delimiter, '\t');
  ASSERT_EQ(r.records.size(), 2u);
  EXPECT_EQ(r.records[0].emissions_t, 32776u);
  EXPECT_EQ(r.records[0].line, 4u);
  EXPECT_EQ(r.records[1].energy_mtj, 1'534'000u);

  std::string etrs =
      "<ETRS 배출권 등록부 시스템 - 정보공개 (배출권 총수량)>\n\n" + kEtrsHeader +
      "산업\t석유화학(기초화학물질 제조업)\t(유)에스케이씨에보닉페룩사이드코리아\t2018\t58,372\t"
      "58,372\n";
  r = import_history(etrs);
  ASSERT_FALSE(r.refused) << summary(r);
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.records[0].surrendered_t, 58372u);
}

// --- encodings -----------------------------------------------------------------------------

TEST(EtsImport, Cp949SampleDecodesToTheSameRecords) {
  std::string cp = sample("ngms_2018_cp949.csv");
  EXPECT_FALSE(valid_utf8(cp));
  ImportReport a = import_history(sample("ngms_2018.csv"));
  ImportReport b = import_history(cp);
  ASSERT_FALSE(b.refused) << summary(b);
  EXPECT_EQ(b.encoding, Encoding::kCp949);
  ASSERT_EQ(a.records.size(), b.records.size());
  for (size_t i = 0; i < a.records.size(); ++i) {
    EXPECT_EQ(a.records[i].company_name, b.records[i].company_name);
    EXPECT_EQ(a.records[i].emissions_t, b.records[i].emissions_t);
    EXPECT_EQ(a.records[i].energy_mtj, b.records[i].energy_mtj);
    EXPECT_EQ(a.records[i].verifier, b.records[i].verifier);
    EXPECT_EQ(a.records[i].line, b.records[i].line);
  }
  // An explicit encoding overrides detection.
  ImportOptions cp949;
  cp949.encoding = Encoding::kCp949;
  EXPECT_EQ(import_history(cp, cp949).records.size(), 14u);
  ImportOptions utf8;
  utf8.encoding = Encoding::kUtf8;
  expect_one_error(import_history(cp, utf8), "csv.bad_encoding", 0);
}

TEST(EtsImport, Utf8WithBom) {
  std::string text = kNgmsHeader + ngms_row("(주)가");
  auto d = decode_text("\xEF\xBB\xBF" + text);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->had_bom);
  EXPECT_EQ(d->utf8, text);
  ImportReport r = import_history("\xEF\xBB\xBF" + text);
  ASSERT_FALSE(r.refused) << summary(r);
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.records[0].company_name, "(주)가");
  EXPECT_FALSE(decode_text(text)->had_bom);
}

TEST(EtsImport, EncodingNames) {
  EXPECT_EQ(parse_encoding("auto"), Encoding::kAuto);
  EXPECT_EQ(parse_encoding("UTF-8"), Encoding::kUtf8);
  EXPECT_EQ(parse_encoding("cp949"), Encoding::kCp949);
  EXPECT_EQ(parse_encoding("EUC-KR"), Encoding::kCp949);
  EXPECT_FALSE(parse_encoding("latin1"));
  EXPECT_EQ(parse_delimiter("tab"), Delimiter::kTab);
  EXPECT_FALSE(parse_delimiter("semicolon"));
}

TEST(EtsImport, BadEncoding) {
  // 0xFF is neither UTF-8 nor a CP949 lead byte.
  ImportReport r = import_history("abc\n\xFF\xFF\n");
  expect_one_error(r, "csv.bad_encoding", 0);
  EXPECT_NE(r.errors[0].message.find("line 2"), std::string::npos) << r.errors[0].message;
  // Overlong UTF-8 and surrogates are not UTF-8.
  EXPECT_FALSE(valid_utf8("\xC0\xAF"));
  EXPECT_FALSE(valid_utf8("\xED\xA0\x80"));
  EXPECT_TRUE(valid_utf8("(주)강원랜드"));
  // NUL bytes are refused.
  std::string nul = "(주)a";
  nul += '\0';
  expect_one_error(import_history(kNgmsHeader + ngms_row(nul + "b")), "csv.bad_encoding", 0);
}

// --- CSV structure ---------------------------------------------------------------------------

TEST(EtsImport, CrlfLineEndings) {
  std::string text = sample("ngms_2018.csv"), crlf;
  for (char c : text) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  ImportReport r = import_history(crlf);
  ASSERT_FALSE(r.refused) << summary(r);
  ASSERT_EQ(r.records.size(), 14u);
  EXPECT_EQ(r.records[1].company_name, "(주)강원랜드");
  EXPECT_EQ(r.records[1].verifier, "한국표준협회");
  EXPECT_EQ(r.records[13].line, 15u);
}

TEST(EtsImport, QuotedFields) {
  std::string text = kNgmsHeader +
                     "1,기관,\"(주)가나, 다라\",2018,업체,철강,\"150,000\",\"2,000.5\",검증원,\n"
                     "2,기관,\"(주)\"\"따옴표\"\"\",2018,업체,철강,150000,2000,검증원,\"여러\n줄\n"
                     "비고\"\n"
                     "3,기관,(주)다음,2018,업체,철강,\"1,000,000\",,,\n";
  ImportReport r = import_history(text);
  ASSERT_FALSE(r.refused) << summary(r);
  ASSERT_EQ(r.records.size(), 3u);
  EXPECT_EQ(r.records[0].company_name, "(주)가나, 다라");
  EXPECT_EQ(r.records[0].energy_mtj, 2'000'500u);
  EXPECT_EQ(r.records[1].company_name, "(주)\"따옴표\"");
  EXPECT_EQ(r.records[1].line, 3u);
  // The multi-line 비고 spans lines 3-5; the next row starts on line 6.
  EXPECT_EQ(r.records[2].line, 6u);
  EXPECT_EQ(r.records[2].emissions_t, 1'000'000u);
  EXPECT_FALSE(r.records[2].energy_mtj);
  EXPECT_FALSE(r.records[2].verifier);
}

TEST(EtsImport, SplitCsv) {
  auto s = split_csv("a,\"b,c\",\"\"\"\"\r\n\r\n\"x\ny\",z", ',');
  ASSERT_TRUE(s.errors.empty());
  ASSERT_EQ(s.rows.size(), 2u);
  EXPECT_EQ(s.rows[0].fields, (std::vector<std::string>{"a", "b,c", "\""}));
  EXPECT_EQ(s.rows[1].line, 3u);
  EXPECT_EQ(s.rows[1].fields, (std::vector<std::string>{"x\ny", "z"}));
  EXPECT_EQ(split_csv("a\tb,c\n", '\t').rows[0].fields, (std::vector<std::string>{"a", "b,c"}));
}

TEST(EtsImport, ColumnsFoundByNameInAnyOrder) {
  // No 번호 or 비고, columns shuffled, an extra unknown column, spacing and full-width parens.
  std::string text =
      "온실가스배출량 (tCO2),관리업체,기타,대상연도,지정업종,관장기관,지정구분,검증수행기관,"
      "에너지 사용량（TJ）\n"
      "\"32,776\",(주)HJ매그놀리아용평호텔앤리조트,x,2018,건물,국토교통부,사업장,"
      "(재)한국품질재단,649\n";
  ImportReport r = import_history(text);
  ASSERT_FALSE(r.refused) << summary(r);
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.records[0].emissions_t, 32776u);
  EXPECT_EQ(r.records[0].energy_mtj, 649'000u);
  EXPECT_EQ(r.records[0].designation_kind, "사업장");
}

TEST(EtsImport, OptionalTrailingFieldsAndDash) {
  // Copying a table often drops the trailing empty 비고; "-" is an absent optional value.
  std::string text = kNgmsHeader + "1,기관,(주)가,2018,업체,철강,\"150,000\",-,검증원\n";
  ImportReport r = import_history(text);
  ASSERT_FALSE(r.refused) << summary(r);
  EXPECT_FALSE(r.records[0].energy_mtj);
  // Extra blank fields at the end are fine too.
  r = import_history(kNgmsHeader + "1,기관,(주)가,2018,업체,철강,\"150,000\",1,검증원,,,\n");
  EXPECT_FALSE(r.refused) << summary(r);
}

TEST(EtsImport, DelimiterOption) {
  std::string text = kNgmsHeader + ngms_row("(주)가");
  ImportOptions tab;
  tab.delimiter = Delimiter::kTab;
  expect_one_error(import_history(text, tab), "csv.unknown_format", 1);
  ImportOptions comma;
  comma.delimiter = Delimiter::kComma;
  EXPECT_EQ(import_history(text, comma).records.size(), 1u);
}

// --- numbers ---------------------------------------------------------------------------------

TEST(EtsImport, Quantities) {
  EXPECT_EQ(*parse_quantity("32,776"), 32776u);
  EXPECT_EQ(*parse_quantity("1,534"), 1534u);
  EXPECT_EQ(*parse_quantity("1,534,000"), 1534000u);
  EXPECT_EQ(*parse_quantity(" 649 "), 649u);
  EXPECT_EQ(*parse_quantity("0"), 0u);
  EXPECT_EQ(*parse_quantity("999"), 999u);
  EXPECT_EQ(*parse_quantity("649", 3), 649000u);
  EXPECT_EQ(*parse_quantity("649.5", 3), 649500u);
  EXPECT_EQ(*parse_quantity("1,534.25", 3), 1534250u);
  EXPECT_EQ(*parse_quantity("0.001", 3), 1u);
  EXPECT_EQ(*parse_quantity("1,000,000,000,000", 3), 1'000'000'000'000'000u);  // quantity_max
  for (const char* bad : {"1,23", ",123", "1,2345", "12,34,567", "1,234,", "1,,234", "-5", "+5",
                          "(5)", "", " ", "007", "0,123", "1 234", "12a", "1.5", "1e3", "１２"}) {
    auto v = parse_quantity(bad);
    ASSERT_FALSE(v.ok()) << "'" << bad << "' accepted";
    EXPECT_EQ(v.error().code, "csv.bad_number");
  }
  for (const char* bad : {"1.2345", ".5", "5.", "1.2.3", "1,000,000,000,000.001"})
    EXPECT_FALSE(parse_quantity(bad, 3).ok()) << bad;
  EXPECT_FALSE(parse_quantity("1000000000000001").ok());
  EXPECT_TRUE(parse_quantity("1000000000000000").ok());
  EXPECT_FALSE(parse_quantity("99999999999999999999999").ok());
}

// --- every error code, with its line and column ----------------------------------------------

TEST(EtsImport, BadRowsSampleListsEveryErrorWithItsLine) {
  std::string text = sample("bad_rows.csv");
  ImportReport r = import_history(text);
  EXPECT_TRUE(r.refused);
  EXPECT_TRUE(r.records.empty());
  struct Want {
    size_t line;
    const char *code, *column;
  };
  const Want want[] = {
      {3, "csv.bad_number", "온실가스 배출량(tCO2)"},
      {4, "csv.bad_year", "대상연도"},
      {5, "csv.bad_number", "온실가스 배출량(tCO2)"},
      {6, "csv.missing_value", "관리업체"},
      {7, "csv.bad_number", "온실가스 배출량(tCO2)"},
      {8, "csv.duplicate_row", "관리업체"},
      {9, "csv.field_count", ""},
      {11, "csv.bad_number", "에너지 사용량(TJ)"},
  };
  ASSERT_EQ(r.errors.size(), std::size(want)) << summary(r);
  for (size_t i = 0; i < std::size(want); ++i) {
    EXPECT_EQ(r.errors[i].line, want[i].line) << summary(r);
    EXPECT_EQ(r.errors[i].code, want[i].code) << summary(r);
    EXPECT_EQ(r.errors[i].column, want[i].column) << summary(r);
    EXPECT_FALSE(r.errors[i].message.empty());
  }
  EXPECT_NE(r.errors[5].message.find("line 2"), std::string::npos) << r.errors[5].message;

  // Skipping: the two good rows come back, the same errors are listed as skipped.
  ImportOptions skip;
  skip.skip_bad_rows = true;
  ImportReport s = import_history(text, skip);
  EXPECT_FALSE(s.refused);
  ASSERT_EQ(s.records.size(), 2u);
  EXPECT_EQ(s.records[0].line, 2u);
  EXPECT_EQ(s.records[1].line, 10u);
  EXPECT_EQ(s.records[1].company_name, "(주)가상 식품, 음료");
  EXPECT_EQ(s.records[1].energy_mtj, 2'010'250u);
  EXPECT_EQ(s.errors.size(), std::size(want));
  EXPECT_EQ(s.data_rows, 10u);
}

TEST(EtsImport, RowErrors) {
  expect_one_error(import_history(kNgmsHeader + ngms_row("(주)가", "2018", "1.5")),
                   "csv.bad_number", 2, "온실가스 배출량(tCO2)");
  expect_one_error(import_history(kNgmsHeader + ngms_row("(주)가", "1989")), "csv.bad_year", 2,
                   "대상연도");
  expect_one_error(import_history(kNgmsHeader + ngms_row("(주)가", "2101")), "csv.bad_year", 2,
                   "대상연도");
  expect_one_error(import_history(kNgmsHeader + ngms_row("(주)가", "")), "csv.missing_value", 2,
                   "대상연도");
  expect_one_error(import_history(kNgmsHeader + ngms_row("(주)가", "2018", "")),
                   "csv.missing_value", 2, "온실가스 배출량(tCO2)");
  expect_one_error(import_history(kNgmsHeader + "1,기관,(주)가,2018\n"), "csv.field_count", 2);
  expect_one_error(
      import_history(kNgmsHeader + ngms_row("(주)가") + ngms_row("(주)나") + ngms_row("(주)가")),
      "csv.duplicate_row", 4, "관리업체");
  // The same company in another year is not a duplicate.
  EXPECT_EQ(
      import_history(kNgmsHeader + ngms_row("(주)가") + ngms_row("(주)가", "2019")).records.size(),
      2u);
  // ETRS: a bad 배출권 제출량.
  expect_one_error(import_history(kEtrsHeader + "산업\t철강\t(주)가\t2018\t100\t1,00\n"),
                   "csv.bad_number", 2, "배출권 제출량(톤)");
  // Several errors in one row are all listed.
  ImportReport r = import_history(kNgmsHeader + ngms_row("", "18", "x"));
  EXPECT_EQ(r.errors.size(), 3u) << summary(r);
}

TEST(EtsImport, FileErrors) {
  expect_one_error(import_history(""), "csv.empty", 0);
  expect_one_error(import_history("\n\n"), "csv.empty", 0);
  expect_one_error(import_history(kNgmsHeader), "csv.empty", 1);
  expect_one_error(import_history("name,year,tonnes\nacme,2018,5\n"), "csv.unknown_format", 1);
  // A recognized header without a required column: each missing one is listed.
  ImportReport r = import_history("관리업체,대상연도,지정업종\n(주)가,2018,철강\n");
  EXPECT_TRUE(r.refused);
  ASSERT_EQ(r.errors.size(), 5u) << summary(r);
  EXPECT_EQ(r.errors[0].code, "csv.missing_column");
  EXPECT_EQ(r.errors[0].line, 1u);
  EXPECT_EQ(r.errors[0].column, "관장기관");
  expect_one_error(import_history("부문\t업종\t업체명\t이행연도\t인증 배출량(톤)\n"
                                  "산업\t철강\t(주)가\t2018\t5\n"),
                   "csv.missing_column", 1, "배출권 제출량(톤)");
  expect_one_error(import_history("부문\t업종\t업체명\t이행연도\t인증 배출량(톤)\t인증배출량\t"
                                  "배출권 제출량(톤)\n"),
                   "csv.duplicate_column", 1, "인증 배출량(톤)");
  // Quotes: never closed, a quote inside an unquoted field, text after a closing quote.
  expect_one_error(import_history(kNgmsHeader + ngms_row("(주)가") + "2,\"기관,x\n"),
                   "csv.bad_quote", 3);
  expect_one_error(import_history(kNgmsHeader + ngms_row("(주)가\"나")), "csv.bad_quote", 2);
  expect_one_error(import_history(kNgmsHeader + ngms_row("\"(주)가\"나")), "csv.bad_quote", 2);
  // File-level errors refuse even when skipping bad rows.
  ImportOptions skip;
  skip.skip_bad_rows = true;
  EXPECT_TRUE(import_history("관리업체,대상연도\n(주)가,2018\n", skip).refused);
}

// --- limits ----------------------------------------------------------------------------------

TEST(EtsImport, ByteLimit) {
  std::string big = kNgmsHeader + ngms_row("(주)가");
  big.resize(limits::csv_bytes_max + 1, '\n');
  expect_one_error(import_history(big), "csv.too_large", 0);
  big.resize(limits::csv_bytes_max);  // blank lines up to exactly the limit are fine
  ImportReport r = import_history(big);
  EXPECT_FALSE(r.refused) << summary(r);
}

TEST(EtsImport, RowLimit) {
  std::string text = kEtrsHeader;
  for (size_t i = 0; i < limits::csv_rows_max; ++i)
    text += "산업\t철강\tc" + std::to_string(i) + "\t2018\t1\t1\n";
  ImportReport r = import_history(text);
  ASSERT_FALSE(r.refused) << summary(r);
  EXPECT_EQ(r.records.size(), limits::csv_rows_max);
  text += "산업\t철강\tlast\t2018\t1\t1\n";
  expect_one_error(import_history(text), "csv.too_large", limits::csv_rows_max + 2);
}

TEST(EtsImport, FieldLimits) {
  expect_one_error(
      import_history(kNgmsHeader + ngms_row(std::string(limits::csv_field_bytes_max + 1, 'a'))),
      "csv.too_large", 2);
  EXPECT_FALSE(import_history(kNgmsHeader + ngms_row(std::string(limits::csv_field_bytes_max, 'a')))
                   .refused);
  std::string wide = kNgmsHeader;
  wide.pop_back();
  wide += std::string(limits::csv_fields_max - 10 + 1, ',') + "\n";
  expect_one_error(import_history(wide), "csv.too_large", 1);
}

TEST(EtsImport, ErrorListIsCapped) {
  std::string text = kNgmsHeader;
  for (size_t i = 0; i < limits::csv_errors_max + 500; ++i)
    text += ngms_row("c" + std::to_string(i), "2018", "bad");
  ImportReport r = import_history(text);
  EXPECT_TRUE(r.refused);
  EXPECT_EQ(r.errors.size(), limits::csv_errors_max);
  EXPECT_EQ(r.errors_omitted, 500u);
  EXPECT_EQ(r.errors.front().line, 2u);
}

}  // namespace
}  // namespace tanso::ets
