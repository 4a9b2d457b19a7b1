// CSV/TSV reading: encodings, RFC 4180 splitting, exact quantities.
#include "ets/csv.h"

#include <errno.h>
#include <iconv.h>

#include <algorithm>
#include <cctype>

#include "core/utf8.h"

namespace tanso::ets {

namespace {

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

RowError row_error(const char* code, size_t line, std::string column, std::string message) {
  return RowError{line, std::move(column), code, std::move(message)};
}

// CP949 -> UTF-8 with glibc iconv. Returns nullopt at the first invalid or incomplete sequence,
// with its byte offset in *bad_at.
std::optional<std::string> cp949_to_utf8(std::string_view in, size_t* bad_at) {
  iconv_t cd = iconv_open("UTF-8", "CP949");
  if (cd == reinterpret_cast<iconv_t>(-1)) {
    *bad_at = 0;
    return std::nullopt;
  }
  // A CP949 character is 1 or 2 bytes and becomes at most 3 UTF-8 bytes.
  std::string out(in.size() * 3 / 2 + 16, '\0');
  char* src = const_cast<char*>(in.data());
  size_t src_left = in.size();
  char* dst = out.data();
  size_t dst_left = out.size();
  size_t r = iconv(cd, &src, &src_left, &dst, &dst_left);
  iconv_close(cd);
  if (r == static_cast<size_t>(-1) || src_left != 0) {
    *bad_at = in.size() - src_left;
    return std::nullopt;
  }
  out.resize(out.size() - dst_left);
  return out;
}

size_t line_of_offset(std::string_view s, size_t off) {
  return 1 + static_cast<size_t>(std::count(s.begin(), s.begin() + std::min(off, s.size()), '\n'));
}

}  // namespace

std::optional<Encoding> parse_encoding(std::string_view name) {
  std::string n = lower_ascii(name);
  if (n == "auto") return Encoding::kAuto;
  if (n == "utf-8" || n == "utf8") return Encoding::kUtf8;
  if (n == "cp949" || n == "euc-kr" || n == "euckr" || n == "uhc") return Encoding::kCp949;
  return std::nullopt;
}

std::string_view encoding_name(Encoding e) {
  switch (e) {
    case Encoding::kUtf8:
      return "utf-8";
    case Encoding::kCp949:
      return "cp949";
    default:
      return "auto";
  }
}

std::optional<Delimiter> parse_delimiter(std::string_view name) {
  std::string n = lower_ascii(name);
  if (n == "auto") return Delimiter::kAuto;
  if (n == "comma" || n == ",") return Delimiter::kComma;
  if (n == "tab" || n == "\\t" || n == "\t") return Delimiter::kTab;
  return std::nullopt;
}

bool valid_utf8(std::string_view s) { return utf8_valid_prefix(s) == s.size(); }

Result<DecodedText> decode_text(std::string_view bytes, Encoding encoding) {
  if (bytes.size() > limits::csv_bytes_max)
    return err("csv.too_large", "the file has " + std::to_string(bytes.size()) +
                                    " bytes; the limit is " +
                                    std::to_string(limits::csv_bytes_max));
  DecodedText d;
  constexpr std::string_view kBom = "\xEF\xBB\xBF";
  bool bom = bytes.starts_with(kBom);
  if (encoding == Encoding::kAuto)
    encoding = (bom || valid_utf8(bytes)) ? Encoding::kUtf8 : Encoding::kCp949;
  if (encoding == Encoding::kUtf8) {
    if (bom) bytes.remove_prefix(kBom.size());
    if (size_t ok = utf8_valid_prefix(bytes); ok != bytes.size())
      return err("csv.bad_encoding", "line " + std::to_string(line_of_offset(bytes, ok)) +
                                         ": invalid UTF-8 at byte " + std::to_string(ok) +
                                         " (CP949 text needs the cp949 encoding)");
    d.utf8 = std::string(bytes);
    d.had_bom = bom;
  } else {
    size_t bad = 0;
    auto u = cp949_to_utf8(bytes, &bad);
    if (!u)
      return err("csv.bad_encoding", "line " + std::to_string(line_of_offset(bytes, bad)) +
                                         ": neither valid UTF-8 nor CP949/EUC-KR at byte " +
                                         std::to_string(bad));
    d.utf8 = std::move(*u);
  }
  d.encoding = encoding;
  if (size_t z = d.utf8.find('\0'); z != std::string::npos)
    return err("csv.bad_encoding",
               "line " + std::to_string(line_of_offset(d.utf8, z)) + ": NUL byte in the text");
  return d;
}

CsvSplit split_csv(std::string_view text, char sep, size_t max_rows) {
  CsvSplit out;
  const size_t hard_max = limits::csv_rows_max + limits::csv_header_search_rows;
  size_t i = 0, n = text.size(), line = 1;
  while (i < n) {
    CsvRow row;
    row.line = line;
    std::string field;
    bool row_done = false, blank = true;
    while (!row_done) {
      field.clear();
      bool quoted = i < n && text[i] == '"';
      if (quoted) {
        size_t open_line = line;
        ++i;
        for (;;) {
          if (i >= n) {
            out.errors.push_back(row_error("csv.bad_quote", open_line, "",
                                           "a quoted field opened here is never closed"));
            return out;
          }
          char c = text[i];
          if (c == '"') {
            if (i + 1 < n && text[i + 1] == '"') {
              field.push_back('"');
              i += 2;
              continue;
            }
            ++i;
            break;
          }
          if (c == '\n') ++line;
          field.push_back(c);
          ++i;
        }
        blank = false;
      } else {
        while (i < n && text[i] != sep && text[i] != '\n' && text[i] != '\r') {
          if (text[i] == '"') {
            out.errors.push_back(row_error(
                "csv.bad_quote", line, "",
                "a double quote inside an unquoted field (quote the whole field and double it)"));
            return out;
          }
          field.push_back(text[i++]);
        }
      }
      if (field.size() > limits::csv_field_bytes_max) {
        out.errors.push_back(row_error(
            "csv.too_large", row.line, "",
            "a field longer than " + std::to_string(limits::csv_field_bytes_max) + " bytes"));
        return out;
      }
      if (!field.empty() && trim_cell(field).size() > 0) blank = false;
      row.fields.push_back(field);
      if (row.fields.size() > limits::csv_fields_max) {
        out.errors.push_back(
            row_error("csv.too_large", row.line, "",
                      "more than " + std::to_string(limits::csv_fields_max) + " fields in a row"));
        return out;
      }
      // After a field: separator, end of row, or end of input.
      if (i >= n) {
        row_done = true;
      } else if (text[i] == sep) {
        ++i;
      } else if (text[i] == '\n') {
        ++i;
        ++line;
        row_done = true;
      } else if (text[i] == '\r' && i + 1 < n && text[i + 1] == '\n') {
        i += 2;
        ++line;
        row_done = true;
      } else if (text[i] == '\r' && i + 1 == n) {
        ++i;
        row_done = true;
      } else {
        out.errors.push_back(row_error(
            "csv.bad_quote", line, "",
            quoted ? "text after a closing quote (a field is either quoted whole or not at all)"
                   : "a bare carriage return (lines end with LF or CRLF)"));
        return out;
      }
    }
    if (blank) continue;
    out.rows.push_back(std::move(row));
    if (out.rows.size() > hard_max) {
      out.errors.push_back(
          row_error("csv.too_large", out.rows.back().line, "",
                    "more than " + std::to_string(limits::csv_rows_max) + " data rows"));
      return out;
    }
    if (out.rows.size() == max_rows) return out;
  }
  return out;
}

std::string_view trim_cell(std::string_view s) {
  for (;;) {
    if (s.starts_with(' ') || s.starts_with('\t')) {
      s.remove_prefix(1);
    } else if (s.starts_with("\xC2\xA0")) {  // U+00A0
      s.remove_prefix(2);
    } else if (s.starts_with("\xE3\x80\x80")) {  // U+3000
      s.remove_prefix(3);
    } else {
      break;
    }
  }
  for (;;) {
    if (s.ends_with(' ') || s.ends_with('\t')) {
      s.remove_suffix(1);
    } else if (s.ends_with("\xC2\xA0")) {
      s.remove_suffix(2);
    } else if (s.ends_with("\xE3\x80\x80")) {
      s.remove_suffix(3);
    } else {
      break;
    }
  }
  return s;
}

Result<uint64_t> parse_quantity(std::string_view cell, unsigned decimals) {
  std::string_view s = trim_cell(cell);
  auto bad = [&](const std::string& why) {
    return err("csv.bad_number", "'" + std::string(cell) + "' " + why);
  };
  if (s.empty()) return bad("is empty");
  if (s[0] == '-' || s[0] == '+' || s[0] == '(')
    return bad("has a sign; quantities here are never negative");
  std::string_view int_part = s, frac;
  if (size_t dot = s.find('.'); dot != std::string_view::npos) {
    int_part = s.substr(0, dot);
    frac = s.substr(dot + 1);
    if (decimals == 0) return bad("has a fraction; this column takes whole tonnes");
    if (frac.empty() || frac.size() > decimals)
      return bad("needs 1 to " + std::to_string(decimals) + " digits after the point");
    for (char c : frac)
      if (c < '0' || c > '9') return bad("is not a number");
  }
  if (int_part.empty()) return bad("has no digits before the point");
  // Digits, optionally grouped by thousands: first group 1-3 digits, then ",ddd" groups.
  std::string digits;
  bool grouped = int_part.find(',') != std::string_view::npos;
  size_t group_len = 0, groups = 0;
  for (char c : int_part) {
    if (c == ',') {
      if ((groups == 0 && (group_len == 0 || group_len > 3)) || (groups > 0 && group_len != 3))
        return bad("has misplaced thousands separators (write 1,234,567 or 1234567)");
      ++groups;
      group_len = 0;
      continue;
    }
    if (c < '0' || c > '9') return bad("is not a number");
    digits.push_back(c);
    ++group_len;
  }
  if (grouped && group_len != 3)
    return bad("has misplaced thousands separators (write 1,234,567 or 1234567)");
  if (digits.size() > 1 && digits[0] == '0') return bad("has a leading zero");
  digits.append(frac);
  digits.append(decimals - frac.size(), '0');
  uint64_t v = 0;
  for (char c : digits) {
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (limits::quantity_max - d) / 10) return bad("is too large");
    v = v * 10 + d;
  }
  return v;
}

}  // namespace tanso::ets
