// Private data (core/private_data.h) through the real executor: private.commit records the hash,
// the authorized organizations (the sender's always, sorted, the regulator's by its role), the
// kind and ref; malformed bodies and unknown orgs are refused with their codes and change
// nothing but the nonce; and the commitment scheme: plain SHA-256 of the bytes, salted
// SHA-256 for fields, with its salt required exactly when salted.
#include "core/private_data.h"

#include "market_fixture.h"

namespace tanso::mktest {
namespace {

using PrivateDataTest = MarketFixture;

const std::string kHash = to_hex(sha256(std::string_view("the report")));

Hash last_tx_id(Chain& ch) { return ch.log.back().back().id; }

TEST_F(PrivateDataTest, CommitRecordsTheHashAndTheAuthorizedOrgs) {
  ok({"a",
      "private.commit",
      {{"hash", kHash},
       {"kind", "mrv.evidence"},
       {"orgs", {"muni", "b"}},
       {"ref", "mrv/batch/x"}}});
  Hash id = last_tx_id(c());
  auto pc = load_private(c().st, id);
  ASSERT_TRUE(pc);
  EXPECT_EQ(to_hex(pc->hash), kHash);
  EXPECT_EQ(pc->scheme, "sha256");
  EXPECT_EQ(pc->orgs, (std::vector<std::string>{"a", "b", "muni"}));  // sorted, sender's in
  EXPECT_EQ(pc->kind, "mrv.evidence");
  EXPECT_EQ(pc->ref, "mrv/batch/x");
  EXPECT_EQ(pc->from, "a");
  EXPECT_EQ(pc->height, c().height);
  // Who may hold it: the listed orgs, the sender's, and the regulator's by its role.
  for (const char* org : {"a", "b", "muni", "moe"})
    EXPECT_TRUE(private_may_hold(c().st, *pc, org)) << org;
  for (const char* org : {"c", "krx", "settle-bank", "nobody"})
    EXPECT_FALSE(private_may_hold(c().st, *pc, org)) << org;
  Json v = pc->to_json();
  EXPECT_EQ(v["id"], to_hex(id));
  EXPECT_FALSE(v.contains("from"));  // the public view does not name the account
  EXPECT_TRUE(c().replays());
}

TEST_F(PrivateDataTest, TheSenderAloneAndTheSaltedScheme) {
  ok({"b", "private.commit", {{"hash", kHash}, {"kind", "price"}, {"scheme", "salted-sha256"}}});
  auto pc = load_private(c().st, last_tx_id(c()));
  ASSERT_TRUE(pc);
  EXPECT_EQ(pc->orgs, (std::vector<std::string>{"b"}));
  EXPECT_TRUE(pc->salted());
  // The regulator may commit too; its own org is then the only one listed.
  ok({"moe.officers", "private.commit", {{"hash", kHash}, {"kind", "memo"}}});
  EXPECT_EQ(load_private(c().st, last_tx_id(c()))->orgs, (std::vector<std::string>{"moe"}));
}

TEST_F(PrivateDataTest, BadCommitsAreRefusedAndChangeNothing) {
  auto body = [](Json extra) {
    Json b = {{"hash", kHash}, {"kind", "doc"}};
    b.update(extra);
    return b;
  };
  rejected({"a", "private.commit", body({{"orgs", {"b", "nobody"}}})}, "private.unknown_org");
  rejected({"a", "private.commit", body({{"orgs", {"b", "b"}}})}, "tx.malformed");
  rejected({"a", "private.commit", body({{"orgs", "b"}})}, "tx.malformed");
  rejected({"a", "private.commit", body({{"orgs", {"bad org"}}})}, "tx.malformed");
  Json many = Json::array();
  for (int i = 0; i < 33; ++i) many.push_back("o" + std::to_string(i));
  rejected({"a", "private.commit", body({{"orgs", many}})}, "tx.malformed");
  rejected({"a", "private.commit", body({{"hash", "ABCD"}})}, "tx.malformed");
  std::string upper = kHash;
  upper[0] = 'A';
  rejected({"a", "private.commit", body({{"hash", upper}})}, "tx.malformed");
  rejected({"a", "private.commit", body({{"scheme", "md5"}})}, "tx.malformed");
  rejected({"a", "private.commit", body({{"kind", ""}})}, "tx.malformed");
  rejected({"a", "private.commit", body({{"ref", std::string(300, 'x')}})}, "tx.malformed");
  rejected({"a", "private.commit", body({{"secret", "x"}})}, "tx.unknown_field");
  rejected({"a", "private.commit", {{"kind", "doc"}}}, "tx.malformed");
}

TEST(PrivateScheme, PlainIsTheSha256OfTheExactBytes) {
  init_crypto();
  std::string doc = "line 1\r\nline 2\n";
  auto h = private_copy_hash(kPrivatePlain, as_bytes(doc), std::nullopt);
  ASSERT_TRUE(h);
  EXPECT_EQ(*h, sha256(doc));
  // One byte more or less is another hash.
  EXPECT_NE(*private_copy_hash(kPrivatePlain, as_bytes(doc + " "), std::nullopt), *h);
  // sha256sum of "abc" (FIPS 180-2 test vector).
  EXPECT_EQ(
      to_hex(*private_copy_hash(kPrivatePlain, as_bytes(std::string_view("abc")), std::nullopt)),
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  auto salted = private_copy_hash(kPrivatePlain, as_bytes(doc), Bytes(32, 1));
  ASSERT_FALSE(salted);
  EXPECT_EQ(salted.error().code, "private.bad_salt");
}

TEST(PrivateScheme, SaltedHidesASmallValue) {
  init_crypto();
  Bytes salt(32);
  for (size_t i = 0; i < salt.size(); ++i) salt[i] = static_cast<uint8_t>(i * 7 + 3);
  std::string value = "42";
  auto h = private_copy_hash(kPrivateSalted, as_bytes(value), salt);
  ASSERT_TRUE(h);
  // The layout: SHA-256("tanso/private/salted/v1" 0x00 salt value).
  std::string m = "tanso/private/salted/v1";
  m.push_back('\0');
  m.append(salt.begin(), salt.end());
  m += value;
  EXPECT_EQ(*h, sha256(m));
  EXPECT_EQ(*h, private_salted_hash(ByteView(salt.data(), salt.size()), as_bytes(value)));
  // Without the salt, trying every small value does not find it.
  for (int v = 0; v < 1000; ++v) EXPECT_NE(sha256(std::to_string(v)), *h);
  // Another salt, another hash; the salt is required, and must be 32 bytes.
  Bytes other = salt;
  other[0] ^= 1;
  EXPECT_NE(*private_copy_hash(kPrivateSalted, as_bytes(value), other), *h);
  EXPECT_EQ(private_copy_hash(kPrivateSalted, as_bytes(value), std::nullopt).error().code,
            "private.bad_salt");
  EXPECT_EQ(private_copy_hash(kPrivateSalted, as_bytes(value), Bytes(31, 0)).error().code,
            "private.bad_salt");
}

}  // namespace
}  // namespace tanso::mktest
