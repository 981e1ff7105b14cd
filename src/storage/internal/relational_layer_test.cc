// Tests of the relational layer against a real MariaDB server, which
// tests/run starts (tests/lib/mariadb.sh) and describes in PEDIA_TEST_MYSQL_*.
#include "storage/internal/relational_layer.h"

#include <dlfcn.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "catch.h"
#include "storage/conformance.h"
#include "storage/registry.h"
#include "storage/storage.h"

namespace pedia::relational {
namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// The storage config for the test server, or a failed test saying how to run.
std::string TestServerConfig(const std::string& database) {
  std::string host = Env("PEDIA_TEST_MYSQL_HOST"), port = Env("PEDIA_TEST_MYSQL_PORT");
  if (host.empty() || port.empty()) {
    FAIL(
        "no MariaDB server for the [mariadb] tests: PEDIA_TEST_MYSQL_HOST/PORT/USER are unset.\n"
        "Run them through tests/run, which starts one; or start one with\n"
        "  eval \"$(tests/lib/mariadb.sh start /tmp/pedia-mdb)\"; export PEDIA_TEST_MYSQL_HOST PEDIA_TEST_MYSQL_PORT "
        "PEDIA_TEST_MYSQL_USER\n"
        "and stop it with tests/lib/mariadb.sh stop /tmp/pedia-mdb");
  }
  std::string user = Env("PEDIA_TEST_MYSQL_USER");
  return "type: mysql\nhost: " + host + "\nport: " + port + "\nuser: " + (user.empty() ? "root" : user) +
         "\ndatabase: " + database + "\n";
}

std::string WriteTempConfig(const std::string& text) {
  char path[] = "/tmp/pedia-storage-config-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  close(fd);
  std::ofstream(path) << text;
  return path;
}

// Opens the "internal" layer through the registry: the same path as pedia.
std::unique_ptr<storage::Storage> OpenInternal(const std::string& database) {
  static storage::Registry* registry = [] {
    auto* r = new storage::Registry();
    REQUIRE(storage::RegisterBuiltins(r).ok());
    return r;
  }();
  std::string path = WriteTempConfig(TestServerConfig(database));
  auto opened = registry->Open("internal", path);
  std::remove(path.c_str());
  INFO(opened.status().ToString());
  REQUIRE(opened.ok());
  return std::move(opened.value());
}

storage::ObjectRecord Pod(const std::string& ns, const std::string& name, int rv,
                          std::vector<std::pair<std::string, std::string>> labels = {}) {
  storage::ObjectRecord o;
  o.namespace_name = ns;
  o.name = name;
  o.uid = "uid-" + ns + "-" + name;
  o.resource_version = std::to_string(rv);
  o.creation_unix_ms = 1700000000000 + rv;
  o.labels = std::move(labels);
  o.json = R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":")" + name + R"(","namespace":")" + ns +
           R"(","resourceVersion":")" + o.resource_version + R"("},"spec":{"nodeName":"node-)" +
           std::to_string(rv % 3) + R"("}})";
  return o;
}

storage::ResourceKey PodsOf(const std::string& cluster) { return {cluster, {"", "v1", "pods"}, "Pod", true}; }

std::vector<std::string> Names(storage::Storage& s, storage::ListQuery q, storage::ListSummary* summary = nullptr) {
  std::vector<std::string> names;
  storage::ListSummary local;
  Status st = s.List(
      q,
      [&](const storage::Row& row) {
        names.emplace_back(row.name);
        return true;
      },
      summary ? summary : &local);
  INFO(st.ToString());
  REQUIRE(st.ok());
  return names;
}

