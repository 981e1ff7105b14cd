// End-to-end tests of the synchro: a fake member cluster over HTTP, the
// manifest source, and the built-in memory storage behind a wrapper that can
// fail writes and counts them.
#include "base/base64.h"
#include "sync/synchro_manager.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "catch.h"
#include "kube/connection_config.h"
#include "storage/memory/memory_storage.h"
#include "sync/fake_member_for_test.h"
#include "sync/kubesim_for_test.h"

namespace pedia::sync {
namespace {

using namespace std::chrono_literals;

// Counts and optionally fails write_batch calls of the memory layer.
std::atomic<bool> g_fail_writes{false};
std::string g_reject_name;  // writes of this object name fail with INVALID_ARGUMENT
std::mutex g_reject_mu;
std::atomic<int64_t> g_upserts{0}, g_deletes{0};
pedia_storage_plugin g_table;

uint32_t CountingWriteBatch(pedia_storage_instance* instance, const pedia_storage_resource* resource,
                            const pedia_storage_write* writes, size_t count, size_t* failed_index,
                            pedia_storage_error* err) {
  if (g_fail_writes) {
    std::snprintf(err->message, sizeof err->message, "test: storage is down");
    return PEDIA_STORAGE_UNAVAILABLE;
  }
  {
    std::lock_guard<std::mutex> l(g_reject_mu);
    for (size_t i = 0; i < count && !g_reject_name.empty(); ++i) {
      if (std::string_view(writes[i].object.name.data, writes[i].object.name.len) == g_reject_name) {
        *failed_index = i;
        std::snprintf(err->message, sizeof err->message, "test: object rejected");
        return PEDIA_STORAGE_INVALID_ARGUMENT;
      }
    }
  }
  uint32_t rc =
      storage::memory::MemoryStorageTable()->write_batch(instance, resource, writes, count, failed_index, err);
  if (rc == PEDIA_STORAGE_OK) {
    for (size_t i = 0; i < count; ++i) (writes[i].op == PEDIA_STORAGE_WRITE_DELETE ? g_deletes : g_upserts)++;
  }
  return rc;
}

std::unique_ptr<storage::Storage> OpenTestStorage() {
  g_table = *storage::memory::MemoryStorageTable();
  g_table.write_batch = &CountingWriteBatch;
  pedia_storage_instance* instance = nullptr;
  pedia_storage_error err{};
  REQUIRE(g_table.open({nullptr, 0}, {nullptr, 0}, &instance, &err) == PEDIA_STORAGE_OK);
  return std::make_unique<storage::Storage>(&g_table, instance, "test");
}

std::string ClusterManifest(const std::string& name, const std::string& url, const std::string& token,
                            const std::string& extra_groups = "") {
  return "apiVersion: cluster.clusterpedia.io/v1alpha2\nkind: PediaCluster\nmetadata: {name: " + name +
         "}\nspec:\n  apiserver: " + url + "\n  tokenData: " + pedia::Base64Encode(token) +
         "\n  syncResources:\n  - {group: \"\", resources: [pods]}\n" + extra_groups + "---\n";
}

std::map<std::string, std::string> Stored(storage::Storage* st, const std::string& cluster,
                                          const storage::Gvr& gvr = {"", "v1", "pods"}) {
  storage::ListQuery q;
  q.gvr = gvr;
  q.clusters = {cluster};
  std::map<std::string, std::string> out;
  storage::ListSummary summary;
  Status s = st->List(
      q,
      [&](const storage::Row& row) {
        std::string key = row.namespace_name.empty() ? std::string(row.name)
                                                     : std::string(row.namespace_name) + "/" + std::string(row.name);
        out[key] = std::string(row.resource_version);
        return true;
      },
      &summary);
  REQUIRE(s.ok());
  return out;
}

nlohmann::json Record(storage::Storage* st, const std::string& cluster) {
  nlohmann::json out;
  st->ListClusters([&](std::string_view name, std::string_view json) {
    if (name == cluster) out = nlohmann::json::parse(json);
  });
  return out;
}

std::string Condition(const nlohmann::json& record, const std::string& type, const char* field = "reason") {
  if (!record.is_object() || !record.contains("status") || !record["status"].contains("conditions")) return "";
  for (const auto& c : record["status"]["conditions"]) {
    if (c.value("type", "") == type) return c.value(field, "");
  }
  return "";
}

template <class F>
bool WaitFor(F f, std::chrono::milliseconds timeout = 15s) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (f()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return f();
}

struct Fixture {
  std::string dir = "/tmp/pedia-sync-e2e-" + std::to_string(::getpid());
  std::string config = dir + "/clusters.yaml";
  std::unique_ptr<storage::Storage> storage = OpenTestStorage();
  std::unique_ptr<SynchroManager> manager;
  Fixture() { std::filesystem::create_directories(dir); }
  ~Fixture() {
    if (manager) manager->Stop();
    std::filesystem::remove_all(dir);
  }
  void WriteConfig(const std::string& text) {
    std::ofstream(config + ".tmp") << text;
    std::filesystem::rename(config + ".tmp", config);
  }
  void StartManager() {
    SynchroOptions o;
    o.cluster_config = config;
    o.page_size = 37;
    o.worker_number = 2;
    auto m = SynchroManager::Create(o, storage.get());
    REQUIRE(m.ok());
    manager = std::move(m.value());
    REQUIRE(manager->Start().ok());
  }
};

TEST_CASE("synchro e2e: initial sync, changes, dropped watch, 410, restart, removal", "[sync]") {
  testing::FakeMember member("good-token");
  for (int i = 0; i < 150; ++i) {
    member.Upsert("pods", "ns" + std::to_string(i % 3), "p" + std::to_string(i),
                  i == 0 ? R"(,"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{}"})" : "");
  }
  Fixture f;
  f.WriteConfig(ClusterManifest("c1", member.url(), "good-token"));
  f.StartManager();

  auto in_sync = [&] { return Stored(f.storage.get(), "c1") == member.Snapshot("pods"); };
  REQUIRE(WaitFor(in_sync));
  CHECK(Stored(f.storage.get(), "c1").size() == 150);

  // Stored objects are normalized: apiVersion/kind added, pruned, annotated.
  std::string stored_json;
  f.storage->Get("c1", {"", "v1", "pods"}, "ns0", "p0", [&](const storage::Row& row) {
    stored_json = std::string(row.object);
    return true;
  });
  auto obj = nlohmann::json::parse(stored_json);
  CHECK(obj["apiVersion"] == "v1");
  CHECK(obj["kind"] == "Pod");
  CHECK_FALSE(obj["metadata"].contains("managedFields"));
  CHECK(obj["metadata"]["annotations"] == nlohmann::json({{"shadow.clusterpedia.io/cluster-name", "c1"}}));

  // Status record: the contract with the apiserver.
  REQUIRE(WaitFor([&] { return Condition(Record(f.storage.get(), "c1"), "Ready", "status") == "True"; }));
  auto record = Record(f.storage.get(), "c1");
  CHECK(record["kind"] == "PediaCluster");
  CHECK(record["status"]["version"] == "v1.28.0-fake");
  CHECK_FALSE(record["spec"].contains("tokenData"));
  CHECK(record.dump().find(pedia::Base64Encode("good-token")) == std::string::npos);
  auto pods = record["status"]["syncResources"][0]["resources"][0];
  CHECK(pods["name"] == "pods");
  CHECK(pods["kind"] == "Pod");
  CHECK(pods["shortNames"] == nlohmann::json({"po"}));
  CHECK(pods["syncConditions"][0]["status"] == "Syncing");

  SECTION("creates, updates and deletes propagate") {
    member.Upsert("pods", "ns1", "new");
    member.Upsert("pods", "ns1", "p1");
    member.Delete("pods", "ns2", "p2");
    REQUIRE(WaitFor(in_sync));
  }
  SECTION("a dropped watch resumes without a relist") {
    int lists = member.list_requests();
    member.DropWatches();
    member.Upsert("pods", "ns1", "after-drop");
    member.Delete("pods", "ns0", "p3");
    REQUIRE(WaitFor(in_sync));
    std::this_thread::sleep_for(200ms);
    CHECK(member.list_requests() == lists);
  }
  SECTION("410 Gone relists and converges") {
    member.DropWatches();
    member.Upsert("pods", "ns1", "before-compact");
    member.Delete("pods", "ns0", "p6");
    member.Compact();
    member.Upsert("pods", "ns1", "after-compact");
    REQUIRE(WaitFor(in_sync));
  }
  SECTION("a storage outage loses nothing") {
    g_fail_writes = true;
    for (int i = 0; i < 20; ++i) member.Upsert("pods", "ns1", "during-outage-" + std::to_string(i));
    member.Delete("pods", "ns0", "p9");
    REQUIRE(WaitFor([&] {
      auto r = Record(f.storage.get(), "c1");
      return r.is_object() &&
             r["status"]["syncResources"][0]["resources"][0]["syncConditions"][0]["reason"] == "StorageExpection";
    }));
    std::this_thread::sleep_for(300ms);
    g_fail_writes = false;
    REQUIRE(WaitFor(in_sync, 40s));
  }
  SECTION("a restart writes only what changed") {
    f.manager->Stop();
    f.manager.reset();
    member.Upsert("pods", "ns1", "p4");
    member.Upsert("pods", "ns1", "while-down");
    member.Delete("pods", "ns2", "p5");
    int64_t upserts = g_upserts, deletes = g_deletes;
    f.StartManager();
    REQUIRE(WaitFor(in_sync));
    std::this_thread::sleep_for(300ms);
    CHECK(g_upserts - upserts == 2);
    CHECK(g_deletes - deletes == 1);
  }
  SECTION("a write storage rejects is dropped, counted and shown; the rest is written") {
    {
      std::lock_guard<std::mutex> l(g_reject_mu);
      g_reject_name = "rejected";
    }
    member.Upsert("pods", "ns1", "rejected");
    member.Upsert("pods", "ns1", "accepted");
    REQUIRE(WaitFor([&] { return Stored(f.storage.get(), "c1").count("ns1/accepted") == 1; }));
    REQUIRE(WaitFor([&] {
      auto r = Record(f.storage.get(), "c1");
      std::string m = r["status"]["syncResources"][0]["resources"][0]["syncConditions"][0]["message"];
      return m.find("1 object(s) dropped") != std::string::npos && m.find("test: object rejected") != std::string::npos;
    }));
    CHECK(Stored(f.storage.get(), "c1").count("ns1/rejected") == 0);
    std::lock_guard<std::mutex> l(g_reject_mu);
    g_reject_name.clear();
  }
  SECTION("removing a resource from syncResources cleans it") {
    member.AddWidgetCrd();
    member.Upsert("widgets", "ns1", "w1");
    std::string only_widgets = ClusterManifest("c1", member.url(), "good-token");
    const std::string pods_entry = "- {group: \"\", resources: [pods]}";
    only_widgets.replace(only_widgets.find(pods_entry), pods_entry.size(), "- {group: ex.io, resources: [widgets]}");
    f.WriteConfig(only_widgets);
    REQUIRE(WaitFor([&] {
      return Stored(f.storage.get(), "c1").empty() &&
             Stored(f.storage.get(), "c1", {"ex.io", "v1", "widgets"}).size() == 1;
    }));
  }
  SECTION("removing the cluster cleans its objects and record") {
    f.WriteConfig("");
    REQUIRE(WaitFor([&] { return Stored(f.storage.get(), "c1").empty() && Record(f.storage.get(), "c1").is_null(); }));
  }
  SECTION("a CRD created at run time is synced") {
    f.WriteConfig(ClusterManifest("c1", member.url(), "good-token", "  - {group: ex.io, resources: [widgets]}\n"));
    member.AddWidgetCrd();
    member.Upsert("widgets", "ns1", "w1");
    storage::Gvr widgets{"ex.io", "v1", "widgets"};
    REQUIRE(WaitFor([&] { return Stored(f.storage.get(), "c1", widgets) == member.Snapshot("widgets"); }));
    CHECK(Stored(f.storage.get(), "c1", widgets).size() == 1);
    REQUIRE(WaitFor([&] {
      auto r = Record(f.storage.get(), "c1");
      for (const auto& g : r["status"]["syncResources"]) {
        if (g["group"] == "ex.io") return g["resources"][0].contains("additionalPrinterColumns");
      }
      return false;
    }));
  }
  SECTION("bad credentials: the right condition while others keep syncing") {
    f.WriteConfig(ClusterManifest("c1", member.url(), "good-token") +
                  ClusterManifest("bad", member.url(), "wrong-token"));
    REQUIRE(WaitFor([&] { return Condition(Record(f.storage.get(), "bad"), "SynchroRunning") == "InitialFailed"; }));
    auto bad = Record(f.storage.get(), "bad");
    CHECK(Condition(bad, "Ready", "status") == "False");
    CHECK(Condition(bad, "SynchroRunning", "message").find("401") != std::string::npos);
    CHECK(bad.dump().find("wrong-token") == std::string::npos);
    member.Upsert("pods", "ns1", "still-syncing");
    REQUIRE(WaitFor(in_sync));
  }
}

TEST_CASE("synchro e2e: storage down during the initial list loses nothing", "[sync]") {
  testing::FakeMember member("t");
  for (int i = 0; i < 120; ++i) member.Upsert("pods", "ns", "p" + std::to_string(i));
  Fixture f;
  f.WriteConfig(ClusterManifest("c1", member.url(), "t"));
  g_fail_writes = true;
  f.StartManager();
  REQUIRE(WaitFor([&] {
    auto r = Record(f.storage.get(), "c1");
    return r.is_object() && r["status"]["syncResources"].size() == 1 &&
           r["status"]["syncResources"][0]["resources"][0]["syncConditions"][0]["reason"] == "StorageExpection";
  }));
  member.Upsert("pods", "ns", "during-outage");
  member.Delete("pods", "ns", "p7");
  std::this_thread::sleep_for(300ms);
  CHECK(Stored(f.storage.get(), "c1").empty());
  g_fail_writes = false;
  REQUIRE(WaitFor([&] { return Stored(f.storage.get(), "c1") == member.Snapshot("pods"); }, 40s));
}

TEST_CASE("synchro manager validates its options", "[sync]") {
  auto st = OpenTestStorage();
  SynchroOptions o;
  CHECK(SynchroManager::Create(o, st.get()).status().code() == Status::kInvalidArgument);
  o.cluster_config = "/x";
  o.worker_number = 0;
  CHECK(SynchroManager::Create(o, st.get()).status().message().find("--worker-number") != std::string::npos);
  o.worker_number = 1;
  o.host_kubeconfig = "/y";
  CHECK(SynchroManager::Create(o, st.get()).status().message().find("mutually exclusive") != std::string::npos);
  o.cluster_config = "/nonexistent/path";
  o.host_kubeconfig.clear();
  auto m = SynchroManager::Create(o, st.get());
  REQUIRE(m.ok());
  CHECK(m.value()->Start().IsNotFound());
}

}  // namespace
}  // namespace pedia::sync

