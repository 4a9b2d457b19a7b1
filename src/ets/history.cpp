// Historical emissions import: header recognition, row checks, records.
#include "ets/history.h"

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <span>

namespace tanso::ets {

namespace {

RowError row_error(const char* code, size_t line, std::string column, std::string message) {
  return RowError{line, std::move(column), code, std::move(message)};
}

// The fields a record is made of; each format maps some header names to them.
enum class Col {
  kNumber,       // 번호 (ignored)
  kAgency,       // 관장기관
  kCompany,      // 관리업체 / 업체명
  kYear,         // 대상연도 / 이행연도
  kKind,         // 지정구분
  kSector,       // 지정업종 / 업종
  kDivision,     // 부문
  kEmissions,    // 온실가스 배출량(tCO2) / 인증 배출량(톤)
  kEnergy,       // 에너지 사용량(TJ)
  kVerifier,     // 검증수행기관
  kNote,         // 비고 (ignored)
  kSurrendered,  // 배출권 제출량(톤)
};

struct ColumnSpec {
  Col col;
  std::string_view name;                    // as published; also the column name in errors
  bool header_required;                     // the header must have it
  bool value_required;                      // every row must fill it
  std::array<std::string_view, 3> aliases;  // other spellings, normalized (see normalize())
};

// Format tables. Names are normalized before matching: spaces removed, ASCII lower-cased,
// full-width parentheses made ASCII; "tco2eq"/"tco2-eq" spellings are accepted as aliases.
constexpr ColumnSpec kNgmsColumns[] = {
    {Col::kNumber, "번호", false, false, {}},
    {Col::kAgency, "관장기관", true, false, {}},
    {Col::kCompany, "관리업체", true, true, {"관리업체명"}},
    {Col::kYear, "대상연도", true, true, {}},
    {Col::kKind, "지정구분", true, false, {}},
    {Col::kSector, "지정업종", true, false, {}},
    {Col::kEmissions,
     "온실가스 배출량(tCO2)",
     true,
     true,
     {"온실가스배출량(tco2eq)", "온실가스배출량(tco2-eq)", "온실가스배출량"}},
    {Col::kEnergy, "에너지 사용량(TJ)", true, false, {"에너지사용량"}},
    {Col::kVerifier, "검증수행기관", true, false, {"검증기관"}},
    {Col::kNote, "비고", false, false, {}},
};
constexpr ColumnSpec kEtrsColumns[] = {
    {Col::kDivision, "부문", true, false, {}},
    {Col::kSector, "업종", true, false, {}},
    {Col::kCompany, "업체명", true, true, {}},
    {Col::kYear, "이행연도", true, true, {}},
    {Col::kEmissions, "인증 배출량(톤)", true, true, {"인증배출량", "인증배출량(tco2eq)"}},
    {Col::kSurrendered, "배출권 제출량(톤)", true, false, {"배출권제출량"}},
};

std::string normalize(std::string_view s) {
  s = trim_cell(s);
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    if (s.substr(i).starts_with("\xEF\xBC\x88")) {  // U+FF08 （
      out.push_back('(');
      i += 2;
      continue;
    }
    if (s.substr(i).starts_with("\xEF\xBC\x89")) {  // U+FF09 ）
      out.push_back(')');
      i += 2;
      continue;
    }
    out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  return out;
}

bool matches(const ColumnSpec& spec, const std::string& norm) {
  if (norm == normalize(spec.name)) return true;
  for (auto a : spec.aliases)
    if (!a.empty() && norm == a) return true;
  return false;
}

std::span<const ColumnSpec> columns_of(Format f) {
  if (f == Format::kNgms) return kNgmsColumns;
  return kEtrsColumns;
}

// The format a header row announces, if any.
std::optional<Format> recognize(const CsvRow& row) {
  std::set<std::string> names;
  for (const auto& f : row.fields) names.insert(normalize(f));
  auto has = [&](std::string_view n) { return names.count(normalize(n)) > 0; };
  if ((has("관리업체") || has("관리업체명")) && has("대상연도")) return Format::kNgms;
  if (has("업체명") && has("이행연도")) return Format::kEtrs;
  return std::nullopt;
}

struct Header {
  size_t index = 0;  // position of the header row in the split rows
  Format format;
};

std::optional<Header> find_header(const std::vector<CsvRow>& rows) {
  size_t n = std::min(rows.size(), limits::csv_header_search_rows);
  for (size_t i = 0; i < n; ++i)
    if (auto f = recognize(rows[i])) return Header{i, *f};
  return std::nullopt;
}

Result<uint32_t> parse_year(std::string_view cell) {
  std::string_view s = trim_cell(cell);
  bool digits =
      s.size() == 4 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits)
    return err("csv.bad_year", "'" + std::string(cell) + "' is not a year (four digits)");
  uint32_t y = static_cast<uint32_t>(std::stoul(std::string(s)));
  if (y < kYearMin || y > kYearMax)
    return err("csv.bad_year", std::to_string(y) + " is outside " + std::to_string(kYearMin) +
                                   ".." + std::to_string(kYearMax));
  return y;
}

// An absent optional value: empty, or a lone dash as some disclosures print.
bool absent(std::string_view cell) {
  std::string_view s = trim_cell(cell);
  return s.empty() || s == "-";
}

void sort_and_cap(ImportReport& rep) {
  std::stable_sort(rep.errors.begin(), rep.errors.end(),
                   [](const RowError& a, const RowError& b) { return a.line < b.line; });
  if (rep.errors.size() > limits::csv_errors_max) {
    rep.errors_omitted = rep.errors.size() - limits::csv_errors_max;
    rep.errors.resize(limits::csv_errors_max);
  }
}

ImportReport refuse(ImportReport rep, RowError e) {
  rep.refused = true;
  rep.records.clear();
  rep.errors.clear();
  rep.errors.push_back(std::move(e));
  return rep;
}

}  // namespace

