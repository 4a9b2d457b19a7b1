// The channels visibility rule (node/channels.h): a channel's members are the accounts of its
// chain, proved by a signed read over the channel's chain id (or "" for GET /v1/channels); no
// one else is a member: not the anonymous, not an account of another chain with the same name,
// not a read signed for another chain or another target, not a revoked key.
#include <gtest/gtest.h>

#include "core/identity.h"
#include "core/state.h"
#include "node/channels.h"
#include "node/read_auth.h"
#include "test_keys.h"

namespace tanso {
namespace {

const KeyPair& member_key() { return test_key(1, 42); }
const KeyPair& other_key() { return test_key(2, 42); }
const KeyPair& revoked_key() { return test_key(3, 42); }

http::Request signed_get(const std::string& target, const std::string& chain, const KeyPair& k,
                         const std::string& account = "alice", int64_t t = 1'000'000) {
  http::Request r;
  r.method = "GET";
  r.target = target;
  r.path = target;
  std::string ts = std::to_string(t);
  Signature s = sign(k.secret, read_message(chain, "GET", target, ts));
  r.headers = {{"x-tanso-account", account},
               {"x-tanso-key", key_to_text(k.pub)},
               {"x-tanso-time", ts},
               {"x-tanso-signature", to_hex(ByteView(s.data(), s.size()))}};
  return r;
}

struct ChannelState {
  State base;
  Overlay st{base};
  ChannelState() {
    Account a;
    a.id = "alice";
    a.org = "acme";
    a.role = "company";
    a.keys = {{member_key().pub, true}, {revoked_key().pub, false}};
    store_account(st, a);
  }
};

TEST(Channels, MembersAreTheChainsAccounts) {
  init_crypto();
  ChannelState c;
  const std::string t = "/v1/channels/credits/status";
  EXPECT_TRUE(
      channel_member(signed_get(t, "credits-1", member_key()), c.st, "credits-1", 1'000'000));
  // GET /v1/channels: signed over the empty chain id.
  EXPECT_TRUE(channel_member(signed_get("/v1/channels", "", member_key()), c.st, "", 1'000'010));

  http::Request anon;
  anon.method = "GET";
  anon.target = anon.path = t;
  EXPECT_FALSE(channel_member(anon, c.st, "credits-1", 1'000'000));
  // Same account name, a key this chain does not know (a member of another channel).
  EXPECT_FALSE(
      channel_member(signed_get(t, "credits-1", other_key()), c.st, "credits-1", 1'000'000));
  EXPECT_FALSE(
      channel_member(signed_get(t, "credits-1", revoked_key()), c.st, "credits-1", 1'000'000));
  // No such account here.
  EXPECT_FALSE(channel_member(signed_get(t, "credits-1", member_key(), "bob"), c.st, "credits-1",
                              1'000'000));
  // Signed for another chain (or for the listing): not a read of this channel.
  EXPECT_FALSE(
      channel_member(signed_get(t, "goyang-1", member_key()), c.st, "credits-1", 1'000'000));
  EXPECT_FALSE(channel_member(signed_get(t, "", member_key()), c.st, "credits-1", 1'000'000));
  // Signed for another target.
  http::Request moved = signed_get(t, "credits-1", member_key());
  moved.target = moved.path = "/v1/channels/credits/accounts/alice/holdings";
  EXPECT_FALSE(channel_member(moved, c.st, "credits-1", 1'000'000));
  // Stale.
  EXPECT_FALSE(
      channel_member(signed_get(t, "credits-1", member_key()), c.st, "credits-1", 1'000'000 + 301));
}

TEST(Channels, UnknownAnswerIsTheSameForEveryone) {
  http::Response a = channel_unknown("credits");
  EXPECT_EQ(a.status, 404);
  EXPECT_NE(a.body.find("\"channel.unknown\""), std::string::npos);
  EXPECT_EQ(channel_prefix("city-goyang"), "/v1/channels/city-goyang");
}

}  // namespace
}  // namespace tanso
