#include "resource_type.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace kubesim {

bool ResourceType::Serves(const std::string& version) const {
  return std::find(versions.begin(), versions.end(), version) != versions.end();
}

namespace {

ResourceType Make(std::string group, std::string version, std::string resource, std::string singular,
                  std::string kind, bool namespaced, bool has_status, bool has_generation,
                  std::vector<std::string> short_names, std::vector<std::string> categories = {}) {
  ResourceType t;
  t.group = std::move(group);
  t.versions = {std::move(version)};
  t.resource = std::move(resource);
  t.singular = std::move(singular);
  t.kind = std::move(kind);
  t.namespaced = namespaced;
  t.has_status = has_status;
  t.has_generation = has_generation;
  t.short_names = std::move(short_names);
  t.categories = std::move(categories);
  return t;
}

}  // namespace

std::vector<ResourceType> BuiltinTypes(bool with_leases) {
  std::vector<ResourceType> types = {
      Make("", "v1", "namespaces", "namespace", "Namespace", false, true, false, {"ns"}),
      Make("", "v1", "nodes", "node", "Node", false, true, false, {"no"}),
      Make("", "v1", "pods", "pod", "Pod", true, true, false, {"po"}, {"all"}),
      Make("", "v1", "services", "service", "Service", true, true, false, {"svc"}, {"all"}),
      Make("", "v1", "configmaps", "configmap", "ConfigMap", true, false, false, {"cm"}),
      Make("", "v1", "secrets", "secret", "Secret", true, false, false, {}),
      Make("", "v1", "events", "event", "Event", true, false, false, {"ev"}),
      Make("apps", "v1", "deployments", "deployment", "Deployment", true, true, true, {"deploy"}, {"all"}),
      Make("apps", "v1", "replicasets", "replicaset", "ReplicaSet", true, true, true, {"rs"}, {"all"}),
      Make("apps", "v1", "statefulsets", "statefulset", "StatefulSet", true, true, true, {"sts"}, {"all"}),
      Make("apps", "v1", "daemonsets", "daemonset", "DaemonSet", true, true, true, {"ds"}, {"all"}),
      Make("apiextensions.k8s.io", "v1", "customresourcedefinitions", "customresourcedefinition",
           "CustomResourceDefinition", false, true, true, {"crd", "crds"}, {"api-extensions"}),
  };
  if (with_leases) {
    types.push_back(Make("coordination.k8s.io", "v1", "leases", "lease", "Lease", true, false, false, {}));
  }
  return types;
}

pedia::Result<ResourceType> TypeFromCrd(const std::string& crd_json) {
  nlohmann::json crd = nlohmann::json::parse(crd_json, nullptr, false);
  if (crd.is_discarded() || !crd.is_object()) return pedia::Status::InvalidArgument("the CRD is not a JSON object");
  const auto& spec = crd.value("spec", nlohmann::json::object());
  if (!spec.is_object()) return pedia::Status::InvalidArgument("spec: Required value");
  const auto& names = spec.value("names", nlohmann::json::object());
  ResourceType t;
  t.is_custom = true;
  t.has_generation = true;
  t.group = spec.value("group", "");
  t.resource = names.is_object() ? names.value("plural", "") : "";
  t.kind = names.is_object() ? names.value("kind", "") : "";
  if (t.group.empty()) return pedia::Status::InvalidArgument("spec.group: Required value");
  if (t.resource.empty()) return pedia::Status::InvalidArgument("spec.names.plural: Required value");
  if (t.kind.empty()) return pedia::Status::InvalidArgument("spec.names.kind: Required value");
  t.singular = names.value("singular", "");
  if (t.singular.empty()) {
    t.singular = t.kind;
    std::transform(t.singular.begin(), t.singular.end(), t.singular.begin(), ::tolower);
  }
  if (names.contains("shortNames") && names["shortNames"].is_array()) {
    for (const auto& s : names["shortNames"]) {
      if (s.is_string()) t.short_names.push_back(s.get<std::string>());
    }
  }
  if (names.contains("categories") && names["categories"].is_array()) {
    for (const auto& s : names["categories"]) {
      if (s.is_string()) t.categories.push_back(s.get<std::string>());
    }
  }
  t.namespaced = spec.value("scope", "Namespaced") != "Cluster";
  const auto& versions = spec.value("versions", nlohmann::json::array());
  std::string storage;
  std::vector<std::string> served;
  if (versions.is_array()) {
    for (const auto& v : versions) {
      if (!v.is_object() || !v.value("served", false)) continue;
      std::string name = v.value("name", "");
      if (name.empty()) continue;
      if (v.value("storage", false)) storage = name;
      served.push_back(name);
      if (v.contains("subresources") && v["subresources"].is_object() && v["subresources"].contains("status")) {
        t.has_status = true;
      }
    }
  }
  if (served.empty()) return pedia::Status::InvalidArgument("spec.versions: Required value: a served version");
  if (storage.empty()) storage = served.front();
  t.versions.push_back(storage);
  for (auto& v : served) {
    if (v != storage) t.versions.push_back(v);
  }
  return t;
}

}  // namespace kubesim
