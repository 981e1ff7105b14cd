// ChunkMapper: hands the record arena memory chunks whose pages the kernel
// has already provided.
//
// Mapping with MAP_POPULATE makes the kernel zero and charge every page in
// one call per chunk instead of one fault per 4 KB, but it is still the
// largest single cost of storing a new object: a third of the memory layer's
// ingest profile at 2.4 KB per object.  So once chunks reach
// kBackgroundFrom bytes (a layer that is being filled, not a small one), the
// next chunk is mapped on a background thread while the current one fills,
// and on a machine with a spare core the writer does not wait for the
// kernel.  The writer never blocks on that thread: when the prepared chunk
// is not ready, or has another size, it maps its own.  At most one prepared
// chunk (16 MB) is held ahead.
//
// Map() may be called from one thread at a time (the arena's owner holds
// the layer's exclusive lock); the background thread is internal.
#ifndef PEDIA_STORAGE_MEMORY_CHUNK_MAPPER_H_
#define PEDIA_STORAGE_MEMORY_CHUNK_MAPPER_H_

#include <sys/mman.h>

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <new>
#include <thread>

namespace pedia::storage::memory {

class ChunkMapper {
 public:
  static constexpr size_t kBackgroundFrom = 4 * 1024 * 1024;

  ChunkMapper() = default;
  ChunkMapper(const ChunkMapper&) = delete;
  ChunkMapper& operator=(const ChunkMapper&) = delete;

  /// Stops the background thread and unmaps a prepared chunk nobody took.
  ~ChunkMapper() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_one();
    if (thread_.joinable()) thread_.join();
    if (spare_) munmap(spare_, spare_size_);
  }

  /// A chunk of size bytes with its pages provided; throws std::bad_alloc
  /// when the system has no memory.  Release it with Unmap().
  void* Map(size_t size) {
    if (size >= kBackgroundFrom) {
      void* ready = nullptr;
      void* stale = nullptr;  // prepared for a smaller size while chunks still grew
      size_t stale_size = 0;
      {
        std::lock_guard lock(mu_);
        if (!thread_.joinable()) thread_ = std::thread([this] { Run(); });
        if (spare_ && spare_size_ == size) {
          ready = spare_;
        } else if (spare_) {
          stale = spare_;
          stale_size = spare_size_;
        }
        spare_ = nullptr;
        wanted_size_ = size;  // the next chunk will be the same size
      }
      cv_.notify_one();
      if (stale) munmap(stale, stale_size);
      if (ready) {
        ++prepared_used_;
        return ready;
      }
    }
    void* p = MapPopulated(size);
    if (!p) throw std::bad_alloc();
    return p;
  }

  static void Unmap(void* chunk, size_t size) { munmap(chunk, size); }

  /// How many chunks Map() took ready-made from the background thread.
  size_t prepared_used() const { return prepared_used_; }
  /// True when the background thread holds a prepared chunk.
  bool has_prepared() {
    std::lock_guard lock(mu_);
    return spare_ != nullptr;
  }

 private:
  static void* MapPopulated(size_t size) {
    void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    return p == MAP_FAILED ? nullptr : p;
  }

  void Run() {
    std::unique_lock lock(mu_);
    for (;;) {
      cv_.wait(lock, [&] { return stop_ || (wanted_size_ != 0 && !spare_); });
      if (stop_) return;
      size_t size = wanted_size_;
      wanted_size_ = 0;  // one attempt per request: a failure is left to the writer
      lock.unlock();
      void* p = MapPopulated(size);
      lock.lock();
      // A Map() while this one ran may have asked for another size: drop
      // this chunk and prepare that one, or Map() would only find it stale.
      const bool superseded = wanted_size_ != 0 && wanted_size_ != size;
      if (p && (stop_ || spare_ || superseded)) {
        munmap(p, size);
      } else if (p) {
        spare_ = p;
        spare_size_ = size;
      }
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::thread thread_;
  bool stop_ = false;
  size_t wanted_size_ = 0;  // a chunk size the writer will ask for next; 0: none
  void* spare_ = nullptr;   // a prepared chunk of spare_size_ bytes
  size_t spare_size_ = 0;
  size_t prepared_used_ = 0;  // touched by Map() only
};

}  // namespace pedia::storage::memory

#endif  // PEDIA_STORAGE_MEMORY_CHUNK_MAPPER_H_
