// The fast JSON path against the checked library parse: same value and types where it accepts,
// a give-up (never a different answer) where it does not.
#include "core/json_fast.h"

#include <gtest/gtest.h>

#include <string>

using tanso::parse_json_checked;
using tanso::parse_json_fast;
using Json = nlohmann::json;

namespace {

bool same(const Json& a, const Json& b) {
  if (a.type() != b.type() || a.size() != b.size()) return false;
  if (a.is_object()) {
    for (auto ia = a.begin(), ib = b.begin(); ia != a.end(); ++ia, ++ib)
      if (ia.key() != ib.key() || !same(ia.value(), ib.value())) return false;
    return true;
  }
  if (a.is_array()) {
    for (size_t i = 0; i < a.size(); ++i)
      if (!same(a[i], b[i])) return false;
    return true;
  }
  return a == b;
}

void expect_same_as_library(const std::string& text) {
  SCOPED_TRACE(text);
  auto fast = parse_json_fast(text, 16);
  auto ref = parse_json_checked(text, 16);
  ASSERT_TRUE(fast.has_value());
  ASSERT_TRUE(ref.valid);
  EXPECT_FALSE(ref.too_deep);
  EXPECT_FALSE(ref.duplicate);
  EXPECT_TRUE(same(*fast, ref.value)) << fast->dump() << " vs " << ref.value.dump();
}

void expect_gives_up(const std::string& text) {
  SCOPED_TRACE(text);
  EXPECT_FALSE(parse_json_fast(text, 16).has_value());
}

std::string nested(size_t n) { return std::string(n, '[') + std::string(n, ']'); }

}  // namespace

TEST(JsonFast, AcceptsWhatTheLibraryAcceptsWithTheSameTypes) {
  for (const char* t :
       {R"({"payload":"{\"a\":1}","signatures":[{"key":"ed25519:00","sig":"ab"}]})",
        R"({"chain":"c","type":"holdings.transfer","from":"a","nonce":7,"expires":0,)"
        R"("body":{"instrument":"KRW","to":"b","amount":"100","memo":"x"}})",
        " \t\r\n{ } ", "[]", "[1,-1,0,-0,18446744073709551615,-9223372036854775808]",
        R"("\"\\\/\b\f\n\r\t\u0041\u00e9\ud55c\ud83d\ude00\u0000")", "true", "false", "null",
        "\"\xed\x95\x9c\xea\xb8\x80\"",                // 한글 as UTF-8
        "\"\xf0\x9f\x98\x80 \xc2\xa9 \xef\xbf\xbd\"",  // 4-, 2- and 3-byte sequences
        R"({"a":{"b":{"c":[{"d":[]}]}}})"}) {
    expect_same_as_library(t);
  }
  expect_same_as_library(nested(16));
}

TEST(JsonFast, GivesUpOnEverythingElse) {
  // Not JSON: the checked parse produces the error.
  for (const char* t : {"",
                        " ",
                        "{",
                        "}",
                        "[1,]",
                        "{\"a\":1,}",
                        "{\"a\" 1}",
                        "{a:1}",
                        "01",
                        "-",
                        "1.",
                        "tru",
                        "nul",
                        "\"\\x\"",
                        "\"\\u12\"",
                        "\"\\ud800\"",
                        "\"\\udc00\"",
                        "\"\\ud800\\u0041\"",
                        "\"a\tb\"",
                        "[1] 2",
                        "\"\x80\"",
                        "\"\xc0\xaf\"",
                        "\"\xed\xa0\x80\"",
                        "\"\xf4\x90\x80\x80\"",
                        "\"\xe0\x80\xaf\""})
    expect_gives_up(t);
  // JSON, but left to the library: non-integers, 64-bit overflow, repeated keys, depth.
  for (const char* t : {"1.5", "1e3", "-2E-1", "18446744073709551616", "-9223372036854775809",
                        R"({"a":1,"a":2})", "\xEF\xBB\xBF{}"})
    expect_gives_up(t);
  expect_gives_up(nested(17));
  EXPECT_FALSE(parse_json_fast(std::string("{}\0junk", 7), 16).has_value());
}

TEST(JsonFast, CheckedParseFlagsDepthRepeatsAndNul) {
  EXPECT_TRUE(parse_json_checked(nested(17), 16).too_deep);
  EXPECT_FALSE(parse_json_checked(nested(16), 16).too_deep);
  EXPECT_TRUE(parse_json_checked(R"({"a":1,"a":2})", 16).duplicate);
  EXPECT_TRUE(parse_json_checked(R"([{"a":{"b":1,"b":1}}])", 16).duplicate);
  EXPECT_FALSE(parse_json_checked(std::string("{}\0", 3), 16).valid);
  EXPECT_FALSE(parse_json_checked("{", 16).valid);
  // A leading byte order mark: the library would skip it; the batch scanner and other parsers
  // refuse it (found by fuzz_tx_decode: a single submit took it, a batch did not).
  EXPECT_FALSE(parse_json_checked("\xEF\xBB\xBF{}", 16).valid);
}