// ---- Against tests/kubesim (run by the meson test "sync-kubesim") ----

namespace pedia::sync {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

constexpr const char* kSyncPodsAndDeployments =
    "  syncResources:\n  - {group: \"\", resources: [pods]}\n  - {group: apps, resources: [deployments]}\n";

std::string PodBody(const std::string& name) {
  return R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":")" + name +
         R"(","namespace":"ns-00","labels":{"e2e":"yes"}},"spec":{"containers":[{"name":"c","image":"busybox"}]}})";
}

TEST_CASE("synchro e2e against kubesim", "[.][sync-kubesim]") {
  auto started = testing::Kubesim::Start(2, 300, "sim-token");
  REQUIRE(started.ok());
  auto& ks = *started.value();
  const std::string c0 = ks.clusters()[0].name, c1 = ks.clusters()[1].name;
  Fixture f;
  std::string manifests = "apiVersion: cluster.clusterpedia.io/v1alpha2\nkind: PediaCluster\nmetadata: {name: " + c0 +
                          "}\nspec:\n  kubeconfig: " + pedia::Base64Encode(ReadFile(ks.clusters()[0].kubeconfig_path)) + "\n" +
                          kSyncPodsAndDeployments + "---\n" +
                          "apiVersion: cluster.clusterpedia.io/v1alpha2\nkind: PediaCluster\nmetadata: {name: " + c1 +
                          "}\nspec:\n  apiserver: " + ks.clusters()[1].url + "\n  tokenData: " + pedia::Base64Encode("sim-token") +
                          "\n  caData: " + pedia::Base64Encode(ReadFile(ks.ca_file())) + "\n" + kSyncPodsAndDeployments + "---\n";
  f.WriteConfig(manifests);
  f.StartManager();

  const storage::Gvr pods{"", "v1", "pods"}, deployments{"apps", "v1", "deployments"};
  auto in_sync = [&](const std::string& c) {
    return Stored(f.storage.get(), c, pods) == ks.Snapshot(c, "/api/v1/pods") &&
           Stored(f.storage.get(), c, deployments) == ks.Snapshot(c, "/apis/apps/v1/deployments");
  };
  REQUIRE(WaitFor([&] { return in_sync(c0) && in_sync(c1); }, 30s));
  CHECK(Stored(f.storage.get(), c0, pods).size() >= 300);
  REQUIRE(WaitFor([&] { return Condition(Record(f.storage.get(), c1), "Ready", "status") == "True"; }));
  CHECK(Record(f.storage.get(), c1)["status"]["apiserver"] == ks.clusters()[1].url);

  SECTION("creates, updates and deletes propagate") {
    REQUIRE(ks.Request(c0, "POST", "/api/v1/namespaces/ns-00/pods", PodBody("e2e-new")).ok());
    REQUIRE(
        ks.Request(c0, "PATCH", "/api/v1/namespaces/ns-00/pods/e2e-new", R"({"metadata":{"labels":{"v":"2"}}})").ok());
    auto victim = Stored(f.storage.get(), c1, pods).begin()->first;
    auto slash = victim.find('/');
    REQUIRE(
        ks.Request(c1, "DELETE", "/api/v1/namespaces/" + victim.substr(0, slash) + "/pods/" + victim.substr(slash + 1))
            .ok());
    REQUIRE(WaitFor([&] { return in_sync(c0) && in_sync(c1); }));
    CHECK(Stored(f.storage.get(), c0, pods).count("ns-00/e2e-new"));
  }
  SECTION("dropped watches and a forced 410 are survived") {
    REQUIRE(ks.Control(c0, "drop-watches").ok());
    REQUIRE(ks.Request(c0, "POST", "/api/v1/namespaces/ns-00/pods", PodBody("after-drop")).ok());
    REQUIRE(WaitFor([&] { return in_sync(c0); }));
    REQUIRE(ks.Control(c0, "compact").ok());
    REQUIRE(ks.Control(c0, "drop-watches").ok());
    REQUIRE(ks.Request(c0, "POST", "/api/v1/namespaces/ns-00/pods", PodBody("after-compact")).ok());
    REQUIRE(WaitFor([&] { return in_sync(c0); }));
  }
  SECTION("a member going down and up is survived") {
    REQUIRE(ks.Control(c1, "down").ok());
    REQUIRE(
        WaitFor([&] { return Condition(Record(f.storage.get(), c1), "ClusterHealthy", "status") == "False"; }, 20s));
    CHECK(Condition(Record(f.storage.get(), c1), "ClusterHealthy") == "NotReachable");
    REQUIRE(ks.Control(c1, "up").ok());
    REQUIRE(ks.Request(c1, "POST", "/api/v1/namespaces/ns-00/pods", PodBody("after-up")).ok());
    REQUIRE(WaitFor([&] { return Condition(Record(f.storage.get(), c1), "ClusterHealthy", "status") == "True"; }, 20s));
    REQUIRE(WaitFor([&] { return in_sync(c1); }));
    CHECK(in_sync(c0));
  }
  SECTION("a CRD created at run time is synced") {
    f.WriteConfig(manifests +
                  "apiVersion: cluster.clusterpedia.io/v1alpha2\nkind: ClusterSyncResources\n"
                  "metadata: {name: extra}\nspec:\n  syncResources:\n  - {group: ex.io, resources: [widgets]}\n");
    // Reference the ClusterSyncResources from c0 only.
    std::string with_ref = manifests;
    with_ref.replace(with_ref.find("spec:\n"), 6, "spec:\n  syncResourcesRefName: extra\n");
    f.WriteConfig(with_ref +
                  "apiVersion: cluster.clusterpedia.io/v1alpha2\nkind: ClusterSyncResources\n"
                  "metadata: {name: extra}\nspec:\n  syncResources:\n  - {group: ex.io, resources: [widgets]}\n");
    std::string crd = R"({"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
      "metadata":{"name":"widgets.ex.io"},"spec":{"group":"ex.io","scope":"Namespaced",
      "names":{"plural":"widgets","singular":"widget","kind":"Widget","listKind":"WidgetList"},
      "versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object","x-kubernetes-preserve-unknown-fields":true}},
      "additionalPrinterColumns":[{"name":"Size","type":"integer","jsonPath":".spec.size"}]}]}})";
    auto created = ks.Request(c0, "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
    REQUIRE(created.ok());
    REQUIRE(WaitFor([&] { return ks.Request(c0, "GET", "/apis/ex.io/v1/widgets").ok(); }));
    REQUIRE(
        ks.Request(
              c0, "POST", "/apis/ex.io/v1/namespaces/ns-00/widgets",
              R"({"apiVersion":"ex.io/v1","kind":"Widget","metadata":{"name":"w1","namespace":"ns-00"},"spec":{"size":3}})")
            .ok());
    storage::Gvr widgets{"ex.io", "v1", "widgets"};
    REQUIRE(WaitFor([&] { return Stored(f.storage.get(), c0, widgets).size() == 1; }, 20s));
    CHECK(Stored(f.storage.get(), c1, widgets).empty());
  }
  SECTION("bad credentials get the right condition while the others keep syncing") {
    f.WriteConfig(manifests +
                  "apiVersion: cluster.clusterpedia.io/v1alpha2\nkind: PediaCluster\nmetadata: {name: bad}\n"
                  "spec:\n  apiserver: " +
                  ks.clusters()[1].url + "\n  tokenData: " + pedia::Base64Encode("wrong") +
                  "\n  caData: " + pedia::Base64Encode(ReadFile(ks.ca_file())) + "\n" + kSyncPodsAndDeployments);
    REQUIRE(WaitFor([&] { return Condition(Record(f.storage.get(), "bad"), "SynchroRunning") == "InitialFailed"; }));
    CHECK(Condition(Record(f.storage.get(), "bad"), "SynchroRunning", "message").find("401") != std::string::npos);
    REQUIRE(ks.Request(c1, "POST", "/api/v1/namespaces/ns-00/pods", PodBody("while-bad")).ok());
    REQUIRE(WaitFor([&] { return in_sync(c1); }));
  }
}

}  // namespace
}  // namespace pedia::sync

