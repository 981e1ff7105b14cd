#include "storage/storage.h"

#include <cstring>
#include <list>

namespace pedia::storage {
namespace {

pedia_storage_bytes B(std::string_view s) { return {s.data(), s.size()}; }
pedia_storage_gvr G(const Gvr& g) { return {B(g.group), B(g.version), B(g.resource)}; }

// Holds the C arrays a pedia_storage_query points into.
class QueryBuilder {
 public:
  explicit QueryBuilder(const ListQuery& q) {
    std::memset(&c_, 0, sizeof c_);
    c_.struct_size = sizeof(pedia_storage_query);
    c_.flags = (q.with_remaining_count ? PEDIA_STORAGE_QUERY_REMAINING_COUNT : 0) |
               (q.only_metadata ? PEDIA_STORAGE_QUERY_ONLY_METADATA : 0);
    c_.gvr = G(q.gvr);
    Bytes(q.clusters, clusters_, &c_.clusters, &c_.cluster_count);
    Bytes(q.namespaces, namespaces_, &c_.namespaces, &c_.namespace_count);
    Bytes(q.names, names_, &c_.names, &c_.name_count);
    Bytes(q.fuzzy_names, fuzzy_, &c_.fuzzy_names, &c_.fuzzy_name_count);
    Requirements(q.labels, labels_, &c_.labels, &c_.label_count);
    Requirements(q.fields, fields_, &c_.fields, &c_.field_count);
    c_.owner_uid = B(q.owner_uid);
    c_.owner_name = B(q.owner_name);
    c_.owner_group = B(q.owner_group);
    c_.owner_resource = B(q.owner_resource);
    c_.owner_seniority = q.owner_seniority;
    c_.since_unix_ms = q.since_unix_ms;
    c_.before_unix_ms = q.before_unix_ms;
    for (const OrderBy& o : q.order_by) order_.push_back({static_cast<uint32_t>(o.field), o.descending ? 1u : 0u});
    c_.order_by = order_.data();
    c_.order_by_count = order_.size();
    c_.limit = q.limit;
    c_.continue_token = B(q.continue_token);
  }
  const pedia_storage_query* get() const { return &c_; }

 private:
  static void Bytes(const std::vector<std::string>& in, std::vector<pedia_storage_bytes>& store,
                    const pedia_storage_bytes** ptr, size_t* count) {
    for (const auto& s : in) store.push_back(B(s));
    *ptr = store.data();
    *count = store.size();
  }
  void Requirements(const std::vector<Requirement>& in, std::vector<pedia_storage_requirement>& store,
                    const pedia_storage_requirement** ptr, size_t* count) {
    for (const Requirement& r : in) {
      auto& path = parts_.emplace_back();
      for (const auto& p : r.path) path.push_back(B(p));
      auto& values = parts_.emplace_back();
      for (const auto& v : r.values) values.push_back(B(v));
      store.push_back({B(r.key), path.data(), path.size(), static_cast<uint32_t>(r.op), values.data(), values.size()});
    }
    *ptr = store.data();
    *count = store.size();
  }

  pedia_storage_query c_;
  std::vector<pedia_storage_bytes> clusters_, namespaces_, names_, fuzzy_;
  std::vector<pedia_storage_requirement> labels_, fields_;
  std::vector<pedia_storage_order_by> order_;
  // A deque would also do; a list keeps element addresses stable.
  std::list<std::vector<pedia_storage_bytes>> parts_;
};

Row ToRow(const pedia_storage_row* r) {
  Row row;
  row.cluster = sdk::View(r->cluster);
  row.gvr = {sdk::View(r->gvr.group), sdk::View(r->gvr.version), sdk::View(r->gvr.resource)};
  row.kind = sdk::View(r->kind);
  row.namespace_name = sdk::View(r->namespace_name);
  row.name = sdk::View(r->name);
  row.resource_version = sdk::View(r->resource_version);
  row.object = sdk::View(r->object);
  row.metadata_only = r->metadata_only != 0;
  return row;
}

struct RowSinkContext {
  const RowCallback* on_row;
  ListSummary* summary;
};

int RowThunk(void* ctx, const pedia_storage_row* r) {
  auto* c = static_cast<RowSinkContext*>(ctx);
  Row row = ToRow(r);
  return (*c->on_row)(row) ? 0 : 1;
}

void DoneThunk(void* ctx, const pedia_storage_list_summary* s) {
  auto* c = static_cast<RowSinkContext*>(ctx);
  if (!c->summary) return;
  c->summary->continue_token = std::string(sdk::View(s->continue_token));
  c->summary->has_remaining_count = s->has_remaining_count != 0;
  c->summary->remaining_count = s->remaining_count;
  c->summary->resource_version = std::string(sdk::View(s->resource_version));
}

class AbiWatchHandle : public WatchHandle {
 public:
  AbiWatchHandle(const pedia_storage_plugin* table, pedia_storage_instance* instance)
      : table_(table), instance_(instance) {}
  ~AbiWatchHandle() override {
    if (handle_) table_->watch_stop(instance_, handle_);
  }
  pedia_storage_watch_handle* handle_ = nullptr;

