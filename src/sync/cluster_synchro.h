// Syncs one member cluster (clusterpedia-spec §6.2, §6.6): connects,
// discovers and negotiates resources, runs one ResourceSynchro per storage
// GVR, probes health, follows CRD changes, and writes the cluster's status
// record into storage whenever it changes (design.md §2.1).
//
// Threads: lifecycle work (discovery, negotiation, health transitions,
// status writes) runs in order on a strand of the control pool, which may
// block on HTTP and storage; requests and timers run on the Transport loop.
// Public methods are thread-safe.  Shutdown() blocks; call it from neither
// the loop thread nor a pool thread.
#ifndef PEDIA_SYNC_CLUSTER_SYNCHRO_H_
#define PEDIA_SYNC_CLUSTER_SYNCHRO_H_

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "kube/rest_client.h"
#include "storage/storage.h"
#include "sync/cluster_spec.h"
#include "sync/resource_synchro.h"
#include "sync/worker_pool.h"

namespace pedia::sync {

struct ClusterCondition {
  std::string type, status, reason, message, last_transition_time;
};

struct ClusterSynchroDeps {
  kube::Transport* transport = nullptr;
  storage::Storage* storage = nullptr;
  WorkerPool* workers = nullptr;  // event processing
  WorkerPool* control = nullptr;  // lifecycle work that may block
  int64_t page_size = 0;
  std::chrono::milliseconds health_period{5000};
  /// Host-cluster mode: also writes the status object (JSON) to the
  /// PediaCluster's status subresource.  Called on a control thread.
  std::function<void(const std::string& name, const std::string& status_json)> status_sink;
};

class ClusterSynchro : public std::enable_shared_from_this<ClusterSynchro> {
 public:
  /// spec.sync_resources must already include the ClusterSyncResources ref;
  /// validation_warning ("sync resource ref is not found") goes into the
  /// Validated condition.
  static std::shared_ptr<ClusterSynchro> Create(ClusterSynchroDeps deps, ClusterSpec spec,
                                                std::string validation_warning);
  /// Validates, connects and starts syncing (asynchronously).
  void Start();
  /// A new spec with the same credentials: renegotiates resources.
  void UpdateSpec(ClusterSpec spec, std::string validation_warning);
  /// Marks the spec invalid while the running synchro carries on (as
  /// Clusterpedia does): Validated False with the reason.
  void MarkInvalid(const std::string& reason, const std::string& message);
  /// Stops everything.  clean: delete the cluster's objects and status
  /// record (cluster removed); else write a final Shutdown status.
  void Shutdown(bool clean);

  const std::string& name() const { return name_; }
  /// The status record JSON as last built.
  std::string StatusJson();
  /// Resources whose initial list has been written (tests, benchmarks).
  size_t SyncedResources() const;
  size_t Resources() const;

 private:
  ClusterSynchro(ClusterSynchroDeps deps, ClusterSpec spec, std::string warning);

  // Control strand.
  void Init();
  void Negotiate(bool reload_versions);
  void HandleProbe(bool ok, const std::string& reason, const std::string& message);
  void Publish();
  void StartCrdWatch();

  // Loop thread.
  void ScheduleProbe();
  void Probe(bool fallback);
  void SchedulePublish();
  void ScheduleNegotiate(std::chrono::milliseconds delay);

  void SetCondition(const std::string& type, const std::string& status, const std::string& reason,
                    const std::string& message);
  std::string BuildRecord();

  ClusterSynchroDeps deps_;
  const std::string name_;
  std::shared_ptr<Strand> strand_;
  std::atomic<bool> stopping_{false};

  mutable std::mutex mu_;  // guards everything below
  ClusterSpec spec_;
  std::string warning_;
  std::shared_ptr<const kube::ConnectionConfig> config_;
  std::string git_version_;
  std::vector<ClusterCondition> conditions_;
  std::map<storage::Gvr, std::shared_ptr<ResourceSynchro>> synchros_;
  std::map<storage::Gvr, SyncCondition> removed_;  // removed resources awaiting cleanup failure
  bool running_ = false;                           // Init succeeded
  bool paused_ = false;                            // unhealthy: watches stopped
  std::string health_ = "Unknown";
  int init_attempt_ = 0;
  kube::TimerId probe_timer_ = 0, publish_timer_ = 0, negotiate_timer_ = 0, init_timer_ = 0, crd_timer_ = 0;
  kube::RequestId probe_request_ = 0, crd_request_ = 0;
  bool publish_pending_ = false;
  std::string last_record_;
  int64_t record_version_ = 0;
  std::string creation_timestamp_;
};

}  // namespace pedia::sync

#endif  // PEDIA_SYNC_CLUSTER_SYNCHRO_H_
