#include "server/api_server.h"

#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>

#include "base/build_info.h"
#include "catch.h"
#include "storage/registry.h"

namespace pedia::server {
namespace {

// Captures one response, whole or streamed.
class CapturingStream : public http::ResponseStream {
 public:
  explicit CapturingStream(std::function<void()> on_end) : on_end_(std::move(on_end)) {}
  bool Write(std::string chunk) override {
    std::lock_guard<std::mutex> l(mu);
    if (closed) return false;
    body += chunk;
    cv.notify_all();
    return true;
  }
  void Close() override {
    std::function<void()> cb;
    {
      std::lock_guard<std::mutex> l(mu);
      if (closed) return;
      closed = true;
      cb = on_closed_;
    }
    cv.notify_all();
    if (cb) cb();
    on_end_();
  }
  bool IsClosed() const override {
    std::lock_guard<std::mutex> l(mu);
    return closed;
  }
  size_t PendingBytes() const override { return 0; }
  bool WaitWritable(size_t) override { return !IsClosed(); }
  void OnClosed(std::function<void()> cb) override {
    bool run = false;
    {
      std::lock_guard<std::mutex> l(mu);
      if (closed)
        run = true;
      else
        on_closed_ = cb;
    }
    if (run) cb();
  }
  std::string Body() {
    std::lock_guard<std::mutex> l(mu);
    return body;
  }
  bool WaitFor(const std::string& needle) {
    std::unique_lock<std::mutex> l(mu);
    return cv.wait_for(l, std::chrono::seconds(5), [&] { return body.find(needle) != std::string::npos; });
  }

  mutable std::mutex mu;
  std::condition_variable cv;
  std::string body;
  bool closed = false;

 private:
  std::function<void()> on_closed_;
  std::function<void()> on_end_;
};

class CapturingResponder : public http::Responder, public std::enable_shared_from_this<CapturingResponder> {
 public:
  bool TrySend(http::Response r) override {
    std::lock_guard<std::mutex> l(mu_);
    if (done_ || started_) return false;
    response = std::move(r);
    done_ = true;
    cv_.notify_all();
    return true;
  }
  std::shared_ptr<http::ResponseStream> Stream(int status, http::Headers headers) override {
    std::lock_guard<std::mutex> l(mu_);
    response.status = status;
    response.headers = std::move(headers);
    stream = std::make_shared<CapturingStream>([this] {
      std::lock_guard<std::mutex> l2(mu_);
      done_ = true;
      cv_.notify_all();
    });
    started_ = true;
    cv_.notify_all();
    return stream;
  }
  // Waits for the whole response; a streamed body is copied into response.body.
  void Wait() {
    std::unique_lock<std::mutex> l(mu_);
    REQUIRE(cv_.wait_for(l, std::chrono::seconds(10), [&] { return done_; }));
    if (stream) response.body = stream->Body();
  }
  void WaitStarted() {
    std::unique_lock<std::mutex> l(mu_);
    REQUIRE(cv_.wait_for(l, std::chrono::seconds(10), [&] { return started_ || done_; }));
  }
  std::string Header(const std::string& name) const {
    for (auto& [k, v] : response.headers) {
      if (k == name) return v;
    }
    return "";
  }

  http::Response response;
  std::shared_ptr<CapturingStream> stream;

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false, started_ = false;
};

std::string PodJson(const std::string& cluster, const std::string& ns, const std::string& name, const std::string& app,
                    const std::string& phase) {
  return R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":")" + name + R"(","namespace":")" + ns + R"(","uid":")" +
         cluster + "-" + ns + "-" + name +
         R"(","resourceVersion":"5","creationTimestamp":"2024-01-01T00:00:00Z","labels":{"app":")" + app +
         R"("},"annotations":{"shadow.clusterpedia.io/cluster-name":")" + cluster +
         R"("}},"spec":{"nodeName":"node-1","containers":[{"name":"c","image":"nginx"}]},"status":{"phase":")" + phase +
         R"(","podIP":"10.0.0.1","containerStatuses":[{"name":"c","ready":true,"restartCount":0,"state":{"running":{}}}]}})";
}

std::string ClusterRecord(const std::string& name, bool healthy) {
  return R"({"apiVersion":"cluster.clusterpedia.io/v1alpha2","kind":"PediaCluster","metadata":{"name":")" + name +
         R"(","creationTimestamp":"2024-01-01T00:00:00Z"},"spec":{"apiserver":"https://)" + name +
         R"(:6443"},"status":{"version":"v1.30.1","conditions":[{"type":"Ready","status":"True"},{"type":"ClusterHealthy","status":")" +
         (healthy ? "True" : "False") +
         R"(","reason":"Unreachable"}],"syncResources":[{"group":"","resources":[{"name":"pods","kind":"Pod","namespaced":true,"syncConditions":[{"version":"v1","status":"Syncing"}]}]}]}})";
}

// A record syncing pods and configmaps, with labels and a version.
std::string RecordWithConfigMaps(const std::string& name, bool healthy, const std::string& version,
                                 const std::string& labels_json) {
  return R"({"apiVersion":"cluster.clusterpedia.io/v1alpha2","kind":"PediaCluster","metadata":{"name":")" + name +
         R"(","labels":)" + labels_json +
         R"(,"creationTimestamp":"2024-01-01T00:00:00Z"},"spec":{"apiserver":"https://)" + name +
         R"(:6443"},"status":{"version":")" + version +
         R"(","conditions":[{"type":"Ready","status":"True"},{"type":"ClusterHealthy","status":")" +
         (healthy ? "True" : "False") +
         R"("}],"syncResources":[{"group":"","resources":[{"name":"pods","kind":"Pod","namespaced":true,"syncConditions":[{"version":"v1","status":"Syncing"}]},{"name":"configmaps","kind":"ConfigMap","namespaced":true,"syncConditions":[{"version":"v1","status":"Syncing"}]}]}]}})";
}

