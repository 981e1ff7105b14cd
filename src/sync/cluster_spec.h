// PediaCluster and ClusterSyncResources as the synchro sees them
// (clusterpedia-spec §5.1, §5.2), parsed from YAML or JSON manifests.
//
// Plain value types; parsing is stateless and thread-safe.  The credential
// fields hold decoded secrets: never log them (ClusterSpec::Describe() does
// not), and the status record drops them.
#ifndef PEDIA_SYNC_CLUSTER_SPEC_H_
#define PEDIA_SYNC_CLUSTER_SPEC_H_

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "kube/connection_config.h"

namespace YAML {
class Node;
}

namespace pedia::sync {

struct SyncResourceGroup {
  std::string group;
  std::vector<std::string> versions;
  std::vector<std::string> resources;
  std::vector<std::string> events_involved_resources;
  bool operator==(const SyncResourceGroup&) const = default;
};

struct ClusterSpec {
  std::string name, uid, creation_timestamp;
  kube::ClusterCredentials credentials;
  std::vector<SyncResourceGroup> sync_resources;
  bool sync_all_custom_resources = false;
  std::string sync_resources_ref_name;
  std::string sharding_name;
  bool deleting = false;  // metadata.deletionTimestamp set (host mode)

  bool SameCredentials(const ClusterSpec& o) const;
  bool operator==(const ClusterSpec& o) const;
};

struct ClusterSyncResourcesSpec {
  std::string name;
  std::vector<SyncResourceGroup> sync_resources;
};

/// Either kind of manifest, after parsing one document.
struct Manifest {
  enum Kind { kPediaCluster, kClusterSyncResources } kind;
  ClusterSpec cluster;
  ClusterSyncResourcesSpec sync_resources;
};

/// Parses one document.  Errors say which field is wrong and why, without
/// quoting credential values; the caller adds the file and line.
Result<Manifest> ParseManifest(const YAML::Node& doc);

/// The spec as JSON without credential fields, for the status record.
std::string SpecJsonWithoutCredentials(const ClusterSpec& spec);

}  // namespace pedia::sync

#endif  // PEDIA_SYNC_CLUSTER_SPEC_H_
