// The kinds a simulated cluster serves: the built-in table and the ones
// derived from CustomResourceDefinition objects.
#ifndef PEDIA_TESTS_KUBESIM_RESOURCE_TYPE_H_
#define PEDIA_TESTS_KUBESIM_RESOURCE_TYPE_H_

#include <string>
#include <vector>

#include "base/status.h"

namespace kubesim {

struct ResourceType {
  std::string group;     // "" for the core group
  std::string resource;  // plural, "pods"
  std::string singular;
  std::string kind;
  std::vector<std::string> versions;  // served, in kube-aware priority order (preferred first)
  std::string storage;                // the stored version; "" = versions.front()
  bool namespaced = true;
  bool has_status = false;      // a /status subresource
  bool has_generation = false;  // metadata.generation is kept
  bool is_custom = false;       // comes from a CRD
  std::vector<std::string> short_names;
  std::vector<std::string> categories;

  const std::string& storage_version() const { return storage.empty() ? versions.front() : storage; }
  /// "pods", "deployments.apps": the key objects of this type are stored under.
  std::string Key() const { return group.empty() ? resource : resource + "." + group; }
  std::string ApiVersion(const std::string& version) const { return group.empty() ? version : group + "/" + version; }
  bool Serves(const std::string& version) const;
};

/// Kubernetes' version priority: GA before beta before alpha, higher numbers
/// first, versions that are not Kubernetes-like last (alphabetically).
bool KubeVersionBefore(const std::string& a, const std::string& b);

/// The built-in kinds.  with_leases adds coordination.k8s.io leases.
std::vector<ResourceType> BuiltinTypes(bool with_leases);

/// Reads the served types of a CRD object (JSON text).  InvalidArgument names
/// the missing field.
pedia::Result<ResourceType> TypeFromCrd(const std::string& crd_json);

}  // namespace kubesim

#endif  // PEDIA_TESTS_KUBESIM_RESOURCE_TYPE_H_
