#include "sync/resource_negotiator.h"

#include "catch.h"

namespace pedia::sync {
namespace {

ApiResource Res(std::string group, std::string version, std::string name, std::string kind,
                std::vector<std::string> verbs = {"get", "list", "watch"}) {
  ApiResource r;
  r.group = std::move(group);
  r.version = std::move(version);
  r.name = std::move(name);
  r.kind = std::move(kind);
  r.singular_name = r.kind;
  for (auto& c : r.singular_name) c = static_cast<char>(std::tolower(c));
  r.verbs = std::move(verbs);
  r.namespaced = true;
  return r;
}

Discovery Cluster() {
  Discovery d;
  d.groups = {{"", {"v1"}}, {"apps", {"v1"}}, {"autoscaling", {"v2", "v1"}}, {"ex.io", {"v3", "v2", "v1", "v0"}}};
  d.resources = {Res("", "v1", "pods", "Pod"),
                 Res("", "v1", "bindings", "Binding", {"create"}),
                 Res("apps", "v1", "deployments", "Deployment"),
                 Res("autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler"),
                 Res("autoscaling", "v1", "horizontalpodautoscalers", "HorizontalPodAutoscaler"),
                 Res("ex.io", "v3", "widgets", "Widget"),
                 Res("ex.io", "v2", "widgets", "Widget"),
                 Res("ex.io", "v1", "widgets", "Widget"),
                 Res("ex.io", "v0", "widgets", "Widget")};
  CrdInfo crd{"ex.io", "widgets", "Widget", {"v3", "v2", "v1", "v0"}, {{"v2", R"([{"name":"Age"}])"}}};
  d.crds[{"ex.io", "widgets"}] = crd;
  return d;
}

std::vector<std::string> Names(const Negotiation& n) {
  std::vector<std::string> out;
  for (const auto& t : n.targets) out.push_back(t.gvr.ToString());
  return out;
}

TEST_CASE("negotiation: built-ins sync the preferred version only", "[sync]") {
  auto n = Negotiate(Cluster(), {{"autoscaling", {"v1"}, {"HorizontalPodAutoscaler"}, {}}, {"", {}, {"pod"}, {}}}, {});
  CHECK(Names(n) == std::vector<std::string>{"v1/pods", "autoscaling/v2/horizontalpodautoscalers"});
}

TEST_CASE("negotiation: wildcards skip resources without list and watch", "[sync]") {
  auto n = Negotiate(Cluster(), {{"", {}, {"*"}, {}}}, {});
  CHECK(Names(n) == std::vector<std::string>{"v1/pods"});
}

TEST_CASE("negotiation: CRDs sync three versions by default, all, or those listed", "[sync]") {
  CHECK(Names(Negotiate(Cluster(), {{"ex.io", {}, {"widgets"}, {}}}, {})) ==
        std::vector<std::string>{"ex.io/v1/widgets", "ex.io/v2/widgets", "ex.io/v3/widgets"});
  CHECK(Negotiate(Cluster(), {{"ex.io", {"*"}, {"widgets"}, {}}}, {}).targets.size() == 4);
  auto listed = Negotiate(Cluster(), {{"ex.io", {"v0", "v2"}, {"widget"}, {}}}, {});
  REQUIRE(Names(listed) == std::vector<std::string>{"ex.io/v0/widgets", "ex.io/v2/widgets"});
  CHECK(listed.targets[1].printer_columns_json == R"([{"name":"Age"}])");
  CHECK(listed.targets[1].custom);
  auto none = Negotiate(Cluster(), {{"ex.io", {"v9"}, {"widgets"}, {}}}, {});
  CHECK(none.targets.empty());
  CHECK_FALSE(none.warnings.empty());
}

TEST_CASE("negotiation: group * needs its gate; syncAllCustomResources adds CRDs", "[sync]") {
  CHECK(Negotiate(Cluster(), {{"*", {}, {"*"}, {}}}, {}).targets.empty());
  NegotiationOptions all;
  all.allow_sync_all_resources = true;
  CHECK(Negotiate(Cluster(), {{"*", {}, {"*"}, {}}}, all).targets.size() == 6);
  NegotiationOptions crds;
  crds.sync_all_custom_resources = true;
  CHECK(Names(Negotiate(Cluster(), {{"apps", {}, {"deployments"}, {}}}, crds)) ==
        std::vector<std::string>{"apps/v1/deployments", "ex.io/v1/widgets", "ex.io/v2/widgets", "ex.io/v3/widgets"});
}

TEST_CASE("negotiation: missing groups and resources are warnings", "[sync]") {
  auto n = Negotiate(Cluster(), {{"batch", {}, {"jobs"}, {}}, {"apps", {}, {"statefulsets"}, {}}}, {});
  CHECK(n.targets.empty());
  CHECK(n.warnings.size() == 2);
}

}  // namespace
}  // namespace pedia::sync
