// RFC 6962 Merkle tree hashing, audit paths and inclusion verification.
#include "core/merkle.h"

#include "core/crypto.h"

namespace tanso::merkle {

Hash leaf_hash(ByteView data) {
  static constexpr uint8_t kLeaf = 0x00;
  Sha256 h;
  h.update(ByteView(&kLeaf, 1)).update(data);
  return h.final();
}

Hash node_hash(const Hash& left, const Hash& right) {
  uint8_t buf[65];
  buf[0] = 0x01;
  std::copy(left.begin(), left.end(), buf + 1);
  std::copy(right.begin(), right.end(), buf + 33);
  return sha256(ByteView(buf, sizeof buf));
}

// Largest power of two strictly smaller than n (n >= 2).
static size_t split_point(size_t n) {
  size_t k = 1;
  while (k << 1 < n) k <<= 1;
  return k;
}

static Hash subtree_root(const Hash* leaves, size_t n) {
  if (n == 1) return leaves[0];
  size_t k = split_point(n);
  return node_hash(subtree_root(leaves, k), subtree_root(leaves + k, n - k));
}

Hash root(const std::vector<Hash>& leaf_hashes) {
  if (leaf_hashes.empty()) return sha256(ByteView{});
  // Bottom-up pairing gives the same tree as RFC 6962's recursive split: an odd node at the end
  // of a level is promoted unchanged.
  std::vector<Hash> level = leaf_hashes;
  while (level.size() > 1) {
    size_t out = 0;
    for (size_t i = 0; i + 1 < level.size(); i += 2)
      level[out++] = node_hash(level[i], level[i + 1]);
    if (level.size() % 2 == 1) level[out++] = level.back();
    level.resize(out);
  }
  return level[0];
}

static void path_rec(const Hash* leaves, size_t n, size_t m, std::vector<Hash>& out) {
  if (n <= 1) return;
  size_t k = split_point(n);
  if (m < k) {
    path_rec(leaves, k, m, out);
    out.push_back(subtree_root(leaves + k, n - k));
  } else {
    path_rec(leaves + k, n - k, m - k, out);
    out.push_back(subtree_root(leaves, k));
  }
}

std::vector<Hash> audit_path(const std::vector<Hash>& leaf_hashes, size_t index) {
  std::vector<Hash> out;
  if (index >= leaf_hashes.size()) return out;
  path_rec(leaf_hashes.data(), leaf_hashes.size(), index, out);
  return out;
}

bool verify_inclusion(const Hash& leaf, size_t index, size_t tree_size,
                      const std::vector<Hash>& path, const Hash& expected_root) {
  // RFC 9162 §2.1.3.2 verification algorithm.
  if (index >= tree_size) return false;
  size_t fn = index, sn = tree_size - 1;
  Hash r = leaf;
  for (const Hash& p : path) {
    if (sn == 0) return false;
    if ((fn & 1) == 1 || fn == sn) {
      r = node_hash(p, r);
      if ((fn & 1) == 0) {
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = node_hash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && r == expected_root;
}

}  // namespace tanso::merkle
