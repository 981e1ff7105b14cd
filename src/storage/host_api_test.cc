// The host API table (storage_abi.h, pedia_host_api): its size and version,
// and the accounted allocator of ABI 1.1.
#include <pedia/storage_abi.h>
#include <pedia/storage_plugin.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

#include "catch.h"
#include "storage/registry.h"

namespace pedia::storage {
namespace {

bool Aligned(const void* p, size_t alignment) { return reinterpret_cast<uintptr_t>(p) % alignment == 0; }

TEST_CASE("the host API declares this header's version and size", "[storage][host_api]") {
  const pedia_host_api* h = HostApi();
  CHECK(h->struct_size == sizeof(pedia_host_api));
  CHECK(h->abi_major == PEDIA_STORAGE_ABI_MAJOR);
  CHECK(h->abi_minor == PEDIA_STORAGE_ABI_MINOR);
  CHECK(PEDIA_STORAGE_ABI_MINOR >= 1);  // alloc/free came with 1.1
  CHECK(PEDIA_HOST_API_HAS(h, alloc));
  CHECK(PEDIA_HOST_API_HAS(h, free));
}

TEST_CASE("PEDIA_HOST_API_HAS sees only the members an older host's struct_size covers",
          "[storage][host_api]") {
  pedia_host_api old_host = *HostApi();
  old_host.abi_minor = 0;
  old_host.struct_size = offsetof(pedia_host_api, alloc);  // a 1.0 host ends after feature_enabled
  CHECK(PEDIA_HOST_API_HAS(&old_host, feature_enabled));
  CHECK_FALSE(PEDIA_HOST_API_HAS(&old_host, alloc));
  CHECK_FALSE(PEDIA_HOST_API_HAS(&old_host, free));
  old_host.struct_size = offsetof(pedia_host_api, free);  // alloc but not free
  CHECK(PEDIA_HOST_API_HAS(&old_host, alloc));
  CHECK_FALSE(PEDIA_HOST_API_HAS(&old_host, free));
  old_host.struct_size = sizeof(pedia_host_api);
  old_host.alloc = nullptr;  // covered but not filled in
  CHECK_FALSE(PEDIA_HOST_API_HAS(&old_host, alloc));
}

TEST_CASE("host alloc returns aligned, usable memory and accounts it until free", "[storage][host_api]") {
  const pedia_host_api* h = HostApi();
  const HostMemoryStats before = HostMemory();

  void* a = h->alloc(100, 0);
  REQUIRE(a != nullptr);
  CHECK(Aligned(a, alignof(std::max_align_t)));
  std::memset(a, 0xab, 100);
  CHECK(HostMemory().bytes == before.bytes + 100);
  CHECK(HostMemory().allocations == before.allocations + 1);

  for (size_t alignment : {1u, 2u, 8u, 16u, 32u, 64u, 256u, 4096u}) {
    void* p = h->alloc(3, alignment);
    REQUIRE(p != nullptr);
    CHECK(Aligned(p, alignment));
    std::memset(p, 1, 3);
    CHECK(HostMemory().bytes == before.bytes + 103);
    h->free(p);
  }
  CHECK(HostMemory().bytes == before.bytes + 100);

  void* zero = h->alloc(0, 0);  // treated as one byte: a distinct, freeable pointer
  REQUIRE(zero != nullptr);
  CHECK(zero != a);
  h->free(zero);

  h->free(a);
  h->free(nullptr);  // a no-op
  CHECK(HostMemory().bytes == before.bytes);
  CHECK(HostMemory().allocations == before.allocations);
}

TEST_CASE("host alloc refuses bad alignments and impossible sizes", "[storage][host_api]") {
  const pedia_host_api* h = HostApi();
  const HostMemoryStats before = HostMemory();
  CHECK(h->alloc(8, 3) == nullptr);
  CHECK(h->alloc(8, 48) == nullptr);
  CHECK(h->alloc(8, 8192) == nullptr);
  CHECK(h->alloc(SIZE_MAX, 0) == nullptr);
  CHECK(h->alloc(SIZE_MAX - 8, 64) == nullptr);
  CHECK(HostMemory().bytes == before.bytes);
  CHECK(HostMemory().allocations == before.allocations);
}

TEST_CASE("host alloc and free are thread-safe", "[storage][host_api]") {
  const pedia_host_api* h = HostApi();
  const HostMemoryStats before = HostMemory();
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([h, t, &failed] {
      std::vector<void*> held;
      for (int i = 0; i < 2000; ++i) {
        void* p = h->alloc(static_cast<size_t>(1 + (i + t) % 97), size_t{1} << (i % 7));
        if (!p) {
          failed++;  // Catch2 assertions are not thread-safe
          continue;
        }
        held.push_back(p);
        if (i % 3 == 0) {
          h->free(held.back());
          held.pop_back();
        }
      }
      for (void* p : held) h->free(p);
    });
  for (auto& th : threads) th.join();
  CHECK(failed == 0);
  CHECK(HostMemory().bytes == before.bytes);
  CHECK(HostMemory().allocations == before.allocations);
}

TEST_CASE("the C++ SDK's HostAlloc/HostFree and HostAllocator go through the host", "[storage][host_api]") {
  const pedia_host_api*& slot = sdk::internal::HostSlot();
  const pedia_host_api* saved = slot;
  const HostMemoryStats before = HostMemory();

  SECTION("with a 1.1 host") {
    slot = HostApi();
    REQUIRE(sdk::HostHasAlloc());
    void* p = sdk::HostAlloc(64, 64);
    REQUIRE(p != nullptr);
    CHECK(Aligned(p, 64));
    CHECK(HostMemory().bytes == before.bytes + 64);
    sdk::HostFree(p);
    sdk::HostFree(nullptr);
    CHECK(HostMemory().bytes == before.bytes);
    {
      std::vector<uint64_t, sdk::HostAllocator<uint64_t>> v(1000, 7);
      CHECK(HostMemory().bytes >= before.bytes + int64_t{8000});
      CHECK(v[999] == 7);
    }
    CHECK(HostMemory().bytes == before.bytes);
  }
  SECTION("with a 1.0 host, HostAlloc returns NULL and HostAllocator throws") {
    static pedia_host_api old_host;
    old_host = *HostApi();
    old_host.abi_minor = 0;
    old_host.struct_size = offsetof(pedia_host_api, alloc);
    slot = &old_host;
    CHECK_FALSE(sdk::HostHasAlloc());
    CHECK(sdk::HostAlloc(64) == nullptr);
    sdk::HostFree(nullptr);
    using Vec = std::vector<char, sdk::HostAllocator<char>>;
    CHECK_THROWS_AS(Vec(10), std::bad_alloc);
  }
  SECTION("without a host") {
    slot = nullptr;
    CHECK_FALSE(sdk::HostHasAlloc());
    CHECK(sdk::HostAlloc(64) == nullptr);
  }
  slot = saved;
  CHECK(HostMemory().allocations == before.allocations);
}

}  // namespace
}  // namespace pedia::storage
