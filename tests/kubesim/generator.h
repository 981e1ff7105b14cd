// Fills a simulated cluster with realistic objects: namespaces, nodes, and
// Deployment -> ReplicaSet -> Pod chains (with owner references carrying
// uids), plus services, configmaps, secrets, statefulsets, daemonsets and
// events.  Objects carry labels, annotations, managedFields and the
// last-applied-configuration annotation; a pod is about 2-3 KB.
#ifndef PEDIA_TESTS_KUBESIM_GENERATOR_H_
#define PEDIA_TESTS_KUBESIM_GENERATOR_H_

#include "base/status.h"
#include "cluster.h"

namespace kubesim {

struct GenerateOptions {
  int pods = 0;
  int namespaces = 10;
  int pods_per_deployment = 10;
};

/// Generated objects are not in the watch history (as if compacted).
pedia::Status Populate(Cluster& cluster, const GenerateOptions& options);

/// Creates the clusterpedia CRDs (PediaCluster, ClusterSyncResources,
/// ClusterImportPolicy, PediaClusterLifecycle) and the namespaces a host
/// cluster has.
pedia::Status AddHostClusterKinds(Cluster& cluster);

}  // namespace kubesim

#endif  // PEDIA_TESTS_KUBESIM_GENERATOR_H_
