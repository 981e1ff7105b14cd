// pedia storage plugin SDK for C++ (header-only, C++17).
//
// A plugin author writes one class derived from pedia::sdk::StorageLayer and
// one macro:
//
//   class MyLayer : public pedia::sdk::StorageLayer {
//    public:
//     static pedia::sdk::Status Open(std::string_view config, std::string_view config_path,
//                                    std::unique_ptr<MyLayer>* out);
//     ... overrides ...
//   };
//   PEDIA_STORAGE_PLUGIN(MyLayer, "my-layer", "0.1.0", PEDIA_STORAGE_CAP_GET | PEDIA_STORAGE_CAP_LIST)
//
// The adapter converts the C structs of storage_abi.h into the views below,
// calls the class, and catches every exception at the boundary (reported as
// INTERNAL).  All string_views are borrowed for the duration of the call.
// Link the plugin with a version script that exports only
// pedia_storage_plugin_entry (see plugins/sample-storage/plugin.map).
//
// Host services: Log() writes klog lines; HostAlloc()/HostFree() and
// HostAllocator<T> take memory that outlives a call from the host's
// accounted allocator (storage ABI 1.1; HostHasAlloc() is false in an older
// host).  Results still go through the sinks, borrowed: no memory changes
// hands across a call.
#ifndef PEDIA_STORAGE_PLUGIN_HPP_
#define PEDIA_STORAGE_PLUGIN_HPP_

#include <pedia/storage_abi.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pedia::sdk {

inline std::string_view View(pedia_storage_bytes b) {
  return b.len ? std::string_view(b.data, b.len) : std::string_view();
}
inline pedia_storage_bytes Raw(std::string_view s) { return {s.data(), s.size()}; }

/// Result of a layer call: a pedia_storage_code plus a message.
struct Status {
  uint32_t code = PEDIA_STORAGE_OK;
  std::string message;

  static Status Ok() { return {}; }
  static Status Error(uint32_t code, std::string message) { return {code, std::move(message)}; }
  bool ok() const { return code == PEDIA_STORAGE_OK; }
};

struct Gvr {
  std::string_view group, version, resource;
};

struct Object {
  std::string_view namespace_name, name, uid, owner_uid, resource_version;
  int64_t creation_unix_ms = 0;
  int64_t deletion_unix_ms = PEDIA_STORAGE_NO_TIME;
  std::vector<std::pair<std::string_view, std::string_view>> labels;
  std::string_view object;
};

struct Resource {
  std::string_view cluster;
  Gvr gvr;
  std::string_view kind;
  bool namespaced = true;
};

struct Write {
  uint32_t op = PEDIA_STORAGE_WRITE_UPSERT;
  Object object;
};

struct Requirement {
  std::string_view key;               // label key (labels)
  std::vector<std::string_view> path; // field path (fields)
  uint32_t op = PEDIA_STORAGE_OP_EXISTS;
  std::vector<std::string_view> values;
};

struct OrderBy {
  uint32_t field = PEDIA_STORAGE_ORDER_NAME;
  bool descending = false;
};

struct Query {
  uint32_t flags = 0;
  Gvr gvr;
  std::vector<std::string_view> clusters, namespaces, names, fuzzy_names;
  std::vector<Requirement> labels, fields;
  std::string_view owner_uid, owner_name, owner_group, owner_resource;
  int32_t owner_seniority = 0;
  int64_t since_unix_ms = PEDIA_STORAGE_NO_TIME;
  int64_t before_unix_ms = PEDIA_STORAGE_NO_TIME;
  std::vector<OrderBy> order_by;
  int64_t limit = 0;
  std::string_view continue_token;
};

struct Row {
  std::string_view cluster;
  Gvr gvr;
  std::string_view kind, namespace_name, name, resource_version, object;
  bool metadata_only = false;
};

struct ListSummary {
  std::string continue_token;
  int64_t remaining_count = 0;
  bool has_remaining_count = false;
  std::string resource_version;
};

/// The host's row sink.  Emit() returns false when the host wants no more rows.
class RowSink {
 public:
  explicit RowSink(const pedia_storage_row_sink* sink) : sink_(sink) {}
  bool Emit(const Row& r) const {
    pedia_storage_row c{Raw(r.cluster),
                        {Raw(r.gvr.group), Raw(r.gvr.version), Raw(r.gvr.resource)},
                        Raw(r.kind),
                        Raw(r.namespace_name),
                        Raw(r.name),
                        Raw(r.resource_version),
                        Raw(r.object),
                        r.metadata_only ? 1u : 0u};
    return sink_->row(sink_->ctx, &c) == 0;
  }
  void Done(const ListSummary& s) const {
    if (!sink_->done) return;
    pedia_storage_list_summary c{Raw(s.continue_token), s.remaining_count,
                                 s.has_remaining_count ? 1u : 0u, Raw(s.resource_version)};
    sink_->done(sink_->ctx, &c);
  }

