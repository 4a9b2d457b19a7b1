// Tests for scan_array_field: the batch body scanner that slices envelopes out byte for byte.
#include "core/json_scan.h"

#include <gtest/gtest.h>

namespace tanso {
namespace {

std::vector<std::string> items(std::string_view body, size_t max = 100) {
  auto r = scan_array_field(body, "txs", max);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().code + ": " + r.error().message);
  if (!r.ok()) return {};
  return std::vector<std::string>(r->begin(), r->end());
}

std::string code(std::string_view body, size_t max = 100) {
  auto r = scan_array_field(body, "txs", max);
  return r.ok() ? "ok" : r.error().code;
}

TEST(JsonScan, SlicesElementsExactly) {
  EXPECT_EQ(
      items(R"({"txs":[{"a":1},{"b":"x}]\"y"} , [1,[2]],"s",7]})"),
      (std::vector<std::string>{R"({"a":1})", R"({"b":"x}]\"y"})", "[1,[2]]", R"("s")", "7"}));
  EXPECT_EQ(items(" {\n\"txs\" : [ ] } \n"), std::vector<std::string>{});
  EXPECT_EQ(items(R"({"txs":[{"payload":"{\"k\":\"}\"}"}]})"),
            (std::vector<std::string>{R"({"payload":"{\"k\":\"}\"}"})"}));
}

TEST(JsonScan, MalformedBodies) {
  for (const char* bad : {"", "{", "{\"txs\"", "{\"txs\":[", "{\"txs\":[{]}", "{\"txs\":[1,]}",
                          "{\"txs\":[\"unterminated]}", "{\"txs\":[{\"a\":[}]}", "{\"txs\":[]}x",
                          "{\"txs\":[]", "{\"txs\":[{}}]}", "{\"txs\":[\"a\nb\"]}"})
    EXPECT_EQ(code(bad), "request.malformed_json") << bad;
}

TEST(JsonScan, WrongShapes) {
  EXPECT_EQ(code("[]"), "batch.malformed");
  EXPECT_EQ(code(R"({"other":[]})"), "batch.malformed");
  EXPECT_EQ(code(R"({"txs":{}})"), "batch.malformed");
  EXPECT_EQ(code(R"({"txs":[],"more":1})"), "batch.malformed");
}

TEST(JsonScan, OversizedBatch) {
  EXPECT_EQ(code(R"({"txs":[1,2,3]})", 3), "ok");
  EXPECT_EQ(code(R"({"txs":[1,2,3,4]})", 3), "batch.oversized");
}

TEST(JsonScan, DeepNestingNeedsNoRecursion) {
  std::string deep = "{\"txs\":[" + std::string(200000, '[') + std::string(200000, ']') + "]}";
  EXPECT_EQ(items(deep).size(), 1u);
}

}  // namespace
}  // namespace tanso
