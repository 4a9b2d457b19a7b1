// Transaction envelopes and payloads (core/tx.h): a valid tx decodes and its id is the SHA-256 of
// its signing message; every malformed input is refused with its stable code (docs/ERRORS.md);
// the 64 KiB and 16-signature limits hold at their boundaries; signing and verification round
// trip and are domain-separated by chain id; json_u64 and valid_id accept exactly what they
// document.
#include "core/tx.h"

#include <gtest/gtest.h>
#include <pthread.h>

#include <string>
#include <vector>

#include "core/limits.h"

namespace tanso {
namespace {

constexpr std::string_view kChain = "tanso-test";

class TxTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { init_crypto(); }

  void SetUp() override {
    for (uint8_t i = 0; i < 20; ++i) {
      std::array<uint8_t, 32> seed{};
      seed[0] = i + 1;
      keys_.push_back(keypair_from_seed(seed));
    }
  }

  static Payload transfer(uint64_t nonce = 1) {
    Payload p;
    p.chain = std::string(kChain);
    p.type = "holdings.transfer";
    p.from = "acme.ops";
    p.nonce = nonce;
    p.expires = 100;
    p.body = {{"instrument", "KRW"}, {"to", "acme.treasury"}, {"amount", "125000"}};
    return p;
  }

  std::string signed_by(const std::string& payload, size_t n_keys) {
    std::vector<const KeyPair*> signers;
    for (size_t i = 0; i < n_keys; ++i) signers.push_back(&keys_[i]);
    return sign_envelope(payload, kChain, signers);
  }

  // An envelope with `payload` as its payload text and one valid-looking signature.
  Json envelope_with(const Json& payload) {
    Json env = Json::parse(signed_by(payload_text(transfer()), 1));
    env["payload"] = payload;
    return env;
  }

  static std::string code_of_text(std::string_view envelope) {
    auto r = decode_tx(envelope);
    return r ? "ok" : r.error().code;
  }
  static std::string code_of(const Json& envelope) { return code_of_text(envelope.dump()); }

