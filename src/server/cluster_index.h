// What the apiserver knows about member clusters: an immutable snapshot
// built from the cluster status records in storage (design.md §2.1), and
// the discovery documents (/api, /apis, /apis/<g>, /apis/<g>/<v>) derived
// from it, per cluster and as the union over clusters (clusterpedia-spec §4.6).
//
// A record is the PediaCluster JSON the synchro writes:
// status.syncResources[{group, resources[{name, kind, namespaced,
// shortNames?, singularName?, categories?, syncConditions[{version,
// storageVersion, status}], additionalPrinterColumns?}]}], status.conditions,
// status.version, status.apiserver.  Records that do not parse are skipped
// with a warning; they never fail a request.
//
// Thread-safety: a ClusterIndex is immutable once built; share it through
// std::shared_ptr<const ClusterIndex>.
#ifndef PEDIA_SERVER_CLUSTER_INDEX_H_
#define PEDIA_SERVER_CLUSTER_INDEX_H_

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/table.h"

namespace pedia::server {

struct SyncedResource {
  std::string group, version, resource;  // as served
  std::string storage_version;           // where the synchro stored it
  std::string kind, singular_name;
  bool namespaced = true;
  std::vector<std::string> short_names, categories;
  std::vector<TableColumn> printer_columns;  // custom resources only
};

struct ClusterInfo {
  std::string name;
  bool healthy = false;
  std::string unhealthy_reason;
  bool ready = false;
  std::string kube_version;  // status.version, "v1.30.2"
  std::string apiserver;     // status.apiserver or spec.apiserver
  std::string record_json;   // the PediaCluster as stored
  std::vector<SyncedResource> resources;
};

class ClusterIndex {
 public:
  /// Builds the snapshot from (name, record JSON) pairs.
  static std::shared_ptr<const ClusterIndex> Build(const std::vector<std::pair<std::string, std::string>>& records);

  const std::vector<ClusterInfo>& clusters() const { return clusters_; }
  /// nullptr for an unknown cluster.
  const ClusterInfo* Find(std::string_view cluster) const;

  /// The resource as served by cluster (or by any cluster when cluster is
  /// empty); nullptr when not synced there.
  const SyncedResource* FindResource(std::string_view cluster, std::string_view group, std::string_view version,
                                     std::string_view resource) const;

  /// Resources of one cluster (or the union), deduplicated by
  /// group/version/resource and sorted.
  std::vector<const SyncedResource*> Resources(std::string_view cluster) const;

  /// Discovery bodies.  extra_groups are added to /apis (pedia's own groups);
  /// verbs is the storage's verb list.
  std::string ApiVersionsJson() const;
  std::string GroupListJson(std::string_view cluster, const std::vector<std::string>& extra_group_json) const;
  /// Empty when the group is not served.
  std::string GroupJson(std::string_view cluster, std::string_view group) const;
  /// Empty when the group version is not served.
  std::string ResourceListJson(std::string_view cluster, std::string_view group, std::string_view version,
                               const std::vector<std::string>& verbs) const;

 private:
  // group -> versions sorted highest first (kube-aware)
  std::map<std::string, std::vector<std::string>> Groups(std::string_view cluster) const;

  std::vector<ClusterInfo> clusters_;
};

/// Kubernetes' version priority: GA > beta > alpha, higher numbers first
/// (v1 > v1beta2 > v1beta1 > v1alpha1), then non-kube-like strings by name.
bool KubeVersionHigher(std::string_view a, std::string_view b);

/// "group/version", or "version" for the core group: an apiVersion.
std::string GroupVersion(std::string_view group, std::string_view version);

/// {"groupVersion":..,"version":..} helper for pedia's own groups.
std::string GroupJsonFor(std::string_view group, const std::vector<std::string>& versions_highest_first);

/// Built-in resources' short names ("po", "deploy") and categories ("all").
std::vector<std::string> BuiltinShortNames(std::string_view group, std::string_view resource);
std::vector<std::string> BuiltinCategories(std::string_view group, std::string_view resource);

}  // namespace pedia::server

#endif  // PEDIA_SERVER_CLUSTER_INDEX_H_