 private:
  const pedia_storage_plugin* table_;
  pedia_storage_instance* instance_;
};

int WatchEventThunk(void* ctx, uint32_t type, const pedia_storage_row* r) {
  Row row = ToRow(r);
  return static_cast<WatchObserver*>(ctx)->OnEvent(static_cast<pedia_storage_event_type>(type), row) ? 0 : 1;
}

void WatchClosedThunk(void* ctx, uint32_t code, const char* message) {
  static_cast<WatchObserver*>(ctx)->OnClosed(Status(static_cast<Status::Code>(code), message ? message : ""));
}

}  // namespace

std::string Gvr::ToString() const {
  return group.empty() ? version + "/" + resource : group + "/" + version + "/" + resource;
}

Status FromAbi(uint32_t code, const pedia_storage_error& err) {
  if (code == PEDIA_STORAGE_OK) return Status::Ok();
  if (code > PEDIA_STORAGE_EXPIRED)
    return Status::Internal("storage layer returned unknown code " + std::to_string(code) + ": " + err.message);
  std::string msg = err.message;
  if (msg.empty()) msg = "storage layer gave no message";
  return Status(static_cast<Status::Code>(code), msg);
}

Storage::Storage(const pedia_storage_plugin* table, pedia_storage_instance* instance, std::string origin)
    : table_(table), instance_(instance), name_(table->name ? table->name : ""), origin_(std::move(origin)) {}

Storage::~Storage() {
  if (instance_) table_->close(instance_);
}

std::vector<std::string> Storage::Verbs() const {
  std::vector<std::string> verbs;
  if (Has(PEDIA_STORAGE_CAP_GET)) verbs.push_back("get");
  if (Has(PEDIA_STORAGE_CAP_LIST)) verbs.push_back("list");
  if (Has(PEDIA_STORAGE_CAP_WATCH) && table_->watch) verbs.push_back("watch");
  return verbs;
}

Status Storage::Ready() {
  pedia_storage_error err{};
  return FromAbi(table_->ready(instance_, &err), err);
}

Status Storage::WriteBatch(const ResourceKey& resource, const std::vector<Write>& writes, size_t* failed_index) {
  pedia_storage_resource r{B(resource.cluster), G(resource.gvr), B(resource.kind), resource.namespaced ? 1u : 0u};
  std::vector<pedia_storage_write> c(writes.size());
  size_t label_total = 0;
  for (const Write& w : writes) label_total += w.object.labels.size();
  std::vector<pedia_storage_bytes> keys, values;
  keys.reserve(label_total);
  values.reserve(label_total);
  for (size_t i = 0; i < writes.size(); ++i) {
    const ObjectRecord& o = writes[i].object;
    pedia_storage_object& d = c[i].object;
    c[i].op = writes[i].op;
    d.namespace_name = B(o.namespace_name);
    d.name = B(o.name);
    d.uid = B(o.uid);
    d.owner_uid = B(o.owner_uid);
    d.resource_version = B(o.resource_version);
    d.creation_unix_ms = o.creation_unix_ms;
    d.deletion_unix_ms = o.deletion_unix_ms;
    d.label_keys = keys.data() + keys.size();
    d.label_values = values.data() + values.size();
    d.label_count = o.labels.size();
    for (const auto& [k, v] : o.labels) {
      keys.push_back(B(k));
      values.push_back(B(v));
    }
    d.object = B(o.json);
  }
  size_t failed = 0;
  pedia_storage_error err{};
  Status s = FromAbi(table_->write_batch(instance_, &r, c.data(), c.size(), &failed, &err), err);
  if (failed_index) *failed_index = failed;
  return s;
}

Status Storage::List(const ListQuery& query, const RowCallback& on_row, ListSummary* summary) {
  QueryBuilder q(query);
  RowSinkContext ctx{&on_row, summary};
  pedia_storage_row_sink sink{&ctx, RowThunk, DoneThunk};
  pedia_storage_error err{};
  return FromAbi(table_->list(instance_, q.get(), &sink, &err), err);
}

Status Storage::Get(std::string_view cluster, const Gvr& gvr, std::string_view ns, std::string_view name,
                    const RowCallback& on_row) {
  RowSinkContext ctx{&on_row, nullptr};
  pedia_storage_row_sink sink{&ctx, RowThunk, DoneThunk};
  pedia_storage_gvr g = G(gvr);
  pedia_storage_error err{};
  return FromAbi(table_->get(instance_, B(cluster), &g, B(ns), B(name), &sink, &err), err);
}

Status Storage::ResourceVersions(std::string_view cluster, const RvCallback& on_entry) {
  pedia_storage_rv_sink sink{const_cast<RvCallback*>(&on_entry),
                             [](void* ctx, const pedia_storage_gvr* g, pedia_storage_bytes ns,
                                pedia_storage_bytes name, pedia_storage_bytes rv) {
                               sdk::Gvr gvr{sdk::View(g->group), sdk::View(g->version), sdk::View(g->resource)};
                               (*static_cast<RvCallback*>(ctx))(gvr, sdk::View(ns), sdk::View(name), sdk::View(rv));
                             }};
  pedia_storage_error err{};
  return FromAbi(table_->resource_versions(instance_, B(cluster), &sink, &err), err);
}

Status Storage::CleanCluster(std::string_view cluster) {
  pedia_storage_error err{};
  return FromAbi(table_->clean_cluster(instance_, B(cluster), &err), err);
}

Status Storage::CleanResource(std::string_view cluster, const Gvr& gvr) {
  pedia_storage_gvr g = G(gvr);
  pedia_storage_error err{};
  return FromAbi(table_->clean_resource(instance_, B(cluster), &g, &err), err);
}

Status Storage::PutCluster(std::string_view name, std::string_view record_json) {
  pedia_storage_error err{};
  return FromAbi(table_->put_cluster(instance_, B(name), B(record_json), &err), err);
}

Status Storage::DeleteCluster(std::string_view name) {
  pedia_storage_error err{};
  return FromAbi(table_->delete_cluster(instance_, B(name), &err), err);
}

Status Storage::ListClusters(const ClusterCallback& on_cluster) {
  pedia_storage_cluster_sink sink{const_cast<ClusterCallback*>(&on_cluster),
                                  [](void* ctx, pedia_storage_bytes name, pedia_storage_bytes json) {
                                    (*static_cast<ClusterCallback*>(ctx))(sdk::View(name), sdk::View(json));
                                  }};
  pedia_storage_error err{};
  return FromAbi(table_->list_clusters(instance_, &sink, &err), err);
}

Result<std::unique_ptr<WatchHandle>> Storage::Watch(const ListQuery& query, std::string_view resource_version,
                                                    WatchObserver* observer) {
  if (!Has(PEDIA_STORAGE_CAP_WATCH) || !table_->watch || !table_->watch_stop)
    return Status::Unimplemented("storage layer \"" + name_ + "\" does not support watch");
  QueryBuilder q(query);
  pedia_storage_watch_sink sink{observer, WatchEventThunk, WatchClosedThunk};
  auto handle = std::make_unique<AbiWatchHandle>(table_, instance_);
  pedia_storage_error err{};
  Status s = FromAbi(table_->watch(instance_, q.get(), B(resource_version), &sink, &handle->handle_, &err), err);
  if (!s.ok()) return s;
  return std::unique_ptr<WatchHandle>(std::move(handle));
}

}  // namespace pedia::storage
