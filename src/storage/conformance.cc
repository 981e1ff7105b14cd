#include "storage/conformance.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>
#include <utility>

namespace pedia::storage {
namespace {

using Labels = std::vector<std::pair<std::string, std::string>>;

const Gvr kPods{"", "v1", "pods"};
const Gvr kReplicaSets{"apps", "v1", "replicasets"};
const Gvr kDeployments{"apps", "v1", "deployments"};
const Gvr kNodes{"", "v1", "nodes"};

constexpr int64_t kT0 = 1700000000000;  // creation times are kT0 + n seconds

// ---- failures -------------------------------------------------------------

Status Fail(const std::string& what) { return Status::Internal(what); }

#define CONFORM_OK(expr)                                                         \
  do {                                                                           \
    Status s_ = (expr);                                                          \
    if (!s_.ok()) return Fail(std::string(#expr) + " failed: " + s_.ToString()); \
  } while (0)

#define CONFORM_EXPECT(cond, what)                               \
  do {                                                           \
    if (!(cond)) return Fail(std::string("expected ") + (what)); \
  } while (0)

std::string Join(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + items[i];
  return out + "]";
}

// ---- objects --------------------------------------------------------------

struct PodSpec {
  std::string phase = "Running";
  std::vector<std::string> containers = {"app"};
  int priority = 0;
};

// Builds an object with its index fields and a JSON body that carries them.
ObjectRecord MakeObject(const std::string& kind, const std::string& ns, const std::string& name, Labels labels = {},
                        const std::string& rv = "1", int64_t created_s = 0, const std::string& owner_uid = "",
                        const PodSpec& spec = {}) {
  ObjectRecord o;
  o.namespace_name = ns;
  o.name = name;
  o.uid = "uid-" + ns + "-" + name;
  o.owner_uid = owner_uid;
  o.resource_version = rv;
  o.creation_unix_ms = kT0 + created_s * 1000;
  o.labels = std::move(labels);
  nlohmann::json j;
  j["apiVersion"] = kind == "Pod" || kind == "Node" ? "v1" : "apps/v1";
  j["kind"] = kind;
  j["metadata"]["name"] = name;
  if (!ns.empty()) j["metadata"]["namespace"] = ns;
  j["metadata"]["uid"] = o.uid;
  j["metadata"]["resourceVersion"] = rv;
  for (const auto& [k, v] : o.labels) j["metadata"]["labels"][k] = v;
  if (!owner_uid.empty())
    j["metadata"]["ownerReferences"] = nlohmann::json::array({{{"uid", owner_uid}, {"controller", true}}});
  for (const auto& c : spec.containers) j["spec"]["containers"].push_back({{"name", c}});
  j["spec"]["priority"] = spec.priority;
  j["status"]["phase"] = spec.phase;
  o.json = j.dump();
  return o;
}

ObjectRecord Pod(const std::string& ns, const std::string& name, Labels labels = {}, const std::string& rv = "1") {
  return MakeObject("Pod", ns, name, std::move(labels), rv);
}

ResourceKey Key(const std::string& cluster, const Gvr& gvr) {
  std::string kind = gvr.resource == "pods"          ? "Pod"
                     : gvr.resource == "replicasets" ? "ReplicaSet"
                     : gvr.resource == "deployments" ? "Deployment"
                     : gvr.resource == "nodes"       ? "Node"
                                                     : "Thing";
  return {cluster, gvr, kind, gvr.resource != "nodes"};
}

Status Put(Storage& s, const std::string& cluster, const Gvr& gvr, std::vector<ObjectRecord> objects) {
  std::vector<Write> writes;
  for (auto& o : objects) writes.push_back({Write::kUpsert, std::move(o)});
  size_t failed = 0;
  return s.WriteBatch(Key(cluster, gvr), writes, &failed);
}

Status Delete(Storage& s, const std::string& cluster, const Gvr& gvr, const std::string& ns, const std::string& name) {
  Write w;
  w.op = Write::kDelete;
  w.object.namespace_name = ns;
  w.object.name = name;
  size_t failed = 0;
  return s.WriteBatch(Key(cluster, gvr), {w}, &failed);
}

// ---- reading --------------------------------------------------------------

struct RowCopy {
  std::string cluster, group, version, resource, kind, ns, name, rv, object;
  bool metadata_only = false;
  std::string id() const { return cluster + "/" + ns + "/" + name; }
};

RowCopy Copy(const Row& r) {
  return {std::string(r.cluster),     std::string(r.gvr.group),
          std::string(r.gvr.version), std::string(r.gvr.resource),
          std::string(r.kind),        std::string(r.namespace_name),
          std::string(r.name),        std::string(r.resource_version),
          std::string(r.object),      r.metadata_only};
}

Status ListRows(Storage& s, const ListQuery& q, std::vector<RowCopy>* rows, ListSummary* summary = nullptr) {
  rows->clear();
  ListSummary local;
  Status st = s.List(
      q,
      [&](const Row& r) {
        rows->push_back(Copy(r));
        return true;
      },
      summary ? summary : &local);
  return st;
}

std::vector<std::string> Ids(const std::vector<RowCopy>& rows) {
  std::vector<std::string> ids;
  for (const auto& r : rows) ids.push_back(r.id());
  return ids;
}

// Lists q and compares the set of "cluster/ns/name" with want (any order).
Status ExpectSet(Storage& s, const ListQuery& q, std::vector<std::string> want, const std::string& what) {
  std::vector<RowCopy> rows;
  Status st = ListRows(s, q, &rows);
  if (!st.ok()) return Fail(what + ": list failed: " + st.ToString());
  std::vector<std::string> got = Ids(rows);
  std::sort(got.begin(), got.end());
  std::sort(want.begin(), want.end());
  if (got != want) return Fail(what + ": expected " + Join(want) + ", got " + Join(got));
  return Status::Ok();
}

// Lists q and compares the exact sequence.
Status ExpectSequence(Storage& s, const ListQuery& q, const std::vector<std::string>& want, const std::string& what) {
  std::vector<RowCopy> rows;
  Status st = ListRows(s, q, &rows);
  if (!st.ok()) return Fail(what + ": list failed: " + st.ToString());
  std::vector<std::string> got = Ids(rows);
  if (got != want) return Fail(what + ": expected in this order " + Join(want) + ", got " + Join(got));
  return Status::Ok();
}

// Every check works in its own clusters and removes them on both ends.
class Scope {
 public:
  Scope(Storage& s, std::string tag) : s_(s), tag_(std::move(tag)) { Clean(); }
  ~Scope() { Clean(); }
  std::string cluster(const std::string& suffix) const { return "conformance-" + tag_ + "-" + suffix; }
  ListQuery Query(const Gvr& gvr, std::vector<std::string> suffixes = {"a", "b"}) const {
    ListQuery q;
    q.gvr = gvr;
    for (const auto& x : suffixes) q.clusters.push_back(cluster(x));
    return q;
  }

 private:
  void Clean() {
    for (const char* suffix : {"a", "b"}) (void)s_.CleanCluster(cluster(suffix));
  }
  Storage& s_;
  std::string tag_;
};

// ---- the filter data set ----------------------------------------------------

// Six pods in two clusters (see the table in each line).
Status SeedFilterPods(Storage& s, const Scope& scope) {
  auto pod = [](const std::string& ns, const std::string& name, Labels labels, const std::string& rv, int created,
                PodSpec spec) { return MakeObject("Pod", ns, name, std::move(labels), rv, created, "", spec); };
  CONFORM_OK(
      Put(s, scope.cluster("a"), kPods,
          {pod("default", "web-1", {{"app", "web"}, {"tier", "frontend"}, {"rank", "1"}}, "10", 1,
               {"Running", {"nginx", "istio"}, 100}),
           pod("default", "web-2", {{"app", "web"}, {"tier", "frontend"}, {"rank", "5"}}, "9", 2,
               {"Pending", {"nginx"}, 200}),
           pod("kube-system", "dns-1", {{"app", "dns"}, {"rank", "10"}}, "100", 3, {"Running", {"coredns"}, 300}),
           pod("kube-system", "proxy", {}, "11", 4, {"Failed", {"kube-proxy"}, 400})}));
  CONFORM_OK(Put(s, scope.cluster("b"), kPods,
                 {pod("default", "web-1", {{"app", "web"}, {"tier", "backend"}}, "2", 5, {"Running", {"nginx"}, 500}),
                  pod("prod", "api-1", {{"app", "api"}, {"tier", "backend"}, {"rank", "3"}}, "3", 6,
                      {"Succeeded", {"api", "istio"}, 600})}));
  // A replica set in the same cluster must never show up in pod lists.
  CONFORM_OK(
      Put(s, scope.cluster("a"), kReplicaSets, {MakeObject("ReplicaSet", "default", "web-1", {{"app", "web"}})}));
  return Status::Ok();
}

// Short names of the six pods: a1..a4, b1, b2 -> ids.
struct FilterIds {
  std::string a1, a2, a3, a4, b1, b2;
  explicit FilterIds(const Scope& s)
      : a1(s.cluster("a") + "/default/web-1"),
        a2(s.cluster("a") + "/default/web-2"),
        a3(s.cluster("a") + "/kube-system/dns-1"),
        a4(s.cluster("a") + "/kube-system/proxy"),
        b1(s.cluster("b") + "/default/web-1"),
        b2(s.cluster("b") + "/prod/api-1") {}
};

Requirement Label(const std::string& key, pedia_storage_selector_op op, std::vector<std::string> values = {}) {
  Requirement r;
  r.key = key;
  r.op = op;
  r.values = std::move(values);
  return r;
}

Requirement Field(std::vector<std::string> path, pedia_storage_selector_op op, std::vector<std::string> values = {}) {
  Requirement r;
  r.path = std::move(path);
  r.op = op;
  r.values = std::move(values);
  return r;
}

// Runs one filter check over the seeded data.
template <class Body>
Status WithFilterData(Storage& s, const std::string& tag, Body body) {
  Scope scope(s, tag);
  Status st = SeedFilterPods(s, scope);
  if (!st.ok()) return st;
  return body(scope, FilterIds(scope));
}

// ---- watch observer ----------------------------------------------------------

struct EventCopy {
  pedia_storage_event_type type;
  RowCopy row;
};

class Recorder : public WatchObserver {
 public:
  bool OnEvent(pedia_storage_event_type type, const Row& row) override {
    std::lock_guard lock(mu_);
    if (stopped_) late_events_++;
    events_.push_back({type, Copy(row)});
    cv_.notify_all();
    return accept_more_ < 0 || static_cast<int>(events_.size()) < accept_more_;
  }
  void OnClosed(const Status& status) override {
    std::lock_guard lock(mu_);
    closed_count_++;
    closed_status_ = status;
    cv_.notify_all();
  }
  // Waits until at least n events arrived (5 s at most).
  bool WaitFor(size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(5), [&] { return events_.size() >= n; });
  }
  bool WaitClosed() {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(5), [&] { return closed_count_ > 0; });
  }
  // Gives asynchronous layers a moment to deliver anything unexpected.
  void Settle() { std::this_thread::sleep_for(std::chrono::milliseconds(50)); }
  std::vector<EventCopy> events() {
    std::lock_guard lock(mu_);
    return events_;
  }
  void set_accept(int n) { accept_more_ = n; }
  void MarkStopped() {
    std::lock_guard lock(mu_);
    stopped_ = true;
  }
  int late_events() {
    std::lock_guard lock(mu_);
    return late_events_;
  }
  int closed_count() {
    std::lock_guard lock(mu_);
    return closed_count_;
  }
  Status closed_status() {
    std::lock_guard lock(mu_);
    return closed_status_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<EventCopy> events_;
  int accept_more_ = -1;
  bool stopped_ = false;
  int late_events_ = 0;
  int closed_count_ = 0;
  Status closed_status_;
};

const char* EventName(pedia_storage_event_type t) {
  switch (t) {
    case PEDIA_STORAGE_EVENT_ADDED:
      return "ADDED";
    case PEDIA_STORAGE_EVENT_MODIFIED:
      return "MODIFIED";
    case PEDIA_STORAGE_EVENT_DELETED:
      return "DELETED";
    case PEDIA_STORAGE_EVENT_BOOKMARK:
      return "BOOKMARK";
  }
  return "?";
}

std::vector<std::string> Describe(const std::vector<EventCopy>& events) {
  std::vector<std::string> out;
  for (const auto& e : events)
    if (e.type != PEDIA_STORAGE_EVENT_BOOKMARK) out.push_back(std::string(EventName(e.type)) + " " + e.row.id());
  return out;
}

bool ParseSequence(const std::string& rv, unsigned long long* out) {
  if (rv.empty() || rv.find_first_not_of("0123456789") != std::string::npos) return false;
  *out = std::stoull(rv);
  return true;
}

// ---- the checks ----------------------------------------------------------------

Status CheckUpsertAndGet(Storage& s) {
  Scope scope(s, "get");
  ObjectRecord pod = Pod("default", "one", {{"app", "x"}}, "7");
  std::string json = pod.json;
  CONFORM_OK(Put(s, scope.cluster("a"), kPods, {pod}));
  std::vector<RowCopy> rows;
  CONFORM_OK(s.Get(scope.cluster("a"), kPods, "default", "one", [&](const Row& r) {
    rows.push_back(Copy(r));
    return true;
  }));
  CONFORM_EXPECT(rows.size() == 1, "get to call the row callback once, got " + std::to_string(rows.size()));
  const RowCopy& r = rows[0];
  CONFORM_EXPECT(r.object == json, "get to return the stored JSON bytes unchanged");
  CONFORM_EXPECT(r.cluster == scope.cluster("a") && r.ns == "default" && r.name == "one",
                 "get row to carry cluster, namespace and name, got " + r.id());
  CONFORM_EXPECT(
      r.group == "" && r.version == "v1" && r.resource == "pods" && r.kind == "Pod",
      "get row to carry the GVR and kind, got " + r.group + "/" + r.version + "/" + r.resource + " " + r.kind);
  CONFORM_EXPECT(r.rv == "7", "get row to carry the object's resourceVersion 7, got " + r.rv);
  CONFORM_EXPECT(!r.metadata_only, "get row to hold the whole object");
  // A cluster-scoped resource has an empty namespace.
  CONFORM_OK(Put(s, scope.cluster("a"), kNodes, {MakeObject("Node", "", "node-1")}));
  rows.clear();
  CONFORM_OK(s.Get(scope.cluster("a"), kNodes, "", "node-1", [&](const Row& row) {
    rows.push_back(Copy(row));
    return true;
  }));
  CONFORM_EXPECT(rows.size() == 1 && rows[0].ns.empty(), "get of a cluster-scoped object to work with namespace \"\"");
  return Status::Ok();
}

Status CheckUpsertReplaces(Storage& s) {
  Scope scope(s, "replace");
  CONFORM_OK(Put(s, scope.cluster("a"), kPods, {Pod("default", "one", {{"v", "old"}}, "1")}));
  ObjectRecord updated = Pod("default", "one", {{"v", "new"}}, "2");
  std::string json = updated.json;
  CONFORM_OK(Put(s, scope.cluster("a"), kPods, {updated}));
  std::vector<RowCopy> rows;
  CONFORM_OK(ListRows(s, scope.Query(kPods), &rows));
  CONFORM_EXPECT(rows.size() == 1, "one object after replacing it, got " + std::to_string(rows.size()));
  CONFORM_EXPECT(rows[0].object == json && rows[0].rv == "2", "the list to show the replacement");
  ListQuery q = scope.Query(kPods);
  q.labels = {Label("v", PEDIA_STORAGE_OP_EQUALS, {"old"})};
  CONFORM_OK(ExpectSet(s, q, {}, "old labels to be gone from the indexes"));
  q.labels = {Label("v", PEDIA_STORAGE_OP_EQUALS, {"new"})};
  return ExpectSet(s, q, {scope.cluster("a") + "/default/one"}, "new labels to be indexed");
}

Status CheckGetNotFound(Storage& s) {
  Scope scope(s, "notfound");
  CONFORM_OK(Put(s, scope.cluster("a"), kPods, {Pod("default", "one")}));
  auto none = [](const Row&) { return true; };
  Status st = s.Get(scope.cluster("a"), kPods, "default", "two", none);
  CONFORM_EXPECT(st.IsNotFound(), "NotFound for a missing name, got " + st.ToString());
  st = s.Get(scope.cluster("a"), kPods, "other", "one", none);
  CONFORM_EXPECT(st.IsNotFound(), "NotFound for the right name in another namespace, got " + st.ToString());
  st = s.Get(scope.cluster("b"), kPods, "default", "one", none);
  CONFORM_EXPECT(st.IsNotFound(), "NotFound in a cluster without the object, got " + st.ToString());
  st = s.Get(scope.cluster("a"), kReplicaSets, "default", "one", none);
  CONFORM_EXPECT(st.IsNotFound(), "NotFound for another GVR, got " + st.ToString());
  return Status::Ok();
}

Status CheckDelete(Storage& s) {
  Scope scope(s, "delete");
  CONFORM_OK(Put(s, scope.cluster("a"), kPods, {Pod("default", "one"), Pod("default", "two")}));
  CONFORM_OK(Delete(s, scope.cluster("a"), kPods, "default", "one"));
  Status st = s.Get(scope.cluster("a"), kPods, "default", "one", [](const Row&) { return true; });
  CONFORM_EXPECT(st.IsNotFound(), "a deleted object to be gone, got " + st.ToString());
  CONFORM_OK(Delete(s, scope.cluster("a"), kPods, "default", "one"));
  CONFORM_OK(Delete(s, scope.cluster("a"), kPods, "default", "never-existed"));
  CONFORM_OK(Delete(s, scope.cluster("b"), kPods, "nowhere", "nothing"));
  return ExpectSet(s, scope.Query(kPods), {scope.cluster("a") + "/default/two"}, "only the other object to remain");
}

Status CheckInvalidWriteIndex(Storage& s) {
  Scope scope(s, "invalid");
  std::vector<Write> writes;
  writes.push_back({Write::kUpsert, Pod("default", "ok-1")});
  writes.push_back({Write::kUpsert, Pod("default", "ok-2")});
  writes.push_back({Write::kUpsert, Pod("default", "")});
  size_t failed = 99;
  Status st = s.WriteBatch(Key(scope.cluster("a"), kPods), writes, &failed);
  CONFORM_EXPECT(st.code() == Status::kInvalidArgument, "InvalidArgument for an empty name, got " + st.ToString());
  CONFORM_EXPECT(failed == 2, "failed_index 2, got " + std::to_string(failed));
  CONFORM_EXPECT(!st.message().empty(), "a message that explains the rejection");
  return Status::Ok();
}

Status CheckGvrIsolation(Storage& s) {
  return WithFilterData(s, "gvr", [&](const Scope& scope, const FilterIds& id) -> Status {
    CONFORM_OK(ExpectSet(s, scope.Query(kPods), {id.a1, id.a2, id.a3, id.a4, id.b1, id.b2}, "every pod"));
    std::vector<RowCopy> rows;
    CONFORM_OK(ListRows(s, scope.Query(kReplicaSets), &rows));
    CONFORM_EXPECT(rows.size() == 1 && rows[0].kind == "ReplicaSet" && rows[0].group == "apps",
                   "the replica set list to hold the one replica set with its kind and group");
    return ExpectSet(s, scope.Query(kDeployments), {}, "no deployments");
  });
}

Status CheckClusterFilter(Storage& s) {
  return WithFilterData(s, "clusters", [&](const Scope& scope, const FilterIds& id) -> Status {
    CONFORM_OK(ExpectSet(s, scope.Query(kPods, {"a"}), {id.a1, id.a2, id.a3, id.a4}, "clusters=[a]"));
    ListQuery q = scope.Query(kPods, {"b"});
    q.clusters.push_back(scope.cluster("missing"));
    return ExpectSet(s, q, {id.b1, id.b2}, "clusters=[b, missing]");
  });
}

Status CheckNamespaceFilter(Storage& s) {
  return WithFilterData(s, "namespaces", [&](const Scope& scope, const FilterIds& id) -> Status {
    ListQuery q = scope.Query(kPods);
    q.namespaces = {"default"};
    CONFORM_OK(ExpectSet(s, q, {id.a1, id.a2, id.b1}, "namespaces=[default]"));
    q.namespaces = {"default", "prod"};
    CONFORM_OK(ExpectSet(s, q, {id.a1, id.a2, id.b1, id.b2}, "namespaces=[default, prod]"));
    q.namespaces = {"missing"};
    return ExpectSet(s, q, {}, "namespaces=[missing]");
  });
}

Status CheckNameFilter(Storage& s) {
  return WithFilterData(s, "names", [&](const Scope& scope, const FilterIds& id) -> Status {
    ListQuery q = scope.Query(kPods);
    q.names = {"web-1"};
    CONFORM_OK(ExpectSet(s, q, {id.a1, id.b1}, "names=[web-1]"));
    q = scope.Query(kPods, {"b"});
    q.names = {"web-1", "api-1", "dns-1"};
    CONFORM_OK(ExpectSet(s, q, {id.b1, id.b2}, "clusters=[b] names=[web-1, api-1, dns-1]"));
    q = scope.Query(kPods);
    q.names = {"web-1"};
    q.namespaces = {"default"};
    return ExpectSet(s, q, {id.a1, id.b1}, "names=[web-1] namespaces=[default]");
  });
}

Status CheckFuzzyNameFilter(Storage& s) {
  return WithFilterData(s, "fuzzy", [&](const Scope& scope, const FilterIds& id) -> Status {
    ListQuery q = scope.Query(kPods);
    q.fuzzy_names = {"web"};
    CONFORM_OK(ExpectSet(s, q, {id.a1, id.a2, id.b1}, "fuzzy names [web]"));
    q.fuzzy_names = {"web", "-2"};
    CONFORM_OK(ExpectSet(s, q, {id.a2}, "fuzzy names [web, -2] (all must match)"));
    q.fuzzy_names = {"eb", "1"};
    CONFORM_OK(ExpectSet(s, q, {id.a1, id.b1}, "fuzzy names [eb, 1]"));
    q.fuzzy_names = {"zzz"};
    return ExpectSet(s, q, {}, "fuzzy names [zzz]");
  });
}

Status CheckLabelEquality(Storage& s) {
  return WithFilterData(s, "label-eq", [&](const Scope& scope, const FilterIds& id) -> Status {
    ListQuery q = scope.Query(kPods);
    q.labels = {Label("app", PEDIA_STORAGE_OP_EQUALS, {"web"})};
    CONFORM_OK(ExpectSet(s, q, {id.a1, id.a2, id.b1}, "app=web"));
    q.labels = {Label("app", PEDIA_STORAGE_OP_NOT_EQUALS, {"web"})};
    CONFORM_OK(ExpectSet(s, q, {id.a3, id.a4, id.b2}, "app!=web (proxy has no app label and matches)"));
    q.labels = {Label("app", PEDIA_STORAGE_OP_EQUALS, {"web"}), Label("tier", PEDIA_STORAGE_OP_EQUALS, {"frontend"})};
    CONFORM_OK(ExpectSet(s, q, {id.a1, id.a2}, "app=web,tier=frontend"));
    q.labels = {Label("app", PEDIA_STORAGE_OP_EQUALS, {"nothing"})};
    return ExpectSet(s, q, {}, "app=nothing");
  });
}

Status CheckLabelSets(Storage& s) {
  return WithFilterData(s, "label-in", [&](const Scope& scope, const FilterIds& id) -> Status {
    ListQuery q = scope.Query(kPods);
    q.labels = {Label("app", PEDIA_STORAGE_OP_IN, {"web", "api"})};
    CONFORM_OK(ExpectSet(s, q, {id.a1, id.a2, id.b1, id.b2}, "app in (web, api)"));
    q.labels = {Label("app", PEDIA_STORAGE_OP_NOT_IN, {"web", "api"})};
    CONFORM_OK(ExpectSet(s, q, {id.a3, id.a4}, "app notin (web, api) (proxy lacks app and matches)"));
    q.labels = {Label("app", PEDIA_STORAGE_OP_IN, {})};
    return ExpectSet(s, q, {}, "app in ()");
  });
}

Status CheckLabelExistence(Storage& s) {
  return WithFilterData(s, "label-exists", [&](const Scope& scope, const FilterIds& id) -> Status {
    ListQuery q = scope.Query(kPods);
    q.labels = {Label("tier", PEDIA_STORAGE_OP_EXISTS)};
    CONFORM_OK(ExpectSet(s, q, {id.a1, id.a2, id.b1, id.b2}, "tier (exists)"));
    q.labels = {Label("tier", PEDIA_STORAGE_OP_DOES_NOT_EXIST)};
    CONFORM_OK(ExpectSet(s, q, {id.a3, id.a4}, "!tier"));
    q.labels = {Label("never-used-key", PEDIA_STORAGE_OP_DOES_NOT_EXIST)};
    return ExpectSet(s, q, {id.a1, id.a2, id.a3, id.a4, id.b1, id.b2}, "!never-used-key");
  });
}

Status CheckLabelNumeric(Storage& s) {
  return WithFilterData(s, "label-gt", [&](const Scope& scope, const FilterIds& id) -> Status {
    ListQuery q = scope.Query(kPods);
    q.labels = {Label("rank", PEDIA_STORAGE_OP_GREATER_THAN, {"2"})};
    CONFORM_OK(ExpectSet(s, q, {id.a2, id.a3, id.b2}, "rank>2 (integers: 10 > 2)"));
    q.labels = {Label("rank", PEDIA_STORAGE_OP_LESS_THAN, {"5"})};
    return ExpectSet(s, q, {id.a1, id.b2}, "rank<5");
  });
}

Status CheckFieldFilter(Storage& s) {
  return WithFilterData(s, "fields", [&](const Scope& scope, const FilterIds& id) -> Status {
    ListQuery q = scope.Query(kPods);
    q.fields = {Field({"status", "phase"}, PEDIA_STORAGE_OP_EQUALS, {"Running"})};
    CONFORM_OK(ExpectSet(s, q, {id.a1, id.a3, id.b1}, "status.phase=Running"));
    q.fields = {Field({"status", "phase"}, PEDIA_STORAGE_OP_NOT_EQUALS, {"Running"})};
    CONFORM_OK(ExpectSet(s, q, {id.a2, id.a4, id.b2}, "status.phase!=Running"));
    q.fields = {Field({"status", "phase"}, PEDIA_STORAGE_OP_IN, {"Pending", "Failed"})};
    CONFORM_OK(ExpectSet(s, q, {id.a2, id.a4}, "status.phase in (Pending, Failed)"));
    q.fields = {Field({"status", "phase"}, PEDIA_STORAGE_OP_NOT_IN, {"Running", "Pending"})};
    CONFORM_OK(ExpectSet(s, q, {id.a4, id.b2}, "status.phase notin (Running, Pending)"));
    q.fields = {Field({"spec", "priority"}, PEDIA_STORAGE_OP_GREATER_THAN, {"300"})};
    CONFORM_OK(ExpectSet(s, q, {id.a4, id.b1, id.b2}, "spec.priority>300"));
    q.fields = {Field({"metadata", "labels", "tier"}, PEDIA_STORAGE_OP_EXISTS)};
    return ExpectSet(s, q, {id.a1, id.a2, id.b1, id.b2}, "metadata.labels.tier (exists)");
  });
}

Status CheckFieldListFilter(Storage& s) {
  return WithFilterData(s, "field-lists", [&](const Scope& scope, const FilterIds& id) -> Status {
    ListQuery q = scope.Query(kPods);
    q.fields = {Field({"spec", "containers", "[]", "name"}, PEDIA_STORAGE_OP_EQUALS, {"istio"})};
    CONFORM_OK(ExpectSet(s, q, {id.a1, id.b2}, "spec.containers[].name=istio"));
    q.fields = {Field({"spec", "containers", "[0]", "name"}, PEDIA_STORAGE_OP_EQUALS, {"nginx"})};
    CONFORM_OK(ExpectSet(s, q, {id.a1, id.a2, id.b1}, "spec.containers[0].name=nginx"));
    q.fields = {Field({"spec", "containers", "[1]", "name"}, PEDIA_STORAGE_OP_EXISTS)};
    CONFORM_OK(ExpectSet(s, q, {id.a1, id.b2}, "spec.containers[1].name (exists)"));
    q.fields = {Field({"spec", "containers", "[]", "name"}, PEDIA_STORAGE_OP_NOT_IN, {"istio", "coredns"})};
    return ExpectSet(s, q, {id.a2, id.a4, id.b1}, "spec.containers[].name notin (istio, coredns)");
  });
}

Status CheckTimeFilter(Storage& s) {
  return WithFilterData(s, "time", [&](const Scope& scope, const FilterIds& id) -> Status {
    ListQuery q = scope.Query(kPods);
    q.since_unix_ms = kT0 + 3000;
    CONFORM_OK(ExpectSet(s, q, {id.a3, id.a4, id.b1, id.b2}, "since T+3s (inclusive)"));
    q = scope.Query(kPods);
    q.before_unix_ms = kT0 + 3000;
    CONFORM_OK(ExpectSet(s, q, {id.a1, id.a2}, "before T+3s (exclusive)"));
    q.since_unix_ms = kT0 + 2000;
    q.before_unix_ms = kT0 + 5000;
    return ExpectSet(s, q, {id.a2, id.a3, id.a4}, "since T+2s before T+5s");
  });
}

Status CheckCombinedFilters(Storage& s) {
  return WithFilterData(s, "combined", [&](const Scope& scope, const FilterIds& id) -> Status {
    ListQuery q = scope.Query(kPods);
    q.namespaces = {"default"};
    q.labels = {Label("tier", PEDIA_STORAGE_OP_EQUALS, {"frontend"})};
    CONFORM_OK(ExpectSet(s, q, {id.a1, id.a2}, "namespaces and a label selector together (both apply)"));
    q = scope.Query(kPods, {"a"});
    q.namespaces = {"default", "kube-system"};
    q.labels = {Label("app", PEDIA_STORAGE_OP_IN, {"web", "dns"})};
    q.fields = {Field({"status", "phase"}, PEDIA_STORAGE_OP_EQUALS, {"Running"})};
    q.since_unix_ms = kT0 + 1000;
    CONFORM_OK(ExpectSet(s, q, {id.a1, id.a3}, "cluster, namespaces, labels, fields and since together"));
    q.names = {"dns-1"};
    CONFORM_OK(ExpectSet(s, q, {id.a3}, "... and names"));
    q.names.clear();
    q.fuzzy_names = {"web"};
    return ExpectSet(s, q, {id.a1}, "... and fuzzy names");
  });
}

// Owner data: a deployment, two replica sets it owns, pods they own, and a
// replica set named like the deployment in another namespace.
Status SeedOwners(Storage& s, const Scope& scope) {
  for (const char* c : {"a", "b"}) {
    std::string prefix = std::string(c) + "-";
    auto obj = [&](const char* kind, const std::string& ns, const std::string& name, const std::string& owner) {
      ObjectRecord o = MakeObject(kind, ns, name, {}, "1", 0, owner.empty() ? "" : prefix + owner);
      o.uid = prefix + "uid-" + ns + "-" + name;
      return o;
    };
    CONFORM_OK(Put(s, scope.cluster(c), kDeployments, {obj("Deployment", "default", "web", "")}));
    CONFORM_OK(
        Put(s, scope.cluster(c), kReplicaSets,
            {obj("ReplicaSet", "default", "web-abc", "uid-default-web"),
             obj("ReplicaSet", "default", "web-def", "uid-default-web"), obj("ReplicaSet", "other", "web", "")}));
    CONFORM_OK(Put(s, scope.cluster(c), kPods,
                   {obj("Pod", "default", "web-abc-1", "uid-default-web-abc"),
                    obj("Pod", "default", "web-abc-2", "uid-default-web-abc"),
                    obj("Pod", "default", "web-def-1", "uid-default-web-def"), obj("Pod", "default", "solo", ""),
                    obj("Pod", "other", "x", "uid-other-web")}));
  }
  return Status::Ok();
}

Status CheckOwnerUid(Storage& s) {
  Scope scope(s, "owner-uid");
  CONFORM_OK(SeedOwners(s, scope));
  std::string a = scope.cluster("a");
  ListQuery q = scope.Query(kPods, {"a"});
  q.owner_uid = "a-uid-default-web-abc";
  CONFORM_OK(ExpectSet(s, q, {a + "/default/web-abc-1", a + "/default/web-abc-2"}, "pods owned by uid web-abc"));
  q = scope.Query(kReplicaSets, {"a"});
  q.owner_uid = "a-uid-default-web";
  CONFORM_OK(ExpectSet(s, q, {a + "/default/web-abc", a + "/default/web-def"}, "replica sets owned by the deployment"));
  q = scope.Query(kPods, {"b"});
  q.owner_uid = "a-uid-default-web-abc";
  return ExpectSet(s, q, {}, "no pods of cluster b owned by a uid of cluster a");
}

Status CheckOwnerName(Storage& s) {
  Scope scope(s, "owner-name");
  CONFORM_OK(SeedOwners(s, scope));
  std::string a = scope.cluster("a");
  ListQuery q = scope.Query(kPods, {"a"});
  q.owner_name = "web-abc";
  CONFORM_OK(ExpectSet(s, q, {a + "/default/web-abc-1", a + "/default/web-abc-2"}, "pods owned by name web-abc"));
  q.owner_name = "web";
  CONFORM_OK(ExpectSet(s, q, {a + "/other/x"}, "pods whose owner is named web (the replica set other/web)"));
  q.owner_group = "apps";
  q.owner_resource = "deployments";
  CONFORM_OK(ExpectSet(s, q, {}, "no pods directly owned by the deployment named web"));
  q = scope.Query(kReplicaSets, {"a"});
  q.owner_name = "web";
  q.owner_group = "apps";
  q.owner_resource = "deployments";
  CONFORM_OK(ExpectSet(s, q, {a + "/default/web-abc", a + "/default/web-def"}, "replica sets of deployments.apps web"));
  q = scope.Query(kPods, {"a"});
  q.owner_name = "web";
  q.namespaces = {"default"};
  CONFORM_OK(ExpectSet(s, q, {}, "owner name resolved only in the query's namespaces"));
  q.namespaces = {"other"};
  q.owner_uid = "a-uid-default-web-abc";
  return ExpectSet(s, q, {}, "owner uid to win over owner name (and namespaces to still apply)");
}

Status CheckOwnerSeniority(Storage& s) {
  Scope scope(s, "owner-seniority");
  CONFORM_OK(SeedOwners(s, scope));
  std::string a = scope.cluster("a");
  ListQuery q = scope.Query(kPods, {"a"});
  q.owner_uid = "a-uid-default-web";
  q.owner_seniority = 1;
  CONFORM_OK(ExpectSet(s, q, {a + "/default/web-abc-1", a + "/default/web-abc-2", a + "/default/web-def-1"},
                       "pods two levels below the deployment (seniority 1)"));
  q.owner_uid.clear();
  q.owner_name = "web";
  q.owner_group = "apps";
  q.owner_resource = "deployments";
  CONFORM_OK(ExpectSet(s, q, {a + "/default/web-abc-1", a + "/default/web-abc-2", a + "/default/web-def-1"},
                       "the same by owner name and group-resource"));
  q.owner_seniority = 2;
  return ExpectSet(s, q, {}, "nothing three levels below");
}

Status CheckOwnerNeedsOneCluster(Storage& s) {
  Scope scope(s, "owner-clusters");
  CONFORM_OK(SeedOwners(s, scope));
  ListQuery q = scope.Query(kPods, {"a", "b"});
  q.owner_uid = "a-uid-default-web-abc";
  std::vector<RowCopy> rows;
  CONFORM_OK(ListRows(s, q, &rows));
  CONFORM_EXPECT(rows.size() == 10,
                 "the owner filter to be ignored with two clusters (10 pods), got " + std::to_string(rows.size()));
  return Status::Ok();
}

// Lists with one order and checks the rows are sorted by it.
Status CheckOrderBy(Storage& s) {
  return WithFilterData(s, "orderby", [&](const Scope& scope, const FilterIds& id) -> Status {
    const char* names[] = {"cluster", "namespace", "name", "created_at", "resource_version"};
    for (uint32_t field = 0; field <= PEDIA_STORAGE_ORDER_RESOURCE_VERSION; ++field) {
      for (bool desc : {false, true}) {
        ListQuery q = scope.Query(kPods);
        q.order_by = {{static_cast<pedia_storage_order_field>(field), desc}};
        std::vector<RowCopy> rows;
        CONFORM_OK(ListRows(s, q, &rows));
        std::string what = std::string("orderby ") + names[field] + (desc ? " desc" : "");
        CONFORM_EXPECT(rows.size() == 6, what + ": all 6 pods");
        for (size_t i = 1; i < rows.size(); ++i) {
          const RowCopy &x = rows[i - 1], &y = rows[i];
          int c = 0;
          if (field == PEDIA_STORAGE_ORDER_CLUSTER) c = x.cluster.compare(y.cluster);
          if (field == PEDIA_STORAGE_ORDER_NAMESPACE) c = x.ns.compare(y.ns);
          if (field == PEDIA_STORAGE_ORDER_NAME) c = x.name.compare(y.name);
          if (c != 0 && ((c > 0) != desc)) return Fail(what + ": rows out of order: " + Join(Ids(rows)));
        }
        if (field == PEDIA_STORAGE_ORDER_CREATED_AT) {
          std::vector<std::string> want = {id.a1, id.a2, id.a3, id.a4, id.b1, id.b2};
          if (desc) std::reverse(want.begin(), want.end());
          CONFORM_OK(ExpectSequence(s, q, want, what));
        }
        if (field == PEDIA_STORAGE_ORDER_RESOURCE_VERSION) {
          // 2, 3, 9, 10, 11, 100: compared as integers, not strings.
          std::vector<std::string> want = {id.b1, id.b2, id.a2, id.a1, id.a4, id.a3};
          if (desc) std::reverse(want.begin(), want.end());
          CONFORM_OK(ExpectSequence(s, q, want, what));
        }
      }
    }
    ListQuery q = scope.Query(kPods);
    q.order_by = {{PEDIA_STORAGE_ORDER_NAMESPACE, true}, {PEDIA_STORAGE_ORDER_CREATED_AT, false}};
    return ExpectSequence(s, q, {id.b2, id.a3, id.a4, id.a1, id.a2, id.b1}, "orderby namespace desc, created_at");
  });
}

// Writes n pods named p000.. across two clusters.
Status SeedMany(Storage& s, const Scope& scope, int n) {
  std::vector<ObjectRecord> a, b;
  for (int i = 0; i < n; ++i) {
    char name[16];
    snprintf(name, sizeof name, "p%03d", i);
    (i % 2 ? b : a)
        .push_back(
            MakeObject("Pod", i % 3 ? "ns1" : "ns2", name, {{"i", std::to_string(i)}}, std::to_string(1000 + i), i));
  }
  CONFORM_OK(Put(s, scope.cluster("a"), kPods, a));
  CONFORM_OK(Put(s, scope.cluster("b"), kPods, b));
  return Status::Ok();
}

// Pages through q (limit must be set) and returns every row id in order.
Status Page(Storage& s, ListQuery q, std::vector<std::string>* ids, std::vector<ListSummary>* summaries,
            const std::function<Status(int)>& between = nullptr) {
  ids->clear();
  for (int page = 0; page < 1000; ++page) {
    std::vector<RowCopy> rows;
    ListSummary summary;
    CONFORM_OK(ListRows(s, q, &rows, &summary));
    if (static_cast<int64_t>(rows.size()) > q.limit)
      return Fail("a page of at most " + std::to_string(q.limit) + " rows, got " + std::to_string(rows.size()));
    for (const auto& r : rows) ids->push_back(r.id());
    if (summaries) summaries->push_back(summary);
    if (summary.continue_token.empty()) return Status::Ok();
    q.continue_token = summary.continue_token;
    if (between) CONFORM_OK(between(page));
  }
  return Fail("paging to end within 1000 pages");
}

Status CheckPaging(Storage& s) {
  Scope scope(s, "paging");
  CONFORM_OK(SeedMany(s, scope, 25));
  for (bool ordered : {false, true}) {
    ListQuery q = scope.Query(kPods);
    if (ordered) q.order_by = {{PEDIA_STORAGE_ORDER_CREATED_AT, true}};
    std::vector<RowCopy> all;
    CONFORM_OK(ListRows(s, q, &all));
    q.limit = 7;
    std::vector<std::string> paged;
    std::vector<ListSummary> summaries;
    CONFORM_OK(Page(s, q, &paged, &summaries));
    std::string what = ordered ? " (orderby created_at desc)" : "";
    CONFORM_EXPECT(summaries.size() == 4, "4 pages of 7, 7, 7, 4" + what + ", got " + std::to_string(summaries.size()));
    CONFORM_EXPECT(paged == Ids(all), "the pages to cover the unlimited list exactly, in order" + what + ": got " +
                                          Join(paged) + ", want " + Join(Ids(all)));
  }
  return Status::Ok();
}

Status CheckPagingUnderWrites(Storage& s) {
  Scope scope(s, "paging-writes");
  CONFORM_OK(SeedMany(s, scope, 30));
  std::vector<RowCopy> before;
  CONFORM_OK(ListRows(s, scope.Query(kPods), &before));
  std::set<std::string> untouched;
  for (const auto& r : before) untouched.insert(r.id());
  ListQuery q = scope.Query(kPods);
  q.limit = 4;
  int serial = 0;
  std::vector<std::string> paged;
  CONFORM_OK(Page(s, q, &paged, nullptr, [&](int page) -> Status {
    // Insert objects that sort before and after the cursor, and delete one
    // object from the front and one from the back of the list.
    std::string n = std::to_string(serial++);
    CONFORM_OK(Put(s, scope.cluster("a"), kPods, {Pod("ns1", "a-new-" + n), Pod("ns1", "zz-new-" + n)}));
    CONFORM_OK(Put(s, scope.cluster("b"), kPods, {Pod("ns0", "p-new-" + n)}));
    const RowCopy& front = before[static_cast<size_t>(page)];
    const RowCopy& back = before[before.size() - 1 - static_cast<size_t>(page)];
    for (const RowCopy* r : {&front, &back}) {
      CONFORM_OK(Delete(s, r->cluster, kPods, r->ns, r->name));
      untouched.erase(r->id());
    }
    return Status::Ok();
  }));
  std::map<std::string, int> seen;
  for (const auto& id : paged) seen[id]++;
  for (const auto& [id, count] : seen)
    CONFORM_EXPECT(count == 1, "no row served twice while paging under writes; " + id + " came " +
                                   std::to_string(count) + " times");
  for (const auto& id : untouched)
    CONFORM_EXPECT(seen.count(id), "every unchanged object to be served while paging under writes; missed " + id);
  return Status::Ok();
}

Status CheckOffsetContinue(Storage& s) {
  Scope scope(s, "offset");
  CONFORM_OK(SeedMany(s, scope, 10));
  ListQuery q = scope.Query(kPods);
  q.order_by = {{PEDIA_STORAGE_ORDER_NAME, false}};
  std::vector<RowCopy> all;
  CONFORM_OK(ListRows(s, q, &all));
  q.limit = 3;
  q.continue_token = "3";
  std::vector<RowCopy> rows;
  ListSummary summary;
  CONFORM_OK(ListRows(s, q, &rows, &summary));
  std::vector<std::string> want = {all[3].id(), all[4].id(), all[5].id()};
  CONFORM_EXPECT(Ids(rows) == want,
                 "continue \"3\" to start at the fourth row: want " + Join(want) + ", got " + Join(Ids(rows)));
  CONFORM_EXPECT(!summary.continue_token.empty(), "a continue token after an offset page that is not the last");
  q.continue_token = summary.continue_token;
  CONFORM_OK(ListRows(s, q, &rows));
  want = {all[6].id(), all[7].id(), all[8].id()};
  CONFORM_EXPECT(Ids(rows) == want,
                 "the token after an offset page to continue there: want " + Join(want) + ", got " + Join(Ids(rows)));
  q.continue_token = "100";
  CONFORM_OK(ListRows(s, q, &rows, &summary));
  CONFORM_EXPECT(rows.empty() && summary.continue_token.empty(), "an offset past the end to give no rows");
  return Status::Ok();
}

Status CheckMalformedContinue(Storage& s) {
  Scope scope(s, "bad-continue");
  CONFORM_OK(SeedMany(s, scope, 3));
  ListQuery q = scope.Query(kPods);
  q.limit = 1;
  q.continue_token = "not a token!";
  std::vector<RowCopy> rows;
  Status st = ListRows(s, q, &rows);
  CONFORM_EXPECT(st.code() == Status::kInvalidArgument,
                 "InvalidArgument for a malformed continue token, got " + st.ToString());
  CONFORM_EXPECT(st.message().find("not a token!") != std::string::npos,
                 "the message to name the token, got: " + st.message());
  return Status::Ok();
}

Status CheckRemainingCount(Storage& s) {
  Scope scope(s, "remaining");
  CONFORM_OK(SeedMany(s, scope, 10));
  ListQuery q = scope.Query(kPods);
  q.limit = 4;
  q.with_remaining_count = true;
  std::vector<std::string> ids;
  std::vector<ListSummary> summaries;
  CONFORM_OK(Page(s, q, &ids, &summaries));
  CONFORM_EXPECT(summaries.size() == 3, "3 pages");
  int64_t want[] = {6, 2, 0};
  for (size_t i = 0; i < 3; ++i) {
    CONFORM_EXPECT(summaries[i].has_remaining_count, "a remaining count on page " + std::to_string(i + 1));
    CONFORM_EXPECT(summaries[i].remaining_count == want[i], "remaining count " + std::to_string(want[i]) + " on page " +
                                                                std::to_string(i + 1) + ", got " +
                                                                std::to_string(summaries[i].remaining_count));
  }
  q.continue_token.clear();
  q.labels = {Label("i", PEDIA_STORAGE_OP_IN, {"1", "2", "3", "4", "5", "6"})};
  q.limit = 5;
  std::vector<RowCopy> rows;
  ListSummary summary;
  CONFORM_OK(ListRows(s, q, &rows, &summary));
  CONFORM_EXPECT(summary.remaining_count == 1, "the remaining count to respect filters (6 match, 5 served)");
  return Status::Ok();
}

Status CheckOnlyMetadata(Storage& s) {
  Scope scope(s, "metadata");
  CONFORM_OK(Put(s, scope.cluster("a"), kPods, {Pod("default", "one", {{"app", "x"}}, "5")}));
  ListQuery q = scope.Query(kPods);
  q.only_metadata = true;
  std::vector<RowCopy> rows;
  CONFORM_OK(ListRows(s, q, &rows));
  CONFORM_EXPECT(rows.size() == 1, "one row");
  CONFORM_EXPECT(rows[0].metadata_only, "metadata_only set on the row");
  nlohmann::json meta = nlohmann::json::parse(rows[0].object, nullptr, false);
  CONFORM_EXPECT(meta.is_object(), "the row object to be a JSON object, got " + rows[0].object);
  CONFORM_EXPECT(meta.value("name", "") == "one" && meta.value("namespace", "") == "default" &&
                     meta["labels"].value("app", "") == "x",
                 "the metadata object (name, namespace, labels), got " + rows[0].object);
  CONFORM_EXPECT(!meta.contains("spec") && !meta.contains("status"), "no spec or status in metadata-only rows");
  q.only_metadata = false;
  CONFORM_OK(ListRows(s, q, &rows));
  CONFORM_EXPECT(!rows[0].metadata_only, "whole objects without the flag");
  return Status::Ok();
}

Status CheckResourceVersions(Storage& s) {
  Scope scope(s, "rvs");
  CONFORM_OK(Put(s, scope.cluster("a"), kPods, {Pod("default", "p1", {}, "11"), Pod("kube-system", "p2", {}, "12")}));
  CONFORM_OK(Put(s, scope.cluster("a"), kReplicaSets, {MakeObject("ReplicaSet", "default", "rs", {}, "13")}));
  CONFORM_OK(Put(s, scope.cluster("a"), kNodes, {MakeObject("Node", "", "n1", {}, "14")}));
  CONFORM_OK(Put(s, scope.cluster("b"), kPods, {Pod("default", "other", {}, "99")}));
  std::set<std::string> got;
  CONFORM_OK(s.ResourceVersions(
      scope.cluster("a"), [&](const sdk::Gvr& g, std::string_view ns, std::string_view name, std::string_view rv) {
        got.insert(std::string(g.group) + "/" + std::string(g.version) + "/" + std::string(g.resource) + " " +
                   std::string(ns) + "/" + std::string(name) + "=" + std::string(rv));
      }));
  std::set<std::string> want = {"/v1/pods default/p1=11", "/v1/pods kube-system/p2=12",
                                "apps/v1/replicasets default/rs=13", "/v1/nodes /n1=14"};
  CONFORM_EXPECT(got == want,
                 "resource versions " + Join({want.begin(), want.end()}) + ", got " + Join({got.begin(), got.end()}));
  got.clear();
  CONFORM_OK(s.ResourceVersions(scope.cluster("missing"), [&](const sdk::Gvr&, std::string_view, std::string_view,
                                                              std::string_view) { got.insert("x"); }));
  CONFORM_EXPECT(got.empty(), "no resource versions for an unknown cluster");
  return Status::Ok();
}

Status CheckCleanCluster(Storage& s) {
  Scope scope(s, "clean-cluster");
  CONFORM_OK(Put(s, scope.cluster("a"), kPods, {Pod("default", "p1"), Pod("default", "p2")}));
  CONFORM_OK(Put(s, scope.cluster("a"), kReplicaSets, {MakeObject("ReplicaSet", "default", "rs")}));
  CONFORM_OK(Put(s, scope.cluster("b"), kPods, {Pod("default", "p1")}));
  CONFORM_OK(s.CleanCluster(scope.cluster("a")));
  CONFORM_OK(ExpectSet(s, scope.Query(kPods), {scope.cluster("b") + "/default/p1"}, "only cluster b's pod to remain"));
  CONFORM_OK(ExpectSet(s, scope.Query(kReplicaSets), {}, "cluster a's replica sets to be gone"));
  int count = 0;
  CONFORM_OK(s.ResourceVersions(
      scope.cluster("a"), [&](const sdk::Gvr&, std::string_view, std::string_view, std::string_view) { ++count; }));
  CONFORM_EXPECT(count == 0, "no resource versions left for a cleaned cluster");
  CONFORM_OK(s.CleanCluster(scope.cluster("a")));
  return s.CleanCluster(scope.cluster("never-existed"));
}

Status CheckCleanResource(Storage& s) {
  Scope scope(s, "clean-resource");
  CONFORM_OK(Put(s, scope.cluster("a"), kPods, {Pod("default", "p1")}));
  CONFORM_OK(Put(s, scope.cluster("a"), kReplicaSets, {MakeObject("ReplicaSet", "default", "rs")}));
  CONFORM_OK(Put(s, scope.cluster("b"), kPods, {Pod("default", "p1")}));
  CONFORM_OK(s.CleanResource(scope.cluster("a"), kPods));
  CONFORM_OK(ExpectSet(s, scope.Query(kPods), {scope.cluster("b") + "/default/p1"}, "cluster b's pods to remain"));
  CONFORM_OK(ExpectSet(s, scope.Query(kReplicaSets), {scope.cluster("a") + "/default/rs"},
                       "cluster a's replica sets to remain"));
  return s.CleanResource(scope.cluster("a"), kDeployments);
}

Status CheckClusterRecords(Storage& s) {
  const std::string x = "conformance-records-x", y = "conformance-records-y";
  auto records = [&](std::map<std::string, std::string>* out) {
    out->clear();
    return s.ListClusters([&](std::string_view name, std::string_view json) {
      if (name.rfind("conformance-records-", 0) == 0) (*out)[std::string(name)] = std::string(json);
    });
  };
  (void)s.DeleteCluster(x);
  (void)s.DeleteCluster(y);
  CONFORM_OK(s.PutCluster(x, R"({"metadata":{"name":"x"},"v":1})"));
  CONFORM_OK(s.PutCluster(y, R"({"metadata":{"name":"y"}})"));
  CONFORM_OK(s.PutCluster(x, R"({"metadata":{"name":"x"},"v":2})"));
  std::map<std::string, std::string> got;
  CONFORM_OK(records(&got));
  CONFORM_EXPECT(got.size() == 2, "two records, got " + std::to_string(got.size()));
  CONFORM_EXPECT(got[x] == R"({"metadata":{"name":"x"},"v":2})", "the second put to replace the first, got " + got[x]);
  CONFORM_OK(s.DeleteCluster(x));
  CONFORM_OK(s.DeleteCluster(x));
  CONFORM_OK(records(&got));
  CONFORM_EXPECT(got.size() == 1 && got.count(y), "only y after deleting x");
  CONFORM_OK(s.DeleteCluster(y));
  return Status::Ok();
}

// ---- watch checks ------------------------------------------------------------------

Status CheckWatchInitialThenStream(Storage& s) {
  Scope scope(s, "watch-initial");
  std::string a = scope.cluster("a");
  CONFORM_OK(Put(s, a, kPods, {Pod("default", "p1"), Pod("default", "p2"), Pod("default", "p3")}));
  Recorder rec;
  auto handle = s.Watch(scope.Query(kPods, {"a"}), "0", &rec);
  CONFORM_OK(handle.status());
  CONFORM_EXPECT(rec.WaitFor(3), "3 initial events");
  std::vector<std::string> initial = Describe(rec.events());
  std::sort(initial.begin(), initial.end());
  std::vector<std::string> want = {"ADDED " + a + "/default/p1", "ADDED " + a + "/default/p2",
                                   "ADDED " + a + "/default/p3"};
  CONFORM_EXPECT(initial == want, "ADDED for every current object: want " + Join(want) + ", got " + Join(initial));
  CONFORM_OK(Put(s, a, kPods, {Pod("default", "p4")}));
  ObjectRecord changed = Pod("default", "p1", {{"changed", "yes"}}, "2");
  std::string last_json = changed.json;
  CONFORM_OK(Put(s, a, kPods, {changed}));
  CONFORM_OK(Delete(s, a, kPods, "default", "p1"));
  CONFORM_EXPECT(rec.WaitFor(6), "3 streamed events");
  rec.Settle();
  auto events = rec.events();
  std::vector<std::string> streamed = Describe({events.begin() + 3, events.end()});
  want = {"ADDED " + a + "/default/p4", "MODIFIED " + a + "/default/p1", "DELETED " + a + "/default/p1"};
  CONFORM_EXPECT(streamed == want, "streamed events " + Join(want) + ", got " + Join(streamed));
  CONFORM_EXPECT(events[5].row.object == last_json, "DELETED to carry the last state of the object");
  unsigned long long previous = 0;
  for (size_t i = 3; i < events.size(); ++i) {
    unsigned long long rv = 0;
    CONFORM_EXPECT(ParseSequence(events[i].row.rv, &rv) && rv > previous,
                   "streamed events to carry increasing decimal resourceVersions, got " + events[i].row.rv);
    previous = rv;
  }
  return Status::Ok();
}

Status CheckWatchFromListRv(Storage& s) {
  Scope scope(s, "watch-resume");
  std::string a = scope.cluster("a");
  CONFORM_OK(Put(s, a, kPods, {Pod("default", "p1"), Pod("default", "p2")}));
  std::vector<RowCopy> rows;
  ListSummary summary;
  CONFORM_OK(ListRows(s, scope.Query(kPods), &rows, &summary));
  CONFORM_EXPECT(!summary.resource_version.empty(), "a list resourceVersion");
  CONFORM_OK(Put(s, a, kPods, {Pod("default", "p3")}));
  CONFORM_OK(Delete(s, a, kPods, "default", "p1"));
  Recorder rec;
  auto handle = s.Watch(scope.Query(kPods), summary.resource_version, &rec);
  CONFORM_OK(handle.status());
  CONFORM_OK(Put(s, a, kPods, {Pod("default", "p5")}));
  CONFORM_EXPECT(rec.WaitFor(3), "the two changes after the list, then the new one");
  rec.Settle();
  auto events = rec.events();
  std::vector<std::string> want = {"ADDED " + a + "/default/p3", "DELETED " + a + "/default/p1",
                                   "ADDED " + a + "/default/p5"};
  CONFORM_EXPECT(Describe(events) == want, "events " + Join(want) + ", got " + Join(Describe(events)));
  // Resuming from an event's resourceVersion replays what followed it.
  Recorder again;
  auto second = s.Watch(scope.Query(kPods), events[0].row.rv, &again);
  CONFORM_OK(second.status());
  CONFORM_EXPECT(again.WaitFor(2), "two events after the first one");
  again.Settle();
  want = {"DELETED " + a + "/default/p1", "ADDED " + a + "/default/p5"};
  CONFORM_EXPECT(Describe(again.events()) == want,
                 "resumed events " + Join(want) + ", got " + Join(Describe(again.events())));
  return Status::Ok();
}

Status CheckWatchExpired(Storage& s) {
  Scope scope(s, "watch-expired");
  std::string a = scope.cluster("a");
  CONFORM_OK(Put(s, a, kPods, {Pod("default", "p")}));
  std::vector<RowCopy> rows;
  ListSummary summary;
  CONFORM_OK(ListRows(s, scope.Query(kPods), &rows, &summary));
  // Modify one object until the list's resourceVersion falls out of the
  // layer's window (whatever its size, up to 200,000 events).
  for (int round = 0; round < 200; ++round) {
    std::vector<Write> writes;
    for (int i = 0; i < 1000; ++i) writes.push_back({Write::kUpsert, Pod("default", "p", {}, std::to_string(i + 2))});
    size_t failed = 0;
    CONFORM_OK(s.WriteBatch(Key(a, kPods), writes, &failed));
    Recorder rec;
    auto handle = s.Watch(scope.Query(kPods), summary.resource_version, &rec);
    if (handle.ok()) continue;
    CONFORM_EXPECT(handle.status().code() == Status::kExpired,
                   "Expired for a resourceVersion past the window, got " + handle.status().ToString());
    return Status::Ok();
  }
  return Fail("Expired after 200,000 events past the list resourceVersion; the layer keeps an unbounded window");
}

Status CheckWatchFilters(Storage& s) {
  Scope scope(s, "watch-filter");
  std::string a = scope.cluster("a"), b = scope.cluster("b");
  ListQuery q = scope.Query(kPods, {"a"});
  q.namespaces = {"default"};
  q.labels = {Label("app", PEDIA_STORAGE_OP_EQUALS, {"web"})};
  Recorder rec;
  auto handle = s.Watch(q, "0", &rec);
  CONFORM_OK(handle.status());
  CONFORM_OK(Put(s, b, kPods, {Pod("default", "other-cluster", {{"app", "web"}})}));
  CONFORM_OK(Put(s, a, kPods, {Pod("kube-system", "other-namespace", {{"app", "web"}})}));
  CONFORM_OK(Put(s, a, kPods, {Pod("default", "other-label", {{"app", "db"}})}));
  CONFORM_OK(Put(s, a, kReplicaSets, {MakeObject("ReplicaSet", "default", "other-gvr", {{"app", "web"}})}));
  CONFORM_OK(Put(s, a, kPods, {Pod("default", "match", {{"app", "web"}})}));
  CONFORM_EXPECT(rec.WaitFor(1), "the matching event");
  rec.Settle();
  std::vector<std::string> want = {"ADDED " + a + "/default/match"};
  CONFORM_EXPECT(Describe(rec.events()) == want, "only " + Join(want) + ", got " + Join(Describe(rec.events())));
  ListQuery by_name = scope.Query(kPods);
  by_name.names = {"wanted"};
  Recorder named;
  auto second = s.Watch(by_name, "0", &named);
  CONFORM_OK(second.status());
  CONFORM_OK(Put(s, b, kPods, {Pod("default", "unwanted"), Pod("default", "wanted")}));
  CONFORM_EXPECT(named.WaitFor(1), "the event of the wanted name");
  named.Settle();
  want = {"ADDED " + b + "/default/wanted"};
  CONFORM_EXPECT(Describe(named.events()) == want, "only " + Join(want) + ", got " + Join(Describe(named.events())));
  return Status::Ok();
}

Status CheckWatchMalformedRv(Storage& s) {
  Scope scope(s, "watch-bad-rv");
  Recorder rec;
  auto handle = s.Watch(scope.Query(kPods), "not-a-version", &rec);
  CONFORM_EXPECT(!handle.ok() && handle.status().code() == Status::kInvalidArgument,
                 "InvalidArgument for a malformed resourceVersion, got " +
                     (handle.ok() ? std::string("OK") : handle.status().ToString()));
  return Status::Ok();
}

Status CheckWatchObserverEnds(Storage& s) {
  Scope scope(s, "watch-end");
  std::string a = scope.cluster("a");
  Recorder rec;
  rec.set_accept(1);  // returns false from the first event on
  auto handle = s.Watch(scope.Query(kPods), "0", &rec);
  CONFORM_OK(handle.status());
  CONFORM_OK(Put(s, a, kPods, {Pod("default", "p1")}));
  CONFORM_EXPECT(rec.WaitClosed(), "the watch to close after the observer returned false");
  CONFORM_OK(Put(s, a, kPods, {Pod("default", "p2"), Pod("default", "p3")}));
  rec.Settle();
  CONFORM_EXPECT(rec.events().size() == 1,
                 "no events after the observer returned false, got " + std::to_string(rec.events().size()));
  CONFORM_EXPECT(rec.closed_status().ok(), "closed with OK, got " + rec.closed_status().ToString());
  handle.value().reset();
  CONFORM_EXPECT(rec.closed_count() == 1, "closed exactly once, got " + std::to_string(rec.closed_count()));
  return Status::Ok();
}

Status CheckWatchStopWhileWriting(Storage& s) {
  Scope scope(s, "watch-stop");
  std::string a = scope.cluster("a");
  Recorder rec;
  auto handle = s.Watch(scope.Query(kPods), "0", &rec);
  CONFORM_OK(handle.status());
  std::atomic<bool> done{false};
  Status writer_status;
  std::thread writer([&] {
    for (int i = 0; !done && i < 100000; ++i) {
      Status st = Put(s, a, kPods, {Pod("default", "p" + std::to_string(i % 50), {}, std::to_string(i + 1))});
      if (!st.ok()) {
        writer_status = st;
        return;
      }
    }
  });
  bool flowing = rec.WaitFor(100);
  handle.value().reset();  // watch_stop while the writer runs
  rec.MarkStopped();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  done = true;
  writer.join();
  CONFORM_OK(writer_status);
  CONFORM_EXPECT(flowing, "events to flow before the stop");
  CONFORM_EXPECT(rec.late_events() == 0,
                 "no events after watch_stop returned, got " + std::to_string(rec.late_events()));
  CONFORM_EXPECT(rec.closed_count() == 1 && rec.closed_status().ok(), "closed exactly once with OK");
  return Status::Ok();
}

Status CheckWatchCleanCluster(Storage& s) {
  Scope scope(s, "watch-clean");
  std::string a = scope.cluster("a");
  CONFORM_OK(Put(s, a, kPods, {Pod("default", "p1"), Pod("default", "p2")}));
  std::vector<RowCopy> rows;
  ListSummary summary;
  CONFORM_OK(ListRows(s, scope.Query(kPods), &rows, &summary));
  Recorder rec;
  auto handle = s.Watch(scope.Query(kPods), summary.resource_version, &rec);
  CONFORM_OK(handle.status());
  CONFORM_OK(s.CleanCluster(a));
  CONFORM_EXPECT(rec.WaitFor(2), "a DELETED event per object of the cleaned cluster");
  std::vector<std::string> got = Describe(rec.events());
  std::sort(got.begin(), got.end());
  std::vector<std::string> want = {"DELETED " + a + "/default/p1", "DELETED " + a + "/default/p2"};
  CONFORM_EXPECT(got == want, "events " + Join(want) + ", got " + Join(got));
  return Status::Ok();
}

constexpr uint64_t kWatch = PEDIA_STORAGE_CAP_WATCH;

std::vector<ConformanceCheck> BuildChecks() {
  return {
      {"an upsert stores the object and get returns it with its index fields", PEDIA_STORAGE_CAP_GET,
       CheckUpsertAndGet},
      {"an upsert of an existing key replaces the object and its index entries", PEDIA_STORAGE_CAP_LIST,
       CheckUpsertReplaces},
      {"get of a missing object returns NotFound", PEDIA_STORAGE_CAP_GET, CheckGetNotFound},
      {"delete removes the object and deleting a missing object is OK", PEDIA_STORAGE_CAP_GET | PEDIA_STORAGE_CAP_LIST,
       CheckDelete},
      {"a write with an empty name is InvalidArgument with its failed_index", 0, CheckInvalidWriteIndex},
      {"list returns the objects of the queried GVR only", PEDIA_STORAGE_CAP_LIST, CheckGvrIsolation},
      {"list filters by clusters", PEDIA_STORAGE_CAP_LIST, CheckClusterFilter},
      {"list filters by namespaces", PEDIA_STORAGE_CAP_LIST, CheckNamespaceFilter},
      {"list filters by names", PEDIA_STORAGE_CAP_LIST, CheckNameFilter},
      {"list filters by fuzzy names, every substring must match", PEDIA_STORAGE_CAP_LIST | PEDIA_STORAGE_CAP_FUZZY_NAME,
       CheckFuzzyNameFilter},
      {"list filters by label = and !=, and != matches objects lacking the key", PEDIA_STORAGE_CAP_LIST,
       CheckLabelEquality},
      {"list filters by label in and notin, and notin matches objects lacking the key", PEDIA_STORAGE_CAP_LIST,
       CheckLabelSets},
      {"list filters by label existence and absence", PEDIA_STORAGE_CAP_LIST, CheckLabelExistence},
      {"list filters by label > and < as integers", PEDIA_STORAGE_CAP_LIST, CheckLabelNumeric},
      {"list filters by field paths with every operator", PEDIA_STORAGE_CAP_LIST | PEDIA_STORAGE_CAP_FIELD_SELECTOR,
       CheckFieldFilter},
      {"list filters by field paths through list elements ([] and [N])",
       PEDIA_STORAGE_CAP_LIST | PEDIA_STORAGE_CAP_FIELD_SELECTOR, CheckFieldListFilter},
      {"list filters by since (inclusive) and before (exclusive) creation time", PEDIA_STORAGE_CAP_LIST,
       CheckTimeFilter},
      {"list combines every filter with AND, labels applying together with namespaces",
       PEDIA_STORAGE_CAP_LIST | PEDIA_STORAGE_CAP_FIELD_SELECTOR | PEDIA_STORAGE_CAP_FUZZY_NAME, CheckCombinedFilters},
      {"list filters by owner uid within one cluster", PEDIA_STORAGE_CAP_LIST | PEDIA_STORAGE_CAP_OWNER, CheckOwnerUid},
      {"list filters by owner name, narrowed by group-resource and namespaces",
       PEDIA_STORAGE_CAP_LIST | PEDIA_STORAGE_CAP_OWNER, CheckOwnerName},
      {"list filters by owner seniority (grandchildren and deeper)", PEDIA_STORAGE_CAP_LIST | PEDIA_STORAGE_CAP_OWNER,
       CheckOwnerSeniority},
      {"the owner filter applies only with exactly one cluster", PEDIA_STORAGE_CAP_LIST | PEDIA_STORAGE_CAP_OWNER,
       CheckOwnerNeedsOneCluster},
      {"list orders by each field ascending and descending, resource_version as an integer",
       PEDIA_STORAGE_CAP_LIST | PEDIA_STORAGE_CAP_ORDER_BY, CheckOrderBy},
      {"limit and continue pages cover every object exactly once, in order", PEDIA_STORAGE_CAP_LIST, CheckPaging},
      {"continue tokens stay correct under concurrent writes", PEDIA_STORAGE_CAP_LIST, CheckPagingUnderWrites},
      {"a decimal offset is accepted as a continue token", PEDIA_STORAGE_CAP_LIST | PEDIA_STORAGE_CAP_ORDER_BY,
       CheckOffsetContinue},
      {"a malformed continue token is InvalidArgument naming it", PEDIA_STORAGE_CAP_LIST, CheckMalformedContinue},
      {"the remaining count counts the matching objects after the page",
       PEDIA_STORAGE_CAP_LIST | PEDIA_STORAGE_CAP_REMAINING_COUNT, CheckRemainingCount},
      {"only-metadata rows carry the metadata object", PEDIA_STORAGE_CAP_LIST | PEDIA_STORAGE_CAP_ONLY_METADATA,
       CheckOnlyMetadata},
      {"resource versions lists every object of one cluster", 0, CheckResourceVersions},
      {"clean cluster removes every object of that cluster only", PEDIA_STORAGE_CAP_LIST, CheckCleanCluster},
      {"clean resource removes one GVR of one cluster only", PEDIA_STORAGE_CAP_LIST, CheckCleanResource},
      {"cluster records can be put, replaced, listed and deleted", 0, CheckClusterRecords},
      {"watch from \"0\" sends ADDED for every object, then streams changes in order", kWatch,
       CheckWatchInitialThenStream},
      {"watch from a list's or an event's resourceVersion misses and repeats nothing", kWatch | PEDIA_STORAGE_CAP_LIST,
       CheckWatchFromListRv},
      {"watch from a resourceVersion older than the window is Expired", kWatch | PEDIA_STORAGE_CAP_LIST,
       CheckWatchExpired},
      {"watch filters events by cluster, namespace, name, label and GVR", kWatch, CheckWatchFilters},
      {"watch with a malformed resourceVersion is InvalidArgument", kWatch, CheckWatchMalformedRv},
      {"a watch whose observer returns false is closed with OK and gets no more events", kWatch,
       CheckWatchObserverEnds},
      {"stopping a watch while events flow is safe and final", kWatch, CheckWatchStopWhileWriting},
      {"cleaning a cluster sends DELETED events for its objects", kWatch | PEDIA_STORAGE_CAP_LIST,
       CheckWatchCleanCluster},
  };
}

}  // namespace

const std::vector<ConformanceCheck>& ConformanceChecks() {
  static const std::vector<ConformanceCheck> checks = BuildChecks();
  return checks;
}

std::vector<ConformanceResult> RunConformance(Storage& layer,
                                              const std::function<void(const ConformanceResult&)>& observer) {
  std::vector<ConformanceResult> results;
  for (const ConformanceCheck& check : ConformanceChecks()) {
    ConformanceResult result;
    result.name = check.name;
    if (!layer.Has(check.required_capabilities)) {
      result.skipped = true;
    } else {
      try {
        result.status = check.run(layer);
      } catch (const std::exception& e) {
        result.status = Status::Internal(std::string("check threw: ") + e.what());
      }
    }
    if (observer) observer(result);
    results.push_back(std::move(result));
  }
  return results;
}

}  // namespace pedia::storage
