#include "kube/object_normalizer.h"

#include <nlohmann/json.hpp>

#include "catch.h"

namespace pedia::kube {
namespace {

using pedia::testing::Printable;

NormalizeOptions Options() {
  NormalizeOptions o;
  o.cluster_name = "c1";
  o.api_version = "v1";
  o.kind = "Pod";
  return o;
}

constexpr std::string_view kPod = R"({
  "metadata": {
    "name": "web-0", "namespace": "default", "uid": "u-1", "resourceVersion": "42",
    "creationTimestamp": "2024-05-01T10:00:00Z",
    "deletionTimestamp": "2024-05-01T10:00:01.5+01:00",
    "labels": {"app": "web", "tier\u0031": "caf\u00e9"},
    "annotations": {"keep": "yes", "kubectl.kubernetes.io/last-applied-configuration": "{\"big\":[1,2]}"},
    "ownerReferences": [{"uid": "o-1", "controller": false}, {"uid": "o-2", "controller": true}],
    "managedFields": [{"manager": "kubectl", "fieldsV1": {"f:spec": {}}}]
  },
  "spec": {"containers": [{"name": "a", "args": ["[", "]", "{", "\"}"]}]}
})";

TEST_CASE("normalizer extracts index fields and edits metadata", "[kube]") {
  auto r = NormalizeObject(kPod, Options());
  REQUIRE(r.ok());
  const NormalizedObject& o = r.value();
  CHECK(o.name == "web-0");
  CHECK(o.namespace_name == "default");
  CHECK(o.uid == "u-1");
  CHECK(o.resource_version == "42");
  CHECK(o.owner_uid == "o-2");
  CHECK(o.creation_unix_ms == 1714557600000);
  CHECK(o.deletion_unix_ms == 1714557600000 - 3600000 + 1500);
  REQUIRE(o.labels.size() == 2);
  CHECK(o.labels[1] == std::make_pair(std::string("tier1"), std::string("caf\xc3\xa9")));

  auto j = nlohmann::json::parse(o.json);
  CHECK(j["apiVersion"] == "v1");
  CHECK(j["kind"] == "Pod");
  CHECK_FALSE(j["metadata"].contains("managedFields"));
  CHECK(j["metadata"]["annotations"] ==
        nlohmann::json({{"keep", "yes"}, {"shadow.clusterpedia.io/cluster-name", "c1"}}));
  CHECK(j["spec"] == nlohmann::json::parse(kPod)["spec"]);
}

TEST_CASE("normalizer honours the pruning gates", "[kube]") {
  NormalizeOptions o = Options();
  o.prune_managed_fields = false;
  o.prune_last_applied = false;
  auto r = NormalizeObject(kPod, o);
  REQUIRE(r.ok());
  auto j = nlohmann::json::parse(r.value().json);
  CHECK(j["metadata"]["managedFields"].size() == 1);
  CHECK(j["metadata"]["annotations"].size() == 3);
}

TEST_CASE("normalizer removes annotations left empty and adds them when missing", "[kube]") {
  std::string_view only_last_applied =
      R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","resourceVersion":"1",)"
      R"("annotations":{"kubectl.kubernetes.io/last-applied-configuration":"x"}}})";
  NormalizeOptions o = Options();
  o.cluster_name.clear();
  auto r = NormalizeObject(only_last_applied, o);
  REQUIRE(r.ok());
  CHECK(r.value().json == R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","resourceVersion":"1"}})");

  auto with_cluster = NormalizeObject(R"({"metadata":{"name":"a","resourceVersion":"1"}})", Options());
  REQUIRE(with_cluster.ok());
  CHECK(with_cluster.value().json == R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","resourceVersion":"1",)"
                                     R"("annotations":{"shadow.clusterpedia.io/cluster-name":"c1"}}})");
}

TEST_CASE("normalizer replaces a stale cluster-name annotation", "[kube]") {
  auto r = NormalizeObject(
      R"({"metadata":{"annotations":{"shadow.clusterpedia.io/cluster-name":"old"},"name":"a","resourceVersion":"1"}})",
      Options());
  REQUIRE(r.ok());
  auto j = nlohmann::json::parse(r.value().json);
  CHECK(j["metadata"]["annotations"]["shadow.clusterpedia.io/cluster-name"] == "c1");
  CHECK(j["metadata"]["annotations"].size() == 1);
}

TEST_CASE("normalizer rejects malformed and incomplete objects", "[kube]") {
  for (std::string_view bad : {"", "[]", "{", R"({"metadata":{"name":"a","resourceVersion":"1"})",
                               R"({"metadata":{"name":"a","resourceVersion":"1"}} x)", R"({"spec":{}})",
                               R"({"metadata":{"resourceVersion":"1"}})", R"({"metadata":{"name":"a"}})",
                               R"({"metadata":{"name":1,"resourceVersion":"1"}})", R"({"metadata":[]})",
                               R"({"metadata":{"name":"a","resourceVersion":"1","labels":{"a":1}}})",
                               R"({"metadata":{"name":"a","resourceVersion":"1","creationTimestamp":"yesterday"}})",
                               R"({"metadata":{"name":"a","resourceVersion":"1","annotations":{"a":null}}})",
                               R"({"metadata":{"name":"a","resourceVersion":"1","ownerReferences":{}}})",
                               R"({"metadata":{"name":"a\q","resourceVersion":"1"}})"}) {
    INFO(Printable(bad));
    auto r = NormalizeObject(bad, Options());
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Status::kInvalidArgument);
    CHECK(r.status().message().rfind("invalid object", 0) == 0);
  }
}

}  // namespace
}  // namespace pedia::kube