 private:
  const pedia_storage_row_sink* sink_;
};

class RvSink {
 public:
  explicit RvSink(const pedia_storage_rv_sink* sink) : sink_(sink) {}
  void Entry(const Gvr& gvr, std::string_view ns, std::string_view name, std::string_view rv) const {
    pedia_storage_gvr g{Raw(gvr.group), Raw(gvr.version), Raw(gvr.resource)};
    sink_->entry(sink_->ctx, &g, Raw(ns), Raw(name), Raw(rv));
  }

 private:
  const pedia_storage_rv_sink* sink_;
};

class ClusterSink {
 public:
  explicit ClusterSink(const pedia_storage_cluster_sink* sink) : sink_(sink) {}
  void Cluster(std::string_view name, std::string_view record_json) const {
    sink_->cluster(sink_->ctx, Raw(name), Raw(record_json));
  }

 private:
  const pedia_storage_cluster_sink* sink_;
};

/// The host's watch sink, copied by value; callable from any thread.
class WatchSink {
 public:
  WatchSink() = default;
  explicit WatchSink(const pedia_storage_watch_sink& sink) : sink_(sink) {}
  /// @return false when the host wants the watch ended.
  bool Event(uint32_t type, const Row& r) const {
    pedia_storage_row c{Raw(r.cluster),
                        {Raw(r.gvr.group), Raw(r.gvr.version), Raw(r.gvr.resource)},
                        Raw(r.kind),
                        Raw(r.namespace_name),
                        Raw(r.name),
                        Raw(r.resource_version),
                        Raw(r.object),
                        r.metadata_only ? 1u : 0u};
    return sink_.event(sink_.ctx, type, &c) == 0;
  }
  void Closed(uint32_t code, const std::string& message) const {
    sink_.closed(sink_.ctx, code, message.c_str());
  }

 private:
  pedia_storage_watch_sink sink_{};
};

/// The interface a C++ layer implements.  Thread-safety: see storage_abi.h.
class StorageLayer {
 public:
  virtual ~StorageLayer() = default;
  virtual Status Ready() { return Status::Ok(); }
  virtual Status WriteBatch(const Resource& resource, const std::vector<Write>& writes,
                            size_t* failed_index) = 0;
  virtual Status List(const Query& query, const RowSink& sink) = 0;
  virtual Status Get(std::string_view cluster, const Gvr& gvr, std::string_view namespace_name,
                     std::string_view name, const RowSink& sink) = 0;
  virtual Status ResourceVersions(std::string_view cluster, const RvSink& sink) = 0;
  virtual Status CleanCluster(std::string_view cluster) = 0;
  virtual Status CleanResource(std::string_view cluster, const Gvr& gvr) = 0;
  virtual Status PutCluster(std::string_view name, std::string_view record_json) = 0;
  virtual Status DeleteCluster(std::string_view name) = 0;
  virtual Status ListClusters(const ClusterSink& sink) = 0;
  /// Optional.  *out must be a layer-owned handle released by WatchStop().
  virtual Status Watch(const Query&, std::string_view /*resource_version*/, const WatchSink&,
                       pedia_storage_watch_handle** /*out*/) {
    return Status::Error(PEDIA_STORAGE_UNIMPLEMENTED, "watch is not supported by this storage layer");
  }
  virtual void WatchStop(pedia_storage_watch_handle*) {}
};

namespace internal {

inline const pedia_host_api*& HostSlot() {
  static const pedia_host_api* host = nullptr;
  return host;
}

inline std::vector<std::string_view> Views(const pedia_storage_bytes* b, size_t n) {
  std::vector<std::string_view> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) out.push_back(View(b[i]));
  return out;
}

inline Gvr ToGvr(const pedia_storage_gvr& g) { return {View(g.group), View(g.version), View(g.resource)}; }

inline std::vector<Requirement> ToRequirements(const pedia_storage_requirement* r, size_t n) {
  std::vector<Requirement> out(n);
  for (size_t i = 0; i < n; ++i) {
    out[i].key = View(r[i].key);
    out[i].path = Views(r[i].path, r[i].path_len);
    out[i].op = r[i].op;
    out[i].values = Views(r[i].values, r[i].value_count);
  }
  return out;
}