struct Fixture {
  explicit Fixture(AuthOptions auth_options = {}, const std::string& storage_config = "",
                   size_t list_flush_bytes = 4u << 20, int64_t list_page_rows = 1000) {
    REQUIRE(storage::RegisterBuiltins(&registry).ok());
    auto opened = registry.Open("memory", storage_config);
    REQUIRE(opened.ok());
    storage = std::move(opened.value());
    auto a = Authenticator::Create(auth_options);
    REQUIRE(a.ok());
    auth = std::move(a.value());
    REQUIRE(storage->PutCluster("c1", ClusterRecord("c1", true)).ok());
    REQUIRE(storage->PutCluster("c2", ClusterRecord("c2", false)).ok());
    for (const char* cluster : {"c1", "c2"}) {
      std::vector<storage::Write> writes;
      for (int i = 0; i < 3; ++i) {
        storage::Write w;
        w.object.namespace_name = i == 2 ? "kube-system" : "default";
        w.object.name = "pod-" + std::to_string(i);
        w.object.uid = std::string(cluster) + "-" + w.object.name;
        w.object.resource_version = "5";
        w.object.creation_unix_ms = 1704067200000;
        w.object.labels = {{"app", i == 0 ? "web" : "db"}};
        w.object.json = PodJson(cluster, w.object.namespace_name, w.object.name, i == 0 ? "web" : "db",
                                i == 1 ? "Pending" : "Running");
        writes.push_back(std::move(w));
      }
      size_t failed = 0;
      REQUIRE(storage->WriteBatch({cluster, {"", "v1", "pods"}, "Pod", true}, writes, &failed).ok());
    }
    ApiServerOptions options;
    options.workers = 2;
    options.bookmark_interval = std::chrono::milliseconds(100);
    options.list_flush_bytes = list_flush_bytes;
    options.list_page_rows = list_page_rows;
    server = std::make_unique<ApiServer>(storage.get(), auth.get(), options);
  }

  // Replaces the server with one of workers list workers and these paging
  // bounds, over the same storage.
  void Reopen(int workers, size_t list_flush_bytes, int64_t list_page_rows, size_t list_pending_limit) {
    server.reset();
    ApiServerOptions options;
    options.workers = workers;
    options.list_flush_bytes = list_flush_bytes;
    options.list_page_rows = list_page_rows;
    options.list_pending_limit = list_pending_limit;
    server = std::make_unique<ApiServer>(storage.get(), auth.get(), options);
  }

  std::shared_ptr<CapturingResponder> Get(const std::string& target, const std::string& accept = "", bool wait = true) {
    http::Request r;
    r.method = "GET";
    r.target = target;
    size_t q = target.find('?');
    r.path = http::PercentDecode(target.substr(0, q), false);
    r.query = q == std::string::npos ? "" : target.substr(q + 1);
    if (!accept.empty()) r.headers.emplace_back("accept", accept);
    r.client_cert.verified = true;
    r.client_cert.ca_index = 0;
    r.client_cert.common_name = "admin";
    r.remote_address = "127.0.0.1:1";
    auto responder = std::make_shared<CapturingResponder>();
    server->Handle(std::move(r), responder);
    if (wait) responder->Wait();
    return responder;
  }

  std::shared_ptr<CapturingResponder> Do(const std::string& method, const std::string& target,
                                         http::Headers headers = {}) {
    http::Request r;
    r.method = method;
    r.target = target;
    size_t q = target.find('?');
    r.path = http::PercentDecode(target.substr(0, q), false);
    r.query = q == std::string::npos ? "" : target.substr(q + 1);
    r.headers = std::move(headers);
    r.client_cert.verified = true;
    r.client_cert.ca_index = 0;
    r.client_cert.common_name = "admin";
    auto responder = std::make_shared<CapturingResponder>();
    server->Handle(std::move(r), responder);
    responder->Wait();
    return responder;
  }

  // Adds n pods of about 600 bytes each to cluster.
  void AddPods(const std::string& cluster, int n) {
    std::vector<storage::Write> writes;
    for (int i = 0; i < n; ++i) {
      storage::Write w;
      w.object.namespace_name = "bulk";
      char name[32];
      std::snprintf(name, sizeof name, "bulk-%04d", i);
      w.object.name = name;
      w.object.uid = cluster + "-" + w.object.name;
      w.object.resource_version = "7";
      w.object.creation_unix_ms = 1704067200000;
      w.object.labels = {{"app", "bulk"}};
      w.object.json = PodJson(cluster, "bulk", name, "bulk", "Running");
      writes.push_back(std::move(w));
    }
    size_t failed = 0;
    REQUIRE(storage->WriteBatch({cluster, {"", "v1", "pods"}, "Pod", true}, writes, &failed).ok());
  }

  static std::vector<std::string> Warnings(const std::shared_ptr<CapturingResponder>& r) {
    std::vector<std::string> out;
    for (auto& [k, v] : r->response.headers) {
      if (k == "Warning") out.push_back(v);
    }
    return out;
  }

  static nlohmann::json Json(const std::shared_ptr<CapturingResponder>& r) {
    return nlohmann::json::parse(r->response.body);
  }

  storage::Registry registry;
  std::unique_ptr<storage::Storage> storage;
  std::unique_ptr<Authenticator> auth;
  std::unique_ptr<ApiServer> server;
};

AuthOptions CertAuth() {
  AuthOptions o;
  o.client_ca_index = 0;
  return o;
}

constexpr const char* kPrefix = "/apis/clusterpedia.io/v1beta1/resources";
constexpr const char* kTableAccept =
    "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

}  // namespace

TEST_CASE("api server lists pods of every cluster as a PodList of stored bytes", "[server]") {
  Fixture f(CertAuth());
  auto r = f.Get(std::string(kPrefix) + "/api/v1/pods?limit=500");
  REQUIRE(r->response.status == 200);
  auto j = Fixture::Json(r);
  CHECK(j["kind"] == "PodList");
  CHECK(j["apiVersion"] == "v1");
  CHECK(j["items"].size() == 6);
  CHECK(j["items"][0]["metadata"]["annotations"]["shadow.clusterpedia.io/cluster-name"] == "c1");
  CHECK(r->Header("Warning").find("c2 is not ready") != std::string::npos);
}