  std::vector<KeyPair> keys_;
};

TEST_F(TxTest, ValidTxDecodes) {
  Payload p = transfer(42);
  std::string text = payload_text(p);
  std::string env = signed_by(text, 2);
  auto tx = decode_tx(env);
  ASSERT_TRUE(tx) << tx.error().code << ": " << tx.error().message;
  EXPECT_EQ(tx->envelope, env);
  EXPECT_EQ(tx->payload_text, text);
  EXPECT_EQ(tx->payload.chain, kChain);
  EXPECT_EQ(tx->payload.type, "holdings.transfer");
  EXPECT_EQ(tx->payload.from, "acme.ops");
  EXPECT_EQ(tx->payload.nonce, 42u);
  EXPECT_EQ(tx->payload.expires, 100u);
  EXPECT_EQ(tx->payload.body, p.body);
  ASSERT_EQ(tx->signatures.size(), 2u);
  EXPECT_EQ(tx->signatures[0].key, keys_[0].pub);
  EXPECT_EQ(tx->signatures[1].key, keys_[1].pub);
  EXPECT_TRUE(verify_signatures(*tx));
}

TEST_F(TxTest, IdIsSha256OfSigningMessage) {
  std::string text = payload_text(transfer());
  auto tx = decode_tx(signed_by(text, 1));
  ASSERT_TRUE(tx);
  Bytes m = signing_message(kChain, text);
  // "tanso/tx/v1" 0x00 chain 0x00 payload bytes.
  std::string expect = std::string(kTxDomain) + '\0' + std::string(kChain) + '\0' + text;
  EXPECT_EQ(std::string(m.begin(), m.end()), expect);
  EXPECT_EQ(tx->id, sha256(m));
  // Adding signatures does not change the id; changing one payload byte does.
  auto tx3 = decode_tx(signed_by(text, 3));
  ASSERT_TRUE(tx3);
  EXPECT_EQ(tx3->id, tx->id);
  std::string spaced = text;
  spaced.insert(1, " ");
  auto tx_spaced = decode_tx(signed_by(spaced, 1));
  ASSERT_TRUE(tx_spaced);
  EXPECT_NE(tx_spaced->id, tx->id);
}

TEST_F(TxTest, SignaturesCoverExactPayloadBytes) {
  std::string text = payload_text(transfer());
  Json env = Json::parse(signed_by(text, 2));
  auto ok = decode_tx(env.dump());
  ASSERT_TRUE(ok);
  EXPECT_TRUE(verify_signatures(*ok));
  // Same JSON meaning, different bytes: the old signatures no longer verify.
  std::string respaced = text;
  respaced.insert(respaced.size() - 1, " ");
  env["payload"] = respaced;
  auto tampered = decode_tx(env.dump());
  ASSERT_TRUE(tampered);
  EXPECT_FALSE(verify_signatures(*tampered));
  // One good and one bad signature: refused.
  Json env2 = Json::parse(signed_by(text, 2));
  std::string sig = env2["signatures"][1]["sig"];
  sig[0] = sig[0] == '0' ? '1' : '0';
  env2["signatures"][1]["sig"] = sig;
  auto half = decode_tx(env2.dump());
  ASSERT_TRUE(half);
  EXPECT_FALSE(verify_signatures(*half));
}

TEST_F(TxTest, SignatureForAnotherChainFails) {
  Payload p = transfer();
  std::string text = payload_text(p);
  // Signed for "other-chain" although the payload names kChain: decodes, never verifies.
  std::string env = sign_envelope(text, "other-chain", {&keys_[0]});
  auto tx = decode_tx(env);
  ASSERT_TRUE(tx);
  EXPECT_FALSE(verify_signatures(*tx));
  // And a tx really meant for another chain gets a different id from the same payload bytes
  // under kChain.
  p.chain = "other-chain";
  auto other = decode_tx(sign_envelope(payload_text(p), "other-chain", {&keys_[0]}));
  ASSERT_TRUE(other);
  EXPECT_TRUE(verify_signatures(*other));
  EXPECT_NE(other->id, tx->id);
}

TEST_F(TxTest, EnvelopeRejections) {
  EXPECT_EQ(code_of_text(std::string_view("")), "request.malformed_json");
  EXPECT_EQ(code_of_text(std::string_view("{")), "request.malformed_json");
  EXPECT_EQ(code_of_text(std::string_view("{\"payload\": }")), "request.malformed_json");
  EXPECT_EQ(code_of_text(std::string_view("not json")), "request.malformed_json");
  EXPECT_EQ(code_of_text(std::string_view("[]")), "tx.malformed");
  EXPECT_EQ(code_of_text(std::string_view("\"a string\"")), "tx.malformed");
  EXPECT_EQ(code_of_text(std::string_view("42")), "tx.malformed");
  EXPECT_EQ(code_of_text(std::string_view("null")), "tx.malformed");

  Json good = Json::parse(signed_by(payload_text(transfer()), 1));
  ASSERT_EQ(code_of(good), "ok");

  Json j = good;
  j.erase("payload");
  EXPECT_EQ(code_of(j), "tx.malformed") << "missing payload";
  j = good;
  j["payload"] = Json::parse(payload_text(transfer()));  // an object, not JSON text
  EXPECT_EQ(code_of(j), "tx.malformed") << "payload not a string";
  j = good;
  j["payload"] = 7;
  EXPECT_EQ(code_of(j), "tx.malformed");
  j = good;
  j["extra"] = 1;
  EXPECT_EQ(code_of(j), "tx.unknown_field");
}

TEST_F(TxTest, PayloadRejections) {
  EXPECT_EQ(code_of(envelope_with("{not json")), "tx.malformed");
  EXPECT_EQ(code_of(envelope_with("")), "tx.malformed");
  EXPECT_EQ(code_of(envelope_with("[1,2]")), "tx.malformed");
  EXPECT_EQ(code_of(envelope_with("\"text\"")), "tx.malformed");

  Json p = Json::parse(payload_text(transfer()));
  for (const char* field : {"chain", "type", "from", "nonce", "expires", "body"}) {
    Json q = p;
    q.erase(field);
    EXPECT_EQ(code_of(envelope_with(q.dump())), "tx.malformed") << "missing " << field;
  }
  Json extra = p;
  extra["memo"] = "x";
  EXPECT_EQ(code_of(envelope_with(extra.dump())), "tx.unknown_field");

  auto with = [&](const char* field, const Json& v) {
    Json q = p;
    q[field] = v;
    return code_of(envelope_with(q.dump()));
  };
  EXPECT_EQ(with("chain", 5), "tx.malformed");
  EXPECT_EQ(with("type", Json::array()), "tx.malformed");
  EXPECT_EQ(with("type", ""), "tx.malformed");
  EXPECT_EQ(with("type", std::string(65, 't')), "tx.malformed");
  EXPECT_EQ(with("from", ""), "tx.malformed");
  EXPECT_EQ(with("from", "has space"), "tx.malformed");
  EXPECT_EQ(with("from", "slash/no"), "tx.malformed");
  EXPECT_EQ(with("from", std::string(65, 'a')), "tx.malformed");
  EXPECT_EQ(with("from", std::string(64, 'a')), "ok");
  EXPECT_EQ(with("body", "{}"), "tx.malformed");
  EXPECT_EQ(with("body", Json::array()), "tx.malformed");
  EXPECT_EQ(with("body", Json::object()), "ok");
  EXPECT_EQ(with("expires", -1), "tx.malformed");
  EXPECT_EQ(with("expires", 0), "ok");
}

TEST_F(TxTest, NonceRejections) {
  Json p = Json::parse(payload_text(transfer()));
  auto nonce = [&](const std::string& raw) {
    std::string text = p.dump();
    auto at = text.find("\"nonce\":1");
    EXPECT_NE(at, std::string::npos);
    text.replace(at, 9, "\"nonce\":" + raw);
    return code_of(envelope_with(text));
  };
  EXPECT_EQ(nonce("1"), "ok");
  EXPECT_EQ(nonce("\"7\""), "ok");
  EXPECT_EQ(nonce("18446744073709551615"), "ok");
  EXPECT_EQ(nonce("0"), "tx.malformed");
  EXPECT_EQ(nonce("\"0\""), "tx.malformed");
  EXPECT_EQ(nonce("-1"), "tx.malformed");
  EXPECT_EQ(nonce("1.5"), "tx.malformed");
  EXPECT_EQ(nonce("1.0"), "tx.malformed");
  EXPECT_EQ(nonce("1e3"), "tx.malformed");
  EXPECT_EQ(nonce("18446744073709551616"), "tx.malformed");
  EXPECT_EQ(nonce("1000000000000000000000000"), "tx.malformed");
  EXPECT_EQ(nonce("\"18446744073709551616\""), "tx.malformed");
  EXPECT_EQ(nonce("null"), "tx.malformed");
  EXPECT_EQ(nonce("true"), "tx.malformed");
  EXPECT_EQ(nonce("[1]"), "tx.malformed");
}

TEST_F(TxTest, SignatureRejections) {
  std::string text = payload_text(transfer());
  Json good = Json::parse(signed_by(text, 2));
  ASSERT_EQ(code_of(good), "ok");

  Json j = good;
  j.erase("signatures");
  EXPECT_EQ(code_of(j), "tx.missing_signature");
  EXPECT_EQ(decode_tx(j.dump()).error().http, 401);
  j["signatures"] = Json::array();
  EXPECT_EQ(code_of(j), "tx.missing_signature");
  j["signatures"] = Json::object();
  EXPECT_EQ(code_of(j), "tx.malformed");
  j["signatures"] = "sig";
  EXPECT_EQ(code_of(j), "tx.malformed");

  auto with_sig = [&](const Json& s) {
    Json k = good;
    k["signatures"][1] = s;
    return code_of(k);
  };
  const Json s0 = good["signatures"][1];
  const std::string key = s0["key"], sig = s0["sig"];
  EXPECT_EQ(with_sig("x"), "tx.malformed");
  EXPECT_EQ(with_sig(Json{{"key", key}}), "tx.malformed");
  EXPECT_EQ(with_sig(Json{{"sig", sig}}), "tx.malformed");
  EXPECT_EQ(with_sig(Json{{"key", key}, {"sig", sig}, {"alg", "ed25519"}}), "tx.malformed");
  EXPECT_EQ(with_sig(Json{{"key", 1}, {"sig", sig}}), "tx.malformed");
  EXPECT_EQ(with_sig(Json{{"key", key}, {"sig", 1}}), "tx.malformed");
  // Bad key prefix / length / digits.
  EXPECT_EQ(with_sig(Json{{"key", "secp256k1:" + key.substr(8)}, {"sig", sig}}), "tx.malformed");
  EXPECT_EQ(with_sig(Json{{"key", key.substr(8)}, {"sig", sig}}), "tx.malformed");
  EXPECT_EQ(with_sig(Json{{"key", key.substr(0, key.size() - 2)}, {"sig", sig}}), "tx.malformed");
  // Signature hex of the wrong length, odd length, or not hex.
  EXPECT_EQ(with_sig(Json{{"key", key}, {"sig", sig.substr(2)}}), "tx.malformed");
  EXPECT_EQ(with_sig(Json{{"key", key}, {"sig", sig + "00"}}), "tx.malformed");
  EXPECT_EQ(with_sig(Json{{"key", key}, {"sig", sig.substr(1)}}), "tx.malformed");
  EXPECT_EQ(with_sig(Json{{"key", key}, {"sig", "zz" + sig.substr(2)}}), "tx.malformed");
  EXPECT_EQ(with_sig(Json{{"key", key}, {"sig", ""}}), "tx.malformed");
  // The same signer twice (even with different signature bytes).
  EXPECT_EQ(with_sig(good["signatures"][0]), "tx.malformed");
  Json dup = good;
  dup["signatures"][1]["key"] = good["signatures"][0]["key"];
  EXPECT_EQ(code_of(dup), "tx.malformed");
}

TEST_F(TxTest, AtMostSixteenSignatures) {
  std::string text = payload_text(transfer());
  ASSERT_EQ(limits::tx_signatures_max, 16u);
  EXPECT_EQ(code_of_text(signed_by(text, 16)), "ok");
  auto tx16 = decode_tx(signed_by(text, 16));
  ASSERT_TRUE(tx16);
  EXPECT_EQ(tx16->signatures.size(), 16u);
  EXPECT_TRUE(verify_signatures(*tx16));
  EXPECT_EQ(code_of_text(signed_by(text, 17)), "tx.malformed");
}

TEST_F(TxTest, SizeLimitIsExactly64KiB) {
  // Pad body.memo so that the envelope is exactly tx_bytes_max bytes, then one more.
  auto envelope_of_size = [&](size_t want) {
    Payload p = transfer();
    p.body["memo"] = "";
    std::string env = signed_by(payload_text(p), 1);
    EXPECT_LT(env.size(), want);
    p.body["memo"] = std::string(want - env.size(), 'm');
    env = signed_by(payload_text(p), 1);
    EXPECT_EQ(env.size(), want);
    return env;
  };
  std::string max = envelope_of_size(limits::tx_bytes_max);
  auto ok = decode_tx(max);
  ASSERT_TRUE(ok) << ok.error().code;
  EXPECT_TRUE(verify_signatures(*ok));
  std::string over = envelope_of_size(limits::tx_bytes_max + 1);
  auto r = decode_tx(over);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "tx.oversized");
  EXPECT_EQ(r.error().http, 413);
  // Oversized input is refused before parsing: garbage of that size is still tx.oversized.
  EXPECT_EQ(code_of_text(std::string(limits::tx_bytes_max + 1, '{')), "tx.oversized");
  // The already-parsed overload applies the same limit to the stored text.
  auto r2 = decode_tx(Json::parse(over), over);
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error().code, "tx.oversized");
}

