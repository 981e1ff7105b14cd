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
#include <unordered_map>
#include <vector>

namespace pedia::storage::memory {

class StringPool {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  /// Returns the id of s, adding it when new.
  uint32_t Intern(std::string_view s) {
    auto it = ids_.find(s);
    if (it != ids_.end()) return it->second;
    std::string_view stored = Store(s);
    uint32_t id = static_cast<uint32_t>(strings_.size());
    strings_.push_back(stored);
    ids_.emplace(stored, id);
    return id;
  }

  /// Returns the id of s, or kNone when it was never interned.
  uint32_t Find(std::string_view s) const {
    auto it = ids_.find(s);
    return it == ids_.end() ? kNone : it->second;
  }

  std::string_view Get(uint32_t id) const { return strings_[id]; }
  size_t size() const { return strings_.size(); }

  /// Bytes held, for memory accounting in tests and benchmarks.
  size_t ArenaBytes() const { return chunks_.size() * kChunkSize + big_bytes_; }

 private:
  static constexpr size_t kChunkSize = 64 * 1024;

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
  std::unordered_map<std::string_view, uint32_t> ids_;
};

}  // namespace pedia::storage::memory

#endif  // PEDIA_STORAGE_MEMORY_STRING_POOL_H_
