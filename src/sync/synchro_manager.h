// The cluster synchro manager: keeps every member cluster's objects in
// storage current, and writes each cluster's status record into storage
// (design.md §2.1: storage is the only channel to the apiserver).
//
// Cluster source: a host cluster's PediaCluster / ClusterSyncResources
// objects (host_kubeconfig), or manifests on disk (cluster_config).
// Used by `pedia clustersynchro-manager` and `pedia binding-apiserver`.
//
// Thread-safety: Start() and Stop() from one thread; Stop() is idempotent and
// returns after every synchro has stopped writing.
#ifndef PEDIA_SYNC_SYNCHRO_MANAGER_H_
#define PEDIA_SYNC_SYNCHRO_MANAGER_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "base/status.h"
#include "storage/storage.h"

namespace pedia::sync {

struct SynchroOptions {
  std::string host_kubeconfig;  // host-cluster mode
  std::string cluster_config;   // standalone mode: YAML file or directory
  int worker_number = 5;        // processing threads
  int64_t page_size = 0;        // list chunk size; 0: server default
  bool leader_elect = true;     // host-cluster mode only
  std::string leader_elect_namespace = "clusterpedia-system";
  std::string leader_elect_name = "clusterpedia-clustersynchro-manager";
  std::chrono::milliseconds leader_elect_lease_duration{15000};
  std::chrono::milliseconds leader_elect_renew_deadline{10000};
  std::chrono::milliseconds leader_elect_retry_period{2000};
};

class SynchroManager {
 public:
  virtual ~SynchroManager() = default;
  /// Validates options; storage must outlive the manager.
  static Result<std::unique_ptr<SynchroManager>> Create(const SynchroOptions& options, storage::Storage* storage);
  /// Starts syncing in background threads.
  virtual Status Start() = 0;
  virtual void Stop() = 0;
  /// For /readyz: OK once every cluster source has been read once.
  virtual Status Ready() const = 0;
};

}  // namespace pedia::sync

#endif  // PEDIA_SYNC_SYNCHRO_MANAGER_H_
