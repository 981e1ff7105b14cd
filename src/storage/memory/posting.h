// Posting: the slots of the objects that have one index value (a label
// key=value, a namespace, a cluster or an owner uid).
//
// Removal is lazy: removing an object only counts the posting as dirty, and
// readers verify every candidate against the record anyway.  A dirty posting
// may hold stale slots and duplicates; it is compacted once dirt exceeds
// half of it, so its size stays within a constant factor of the truth.  A
// posting with dirty == 0 holds each matching slot exactly once.
#ifndef PEDIA_STORAGE_MEMORY_POSTING_H_
#define PEDIA_STORAGE_MEMORY_POSTING_H_

#include <algorithm>
#include <cstdint>
#include <vector>

namespace pedia::storage::memory {

struct Posting {
  std::vector<uint32_t> slots;
  uint32_t dirty = 0;

  void Add(uint32_t slot) {
    // Most postings are small (a pod-template-hash, an owner): skip the
    // 1-2-4 growth steps.
    if (slots.capacity() == 0) slots.reserve(4);
    slots.push_back(slot);
  }

  /// Marks one entry as possibly stale; compacts with still_there(slot)
  /// when the posting is more than half dirt.
  template <class StillThere>
  void Remove(StillThere still_there) {
    ++dirty;
    // Small postings compact at once so that an emptied one can be dropped.
    if (dirty * 2 > slots.size() && (dirty >= 16 || slots.size() <= 32)) Compact(still_there);
  }

  template <class StillThere>
  void Compact(StillThere still_there) {
    std::sort(slots.begin(), slots.end());
    slots.erase(std::unique(slots.begin(), slots.end()), slots.end());
    slots.erase(std::remove_if(slots.begin(), slots.end(), [&](uint32_t s) { return !still_there(s); }), slots.end());
    slots.shrink_to_fit();
    dirty = 0;
  }
};

}  // namespace pedia::storage::memory

#endif  // PEDIA_STORAGE_MEMORY_POSTING_H_