TEST_CASE("api server filters by path cluster, namespace, labels and search parameters", "[server]") {
  Fixture f(CertAuth());
  auto one = Fixture::Json(f.Get(std::string(kPrefix) + "/clusters/c1/api/v1/namespaces/default/pods"));
  CHECK(one["items"].size() == 2);
  auto by_label = Fixture::Json(f.Get("/api/v1/pods?labelSelector=app%3Dweb"));
  CHECK(by_label["items"].size() == 2);
  auto by_cluster_label =
      Fixture::Json(f.Get("/api/v1/pods?labelSelector=search.clusterpedia.io/clusters%3Dc2,app%3Ddb"));
  CHECK(by_cluster_label["items"].size() == 2);
  auto by_field = Fixture::Json(f.Get("/api/v1/pods?fieldSelector=status.phase%3DPending"));
  CHECK(by_field["items"].size() == 2);
  auto paged = Fixture::Json(f.Get("/api/v1/pods?limit=4&withContinue=true&withRemainingCount=true"));
  CHECK(paged["items"].size() == 4);
  REQUIRE(paged["metadata"].contains("continue"));
  CHECK(paged["metadata"]["remainingItemCount"] == 2);
  auto rest = Fixture::Json(f.Get("/api/v1/pods?limit=4&continue=" + paged["metadata"]["continue"].get<std::string>()));
  CHECK(rest["items"].size() == 2);
  auto no_continue = Fixture::Json(f.Get("/api/v1/pods?limit=4"));
  CHECK_FALSE(no_continue["metadata"].contains("continue"));
  auto ordered = Fixture::Json(f.Get("/api/v1/pods?orderby=name%20desc&clusters=c1"));
  REQUIRE(ordered["items"].size() == 3);
  CHECK(ordered["items"][0]["metadata"]["name"] == "pod-2");
}

TEST_CASE("api server streams lists larger than the flush size as valid JSON", "[server]") {
  Fixture f(CertAuth(), "", 1000, 2);
  for (const char* accept : {"", kTableAccept}) {
    auto r = f.Get("/api/v1/pods?limit=5&withContinue=true", accept);
    REQUIRE(r->stream);  // it was streamed, not sent whole
    auto j = Fixture::Json(r);
    CHECK((j.contains("items") ? j["items"].size() : j["rows"].size()) == 5);
    CHECK(j["metadata"].contains("continue"));
  }
}

TEST_CASE("api server answers Table and PartialObjectMetadataList", "[server]") {
  Fixture f(CertAuth());
  auto t = Fixture::Json(f.Get("/api/v1/namespaces/default/pods", kTableAccept));
  CHECK(t["kind"] == "Table");
  CHECK(t["columnDefinitions"][0]["name"] == "Cluster");
  REQUIRE(t["rows"].size() == 4);
  CHECK(t["rows"][0]["cells"][0] == "c1");
  CHECK(t["rows"][0]["cells"][2] == "1/1");
  CHECK(t["rows"][0]["object"]["kind"] == "PartialObjectMetadata");
  CHECK(t["rows"][0]["object"]["metadata"]["namespace"] == "default");
  auto m = Fixture::Json(f.Get("/api/v1/pods", "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io"));
  CHECK(m["kind"] == "PartialObjectMetadataList");
  CHECK(m["items"].size() == 6);
  CHECK_FALSE(m["items"][0].contains("spec"));
  auto only = Fixture::Json(f.Get("/api/v1/pods?onlyMetadata=true"));
  CHECK(only["kind"] == "PodList");
  CHECK(only["items"][0]["kind"] == "Pod");
  CHECK_FALSE(only["items"][0].contains("spec"));
}

TEST_CASE("api server get needs a cluster and finds one object", "[server]") {
  Fixture f(CertAuth());
  auto bad = f.Get("/api/v1/namespaces/default/pods/pod-0");
  CHECK(bad->response.status == 400);
  CHECK(Fixture::Json(bad)["message"].get<std::string>().find("please specify the cluster name") != std::string::npos);
  auto ok = f.Get(std::string(kPrefix) + "/clusters/c2/api/v1/namespaces/default/pods/pod-0");
  REQUIRE(ok->response.status == 200);
  CHECK(Fixture::Json(ok)["metadata"]["uid"] == "c2-default-pod-0");
  auto missing = f.Get(std::string(kPrefix) + "/clusters/c2/api/v1/namespaces/default/pods/nope");
  CHECK(missing->response.status == 404);
  CHECK(Fixture::Json(missing)["reason"] == "NotFound");
}

TEST_CASE("api server errors are Status bodies with the right codes", "[server]") {
  Fixture f(CertAuth());
  auto bad = f.Get("/api/v1/pods?limit=abc");
  CHECK(bad->response.status == 400);
  auto j = Fixture::Json(bad);
  CHECK(j["kind"] == "Status");
  CHECK(j["message"].get<std::string>().find("\"limit\"") != std::string::npos);
  CHECK(f.Get("/api/v1/pods?labelSelector=a%20in%20(b")->response.status == 422);
  CHECK(f.Get("/apis/apps/v1/deployments")->response.status == 404);
  CHECK(f.Get(std::string(kPrefix) + "/clusters/nope/api/v1/pods")->response.status == 404);
  CHECK(f.Get("/nothing/here")->response.status == 404);
  CHECK(f.Get("/api/v1/namespaces/default/pods/pod-0/log")->response.status == 404);
  CHECK(f.Get("/api/v1/pods", "application/vnd.kubernetes.protobuf")->response.status == 406);
}

