// Memory-layer specifics that the conformance suite leaves open: the
// configuration, which index a query uses, the default order, watch
// filter transitions and the exact watch resourceVersion rules.
#include "storage/memory/memory_layer.h"

#include <pedia/storage_abi.h>

#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "catch.h"
#include "storage/memory/continue_token.h"
#include "storage/memory/memory_storage.h"

namespace pedia::storage::memory {
namespace {

std::unique_ptr<MemoryLayer> Open(const std::string& config = "") {
  std::unique_ptr<MemoryLayer> layer;
  sdk::Status s = MemoryLayer::Open(config, "memory.yaml", &layer);
  INFO(s.message);
  REQUIRE(s.ok());
  return layer;
}

sdk::Status OpenError(const std::string& config) {
  std::unique_ptr<MemoryLayer> layer;
  return MemoryLayer::Open(config, "memory.yaml", &layer);
}

const sdk::Gvr kPods{"", "v1", "pods"};

struct Pod {
  Pod() = default;
  Pod(std::string n, std::string nm, std::string o = "", std::string r = "1",
      std::vector<std::pair<std::string, std::string>> l = {})
      : ns(std::move(n)), name(std::move(nm)), owner(std::move(o)), rv(std::move(r)), labels(std::move(l)) {}
  std::string ns, name, owner, rv = "1";
  std::vector<std::pair<std::string, std::string>> labels;
  std::string json, uid;
};

// Writes pods to cluster (the sdk structs borrow from pods).
void Write(MemoryLayer& layer, const std::string& cluster, std::vector<Pod> pods, bool remove = false) {
  std::vector<sdk::Write> writes;
  for (Pod& p : pods) {
    if (p.json.empty()) p.json = R"({"metadata":{"name":")" + p.name + R"("},"spec":{}})";
    p.uid = "uid-" + p.name;
    sdk::Write w;
    w.op = remove ? PEDIA_STORAGE_WRITE_DELETE : PEDIA_STORAGE_WRITE_UPSERT;
    w.object.namespace_name = p.ns;
    w.object.name = p.name;
    w.object.uid = p.uid;
    w.object.owner_uid = p.owner;
    w.object.resource_version = p.rv;
    for (const auto& [k, v] : p.labels) w.object.labels.emplace_back(k, v);
    w.object.object = p.json;
    writes.push_back(w);
  }
  size_t failed = 0;
  sdk::Status s = layer.WriteBatch({cluster, kPods, "Pod", true}, writes, &failed);
  INFO(s.message);
  REQUIRE(s.ok());
}

struct Listed {
  std::vector<std::string> ids;  // cluster/ns/name
  std::vector<std::string> rvs;
  std::string continue_token, resource_version;
  MemoryLayer::QueryPlan plan;
  sdk::Status status;
};

Listed List(MemoryLayer& layer, const sdk::Query& q) {
  Listed out;
  pedia_storage_row_sink c{&out,
                           [](void* ctx, const pedia_storage_row* r) {
                             auto* o = static_cast<Listed*>(ctx);
                             o->ids.push_back(std::string(sdk::View(r->cluster)) + "/" +
                                              std::string(sdk::View(r->namespace_name)) + "/" +
                                              std::string(sdk::View(r->name)));
                             o->rvs.emplace_back(sdk::View(r->resource_version));
                             return 0;
                           },
                           [](void* ctx, const pedia_storage_list_summary* s) {
                             auto* o = static_cast<Listed*>(ctx);
                             o->continue_token = std::string(sdk::View(s->continue_token));
                             o->resource_version = std::string(sdk::View(s->resource_version));
                           }};
  sdk::RowSink sink(&c);
  out.status = layer.ListWithPlan(q, sink, &out.plan);
  return out;
}

sdk::Query PodQuery() {
  sdk::Query q;
  q.gvr = kPods;
  return q;
}

sdk::Requirement LabelEq(std::string_view key, std::string_view value) {
  sdk::Requirement r;
  r.key = key;
  r.op = PEDIA_STORAGE_OP_EQUALS;
  r.values = {value};
  return r;
}

// 1000 pods: label app=a<i%100> (1%), namespace ns<i%10> (10%), owner o<i%50>.
std::unique_ptr<MemoryLayer> Seeded() {
  auto layer = Open();
  std::vector<Pod> pods;
  for (int i = 0; i < 1000; ++i) {
    Pod p;
    p.ns = "ns" + std::to_string(i % 10);
    p.name = "pod-" + std::to_string(i);
    p.owner = "o" + std::to_string(i % 50);
    p.labels = {{"app", "a" + std::to_string(i % 100)}, {"all", "yes"}};
    pods.push_back(p);
  }
  Write(*layer, "c1", pods);
  return layer;
}

TEST_CASE("memory config: defaults, watchWindow and rejected keys", "[memory]") {
  CHECK(Open("")->watch_window() == 10000);
  CHECK(Open("# nothing\n")->watch_window() == 10000);
  CHECK(Open("watchWindow: 42\n")->watch_window() == 42);

  sdk::Status s = OpenError("watchWindow: 10\nwatchWindw: 5\n");
  CHECK(s.code == PEDIA_STORAGE_INVALID_ARGUMENT);
  CHECK_THAT(s.message, Catch::Contains("unknown key \"watchWindw\"") && Catch::Contains("memory.yaml:2:1"));

  s = OpenError("watchWindow: 0\n");
  CHECK(s.code == PEDIA_STORAGE_INVALID_ARGUMENT);
  CHECK_THAT(s.message, Catch::Contains("invalid watchWindow") && Catch::Contains("memory.yaml:1:14"));
  CHECK(OpenError("watchWindow: lots\n").code == PEDIA_STORAGE_INVALID_ARGUMENT);
  CHECK(OpenError("- a\n- b\n").code == PEDIA_STORAGE_INVALID_ARGUMENT);
  s = OpenError("watchWindow: [1\n");
  CHECK(s.code == PEDIA_STORAGE_INVALID_ARGUMENT);
  CHECK_THAT(s.message, Catch::Contains("memory.yaml:"));
}

TEST_CASE("memory table registers every capability it implements", "[memory]") {
  const pedia_storage_plugin* t = MemoryStorageTable();
  CHECK(std::string(t->name) == "memory");
  for (uint64_t cap :
       {PEDIA_STORAGE_CAP_GET, PEDIA_STORAGE_CAP_LIST, PEDIA_STORAGE_CAP_WATCH, PEDIA_STORAGE_CAP_FIELD_SELECTOR,
        PEDIA_STORAGE_CAP_OWNER, PEDIA_STORAGE_CAP_FUZZY_NAME, PEDIA_STORAGE_CAP_ORDER_BY,
        PEDIA_STORAGE_CAP_REMAINING_COUNT, PEDIA_STORAGE_CAP_ONLY_METADATA, PEDIA_STORAGE_CAP_IN_PROCESS_ONLY})
    CHECK((t->capabilities & cap) == cap);
  CHECK((t->capabilities & PEDIA_STORAGE_CAP_PERSISTENT) == 0);
  CHECK(t->watch != nullptr);
  CHECK(t->watch_stop != nullptr);
}

TEST_CASE("memory list picks the smallest index", "[memory]") {
  auto layer = Seeded();
  SECTION("no filter walks the name groups in order, with no sort") {
    Listed l = List(*layer, PodQuery());
    CHECK(l.plan.index == "ordered");
    CHECK(l.ids.size() == 1000);
  }
  SECTION("an order other than the default scans and sorts") {
    sdk::Query q = PodQuery();
    q.order_by = {{PEDIA_STORAGE_ORDER_NAME, true}};
    Listed l = List(*layer, q);
    CHECK(l.plan.index == "scan");
    CHECK(l.ids.size() == 1000);
  }
  SECTION("a 1% label uses its posting") {
    sdk::Query q = PodQuery();
    q.labels = {LabelEq("app", "a7")};
    Listed l = List(*layer, q);
    CHECK(l.plan.index == "label");
    CHECK(l.plan.candidates == 10);
    CHECK(l.ids.size() == 10);
  }
  SECTION("the label wins over a larger namespace posting") {
    sdk::Query q = PodQuery();
    q.namespaces = {"ns7"};
    q.labels = {LabelEq("all", "yes"), LabelEq("app", "a7")};
    Listed l = List(*layer, q);
    CHECK(l.plan.index == "label");
    CHECK(l.plan.candidates == 10);
    CHECK(l.ids.size() == 10);
  }
  SECTION("a namespace walks only its groups") {
    sdk::Query q = PodQuery();
    q.namespaces = {"ns3", "ns4"};
    Listed l = List(*layer, q);
    CHECK(l.plan.index == "ordered");
    CHECK(l.plan.candidates == 200);
  }
  SECTION("a namespace in another order uses its groups as candidates") {
    sdk::Query q = PodQuery();
    q.namespaces = {"ns3", "ns4"};
    q.order_by = {{PEDIA_STORAGE_ORDER_CREATED_AT, false}};
    Listed l = List(*layer, q);
    CHECK(l.plan.index == "namespace");
    CHECK(l.plan.candidates == 200);
  }
  SECTION("a dense label with a limit stops after limit matches") {
    sdk::Query q = PodQuery();
    q.labels = {LabelEq("all", "yes")};
    q.limit = 10;
    Listed l = List(*layer, q);
    CHECK(l.plan.index == "ordered");
    CHECK(l.plan.candidates == 11);  // ten rows and the one that proves there are more
    CHECK(l.ids.size() == 10);
    CHECK_FALSE(l.continue_token.empty());
  }
  SECTION("a sparse label with a limit still uses its posting") {
    sdk::Query q = PodQuery();
    q.labels = {LabelEq("app", "a7")};
    q.limit = 5;
    Listed l = List(*layer, q);
    CHECK(l.plan.index == "label");
    CHECK(l.ids.size() == 5);
  }
  SECTION("an owner uid uses the owner posting") {
    sdk::Query q = PodQuery();
    q.clusters = {"c1"};
    q.owner_uid = "o3";
    Listed l = List(*layer, q);
    CHECK(l.plan.index == "owner");
    CHECK(l.plan.candidates == 20);
    CHECK(l.ids.size() == 20);
  }
  SECTION("exact names with namespaces look keys up") {
    sdk::Query q = PodQuery();
    q.namespaces = {"ns5"};
    q.names = {"pod-5", "pod-15"};
    Listed l = List(*layer, q);
    CHECK(l.plan.index == "name");
    CHECK(l.ids == std::vector<std::string>{"c1/ns5/pod-15", "c1/ns5/pod-5"});
  }
  SECTION("negative label operators cannot use postings") {
    sdk::Query q = PodQuery();
    sdk::Requirement r = LabelEq("app", "a1");
    r.op = PEDIA_STORAGE_OP_NOT_EQUALS;
    q.labels = {r};
    Listed l = List(*layer, q);
    CHECK(l.plan.index == "ordered");
    CHECK(l.ids.size() == 990);
  }
  SECTION("a label value never stored matches nothing without scanning") {
    sdk::Query q = PodQuery();
    q.labels = {LabelEq("app", "never")};
    Listed l = List(*layer, q);
    CHECK(l.plan.candidates == 0);
    CHECK(l.ids.empty());
  }
}

TEST_CASE("memory sparse label reads only the records of the groups that fill the page", "[memory]") {
  // 20 namespaces of 50 pods; every tenth pod is labelled, 5 per namespace.
  auto layer = Open();
  std::vector<Pod> pods;
  for (int ns = 0; ns < 20; ++ns)
    for (int i = 0; i < 50; ++i) {
      char name[16];
      std::snprintf(name, sizeof name, "p%02d", i);
      Pod p{"ns" + std::to_string(100 + ns), name};
      if (i % 10 == 0) p.labels = {{"sparse", "yes"}};
      pods.push_back(p);
    }
  Write(*layer, "c1", pods);
  sdk::Query q = PodQuery();
  q.labels = {LabelEq("sparse", "yes")};
  q.limit = 20;
  Listed l = List(*layer, q);
  CHECK(l.plan.index == "label");
  CHECK(l.plan.candidates == 100);
  // Four namespaces fill the page, a fifth proves there are more.
  CHECK(l.plan.read == 25);
  REQUIRE(l.ids.size() == 20);
  CHECK(l.ids.front() == "c1/ns100/p00");
  CHECK(l.ids.back() == "c1/ns103/p40");
  REQUIRE_FALSE(l.continue_token.empty());
  std::string token = l.continue_token;
  q.continue_token = token;
  Listed next = List(*layer, q);
  CHECK(next.ids.front() == "c1/ns104/p00");
  // Groups before the continue position are skipped unread; the position's
  // own group (ns103) is read to find the names after it.
  CHECK(next.plan.read == 30);
}

TEST_CASE("memory postings stay small under churn", "[memory]") {
  auto layer = Open();
  for (int round = 0; round < 20; ++round) {
    std::vector<Pod> pods;
    for (int i = 0; i < 100; ++i) pods.push_back({"ns", "p" + std::to_string(i), "", "1", {{"app", "x"}}});
    Write(*layer, "c1", pods);
    pods.resize(95);
    Write(*layer, "c1", pods, /*remove=*/true);
  }
  sdk::Query q = PodQuery();
  q.labels = {LabelEq("app", "x")};
  Listed l = List(*layer, q);
  CHECK(l.ids.size() == 5);
  CHECK(l.plan.candidates <= 40);
  CHECK(layer->object_count() == 5);
}

TEST_CASE("memory default order is cluster, namespace, name", "[memory]") {
  auto layer = Open();
  Write(*layer, "b", {{"x", "2"}, {"a", "9"}});
  Write(*layer, "a", {{"z", "1"}, {"z", "0"}, {"", "node"}});
  Listed l = List(*layer, PodQuery());
  CHECK(l.ids == std::vector<std::string>{"a//node", "a/z/0", "a/z/1", "b/a/9", "b/x/2"});
}

// Objects written in random name order (so groups take both the in-place
// insert and the unsorted tail), with deletes, relabels and a cleaned
// cluster: every list and every paged walk must match a plain sorted model.
TEST_CASE("memory ordered walk matches a sorted model under random writes", "[memory]") {
  using Key = std::tuple<std::string, std::string, std::string>;
  std::map<Key, std::string> model;  // key -> value of label "parity"
  auto layer = Open();
  std::mt19937 rng(7);
  auto write = [&](const std::string& cluster, const std::string& ns, const std::string& name, bool remove) {
    std::string parity = rng() % 4 == 0 ? "rare" : (rng() % 2 ? "odd" : "even");
    Write(*layer, cluster, {{ns, name, "", "1", {{"parity", parity}}}}, remove);
    if (remove)
      model.erase({cluster, ns, name});
    else
      model[{cluster, ns, name}] = parity;
  };
  // One group far past NameGroup::kDirectInsert, in random order.
  for (int i = 0; i < 3000; ++i) write("c1", "big", "p" + std::to_string(rng() % 100000), false);
  for (int i = 0; i < 1500; ++i) {
    std::string cluster = "c" + std::to_string(rng() % 3);
    std::string ns = "ns" + std::to_string(rng() % 4);
    write(cluster, ns, "q" + std::to_string(rng() % 400), rng() % 5 == 0);
  }
  // Deletes and relabels inside the big group, some from its tail.
  std::vector<Key> keys;
  for (const auto& [k, v] : model)
    if (std::get<1>(k) == "big") keys.push_back(k);
  for (int i = 0; i < 400; ++i) {
    const Key& k = keys[rng() % keys.size()];
    write(std::get<0>(k), std::get<1>(k), std::get<2>(k), rng() % 2 == 0);
  }
  REQUIRE(layer->CleanResource("c2", kPods).ok());
  for (auto it = model.begin(); it != model.end();) it = std::get<0>(it->first) == "c2" ? model.erase(it) : ++it;
  for (int i = 0; i < 200; ++i) write("c1", "big", "r" + std::to_string(rng() % 1000), false);

  for (std::string parity : {"", "odd", "rare"}) {
    std::vector<std::string> want;
    for (const auto& [k, v] : model)
      if (parity.empty() || v == parity)
        want.push_back(std::get<0>(k) + "/" + std::get<1>(k) + "/" + std::get<2>(k));
    sdk::Query q = PodQuery();
    if (!parity.empty()) q.labels = {LabelEq("parity", parity)};
    INFO("parity=" << parity);
    CHECK(List(*layer, q).ids == want);
    for (int64_t limit : {1, 37, 500}) {
      INFO("limit=" << limit);
      q.limit = limit;
      std::string token;  // q borrows it
      q.continue_token = token;
      std::vector<std::string> got;
      for (int page = 0; page < 10000; ++page) {
        Listed l = List(*layer, q);
        REQUIRE(l.status.ok());
        CHECK(l.ids.size() <= static_cast<size_t>(limit));
        got.insert(got.end(), l.ids.begin(), l.ids.end());
        if (l.continue_token.empty()) break;
        token = l.continue_token;
        q.continue_token = token;
      }
      CHECK(got == want);
    }
  }
  CHECK(layer->object_count() == model.size());
}

TEST_CASE("memory ordered walk counts the remainder when asked", "[memory]") {
  auto layer = Seeded();
  sdk::Query q = PodQuery();
  q.labels = {LabelEq("all", "yes")};
  q.limit = 100;
  q.flags = PEDIA_STORAGE_QUERY_REMAINING_COUNT;
  int64_t remaining = -1;
  pedia_storage_row_sink c{&remaining, [](void*, const pedia_storage_row*) { return 0; },
                           [](void* ctx, const pedia_storage_list_summary* s) {
                             if (s->has_remaining_count) *static_cast<int64_t*>(ctx) = s->remaining_count;
                           }};
  MemoryLayer::QueryPlan plan;
  REQUIRE(layer->ListWithPlan(q, sdk::RowSink(&c), &plan).ok());
  CHECK(plan.index == "ordered");
  CHECK(remaining == 900);
}

TEST_CASE("memory continue tokens are tied to the order", "[memory]") {
  auto layer = Seeded();
  sdk::Query q = PodQuery();
  q.limit = 10;
  Listed first = List(*layer, q);
  REQUIRE(!first.continue_token.empty());
  q.continue_token = first.continue_token;
  q.order_by = {{PEDIA_STORAGE_ORDER_NAME, true}};
  Listed other = List(*layer, q);
  CHECK(other.status.code == PEDIA_STORAGE_INVALID_ARGUMENT);
  CHECK_THAT(other.status.message, Catch::Contains("different order"));

  ContinuePosition pos;
  std::string why;
  CHECK(DecodeContinueToken("12", &pos, &why));
  CHECK(pos.kind == ContinuePosition::kOffset);
  CHECK(pos.offset == 12);
  CHECK_FALSE(DecodeContinueToken("m!!", &pos, &why));
  CHECK_FALSE(DecodeContinueToken("mAAAA", &pos, &why));
  SortKey key{"c", "ns", "n", "42", -5};
  CHECK(DecodeContinueToken(EncodeContinueToken("2d", key), &pos, &why));
  CHECK(pos.kind == ContinuePosition::kAfterKey);
  CHECK(pos.order == "2d");
  CHECK(pos.key.name == "n");
  CHECK(pos.key.creation_unix_ms == -5);
  CHECK(pos.key.resource_version == "42");
}

TEST_CASE("memory list rows carry member resourceVersions, the summary the watch sequence", "[memory]") {
  auto layer = Open();
  Write(*layer, "c1", {{"ns", "a", "", "777"}, {"ns", "b", "", "778"}});
  Listed l = List(*layer, PodQuery());
  CHECK(l.rvs == std::vector<std::string>{"777", "778"});
  CHECK(l.resource_version == "2");  // two writes so far
}

// A watch sink that records "TYPE name rv".
struct Events {
  std::vector<std::string> got;
  int closed = 0;
  pedia_storage_watch_sink Sink() {
    return {this,
            [](void* ctx, uint32_t type, const pedia_storage_row* r) {
              static const char* names[] = {"ADDED", "MODIFIED", "DELETED", "BOOKMARK"};
              static_cast<Events*>(ctx)->got.push_back(std::string(names[type]) + " " +
                                                       std::string(sdk::View(r->name)) + " " +
                                                       std::string(sdk::View(r->resource_version)));
              return 0;
            },
            [](void* ctx, uint32_t, const char*) { static_cast<Events*>(ctx)->closed++; }};
  }
};

TEST_CASE("memory watch turns label changes into ADDED and DELETED for a filtered watch", "[memory]") {
  auto layer = Open();
  Events events;
  sdk::Query q = PodQuery();
  q.labels = {LabelEq("app", "web")};
  pedia_storage_watch_handle* handle = nullptr;
  REQUIRE(layer->Watch(q, "0", sdk::WatchSink(events.Sink()), &handle).ok());
  Write(*layer, "c1", {{"ns", "p", "", "1", {{"app", "db"}}}});   // seq 1: not matching
  Write(*layer, "c1", {{"ns", "p", "", "2", {{"app", "web"}}}});  // seq 2: starts matching
  Write(*layer, "c1", {{"ns", "p", "", "3", {{"app", "web"}}}});  // seq 3: still matching
  Write(*layer, "c1", {{"ns", "p", "", "4", {{"app", "db"}}}});   // seq 4: stops matching
  CHECK(events.got == std::vector<std::string>{"ADDED p 2", "MODIFIED p 3", "DELETED p 4"});
  layer->WatchStop(handle);
  CHECK(events.closed == 1);
}

TEST_CASE("memory watch resourceVersion rules", "[memory]") {
  auto layer = Open("watchWindow: 3\n");
  for (int i = 0; i < 5; ++i) Write(*layer, "c1", {{"ns", "p" + std::to_string(i)}});  // seq 1..5
  Events events;
  pedia_storage_watch_handle* handle = nullptr;
  sdk::Status s = layer->Watch(PodQuery(), "1", sdk::WatchSink(events.Sink()), &handle);
  CHECK(s.code == PEDIA_STORAGE_EXPIRED);
  CHECK(s.message == "too old resource version: 1 (2)");
  s = layer->Watch(PodQuery(), "2", sdk::WatchSink(events.Sink()), &handle);
  REQUIRE(s.ok());
  CHECK(events.got == std::vector<std::string>{"ADDED p2 3", "ADDED p3 4", "ADDED p4 5"});
  layer->WatchStop(handle);
  CHECK(layer->Watch(PodQuery(), "99", sdk::WatchSink(events.Sink()), &handle).code == PEDIA_STORAGE_EXPIRED);
  CHECK(layer->Watch(PodQuery(), "-1", sdk::WatchSink(events.Sink()), &handle).code == PEDIA_STORAGE_INVALID_ARGUMENT);
  CHECK(layer->Watch(PodQuery(), "abc", sdk::WatchSink(events.Sink()), &handle).code == PEDIA_STORAGE_INVALID_ARGUMENT);
}

TEST_CASE("memory layer closes watches that are still open when it is destroyed", "[memory]") {
  Events events;
  {
    auto layer = Open();
    pedia_storage_watch_handle* handle = nullptr;
    REQUIRE(layer->Watch(PodQuery(), "0", sdk::WatchSink(events.Sink()), &handle).ok());
  }
  CHECK(events.closed == 1);
}

TEST_CASE("memory writes are validated before anything is applied", "[memory]") {
  auto layer = Open();
  std::vector<sdk::Write> writes(2);
  writes[0].object.name = "ok";
  writes[0].object.object = "{}";
  writes[1].object.name = "no-json";
  size_t failed = 0;
  sdk::Status s = layer->WriteBatch({"c1", kPods, "Pod", true}, writes, &failed);
  CHECK(s.code == PEDIA_STORAGE_INVALID_ARGUMENT);
  CHECK(failed == 1);
  CHECK(layer->object_count() == 0);
  CHECK(layer->WriteBatch({"", kPods, "Pod", true}, {}, &failed).code == PEDIA_STORAGE_INVALID_ARGUMENT);
}

}  // namespace
}  // namespace pedia::storage::memory
