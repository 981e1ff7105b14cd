// The host-cluster source (--kubeconfig): lists and watches PediaCluster and
// ClusterSyncResources (cluster.clusterpedia.io/v1alpha2) on a Kubernetes
// API, keeps the finalizer clusterpedia.io/cluster-synchro-controller on
// every PediaCluster, removes it once a deleted cluster has been cleaned,
// and writes status through the status subresource.
//
// Requests and watches run on the shared Transport loop; snapshots are
// delivered on the source's own thread (the listener may block).  Every
// failure is retried with backoff.  Thread-safe.
#ifndef PEDIA_SYNC_HOST_SOURCE_H_
#define PEDIA_SYNC_HOST_SOURCE_H_

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "kube/rest_client.h"
#include "sync/cluster_source.h"

namespace pedia::sync {

inline constexpr const char* kSynchroFinalizer = "clusterpedia.io/cluster-synchro-controller";

class HostSource : public ClusterSource {
 public:
  HostSource(kube::Transport* transport, std::shared_ptr<const kube::ConnectionConfig> host);
  ~HostSource() override;
  /// Blocks until both kinds have been listed once (or fails after 60 s).
  Status Start(Listener listener) override;
  void Stop() override;

  /// Writes a PediaCluster's status (the "status" object JSON) through the
  /// status subresource; asynchronous, retried on conflict by the next write.
  void WriteStatus(const std::string& name, const std::string& status_json);
  /// Removes the finalizer from a deleted PediaCluster after its cleanup.
  Status RemoveFinalizer(const std::string& name);

 private:
  class Informer;
  void Changed();
  void Run();
  void BuildSnapshot(SourceSnapshot* snap);

  kube::Transport* transport_;
  std::shared_ptr<const kube::ConnectionConfig> host_;
  std::unique_ptr<Informer> clusters_, sync_resources_;
  Listener listener_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool dirty_ = false, stopping_ = false, delivered_ = false;
  std::thread thread_;
};

}  // namespace pedia::sync

#endif  // PEDIA_SYNC_HOST_SOURCE_H_
