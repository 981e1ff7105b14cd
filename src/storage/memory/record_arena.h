// RecordArena: where the memory layer's records live.
//
// Records are carved from large chunks whose pages the kernel provided up
// front (ChunkMapper: one call per chunk instead of a page fault per 4 KB,
// ahead of time on a background thread once the arena is large), and they
// carry no per-allocation header.  A freed block goes on a free list of its size
// class (64-byte steps) and is reused by the next record of that class;
// chunks are never returned to the system.  Blocks over kMaxPooled bytes use
// operator new.  Not thread-safe: the layer allocates and frees under its
// exclusive lock.
#ifndef PEDIA_STORAGE_MEMORY_RECORD_ARENA_H_
#define PEDIA_STORAGE_MEMORY_RECORD_ARENA_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <new>
#include <vector>

#include "storage/memory/chunk_mapper.h"

namespace pedia::storage::memory {

class RecordArena {
 public:
  static constexpr size_t kGranule = 64;
  static constexpr size_t kMaxPooled = 256 * 1024;

  RecordArena() : free_(kMaxPooled / kGranule + 1, nullptr) {}
  ~RecordArena() {
    for (const Chunk& c : chunks_) ChunkMapper::Unmap(c.base, c.size);
  }
  RecordArena(const RecordArena&) = delete;
  RecordArena& operator=(const RecordArena&) = delete;

  void* Allocate(size_t bytes) {
    if (bytes > kMaxPooled) return ::operator new(bytes);
    size_t cls = Class(bytes);
    if (FreeBlock* b = free_[cls]) {
      free_[cls] = b->next;
      return b;
    }
    size_t size = cls * kGranule;
    if (cursor_ + size > limit_) NewChunk(size);
    void* p = cursor_;
    cursor_ += size;
    return p;
  }

  /// bytes must be what Allocate() was given.
  void Free(void* p, size_t bytes) {
    if (bytes > kMaxPooled) {
      ::operator delete(p);
      return;
    }
    size_t cls = Class(bytes);
    free_[cls] = new (p) FreeBlock{free_[cls]};
  }

  /// Bytes mapped, for accounting.
  size_t MappedBytes() const {
    size_t total = 0;
    for (const Chunk& c : chunks_) total += c.size;
    return total;
  }

 private:
  struct FreeBlock {
    FreeBlock* next;
  };
  struct Chunk {
    void* base;
    size_t size;
  };

  static size_t Class(size_t bytes) { return (bytes + kGranule - 1) / kGranule; }

  // Chunks grow from 256 KB to 16 MB, so a small layer stays small.
  void NewChunk(size_t at_least) {
    size_t size = chunks_.empty() ? 256 * 1024 : std::min<size_t>(chunks_.back().size * 2, 16 * 1024 * 1024);
    if (size < at_least) size = at_least;
    void* base = mapper_.Map(size);
    chunks_.push_back({base, size});
    // The tail of the previous chunk is left unused (less than one record).
    cursor_ = static_cast<char*>(base);
    limit_ = cursor_ + size;
  }

  ChunkMapper mapper_;
  std::vector<FreeBlock*> free_;
  std::vector<Chunk> chunks_;
  char* cursor_ = nullptr;
  char* limit_ = nullptr;
};

}  // namespace pedia::storage::memory

#endif  // PEDIA_STORAGE_MEMORY_RECORD_ARENA_H_
