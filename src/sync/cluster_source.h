// Where the synchro manager learns which clusters to sync: manifests on disk
// (ManifestSource) or a host cluster's PediaCluster objects.  A source
// delivers its whole desired state on every change.
#ifndef PEDIA_SYNC_CLUSTER_SOURCE_H_
#define PEDIA_SYNC_CLUSTER_SOURCE_H_

#include <functional>
#include <map>
#include <string>

#include "base/status.h"
#include "sync/cluster_spec.h"

namespace pedia::sync {

struct SourceSnapshot {
  std::map<std::string, ClusterSpec> clusters;
  std::map<std::string, ClusterSyncResourcesSpec> sync_resources;
  /// Clusters whose current manifest is invalid, with the reason; the last
  /// valid spec (if any) stays in `clusters` so syncing carries on.
  std::map<std::string, std::string> invalid;
  /// Where each cluster and ClusterSyncResources came from ("file:line").
  std::map<std::string, std::string> origin;
  /// The source is authoritative: clusters it does not list should not exist.
  bool authoritative = true;
};

class ClusterSource {
 public:
  using Listener = std::function<void(const SourceSnapshot&)>;
  virtual ~ClusterSource() = default;
  /// Reads the source once (delivering the first snapshot before returning),
  /// then watches it for changes in the background.
  virtual Status Start(Listener listener) = 0;
  virtual void Stop() = 0;
};

}  // namespace pedia::sync

#endif  // PEDIA_SYNC_CLUSTER_SOURCE_H_
