// CSV/TSV reading for the emissions-trading import: bytes -> UTF-8 text -> rows of fields, and
// the exact parsing of the quantities public disclosures print ("32,776", "1,534", "649.5").
//
// Pure functions: no file I/O, no locale, no floating point. Thread-safe (iconv handles are
// opened per call). Every input is bounded by a named limit below; errors are values carrying
// a stable code from docs/ERRORS.md ("CSV import and allocation preview").
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace tanso::ets {

namespace limits {
// One import file: 16 MiB of bytes (a national disclosure is ~1 MiB for ~700 companies x years).
inline constexpr size_t csv_bytes_max = 16 * 1024 * 1024;
// Data rows in one file (blank lines not counted): 100,000.
inline constexpr size_t csv_rows_max = 100'000;
// Fields in one row, bytes in one field.
inline constexpr size_t csv_fields_max = 64;
inline constexpr size_t csv_field_bytes_max = 4096;
// Errors listed per file; the rest are only counted (ImportReport::errors_omitted).
inline constexpr size_t csv_errors_max = 1'000;
// Lines searched for the header line (a title line may precede it, as in the disclosures).
inline constexpr size_t csv_header_search_rows = 10;
// Largest quantity accepted in a cell, in its integer unit (tonnes, milli-TJ): 10^15. Far above
// any real value (a whole country emits ~7 x 10^8 t/yr) and below limits::amount_max.
inline constexpr uint64_t quantity_max = 1'000'000'000'000'000;
}  // namespace limits

// One problem in an input file. line is the 1-based physical line where the offending row starts
// (0: the file as a whole); column is the header text of the cell ("" when no single cell).
struct RowError {
  size_t line = 0;
  std::string column;
  std::string code;
  std::string message;
};

enum class Encoding { kAuto, kUtf8, kCp949 };
// "auto", "utf-8"/"utf8", "cp949"/"euc-kr"/"uhc" (case-insensitive).
std::optional<Encoding> parse_encoding(std::string_view name);
std::string_view encoding_name(Encoding e);  // "auto", "utf-8", "cp949"

struct DecodedText {
  std::string utf8;   // without BOM
  Encoding encoding;  // what the bytes were (never kAuto)
  bool had_bom = false;
};

// Bytes -> UTF-8. kAuto: valid UTF-8 (BOM or not) is UTF-8, anything else is converted from
// CP949 (a superset of EUC-KR) with iconv. Refuses with csv.too_large above csv_bytes_max, and
// csv.bad_encoding for bytes that are not valid in the (given or detected) encoding or hold NUL.
Result<DecodedText> decode_text(std::string_view bytes, Encoding encoding = Encoding::kAuto);
bool valid_utf8(std::string_view s);

enum class Delimiter { kAuto, kComma, kTab };
std::optional<Delimiter> parse_delimiter(std::string_view name);  // auto, comma, tab

struct CsvRow {
  size_t line = 0;  // 1-based physical line where the row starts
  std::vector<std::string> fields;
};

// Splits UTF-8 text into rows with RFC 4180 rules: fields separated by `sep` (',' or '\t'),
// rows by LF or CRLF, fields in double quotes may hold separators, line breaks and "" (one
// quote). Fields are returned as written (unquoted, not trimmed); blank lines are dropped.
// Stops after `max_rows` rows when max_rows > 0 (used to sniff the header).
// Errors (file-level, line set; splitting stops at the first): csv.bad_quote (a quote inside an
// unquoted field, text after a closing quote, a quote never closed, a bare CR), csv.too_large
// (more than csv_rows_max + csv_header_search_rows rows, too many fields, a field too long).
struct CsvSplit {
  std::vector<CsvRow> rows;
  std::vector<RowError> errors;
};
CsvSplit split_csv(std::string_view text, char sep, size_t max_rows = 0);

// Exact decimal quantities. Accepts optional surrounding spaces, then digits with optional
// thousands separators in the standard grouping (1-3 digits, then groups of exactly 3:
// "32,776", "1,534,000"; not "1,23" or ",123"), then (if decimals > 0) a '.' and at most
// `decimals` fraction digits. Returns value x 10^decimals, so parse_quantity("649.5", 3) is
// 649500 (milli-units). Refuses (csv.bad_number, message says why) an empty cell, a sign,
// leading zeros ("007"), more fraction digits than `decimals`, and values above quantity_max.
Result<uint64_t> parse_quantity(std::string_view cell, unsigned decimals = 0);

// Trims ASCII spaces/tabs and U+00A0/U+3000 (no-break and ideographic spaces) at both ends.
std::string_view trim_cell(std::string_view s);

}  // namespace tanso::ets
