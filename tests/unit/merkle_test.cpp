// RFC 6962 Merkle trees (core/merkle.h) against the published Certificate Transparency test
// vectors: the eight reference leaves, the root of every prefix tree of size 1..8 and the audit
// paths of several (leaf, size) pairs; inclusion verification, and its refusal of every tampered
// proof (path element, leaf, index, size, root, added or removed elements). The vector values are
// the ones used by google/certificate-transparency and transparency-dev/merkle.
#include "core/merkle.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/crypto.h"

namespace tanso {
namespace {

Hash H(std::string_view hex) {
  auto h = hash_from_hex(hex);
  EXPECT_TRUE(h.has_value()) << hex;
  return h.value_or(Hash{});
}

// The eight reference leaves (raw leaf data, hex).
const char* const kLeaves[] = {
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
};

// MTH of the first n leaves, n = 1..8.
const char* const kRoots[] = {
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

const char* const kEmptyRoot = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

struct PathVector {
  size_t index;  // 0-based (the published vectors number leaves from 1)
  size_t size;
  std::vector<const char*> path;
};

const PathVector kPaths[] = {
    {0, 1, {}},
    {0,
     8,
     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {5,
     8,
     {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2, 3, {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
    {1,
     5,
     {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
};

std::vector<Hash> leaf_hashes(size_t n) {
  std::vector<Hash> out;
  for (size_t i = 0; i < n; ++i) out.push_back(merkle::leaf_hash(*from_hex(kLeaves[i])));
  return out;
}

std::vector<Hash> to_hashes(const std::vector<const char*>& hex) {
  std::vector<Hash> out;
  for (const char* h : hex) out.push_back(H(h));
  return out;
}

// RFC 6962 §2.1 MTH written as the RFC states it (recursive split at the largest power of two
// smaller than n), independent of the library's bottom-up implementation.
Hash reference_mth(const std::vector<Hash>& leaves, size_t begin, size_t n) {
  if (n == 1) return leaves[begin];
  size_t k = 1;
  while (k * 2 < n) k *= 2;
  return merkle::node_hash(reference_mth(leaves, begin, k),
                           reference_mth(leaves, begin + k, n - k));
}

class MerkleTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { init_crypto(); }
};

TEST_F(MerkleTest, EmptyTreeIsSha256OfEmptyString) {
  EXPECT_EQ(merkle::root({}), H(kEmptyRoot));
  EXPECT_EQ(merkle::root({}), sha256(std::string_view{}));
}

TEST_F(MerkleTest, LeafAndNodeHashesUseDomainPrefixes) {
  // leaf = SHA-256(0x00 || data); node = SHA-256(0x01 || left || right).
  Bytes leaf_in = {0x00, 'a', 'b'};
  EXPECT_EQ(merkle::leaf_hash(as_bytes("ab")), sha256(leaf_in));
  Hash l = merkle::leaf_hash(as_bytes("l")), r = merkle::leaf_hash(as_bytes("r"));
  Bytes node_in = {0x01};
  node_in.insert(node_in.end(), l.begin(), l.end());
  node_in.insert(node_in.end(), r.begin(), r.end());
  EXPECT_EQ(merkle::node_hash(l, r), sha256(node_in));
  EXPECT_NE(merkle::node_hash(l, r), merkle::node_hash(r, l));
}

TEST_F(MerkleTest, RootsOfEveryPrefixMatchReferenceVectors) {
  auto all = leaf_hashes(8);
  for (size_t n = 1; n <= 8; ++n) {
    SCOPED_TRACE("size " + std::to_string(n));
    std::vector<Hash> prefix(all.begin(), all.begin() + n);
    EXPECT_EQ(to_hex(merkle::root(prefix)), kRoots[n - 1]);
  }
  // A one-leaf tree's root is its leaf hash: SHA-256(0x00) for the empty leaf.
  EXPECT_EQ(all[0], H(kRoots[0]));
}

TEST_F(MerkleTest, AuditPathsMatchReferenceVectors) {
  auto all = leaf_hashes(8);
  for (const auto& v : kPaths) {
    SCOPED_TRACE("leaf " + std::to_string(v.index) + " of " + std::to_string(v.size));
    std::vector<Hash> tree(all.begin(), all.begin() + v.size);
    EXPECT_EQ(merkle::audit_path(tree, v.index), to_hashes(v.path));
  }
}

TEST_F(MerkleTest, ReferencePathsVerifyAgainstReferenceRoots) {
  auto all = leaf_hashes(8);
  for (const auto& v : kPaths) {
    SCOPED_TRACE("leaf " + std::to_string(v.index) + " of " + std::to_string(v.size));
    EXPECT_TRUE(merkle::verify_inclusion(all[v.index], v.index, v.size, to_hashes(v.path),
                                         H(kRoots[v.size - 1])));
  }
}

// Every corruption the transparency-dev verifier tests apply, on every reference path.
TEST_F(MerkleTest, TamperedProofsAreRefused) {
  auto all = leaf_hashes(8);
  const Hash some = H("abacaba000000000000000000000000000000000000000000060061e00123456");
  for (const auto& v : kPaths) {
    SCOPED_TRACE("leaf " + std::to_string(v.index) + " of " + std::to_string(v.size));
    const Hash leaf = all[v.index];
    const Hash root = H(kRoots[v.size - 1]);
    const auto path = to_hashes(v.path);
    auto refuses = [&](size_t index, size_t size, const std::vector<Hash>& p, const Hash& lf,
                       const Hash& rt) {
      return !merkle::verify_inclusion(lf, index, size, p, rt);
    };

    EXPECT_TRUE(refuses(v.index - 1, v.size, path, leaf, root)) << "index - 1";
    EXPECT_TRUE(refuses(v.index + 1, v.size, path, leaf, root)) << "index + 1";
    EXPECT_TRUE(refuses(v.index ^ 2, v.size, path, leaf, root)) << "index ^ 2";
    EXPECT_TRUE(refuses(v.index, v.size * 2, path, leaf, root)) << "size * 2";
    EXPECT_TRUE(refuses(v.index, v.size / 2, path, leaf, root)) << "size / 2";
    EXPECT_TRUE(refuses(v.index, v.size, path, merkle::leaf_hash(as_bytes("WrongLeaf")), root));
    EXPECT_TRUE(refuses(v.index, v.size, path, leaf, H(kEmptyRoot))) << "empty root";
    EXPECT_TRUE(refuses(v.index, v.size, path, leaf, some)) << "random root";

    auto trailing = path;
    trailing.push_back(Hash{});
    EXPECT_TRUE(refuses(v.index, v.size, trailing, leaf, root)) << "trailing garbage";
    trailing.back() = root;
    EXPECT_TRUE(refuses(v.index, v.size, trailing, leaf, root)) << "trailing root";
    auto preceding = path;
    preceding.insert(preceding.begin(), Hash{});
    EXPECT_TRUE(refuses(v.index, v.size, preceding, leaf, root)) << "preceding garbage";
    preceding.front() = root;
    EXPECT_TRUE(refuses(v.index, v.size, preceding, leaf, root)) << "preceding root";

    for (size_t i = 0; i < path.size(); ++i) {
      auto flipped = path;
      flipped[i][0] ^= 8;
      EXPECT_TRUE(refuses(v.index, v.size, flipped, leaf, root))
          << "flipped bit in path[" << i << "]";
    }
    if (!path.empty()) {
      auto removed = path;
      removed.pop_back();
      EXPECT_TRUE(refuses(v.index, v.size, removed, leaf, root)) << "removed component";
    }
    if (path.size() > 1) {
      auto inserted = path;
      inserted.insert(inserted.begin() + 1, some);
      EXPECT_TRUE(refuses(v.index, v.size, inserted, leaf, root)) << "inserted component";
    }
  }
}

TEST_F(MerkleTest, DegenerateInputsAreRefused) {
  const Hash some = merkle::leaf_hash(as_bytes("x"));
  // Nothing is included in an empty tree; an index past the end is never included.
  EXPECT_FALSE(merkle::verify_inclusion(some, 0, 0, {}, sha256(std::string_view{})));
  EXPECT_FALSE(merkle::verify_inclusion(some, 1, 1, {}, some));
  EXPECT_FALSE(merkle::verify_inclusion(some, 2, 1, {}, some));
  // A one-leaf tree: the root is the leaf and the path is empty.
  EXPECT_TRUE(merkle::verify_inclusion(some, 0, 1, {}, some));
  EXPECT_FALSE(merkle::verify_inclusion(some, 0, 1, {some}, some));
  // audit_path of an index outside the tree is empty.
  auto leaves = leaf_hashes(8);
  EXPECT_TRUE(merkle::audit_path(leaves, 8).empty());
  EXPECT_TRUE(merkle::audit_path({}, 0).empty());
}

// Beyond the vectors: for every size up to 70 the bottom-up root equals the RFC's recursive MTH,
// and every leaf's audit path verifies, and fails for any other leaf index.
TEST_F(MerkleTest, AllSizesAgreeWithRecursiveDefinitionAndVerify) {
  std::vector<Hash> leaves;
  for (int i = 0; i < 70; ++i) leaves.push_back(merkle::leaf_hash(as_bytes(std::to_string(i))));
  for (size_t n = 1; n <= leaves.size(); ++n) {
    SCOPED_TRACE("size " + std::to_string(n));
    std::vector<Hash> tree(leaves.begin(), leaves.begin() + n);
    const Hash root = merkle::root(tree);
    ASSERT_EQ(root, reference_mth(tree, 0, n));
    for (size_t i = 0; i < n; ++i) {
      auto path = merkle::audit_path(tree, i);
      ASSERT_TRUE(merkle::verify_inclusion(tree[i], i, n, path, root)) << "leaf " << i;
      if (n > 1) {
        size_t other = (i + 1) % n;
        EXPECT_FALSE(merkle::verify_inclusion(tree[i], other, n, path, root)) << "leaf " << i;
      }
    }
  }
}

}  // namespace
}  // namespace tanso