TEST_F(TxTest, NulBytesAreRefusedNotTreatedAsEndOfInput) {
  // Found by fuzz_tx_decode: the JSON parser stops at a NUL as if the input ended there.
  std::string env = signed_by(payload_text(transfer()), 1);
  ASSERT_TRUE(decode_tx(env));
  EXPECT_EQ(code_of_text(env + std::string(3, '\0')), "request.malformed_json");
  EXPECT_EQ(code_of_text(env + std::string(1, '\0') + "junk"), "request.malformed_json");
  std::string payload = payload_text(transfer()) + std::string(1, '\0');
  EXPECT_EQ(code_of_text(signed_by(payload, 1)), "tx.malformed");
}

TEST_F(TxTest, ByteOrderMarksAreRefused) {
  // Found by fuzz_tx_decode: the JSON library skips a leading UTF-8 BOM, so a single submit
  // accepted an envelope that the batch path (and other parsers) refuse.
  const std::string bom = "\xEF\xBB\xBF";
  std::string env = signed_by(payload_text(transfer()), 1);
  EXPECT_EQ(code_of_text(bom + env), "request.malformed_json");
  EXPECT_EQ(code_of_text(signed_by(bom + payload_text(transfer()), 1)), "tx.malformed");
}

TEST_F(TxTest, ParsedOverloadMatchesTextOverload) {
  std::string env = signed_by(payload_text(transfer()), 2);
  auto a = decode_tx(env);
  auto b = decode_tx(Json::parse(env), env);
  ASSERT_TRUE(a);
  ASSERT_TRUE(b);
  EXPECT_EQ(a->id, b->id);
  EXPECT_EQ(a->envelope, b->envelope);
  EXPECT_EQ(a->payload_text, b->payload_text);
  auto bad = decode_tx(Json::array(), "[]");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "tx.malformed");
}