// ---- Host-cluster mode against kubesim --host-mode ----

namespace pedia::sync {
namespace {

TEST_CASE("synchro e2e: host-cluster mode with finalizer, status subresource and lease", "[.][sync-kubesim]") {
  auto started = testing::Kubesim::Start(2, 50, "sim-token", {"--host-mode"});
  REQUIRE(started.ok());
  auto& ks = *started.value();
  const std::string host = ks.clusters()[0].name, member = ks.clusters()[1].name;
  const std::string api = "/apis/cluster.clusterpedia.io/v1alpha2/pediaclusters";
  nlohmann::json pc = {{"apiVersion", "cluster.clusterpedia.io/v1alpha2"},
                       {"kind", "PediaCluster"},
                       {"metadata", {{"name", "m1"}}},
                       {"spec",
                        {{"apiserver", ks.clusters()[1].url},
                         {"tokenData", pedia::Base64Encode("sim-token")},
                         {"caData", pedia::Base64Encode(ReadFile(ks.ca_file()))},
                         {"syncResources", {{{"group", ""}, {"resources", {"pods"}}}}}}}};
  auto created = ks.Request(host, "POST", api, pc.dump());
  REQUIRE(created.ok());

  auto storage = OpenTestStorage();
  SynchroOptions o;
  o.host_kubeconfig = ks.clusters()[0].kubeconfig_path;
  o.leader_elect_namespace = "default";
  o.leader_elect_retry_period = 200ms;
  auto manager = SynchroManager::Create(o, storage.get());
  REQUIRE(manager.ok());
  REQUIRE(manager.value()->Start().ok());

  const storage::Gvr pods{"", "v1", "pods"};
  REQUIRE(WaitFor([&] { return Stored(storage.get(), "m1", pods) == ks.Snapshot(member, "/api/v1/pods"); }, 30s));
  REQUIRE(WaitFor([&] { return manager.value()->Ready().ok(); }));

  auto host_object = [&] {
    auto r = ks.Request(host, "GET", api + "/m1");
    return r.ok() ? nlohmann::json::parse(r->body) : nlohmann::json();
  };
  REQUIRE(WaitFor([&] {
    auto obj = host_object();
    return obj.is_object() && obj["metadata"].contains("finalizers") && Condition(obj, "Ready", "status") == "True";
  }));
  auto obj = host_object();
  CHECK(obj["metadata"]["finalizers"] == nlohmann::json({"clusterpedia.io/cluster-synchro-controller"}));
  CHECK(obj["status"]["version"].is_string());
  auto lease = ks.Request(host, "GET", "/apis/coordination.k8s.io/v1/namespaces/default/leases/" + o.leader_elect_name);
  REQUIRE(lease.ok());
  CHECK(nlohmann::json::parse(lease->body)["spec"]["holderIdentity"].get<std::string>().size() > 0);

  // Deleting the PediaCluster cleans its data, then the finalizer goes.
  REQUIRE(ks.Request(host, "DELETE", api + "/m1").ok());
  REQUIRE(WaitFor(
      [&] {
        return Stored(storage.get(), "m1", pods).empty() && Record(storage.get(), "m1").is_null() &&
               ks.Request(host, "GET", api + "/m1").status().IsNotFound();
      },
      20s));
  manager.value()->Stop();
}

}  // namespace
}  // namespace pedia::sync
