// One simulated cluster: its kinds, objects, resourceVersion counter, event
// history (the compaction window), open watches and injected faults.
//
// Objects are kept as immutable serialized JSON bytes with the few index
// fields extracted at write time; lists and watch events concatenate those
// bytes.  nlohmann is used only to edit one object on a write.
//
// Thread-safety: every public method may be called from any thread; one
// mutex guards the state.  Watch streams are written under that mutex so that
// each watcher sees events in resourceVersion order without gaps.
#ifndef PEDIA_TESTS_KUBESIM_CLUSTER_H_
#define PEDIA_TESTS_KUBESIM_CLUSTER_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "base/rfc3339.h"
#include "base/status.h"
#include "resource_type.h"
#include "server/http_server.h"
#include "storage/storage.h"

namespace kubesim {

using StringPairs = std::vector<std::pair<std::string, std::string>>;

struct Object {
  std::string ns, name, uid;
  uint64_t rv = 0;
  std::string api_version;  // as stored, the first member of json
  std::string json;
  StringPairs labels;
  StringPairs fields;  // selectable fields: metadata.name, status.phase, ...
  bool has_finalizers = false;
  bool deleting = false;
  std::string Key() const { return ns + "/" + name; }
};
using ObjectPtr = std::shared_ptr<const Object>;

enum class EventType { kAdded, kModified, kDeleted };

struct FieldRequirement {
  std::string field;
  bool negate = false;
  std::string value;
};

struct ListOptions {
  std::string ns;  // "" = all namespaces
  std::vector<pedia::storage::Requirement> labels;
  std::vector<FieldRequirement> fields;
  std::string resource_version;
  std::string resource_version_match;
  int64_t limit = 0;
  std::string continue_token;
};

struct ListResult {
  std::string body;  // the whole *List document
};

struct WatchOptions {
  std::string ns;
  std::vector<pedia::storage::Requirement> labels;
  std::vector<FieldRequirement> fields;
  std::string resource_version;
  bool bookmarks = false;
  bool send_initial_events = false;
  int timeout_seconds = 0;  // 0: the server's default
};

struct ClusterOptions {
  std::string name;
  bool host_mode = false;         // leases; the clusterpedia CRDs are created by the caller
  size_t history_events = 10000;  // the compaction window, in events
  std::string k8s_version = "v1.30.2";
  uint64_t seed = 1;
};

/// Faults the control endpoint sets; read by the request handler.
struct Faults {
  std::atomic<int> delay_ms{0};
  std::atomic<int> fail_code{0};   // 0: none
  std::atomic<int> fail_count{0};  // requests left to fail; <0: until cleared
};

class Cluster {
 public:
  explicit Cluster(ClusterOptions options);
  ~Cluster();

  const ClusterOptions& options() const { return options_; }
  Faults& faults() { return faults_; }
  uint64_t CurrentRv();

  // Kinds.
  std::vector<ResourceType> Types();
  /// The type serving group/version/resource, if any.
  std::optional<ResourceType> FindType(const std::string& group, const std::string& version,
                                       const std::string& resource);

  // Reads.
  pedia::Result<ObjectPtr> Get(const ResourceType& type, const std::string& ns, const std::string& name);
  pedia::Result<ListResult> List(const ResourceType& type, const std::string& version, const ListOptions& options);
  /// Starts a watch writing JSON lines to stream.  Errors that a real server
  /// reports as an ERROR event (410) are written to the stream.
  /// open starts the HTTP stream; it is called only once the request is
  /// valid, so a non-OK return means nothing was sent.
  pedia::Status Watch(const ResourceType& type, const std::string& version, const WatchOptions& options,
                      const std::function<std::shared_ptr<pedia::http::ResponseStream>()>& open);

  // Writes.  body is the request's JSON; manager names the field manager.
  pedia::Result<ObjectPtr> Create(const ResourceType& type, const std::string& ns, const std::string& body,
                                  const std::string& manager);
  pedia::Result<ObjectPtr> Update(const ResourceType& type, const std::string& ns, const std::string& name,
                                  const std::string& body, bool status_only, const std::string& manager);
  /// patch_type: the Content-Type (merge, strategic merge or JSON patch).
  pedia::Result<ObjectPtr> Patch(const ResourceType& type, const std::string& ns, const std::string& name,
                                 const std::string& patch_type, const std::string& body, bool status_only,
                                 const std::string& manager);
  /// Returns the object as it was deleted, or as marked for deletion when it
  /// has finalizers (then *gone is false).
  pedia::Result<ObjectPtr> Delete(const ResourceType& type, const std::string& ns, const std::string& name, bool* gone);

  /// Creates an object already parsed (the generator's path).  Fills uid,
  /// creationTimestamp and resourceVersion unless set.
  pedia::Result<ObjectPtr> CreateObject(const ResourceType& type, const std::string& ns, nlohmann::json object,
                                        const std::string& manager);

  // Faults.
  void DropWatches();
  /// Forgets the event history: resuming from any earlier RV gets 410.
  void Compact();
  /// A new resourceVersion epoch: every object gets a new RV from base
  /// (0: well above the current one), history is cleared, watches dropped.
  void NewEpoch(uint64_t base);
  /// Sends a BOOKMARK to every watch that asked for them.
  void SendBookmarks();
  /// Ends watches whose deadline (timeoutSeconds) passed and forgets closed ones.
  void ExpireWatches();
  size_t WatchCount();
  size_t ObjectCount();

  /// Generates a UUID v4 from the cluster's seeded generator.
  std::string NewUid();

 private:
  struct Store;
  struct Watcher;
  struct HistoryEvent {
    uint64_t rv;
    std::string type_key;
    EventType type;
    ObjectPtr object;  // the new state (for deletes: the final state)
    ObjectPtr prev;    // null for creations
  };

  Store& StoreFor(const ResourceType& type);  // mu_ held
  ObjectPtr Finish(const ResourceType& type, nlohmann::json& object, uint64_t rv);
  pedia::Result<ObjectPtr> CommitUpdate(const ResourceType& type, ObjectPtr old, nlohmann::json object,
                                        bool status_only, const std::string& manager);
  void Record(const ResourceType& type, EventType event, ObjectPtr object, ObjectPtr prev);  // mu_ held
  void RemoveLocked(const ResourceType& type, const ObjectPtr& obj);                         // mu_ held
  void RegisterCrdLocked(const ObjectPtr& crd);
  void UnregisterCrdLocked(const ObjectPtr& crd);
  void DeleteNamespaceContentsLocked(const std::string& ns);
  std::string ApiVersionOf(const ResourceType& type) const;

  ClusterOptions options_;
  Faults faults_;
  std::mutex mu_;
  uint64_t rv_ = 1;
  uint64_t compacted_rv_ = 1;
  std::map<std::string, ResourceType> types_;  // by Key()
  std::map<std::string, std::unique_ptr<Store>> stores_;
  std::deque<HistoryEvent> history_;
  std::map<uint64_t, std::shared_ptr<Watcher>> watchers_;
  uint64_t next_watcher_id_ = 1;
  std::mt19937_64 random_;
};

/// Selectable fields of an object of this kind (metadata.name and
/// metadata.namespace for all, plus the kind-specific ones kube-apiserver
/// offers).
StringPairs SelectableFields(const ResourceType& type, const nlohmann::json& object);
/// Whether field is selectable for the type (else a 400 from the handler).
bool IsSelectableField(const ResourceType& type, const std::string& field);

using pedia::NowRfc3339;

}  // namespace kubesim

#endif  // PEDIA_TESTS_KUBESIM_CLUSTER_H_