TEST_CASE("internal layer: write, get, list with selectors, paging and cleanup", "[mariadb]") {
  auto layer = OpenInternal("pedia_test_smoke");
  REQUIRE(layer->name() == "internal");
  REQUIRE(layer->Ready().ok());
  REQUIRE(layer->CleanCluster("smoke").ok());
  std::vector<storage::Write> writes;
  for (int i = 0; i < 30; ++i) {
    writes.push_back(
        {storage::Write::kUpsert, Pod(i % 2 ? "odd" : "even", "pod-" + std::to_string(100 + i), i + 1,
                                      {{"app", i % 3 == 0 ? "web" : "db"}, {"tier", std::to_string(i % 5)}})});
  }
  size_t failed = 0;
  REQUIRE(layer->WriteBatch(PodsOf("smoke"), writes, &failed).ok());
  // Upserting again changes labels: the old ones must go.
  writes[0].object.labels = {{"app", "cache"}};
  writes[0].object.resource_version = "99";
  REQUIRE(layer->WriteBatch(PodsOf("smoke"), {writes[0]}, &failed).ok());

  std::string rv;
  REQUIRE(layer
              ->Get("smoke", {"", "v1", "pods"}, "even", "pod-100",
                    [&](const storage::Row& row) {
                      rv = std::string(row.resource_version);
                      return true;
                    })
              .ok());
  CHECK(rv == "99");
  CHECK(layer->Get("smoke", {"", "v1", "pods"}, "even", "nope", [](const storage::Row&) { return true; }).code() ==
        Status::kNotFound);

  storage::ListQuery q;
  q.gvr = {"", "v1", "pods"};
  q.clusters = {"smoke"};
  CHECK(Names(*layer, q).size() == 30);
  storage::Requirement app;
  app.key = "app";
  app.op = PEDIA_STORAGE_OP_EQUALS;
  app.values = {"web"};
  q.labels = {app};
  CHECK(Names(*layer, q).size() == 9);  // 10 with app=web, one relabelled
  {                                     // pages of 2 through the labels index, with a second label filter
    storage::Requirement tier;
    tier.key = "tier";
    tier.op = PEDIA_STORAGE_OP_NOT_IN;
    tier.values = {"0"};
    storage::ListQuery paged = q;
    paged.labels.push_back(tier);
    std::vector<std::string> all = Names(*layer, paged), pages;
    CHECK(all.size() == 8);  // app=web: i = 3, 6, ..., 27; tier notin (0) drops 15
    paged.limit = 2;
    paged.with_remaining_count = true;
    storage::ListSummary summary;
    do {
      auto page = Names(*layer, paged, &summary);
      pages.insert(pages.end(), page.begin(), page.end());
      if (!summary.continue_token.empty()) CHECK(summary.remaining_count == 8 - static_cast<int64_t>(pages.size()));
      paged.continue_token = summary.continue_token;
    } while (!paged.continue_token.empty());
    CHECK(pages == all);
  }
  q.labels[0].op = PEDIA_STORAGE_OP_NOT_EQUALS;
  CHECK(Names(*layer, q).size() == 21);
  q.labels.clear();
  storage::Requirement node;
  node.path = {"spec", "nodeName"};
  node.op = PEDIA_STORAGE_OP_EQUALS;
  node.values = {"node-0"};
  q.fields = {node};
  CHECK(Names(*layer, q).size() == 10);
  q.fields.clear();

  // Pages of 7 by name descending, with remaining counts.
  q.order_by = {{PEDIA_STORAGE_ORDER_NAME, true}};
  q.limit = 7;
  q.with_remaining_count = true;
  std::vector<std::string> all;
  storage::ListSummary summary;
  do {
    auto page = Names(*layer, q, &summary);
    all.insert(all.end(), page.begin(), page.end());
    if (!summary.continue_token.empty()) {
      CHECK(summary.has_remaining_count);
      CHECK(summary.remaining_count == 30 - static_cast<int64_t>(all.size()));
    }
    q.continue_token = summary.continue_token;
  } while (!q.continue_token.empty());
  REQUIRE(all.size() == 30);
  CHECK(all.front() == "pod-129");
  CHECK(all.back() == "pod-100");
  q.continue_token = "28";
  CHECK(Names(*layer, q) == std::vector<std::string>{"pod-101", "pod-100"});

  std::set<std::string> seen;
  REQUIRE(
      layer
          ->ResourceVersions("smoke", [&](const sdk::Gvr&, std::string_view ns, std::string_view name,
                                          std::string_view) { seen.insert(std::string(ns) + "/" + std::string(name)); })
          .ok());
  CHECK(seen.size() == 30);

  REQUIRE(layer->PutCluster("smoke", R"({"kind":"PediaCluster"})").ok());
  int clusters = 0;
  REQUIRE(layer->ListClusters([&](std::string_view name, std::string_view) { clusters += name == "smoke"; }).ok());
  CHECK(clusters == 1);
  REQUIRE(layer->DeleteCluster("smoke").ok());

  std::vector<storage::Write> deletes = {{storage::Write::kDelete, Pod("even", "pod-100", 0)}};
  REQUIRE(layer->WriteBatch(PodsOf("smoke"), deletes, &failed).ok());
  q = {};
  q.gvr = {"", "v1", "pods"};
  q.clusters = {"smoke"};
  CHECK(Names(*layer, q).size() == 29);
  REQUIRE(layer->CleanCluster("smoke").ok());
  CHECK(Names(*layer, q).empty());
}