inline Query ToQuery(const pedia_storage_query& q) {
  Query out;
  out.flags = q.flags;
  out.gvr = ToGvr(q.gvr);
  out.clusters = Views(q.clusters, q.cluster_count);
  out.namespaces = Views(q.namespaces, q.namespace_count);
  out.names = Views(q.names, q.name_count);
  out.fuzzy_names = Views(q.fuzzy_names, q.fuzzy_name_count);
  out.labels = ToRequirements(q.labels, q.label_count);
  out.fields = ToRequirements(q.fields, q.field_count);
  out.owner_uid = View(q.owner_uid);
  out.owner_name = View(q.owner_name);
  out.owner_group = View(q.owner_group);
  out.owner_resource = View(q.owner_resource);
  out.owner_seniority = q.owner_seniority;
  out.since_unix_ms = q.since_unix_ms;
  out.before_unix_ms = q.before_unix_ms;
  for (size_t i = 0; i < q.order_by_count; ++i)
    out.order_by.push_back({q.order_by[i].field, q.order_by[i].descending != 0});
  out.limit = q.limit;
  out.continue_token = View(q.continue_token);
  return out;
}

// Fills out from o, reusing out.labels' capacity.
inline void FillObject(const pedia_storage_object& o, Object& out) {
  out.namespace_name = View(o.namespace_name);
  out.name = View(o.name);
  out.uid = View(o.uid);
  out.owner_uid = View(o.owner_uid);
  out.resource_version = View(o.resource_version);
  out.creation_unix_ms = o.creation_unix_ms;
  out.deletion_unix_ms = o.deletion_unix_ms;
  out.labels.clear();
  out.labels.reserve(o.label_count);
  for (size_t i = 0; i < o.label_count; ++i)
    out.labels.emplace_back(View(o.label_keys[i]), View(o.label_values[i]));
  out.object = View(o.object);
}

inline Object ToObject(const pedia_storage_object& o) {
  Object out;
  FillObject(o, out);
  return out;
}

// The C++ form of a write batch.  Converting allocated one label vector per
// object, a measurable share of the memory layer's ingest; so each thread
// keeps its last batch and reuses the vectors' capacity.  A nested
// write_batch on the same thread (a layer writing through another) builds
// its own.
struct BatchBuffer {
  std::vector<Write> writes;
  bool busy = false;
};

inline BatchBuffer& ThisThreadBatch() {
  static thread_local BatchBuffer buffer;
  return buffer;
}

inline uint32_t Report(const Status& s, pedia_storage_error* err) {
  if (err) {
    size_t n = s.message.size() < sizeof(err->message) - 1 ? s.message.size() : sizeof(err->message) - 1;
    std::memcpy(err->message, s.message.data(), n);
    err->message[n] = '\0';
  }
  return s.code;
}

// Runs fn and converts any escaping exception into INTERNAL: nothing unwinds
// across the C ABI.
template <class Fn>
uint32_t Guard(pedia_storage_error* err, Fn&& fn) noexcept {
  try {
    return Report(fn(), err);
  } catch (const std::exception& e) {
    return Report(Status::Error(PEDIA_STORAGE_INTERNAL, std::string("storage layer threw: ") + e.what()), err);
  } catch (...) {
    return Report(Status::Error(PEDIA_STORAGE_INTERNAL, "storage layer threw a non-standard exception"), err);
  }
}

template <class Layer>
Layer* Self(pedia_storage_instance* i) {
  return reinterpret_cast<Layer*>(i);
}

}  // namespace internal

/// The host API the plugin was loaded with (never NULL after entry).
inline const pedia_host_api* Host() { return internal::HostSlot(); }

/// Logs through the host in klog format.
inline void Log(uint32_t severity, int32_t verbosity, std::string_view msg) {
  if (const pedia_host_api* h = Host()) h->log(severity, verbosity, msg.data(), msg.size());
}

/// True when the host offers alloc/free (storage ABI 1.1 and later hosts).
inline bool HostHasAlloc() {
  const pedia_host_api* h = Host();
  return h && PEDIA_HOST_API_HAS(h, alloc) && PEDIA_HOST_API_HAS(h, free);
}

/// Memory from the host's accounted allocator (storage_abi.h, alloc), for
/// state that outlives a call: the instance, caches, watch state.  Not for
/// results: sinks borrow their arguments and no memory changes hands.
/// @param alignment a power of two up to 4096, or 0 for alignof(max_align_t).
/// @return NULL when the host has no allocator (check HostHasAlloc() first),
///         when memory is exhausted, or for a bad alignment.
/// OWNERSHIP: release it with HostFree(), never with free() or delete.
inline void* HostAlloc(size_t size, size_t alignment = 0) {
  return HostHasAlloc() ? Host()->alloc(size, alignment) : nullptr;
}

