#include "server/cluster_index.h"

#include <nlohmann/json.hpp>

#include "catch.h"

namespace pedia::server {
namespace {

const char* kRecordA = R"({"apiVersion":"cluster.clusterpedia.io/v1alpha2","kind":"PediaCluster",
  "metadata":{"name":"a"},"spec":{"apiserver":"https://a:6443"},
  "status":{"version":"v1.30.2","conditions":[{"type":"Ready","status":"True"},{"type":"ClusterHealthy","status":"True"}],
    "syncResources":[
      {"group":"","resources":[{"name":"pods","kind":"Pod","namespaced":true,"syncConditions":[{"version":"v1","status":"Syncing"}]},
                               {"name":"nodes","kind":"Node","namespaced":false,"syncConditions":[{"version":"v1"}]}]},
      {"group":"apps","resources":[{"name":"deployments","kind":"Deployment","namespaced":true,"syncConditions":[{"version":"v1"}]}]},
      {"group":"example.io","resources":[{"name":"widgets","kind":"Widget","namespaced":true,
        "additionalPrinterColumns":[{"name":"Size","type":"integer","jsonPath":".spec.size"}],
        "syncConditions":[{"version":"v1beta1"},{"version":"v1","storageVersion":"v1"}]}]}]}})";
const char* kRecordB = R"({"metadata":{"name":"b"},
  "status":{"conditions":[{"type":"ClusterHealthy","status":"False","reason":"Unreachable"}],
    "syncResources":[{"group":"apps","resources":[{"name":"statefulsets","kind":"StatefulSet","syncConditions":[{"version":"v1"}]}]}]}})";

std::shared_ptr<const ClusterIndex> Index() {
  return ClusterIndex::Build({{"b", kRecordB}, {"a", kRecordA}, {"broken", "not json"}});
}

}  // namespace

TEST_CASE("cluster index reads health, version and synced resources", "[server]") {
  auto idx = Index();
  REQUIRE(idx->clusters().size() == 2);
  const ClusterInfo* a = idx->Find("a");
  REQUIRE(a);
  CHECK(a->healthy);
  CHECK(a->ready);
  CHECK(a->kube_version == "v1.30.2");
  CHECK(a->apiserver == "https://a:6443");
  const ClusterInfo* b = idx->Find("b");
  REQUIRE(b);
  CHECK_FALSE(b->healthy);
  CHECK(b->unhealthy_reason == "Unreachable");
  CHECK(idx->Find("broken") == nullptr);
  CHECK(idx->FindResource("a", "apps", "v1", "deployments"));
  CHECK_FALSE(idx->FindResource("b", "apps", "v1", "deployments"));
  CHECK(idx->FindResource("", "apps", "v1", "statefulsets"));
  const SyncedResource* w = idx->FindResource("a", "example.io", "v1", "widgets");
  REQUIRE(w);
  REQUIRE(w->printer_columns.size() == 1);
  CHECK(w->printer_columns[0].json_path == ".spec.size");
}

TEST_CASE("discovery documents per cluster and as the union", "[server]") {
  auto idx = Index();
  auto groups = nlohmann::json::parse(idx->GroupListJson("", {}));
  CHECK(groups["kind"] == "APIGroupList");
  REQUIRE(groups["groups"].size() == 2);
  CHECK(groups["groups"][0]["name"] == "apps");
  CHECK(groups["groups"][1]["name"] == "example.io");
  CHECK(groups["groups"][1]["preferredVersion"]["version"] == "v1");
  CHECK(groups["groups"][1]["versions"][1]["version"] == "v1beta1");

  auto b_groups = nlohmann::json::parse(idx->GroupListJson("b", {}));
  CHECK(b_groups["groups"].size() == 1);

  auto apps = nlohmann::json::parse(idx->ResourceListJson("", "apps", "v1", {"get", "list"}));
  CHECK(apps["groupVersion"] == "apps/v1");
  REQUIRE(apps["resources"].size() == 2);
  CHECK(apps["resources"][0]["name"] == "deployments");
  CHECK(apps["resources"][0]["shortNames"][0] == "deploy");
  CHECK(apps["resources"][0]["categories"][0] == "all");
  CHECK(apps["resources"][0]["verbs"] == nlohmann::json::array({"get", "list"}));

  auto core = nlohmann::json::parse(idx->ResourceListJson("a", "", "v1", {"get"}));
  CHECK(core["groupVersion"] == "v1");
  CHECK(core["resources"][0]["name"] == "nodes");
  CHECK(core["resources"][0]["namespaced"] == false);
  CHECK(idx->ResourceListJson("a", "nope", "v1", {}).empty());
  CHECK(idx->GroupJson("a", "nope").empty());
  CHECK(nlohmann::json::parse(idx->GroupJson("a", "apps"))["kind"] == "APIGroup");
}

TEST_CASE("kube-aware version order", "[server]") {
  CHECK(KubeVersionHigher("v1", "v1beta1"));
  CHECK(KubeVersionHigher("v2", "v1"));
  CHECK(KubeVersionHigher("v1beta2", "v1beta1"));
  CHECK(KubeVersionHigher("v1beta1", "v1alpha3"));
  CHECK(KubeVersionHigher("v1alpha1", "foo"));
  CHECK_FALSE(KubeVersionHigher("v1beta1", "v1"));
}

}  // namespace pedia::server