TEST_CASE("internal layer: a bad object is reported by index", "[mariadb]") {
  auto layer = OpenInternal("pedia_test_smoke");
  std::vector<storage::Write> writes = {{storage::Write::kUpsert, Pod("ns", "good", 1)},
                                        {storage::Write::kUpsert, Pod("ns", std::string(300, 'x'), 2)}};
  size_t failed = 99;
  Status s = layer->WriteBatch(PodsOf("bad-index"), writes, &failed);
  CHECK(s.code() == Status::kInvalidArgument);
  CHECK(failed == 1);
}

}  // namespace
}  // namespace pedia::relational

namespace pedia::relational {
namespace {

// Runs a tests/lib/mariadb.sh command; returns its stdout.
std::string MariadbCtl(const std::string& args) {
  std::string script = Env("PEDIA_MARIADB_SH");
  if (script.empty()) FAIL("PEDIA_MARIADB_SH is unset: run this test through meson (tests/run), which sets it");
  std::string out;
  FILE* p = popen((script + " " + args).c_str(), "r");
  REQUIRE(p);
  char buf[512];
  while (fgets(buf, sizeof buf, p)) out += buf;
  REQUIRE(pclose(p) == 0);
  return out;
}

TEST_CASE("a server killed and restarted mid-writes loses no acknowledged write", "[mariadb-restart]") {
  char dir_template[] = "/tmp/pedia-mdb-restart-XXXXXX";
  REQUIRE(mkdtemp(dir_template));
  const std::string dir = dir_template;
  std::string env = MariadbCtl("start " + dir);
  size_t at = env.find("PEDIA_TEST_MYSQL_PORT=");
  REQUIRE(at != std::string::npos);
  std::string port = env.substr(at + 22, env.find('\n', at) - at - 22);

  std::unique_ptr<RelationalLayer> layer;
  std::string config = "type: mysql\nhost: 127.0.0.1\nport: " + port + "\nuser: root\ndatabase: restart\n";
  sdk::Status opened = RelationalLayer::OpenWithEnv(
      config, "restart.yaml", [](const char*) { return std::nullopt; }, &layer);
  INFO(opened.message);
  REQUIRE(opened.ok());

  constexpr int kBatches = 60, kPerBatch = 20;
  std::atomic<int> acknowledged{0};
  std::atomic<int> unavailable{0};
  std::string unexpected;
  std::thread writer([&] {
    for (int b = 0; b < kBatches; ++b) {
      std::vector<storage::ObjectRecord> pods;
      for (int i = 0; i < kPerBatch; ++i)
        pods.push_back(Pod("ns", "pod-" + std::to_string(b * kPerBatch + i), b + 1, {{"batch", std::to_string(b)}}));
      std::vector<sdk::Write> writes(kPerBatch);
      for (int i = 0; i < kPerBatch; ++i) {
        writes[i].object.namespace_name = pods[i].namespace_name;
        writes[i].object.name = pods[i].name;
        writes[i].object.uid = pods[i].uid;
        writes[i].object.resource_version = pods[i].resource_version;
        writes[i].object.creation_unix_ms = pods[i].creation_unix_ms;
        writes[i].object.labels = {{pods[i].labels[0].first, pods[i].labels[0].second}};
        writes[i].object.object = pods[i].json;
      }
      for (int attempt = 0;; ++attempt) {
        size_t failed = 0;
        sdk::Status s = layer->WriteBatch({"restart", {"", "v1", "pods"}, "Pod", true}, writes, &failed);
        if (s.ok()) break;
        if (s.code != PEDIA_STORAGE_UNAVAILABLE || attempt > 400) {
          unexpected = s.message;
          return;
        }
        ++unavailable;  // the synchro's behaviour: retry the whole batch
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
      }
      ++acknowledged;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  while (acknowledged < 10 && unexpected.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  MariadbCtl("kill " + dir);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  MariadbCtl("start " + dir);
  writer.join();
  INFO(unexpected);
  CHECK(unexpected.empty());
  CHECK(acknowledged == kBatches);
  CHECK(unavailable > 0);  // the outage was reported, not hidden

  // Every acknowledged write is there, labels included.
  int64_t count = 0;
  sdk::Query q;
  q.gvr = {"", "v1", "pods"};
  q.clusters = {"restart"};
  pedia_storage_row_sink sink{};
  sink.ctx = &count;
  sink.row = [](void* ctx, const pedia_storage_row*) {
    ++*static_cast<int64_t*>(ctx);
    return 0;
  };
  REQUIRE(layer->List(q, sdk::RowSink(&sink)).ok());
  CHECK(count == kBatches * kPerBatch);
  sdk::Requirement last_batch;
  last_batch.key = "batch";
  last_batch.op = PEDIA_STORAGE_OP_EQUALS;
  last_batch.values = {"59"};
  q.labels = {last_batch};
  count = 0;
  REQUIRE(layer->List(q, sdk::RowSink(&sink)).ok());
  CHECK(count == kPerBatch);
  layer.reset();
  MariadbCtl("stop " + dir);
  std::system(("rm -rf " + dir).c_str());
}

}  // namespace
}  // namespace pedia::relational

namespace pedia::relational {
namespace {

TEST_CASE("sample-storage-layer.so loads from $STORAGE_PLUGINS and serves the seed's example config",
          "[mariadb-plugin]") {
  std::string dir = Env("PEDIA_SAMPLE_PLUGIN_DIR"), source = Env("PEDIA_SAMPLE_PLUGIN_SOURCE");
  if (dir.empty() || source.empty())
    FAIL("PEDIA_SAMPLE_PLUGIN_DIR/SOURCE are unset: run this test through meson (tests/run)");
  TestServerConfig("unused");  // fails with instructions when there is no server
  // The seed's config names user root with password dangerous0; give the test
  // server such a user and point the config at it through the environment.
  std::string port = Env("PEDIA_TEST_MYSQL_PORT");
  std::string sql =
      "CREATE USER IF NOT EXISTS 'seed'@'127.0.0.1' IDENTIFIED BY 'dangerous0'; "
      "GRANT ALL ON *.* TO 'seed'@'127.0.0.1'";
  REQUIRE(std::system(("mariadb --no-defaults -h127.0.0.1 -P" + port + " -uroot -e \"" + sql + "\"").c_str()) == 0);
  setenv("DB_USER", "seed", 1);
  setenv("DB_PORT", port.c_str(), 1);
  setenv("DB_DATABASE", "pedia_test_seed", 1);

  // Loaded as the plugin loader does (dlopen RTLD_NOW|RTLD_LOCAL, one entry
  // symbol); the loader itself is tested with the plugin applets.
  void* handle = dlopen((dir + "/sample-storage-layer.so").c_str(), RTLD_NOW | RTLD_LOCAL);
  INFO((handle ? "" : dlerror()));
  REQUIRE(handle);
  auto entry = reinterpret_cast<pedia_storage_plugin_entry_fn>(dlsym(handle, PEDIA_STORAGE_ENTRY_SYMBOL));
  REQUIRE(entry);
  storage::Registry registry;
  REQUIRE(storage::RegisterBuiltins(&registry).ok());
  REQUIRE(registry.Register(entry(storage::HostApi()), dir + "/sample-storage-layer.so").ok());
  const storage::RegisteredLayer* layer = registry.Find("sample-storage-layer");
  REQUIRE(layer);
  CHECK(layer->table->capabilities == RelationalLayer::kCapabilities);
  auto opened = registry.Open("sample-storage-layer", source + "/example-config.yaml");
  unsetenv("DB_USER");
  unsetenv("DB_PORT");
  unsetenv("DB_DATABASE");
  INFO(opened.status().ToString());
  REQUIRE(opened.ok());
  storage::Storage& s = **opened;
  REQUIRE(s.CleanCluster("seed").ok());
  size_t failed = 0;
  REQUIRE(
      s.WriteBatch(PodsOf("seed"), {{storage::Write::kUpsert, Pod("default", "nginx", 7, {{"app", "nginx"}})}}, &failed)
          .ok());
  storage::ListQuery q;
  q.gvr = {"", "v1", "pods"};
  q.clusters = {"seed"};
  CHECK(Names(s, q) == std::vector<std::string>{"nginx"});
  REQUIRE(s.CleanCluster("seed").ok());
}

}  // namespace
}  // namespace pedia::relational

namespace pedia::relational {
namespace {

TEST_CASE("the internal layer passes every conformance check it has the capabilities for", "[mariadb]") {
  auto layer = OpenInternal("pedia_test_conformance");
  for (const storage::ConformanceCheck& check : storage::ConformanceChecks()) {
    DYNAMIC_SECTION(check.name) {
      if (!layer->Has(check.required_capabilities)) {
        // Only watch is missing, by design (clusterpedia-spec §2.3).
        CHECK((check.required_capabilities & PEDIA_STORAGE_CAP_WATCH) != 0);
      } else {
        Status status = check.run(*layer);
        INFO(status.ToString());
        CHECK(status.ok());
      }
    }
  }
}

TEST_CASE("the conformance checks run in sequence on the internal layer", "[mariadb]") {
  auto layer = OpenInternal("pedia_test_conformance");
  int failed = 0, ran = 0;
  storage::RunConformance(*layer, [&](const storage::ConformanceResult& r) {
    if (r.skipped) return;
    ++ran;
    if (!r.status.ok()) {
      ++failed;
      UNSCOPED_INFO(r.name << ": " << r.status.ToString());
    }
  });
  CHECK(ran >= 30);
  CHECK(failed == 0);
}

}  // namespace
}  // namespace pedia::relational

namespace pedia::relational {
namespace {

TEST_CASE("a refused login names the server and user, never the password", "[mariadb]") {
  std::string config = TestServerConfig("pedia_test_login") + "password: Wr0ng-Secret-Value\n";
  std::unique_ptr<RelationalLayer> layer;
  sdk::Status s = RelationalLayer::OpenWithEnv(
      config, "login.yaml", [](const char*) { return std::nullopt; }, &layer);
  CHECK_FALSE(s.ok());
  CHECK(s.message.find("could not connect to mysql://root@") != std::string::npos);
  CHECK(s.message.find("Wr0ng-Secret-Value") == std::string::npos);
}

TEST_CASE("an unreachable server is UNAVAILABLE", "[mariadb]") {
  std::unique_ptr<RelationalLayer> layer;
  // Port 1 on loopback: nothing listens there, the connect is refused at once.
  sdk::Status s = RelationalLayer::OpenWithEnv(
      "type: mysql\nhost: 127.0.0.1\nport: 1\ndatabase: x\n", "down.yaml", [](const char*) { return std::nullopt; },
      &layer);
  CHECK(s.code == PEDIA_STORAGE_UNAVAILABLE);
}

}  // namespace
}  // namespace pedia::relational

namespace pedia::relational {
namespace {

TEST_CASE("keyset pages stay correct while objects are added and deleted between pages", "[mariadb]") {
  auto layer = OpenInternal("pedia_test_paging");
  REQUIRE(layer->CleanCluster("paging").ok());
  std::vector<storage::Write> writes;
  for (int i = 0; i < 40; ++i)
    writes.push_back({storage::Write::kUpsert, Pod("ns", "p" + std::to_string(100 + i), i + 1)});
  size_t failed = 0;
  REQUIRE(layer->WriteBatch(PodsOf("paging"), writes, &failed).ok());

  storage::ListQuery q;
  q.gvr = {"", "v1", "pods"};
  q.clusters = {"paging"};
  q.limit = 7;
  std::vector<std::string> seen;
  storage::ListSummary summary;
  int page_number = 0;
  do {
    auto page = Names(*layer, q, &summary);
    seen.insert(seen.end(), page.begin(), page.end());
    // Between pages: delete a row already read and one not yet read, add one
    // before the position and one after it.
    std::string n = std::to_string(page_number++);
    std::vector<storage::Write> churn = {{storage::Write::kDelete, Pod("ns", page.front(), 0)},
                                         {storage::Write::kUpsert, Pod("ns", "p000-" + n, 500)},
                                         {storage::Write::kUpsert, Pod("ns", "p999-" + n, 501)}};
    REQUIRE(layer->WriteBatch(PodsOf("paging"), churn, &failed).ok());
    q.continue_token = summary.continue_token;
  } while (!q.continue_token.empty());
  // No duplicates; every original object that was never deleted is seen; the
  // pages are in order.
  std::set<std::string> unique(seen.begin(), seen.end());
  CHECK(unique.size() == seen.size());
  CHECK(std::is_sorted(seen.begin(), seen.end()));
  // Deleted rows had been read already, so every original object is seen.
  for (int i = 0; i < 40; ++i) CHECK(unique.count("p" + std::to_string(100 + i)) == 1);
  // Rows added behind the position are not; rows added ahead of it are,
  // except the one added after the last page.
  for (int n = 0; n < page_number; ++n) {
    CHECK(unique.count("p000-" + std::to_string(n)) == 0);
    CHECK(unique.count("p999-" + std::to_string(n)) == (n < page_number - 1 ? 1u : 0u));
  }
  REQUIRE(layer->CleanCluster("paging").ok());
}

TEST_CASE("the layer serves concurrent writers and readers from its pool", "[mariadb]") {
  auto layer = OpenInternal("pedia_test_concurrency");
  for (int t = 0; t < 4; ++t) REQUIRE(layer->CleanCluster("conc-" + std::to_string(t)).ok());
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::string cluster = "conc-" + std::to_string(t);
      for (int b = 0; b < 10; ++b) {
        std::vector<storage::Write> writes;
        for (int i = 0; i < 20; ++i)
          writes.push_back(
              {storage::Write::kUpsert, Pod("ns", "p-" + std::to_string(b * 20 + i), i + 1, {{"t", "x"}})});
        size_t failed = 0;
        if (!layer->WriteBatch(PodsOf(cluster), writes, &failed).ok()) ++errors;
        storage::ListQuery q;
        q.gvr = {"", "v1", "pods"};
        q.clusters = {cluster};
        int rows = 0;
        storage::ListSummary summary;
        if (!layer
                 ->List(
                     q, [&](const storage::Row&) { return ++rows, true; }, &summary)
                 .ok() ||
            rows != (b + 1) * 20)
          ++errors;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(errors == 0);
  for (int t = 0; t < 4; ++t) REQUIRE(layer->CleanCluster("conc-" + std::to_string(t)).ok());
}

}  // namespace
}  // namespace pedia::relational

namespace pedia::relational {
namespace {

sdk::Status OpenQuietly(const std::string& config, std::unique_ptr<RelationalLayer>* layer) {
  return RelationalLayer::OpenWithEnv(
      config, "tls.yaml", [](const char*) { return std::nullopt; }, layer);
}

TEST_CASE("sslMode require never falls back to plain TCP", "[mariadb]") {
  // The shared test server has no TLS.
  std::unique_ptr<RelationalLayer> layer;
  sdk::Status s = OpenQuietly(TestServerConfig("pedia_test_tls") + "sslMode: require\n", &layer);
  CHECK_FALSE(s.ok());
  CHECK(s.code != PEDIA_STORAGE_UNAVAILABLE);  // a configuration problem: retrying cannot help
}

TEST_CASE("TLS: verify-full checks the server against sslRootCertFile", "[mariadb-tls]") {
  char dir_template[] = "/tmp/pedia-mdb-tls-XXXXXX";
  REQUIRE(mkdtemp(dir_template));
  const std::string dir = dir_template;
  // A CA, a server certificate for 127.0.0.1 signed by it, and an unrelated CA.
  std::string gen =
      "cd " + dir +
      " && openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj /CN=pedia-test-ca"
      " && openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other.crt -days 2 -subj /CN=other-ca"
      " && openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=127.0.0.1"
      " && printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > ext.cnf"
      " && openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 2"
      " -extfile ext.cnf >/dev/null 2>&1";
  REQUIRE(std::system(("(" + gen + ") >/dev/null 2>&1").c_str()) == 0);
  std::string env = MariadbCtl("start " + dir + "/db --ssl-cert=" + dir + "/server.crt --ssl-key=" + dir +
                               "/server.key --ssl-ca=" + dir + "/ca.crt");
  size_t at = env.find("PEDIA_TEST_MYSQL_PORT=");
  REQUIRE(at != std::string::npos);
  std::string port = env.substr(at + 22, env.find('\n', at) - at - 22);
  // A user that may only connect over TLS proves the connection is encrypted.
  REQUIRE(std::system(("mariadb --no-defaults -S " + dir +
                       "/db/mysqld.sock -uroot -e \"CREATE USER 'tls'@'127.0.0.1' REQUIRE SSL; "
                       "GRANT ALL ON *.* TO 'tls'@'127.0.0.1'\"")
                          .c_str()) == 0);
  const std::string base = "type: mysql\nhost: 127.0.0.1\nport: " + port + "\nuser: tls\ndatabase: tls\n";
  std::unique_ptr<RelationalLayer> layer;

  sdk::Status s = OpenQuietly(base + "sslMode: verify-full\nsslRootCertFile: " + dir + "/ca.crt\n", &layer);
  INFO(s.message);
  CHECK(s.ok());
  if (layer) CHECK(layer->Ready().ok());
  layer.reset();

  s = OpenQuietly(base + "sslMode: verify-full\nsslRootCertFile: " + dir + "/other.crt\n", &layer);
  CHECK_FALSE(s.ok());  // signed by a CA we do not trust

  s = OpenQuietly(base + "sslMode: require\n", &layer);  // encrypted, unverified
  CHECK(s.ok());
  layer.reset();

  s = OpenQuietly(base + "sslMode: disable\n", &layer);
  CHECK_FALSE(s.ok());  // the server refuses this user without TLS

  MariadbCtl("stop " + dir + "/db");
  std::system(("rm -rf " + dir).c_str());
}

}  // namespace
}  // namespace pedia::relational

namespace pedia::relational {
namespace {

TEST_CASE("ready answers within a second even when every connection is busy", "[mariadb]") {
  std::unique_ptr<RelationalLayer> layer;
  std::string config = TestServerConfig("pedia_test_ready") + "connPool:\n  maxIdleConns: 1\n  maxOpenConns: 1\n";
  REQUIRE(OpenQuietly(config, &layer).ok());
  REQUIRE(layer->Ready().ok());
  size_t failed = 0;
  std::vector<sdk::Write> writes(3);
  for (int i = 0; i < 3; ++i) {
    writes[i].object.name = i == 0 ? "a" : i == 1 ? "b" : "c";
    writes[i].object.object = "{}";
  }
  REQUIRE(layer->WriteBatch({"ready", {"", "v1", "configmaps"}, "ConfigMap", true}, writes, &failed).ok());

  // A list whose consumer is slow holds the only connection.
  std::atomic<bool> holding{false}, release{false};
  std::thread slow([&] {
    sdk::Query q;
    q.gvr = {"", "v1", "configmaps"};
    q.clusters = {"ready"};
    struct Ctx {
      std::atomic<bool>* holding;
      std::atomic<bool>* release;
    } ctx{&holding, &release};
    pedia_storage_row_sink sink{};
    sink.ctx = &ctx;
    sink.row = [](void* c, const pedia_storage_row*) {
      auto* x = static_cast<Ctx*>(c);
      *x->holding = true;
      while (!*x->release) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      return 1;
    };
    layer->List(q, sdk::RowSink(&sink));
  });
  while (!holding) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  auto start = std::chrono::steady_clock::now();
  sdk::Status s = layer->Ready();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  release = true;
  slow.join();
  CHECK(s.code == PEDIA_STORAGE_UNAVAILABLE);
  CHECK(seconds < 5.0);  // bounded (0.9 s by design), not waiting for the slow list
  CHECK(layer->Ready().ok());
  REQUIRE(layer->CleanCluster("ready").ok());
}

}  // namespace
}  // namespace pedia::relational

namespace pedia::relational {
namespace {

void Sql(const std::string& sql) {
  std::string cmd = "mariadb --no-defaults -h" + Env("PEDIA_TEST_MYSQL_HOST") + " -P" + Env("PEDIA_TEST_MYSQL_PORT") +
                    " -uroot -e \"" + sql + "\"";
  REQUIRE(std::system(cmd.c_str()) == 0);
}

TEST_CASE("the schema is refused when it is Clusterpedia's or newer than this build", "[mariadb]") {
  std::string config = TestServerConfig("pedia_test_schema");
  std::unique_ptr<RelationalLayer> layer;
  Sql("DROP DATABASE IF EXISTS pedia_test_schema; CREATE DATABASE pedia_test_schema; "
      "CREATE TABLE pedia_test_schema.resources (id BIGINT PRIMARY KEY, object JSON)");
  sdk::Status s = OpenQuietly(config, &layer);
  CHECK_FALSE(s.ok());
  CHECK(s.message.find("resources table that pedia did not create") != std::string::npos);
  CHECK(s.message.find("HINT:") != std::string::npos);

  Sql("DROP DATABASE pedia_test_schema");
  REQUIRE(OpenQuietly(config, &layer).ok());  // created and migrated from nothing
  layer.reset();
  REQUIRE(OpenQuietly(config, &layer).ok());  // and opened again as it is
  layer.reset();
  Sql("UPDATE pedia_test_schema.schema_version SET version = 99");
  s = OpenQuietly(config, &layer);
  CHECK(s.message.find("newer than this pedia's") != std::string::npos);
  Sql("DROP DATABASE pedia_test_schema");
}

}  // namespace
}  // namespace pedia::relational
