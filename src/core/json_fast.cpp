// The fast strict JSON parser (see json_fast.h): recursive descent, bounded by depth_max, over
// RFC 8259 with the library's exact acceptance rules for what it does not give up on.
#include "core/json_fast.h"

#include <charconv>
#include <cstdint>
#include <vector>

#include "core/utf8.h"

namespace tanso {

namespace {

using Json = nlohmann::json;

class FastParser {
 public:
  FastParser(std::string_view text, size_t depth_max)
      : p_(text.data()), end_(text.data() + text.size()), depth_max_(depth_max) {}

  std::optional<Json> run() {
    Json out;
    skip_ws();
    if (!value(out, 0)) return std::nullopt;
    skip_ws();
    if (p_ != end_) return std::nullopt;
    return out;
  }

 private:
  void skip_ws() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }
  bool literal(std::string_view word) {
    if (static_cast<size_t>(end_ - p_) < word.size() || std::string_view(p_, word.size()) != word)
      return false;
    p_ += word.size();
    return true;
  }

  bool value(Json& out, size_t depth) {
    if (p_ == end_) return false;
    switch (*p_) {
      case '{':
        return object(out, depth);
      case '[':
        return array(out, depth);
      case '"': {
        std::string s;
        if (!string(s)) return false;
        out = std::move(s);
        return true;
      }
      case 't':
        if (!literal("true")) return false;
        out = true;
        return true;
      case 'f':
        if (!literal("false")) return false;
        out = false;
        return true;
      case 'n':
        if (!literal("null")) return false;
        out = nullptr;
        return true;
      default:
        return number(out);
    }
  }

  bool object(Json& out, size_t depth) {
    if (depth >= depth_max_) return false;
    ++p_;  // '{'
    out = Json::object();
    auto& members = out.get_ref<Json::object_t&>();
    skip_ws();
    if (p_ != end_ && *p_ == '}') {
      ++p_;
      return true;
    }
    for (;;) {
      skip_ws();
      if (p_ == end_ || *p_ != '"') return false;
      std::string key;
      if (!string(key)) return false;
      skip_ws();
      if (p_ == end_ || *p_ != ':') return false;
      ++p_;
      skip_ws();
      Json v;
      if (!value(v, depth + 1)) return false;
      // A repeated key: the strict path refuses it with its own message.
      if (!members.emplace(std::move(key), std::move(v)).second) return false;
      skip_ws();
      if (p_ == end_) return false;
      if (*p_ == ',') {
        ++p_;
        continue;
      }
      if (*p_ != '}') return false;
      ++p_;
      return true;
    }
  }

  bool array(Json& out, size_t depth) {
    if (depth >= depth_max_) return false;
    ++p_;  // '['
    out = Json::array();
    auto& items = out.get_ref<Json::array_t&>();
    skip_ws();
    if (p_ != end_ && *p_ == ']') {
      ++p_;
      return true;
    }
    for (;;) {
      skip_ws();
      Json v;
      if (!value(v, depth + 1)) return false;
      items.push_back(std::move(v));
      skip_ws();
      if (p_ == end_) return false;
      if (*p_ == ',') {
        ++p_;
        continue;
      }
      if (*p_ != ']') return false;
      ++p_;
      return true;
    }
  }

