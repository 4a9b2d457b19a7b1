// Historical emissions from the public Korean disclosures (seed 002), the input of grandfathering:
//
//  - NGMS company statements (국가 온실가스 종합관리시스템, 업체별 명세서 주요 정보), one row per
//    company (or site) and year:
//      번호, 관장기관, 관리업체, 대상연도, 지정구분, 지정업종, 온실가스 배출량(tCO2),
//      에너지 사용량(TJ), 검증수행기관, 비고
//  - ETRS registry disclosure (배출권 등록부 시스템, 정보공개), one row per company and compliance
//    year:  부문, 업종, 업체명, 이행연도, 인증 배출량(톤), 배출권 제출량(톤)
//
// Columns are found by header name (any order; 번호, 비고, 관장기관 and 검증수행기관 may be absent,
// other columns are ignored). The format is recognized from the header: 관리업체 + 대상연도 is
// NGMS, 업체명 + 이행연도 is ETRS. Up to csv_header_search_rows lines before the header are ignored
// (a title line, as in the published tables).
//
// A file with any bad row is refused whole (no records) with every error listed, each with its
// line, column and code; with skip_bad_rows the good rows are returned and the bad ones listed.
// Problems with the file as a whole (encoding, size, quoting, unknown format, missing column)
// refuse it in both modes. Pure function of the bytes; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ets/csv.h"

namespace tanso::ets {

enum class Format { kNgms, kEtrs };
std::string_view format_name(Format f);  // "ngms", "etrs"

struct EmissionRecord {
  std::string company_name;  // 관리업체 (NGMS) or 업체명 (ETRS), trimmed, as written
  uint32_t year = 0;         // 대상연도 / 이행연도, 1990..2100
  uint64_t emissions_t = 0;  // 온실가스 배출량(tCO2) / 인증 배출량(톤): whole tCO2e
  std::optional<uint64_t> energy_mtj;  // 에너지 사용량(TJ) x 1000 (NGMS; exact, <= 3 decimals)
  std::string sector;                  // 지정업종 (NGMS) / 업종 (ETRS)
  std::optional<std::string> division;          // 부문 (ETRS: 산업, 발전, 건물...)
  std::optional<std::string> agency;            // 관장기관 (NGMS: the supervising ministry)
  std::optional<std::string> designation_kind;  // 지정구분 (NGMS: 업체 company / 사업장 site)
  std::optional<std::string> verifier;          // 검증수행기관 (NGMS)
  std::optional<uint64_t> surrendered_t;        // 배출권 제출량(톤) (ETRS)
  Format source_format = Format::kNgms;
  size_t line = 0;  // 1-based line of the row in its file
};

struct ImportOptions {
  Encoding encoding = Encoding::kAuto;
  Delimiter delimiter = Delimiter::kAuto;  // auto: the one that yields a known header (tab first)
  bool skip_bad_rows = false;
};

struct ImportReport {
  bool refused = false;  // true: the file is refused whole and `records` is empty
  std::optional<Format> format;
  Encoding encoding = Encoding::kAuto;
  char delimiter = 0;
  size_t data_rows = 0;  // rows after the header (blank lines not counted)
  std::vector<EmissionRecord> records;
  // Why the file was refused, or (skip_bad_rows) the rows skipped; sorted by line. At most
  // csv_errors_max are listed; errors_omitted counts the rest.
  std::vector<RowError> errors;
  size_t errors_omitted = 0;
};

// Row-level codes: csv.field_count, csv.missing_value, csv.bad_number, csv.bad_year,
// csv.duplicate_row (same company and year twice in the file; the later row is the bad one).
// File-level codes: csv.too_large, csv.bad_encoding, csv.bad_quote, csv.empty,
// csv.unknown_format, csv.missing_column, csv.duplicate_column.
ImportReport import_history(std::string_view bytes, const ImportOptions& options = {});

// Year bounds of a 대상연도 / 이행연도 cell.
inline constexpr uint32_t kYearMin = 1990, kYearMax = 2100;

}  // namespace tanso::ets
