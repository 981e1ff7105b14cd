// Runs the storage conformance suite against the built-in memory layer,
// opened through its ABI table exactly as the registry opens it.
#include "storage/conformance.h"

#include <pedia/storage_abi.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "catch.h"
#include "storage/memory/memory_storage.h"
#include "storage/storage.h"

namespace pedia::storage {
namespace {

std::unique_ptr<Storage> OpenMemory(const std::string& config) {
  const pedia_storage_plugin* table = memory::MemoryStorageTable();
  pedia_storage_instance* instance = nullptr;
  pedia_storage_error err{};
  uint32_t code = table->open({config.data(), config.size()}, {"test.yaml", 9}, &instance, &err);
  INFO(err.message);
  REQUIRE(code == PEDIA_STORAGE_OK);
  return std::make_unique<Storage>(table, instance, "built-in");
}

TEST_CASE("the memory layer passes every conformance check", "[memory]") {
  // A small window keeps the "older than the window" check quick.
  auto storage = OpenMemory("watchWindow: 500\n");
  for (const ConformanceCheck& check : ConformanceChecks()) {
    DYNAMIC_SECTION(check.name) {
      REQUIRE(storage->Has(check.required_capabilities));
      Status status = check.run(*storage);
      INFO(status.ToString());
      CHECK(status.ok());
    }
  }
}

TEST_CASE("the conformance checks run in sequence on one layer and leave no objects behind", "[memory]") {
  auto storage = OpenMemory("");
  int failed = 0, skipped = 0;
  std::vector<ConformanceResult> results = RunConformance(*storage, [&](const ConformanceResult& r) {
    if (r.skipped) ++skipped;
    if (!r.skipped && !r.status.ok()) {
      ++failed;
      UNSCOPED_INFO(r.name << ": " << r.status.ToString());
    }
  });
  CHECK(results.size() == ConformanceChecks().size());
  CHECK(failed == 0);
  CHECK(skipped == 0);
  for (const Gvr& gvr : {Gvr{"", "v1", "pods"}, Gvr{"apps", "v1", "replicasets"}, Gvr{"apps", "v1", "deployments"},
                         Gvr{"", "v1", "nodes"}}) {
    ListQuery q;
    q.gvr = gvr;
    int rows = 0;
    REQUIRE(storage
                ->List(
                    q, [&](const Row&) { return ++rows, true; }, nullptr)
                .ok());
    INFO(gvr.ToString());
    CHECK(rows == 0);
  }
}

TEST_CASE("conformance checks have unique sentence names", "[memory]") {
  std::set<std::string> names;
  for (const ConformanceCheck& check : ConformanceChecks()) {
    CHECK(names.insert(check.name).second);
    CHECK(!check.name.empty());
  }
  CHECK(names.size() >= 40);
}

}  // namespace
}  // namespace pedia::storage
