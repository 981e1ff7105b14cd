#include "sync/synchro_manager.h"

#include <map>
#include <mutex>
#include <set>

#include "base/log.h"
#include "base/shutdown.h"
#include "kube/rest_client.h"
#include "sync/cluster_synchro.h"
#include "sync/host_source.h"
#include "sync/leader_election.h"
#include "sync/manifest_source.h"
#include "sync/worker_pool.h"

namespace pedia::sync {
namespace {

constexpr int kControlThreads = 4;

class SynchroManagerImpl : public SynchroManager {
 public:
  SynchroManagerImpl(SynchroOptions options, storage::Storage* storage)
      : options_(std::move(options)), storage_(storage) {}
  ~SynchroManagerImpl() override { Stop(); }

  Status Start() override {
    transport_ = std::make_unique<kube::Transport>();
    workers_ = std::make_unique<WorkerPool>(options_.worker_number);
    control_ = std::make_unique<WorkerPool>(kControlThreads);
    if (!options_.cluster_config.empty()) {
      source_ = std::make_unique<ManifestSource>(options_.cluster_config);
      Status s = source_->Start([this](const SourceSnapshot& snap) { Reconcile(snap); });
      if (!s.ok()) return s;
      ready_ = true;
      return Status::Ok();
    }
    auto host = kube::LoadKubeconfigFile(options_.host_kubeconfig);
    if (!host.ok()) return host.status().Annotate("--kubeconfig");
    host_config_ = std::make_shared<const kube::ConnectionConfig>(std::move(host.value()));
    PEDIA_LOG_INFO("host cluster", {"server", host_config_->Describe()});
    if (!options_.leader_elect) return StartHostSource();
    LeaderElectionConfig le;
    le.namespace_name = options_.leader_elect_namespace;
    le.name = options_.leader_elect_name;
    le.identity = DefaultLeaderIdentity();
    le.lease_duration = options_.leader_elect_lease_duration;
    le.renew_deadline = options_.leader_elect_renew_deadline;
    le.retry_period = options_.leader_elect_retry_period;
    elector_ = std::make_unique<LeaderElector>(transport_.get(), host_config_, le);
    elector_->Run(
        [this] {
          if (Status s = StartHostSource(); !s.ok()) {
            PEDIA_LOG_ERROR("cannot start the host cluster source", {"err", s.message()});
            shutdown::Request();
          }
        },
        [] {
          // As client-go components do: a replica that lost the lease exits
          // and restarts, rather than risk two writers.
          shutdown::Request();
        });
    return Status::Ok();
  }

  Status StartHostSource() {
    auto source = std::make_unique<HostSource>(transport_.get(), host_config_);
    host_source_ = source.get();
    Status s = source->Start([this](const SourceSnapshot& snap) { Reconcile(snap); });
    if (!s.ok()) return s;
    source_ = std::move(source);
    ready_ = true;
    return Status::Ok();
  }

  void Stop() override {
    if (stopped_.exchange(true)) return;
    if (elector_) elector_->Stop();
    if (source_) source_->Stop();
    std::map<std::string, std::shared_ptr<ClusterSynchro>> clusters;
    {
      std::lock_guard<std::mutex> l(mu_);
      clusters.swap(clusters_);
    }
    for (auto& [name, c] : clusters) c->Shutdown(/*clean=*/false);
    if (workers_) workers_->Shutdown();
    if (control_) control_->Shutdown();
    transport_.reset();
    PEDIA_LOG_INFO("synchro manager stopped", {"clusters", clusters.size()});
  }

  Status Ready() const override {
    if (!ready_) return Status::Unavailable("the cluster source has not been read yet");
    return Status::Ok();
  }

 private:
  ClusterSynchroDeps Deps() {
    ClusterSynchroDeps d;
    d.transport = transport_.get();
    d.storage = storage_;
    d.workers = workers_.get();
    d.control = control_.get();
    d.page_size = options_.page_size;
    if (host_source_) {
      HostSource* host = host_source_;
      d.status_sink = [host](const std::string& name, const std::string& status) { host->WriteStatus(name, status); };
    }
    return d;
  }

