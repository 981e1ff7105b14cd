// The host API table handed to every storage layer.
#include <pedia/storage_abi.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "base/build_info.h"
#include "base/feature_gates.h"
#include "base/log.h"
#include "storage/registry.h"

namespace pedia::storage {
namespace {

void HostLog(uint32_t severity, int32_t verbosity, const char* msg, size_t len) {
  std::string_view text(msg ? msg : "", msg ? len : 0);
  switch (severity) {
    case PEDIA_STORAGE_LOG_WARNING:
      log::Write(log::Severity::kWarning, 0, "storage-plugin", 0, text);
      break;
    case PEDIA_STORAGE_LOG_ERROR:
      log::Write(log::Severity::kError, 0, "storage-plugin", 0, text);
      break;
    default:
      if (log::V(verbosity)) log::Write(log::Severity::kInfo, verbosity, "storage-plugin", 0, text);
  }
}

int HostVEnabled(int32_t level) { return log::V(level) ? 1 : 0; }
int HostFeatureEnabled(const char* name) { return name && FeatureGates::Global().Enabled(name) ? 1 : 0; }

// Host allocations carry a header just below the returned pointer, so that
// free(ptr) needs no size and the accounting stays exact.
struct AllocHeader {
  size_t size;    // bytes the layer asked for
  size_t offset;  // from the start of the posix_memalign block to ptr
};
static_assert(sizeof(AllocHeader) == 16);
constexpr size_t kMaxAlignment = 4096;

std::atomic<int64_t> g_alloc_bytes{0};
std::atomic<int64_t> g_alloc_count{0};

void* HostAlloc(size_t size, size_t alignment) {
  if (alignment == 0) alignment = alignof(std::max_align_t);
  if ((alignment & (alignment - 1)) != 0 || alignment > kMaxAlignment) return nullptr;
  if (size == 0) size = 1;
  // The header must fit below ptr without breaking ptr's alignment.
  const size_t offset = alignment < sizeof(AllocHeader) ? sizeof(AllocHeader) : alignment;
  if (size > SIZE_MAX - offset) return nullptr;
  void* block = nullptr;
  if (posix_memalign(&block, offset, offset + size) != 0) return nullptr;
  char* ptr = static_cast<char*>(block) + offset;
  const AllocHeader header{size, offset};
  std::memcpy(ptr - sizeof(AllocHeader), &header, sizeof header);
  g_alloc_bytes.fetch_add(static_cast<int64_t>(size), std::memory_order_relaxed);
  g_alloc_count.fetch_add(1, std::memory_order_relaxed);
  return ptr;
}

void HostFree(void* p) {
  if (!p) return;
  char* ptr = static_cast<char*>(p);
  AllocHeader header;
  std::memcpy(&header, ptr - sizeof(AllocHeader), sizeof header);
  g_alloc_bytes.fetch_sub(static_cast<int64_t>(header.size), std::memory_order_relaxed);
  g_alloc_count.fetch_sub(1, std::memory_order_relaxed);
  std::free(ptr - header.offset);
}

}  // namespace

const pedia_host_api* HostApi() {
  static const pedia_host_api api = [] {
    pedia_host_api a{};
    a.struct_size = sizeof(pedia_host_api);
    a.abi_major = PEDIA_STORAGE_ABI_MAJOR;
    a.abi_minor = PEDIA_STORAGE_ABI_MINOR;
    static const std::string version = GetBuildInfo().git_version;
    a.host_version = version.c_str();
    a.log = HostLog;
    a.v_enabled = HostVEnabled;
    a.feature_enabled = HostFeatureEnabled;
    a.alloc = HostAlloc;
    a.free = HostFree;
    return a;
  }();
  return &api;
}

HostMemoryStats HostMemory() {
  return {g_alloc_bytes.load(std::memory_order_relaxed), g_alloc_count.load(std::memory_order_relaxed)};
}

}  // namespace pedia::storage
