// FlatMap: an open-addressing (linear probing) map from a 64-bit key to V,
// for the memory layer's postings.  One contiguous array and no node per
// entry: lookups cost one hash mix and, usually, one cache line, where
// std::unordered_map costs a modulo and a pointer chase.  Erase shifts the
// following entries back, so there are no tombstones.
//
// Pointers to values stay valid until the next insertion.  Not thread-safe.
#ifndef PEDIA_STORAGE_MEMORY_FLAT_MAP_H_
#define PEDIA_STORAGE_MEMORY_FLAT_MAP_H_

#include <cstdint>
#include <cstring>
#include <string_view>
#include <utility>
#include <vector>

namespace pedia::storage::memory {

/// Hash of a string for FlatMap keys and the string pools: eight bytes per
/// multiply (label values, names and uids are short, so this beats a
/// byte-at-a-time FNV by several times), with a final avalanche.
inline uint64_t HashString(std::string_view s) {
  constexpr uint64_t kMul = 0x9e3779b97f4a7c15ull;
  uint64_t h = s.size() * kMul;
  const char* p = s.data();
  size_t n = s.size();
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * kMul;
    h ^= h >> 29;
  }
  if (n) {
    uint64_t w = 0;
    std::memcpy(&w, p, n);
    h = (h ^ w) * kMul;
  }
  h ^= h >> 32;
  h *= 0xd6e8feb86659fd93ull;
  h ^= h >> 32;
  return h;
}

template <class V>
class FlatMap {
 public:
  V* Find(uint64_t key) {
    if (size_ == 0) return nullptr;
    for (size_t i = Home(key);; i = (i + 1) & mask()) {
      if (!slots_[i].used) return nullptr;
      if (slots_[i].key == key) return &slots_[i].value;
    }
  }
  const V* Find(uint64_t key) const { return const_cast<FlatMap*>(this)->Find(key); }

  /// The value of key, default-constructed when new.
  V& operator[](uint64_t key) {
    if ((size_ + 1) * 10 > slots_.size() * 7) Grow();
    size_t i = Home(key);
    for (; slots_[i].used; i = (i + 1) & mask())
      if (slots_[i].key == key) return slots_[i].value;
    slots_[i].used = true;
    slots_[i].key = key;
    ++size_;
    return slots_[i].value;
  }

  void Erase(uint64_t key) {
    if (size_ == 0) return;
    size_t i = Home(key);
    for (;; i = (i + 1) & mask()) {
      if (!slots_[i].used) return;
      if (slots_[i].key == key) break;
    }
    // Backward-shift deletion: move up every later entry of the probe run
    // whose home is not in (i, j].
    for (size_t j = (i + 1) & mask(); slots_[j].used; j = (j + 1) & mask()) {
      size_t home = Home(slots_[j].key);
      bool stays = i < j ? (home > i && home <= j) : (home > i || home <= j);
      if (stays) continue;
      slots_[i].key = slots_[j].key;
      slots_[i].value = std::move(slots_[j].value);
      i = j;
    }
    slots_[i].used = false;
    slots_[i].value = V();
    --size_;
  }

  size_t size() const { return size_; }

  /// Calls fn(key, value) for every entry, in no particular order.
  template <class Fn>
  void ForEach(Fn fn) const {
    for (const Slot& s : slots_)
      if (s.used) fn(s.key, s.value);
  }
  /// The same, with values the caller may change (not insert or erase).
  template <class Fn>
  void ForEach(Fn fn) {
    for (Slot& s : slots_)
      if (s.used) fn(s.key, s.value);
  }

 private:
  struct Slot {
    uint64_t key = 0;
    bool used = false;
    V value{};
  };

  size_t mask() const { return slots_.size() - 1; }
  size_t Home(uint64_t key) const {
    key ^= key >> 33;
    key *= 0xff51afd7ed558ccdull;
    key ^= key >> 33;
    return static_cast<size_t>(key) & mask();
  }

  void Grow() {
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.resize(old.empty() ? 8 : old.size() * 2);
    size_ = 0;
    for (Slot& s : old)
      if (s.used) (*this)[s.key] = std::move(s.value);
  }

  std::vector<Slot> slots_;
  size_t size_ = 0;
};

}  // namespace pedia::storage::memory

#endif  // PEDIA_STORAGE_MEMORY_FLAT_MAP_H_