/// Returns memory from HostAlloc().  NULL is a no-op.
inline void HostFree(void* ptr) {
  if (ptr && HostHasAlloc()) Host()->free(ptr);
}

/// A standard allocator over HostAlloc/HostFree, for containers whose memory
/// the host should account, e.g. std::vector<char, sdk::HostAllocator<char>>.
/// Throws std::bad_alloc when the host has no allocator or memory is out.
template <class T>
struct HostAllocator {
  using value_type = T;
  HostAllocator() noexcept = default;
  template <class U>
  HostAllocator(const HostAllocator<U>&) noexcept {}
  T* allocate(size_t n) {
    if (n > SIZE_MAX / sizeof(T)) throw std::bad_alloc();
    void* p = HostAlloc(n * sizeof(T), alignof(T));
    if (!p) throw std::bad_alloc();
    return static_cast<T*>(p);
  }
  void deallocate(T* p, size_t) noexcept { HostFree(p); }
  template <class U>
  bool operator==(const HostAllocator<U>&) const noexcept { return true; }
  template <class U>
  bool operator!=(const HostAllocator<U>&) const noexcept { return false; }
};

/// Builds the static table for Layer.  Layer must provide
/// static Status Open(std::string_view config, std::string_view path, std::unique_ptr<Layer>*).
template <class Layer>
const pedia_storage_plugin* MakePluginTable(const char* name, const char* version, uint64_t caps) {
  using internal::Guard;
  using internal::Self;
  static pedia_storage_plugin table = [&] {
    pedia_storage_plugin t{};
    t.struct_size = sizeof(pedia_storage_plugin);
    t.abi_major = PEDIA_STORAGE_ABI_MAJOR;
    t.abi_minor = PEDIA_STORAGE_ABI_MINOR;
    t.name = name;
    t.version = version;
    t.capabilities = caps;
    t.open = [](pedia_storage_bytes config, pedia_storage_bytes path, pedia_storage_instance** out,
                pedia_storage_error* err) -> uint32_t {
      return Guard(err, [&] {
        std::unique_ptr<Layer> layer;
        Status s = Layer::Open(View(config), View(path), &layer);
        if (s.ok() && !layer) s = Status::Error(PEDIA_STORAGE_INTERNAL, "open returned no instance");
        if (s.ok()) *out = reinterpret_cast<pedia_storage_instance*>(layer.release());
        return s;
      });
    };
    t.close = [](pedia_storage_instance* i) { delete Self<Layer>(i); };
    t.ready = [](pedia_storage_instance* i, pedia_storage_error* err) -> uint32_t {
      return Guard(err, [&] { return Self<Layer>(i)->Ready(); });
    };
    t.write_batch = [](pedia_storage_instance* i, const pedia_storage_resource* r,
                       const pedia_storage_write* w, size_t n, size_t* failed,
                       pedia_storage_error* err) -> uint32_t {
      return Guard(err, [&] {
        Resource res{View(r->cluster), internal::ToGvr(r->gvr), View(r->kind),
                     r->namespaced != 0};
        internal::BatchBuffer& shared = internal::ThisThreadBatch();
        internal::BatchBuffer nested;
        internal::BatchBuffer& buffer = shared.busy ? nested : shared;
        buffer.busy = true;
        struct Release {
          internal::BatchBuffer& b;
          ~Release() { b.busy = false; }
        } release{buffer};
        std::vector<Write>& writes = buffer.writes;
        writes.resize(n);
        for (size_t k = 0; k < n; ++k) {
          writes[k].op = w[k].op;
          internal::FillObject(w[k].object, writes[k].object);
        }
        return Self<Layer>(i)->WriteBatch(res, writes, failed);
      });
    };
    t.list = [](pedia_storage_instance* i, const pedia_storage_query* q, const pedia_storage_row_sink* s,
                pedia_storage_error* err) -> uint32_t {
      return Guard(err, [&] { return Self<Layer>(i)->List(internal::ToQuery(*q), RowSink(s)); });
    };
    t.get = [](pedia_storage_instance* i, pedia_storage_bytes cluster, const pedia_storage_gvr* g,
               pedia_storage_bytes ns, pedia_storage_bytes name, const pedia_storage_row_sink* s,
               pedia_storage_error* err) -> uint32_t {
      return Guard(err, [&] {
        return Self<Layer>(i)->Get(View(cluster), internal::ToGvr(*g), View(ns), View(name), RowSink(s));
      });
    };
    t.resource_versions = [](pedia_storage_instance* i, pedia_storage_bytes cluster,
                             const pedia_storage_rv_sink* s, pedia_storage_error* err) -> uint32_t {
      return Guard(err, [&] { return Self<Layer>(i)->ResourceVersions(View(cluster), RvSink(s)); });
    };
    t.clean_cluster = [](pedia_storage_instance* i, pedia_storage_bytes cluster,
                         pedia_storage_error* err) -> uint32_t {
      return Guard(err, [&] { return Self<Layer>(i)->CleanCluster(View(cluster)); });
    };
    t.clean_resource = [](pedia_storage_instance* i, pedia_storage_bytes cluster, const pedia_storage_gvr* g,
                          pedia_storage_error* err) -> uint32_t {
      return Guard(err, [&] { return Self<Layer>(i)->CleanResource(View(cluster), internal::ToGvr(*g)); });
    };
    t.put_cluster = [](pedia_storage_instance* i, pedia_storage_bytes name, pedia_storage_bytes json,
                       pedia_storage_error* err) -> uint32_t {
      return Guard(err, [&] { return Self<Layer>(i)->PutCluster(View(name), View(json)); });
    };
    t.delete_cluster = [](pedia_storage_instance* i, pedia_storage_bytes name,
                          pedia_storage_error* err) -> uint32_t {
      return Guard(err, [&] { return Self<Layer>(i)->DeleteCluster(View(name)); });
    };
    t.list_clusters = [](pedia_storage_instance* i, const pedia_storage_cluster_sink* s,
                         pedia_storage_error* err) -> uint32_t {
      return Guard(err, [&] { return Self<Layer>(i)->ListClusters(ClusterSink(s)); });
    };
    if (caps & PEDIA_STORAGE_CAP_WATCH) {
      t.watch = [](pedia_storage_instance* i, const pedia_storage_query* q, pedia_storage_bytes rv,
                   const pedia_storage_watch_sink* s, pedia_storage_watch_handle** out,
                   pedia_storage_error* err) -> uint32_t {
        return Guard(err, [&] { return Self<Layer>(i)->Watch(internal::ToQuery(*q), View(rv), WatchSink(*s), out); });
      };
      t.watch_stop = [](pedia_storage_instance* i, pedia_storage_watch_handle* h) {
        try {
          Self<Layer>(i)->WatchStop(h);
        } catch (...) {
          Log(PEDIA_STORAGE_LOG_ERROR, 0, "storage layer threw in watch_stop");
        }
      };
    }
    return t;
  }();
  return &table;
}

}  // namespace pedia::sdk