  // Runs on the source's thread; blocking here only delays the next poll.
  void Reconcile(const SourceSnapshot& snap) {
    std::lock_guard<std::mutex> l(mu_);
    if (stopped_) return;
    for (const auto& [name, raw] : snap.clusters) {
      if (raw.deleting) {
        // Finalizer-guarded removal (clusterpedia-spec §6.8): stop, clean,
        // then let the host delete the object.
        if (auto it = clusters_.find(name); it != clusters_.end()) {
          it->second->Shutdown(/*clean=*/true);
          clusters_.erase(it);
          applied_.erase(name);
          applied_warning_.erase(name);
        } else {
          storage_->CleanCluster(name);
          storage_->DeleteCluster(name);
        }
        if (host_source_) {
          if (Status s = host_source_->RemoveFinalizer(name); !s.ok()) {
            PEDIA_LOG_WARNING("cannot remove the finalizer", {"cluster", name}, {"err", s.message()});
          }
        }
        continue;
      }
      ClusterSpec spec = raw;
      std::string warning;
      if (!spec.sync_resources_ref_name.empty()) {
        auto ref = snap.sync_resources.find(spec.sync_resources_ref_name);
        if (ref == snap.sync_resources.end()) {
          warning = "sync resource ref is not found";
        } else {
          spec.sync_resources.insert(spec.sync_resources.end(), ref->second.sync_resources.begin(),
                                     ref->second.sync_resources.end());
        }
      }
      auto invalid = snap.invalid.find(name);
      auto existing = clusters_.find(name);
      if (existing == clusters_.end()) {
        auto c = ClusterSynchro::Create(Deps(), spec, warning);
        clusters_.emplace(name, c);
        applied_[name] = spec;
        c->Start();
        if (invalid != snap.invalid.end()) c->MarkInvalid("InvalidConfig", invalid->second);
        PEDIA_LOG_INFO("cluster added", {"cluster", name});
        continue;
      }
      if (invalid != snap.invalid.end()) {
        existing->second->MarkInvalid("InvalidConfig", invalid->second);
        marked_invalid_.insert(name);
        continue;
      }
      ClusterSpec& before = applied_[name];
      if (!before.SameCredentials(spec)) {
        PEDIA_LOG_INFO("cluster credentials changed; restarting its synchro", {"cluster", name});
        existing->second->Shutdown(/*clean=*/false);
        auto c = ClusterSynchro::Create(Deps(), spec, warning);
        existing->second = c;
        c->Start();
      } else if (!(before == spec) || marked_invalid_.count(name) || applied_warning_[name] != warning) {
        existing->second->UpdateSpec(spec, warning);
      }
      marked_invalid_.erase(name);
      before = spec;
      applied_warning_[name] = warning;
    }
    // Host mode: an invalid object leaves the running synchro alone but
    // says so in Validated (the manifest source keeps the last valid spec).
    for (const auto& [name, why] : snap.invalid) {
      if (snap.clusters.count(name)) continue;
      if (auto it = clusters_.find(name); it != clusters_.end()) {
        it->second->MarkInvalid("InvalidConfig", why);
        marked_invalid_.insert(name);
      }
    }
    for (auto it = clusters_.begin(); it != clusters_.end();) {
      if (snap.clusters.count(it->first) || snap.invalid.count(it->first)) {
        ++it;
        continue;
      }
      PEDIA_LOG_INFO("cluster removed; stopping its synchro and cleaning its data", {"cluster", it->first});
      it->second->Shutdown(/*clean=*/true);
      applied_.erase(it->first);
      applied_warning_.erase(it->first);
      it = clusters_.erase(it);
    }
    if (snap.authoritative && !cleaned_orphans_) {
      // Clusters removed from the config while pedia was not running.
      cleaned_orphans_ = true;
      std::vector<std::string> orphans;
      Status s = storage_->ListClusters([&](std::string_view name, std::string_view) {
        if (!snap.clusters.count(std::string(name)) && !snap.invalid.count(std::string(name))) {
          orphans.emplace_back(name);
        }
      });
      if (!s.ok()) PEDIA_LOG_WARNING("cannot list stored clusters", {"err", s.message()});
      for (const auto& name : orphans) {
        PEDIA_LOG_INFO("cleaning a cluster that is no longer configured", {"cluster", name});
        if (Status c = storage_->CleanCluster(name); !c.ok()) {
          PEDIA_LOG_ERROR("cannot clean cluster", {"cluster", name}, {"err", c.message()});
          continue;
        }
        storage_->DeleteCluster(name);
      }
    }
  }

  const SynchroOptions options_;
  storage::Storage* storage_;
  std::unique_ptr<kube::Transport> transport_;
  std::unique_ptr<WorkerPool> workers_, control_;
  std::unique_ptr<ClusterSource> source_;
  std::shared_ptr<const kube::ConnectionConfig> host_config_;
  HostSource* host_source_ = nullptr;
  std::unique_ptr<LeaderElector> elector_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<ClusterSynchro>> clusters_;
  std::map<std::string, ClusterSpec> applied_;
  std::map<std::string, std::string> applied_warning_;
  std::set<std::string> marked_invalid_;
  bool cleaned_orphans_ = false;
  std::atomic<bool> ready_{false};
  std::atomic<bool> stopped_{false};
};

}  // namespace

Result<std::unique_ptr<SynchroManager>> SynchroManager::Create(const SynchroOptions& options,
                                                               storage::Storage* storage) {
  if (storage == nullptr) return Status::InvalidArgument("synchro manager: no storage layer");
  if (options.worker_number <= 0) {
    return Status::InvalidArgument("--worker-number must be greater than 0, got " +
                                   std::to_string(options.worker_number));
  }
  if (options.page_size < 0) {
    return Status::InvalidArgument("--page-size must not be negative, got " + std::to_string(options.page_size));
  }
  if (!options.host_kubeconfig.empty() && !options.cluster_config.empty()) {
    return Status::InvalidArgument(
        "--kubeconfig and --cluster-config are mutually exclusive\nHINT: choose the host "
        "cluster or manifests on disk as the source of PediaClusters");
  }
  if (options.cluster_config.empty() && options.host_kubeconfig.empty()) {
    return Status::InvalidArgument(
        "no cluster source\nHINT: pass --cluster-config PATH (manifests on disk) or "
        "--kubeconfig PATH (a host cluster's PediaCluster objects)");
  }
  return std::unique_ptr<SynchroManager>(new SynchroManagerImpl(options, storage));
}

}  // namespace pedia::sync
