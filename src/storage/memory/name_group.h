// NameGroup: the slots of one (cluster, namespace) of a GVR table, in name
// order, so that a list in the default order (cluster, namespace, name) can
// walk the groups in order and stop after `limit` rows instead of collecting
// and sorting every match.
//
// Objects usually arrive in name order: a Kubernetes list returns them in
// etcd key order (namespace, then name).  So an add is normally an append,
// checked against the last name kept here (reading the record back would
// stall on the store buffer; see record.h).  An add out of order goes
// straight into place while the group is small, and otherwise onto an
// unsorted tail that Sort() merges; readers call Sort() before an ordered
// walk.  Groups are exact: a slot is in its group exactly once while it holds
// an object of that cluster and namespace.
//
// name_of(slot) must return the name of the object in slot for every slot
// in the group.  Not thread-safe: the layer mutates groups under its
// exclusive lock, and Sort() under its shared lock plus its order mutex.
#ifndef PEDIA_STORAGE_MEMORY_NAME_GROUP_H_
#define PEDIA_STORAGE_MEMORY_NAME_GROUP_H_

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pedia::storage::memory {

class NameGroup {
 public:
  /// Below this size an out-of-order add is inserted in place (the memmove
  /// is cheaper than a later merge).
  static constexpr size_t kDirectInsert = 2048;
  /// A remove first merges a tail longer than this, so that it can find the
  /// slot by binary search.
  static constexpr size_t kMaxSearchedTail = 32;

  template <class NameOf>
  void Add(uint32_t slot, std::string_view name, NameOf name_of) {
    if (tail_.empty() && (sorted_.empty() || name > last_)) {
      sorted_.push_back(slot);
      last_.assign(name);
      return;
    }
    if (tail_.empty() && sorted_.size() < kDirectInsert) {
      auto at = std::upper_bound(sorted_.begin(), sorted_.end(), name,
                                 [&](std::string_view n, uint32_t s) { return n < name_of(s); });
      sorted_.insert(at, slot);  // never at the end: name < last_
      return;
    }
    tail_.push_back(slot);
  }

  /// Removes slot, which holds the object called name.  name_of may be
  /// called for slot itself, so the caller removes before freeing it.
  template <class NameOf>
  void Remove(uint32_t slot, std::string_view name, NameOf name_of) {
    if (tail_.size() > kMaxSearchedTail) Sort(name_of);
    if (auto it = std::find(tail_.begin(), tail_.end(), slot); it != tail_.end()) {
      tail_.erase(it);
      return;
    }
    auto at = std::lower_bound(sorted_.begin(), sorted_.end(), name,
                               [&](uint32_t s, std::string_view n) { return name_of(s) < n; });
    if (at == sorted_.end() || *at != slot) return;  // not here: nothing to do
    bool was_last = at + 1 == sorted_.end();
    sorted_.erase(at);
    if (was_last) last_.assign(sorted_.empty() ? std::string_view() : name_of(sorted_.back()));
  }

  /// Merges the unsorted tail, after which slots() is in name order.
  template <class NameOf>
  void Sort(NameOf name_of) {
    if (tail_.empty()) return;
    std::vector<std::pair<std::string_view, uint32_t>> tail;
    tail.reserve(tail_.size());
    for (uint32_t s : tail_) tail.emplace_back(name_of(s), s);
    std::sort(tail.begin(), tail.end());
    std::vector<uint32_t> merged;
    merged.reserve(sorted_.size() + tail.size());
    size_t i = 0;
    for (const auto& [name, slot] : tail) {
      while (i < sorted_.size() && name_of(sorted_[i]) < name) merged.push_back(sorted_[i++]);
      merged.push_back(slot);
    }
    merged.insert(merged.end(), sorted_.begin() + static_cast<std::ptrdiff_t>(i), sorted_.end());
    sorted_.swap(merged);
    tail_.clear();
    tail_.shrink_to_fit();
    last_.assign(name_of(sorted_.back()));
  }

  bool sorted() const { return tail_.empty(); }
  /// In name order when sorted().
  const std::vector<uint32_t>& slots() const { return sorted_; }
  size_t size() const { return sorted_.size() + tail_.size(); }
  bool empty() const { return size() == 0; }

  /// Calls fn(slot) for every slot, in no particular order.
  template <class Fn>
  void ForEach(Fn fn) const {
    for (uint32_t s : sorted_) fn(s);
    for (uint32_t s : tail_) fn(s);
  }

  /// The first position in slots() whose name is greater than name.
  template <class NameOf>
  size_t UpperBound(std::string_view name, NameOf name_of) const {
    return static_cast<size_t>(std::upper_bound(sorted_.begin(), sorted_.end(), name,
                                                [&](std::string_view n, uint32_t s) { return n < name_of(s); }) -
                               sorted_.begin());
  }

 private:
  std::vector<uint32_t> sorted_;
  std::vector<uint32_t> tail_;
  std::string last_;  // the name of sorted_.back()
};

}  // namespace pedia::storage::memory

#endif  // PEDIA_STORAGE_MEMORY_NAME_GROUP_H_
