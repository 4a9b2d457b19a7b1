// RFC 6962 (Certificate Transparency) Merkle trees: leaf hash = SHA-256(0x00 || data),
// node hash = SHA-256(0x01 || left || right), the empty tree's root = SHA-256("").
// Trees of any size (not only powers of two), audit paths and their verification.
#pragma once

#include <optional>
#include <vector>

#include "core/bytes.h"

namespace tanso::merkle {

Hash leaf_hash(ByteView data);
Hash node_hash(const Hash& left, const Hash& right);

// Root of the tree whose leaves have these leaf hashes (RFC 6962 §2.1 MTH).
Hash root(const std::vector<Hash>& leaf_hashes);

// Audit path for leaf `index` (RFC 6962 §2.1.1 PATH), bottom-up. Empty if index >= size.
std::vector<Hash> audit_path(const std::vector<Hash>& leaf_hashes, size_t index);

// Recomputes the root from a leaf hash and its audit path; true if it equals `root`.
bool verify_inclusion(const Hash& leaf, size_t index, size_t tree_size,
                      const std::vector<Hash>& path, const Hash& root);

}  // namespace tanso::merkle
