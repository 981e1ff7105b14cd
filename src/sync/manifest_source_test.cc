#include "sync/manifest_source.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "catch.h"

namespace pedia::sync {
namespace {

struct TempDir {
  std::string path = "/tmp/pedia-manifest-test-" + std::to_string(::getpid());
  TempDir() { std::filesystem::create_directories(path); }
  ~TempDir() { std::filesystem::remove_all(path); }
  void Write(const std::string& name, const std::string& text) { std::ofstream(path + "/" + name) << text; }
};

constexpr const char* kGood = R"(apiVersion: cluster.clusterpedia.io/v1alpha2
kind: PediaCluster
metadata: {name: c1}
spec:
  apiserver: https://127.0.0.1:6443
  tokenData: dG9rZW4=
  syncResourcesRefName: common
  syncResources:
  - group: apps
    resources: [deployments]
---
apiVersion: cluster.clusterpedia.io/v1alpha2
kind: ClusterSyncResources
metadata: {name: common}
spec:
  syncResources:
  - {group: "", resources: [pods]}
)";

TEST_CASE("manifest source reads clusters and sync resources", "[sync]") {
  TempDir dir;
  dir.Write("a.yaml", kGood);
  std::vector<std::string> errors;
  auto snap = ManifestSource::Read(dir.path, {}, &errors);
  CHECK(errors.empty());
  REQUIRE(snap.clusters.count("c1"));
  CHECK(snap.clusters["c1"].credentials.token == "token");
  CHECK(snap.clusters["c1"].sync_resources_ref_name == "common");
  REQUIRE(snap.sync_resources.count("common"));
  CHECK(snap.origin["common"] == dir.path + "/a.yaml:12");
}

TEST_CASE("manifest source reports file, line and reason; valid clusters stay", "[sync]") {
  TempDir dir;
  dir.Write("a.yaml", kGood);
  std::vector<std::string> errors;
  auto first = ManifestSource::Read(dir.path, {}, &errors);
  dir.Write("b.yaml",
            "apiVersion: cluster.clusterpedia.io/v1alpha2\nkind: PediaCluster\nmetadata: {name: c2}\n"
            "spec: {syncResources: [{group: apps, resources: []}]}\n");
  dir.Write("c.yml", "kind: [unclosed\n");
  auto second = ManifestSource::Read(dir.path, first, &errors);
  REQUIRE(errors.size() == 2);
  CHECK(errors[0].rfind(dir.path + "/b.yaml:1: invalid spec.syncResources[0].resources", 0) == 0);
  CHECK(errors[1].rfind(dir.path + "/c.yml:", 0) == 0);
  CHECK(second.clusters.count("c1"));
  CHECK_FALSE(second.clusters.count("c2"));
  CHECK(second.invalid.count("c2"));

  // c1's manifest turns invalid: the last valid spec stays, marked invalid.
  errors.clear();
  dir.Write("a.yaml",
            "apiVersion: cluster.clusterpedia.io/v1alpha2\nkind: PediaCluster\nmetadata: {name: c1}\n"
            "spec: {tokenData: '***', syncResources: [{group: apps, resources: [x]}]}\n");
  auto third = ManifestSource::Read(dir.path, second, &errors);
  REQUIRE(third.clusters.count("c1"));
  CHECK(third.clusters["c1"].credentials.token == "token");
  REQUIRE(third.invalid.count("c1"));
  CHECK(third.invalid["c1"].find("spec.tokenData") != std::string::npos);
}

TEST_CASE("manifest source rejects duplicates and foreign kinds", "[sync]") {
  TempDir dir;
  dir.Write("a.yaml", std::string(kGood) + "---\n" + kGood);
  dir.Write("z.json", R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}})");
  std::vector<std::string> errors;
  auto snap = ManifestSource::Read(dir.path, {}, &errors);
  REQUIRE(errors.size() == 3);
  CHECK(errors[0].find("duplicate PediaCluster \"c1\"") != std::string::npos);
  CHECK(errors[2].find("apiVersion") != std::string::npos);
  CHECK(snap.clusters.size() == 1);
}

}  // namespace
}  // namespace pedia::sync
