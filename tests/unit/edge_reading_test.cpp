// The sensor reading protocol (edge/reading.h): topics, strict decoding with stable codes, the
// signature over the exact reading bytes, decimal values, and the Merkle leaf.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/merkle.h"
#include "edge/reading.h"
#include "test_keys.h"

namespace tanso::edge {
namespace {

struct ReadingTest : ::testing::Test {
  void SetUp() override { init_crypto(); }
  KeyPair dev = test_key(41, 0xed);
  std::string text = reading_text("gas-1", 7, 1763769600000, 12345, "Nm3");
  std::string msg = encode_reading_message(text, dev.secret);
};

TEST_F(ReadingTest, RoundTripAndVerify) {
  EXPECT_EQ(text,
            R"({"device":"gas-1","seq":7,"time":1763769600000,"value":"12.345","unit":"Nm3"})");
  auto r = decode_reading_message(msg);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->device, "gas-1");
  EXPECT_EQ(r->seq, 7u);
  EXPECT_EQ(r->time_ms, 1763769600000u);
  EXPECT_EQ(r->value_milli, 12345u);
  EXPECT_EQ(r->unit, "Nm3");
  EXPECT_EQ(r->text, text);
  EXPECT_TRUE(verify_reading(*r, dev.pub));
  EXPECT_FALSE(verify_reading(*r, test_key(42, 0xed).pub));
}

TEST_F(ReadingTest, SignatureCoversExactBytes) {
  // The same reading with a space added: still valid JSON, but not the signed bytes.
  std::string spaced = text;
  spaced.insert(1, " ");
  nlohmann::json j = {{"reading", spaced},
                      {"sig", nlohmann::json::parse(msg)["sig"].get<std::string>()}};
  auto r = decode_reading_message(j.dump());
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(verify_reading(*r, dev.pub));
  // A changed value with the old signature fails too.
  std::string other = reading_text("gas-1", 7, 1763769600000, 12346, "Nm3");
  j["reading"] = other;
  auto r2 = decode_reading_message(j.dump());
  ASSERT_TRUE(r2.ok());
  EXPECT_FALSE(verify_reading(*r2, dev.pub));
}

std::string code_of(std::string_view m) {
  auto r = decode_reading_message(m);
  return r.ok() ? "ok" : r.error().code;
}

std::string with_reading(const std::string& reading_json) {
  nlohmann::json j = {{"reading", reading_json}, {"sig", std::string(128, 'a')}};
  return j.dump();
}

TEST_F(ReadingTest, MalformedMessages) {
  EXPECT_EQ(code_of(""), "reading.malformed");
  EXPECT_EQ(code_of("not json"), "reading.malformed");
  EXPECT_EQ(code_of("[]"), "reading.malformed");
  EXPECT_EQ(code_of(R"({"reading":"{}"})"), "reading.malformed");
  EXPECT_EQ(code_of(R"({"reading":"{}","sig":"00","extra":1})"), "reading.malformed");
  EXPECT_EQ(code_of(R"({"reading":{},"sig":")" + std::string(128, 'a') + "\"}"),
            "reading.malformed");
  EXPECT_EQ(code_of(R"({"reading":"x","sig":")" + std::string(127, 'a') + "\"}"),
            "reading.malformed");
  EXPECT_EQ(code_of(R"({"reading":"x","sig":")" + std::string(128, 'A') + "\"}"),
            "reading.malformed");
  // Duplicate member: refused rather than resolved.
  EXPECT_EQ(code_of(R"({"reading":"x","reading":"y","sig":")" + std::string(128, 'a') + "\"}"),
            "reading.malformed");
  // Invalid UTF-8 inside a string.
  EXPECT_EQ(code_of("{\"reading\":\"\xff\",\"sig\":\"" + std::string(128, 'a') + "\"}"),
            "reading.malformed");
  EXPECT_EQ(code_of(std::string(reading_message_max + 1, ' ')), "reading.too_large");
}

