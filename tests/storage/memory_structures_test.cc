// The memory layer's containers, checked against the standard library on
// random operations: FlatMap (backward-shift erase), StringPool, KeyIndex,
// RecordArena reuse, NameGroup order, and ChunkMapper's prepared chunks.
#include <chrono>
#include <cstdint>
#include <cstring>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "catch.h"
#include "storage/memory/chunk_mapper.h"
#include "storage/memory/flat_map.h"
#include "storage/memory/key_index.h"
#include "storage/memory/name_group.h"
#include "storage/memory/record.h"
#include "storage/memory/record_arena.h"
#include "storage/memory/string_pool.h"

namespace pedia::storage::memory {
namespace {

TEST_CASE("FlatMap matches std::map under random inserts and erases", "[memory]") {
  std::mt19937_64 rng(42);
  FlatMap<int> flat;
  std::map<uint64_t, int> ref;
  for (int step = 0; step < 200000; ++step) {
    // A small key space forces long probe runs and many erases inside them.
    uint64_t key = rng() % 4096;
    switch (rng() % 3) {
      case 0:
      case 1:
        flat[key] = step;
        ref[key] = step;
        break;
      case 2:
        flat.Erase(key);
        ref.erase(key);
        break;
    }
    if (step % 997 == 0) {
      REQUIRE(flat.size() == ref.size());
      for (const auto& [k, v] : ref) {
        const int* found = flat.Find(k);
        REQUIRE(found != nullptr);
        REQUIRE(*found == v);
      }
      size_t visited = 0;
      flat.ForEach([&](uint64_t k, const int& v) {
        ++visited;
        REQUIRE(ref.at(k) == v);
      });
      REQUIRE(visited == ref.size());
    }
  }
  CHECK(flat.Find(999999) == nullptr);
}

TEST_CASE("NameGroup keeps names in order through appends, inserts, tails and removes", "[memory]") {
  std::mt19937 rng(3);
  std::vector<std::string> names;  // by slot; "" once removed
  auto name_of = [&](uint32_t slot) { return std::string_view(names[slot]); };
  NameGroup group;
  std::set<std::string> ref;
  // Ascending appends first (a Kubernetes list), then random names, far
  // past kDirectInsert so that the tail is used, with removes throughout.
  for (int step = 0; step < 12000; ++step) {
    char buf[16];
    if (step < 3000)
      std::snprintf(buf, sizeof buf, "a%06d", step);
    else
      std::snprintf(buf, sizeof buf, "r%06u", static_cast<unsigned>(rng() % 1000000));
    std::string name = buf;
    if (ref.count(name)) continue;
    if (step > 3000 && rng() % 4 == 0 && !ref.empty()) {
      uint32_t slot = rng() % names.size();
      if (names[slot].empty()) continue;
      group.Remove(slot, names[slot], name_of);
      ref.erase(names[slot]);
      names[slot].clear();
      continue;
    }
    names.push_back(name);
    ref.insert(name);
    group.Add(static_cast<uint32_t>(names.size() - 1), name, name_of);
    if (step % 1500 == 0 || step == 11999) {
      group.Sort(name_of);
      REQUIRE(group.sorted());
      std::vector<std::string> got;
      for (uint32_t s : group.slots()) got.push_back(names[s]);
      REQUIRE(got == std::vector<std::string>(ref.begin(), ref.end()));
      size_t at = group.UpperBound(got[got.size() / 2], name_of);
      CHECK(at == got.size() / 2 + 1);
    }
  }
  CHECK(group.size() == ref.size());
}

TEST_CASE("ChunkMapper hands out zeroed writable chunks, prepared ahead once they are large", "[memory]") {
  ChunkMapper mapper;
  std::vector<std::pair<void*, size_t>> chunks;
  for (size_t size : {size_t{256} << 10, size_t{4} << 20, size_t{8} << 20, size_t{16} << 20}) {
    void* p = mapper.Map(size);
    auto* bytes = static_cast<unsigned char*>(p);
    CHECK(bytes[0] == 0);
    CHECK(bytes[size - 1] == 0);
    std::memset(p, 0xab, size);
    chunks.emplace_back(p, size);
  }
  // The chunk after a 16 MB one is prepared in the background; wait for it
  // (a liveness bound, not a timing measurement), then take it.
  for (int i = 0; i < 500 && !mapper.has_prepared(size_t{16} << 20); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  REQUIRE(mapper.has_prepared(size_t{16} << 20));
  void* p = mapper.Map(size_t{16} << 20);
  CHECK(mapper.prepared_used() >= 1);
  CHECK(static_cast<unsigned char*>(p)[12345] == 0);
  chunks.emplace_back(p, size_t{16} << 20);
  for (auto [c, size] : chunks) ChunkMapper::Unmap(c, size);
  // The destructor stops the thread and unmaps the next prepared chunk.
}

TEST_CASE("StringPool interns each string once with stable ids", "[memory]") {
  StringPool pool;
  std::map<std::string, uint32_t> ids;
  std::mt19937 rng(7);
  for (int i = 0; i < 50000; ++i) {
    std::string s = "value-" + std::to_string(rng() % 20000);
    if (i % 1000 == 0) s = std::string(20000, 'x') + std::to_string(i);  // large strings too
    uint32_t id = pool.Intern(s);
    auto [it, inserted] = ids.emplace(s, id);
    REQUIRE(it->second == id);
  }
  CHECK(pool.size() == ids.size());
  for (const auto& [s, id] : ids) {
    REQUIRE(pool.Get(id) == s);
    REQUIRE(pool.Find(s) == id);
  }
  CHECK(pool.Find("never") == StringPool::kNone);
  CHECK(pool.Get(pool.Intern("")).empty());
}

TEST_CASE("KeyIndex finds, erases and survives growth with tombstones", "[memory]") {
  std::vector<std::string> names;
  for (int i = 0; i < 20000; ++i) names.push_back("n" + std::to_string(i));
  KeyIndex index;
  std::set<uint32_t> present;
  auto find = [&](uint32_t slot) {
    return index.Find(KeyIndex::Hash(1, 2, names[slot]), [&](uint32_t s) { return names[s] == names[slot]; });
  };
  for (uint32_t s = 0; s < names.size(); ++s) {
    index.Insert(KeyIndex::Hash(1, 2, names[s]), s);
    present.insert(s);
  }
  for (uint32_t s = 0; s < names.size(); s += 3) {
    index.Erase(KeyIndex::Hash(1, 2, names[s]), s);
    present.erase(s);
  }
  for (uint32_t s = 0; s < names.size(); s += 6) {  // reinsert half of them
    index.Insert(KeyIndex::Hash(1, 2, names[s]), s);
    present.insert(s);
  }
  CHECK(index.size() == present.size());
  for (uint32_t s = 0; s < names.size(); ++s) REQUIRE((find(s) == s) == (present.count(s) == 1));
  CHECK(KeyIndex::Hash(1, 2, "a") != KeyIndex::Hash(2, 1, "a"));
}

TEST_CASE("RecordArena reuses freed blocks of the same size class", "[memory]") {
  RecordArena arena;
  void* a = arena.Allocate(2400);
  void* b = arena.Allocate(2400);
  CHECK(a != b);
  arena.Free(a, 2400);
  CHECK(arena.Allocate(2390) == a);  // same 64-byte class
  void* big = arena.Allocate(RecordArena::kMaxPooled + 1);
  arena.Free(big, RecordArena::kMaxPooled + 1);
  size_t mapped = arena.MappedBytes();
  for (int i = 0; i < 1000; ++i) arena.Free(arena.Allocate(3000), 3000);
  CHECK(arena.MappedBytes() == mapped);  // churn of one size does not grow the arena
}

TEST_CASE("Record keeps every field and frees into its arena", "[memory]") {
  RecordArena arena;
  uint32_t labels[] = {1, 2, 3, 4};
  Record::Fields f;
  f.cluster = 7;
  f.namespace_id = 8;
  f.kind = 9;
  f.name = "name";
  f.uid = "uid";
  f.owner_uid = "owner";
  f.resource_version = "1234";
  f.json = R"({"a":1})";
  f.creation_unix_ms = -5;
  f.deletion_unix_ms = 6;
  f.labels = labels;
  f.label_count = 2;
  Record* r = Record::Create(f, arena);
  CHECK(r->cluster() == 7);
  CHECK(r->namespace_id() == 8);
  CHECK(r->kind() == 9);
  CHECK(r->name() == "name");
  CHECK(r->uid() == "uid");
  CHECK(r->owner_uid() == "owner");
  CHECK(r->resource_version() == "1234");
  CHECK(r->rv_number() == 1234);
  CHECK(r->json() == R"({"a":1})");
  CHECK(r->creation_unix_ms() == -5);
  CHECK(r->deletion_unix_ms() == 6);
  uint32_t v = 0;
  CHECK(r->FindLabel(3, &v));
  CHECK(v == 4);
  CHECK_FALSE(r->FindLabel(2, &v));
  r->Ref();
  r->Unref(arena);
  CHECK(r->name() == "name");  // still referenced once
  r->Unref(arena);
  CHECK(Record::ParseRv("12a") == 0);
  CHECK(Record::ParseRv("") == 0);
}

}  // namespace
}  // namespace pedia::storage::memory
