// Keeps one group/version/resource of one member cluster in storage
// (clusterpedia-spec §6.4, §6.5).
//
// Life: a chunked list compared with the resourceVersions already in storage
// (only changed objects are written; stored objects missing from the list
// are deleted), then a watch from the list's resourceVersion with bookmarks.
// A dropped watch resumes from the last resourceVersion seen; 410 Gone
// relists; every failure backs off exponentially with jitter.
//
// Threads: requests and timers run on the Transport's loop thread; the bytes
// are normalized and written on a Strand of the worker pool, so one
// resource's events are applied in order.  Storage UNAVAILABLE stops the
// list/watch, keeps the failed batch and retries it with backoff; once it is
// written, a relist converges storage to the member.  An INVALID_ARGUMENT
// write is dropped, logged, counted and shown in the sync condition.
//
// Every public method is thread-safe.  Close() blocks until no more writes
// happen; never call it from the loop thread or a worker.
#ifndef PEDIA_SYNC_RESOURCE_SYNCHRO_H_
#define PEDIA_SYNC_RESOURCE_SYNCHRO_H_

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "kube/object_normalizer.h"
#include "kube/rest_client.h"
#include "storage/storage.h"
#include "sync/resource_negotiator.h"
#include "sync/worker_pool.h"

namespace pedia::sync {

/// One syncCondition of the status (clusterpedia-spec §5.1).
struct SyncCondition {
  std::string status = "Pending";  // Pending, Syncing, Stop, Unknown, Error
  std::string reason = "SynchroCreating";
  std::string message;
  std::string last_transition_time;  // RFC 3339
  bool operator==(const SyncCondition& o) const {
    return status == o.status && reason == o.reason && message == o.message;
  }
};

struct ResourceSynchroContext {
  std::string cluster;
  kube::Transport* transport = nullptr;
  std::shared_ptr<const kube::ConnectionConfig> config;
  storage::Storage* storage = nullptr;
  WorkerPool* pool = nullptr;
  int64_t page_size = 0;
  size_t max_batch = 1000;
  std::function<void()> on_status_change;  // any thread; must not block
};

/// key ("namespace/name" or "name") -> resourceVersion.
using KnownVersions = std::unordered_map<std::string, std::string>;

class ResourceSynchro : public std::enable_shared_from_this<ResourceSynchro> {
 public:
  static std::shared_ptr<ResourceSynchro> Create(ResourceSynchroContext context, SyncTarget target,
                                                 KnownVersions known);
  ~ResourceSynchro();

  /// (Re)starts: relist and compare, then watch.
  void Start();
  /// Stops listing and watching (cluster unhealthy); Start() resumes.
  void Pause(const std::string& reason, const std::string& message);
  /// Stops for good and waits until processing has finished.
  void Close();

  SyncCondition condition() const;
  const SyncTarget& target() const { return target_; }
  /// True once a list has been fully written.
  bool synced() const { return synced_.load(); }

 private:
  class WatchHandler;
  ResourceSynchro(ResourceSynchroContext context, SyncTarget target, KnownVersions known);

  // Counts an object that will not be synced (metric, condition message).
  void CountDrop(const std::string& message);
  // CountDrop, and logs it, for an object the normalizer rejected.
  void DropUnsyncable(const std::string& message);

  // Loop thread.
  void StartOnLoop();
  void StopActive();
  void RequestPage(const std::string& continue_token, uint64_t gen);
  void StartWatch(uint64_t gen);
  void OnWatchEnd(uint64_t gen, const Status& status, int http_status);
  void Retry(uint64_t gen, const Status& why, bool relist);
  void RelistAfterGone(uint64_t gen);

  // Strand.
  void ProcessPage(uint64_t gen, std::string body, bool last);
  void FinishList(uint64_t gen);
  void ProcessLines(uint64_t gen);
  Status Flush();
  void OnStorageFailure(uint64_t gen, const Status& status);
  void RetryPending(uint64_t gen);

  // Any thread.
  void OnWatchLine(uint64_t gen, std::string_view line);
  void SetCondition(std::string status, std::string reason, std::string message);
  std::chrono::milliseconds NextBackoff();
  std::string KeyOf(const kube::NormalizedObject& o) const;

  ResourceSynchroContext ctx_;
  const SyncTarget target_;
  const storage::ResourceKey resource_key_;
  const kube::NormalizeOptions normalize_;
  std::shared_ptr<Strand> strand_;
  std::atomic<uint64_t> gen_{0};
  std::atomic<bool> synced_{false};
  std::atomic<bool> closed_{false};
  std::atomic<int> backoff_attempt_{0};

  // Loop thread only.
  kube::RequestId request_id_ = 0;
  kube::TimerId timer_id_ = 0;
  int pages_queued_ = 0;           // list pages received, not yet processed
  std::string deferred_continue_;  // next page to request once one is processed

  // Strand only.
  KnownVersions known_;
  std::unordered_set<std::string> seen_;
  std::string list_rv_;
  std::vector<storage::Write> batch_;
  // Beside each write of batch_: its known_ key (KeyOf) and when the member
  // sent it (the lag metric).
  struct Pending {
    std::string key;
    std::chrono::steady_clock::time_point arrival;
  };
  std::vector<Pending> batch_pending_;

  mutable std::mutex mu_;  // guards the fields below
  std::string last_rv_;
  std::vector<std::pair<std::string, std::chrono::steady_clock::time_point>> pending_lines_;
  bool lines_scheduled_ = false;
  SyncCondition condition_;
  int64_t dropped_ = 0;
  int64_t dropped_reported_ = 0;
  std::string last_drop_message_;

  struct Metrics;
  std::unique_ptr<Metrics> metrics_;
};

}  // namespace pedia::sync

#endif  // PEDIA_SYNC_RESOURCE_SYNCHRO_H_