std::string_view format_name(Format f) { return f == Format::kNgms ? "ngms" : "etrs"; }

ImportReport import_history(std::string_view bytes, const ImportOptions& options) {
  ImportReport rep;
  auto text = decode_text(bytes, options.encoding);
  if (!text) return refuse(rep, RowError{0, "", text.error().code, text.error().message});
  rep.encoding = text->encoding;
  const std::string& utf8 = text->utf8;

  // Delimiter: given, or the first of tab, comma whose split of the first lines (within the
  // first sniff_bytes) has a known header. If neither has, split as the first line suggests and
  // let the checks below say what is wrong.
  char sep = options.delimiter == Delimiter::kComma ? ',' : '\t';
  if (options.delimiter == Delimiter::kAuto) {
    constexpr size_t sniff_bytes = 1024 * 1024;
    std::string_view head(utf8.data(), std::min(utf8.size(), sniff_bytes));
    sep = 0;
    for (char cand : {'\t', ','}) {
      if (find_header(split_csv(head, cand, limits::csv_header_search_rows).rows)) {
        sep = cand;
        break;
      }
    }
    if (sep == 0)
      sep = head.substr(0, head.find('\n')).find('\t') != std::string::npos ? '\t' : ',';
  }
  rep.delimiter = sep;

  // A split error refuses the file, unless the rows before it show no known header (as with a
  // wrong --delimiter): then the format is the problem.
  CsvSplit split = split_csv(utf8, sep);
  const auto& rows = split.rows;
  auto header = find_header(rows);
  if (!split.errors.empty() && (header || rows.empty())) return refuse(rep, split.errors.front());
  if (rows.empty()) return refuse(rep, row_error("csv.empty", 0, "", "the file holds no lines"));
  if (!header)
    return refuse(rep, row_error("csv.unknown_format", rows[0].line, "",
                                 "no NGMS header (관리업체, 대상연도, ...) or ETRS header "
                                 "(업체명, 이행연도, ...) in the first " +
                                     std::to_string(limits::csv_header_search_rows) + " lines"));
  rep.format = header->format;
  const CsvRow& hrow = rows[header->index];

  // Column positions by name.
  std::map<Col, size_t> pos;
  std::map<Col, const ColumnSpec*> spec_of;
  std::vector<const ColumnSpec*> at(hrow.fields.size(), nullptr);
  for (size_t i = 0; i < hrow.fields.size(); ++i) {
    std::string norm = normalize(hrow.fields[i]);
    for (const auto& spec : columns_of(header->format)) {
      if (!matches(spec, norm)) continue;
      if (pos.count(spec.col))
        return refuse(rep, row_error("csv.duplicate_column", hrow.line, std::string(spec.name),
                                     "the header has column '" + std::string(spec.name) +
                                         "' twice (fields " + std::to_string(pos[spec.col] + 1) +
                                         " and " + std::to_string(i + 1) + ")"));
      pos[spec.col] = i;
      spec_of[spec.col] = &spec;
      at[i] = &spec;
    }
  }
  {
    std::vector<RowError> missing;
    for (const auto& spec : columns_of(header->format))
      if (spec.header_required && !pos.count(spec.col))
        missing.push_back(row_error("csv.missing_column", hrow.line, std::string(spec.name),
                                    std::string(format_name(header->format)) +
                                        " header without column '" + std::string(spec.name) + "'"));
    if (!missing.empty()) {
      rep.refused = true;
      rep.errors = std::move(missing);
      sort_and_cap(rep);
      return rep;
    }
  }

  rep.data_rows = rows.size() - header->index - 1;
  if (rep.data_rows == 0)
    return refuse(rep, row_error("csv.empty", hrow.line, "", "a header but no data rows"));
  if (rep.data_rows > limits::csv_rows_max)
    return refuse(
        rep, row_error("csv.too_large", rows[header->index + 1 + limits::csv_rows_max].line, "",
                       "more than " + std::to_string(limits::csv_rows_max) + " data rows"));

  std::map<std::pair<std::string, uint32_t>, size_t> seen;  // (company, year) -> line
  const size_t width = hrow.fields.size();
  for (size_t r = header->index + 1; r < rows.size(); ++r) {
    const CsvRow& row = rows[r];
    std::vector<RowError> errs;
    // Field count: extra fields must be blank; missing fields only where the column is optional.
    if (row.fields.size() > width) {
      for (size_t i = width; i < row.fields.size(); ++i)
        if (!trim_cell(row.fields[i]).empty()) {
          errs.push_back(row_error("csv.field_count", row.line, "",
                                   std::to_string(row.fields.size()) + " fields; the header has " +
                                       std::to_string(width)));
          break;
        }
    } else if (row.fields.size() < width) {
      for (size_t i = row.fields.size(); i < width; ++i)
        if (at[i] && at[i]->header_required) {
          errs.push_back(row_error("csv.field_count", row.line, "",
                                   std::to_string(row.fields.size()) + " fields; the header has " +
                                       std::to_string(width)));
          break;
        }
    }
    if (!errs.empty()) {
      rep.errors.insert(rep.errors.end(), errs.begin(), errs.end());
      continue;
    }
    auto cell = [&](Col c) -> std::string_view {
      auto it = pos.find(c);
      if (it == pos.end() || it->second >= row.fields.size()) return {};
      return row.fields[it->second];
    };
    auto name = [&](Col c) { return std::string(spec_of.at(c)->name); };
    auto text = [&](Col c) -> std::optional<std::string> {
      if (!pos.count(c) || absent(cell(c))) return std::nullopt;
      return std::string(trim_cell(cell(c)));
    };
    EmissionRecord rec;
    rec.source_format = header->format;
    rec.line = row.line;
    // Required values.
    for (const auto& spec : columns_of(header->format))
      if (spec.value_required && trim_cell(cell(spec.col)).empty())
        errs.push_back(row_error("csv.missing_value", row.line, std::string(spec.name),
                                 "the cell is empty; every row needs it"));
    rec.company_name = std::string(trim_cell(cell(Col::kCompany)));
    if (!trim_cell(cell(Col::kYear)).empty()) {
      if (auto y = parse_year(cell(Col::kYear)))
        rec.year = *y;
      else
        errs.push_back(row_error("csv.bad_year", row.line, name(Col::kYear), y.error().message));
    }
    if (!trim_cell(cell(Col::kEmissions)).empty()) {
      if (auto v = parse_quantity(cell(Col::kEmissions), 0))
        rec.emissions_t = *v;
      else
        errs.push_back(
            row_error("csv.bad_number", row.line, name(Col::kEmissions), v.error().message));
    }
    if (pos.count(Col::kEnergy) && !absent(cell(Col::kEnergy))) {
      if (auto v = parse_quantity(cell(Col::kEnergy), 3))
        rec.energy_mtj = *v;
      else
        errs.push_back(
            row_error("csv.bad_number", row.line, name(Col::kEnergy), v.error().message));
    }
    if (pos.count(Col::kSurrendered) && !absent(cell(Col::kSurrendered))) {
      if (auto v = parse_quantity(cell(Col::kSurrendered), 0))
        rec.surrendered_t = *v;
      else
        errs.push_back(
            row_error("csv.bad_number", row.line, name(Col::kSurrendered), v.error().message));
    }
    rec.sector = text(Col::kSector).value_or("");
    rec.division = text(Col::kDivision);
    rec.agency = text(Col::kAgency);
    rec.designation_kind = text(Col::kKind);
    rec.verifier = text(Col::kVerifier);
    if (errs.empty()) {
      auto key = std::make_pair(rec.company_name, rec.year);
      if (auto it = seen.find(key); it != seen.end()) {
        errs.push_back(row_error("csv.duplicate_row", row.line, name(Col::kCompany),
                                 rec.company_name + " " + std::to_string(rec.year) +
                                     " is already on line " + std::to_string(it->second)));
      } else {
        seen.emplace(std::move(key), row.line);
      }
    }
    if (!errs.empty()) {
      rep.errors.insert(rep.errors.end(), errs.begin(), errs.end());
      continue;
    }
    rep.records.push_back(std::move(rec));
  }
  sort_and_cap(rep);
  if (!rep.errors.empty() && !options.skip_bad_rows) {
    rep.refused = true;
    rep.records.clear();
  }
  return rep;
}

}  // namespace tanso::ets
