#include "server/api_path.h"

#include "catch.h"

namespace pedia::server {

TEST_CASE("clusterpedia resource paths route to the inner Kubernetes path", "[server]") {
  auto r = RoutePath("/apis/clusterpedia.io/v1beta1/resources/apis/apps/v1/namespaces/ns1/deployments/web");
  REQUIRE(r.ok());
  CHECK(r->under_resources);
  CHECK(r->cluster.empty());
  CHECK(r->kube.kind == KubePath::kResource);
  CHECK(r->kube.group == "apps");
  CHECK(r->kube.version == "v1");
  CHECK(r->kube.namespace_name == "ns1");
  CHECK(r->kube.resource == "deployments");
  CHECK(r->kube.name == "web");

  r = RoutePath("/apis/clusterpedia.io/v1beta1/resources/clusters/c-1/api/v1/pods");
  REQUIRE(r.ok());
  CHECK(r->cluster == "c-1");
  CHECK(r->kube.group.empty());
  CHECK(r->kube.resource == "pods");

  r = RoutePath("/apis/clusterpedia.io/v1beta1/resources/clusters/clusters/api");
  REQUIRE(r.ok());
  CHECK(r->cluster == "clusters");
  CHECK(r->kube.kind == KubePath::kApiVersions);
}

TEST_CASE("discovery and version paths", "[server]") {
  CHECK(RoutePath("/api")->kube.kind == KubePath::kApiVersions);
  CHECK(RoutePath("/apis")->kube.kind == KubePath::kGroupList);
  CHECK(RoutePath("/apis/apps")->kube.kind == KubePath::kGroup);
  CHECK(RoutePath("/api/v1")->kube.kind == KubePath::kResourceList);
  CHECK(RoutePath("/apis/apps/v1/")->kube.kind == KubePath::kResourceList);
  CHECK(RoutePath("/version")->kube.kind == KubePath::kVersion);
  CHECK(RoutePath("/apis/clusterpedia.io/v1beta1/resources/clusters/a/version")->kube.kind == KubePath::kVersion);
  CHECK(RoutePath("/readyz/storage")->health_check == "storage");
  CHECK(RoutePath("/readyz")->kind == ApiRoute::kHealth);
  CHECK(RoutePath("/metrics")->kind == ApiRoute::kMetrics);
  CHECK(RoutePath("/apis/clusterpedia.io/v1beta1/collectionresources/workloads")->collection == "workloads");
}

TEST_CASE("namespaces follow Kubernetes RequestInfo and Clusterpedia's quirk", "[server]") {
  auto r = RoutePath("/api/v1/namespaces/foo");
  REQUIRE(r.ok());
  CHECK(r->kube.resource == "namespaces");
  CHECK(r->kube.name == "foo");
  CHECK(r->kube.namespace_name.empty());
  r = RoutePath("/api/v1/namespaces/foo/status");
  REQUIRE(r.ok());
  CHECK(r->kube.name == "foo");
  CHECK(r->kube.subresource == "status");
  r = RoutePath("/api/v1/watch/namespaces/ns/pods");
  REQUIRE(r.ok());
  CHECK(r->kube.legacy_watch);
  CHECK(r->kube.namespace_name == "ns");
}

TEST_CASE("unknown paths are 404", "[server]") {
  for (const char* p :
       {"/", "/foo", "/apis/clusterpedia.io/v1beta1/resources", "/apis/clusterpedia.io/v1beta1/resources/clusters/c1",
        "/apis/clusterpedia.io/v1beta1/resources/clusters", "/api/v1/a/b/c/d",
        "/apis/clusterpedia.io/v1beta1/collectionresources/a/b"}) {
    INFO(p);
    auto r = RoutePath(p);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().IsNotFound());
  }
}

}  // namespace pedia::server
