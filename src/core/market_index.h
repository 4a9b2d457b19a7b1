// Market order index: order id -> slot in the book's order pool, an open-addressing hash table
// with linear probing and backward-shift deletion (no tombstones). It never allocates per order
// once grown (it doubles at half load), and it is never iterated, so its layout cannot reach any
// output: the book looks orders up by id and nothing else.
#pragma once

#include <cstdint>
#include <vector>

namespace tanso::market {

class OrderIndex {
 public:
  static constexpr uint32_t npos = UINT32_MAX;

  OrderIndex() { rehash(64); }

  size_t size() const { return size_; }

  // Pre-sizes for n keys without a later rehash.
  void reserve(size_t n) {
    size_t cap = slots_.size();
    while (cap < 2 * n) cap *= 2;
    if (cap != slots_.size()) rehash(cap);
  }

  // The value stored for `key`, or npos.
  uint32_t find(uint64_t key) const {
    for (size_t i = home(key);; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.val == 0) return npos;
      if (s.key == key) return s.val - 1;
    }
  }

  // Precondition: `key` is absent and `val` < npos.
  void insert(uint64_t key, uint32_t val) {
    if (2 * (size_ + 1) > slots_.size()) rehash(2 * slots_.size());
    place(key, val);
    ++size_;
  }

  // Removes `key` if present.
  void erase(uint64_t key) {
    size_t i = home(key);
    for (;; i = (i + 1) & mask_) {
      if (slots_[i].val == 0) return;
      if (slots_[i].key == key) break;
    }
    // Backward shift: move every later entry of the probe run that may sit in the hole.
    for (size_t j = (i + 1) & mask_;; j = (j + 1) & mask_) {
      if (slots_[j].val == 0) break;
      size_t h = home(slots_[j].key);
      // slots_[j] may move to i when its home is not in the cyclic range (i, j].
      if (((j - h) & mask_) >= ((j - i) & mask_)) {
        slots_[i] = slots_[j];
        i = j;
      }
    }
    slots_[i].val = 0;
    --size_;
  }

 private:
  struct Slot {
    uint64_t key = 0;
    uint32_t val = 0;  // value + 1; 0 marks an empty slot
  };

  size_t home(uint64_t k) const {
    // The finalizer of MurmurHash3: sequential and strided ids spread over the table.
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ULL;
    k ^= k >> 33;
    return static_cast<size_t>(k) & mask_;
  }

  void place(uint64_t key, uint32_t val) {
    size_t i = home(key);
    while (slots_[i].val != 0) i = (i + 1) & mask_;
    slots_[i] = Slot{key, val + 1};
  }

  void rehash(size_t cap) {
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.assign(cap, Slot{});
    mask_ = cap - 1;
    for (const Slot& s : old)
      if (s.val != 0) place(s.key, s.val - 1);
  }

  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace tanso::market