TEST_CASE("api server rejects callers without credentials", "[server]") {
  Fixture f(CertAuth());
  http::Request r;
  r.method = "GET";
  r.target = r.path = "/api/v1/pods";
  auto responder = std::make_shared<CapturingResponder>();
  f.server->Handle(std::move(r), responder);
  responder->Wait();
  CHECK(responder->response.status == 401);
  CHECK(nlohmann::json::parse(responder->response.body)["reason"] == "Unauthorized");
  // Health needs no credentials.
  http::Request h;
  h.method = "GET";
  h.target = h.path = "/readyz";
  h.query = "verbose";
  auto hr = std::make_shared<CapturingResponder>();
  f.server->Handle(std::move(h), hr);
  hr->Wait();
  CHECK(hr->response.status == 200);
  CHECK(hr->response.body.find("[+]storage ok") != std::string::npos);
}

TEST_CASE("api server discovery per cluster and as a union", "[server]") {
  Fixture f(CertAuth());
  auto api = Fixture::Json(f.Get(std::string(kPrefix) + "/api"));
  CHECK(api["versions"][0] == "v1");
  auto v1 = Fixture::Json(f.Get(std::string(kPrefix) + "/clusters/c1/api/v1"));
  CHECK(v1["resources"][0]["name"] == "pods");
  CHECK(v1["resources"][0]["shortNames"][0] == "po");
  CHECK(v1["resources"][0]["verbs"].size() == 3);
  auto apis = Fixture::Json(f.Get(std::string(kPrefix) + "/apis"));
  REQUIRE(apis["groups"].size() == 1);
  CHECK(apis["groups"][0]["name"] == "cluster.clusterpedia.io");
  auto root = Fixture::Json(f.Get("/apis"));
  CHECK(root["groups"].size() == 2);
  auto cp = Fixture::Json(f.Get("/apis/clusterpedia.io/v1beta1"));
  CHECK(cp["resources"][1]["name"] == "collectionresources");
  auto version = Fixture::Json(f.Get(std::string(kPrefix) + "/clusters/c1/version"));
  CHECK(version["gitVersion"] == "v1.30.1");
  CHECK(version["minor"] == "30");
}

TEST_CASE("api server serves PediaClusters with READY, VERSION and APISERVER", "[server]") {
  Fixture f(CertAuth());
  auto list = Fixture::Json(f.Get("/apis/cluster.clusterpedia.io/v1alpha2/pediaclusters"));
  CHECK(list["kind"] == "PediaClusterList");
  CHECK(list["items"].size() == 2);
  auto t = Fixture::Json(f.Get("/apis/cluster.clusterpedia.io/v1alpha2/pediaclusters", kTableAccept));
  CHECK(t["columnDefinitions"][1]["name"] == "Ready");
  CHECK(t["rows"][0]["cells"][2] == "v1.30.1");
  CHECK(t["rows"][0]["cells"][3] == "https://c1:6443");
  CHECK(f.Get("/apis/cluster.clusterpedia.io/v1alpha2/pediaclusters/zzz")->response.status == 404);
}

TEST_CASE("api server watch streams changes with rewritten resourceVersions", "[server]") {
  Fixture f(CertAuth());
  auto list = Fixture::Json(f.Get("/api/v1/pods"));
  std::string rv = list["metadata"]["resourceVersion"];
  REQUIRE_FALSE(rv.empty());
  auto w = f.Get("/api/v1/pods?watch=true&resourceVersion=" + rv, "", false);
  w->WaitStarted();
  REQUIRE(w->response.status == 200);
  REQUIRE(w->stream);
  storage::Write write;
  write.object.namespace_name = "default";
  write.object.name = "pod-new";
  write.object.uid = "new";
  write.object.resource_version = "9";
  write.object.labels = {{"app", "web"}};
  write.object.json = PodJson("c1", "default", "pod-new", "web", "Running");
  size_t failed = 0;
  REQUIRE(f.storage->WriteBatch({"c1", {"", "v1", "pods"}, "Pod", true}, {write}, &failed).ok());
  REQUIRE(w->stream->WaitFor("\n"));
  std::string body = w->stream->Body();
  auto event = nlohmann::json::parse(body.substr(0, body.find('\n')));
  CHECK(event["type"] == "ADDED");
  CHECK(event["object"]["metadata"]["name"] == "pod-new");
  CHECK(event["object"]["metadata"]["resourceVersion"] != "9");
  f.server->Shutdown();
  CHECK(w->stream->IsClosed());
}

TEST_CASE("api server watch sends bookmarks only when asked", "[server]") {
  Fixture f(CertAuth());
  std::string rv = Fixture::Json(f.Get("/api/v1/pods"))["metadata"]["resourceVersion"];
  auto with = f.Get("/api/v1/pods?watch=true&allowWatchBookmarks=true&resourceVersion=" + rv, "", false);
  auto without = f.Get("/api/v1/pods?watch=true&resourceVersion=" + rv, "", false);
  with->WaitStarted();
  without->WaitStarted();
  REQUIRE(with->stream);
  REQUIRE(with->stream->WaitFor("BOOKMARK"));
  std::string body = with->stream->Body();
  auto event = nlohmann::json::parse(body.substr(0, body.find('\n')));
  CHECK(event["object"]["kind"] == "Pod");
  CHECK(event["object"]["metadata"]["resourceVersion"] == rv);
  REQUIRE(without->stream);
  CHECK(without->stream->Body().find("BOOKMARK") == std::string::npos);
}

TEST_CASE("api server watch from an expired resourceVersion gets a 410 ERROR event", "[server]") {
  std::string config = "/tmp/pedia-apiserver-test-memory.yaml";
  {
    FILE* fp = fopen(config.c_str(), "w");
    REQUIRE(fp);
    fputs("watchWindow: 2\n", fp);
    fclose(fp);
  }
  Fixture f(CertAuth(), config);
  std::remove(config.c_str());
  auto w = f.Get("/api/v1/pods?watch=1&resourceVersion=1", "", true);
  REQUIRE(w->response.status == 200);
  auto event = nlohmann::json::parse(w->response.body.substr(0, w->response.body.find('\n')));
  CHECK(event["type"] == "ERROR");
  CHECK(event["object"]["code"] == 410);
}

