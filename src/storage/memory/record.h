// Record: one stored object in a single heap allocation.
//
// The JSON bytes are stored exactly once, beside the index fields the synchro
// extracted (design.md §2.2); label keys and values are interned ids.  A
// record is immutable after creation and reference-counted, so the watch
// window can keep the last state of a replaced or deleted object without a
// copy.  Reference counts change only under the layer's exclusive lock.
#ifndef PEDIA_STORAGE_MEMORY_RECORD_H_
#define PEDIA_STORAGE_MEMORY_RECORD_H_

#include <cstdint>
#include <cstring>
#include <new>
#include <string_view>

#include "storage/memory/record_arena.h"

namespace pedia::storage::memory {

/// Field lengths are stored as uint16 to keep the header small.
inline constexpr size_t kMaxShortField = UINT16_MAX;

class Record {
 public:
  struct Fields {
    uint32_t cluster = 0;       // id in the cluster pool
    uint32_t namespace_id = 0;  // id in the namespace pool
    uint32_t kind = 0;          // id in the label pool
    std::string_view name, uid, owner_uid, resource_version, json;
    int64_t creation_unix_ms = 0;
    int64_t deletion_unix_ms = 0;
    const uint32_t* labels = nullptr;  // key id, value id pairs
    size_t label_count = 0;
  };

  /// Allocates a record with one reference from arena.  The caller checked
  /// that the short fields fit kMaxShortField and label_count fits uint16.
  static Record* Create(const Fields& f, RecordArena& arena) {
    size_t chars = f.name.size() + f.uid.size() + f.owner_uid.size() + f.resource_version.size() + f.json.size();
    void* mem = arena.Allocate(Size(f.label_count, chars));
    Record* r = new (mem) Record();
    r->cluster_ = f.cluster;
    r->namespace_ = f.namespace_id;
    r->kind_ = f.kind;
    r->json_len_ = static_cast<uint32_t>(f.json.size());
    r->name_len_ = static_cast<uint16_t>(f.name.size());
    r->uid_len_ = static_cast<uint16_t>(f.uid.size());
    r->owner_len_ = static_cast<uint16_t>(f.owner_uid.size());
    r->rv_len_ = static_cast<uint16_t>(f.resource_version.size());
    r->label_count_ = static_cast<uint16_t>(f.label_count);
    r->creation_unix_ms_ = f.creation_unix_ms;
    r->deletion_unix_ms_ = f.deletion_unix_ms;
    r->rv_number_ = ParseRv(f.resource_version);
    if (f.label_count) std::memcpy(r->labels_mut(), f.labels, f.label_count * 2 * sizeof(uint32_t));
    char* p = r->chars_mut();
    for (std::string_view s : {f.name, f.uid, f.owner_uid, f.resource_version, f.json}) {
      if (!s.empty()) std::memcpy(p, s.data(), s.size());
      p += s.size();
    }
    return r;
  }

  void Ref() { ++refs_; }
  /// Drops a reference; the last one returns the memory to arena.
  void Unref(RecordArena& arena) {
    if (--refs_ != 0) return;
    size_t bytes = Size(label_count_, size_t{name_len_} + uid_len_ + owner_len_ + rv_len_ + json_len_);
    this->~Record();
    arena.Free(this, bytes);
  }

  uint32_t cluster() const { return cluster_; }
  uint32_t namespace_id() const { return namespace_; }
  uint32_t kind() const { return kind_; }
  int64_t creation_unix_ms() const { return creation_unix_ms_; }
  int64_t deletion_unix_ms() const { return deletion_unix_ms_; }
  /// The resourceVersion as an integer, for ordering; 0 when not decimal.
  uint64_t rv_number() const { return rv_number_; }

  std::string_view name() const { return {chars(), name_len_}; }
  std::string_view uid() const { return {chars() + name_len_, uid_len_}; }
  std::string_view owner_uid() const { return {chars() + name_len_ + uid_len_, owner_len_}; }
  std::string_view resource_version() const { return {chars() + name_len_ + uid_len_ + owner_len_, rv_len_}; }
  std::string_view json() const { return {chars() + name_len_ + uid_len_ + owner_len_ + rv_len_, json_len_}; }

  size_t label_count() const { return label_count_; }
  uint32_t label_key(size_t i) const { return labels()[2 * i]; }
  uint32_t label_value(size_t i) const { return labels()[2 * i + 1]; }
  /// The value id of label key, or false when the object lacks it.
  bool FindLabel(uint32_t key, uint32_t* value) const {
    const uint32_t* l = labels();
    for (size_t i = 0; i < label_count_; ++i) {
      if (l[2 * i] == key) {
        *value = l[2 * i + 1];
        return true;
      }
    }
    return false;
  }

  /// Parses a decimal resourceVersion; 0 when it is not one.
  static uint64_t ParseRv(std::string_view s) {
    if (s.empty() || s.size() > 19) return 0;
    uint64_t v = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return 0;
      v = v * 10 + static_cast<uint64_t>(c - '0');
    }
    return v;
  }

 private:
  Record() = default;
  ~Record() = default;

  static size_t Size(size_t label_count, size_t chars) {
    return sizeof(Record) + label_count * 2 * sizeof(uint32_t) + chars;
  }

  const uint32_t* labels() const { return reinterpret_cast<const uint32_t*>(this + 1); }
  uint32_t* labels_mut() { return reinterpret_cast<uint32_t*>(this + 1); }
  const char* chars() const { return reinterpret_cast<const char*>(labels() + 2 * label_count_); }
  char* chars_mut() { return reinterpret_cast<char*>(labels_mut() + 2 * label_count_); }

  uint32_t refs_ = 1;
  uint32_t cluster_ = 0;
  uint32_t namespace_ = 0;
  uint32_t kind_ = 0;
  uint32_t json_len_ = 0;
  uint16_t name_len_ = 0, uid_len_ = 0, owner_len_ = 0, rv_len_ = 0;
  uint16_t label_count_ = 0;
  int64_t creation_unix_ms_ = 0;
  int64_t deletion_unix_ms_ = 0;
  uint64_t rv_number_ = 0;
};

}  // namespace pedia::storage::memory

#endif  // PEDIA_STORAGE_MEMORY_RECORD_H_