#ifndef PEDIA_STORAGE_PLUGIN_BUILD_INFO
#define PEDIA_STORAGE_PLUGIN_STR2_(x) #x
#define PEDIA_STORAGE_PLUGIN_STR_(x) PEDIA_STORAGE_PLUGIN_STR2_(x)
#define PEDIA_STORAGE_PLUGIN_BUILD_INFO                                                              \
  "{\"buildDate\":\"" __DATE__ " " __TIME__ "\",\"compiler\":\"gcc " __VERSION__                  \
  "\",\"platform\":\"linux/amd64\",\"abi\":\"" PEDIA_STORAGE_PLUGIN_STR_(PEDIA_STORAGE_ABI_MAJOR) "." \
      PEDIA_STORAGE_PLUGIN_STR_(PEDIA_STORAGE_ABI_MINOR) "\"}"
#endif

/// Defines the manifest note and the entry function for Layer.  Use once.
#define PEDIA_STORAGE_PLUGIN(Layer, plugin_name, plugin_version, caps)                            \
  extern "C" {                                                                                    \
  PEDIA_STORAGE_PLUGIN_MANIFEST(plugin_name, plugin_version, PEDIA_STORAGE_PLUGIN_BUILD_INFO);   \
  PEDIA_STORAGE_EXPORT const pedia_storage_plugin* pedia_storage_plugin_entry(                    \
      const pedia_host_api* host) {                                                               \
    if (!host || host->abi_major != PEDIA_STORAGE_ABI_MAJOR) return nullptr;                      \
    ::pedia::sdk::internal::HostSlot() = host;                                                    \
    try {                                                                                         \
      return ::pedia::sdk::MakePluginTable<Layer>(plugin_name, plugin_version, caps);            \
    } catch (...) {                                                                               \
      return nullptr;                                                                             \
    }                                                                                             \
  }                                                                                               \
  }

#endif  // PEDIA_STORAGE_PLUGIN_HPP_