TEST_F(TxTest, JsonU64) {
  EXPECT_EQ(json_u64(Json(0)), 0u);
  EXPECT_EQ(json_u64(Json(12345)), 12345u);
  EXPECT_EQ(json_u64(Json(~uint64_t{0})), ~uint64_t{0});
  EXPECT_EQ(json_u64(Json::parse("18446744073709551615")), ~uint64_t{0});
  EXPECT_EQ(json_u64(Json("0")), 0u);
  EXPECT_EQ(json_u64(Json("7")), 7u);
  EXPECT_EQ(json_u64(Json("18446744073709551615")), ~uint64_t{0});

  EXPECT_FALSE(json_u64(Json(-1)));
  EXPECT_FALSE(json_u64(Json(1.0)));
  EXPECT_FALSE(json_u64(Json(1.5)));
  EXPECT_FALSE(json_u64(Json::parse("1e3")));
  EXPECT_FALSE(json_u64(Json::parse("18446744073709551616")));  // 2^64 parses as a double
  EXPECT_FALSE(json_u64(Json(true)));
  EXPECT_FALSE(json_u64(Json()));
  EXPECT_FALSE(json_u64(Json::array({1})));
  for (const char* s : {"", "01", "00", "-1", "-0", "+1", "1e3", "1.0", " 1", "1 ", "0x10", "١",
                        "18446744073709551616", "99999999999999999999", "000000000000000000001"})
    EXPECT_FALSE(json_u64(Json(s))) << '"' << s << '"';
}

