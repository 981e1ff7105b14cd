// MemoryLayer: the built-in "memory" storage layer (design.md §3).
//
// Everything lives in this process, so it serves only binding-apiserver
// (apiserver and synchro in one process).  It implements the whole query
// contract of storage_abi.h, watch with resourceVersion resume and EXPIRED
// past its window, and none of the Go memory storage's quirks
// (clusterpedia-spec §3.2): it filters by label even with namespaces, never
// de-duplicates by name, filters watch events, and drops no events.
//
// Storage.  Objects stay serialized: one allocation per object holds the JSON
// bytes once plus its index fields; label strings, namespaces and cluster
// names are interned.  Each GVR has a key index (cluster, namespace, name),
// a name group per (cluster, namespace) holding its slots in name order
// (name_group.h), and postings per label key=value and owner uid.
//
// Ordering and paging.  Rows come in the query's order, ties (and the
// default) broken by cluster, namespace, name, so paging is deterministic.
// In the default order a list walks the name groups its cluster and
// namespace filters allow, in order, checks every filter on each object and
// stops after limit rows (plus one to know there are more).  When matches
// are sparse (a selective label) that walk would visit many objects per row,
// so the list instead starts from the smallest posting, checks every filter
// on those candidates only, and sorts the matches; the choice compares the
// expected visits of each plan.  Continue tokens are keyset tokens
// (continue_token.h); decimal offsets work too.
//
// Watch.  One watch sequence per layer counts every write; each write is an
// event (ADDED, MODIFIED or DELETED) stamped with the next sequence number,
// and the last watchWindow events of each GVR are kept for resumption.  For
// watch events row.resource_version is that sequence; for list rows it is
// the object's own resourceVersion, and the list summary carries the sequence
// at the list's snapshot, so "list, then watch from its RV" misses nothing.
// Events are delivered in order on the writing thread, under the layer's
// lock: a sink must not block and must not call back into the layer.
//
// Thread-safety: all methods may be called concurrently (one reader-writer
// lock; lists share it, writes and watch changes hold it exclusively).  Row
// sinks run under the shared lock and must not call back into the layer.
#ifndef PEDIA_STORAGE_MEMORY_MEMORY_LAYER_H_
#define PEDIA_STORAGE_MEMORY_MEMORY_LAYER_H_

#include <cstddef>
#include <memory>
#include <pedia/storage_plugin.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace pedia::storage::memory {

/// The capabilities the memory layer registers with.
inline constexpr uint64_t kMemoryCapabilities =
    PEDIA_STORAGE_CAP_GET | PEDIA_STORAGE_CAP_LIST | PEDIA_STORAGE_CAP_WATCH | PEDIA_STORAGE_CAP_FIELD_SELECTOR |
    PEDIA_STORAGE_CAP_OWNER | PEDIA_STORAGE_CAP_FUZZY_NAME | PEDIA_STORAGE_CAP_ORDER_BY |
    PEDIA_STORAGE_CAP_REMAINING_COUNT | PEDIA_STORAGE_CAP_ONLY_METADATA | PEDIA_STORAGE_CAP_IN_PROCESS_ONLY;

class MemoryLayer : public sdk::StorageLayer {
 public:
  /// Opens a layer with the YAML config (see memory_config.h); a bad config
  /// is INVALID_ARGUMENT with a message naming the file, line and key.
  static sdk::Status Open(std::string_view config, std::string_view config_path, std::unique_ptr<MemoryLayer>* out);

  /// Closes every watch still running (closed() with OK) and frees all data.
  ~MemoryLayer() override;

  sdk::Status WriteBatch(const sdk::Resource& resource, const std::vector<sdk::Write>& writes,
                         size_t* failed_index) override;
  sdk::Status List(const sdk::Query& query, const sdk::RowSink& sink) override;
  sdk::Status Get(std::string_view cluster, const sdk::Gvr& gvr, std::string_view namespace_name, std::string_view name,
                  const sdk::RowSink& sink) override;
  sdk::Status ResourceVersions(std::string_view cluster, const sdk::RvSink& sink) override;
  sdk::Status CleanCluster(std::string_view cluster) override;
  sdk::Status CleanResource(std::string_view cluster, const sdk::Gvr& gvr) override;
  sdk::Status PutCluster(std::string_view name, std::string_view record_json) override;
  sdk::Status DeleteCluster(std::string_view name) override;
  sdk::Status ListClusters(const sdk::ClusterSink& sink) override;
  sdk::Status Watch(const sdk::Query& query, std::string_view resource_version, const sdk::WatchSink& sink,
                    pedia_storage_watch_handle** out) override;
  void WatchStop(pedia_storage_watch_handle* handle) override;

  /// How a list chose its candidates, for tests and diagnostics.
  struct QueryPlan {
    std::string index;      // "ordered" (the name-group walk), "scan", "cluster", "namespace",
                            // "label", "owner", "name", "none"
    size_t candidates = 0;  // slots examined
    size_t matched = 0;     // rows that passed every filter (as far as the list looked)
    size_t read = 0;        // records read to check filters and order
  };
  /// List() that also reports its plan (plan may be null).
  sdk::Status ListWithPlan(const sdk::Query& query, const sdk::RowSink& sink, QueryPlan* plan);

  size_t watch_window() const;
  /// Number of stored objects, over every cluster and GVR.
  size_t object_count() const;

 private:
  struct State;
  explicit MemoryLayer(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace pedia::storage::memory

#endif  // PEDIA_STORAGE_MEMORY_MEMORY_LAYER_H_