TEST_CASE("api server exposes request metrics", "[server]") {
  Fixture f(CertAuth());
  f.Get("/api/v1/pods");
  f.Get("/api/v1/pods?limit=bad");
  std::string text = f.Get("/metrics")->response.body;
  CHECK(text.find("pedia_apiserver_request_total{verb=\"list\",resource=\"pods\",code=\"200\"}") != std::string::npos);
  CHECK(text.find("code=\"400\"") != std::string::npos);
  CHECK(text.find("pedia_apiserver_request_duration_seconds_bucket") != std::string::npos);
  CHECK(text.find("pedia_apiserver_current_inflight_requests") != std::string::npos);
  CHECK(text.find("pedia_build_info") != std::string::npos);
}

TEST_CASE("collection resources list definitions and gather workloads", "[server]") {
  Fixture f(CertAuth());
  auto list = Fixture::Json(f.Get("/apis/clusterpedia.io/v1beta1/collectionresources"));
  CHECK(list["kind"] == "CollectionResourceList");
  CHECK(list["items"].size() == 3);
  auto any = Fixture::Json(f.Get("/apis/clusterpedia.io/v1beta1/collectionresources/any?groups=&limit=4"));
  CHECK(any["kind"] == "CollectionResource");
  CHECK(any["items"].size() == 4);
  CHECK(any["resourceTypes"][0]["resource"] == "pods");
  CHECK(f.Get("/apis/clusterpedia.io/v1beta1/collectionresources/any")->response.status == 400);
  CHECK(f.Get("/apis/clusterpedia.io/v1beta1/collectionresources/nope")->response.status == 404);
  auto t = Fixture::Json(f.Get("/apis/clusterpedia.io/v1beta1/collectionresources/any?resources=/pods", kTableAccept));
  CHECK(t["kind"] == "Table");
  CHECK(t["rows"].size() == 6);
  CHECK(t["rows"][0]["cells"][3] == "Pod");
}

TEST_CASE("static token file authenticates bearer tokens", "[server]") {
  std::string path = "/tmp/pedia-token-test.csv";
  {
    FILE* fp = fopen(path.c_str(), "w");
    REQUIRE(fp);
    fputs("s3cret,alice,1001,\"dev,ops\"\n", fp);
    fclose(fp);
  }
  AuthOptions o;
  o.token_auth_file = path;
  auto a = Authenticator::Create(o);
  REQUIRE(a.ok());
  http::Request r;
  r.headers.emplace_back("authorization", "Bearer s3cret");
  auto u = a.value()->Authenticate(r);
  REQUIRE(u.ok());
  CHECK(u->name == "alice");
  CHECK(u->groups == std::vector<std::string>{"dev", "ops", "system:authenticated"});
  http::Request bad;
  bad.headers.emplace_back("authorization", "Bearer wrong");
  CHECK_FALSE(a.value()->Authenticate(bad).ok());
  CHECK(a.value()->Authenticate(bad).status().message().find("wrong") == std::string::npos);
  std::remove(path.c_str());
}

TEST_CASE("front-proxy headers are trusted only from the request-header CA and allowed names", "[server]") {
  AuthOptions o;
  o.client_ca_index = 0;
  o.requestheader_ca_index = 1;
  o.requestheader_allowed_names = {"front-proxy-client"};
  auto a = Authenticator::Create(o);
  REQUIRE(a.ok());
  http::Request r;
  r.client_cert = {true, 1, "front-proxy-client", {}};
  r.headers = {{"x-remote-user", "bob"}, {"x-remote-group", "g1"}, {"x-remote-group", "g2"}};
  auto u = a.value()->Authenticate(r);
  REQUIRE(u.ok());
  CHECK(u->name == "bob");
  CHECK(u->groups == std::vector<std::string>{"g1", "g2"});
  r.client_cert.common_name = "intruder";
  CHECK_FALSE(a.value()->Authenticate(r).ok());
  http::Request cert;
  cert.client_cert = {true, 0, "carol", {"system:masters"}};
  cert.headers = {{"x-remote-user", "ignored"}};
  auto c = a.value()->Authenticate(cert);
  REQUIRE(c.ok());
  CHECK(c->name == "carol");
  CHECK(c->groups == std::vector<std::string>{"system:masters"});
}

}  // namespace pedia::server

namespace pedia::server {
namespace {

// A stream whose client reads only when the producer waits: PendingBytes()
// grows with every Write and drops to 0 in WaitWritable().  Without
// back-pressure the producer never waits and everything piles up.
class SlowClientStream : public http::ResponseStream {
 public:
  bool Write(std::string chunk) override {
    std::lock_guard<std::mutex> l(mu);
    if (closed) return false;
    body += chunk;
    pending += chunk.size();
    max_pending = std::max(max_pending, pending);
    return true;
  }
  void Close() override {
    std::lock_guard<std::mutex> l(mu);
    closed = true;
    cv.notify_all();
  }
  bool IsClosed() const override {
    std::lock_guard<std::mutex> l(mu);
    return closed;
  }
  size_t PendingBytes() const override {
    std::lock_guard<std::mutex> l(mu);
    return pending;
  }
  bool WaitWritable(size_t max) override {
    std::lock_guard<std::mutex> l(mu);
    ++waits;
    if (pending > max) pending = 0;  // the client catches up
    return !closed;
  }
  void OnClosed(std::function<void()>) override {}

