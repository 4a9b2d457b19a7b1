// Cryptographic adapters and byte helpers (core/crypto.h, core/bytes.h): SHA-256 known answers
// from FIPS 180 and incremental == one-shot hashing; Ed25519 RFC 8032 §7.1 tests 1-3 (seed ->
// public key -> signature) and strict verification (flipped bits, non-canonical S, small-order
// keys); the "ed25519:<hex>" key text form; hex encoding and its rejections; big-endian integers.
#include "core/crypto.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "core/bytes.h"

namespace tanso {
namespace {

class CryptoTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { init_crypto(); }
};

Bytes B(std::string_view hex) {
  auto b = from_hex(hex);
  EXPECT_TRUE(b.has_value()) << hex;
  return b.value_or(Bytes{});
}

template <size_t N>
std::array<uint8_t, N> A(std::string_view hex) {
  Bytes b = B(hex);
  EXPECT_EQ(b.size(), N) << hex;
  std::array<uint8_t, N> out{};
  std::copy_n(b.begin(), std::min(N, b.size()), out.begin());
  return out;
}

// ---- SHA-256 ----

TEST_F(CryptoTest, Sha256KnownAnswers) {
  EXPECT_EQ(to_hex(sha256(std::string_view(""))),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(to_hex(sha256(std::string_view("abc"))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // The 448-bit two-block message of FIPS 180-2 Appendix B.2.
  EXPECT_EQ(
      to_hex(sha256(std::string_view("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))),
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  // One million 'a' (Appendix B.3).
  EXPECT_EQ(to_hex(sha256(std::string(1'000'000, 'a'))),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_F(CryptoTest, IncrementalEqualsOneShot) {
  {
    Sha256 h;
    h.update("a").update("").update("bc");
    EXPECT_EQ(to_hex(h.final()),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }
  {
    Sha256 h;  // nothing fed at all
    EXPECT_EQ(h.final(), sha256(std::string_view{}));
  }
  std::mt19937 rng(7);
  Bytes data(3000);
  for (auto& b : data) b = static_cast<uint8_t>(rng());
  for (int trial = 0; trial < 50; ++trial) {
    size_t n = rng() % data.size();
    ByteView all(data.data(), n);
    Sha256 h;
    size_t pos = 0;
    while (pos < n) {
      size_t step = std::min<size_t>(n - pos, rng() % 130);
      h.update(all.subspan(pos, step));
      pos += step;
    }
    EXPECT_EQ(h.final(), sha256(all)) << "length " << n;
  }
}

// ---- Ed25519 (RFC 8032 §7.1) ----

struct Rfc8032Vector {
  const char* seed;
  const char* pub;
  const char* msg;
  const char* sig;
};

const Rfc8032Vector kRfc8032[] = {
    {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
     "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
    {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
     "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
    {"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
     "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
};

TEST_F(CryptoTest, Ed25519Rfc8032Vectors) {
  for (const auto& v : kRfc8032) {
    SCOPED_TRACE(std::string("seed ") + v.seed);
    KeyPair kp = keypair_from_seed(A<32>(v.seed));
    EXPECT_EQ(to_hex(kp.pub), v.pub);
    // libsodium's secret key is seed || public key.
    EXPECT_EQ(to_hex(ByteView(kp.secret.data(), 32)), v.seed);
    EXPECT_EQ(to_hex(ByteView(kp.secret.data() + 32, 32)), v.pub);
    Bytes msg = B(v.msg);
    Signature sig = sign(kp.secret, msg);
    EXPECT_EQ(to_hex(ByteView(sig.data(), sig.size())), v.sig);
    EXPECT_TRUE(verify(kp.pub, msg, sig));
    EXPECT_TRUE(verify(A<32>(v.pub), msg, A<64>(v.sig)));
  }
}

TEST_F(CryptoTest, Ed25519RejectsAnyFlippedBit) {
  KeyPair kp = keypair_from_seed(A<32>(kRfc8032[2].seed));
  Bytes msg = B(kRfc8032[2].msg);
  Signature sig = sign(kp.secret, msg);
  ASSERT_TRUE(verify(kp.pub, msg, sig));
  for (size_t bit = 0; bit < msg.size() * 8; ++bit) {
    Bytes m = msg;
    m[bit / 8] ^= static_cast<uint8_t>(1 << (bit % 8));
    EXPECT_FALSE(verify(kp.pub, m, sig)) << "message bit " << bit;
  }
  for (size_t bit = 0; bit < sig.size() * 8; ++bit) {
    Signature s = sig;
    s[bit / 8] ^= static_cast<uint8_t>(1 << (bit % 8));
    EXPECT_FALSE(verify(kp.pub, msg, s)) << "signature bit " << bit;
  }
  for (size_t bit = 0; bit < kp.pub.size() * 8; ++bit) {
    PublicKey k = kp.pub;
    k[bit / 8] ^= static_cast<uint8_t>(1 << (bit % 8));
    EXPECT_FALSE(verify(k, msg, sig)) << "key bit " << bit;
  }
  Bytes longer = msg;
  longer.push_back(0);
  EXPECT_FALSE(verify(kp.pub, longer, sig));
  EXPECT_FALSE(verify(kp.pub, ByteView{}, sig));
}

TEST_F(CryptoTest, Ed25519VerificationIsStrict) {
  KeyPair kp = keypair_from_seed(A<32>(kRfc8032[0].seed));
  Bytes msg = B("f00d");
  Signature sig = sign(kp.secret, msg);
  ASSERT_TRUE(verify(kp.pub, msg, sig));
  // Malleability: S + L (the group order) is the same scalar mod L but non-canonical.
  static constexpr uint8_t kL[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58,
                                     0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
                                     0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                     0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10};
  Signature malleated = sig;
  unsigned carry = 0;
  for (int i = 0; i < 32; ++i) {
    unsigned s = malleated[32 + i] + kL[i] + carry;
    malleated[32 + i] = static_cast<uint8_t>(s);
    carry = s >> 8;
  }
  EXPECT_FALSE(verify(kp.pub, msg, malleated));
  // The identity point as a public key with R = identity, S = 0 "verifies" any message under a
  // lax verifier; libsodium refuses small-order keys and R.
  PublicKey identity{};
  identity[0] = 1;
  Signature trivial{};
  trivial[0] = 1;
  EXPECT_FALSE(verify(identity, msg, trivial));
  EXPECT_FALSE(verify(PublicKey{}, msg, Signature{}));
}

TEST_F(CryptoTest, RandomKeypairsDifferAndWork) {
  KeyPair a = random_keypair(), b = random_keypair();
  EXPECT_NE(a.pub, b.pub);
  Bytes msg = B("01020304");
  EXPECT_TRUE(verify(a.pub, msg, sign(a.secret, msg)));
  EXPECT_FALSE(verify(b.pub, msg, sign(a.secret, msg)));
}

// ---- key text ----

TEST_F(CryptoTest, KeyTextRoundTrip) {
  KeyPair kp = keypair_from_seed(A<32>(kRfc8032[1].seed));
  std::string text = key_to_text(kp.pub);
  EXPECT_EQ(text, std::string("ed25519:") + kRfc8032[1].pub);
  auto back = key_from_text(text);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, kp.pub);
  // Upper-case hex digits name the same key.
  std::string upper = "ed25519:3D4017C3E843895A92B70AA74D1B7EBC9C982CCF2EC4968CC0CD55F12AF4660C";
  ASSERT_TRUE(key_from_text(upper).has_value());
  EXPECT_EQ(*key_from_text(upper), kp.pub);
}

TEST_F(CryptoTest, KeyTextRejections) {
  const std::string hex = kRfc8032[1].pub;
  EXPECT_FALSE(key_from_text(""));
  EXPECT_FALSE(key_from_text("ed25519:"));
  EXPECT_FALSE(key_from_text(hex)) << "no prefix";
  EXPECT_FALSE(key_from_text("ED25519:" + hex)) << "prefix is case-sensitive";
  EXPECT_FALSE(key_from_text("ed448:" + hex));
  EXPECT_FALSE(key_from_text("ed25519:" + hex.substr(1))) << "63 digits";
  EXPECT_FALSE(key_from_text("ed25519:" + hex.substr(2))) << "62 digits";
  EXPECT_FALSE(key_from_text("ed25519:" + hex + "0")) << "65 digits";
  EXPECT_FALSE(key_from_text("ed25519:" + hex + "00")) << "66 digits";
  EXPECT_FALSE(key_from_text("ed25519: " + hex.substr(1)));
  EXPECT_FALSE(key_from_text("ed25519:" + hex + " "));
  std::string bad = hex;
  bad[10] = 'g';
  EXPECT_FALSE(key_from_text("ed25519:" + bad)) << "non-hex digit";
  EXPECT_FALSE(key_from_text(" ed25519:" + hex));
}

// ---- hex ----

TEST_F(CryptoTest, HexRoundTrip) {
  Bytes all(256);
  for (int i = 0; i < 256; ++i) all[i] = static_cast<uint8_t>(i);
  std::string hex = to_hex(all);
  EXPECT_EQ(hex.size(), 512u);
  EXPECT_EQ(hex.substr(0, 8), "00010203");
  EXPECT_EQ(hex.substr(504), "fcfdfeff");
  auto back = from_hex(hex);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, all);
  std::string upper = hex;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(from_hex(upper), all);
  EXPECT_EQ(from_hex(""), Bytes{});
  EXPECT_EQ(to_hex(Bytes{}), "");
  EXPECT_EQ(from_hex("aB"), Bytes{0xab});
}

TEST_F(CryptoTest, HexRejections) {
  EXPECT_FALSE(from_hex("a")) << "odd length";
  EXPECT_FALSE(from_hex("abc")) << "odd length";
  EXPECT_FALSE(from_hex("0g"));
  EXPECT_FALSE(from_hex("g0"));
  EXPECT_FALSE(from_hex("0x00"));
  EXPECT_FALSE(from_hex(" 0"));
  EXPECT_FALSE(from_hex("00 "));
  EXPECT_FALSE(from_hex("-1"));
  EXPECT_FALSE(from_hex(std::string("0\0", 2)));
  EXPECT_FALSE(from_hex("\xc3\xa9"));  // non-ASCII
  const std::string h64(64, 'a');
  EXPECT_TRUE(hash_from_hex(h64));
  EXPECT_FALSE(hash_from_hex(h64.substr(2)));
  EXPECT_FALSE(hash_from_hex(h64 + "aa"));
  EXPECT_FALSE(hash_from_hex(std::string(63, 'a') + "z"));
}

TEST_F(CryptoTest, BigEndianIntegers) {
  Bytes b;
  put_u64(b, 0x0102030405060708ull);
  put_u32(b, 0x0a0b0c0du);
  put_lp(b, "hi");
  EXPECT_EQ(to_hex(b), "01020304050607080a0b0c0d000000026869");
  EXPECT_EQ(get_u64(b.data()), 0x0102030405060708ull);
  Bytes m;
  put_u64(m, ~uint64_t{0});
  EXPECT_EQ(get_u64(m.data()), ~uint64_t{0});
}

}  // namespace
}  // namespace tanso