TEST_F(TxTest, ValidId) {
  EXPECT_TRUE(valid_id("a"));
  EXPECT_TRUE(valid_id("acme.ops"));
  EXPECT_TRUE(valid_id("A-Z_0:9.x"));
  EXPECT_TRUE(valid_id(std::string(64, 'x')));
  EXPECT_FALSE(valid_id(""));
  EXPECT_FALSE(valid_id(std::string(65, 'x')));
  for (const char* s : {"a b", "a/b", "a\"b", "a\\b", "é", "a\nb", "a+b", "a@b"})
    EXPECT_FALSE(valid_id(s)) << s;
}

// A payload of `arrays` nested arrays in body.x: the payload object and the body count as two
// levels of nesting, so 14 arrays reach the limit of 16.
std::string nested_payload(size_t arrays) {
  return "{\"body\":{\"x\":" + std::string(arrays, '[') + std::string(arrays, ']') +
         "},\"chain\":\"tanso-test\",\"expires\":1,\"from\":\"a\",\"nonce\":1,"
         "\"type\":\"holdings.transfer\"}";
}

// Runs f on a thread with a 256 KiB stack (pthread attributes; std::thread cannot set one).
template <typename F>
void on_small_stack(F f) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 256 * 1024);
  pthread_t t;
  auto run = [](void* p) -> void* {
    (*static_cast<F*>(p))();
    return nullptr;
  };
  ASSERT_EQ(pthread_create(&t, &attr, run, &f), 0);
  pthread_join(t, nullptr);
  pthread_attr_destroy(&attr);
}