  // Integers only: -?(0|[1-9][0-9]*), within uint64 (unsigned) or int64 (negative), as the
  // library types them. Fractions, exponents and overflow go to the full parser.
  bool number(Json& out) {
    const char* start = p_;
    bool negative = false;
    if (*p_ == '-') {
      negative = true;
      ++p_;
    }
    if (p_ == end_ || *p_ < '0' || *p_ > '9') return false;
    if (*p_ == '0') {
      ++p_;
    } else {
      while (p_ != end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    }
    if (p_ != end_ && ((*p_ >= '0' && *p_ <= '9') || *p_ == '.' || *p_ == 'e' || *p_ == 'E'))
      return false;
    if (negative) {
      int64_t v = 0;
      auto [q, ec] = std::from_chars(start, p_, v);
      if (ec != std::errc() || q != p_) return false;
      out = v;
    } else {
      uint64_t v = 0;
      auto [q, ec] = std::from_chars(start, p_, v);
      if (ec != std::errc() || q != p_) return false;
      out = v;
    }
    return true;
  }

  static int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }
  bool u16(uint32_t& cp) {
    if (end_ - p_ < 4) return false;
    cp = 0;
    for (int i = 0; i < 4; ++i) {
      int h = hex(p_[i]);
      if (h < 0) return false;
      cp = cp << 4 | static_cast<uint32_t>(h);
    }
    p_ += 4;
    return true;
  }
  static void put_utf8(std::string& s, uint32_t cp) {
    if (cp < 0x80) {
      s += static_cast<char>(cp);
    } else if (cp < 0x800) {
      s += static_cast<char>(0xC0 | (cp >> 6));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      s += static_cast<char>(0xE0 | (cp >> 12));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      s += static_cast<char>(0xF0 | (cp >> 18));
      s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  // One UTF-8 sequence starting with a byte >= 0x80 (RFC 3629 ranges), copied as is.
  bool utf8(std::string& s) {
    size_t n = utf8_sequence_length(reinterpret_cast<const unsigned char*>(p_),
                                    static_cast<size_t>(end_ - p_));
    if (n < 2) return false;
    s.append(p_, n);
    p_ += n;
    return true;
  }

  bool string(std::string& s) {
    ++p_;  // opening quote
    for (;;) {
      // Copy the run of plain ASCII at once.
      const char* run = p_;
      while (p_ != end_ && static_cast<unsigned char>(*p_) >= 0x20 &&
             static_cast<unsigned char>(*p_) < 0x80 && *p_ != '"' && *p_ != '\\')
        ++p_;
      s.append(run, static_cast<size_t>(p_ - run));
      if (p_ == end_) return false;
      unsigned char c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        ++p_;
        return true;
      }
      if (c < 0x20) return false;  // control characters must be escaped (and NUL never passes)
      if (c >= 0x80) {
        if (!utf8(s)) return false;
        continue;
      }
      // Backslash escape.
      if (end_ - p_ < 2) return false;
      char e = p_[1];
      p_ += 2;
      switch (e) {
        case '"':
          s += '"';
          break;
        case '\\':
          s += '\\';
          break;
        case '/':
          s += '/';
          break;
        case 'b':
          s += '\b';
          break;
        case 'f':
          s += '\f';
          break;
        case 'n':
          s += '\n';
          break;
        case 'r':
          s += '\r';
          break;
        case 't':
          s += '\t';
          break;
        case 'u': {
          uint32_t cp;
          if (!u16(cp)) return false;
          if (cp >= 0xDC00 && cp <= 0xDFFF) return false;  // a lone low surrogate
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            uint32_t low;
            if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return false;
            p_ += 2;
            if (!u16(low) || low < 0xDC00 || low > 0xDFFF) return false;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          put_utf8(s, cp);
          break;
        }
        default:
          return false;
      }
    }
  }

  const char* p_;
  const char* end_;
  size_t depth_max_;
};

}  // namespace

std::optional<nlohmann::json> parse_json_fast(std::string_view text, size_t depth_max) {
  if (text.find('\0') != std::string_view::npos) return std::nullopt;
  return FastParser(text, depth_max).run();
}

CheckedJson parse_json_checked(std::string_view text, size_t depth_max) {
  CheckedJson out;
  // The library stops at a NUL byte as if the input ended there, so "{...}\0junk" would pass.
  if (text.find('\0') != std::string_view::npos) return out;
  // It also skips a leading UTF-8 byte order mark, which RFC 8259 forbids senders to add: other
  // parsers (and the batch scanner) refuse it, so the node does too.
  if (text.starts_with("\xEF\xBB\xBF")) return out;
  // Keys read in each open object; at its end, fewer members than keys means a repeat (the
  // parser kept only one of them). No allocation beyond this small stack.
  std::vector<uint32_t> keys;
  auto guard = [&](int depth, Json::parse_event_t event, Json& parsed) {
    switch (event) {
      case Json::parse_event_t::object_start:
        keys.push_back(0);
        [[fallthrough]];
      case Json::parse_event_t::array_start:
        // `depth` counts the containers around this one.
        if (depth >= static_cast<int>(depth_max)) out.too_deep = true;
        break;
      case Json::parse_event_t::key:
        if (!keys.empty()) ++keys.back();
        break;
      case Json::parse_event_t::object_end:
        if (!keys.empty()) {
          if (parsed.size() != keys.back()) out.duplicate = true;
          keys.pop_back();
        }
        break;
      default:
        break;
    }
    return true;
  };
  out.value = Json::parse(text, guard, /*allow_exceptions=*/false);
  out.valid = !out.value.is_discarded();
  return out;
}

}  // namespace tanso
