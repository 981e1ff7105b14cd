// StringPool: interns strings so that a label key, a label value, a
// namespace or a cluster name is stored once however many objects use it.
//
// Ids are dense uint32 values, stable for the pool's life; strings are never
// freed (the set of distinct label values and namespaces is small next to
// the objects that use them).  Not thread-safe: the memory layer guards it
// with its own lock (writers intern, readers only Find()).
#ifndef PEDIA_STORAGE_MEMORY_STRING_POOL_H_
#define PEDIA_STORAGE_MEMORY_STRING_POOL_H_

#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include "storage/memory/flat_map.h"

namespace pedia::storage::memory {

class StringPool {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  /// Returns the id of s, adding it when new.
  uint32_t Intern(std::string_view s) {
    uint32_t hash = static_cast<uint32_t>(HashString(s) >> 16);
    size_t i = Probe(s, hash);
    if (i != kNoBucket && buckets_[i].id != kNone) return buckets_[i].id;
    if ((strings_.size() + 1) * 10 > buckets_.size() * 7) {
      Grow();
      i = Probe(s, hash);
    }
    uint32_t id = static_cast<uint32_t>(strings_.size());
    strings_.push_back(Store(s));
    buckets_[i] = {id, hash};
    return id;
  }

  /// Returns the id of s, or kNone when it was never interned.
  uint32_t Find(std::string_view s) const {
    size_t i = Probe(s, static_cast<uint32_t>(HashString(s) >> 16));
    return i == kNoBucket ? kNone : buckets_[i].id;
  }

  std::string_view Get(uint32_t id) const { return strings_[id]; }
  size_t size() const { return strings_.size(); }

  /// Bytes held, for memory accounting in tests and benchmarks.
  size_t ArenaBytes() const { return chunks_.size() * kChunkSize + big_bytes_; }

 private:
  static constexpr size_t kChunkSize = 64 * 1024;
  static constexpr size_t kNoBucket = SIZE_MAX;

  struct Bucket {
    uint32_t id = kNone;
    uint32_t hash = 0;
  };

  // The bucket holding s, or the empty bucket where it would go; kNoBucket
  // before the first insertion.
  size_t Probe(std::string_view s, uint32_t hash) const {
    if (buckets_.empty()) return kNoBucket;
    size_t mask = buckets_.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
      const Bucket& b = buckets_[i];
      if (b.id == kNone || (b.hash == hash && strings_[b.id] == s)) return i;
    }
  }

  void Grow() {
    std::vector<Bucket> old;
    old.swap(buckets_);
    buckets_.resize(old.empty() ? 64 : old.size() * 2);
    size_t mask = buckets_.size() - 1;
    for (const Bucket& b : old) {
      if (b.id == kNone) continue;
      size_t i = b.hash & mask;
      while (buckets_[i].id != kNone) i = (i + 1) & mask;
      buckets_[i] = b;
    }
  }

  // Copies s into an arena chunk, so a short string costs its bytes only.
  std::string_view Store(std::string_view s) {
    if (s.empty()) return std::string_view("", 0);
    if (s.size() > kChunkSize / 4) {
      big_.push_back(std::make_unique<char[]>(s.size()));
      big_bytes_ += s.size();
      std::memcpy(big_.back().get(), s.data(), s.size());
      return {big_.back().get(), s.size()};
    }
    if (chunks_.empty() || used_ + s.size() > kChunkSize) {
      chunks_.push_back(std::make_unique<char[]>(kChunkSize));
      used_ = 0;
    }
    char* p = chunks_.back().get() + used_;
    std::memcpy(p, s.data(), s.size());
    used_ += s.size();
    return {p, s.size()};
  }

  std::vector<std::unique_ptr<char[]>> chunks_;
  size_t used_ = 0;
  std::vector<std::unique_ptr<char[]>> big_;
  size_t big_bytes_ = 0;
  std::vector<std::string_view> strings_;
  std::vector<Bucket> buckets_;
};

}  // namespace pedia::storage::memory

#endif  // PEDIA_STORAGE_MEMORY_STRING_POOL_H_