TEST_F(ReadingTest, MalformedReadings) {
  auto base = [](std::string seq, std::string time, std::string value, std::string unit,
                 std::string device = "\"gas-1\"") {
    return with_reading("{\"device\":" + device + ",\"seq\":" + seq + ",\"time\":" + time +
                        ",\"value\":" + value + ",\"unit\":" + unit + "}");
  };
  EXPECT_EQ(code_of(base("1", "5", "\"1\"", "\"kWh\"")), "ok");
  EXPECT_EQ(code_of(base("0", "5", "\"1\"", "\"kWh\"")), "reading.malformed");
  EXPECT_EQ(code_of(base("-1", "5", "\"1\"", "\"kWh\"")), "reading.malformed");
  EXPECT_EQ(code_of(base("1.0", "5", "\"1\"", "\"kWh\"")), "reading.malformed");
  EXPECT_EQ(code_of(base("\"1\"", "5", "\"1\"", "\"kWh\"")), "reading.malformed");
  EXPECT_EQ(code_of(base("9007199254740992", "5", "\"1\"", "\"kWh\"")), "reading.malformed");
  EXPECT_EQ(code_of(base("1", "-5", "\"1\"", "\"kWh\"")), "reading.malformed");
  EXPECT_EQ(code_of(base("1", "5", "1.5", "\"kWh\"")), "reading.bad_value");
  EXPECT_EQ(code_of(base("1", "5", "\"-1\"", "\"kWh\"")), "reading.bad_value");
  EXPECT_EQ(code_of(base("1", "5", "\"1.2345\"", "\"kWh\"")), "reading.bad_value");
  EXPECT_EQ(code_of(base("1", "5", "\"1e3\"", "\"kWh\"")), "reading.bad_value");
  EXPECT_EQ(code_of(base("1", "5", "\"1000000000001\"", "\"kWh\"")), "reading.bad_value");
  EXPECT_EQ(code_of(base("1", "5", "\"1\"", "\"kwh\"")), "reading.bad_unit");
  EXPECT_EQ(code_of(base("1", "5", "\"1\"", "3")), "reading.bad_unit");
  EXPECT_EQ(code_of(base("1", "5", "\"1\"", "\"kWh\"", "\"a/b\"")), "reading.malformed");
  EXPECT_EQ(code_of(base("1", "5", "\"1\"", "\"kWh\"", "\"\"")), "reading.malformed");
  EXPECT_EQ(code_of(with_reading(R"({"device":"d","seq":1,"time":5,"value":"1"})")),
            "reading.malformed");
  EXPECT_EQ(code_of(with_reading(
                R"({"device":"d","seq":1,"time":5,"value":"1","unit":"kg","extra":true})")),
            "reading.malformed");
}

TEST(ReadingDecimal, ParseAndFormat) {
  EXPECT_EQ(parse_decimal_milli("0"), 0u);
  EXPECT_EQ(parse_decimal_milli("0.5"), 500u);
  EXPECT_EQ(parse_decimal_milli("12.345"), 12345u);
  EXPECT_EQ(parse_decimal_milli("12.3"), 12300u);
  EXPECT_EQ(parse_decimal_milli("1000000000000"), 1000000000000000u);
  for (const char* bad : {"", ".", "1.", ".5", "01", "00.5", "+1", "-1", "1e3", "1.2345", "1,5",
                          " 1", "12345678901234"})
    EXPECT_FALSE(parse_decimal_milli(bad).has_value()) << bad;
  EXPECT_EQ(format_milli(0), "0");
  EXPECT_EQ(format_milli(500), "0.5");
  EXPECT_EQ(format_milli(12345), "12.345");
  EXPECT_EQ(format_milli(12300), "12.3");
  EXPECT_EQ(format_milli(7000), "7");
  for (uint64_t v : {0ull, 1ull, 10ull, 999ull, 1001ull, 123456789ull})
    EXPECT_EQ(parse_decimal_milli(format_milli(v)), v);
}

TEST(ReadingTopic, ParseAndBuild) {
  auto t = parse_topic("tanso/plant-1/gas-1");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->installation, "plant-1");
  EXPECT_EQ(t->device, "gas-1");
  EXPECT_EQ(topic_for("plant-1", "gas-1"), "tanso/plant-1/gas-1");
  for (const char* bad : {"tanso/plant-1", "tanso//gas", "tanso/p/", "other/p/d", "tanso/p/d/x",
                          "tanso/p/d+", "tanso/p#/d"})
    EXPECT_FALSE(parse_topic(bad).has_value()) << bad;
}

TEST(ReadingLeaf, IsTheRfc6962LeafOfTheText) {
  std::string t = reading_text("m", 1, 2, 3, "kg");
  EXPECT_EQ(reading_leaf(t), merkle::leaf_hash(as_bytes(t)));
  EXPECT_NE(reading_leaf(t), reading_leaf(reading_text("m", 2, 2, 3, "kg")));
}

}  // namespace
}  // namespace tanso::edge
