// The SSE receipt events a block produces: written by hand for speed, they must be exactly the
// text the JSON encoder gives.
#include <gtest/gtest.h>

#include "node/node.h"

namespace tanso {
namespace {

TEST(BlockEvents, ReceiptTextEqualsTheEncodersOutput) {
  BlockHeader h;
  h.height = 18'446'744'073'709'551'615ull;
  std::vector<Receipt> rs(3);
  for (size_t i = 0; i < rs.size(); ++i) rs[i].tx_id = sha256("tx" + std::to_string(i));
  rs[0].code = "ok";
  rs[1].code = "holdings.insufficient_balance";
  rs[2].code = "odd\"code\\";  // not an identifier: must still come out as valid, escaped JSON
  BlockEvents ev = block_events(h, rs);
  ASSERT_EQ(ev.receipt_jsons.size(), rs.size());
  for (size_t i = 0; i < rs.size(); ++i) {
    Json expect = {
        {"tx_id", to_hex(rs[i].tx_id)}, {"height", h.height}, {"index", i}, {"code", rs[i].code}};
    EXPECT_EQ(ev.receipt_jsons[i], expect.dump());
    EXPECT_EQ(Json::parse(ev.receipt_jsons[i]), expect);
  }
}

}  // namespace
}  // namespace tanso