TEST_F(TxTest, PayloadNestingIsBounded) {
  ASSERT_EQ(limits::payload_depth_max, 16u);
  auto deepest_ok = decode_tx(signed_by(nested_payload(14), 1));
  ASSERT_TRUE(deepest_ok) << deepest_ok.error().message;
  EXPECT_EQ(code_of_text(signed_by(nested_payload(15), 1)), "tx.malformed");
  // The deepest nesting that fits in 64 KiB is refused without deep recursion: on a 256 KiB
  // stack (copying or dumping such a tree recursively needs ~3 MiB).
  std::string deepest = signed_by(nested_payload((limits::tx_bytes_max - 400) / 2), 1);
  ASSERT_LE(deepest.size(), limits::tx_bytes_max);
  std::string code;
  on_small_stack([&] {
    auto r = decode_tx(deepest);
    code = r ? "ok" : r.error().code;
  });
  EXPECT_EQ(code, "tx.malformed");
}

// A repeated key is ambiguous (this parser keeps the last, others keep the first or refuse), so
// the signer and the node could disagree on what was signed: refused anywhere in the payload.
TEST_F(TxTest, DuplicateKeysAreRefused) {
  const std::string tail =
      "\"chain\":\"tanso-test\",\"expires\":1,\"nonce\":1,\"type\":\"holdings.transfer\"";
  auto code = [&](const std::string& payload) { return code_of_text(signed_by(payload, 1)); };
  const std::string body = "\"body\":{\"amount\":5,\"instrument\":\"KRW\",\"to\":\"b\"}";
  EXPECT_EQ(code("{" + body + ",\"from\":\"a\"," + tail + "}"), "ok");
  EXPECT_EQ(code("{" + body + ",\"from\":\"a\",\"from\":\"m\"," + tail + "}"), "tx.malformed");
  EXPECT_EQ(code("{\"body\":{\"amount\":5,\"to\":\"b\",\"to\":\"m\"},\"from\":\"a\"," + tail + "}"),
            "tx.malformed");
  EXPECT_EQ(code("{\"body\":{\"x\":[{\"k\":1,\"k\":2}]},\"from\":\"a\"," + tail + "}"),
            "tx.malformed");
  // The same key in different objects is fine.
  EXPECT_EQ(code("{\"body\":{\"a\":{\"k\":1},\"b\":{\"k\":2},\"type\":[{\"k\":1},{\"k\":1}]},"
                 "\"from\":\"a\"," +
                 tail + "}"),
            "ok");
}

TEST_F(TxTest, PayloadTextRoundTrips) {
  Payload p = transfer(9);
  p.body["memo"] = "quote \" and unicode \xe2\x82\xa9";
  auto tx = decode_tx(signed_by(payload_text(p), 1));
  ASSERT_TRUE(tx);
  EXPECT_EQ(tx->payload.body, p.body);
  EXPECT_EQ(tx->payload.nonce, 9u);
  EXPECT_TRUE(verify_signatures(*tx));
}

}  // namespace
}  // namespace tanso
