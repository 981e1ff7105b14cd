// KeyIndex: the (cluster, namespace, name) -> slot map of one GVR table.
//
// An open-addressing hash table of 8-byte buckets (slot, 32-bit hash).  The
// key itself is not stored: it lives in the record at that slot, and callers
// pass an equality predicate that looks at it.  This keeps the index at about
// 12 bytes per object instead of a node-based map's 50+.  Not thread-safe.
#ifndef PEDIA_STORAGE_MEMORY_KEY_INDEX_H_
#define PEDIA_STORAGE_MEMORY_KEY_INDEX_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "storage/memory/flat_map.h"

namespace pedia::storage::memory {

class KeyIndex {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  static uint32_t Hash(uint32_t cluster, uint32_t namespace_id, std::string_view name) {
    uint64_t h = HashString(name) ^ ((uint64_t{cluster} << 32 | namespace_id) * 0x9e3779b97f4a7c15ull);
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 32;
    return static_cast<uint32_t>(h);
  }

  /// The slot whose record satisfies matches(slot), or kNone.
  template <class Matches>
  uint32_t Find(uint32_t hash, Matches matches) const {
    if (buckets_.empty()) return kNone;
    size_t mask = buckets_.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
      const Bucket& b = buckets_[i];
      if (b.slot == kEmpty) return kNone;
      if (b.slot != kTombstone && b.hash == hash && matches(b.slot)) return b.slot;
    }
  }

  /// Adds slot under hash; the key must not be present.
  void Insert(uint32_t hash, uint32_t slot) {
    if ((used_ + 1) * 10 > buckets_.size() * 7) Grow();
    size_t mask = buckets_.size() - 1;
    size_t i = hash & mask;
    while (buckets_[i].slot != kEmpty && buckets_[i].slot != kTombstone) i = (i + 1) & mask;
    if (buckets_[i].slot == kEmpty) ++used_;
    buckets_[i] = {slot, hash};
    ++size_;
  }

  /// Removes the entry for slot (inserted under hash).
  void Erase(uint32_t hash, uint32_t slot) {
    if (buckets_.empty()) return;
    size_t mask = buckets_.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
      Bucket& b = buckets_[i];
      if (b.slot == kEmpty) return;
      if (b.slot == slot) {
        b.slot = kTombstone;
        --size_;
        return;
      }
    }
  }

  size_t size() const { return size_; }
  size_t MemoryBytes() const { return buckets_.capacity() * sizeof(Bucket); }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;
  static constexpr uint32_t kTombstone = UINT32_MAX - 1;
  struct Bucket {
    uint32_t slot;
    uint32_t hash;
  };

  // Doubles when live entries fill more than half, else rehashes in place
  // to drop tombstones.
  void Grow() {
    size_t n = buckets_.empty() ? 16 : buckets_.size();
    if ((size_ + 1) * 2 > n) n *= 2;
    std::vector<Bucket> old;
    old.swap(buckets_);
    buckets_.assign(n, Bucket{kEmpty, 0});
    used_ = 0;
    size_ = 0;
    size_t mask = n - 1;
    for (const Bucket& b : old) {
      if (b.slot == kEmpty || b.slot == kTombstone) continue;
      size_t i = b.hash & mask;
      while (buckets_[i].slot != kEmpty) i = (i + 1) & mask;
      buckets_[i] = b;
      ++used_;
      ++size_;
    }
  }

  std::vector<Bucket> buckets_;
  size_t used_ = 0;  // live entries plus tombstones
  size_t size_ = 0;  // live entries
};

}  // namespace pedia::storage::memory

#endif  // PEDIA_STORAGE_MEMORY_KEY_INDEX_H_
