// The host's view of one opened storage layer.
//
// Storage wraps a pedia_storage_plugin table and its instance behind C++
// types, so the synchro and the apiserver never touch the C ABI.  Built-in
// layers and plugins look the same from here (design.md §2.3).
//
// Thread-safety: every method except Close() may be called from any thread
// concurrently (the ABI requires layers to be thread-safe).  Callbacks run on
// the calling thread, except watch callbacks (see Watch()).
#ifndef PEDIA_STORAGE_STORAGE_H_
#define PEDIA_STORAGE_STORAGE_H_

#include <pedia/storage_abi.h>
#include <pedia/storage_plugin.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "base/status.h"

namespace pedia::storage {

using sdk::Row;  // borrowed views, valid during a callback only

/// Group/version/resource, owning.
struct Gvr {
  std::string group, version, resource;
  bool operator==(const Gvr&) const = default;
  bool operator<(const Gvr& o) const {
    return std::tie(group, version, resource) < std::tie(o.group, o.version, o.resource);
  }
  /// "apps/v1/deployments", "v1/pods" for the core group.
  std::string ToString() const;
};

/// What a write batch targets.
struct ResourceKey {
  std::string cluster;
  Gvr gvr;
  std::string kind;
  bool namespaced = true;
};

/// One object with its index fields (design.md §2.2), owning.
struct ObjectRecord {
  std::string namespace_name, name, uid, owner_uid, resource_version;
  int64_t creation_unix_ms = 0;
  int64_t deletion_unix_ms = PEDIA_STORAGE_NO_TIME;
  std::vector<std::pair<std::string, std::string>> labels;
  std::string json;
};

struct Write {
  enum Op : uint32_t { kUpsert = PEDIA_STORAGE_WRITE_UPSERT, kDelete = PEDIA_STORAGE_WRITE_DELETE };
  Op op = kUpsert;
  ObjectRecord object;
};

/// A label (key) or field (path) requirement.
struct Requirement {
  std::string key;
  std::vector<std::string> path;
  pedia_storage_selector_op op = PEDIA_STORAGE_OP_EXISTS;
  std::vector<std::string> values;
};

struct OrderBy {
  pedia_storage_order_field field = PEDIA_STORAGE_ORDER_NAME;
  bool descending = false;
};

/// A list query, owning.  Empty lists mean no restriction.
struct ListQuery {
  Gvr gvr;
  std::vector<std::string> clusters, namespaces, names, fuzzy_names;
  std::vector<Requirement> labels, fields;
  std::string owner_uid, owner_name, owner_group, owner_resource;
  int32_t owner_seniority = 0;
  int64_t since_unix_ms = PEDIA_STORAGE_NO_TIME;
  int64_t before_unix_ms = PEDIA_STORAGE_NO_TIME;
  std::vector<OrderBy> order_by;
  int64_t limit = 0;
  std::string continue_token;
  bool with_remaining_count = false;
  bool only_metadata = false;
};

struct ListSummary {
  std::string continue_token;
  bool has_remaining_count = false;
  int64_t remaining_count = 0;
  std::string resource_version;
};

/// Return false to stop the list early.
using RowCallback = std::function<bool(const Row&)>;
using RvCallback = std::function<void(const sdk::Gvr&, std::string_view ns, std::string_view name,
                                      std::string_view rv)>;
using ClusterCallback = std::function<void(std::string_view name, std::string_view record_json)>;

/// Receives watch events from a layer thread.  OnEvent must not block;
/// returning false ends the watch.  OnClosed is called once, last.
class WatchObserver {
 public:
  virtual ~WatchObserver() = default;
  virtual bool OnEvent(pedia_storage_event_type type, const Row& row) = 0;
  virtual void OnClosed(const Status& status) = 0;
};

/// A running watch; destroying it stops it (after which no callback runs).
class WatchHandle {
 public:
  virtual ~WatchHandle() = default;
};

class Storage {
 public:
  /// Takes an opened instance of table.  origin names where it came from
  /// ("built-in" or a plugin path) for messages.
  Storage(const pedia_storage_plugin* table, pedia_storage_instance* instance, std::string origin);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  const std::string& name() const { return name_; }
  const std::string& origin() const { return origin_; }
  uint64_t capabilities() const { return table_->capabilities; }
  bool Has(uint64_t cap) const { return (table_->capabilities & cap) == cap; }
  /// Kubernetes verbs this layer serves: get, list and maybe watch.
  std::vector<std::string> Verbs() const;

  Status Ready();
  Status WriteBatch(const ResourceKey& resource, const std::vector<Write>& writes, size_t* failed_index);
  Status List(const ListQuery& query, const RowCallback& on_row, ListSummary* summary);
  /// Calls on_row once with the object; NotFound when it does not exist.
  Status Get(std::string_view cluster, const Gvr& gvr, std::string_view ns, std::string_view name,
             const RowCallback& on_row);
  Status ResourceVersions(std::string_view cluster, const RvCallback& on_entry);
  Status CleanCluster(std::string_view cluster);
  Status CleanResource(std::string_view cluster, const Gvr& gvr);
  Status PutCluster(std::string_view name, std::string_view record_json);
  Status DeleteCluster(std::string_view name);
  Status ListClusters(const ClusterCallback& on_cluster);
  /// Starts a watch; the observer must outlive the handle.  Unimplemented
  /// when the layer has no watch; Expired when rv is older than its window.
  Result<std::unique_ptr<WatchHandle>> Watch(const ListQuery& query, std::string_view resource_version,
                                             WatchObserver* observer);

 private:
  const pedia_storage_plugin* table_;
  pedia_storage_instance* instance_;
  std::string name_;
  std::string origin_;
};

/// Converts a layer's code and message to a Status.
Status FromAbi(uint32_t code, const pedia_storage_error& err);

}  // namespace pedia::storage

#endif  // PEDIA_STORAGE_STORAGE_H_