  mutable std::mutex mu;
  std::condition_variable cv;
  std::string body;
  size_t pending = 0, max_pending = 0;
  int waits = 0;
  bool closed = false;
};

class SlowClientResponder : public http::Responder {
 public:
  bool TrySend(http::Response r) override {
    std::lock_guard<std::mutex> l(stream->mu);
    whole = std::move(r);
    stream->closed = true;
    stream->cv.notify_all();
    return true;
  }
  std::shared_ptr<http::ResponseStream> Stream(int, http::Headers h) override {
    headers = std::move(h);
    return stream;
  }
  void Wait() {
    std::unique_lock<std::mutex> l(stream->mu);
    REQUIRE(stream->cv.wait_for(l, std::chrono::seconds(10), [&] { return stream->closed; }));
  }
  std::shared_ptr<SlowClientStream> stream = std::make_shared<SlowClientStream>();
  http::Response whole;
  http::Headers headers;
};

}  // namespace

TEST_CASE("a large list streams in pages and waits for a slow client", "[server]") {
  // 4 KB flush, 10-row pages (~6 KB), 8 KB queued at most before waiting.
  Fixture f(CertAuth());
  f.Reopen(1, 4096, 10, 8192);
  f.AddPods("c1", 300);  // ~180 KB
  http::Request r;
  r.method = "GET";
  r.target = r.path = "/api/v1/pods";
  r.client_cert = {true, 0, "admin", {}};
  auto responder = std::make_shared<SlowClientResponder>();
  f.server->Handle(std::move(r), responder);
  responder->Wait();
  auto& s = *responder->stream;
  REQUIRE(s.body.size() > 100000);  // it streamed
  CHECK(s.waits > 5);
  CHECK(s.max_pending <= 8192 + 16384);  // the bound plus about one page
  auto j = nlohmann::json::parse(s.body);
  CHECK(j["items"].size() == 306);
  // c2 is unhealthy and its rows came after the headers left: still warned.
  bool warned = false;
  for (auto& [k, v] : responder->headers) warned |= k == "Warning" && v.find("c2 is not ready") != std::string::npos;
  CHECK(warned);
}

TEST_CASE("list pages shrink to the pending bound for large rows, and lose or repeat no row", "[server]") {
  // Rows of ~600 bytes, a 2 KiB pending bound: after the first page of 100
  // rows the pages are 16 rows (kMinPageRows).
  Fixture f(CertAuth());
  f.Reopen(1, 1024, 100, 2048);
  f.AddPods("c1", 300);
  auto all = Fixture::Json(f.Get("/api/v1/pods"));
  REQUIRE(all["items"].size() == 306);
  std::vector<std::string> keys;
  for (auto& item : all["items"])
    keys.push_back(item["metadata"]["annotations"]["shadow.clusterpedia.io/cluster-name"].get<std::string>() + "/" +
                   item["metadata"].value("namespace", "") + "/" + item["metadata"]["name"].get<std::string>());
  CHECK(std::set<std::string>(keys.begin(), keys.end()).size() == 306);
  auto limited = Fixture::Json(f.Get("/api/v1/pods?limit=150&withContinue=true"));
  CHECK(limited["items"].size() == 150);
  CHECK_FALSE(limited["metadata"].value("continue", "").empty());
}

TEST_CASE("paged reads keep limit, continue and remainingItemCount exact", "[server]") {
  Fixture f(CertAuth(), "", 4u << 20, 4);
  f.AddPods("c1", 20);
  // 26 pods; pages of 4 rows inside, 10 for the client.
  std::set<std::string> names;
  std::string token;
  int pages = 0;
  do {
    auto j = Fixture::Json(
        f.Get("/api/v1/pods?limit=10&withContinue=true&withRemainingCount=true" +
              (token.empty() ? std::string() : "&continue=" + token)));
    for (auto& item : j["items"]) {
      CHECK(names.insert(item["metadata"]["annotations"]["shadow.clusterpedia.io/cluster-name"].get<std::string>() +
                         "/" + item["metadata"]["name"].get<std::string>())
                .second);
    }
    ++pages;
    token = j["metadata"].value("continue", "");
    if (pages == 1) {
      CHECK(j["items"].size() == 10);
      CHECK(j["metadata"]["remainingItemCount"] == 16);
    }
  } while (!token.empty() && pages < 10);
  CHECK(pages == 3);
  CHECK(names.size() == 26);
  CHECK(Fixture::Json(f.Get("/api/v1/pods"))["items"].size() == 26);  // no limit: every page
}

TEST_CASE("Warning headers name only unhealthy clusters in the answer or named by the request", "[server]") {
  Fixture f(CertAuth());
  REQUIRE(f.storage->PutCluster("c3", ClusterRecord("c3", false)).ok());  // unhealthy, no pods
  auto all = f.Get("/api/v1/pods");
  auto w = Fixture::Warnings(all);
  REQUIRE(w.size() == 1);
  CHECK(w[0].find("c2 is not ready") != std::string::npos);
  CHECK(Fixture::Warnings(f.Get("/api/v1/pods?clusters=c1")).empty());
  auto named = Fixture::Warnings(f.Get("/api/v1/pods?clusters=c3"));
  REQUIRE(named.size() == 1);
  CHECK(named[0].find("c3 is not ready") != std::string::npos);
  auto path = Fixture::Warnings(f.Get(std::string(kPrefix) + "/clusters/c3/api/v1/pods"));
  CHECK(path.size() == 1);
  // Rows from c1 only: no warning although c2 and c3 are unhealthy.
  CHECK(Fixture::Warnings(f.Get("/api/v1/pods?labelSelector=search.clusterpedia.io/clusters%3Dc1")).empty());
  auto get = Fixture::Warnings(f.Get(std::string(kPrefix) + "/clusters/c2/api/v1/namespaces/default/pods/pod-0"));
  CHECK(get.size() == 1);
}

TEST_CASE("injectEvents and forwarding are rejected with a 400 naming the parameter", "[server]") {
  Fixture f(CertAuth());
  auto inject = f.Get("/api/v1/pods?injectEvents=true");
  CHECK(inject->response.status == 400);
  CHECK(Fixture::Json(inject)["message"].get<std::string>().find("\"injectEvents\"") != std::string::npos);
  CHECK(Fixture::Json(inject)["message"].get<std::string>().find("not supported by pedia yet") != std::string::npos);
  CHECK(f.Get("/api/v1/pods?injectEvents=false")->response.status == 200);
  auto label = f.Get("/api/v1/pods?labelSelector=search.clusterpedia.io/inject-events%3Dtrue");
  CHECK(label->response.status == 400);
  CHECK(Fixture::Json(label)["message"].get<std::string>().find("search.clusterpedia.io/inject-events") !=
        std::string::npos);
  auto forward = f.Get("/api/v1/pods?labelSelector=search.clusterpedia.io/forward%3Dtrue");
  CHECK(forward->response.status == 400);
  CHECK(Fixture::Json(forward)["message"].get<std::string>().find("search.clusterpedia.io/forward") !=
        std::string::npos);
  auto header = f.Do("GET", "/api/v1/pods", {{"x-clusterpedia-forward", "True"}});
  CHECK(header->response.status == 400);
  CHECK(Fixture::Json(header)["message"].get<std::string>().find("x-clusterpedia-forward") != std::string::npos);
}

TEST_CASE("PediaClusters honour labelSelector, fieldSelector metadata.name, limit and continue", "[server]") {
  Fixture f(CertAuth());
  REQUIRE(f.storage->PutCluster("c3", RecordWithConfigMaps("c3", true, "v1.29.0", R"({"env":"prod"})")).ok());
  const std::string base = "/apis/cluster.clusterpedia.io/v1alpha2/pediaclusters";
  auto prod = Fixture::Json(f.Get(base + "?labelSelector=env%3Dprod"));
  REQUIRE(prod["items"].size() == 1);
  CHECK(prod["items"][0]["metadata"]["name"] == "c3");
  CHECK(Fixture::Json(f.Get(base + "?labelSelector=env%21%3Dprod"))["items"].size() == 2);
  auto by_name = Fixture::Json(f.Get(base + "?fieldSelector=metadata.name%3Dc2"));
  REQUIRE(by_name["items"].size() == 1);
  CHECK(by_name["items"][0]["metadata"]["name"] == "c2");
  CHECK(Fixture::Json(f.Get(base + "?fieldSelector=metadata.name%21%3Dc2"))["items"].size() == 2);
  auto bad_field = f.Get(base + "?fieldSelector=status.version%3Dv1");
  CHECK(bad_field->response.status == 400);
  CHECK(Fixture::Json(bad_field)["message"].get<std::string>().find("metadata.name") != std::string::npos);
  CHECK(f.Get(base + "?labelSelector=a%20in%20(b")->response.status == 422);
  CHECK(f.Get(base + "?limit=x")->response.status == 400);
  CHECK(f.Get(base + "?watch=true")->response.status == 405);
  auto page1 = Fixture::Json(f.Get(base + "?limit=2"));
  REQUIRE(page1["items"].size() == 2);
  CHECK(page1["metadata"]["remainingItemCount"] == 1);
  std::string token = page1["metadata"]["continue"];
  auto page2 = Fixture::Json(f.Get(base + "?limit=2&continue=" + token));
  REQUIRE(page2["items"].size() == 1);
  CHECK_FALSE(page2["metadata"].contains("continue"));
  CHECK(page2["items"][0]["metadata"]["name"] != page1["items"][0]["metadata"]["name"]);
  CHECK(page2["items"][0]["metadata"]["name"] != page1["items"][1]["metadata"]["name"]);
  auto table = Fixture::Json(f.Get(base + "?limit=1", kTableAccept));
  CHECK(table["rows"].size() == 1);
  CHECK(table["metadata"].contains("continue"));
}

TEST_CASE("collection resources page across resource types with one continue token", "[server]") {
  Fixture f(CertAuth());
  REQUIRE(f.storage->PutCluster("c1", RecordWithConfigMaps("c1", true, "v1.30.1", "{}")).ok());
  std::vector<storage::Write> writes;
  for (int i = 0; i < 3; ++i) {
    storage::Write w;
    w.object.namespace_name = "default";
    w.object.name = "cm-" + std::to_string(i);
    w.object.uid = "cm-uid-" + std::to_string(i);
    w.object.resource_version = "3";
    w.object.json = R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":")" + w.object.name +
                    R"(","namespace":"default","annotations":{"shadow.clusterpedia.io/cluster-name":"c1"}}})";
    writes.push_back(std::move(w));
  }
  size_t failed = 0;
  REQUIRE(f.storage->WriteBatch({"c1", {"", "v1", "configmaps"}, "ConfigMap", true}, writes, &failed).ok());
  const std::string base = "/apis/clusterpedia.io/v1beta1/collectionresources/any?groups=&limit=4";
  std::set<std::string> seen;
  std::string token;
  int pages = 0;
  std::shared_ptr<CapturingResponder> first;
  do {
    auto r = f.Get(base + (token.empty() ? "" : "&continue=" + token) + "&withRemainingCount=true");
    REQUIRE(r->response.status == 200);
    if (!first) first = r;
    auto j = Fixture::Json(r);
    for (auto& item : j["items"]) {
      std::string key = item["kind"].get<std::string>() + "/" +
                        item["metadata"]["annotations"]["shadow.clusterpedia.io/cluster-name"].get<std::string>() +
                        "/" + item["metadata"]["name"].get<std::string>();
      CHECK(seen.insert(key).second);
    }
    token = j.value("continue", "");
    if (pages == 0) CHECK(j["remainingItemCount"] == 5);
    ++pages;
  } while (!token.empty() && pages < 10);
  CHECK(seen.size() == 9);  // 3 configmaps + 6 pods, each once
  CHECK(pages == 3);
  // The first page holds c2's pods? Only if they are in it; the last pages do.
  auto all = f.Get(base.substr(0, base.find("&limit")));
  bool warned = false;
  for (auto& w : Fixture::Warnings(all)) warned |= w.find("c2 is not ready") != std::string::npos;
  CHECK(warned);
  CHECK(Fixture::Warnings(f.Get(base + "&clusters=c1")).empty());
  auto bad = f.Get(base + "&continue=bm90LWEtdG9rZW4=");
  CHECK(bad->response.status == 400);
  CHECK(Fixture::Json(bad)["message"].get<std::string>().find("continue") != std::string::npos);
}

