// Leader election through a coordination.k8s.io/v1 Lease, as client-go's
// leaderelection package does (clusterpedia-spec §1.4): acquire when the
// lease is free or expired, renew every retry period, and give up once a
// renewal has failed for longer than the renew deadline.
//
// Runs on its own thread; thread-safe.
#ifndef PEDIA_SYNC_LEADER_ELECTION_H_
#define PEDIA_SYNC_LEADER_ELECTION_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "kube/rest_client.h"

namespace pedia::sync {

struct LeaderElectionConfig {
  std::string namespace_name, name, identity;
  std::chrono::milliseconds lease_duration{15000}, renew_deadline{10000}, retry_period{2000};
};

class LeaderElector {
 public:
  LeaderElector(kube::Transport* transport, std::shared_ptr<const kube::ConnectionConfig> host,
                LeaderElectionConfig config);
  ~LeaderElector();
  /// Starts competing.  on_started runs (on the elector thread) once the
  /// lease is ours; on_lost runs once if it is lost afterwards.
  void Run(std::function<void()> on_started, std::function<void()> on_lost);
  /// Stops competing and releases the lease if held.
  void Stop();
  bool leading() const { return leading_; }

 private:
  bool TryAcquireOrRenew();
  void Loop();

  kube::Transport* transport_;
  std::shared_ptr<const kube::ConnectionConfig> host_;
  LeaderElectionConfig config_;
  std::function<void()> on_started_, on_lost_;
  std::atomic<bool> leading_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

/// "<hostname>_<random hex>", like client-go's default identity.
std::string DefaultLeaderIdentity();

}  // namespace pedia::sync

#endif  // PEDIA_SYNC_LEADER_ELECTION_H_
