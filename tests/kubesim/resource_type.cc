#include "resource_type.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

namespace kubesim {

bool ResourceType::Serves(const std::string& version) const {
  return std::find(versions.begin(), versions.end(), version) != versions.end();
}

namespace {

struct KubeVersion {
  bool kube_like = false;
  int stability = 0;  // 2 GA, 1 beta, 0 alpha
  long major = 0, minor = 0;
};

KubeVersion ParseKubeVersion(const std::string& v) {
  KubeVersion k;
  if (v.size() < 2 || v[0] != 'v' || !std::isdigit(static_cast<unsigned char>(v[1]))) return k;
  size_t i = 1;
  while (i < v.size() && std::isdigit(static_cast<unsigned char>(v[i]))) k.major = k.major * 10 + (v[i++] - '0');
  if (i == v.size()) {
    k.kube_like = true;
    k.stability = 2;
    return k;
  }
  std::string rest = v.substr(i);
  size_t digits;
  if (rest.rfind("beta", 0) == 0) {
    k.stability = 1;
    digits = 4;
  } else if (rest.rfind("alpha", 0) == 0) {
    k.stability = 0;
    digits = 5;
  } else {
    return k;
  }
  if (digits >= rest.size()) return k;
  for (size_t j = digits; j < rest.size(); ++j) {
    if (!std::isdigit(static_cast<unsigned char>(rest[j]))) return k;
    k.minor = k.minor * 10 + (rest[j] - '0');
  }
  k.kube_like = true;
  return k;
}

}  // namespace

bool KubeVersionBefore(const std::string& a, const std::string& b) {
  KubeVersion x = ParseKubeVersion(a), y = ParseKubeVersion(b);
  if (x.kube_like != y.kube_like) return x.kube_like;
  if (!x.kube_like) return a < b;
  if (x.stability != y.stability) return x.stability > y.stability;
  if (x.major != y.major) return x.major > y.major;
  return x.minor > y.minor;
}

namespace {

ResourceType Make(std::string group, std::string version, std::string resource, std::string singular, std::string kind,
                  bool namespaced, bool has_status, bool has_generation, std::vector<std::string> short_names,
                  std::vector<std::string> categories = {}) {
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
  std::stable_sort(served.begin(), served.end(), KubeVersionBefore);
  t.versions = std::move(served);
  t.storage = storage;
  return t;
}

}  // namespace kubesim