TEST_CASE("root /version is pedia's build; a member's is its recorded version", "[server]") {
  Fixture f(CertAuth());
  // Before the first request: the cluster index is cached for a second.
  REQUIRE(f.storage->PutCluster("c4", RecordWithConfigMaps("c4", true, "", "{}")).ok());
  auto root = Fixture::Json(f.Get("/version"));
  const BuildInfo& b = GetBuildInfo();
  CHECK(root["gitVersion"] == b.git_version);
  CHECK(root["gitCommit"] == b.git_commit);
  CHECK(root["buildDate"] == b.build_date);
  CHECK(root["platform"] == b.platform);
  CHECK(root["compiler"] == b.compiler);
  for (const char* field : {"major", "minor", "gitTreeState", "goVersion"}) CHECK(root.contains(field));
  CHECK_FALSE(root["major"].get<std::string>().empty());
  auto member = Fixture::Json(f.Get(std::string(kPrefix) + "/clusters/c2/version"));
  CHECK(member["gitVersion"] == "v1.30.1");
  CHECK(member["major"] == "1");
  CHECK(member["minor"] == "30");
  auto unknown = f.Get(std::string(kPrefix) + "/clusters/c4/version");
  CHECK(unknown->response.status == 503);
  CHECK(Fixture::Json(unknown)["message"].get<std::string>().find("c4") != std::string::npos);
}

TEST_CASE("non-GET methods on the resources API are 405 Status answers", "[server]") {
  Fixture f(CertAuth());
  for (const char* method : {"POST", "PUT", "PATCH", "DELETE"}) {
    auto r = f.Do(method, std::string(kPrefix) + "/clusters/c1/api/v1/namespaces/default/pods/pod-0");
    CHECK(r->response.status == 405);
    auto j = Fixture::Json(r);
    CHECK(j["kind"] == "Status");
    CHECK(j["reason"] == "MethodNotAllowed");
  }
}

TEST_CASE("after Shutdown a request gets 503, not a silent 500", "[server]") {
  Fixture f(CertAuth());
  f.server->Shutdown();
  auto r = f.Get("/api/v1/pods");
  CHECK(r->response.status == 503);
  CHECK(Fixture::Json(r)["message"].get<std::string>().find("shutting down") != std::string::npos);
}

TEST_CASE("watches are long-running; transport answers are counted like handled ones", "[server]") {
  http::Request watch;
  watch.path = "/apis/clusterpedia.io/v1beta1/resources/api/v1/pods";
  watch.query = "watch=true&resourceVersion=1";
  CHECK(ApiServer::IsLongRunning(watch));
  http::Request legacy;
  legacy.path = "/api/v1/watch/pods";
  CHECK(ApiServer::IsLongRunning(legacy));
  http::Request list;
  list.path = "/api/v1/pods";
  list.query = "limit=500&watch=false";
  CHECK_FALSE(ApiServer::IsLongRunning(list));
  // The last watch= wins, as in the handler's decoding.
  list.query = "watch=true&watch=false";
  CHECK_FALSE(ApiServer::IsLongRunning(list));
  list.query = "watch=false&watch=true";
  CHECK(ApiServer::IsLongRunning(list));
  list.query = "watch=maybe";  // a 400 from the handler, not a watch
  CHECK_FALSE(ApiServer::IsLongRunning(list));
  // Paths that never watch stay under the deadline and the in-flight limit.
  for (const char* path : {"/apis/clusterpedia.io/v1beta1/collectionresources/any",
                           "/apis/cluster.clusterpedia.io/v1alpha2/pediaclusters", "/metrics", "/healthz"}) {
    http::Request r;
    r.path = path;
    r.query = "watch=true";
    INFO(path);
    CHECK_FALSE(ApiServer::IsLongRunning(r));
  }

  http::TransportAnswer a;
  a.status = 429;
  a.reason = "TooManyRequests";
  a.method = "GET";
  a.target = "/api/v1/configmaps?limit=5";
  ApiServer::RecordTransportAnswer(a);
  http::TransportAnswer unread;
  unread.status = 431;
  ApiServer::RecordTransportAnswer(unread);
  Fixture f(CertAuth());
  std::string text = f.Get("/metrics")->response.body;
  CHECK(text.find("pedia_apiserver_request_total{verb=\"list\",resource=\"configmaps\",code=\"429\"}") !=
        std::string::npos);
  CHECK(text.find("code=\"431\"") != std::string::npos);
}

}  // namespace pedia::server

namespace pedia::server {

TEST_CASE("a large collection streams, pages through its types and still warns", "[server]") {
  Fixture f(CertAuth(), "", 1000, 2);
  REQUIRE(f.storage->PutCluster("c1", RecordWithConfigMaps("c1", true, "v1.30.1", "{}")).ok());
  f.AddPods("c1", 10);
  for (const char* accept : {"", kTableAccept}) {
    auto r = f.Get("/apis/clusterpedia.io/v1beta1/collectionresources/any?groups=", accept);
    REQUIRE(r->stream);  // it streamed
    auto j = Fixture::Json(r);
    CHECK((j.contains("items") ? j["items"].size() : j["rows"].size()) == 16);
    if (j.contains("items")) CHECK(j["resourceTypes"].size() == 1);
    CHECK_FALSE(j.contains("continue"));
    bool warned = false;
    for (auto& w : Fixture::Warnings(r)) warned |= w.find("c2 is not ready") != std::string::npos;
    CHECK(warned);  // c2's pods come last, after the headers left
  }
  auto paged = Fixture::Json(f.Get("/apis/clusterpedia.io/v1beta1/collectionresources/any?groups=&limit=5"));
  CHECK(paged["items"].size() == 5);
  CHECK(paged.contains("continue"));
}

}  // namespace pedia::server
