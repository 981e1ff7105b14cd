// bench/apiserver: the search API under load (issue 5, bench/README.md).
//
// Loads N pods over C clusters into the memory storage layer, then serves
// them twice over plain HTTP on loopback:
//   --api-port:    the real ApiServer handler (anonymous authentication);
//   --static-port: the same http::Server answering every request with the
//                  bytes the ApiServer gave for --static-target, built once.
// run.sh drives both with wrk in the same run, so their ratio isolates the
// cost of querying storage and concatenating the response.
// It also times, in process, lists of --big-list pods through the handler.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "base/log.h"
#include "base/shutdown.h"
#include "server/api_server.h"
#include "server/authenticator.h"
#include "server/http_server.h"
#include "storage/registry.h"

namespace {

using pedia::Status;
namespace http = pedia::http;

std::string PodJson(int cluster, int ns, int i) {
  std::string c = "cluster-" + std::to_string(cluster);
  std::string n = "ns-" + std::to_string(ns);
  std::string app = "app-" + std::to_string(i / 10);
  std::string name = app + "-5d8f7c9b4-" + std::to_string(100000 + i);
  std::string uid = "c" + std::to_string(cluster) + "-" + std::to_string(i) + "-7f3e2a10-9b1c-4c55-8e0e-2f4b5a6c7d8e";
  const char* tier = i % 2 == 0 ? "frontend" : "backend";
  return R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":")" + name + R"(","generateName":")" + app +
         R"(-5d8f7c9b4-","namespace":")" + n + R"(","uid":")" + uid + R"(","resourceVersion":")" +
         std::to_string(1000 + i) + R"(","creationTimestamp":"2024-05-01T10:00:00Z","labels":{"app":")" + app +
         R"(","tier":")" + tier +
         R"(","pod-template-hash":"5d8f7c9b4"},"annotations":{"shadow.clusterpedia.io/cluster-name":")" + c +
         R"("},"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":")" + app +
         R"(-5d8f7c9b4","uid":"rs-)" + uid +
         R"(","controller":true,"blockOwnerDeletion":true}]},"spec":{"volumes":[{"name":"kube-api-access","projected":{"sources":[{"serviceAccountToken":{"expirationSeconds":3607,"path":"token"}},{"configMap":{"name":"kube-root-ca.crt","items":[{"key":"ca.crt","path":"ca.crt"}]}}],"defaultMode":420}}],"containers":[{"name":"app","image":"registry.example.com/app:1.2.3","ports":[{"containerPort":8080,"protocol":"TCP"}],"resources":{"limits":{"cpu":"500m","memory":"256Mi"},"requests":{"cpu":"100m","memory":"128Mi"}},"volumeMounts":[{"name":"kube-api-access","readOnly":true,"mountPath":"/var/run/secrets/kubernetes.io/serviceaccount"}],"livenessProbe":{"httpGet":{"path":"/healthz","port":8080,"scheme":"HTTP"},"timeoutSeconds":1,"periodSeconds":10,"successThreshold":1,"failureThreshold":3},"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent"}],"restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","serviceAccountName":"default","serviceAccount":"default","nodeName":"node-)" +
         std::to_string(i % 50) +
         R"(","securityContext":{},"schedulerName":"default-scheduler","tolerations":[{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300},{"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}],"priority":0,"enableServiceLinks":true,"preemptionPolicy":"PreemptLowerPriority"},"status":{"phase":"Running","conditions":[{"type":"Initialized","status":"True","lastProbeTime":null,"lastTransitionTime":"2024-05-01T10:00:00Z"},{"type":"Ready","status":"True","lastProbeTime":null,"lastTransitionTime":"2024-05-01T10:00:05Z"},{"type":"ContainersReady","status":"True","lastProbeTime":null,"lastTransitionTime":"2024-05-01T10:00:05Z"},{"type":"PodScheduled","status":"True","lastProbeTime":null,"lastTransitionTime":"2024-05-01T10:00:00Z"}],"hostIP":"192.168.1.)" +
         std::to_string(i % 50) + R"(","podIP":"10.244.)" + std::to_string(i % 200) + "." + std::to_string(i % 250) +
         R"(","podIPs":[{"ip":"10.244.0.1"}],"startTime":"2024-05-01T10:00:00Z","containerStatuses":[{"name":"app","state":{"running":{"startedAt":"2024-05-01T10:00:03Z"}},"lastState":{},"ready":true,"restartCount":0,"image":"registry.example.com/app:1.2.3","imageID":"registry.example.com/app@sha256:4f1c3b2a","containerID":"containerd://8c2d","started":true}],"qosClass":"Burstable"}})";
}

std::string ClusterRecord(int cluster) {
  std::string c = "cluster-" + std::to_string(cluster);
  return R"({"apiVersion":"cluster.clusterpedia.io/v1alpha2","kind":"PediaCluster","metadata":{"name":")" + c +
         R"("},"status":{"version":"v1.30.2","conditions":[{"type":"Ready","status":"True"},{"type":"ClusterHealthy","status":"True"}],"syncResources":[{"group":"","resources":[{"name":"pods","kind":"Pod","namespaced":true,"syncConditions":[{"version":"v1","status":"Syncing"}]}]}]}})";
}

// Collects one whole response from the handler, for the in-process timings.
class WaitingResponder : public http::Responder, public std::enable_shared_from_this<WaitingResponder> {
 public:
  class Collector : public http::ResponseStream {
   public:
    explicit Collector(WaitingResponder* owner) : owner_(owner) {}
    bool Write(std::string chunk) override {
      std::lock_guard<std::mutex> l(owner_->mu_);
      owner_->response_.body += chunk;
      return true;
    }
    void Close() override {
      std::lock_guard<std::mutex> l(owner_->mu_);
      closed_ = true;
      owner_->done_ = true;
      owner_->cv_.notify_all();
    }
    bool IsClosed() const override { return closed_; }
    size_t PendingBytes() const override { return 0; }
    bool WaitWritable(size_t) override { return true; }  // collected in memory: never behind
    void OnClosed(std::function<void()>) override {}

   private:
    WaitingResponder* owner_;
    bool closed_ = false;
  };
  bool TrySend(http::Response r) override {
    std::lock_guard<std::mutex> l(mu_);
    response_ = std::move(r);
    done_ = true;
    cv_.notify_all();
    return true;
  }
  std::shared_ptr<http::ResponseStream> Stream(int status, http::Headers) override {
    response_.status = status;
    return std::make_shared<Collector>(this);
  }
  http::Response Wait() {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [&] { return done_; });
    return response_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  http::Response response_;
};

http::Response Call(pedia::server::ApiServer& api, const std::string& target) {
  http::Request r;
  r.method = "GET";
  r.target = target;
  size_t q = target.find('?');
  r.path = target.substr(0, q);
  r.query = q == std::string::npos ? "" : target.substr(q + 1);
  auto responder = std::make_shared<WaitingResponder>();
  api.Handle(std::move(r), responder);
  return responder->Wait();
}

}  // namespace

int main(int argc, char** argv) {
  pedia::shutdown::Install();
  int clusters = 10, pods = 100000, api_port = 0, static_port = 0, io_threads = 2, workers = 2, big_list = 10000;
  std::vector<std::string> static_targets = {"/api/v1/pods?limit=500&labelSelector=tier%3Dfrontend",
                                             "/api/v1/pods?limit=500&labelSelector=app%3Dapp-42"};
  CLI::App app{"pedia apiserver benchmark server"};
  app.add_option("--clusters", clusters);
  app.add_option("--pods", pods, "total pods, spread evenly over the clusters");
  app.add_option("--api-port", api_port);
  app.add_option("--static-port", static_port);
  app.add_option("--io-threads", io_threads);
  app.add_option("--workers", workers);
  app.add_option("--static-target", static_targets, "targets the static server answers (built once each)");
  app.add_option("--big-list", big_list, "pods in the in-process big-list timing (one cluster's worth)");
  CLI11_PARSE(app, argc, argv);

  pedia::storage::Registry registry;
  if (!pedia::storage::RegisterBuiltins(&registry).ok()) return 1;
  auto opened = registry.Open("memory", "");
  if (!opened.ok()) {
    std::fprintf(stderr, "open memory: %s\n", opened.status().message().c_str());
    return 1;
  }
  pedia::storage::Storage& storage = *opened.value();
  auto t0 = std::chrono::steady_clock::now();
  size_t bytes = 0;
  int per_cluster = pods / clusters;
  for (int c = 0; c < clusters; ++c) {
    std::string name = "cluster-" + std::to_string(c);
    storage.PutCluster(name, ClusterRecord(c));
    std::vector<pedia::storage::Write> batch;
    for (int i = 0; i < per_cluster; ++i) {
      pedia::storage::Write w;
      int ns = i % 10;
      w.object.namespace_name = "ns-" + std::to_string(ns);
      std::string app_name = "app-" + std::to_string(i / 10);
      w.object.name = app_name + "-5d8f7c9b4-" + std::to_string(100000 + i);
      w.object.uid = "c" + std::to_string(c) + "-" + std::to_string(i);
      w.object.owner_uid = "rs-" + w.object.uid;
      w.object.resource_version = std::to_string(1000 + i);
      w.object.creation_unix_ms = 1714557600000;
      w.object.labels = {
          {"app", app_name}, {"tier", i % 2 == 0 ? "frontend" : "backend"}, {"pod-template-hash", "5d8f7c9b4"}};
      w.object.json = PodJson(c, ns, i);
      bytes += w.object.json.size();
      batch.push_back(std::move(w));
      if (batch.size() == 2000 || i + 1 == per_cluster) {
        size_t failed = 0;
        Status s = storage.WriteBatch({name, {"", "v1", "pods"}, "Pod", true}, batch, &failed);
        if (!s.ok()) {
          std::fprintf(stderr, "write: %s\n", s.message().c_str());
          return 1;
        }
        batch.clear();
      }
    }
  }
  double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("loaded %d pods over %d clusters (%.1f MB of JSON, %.0f bytes/pod) in %.2f s\n", per_cluster * clusters,
              clusters, bytes / 1e6, static_cast<double>(bytes) / (per_cluster * clusters), load_s);

  pedia::server::AuthOptions ao;
  ao.anonymous = true;
  auto auth = pedia::server::Authenticator::Create(ao);
  pedia::server::ApiServerOptions options;
  options.workers = workers;
  options.cluster_refresh = std::chrono::milliseconds(1000);
  pedia::server::ApiServer api(&storage, auth->get(), options);

  // In-process timing of one big list through the handler (no network).
  std::string big = "/api/v1/pods?clusters=cluster-0&limit=" + std::to_string(big_list);
  Call(api, big);  // warm-up
  std::vector<double> ms;
  size_t big_bytes = 0;
  for (int i = 0; i < 7; ++i) {
    auto s = std::chrono::steady_clock::now();
    http::Response r = Call(api, big);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - s).count());
    big_bytes = r.body.size();
  }
  std::sort(ms.begin(), ms.end());
  std::printf("in-process list of %d pods (%.1f MB): median %.1f ms, min %.1f ms, max %.1f ms\n", big_list,
              big_bytes / 1e6, ms[ms.size() / 2], ms.front(), ms.back());
  std::string table_big = big;
  {
    http::Request r;
    std::vector<double> tms;
    for (int i = 0; i < 5; ++i) {
      http::Request req;
      req.method = "GET";
      req.target = table_big;
      req.path = "/api/v1/pods";
      req.query = table_big.substr(table_big.find('?') + 1);
      req.headers.emplace_back("accept", "application/json;as=Table;v=v1;g=meta.k8s.io,application/json");
      auto responder = std::make_shared<WaitingResponder>();
      auto s = std::chrono::steady_clock::now();
      api.Handle(std::move(req), responder);
      responder->Wait();
      tms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - s).count());
    }
    std::sort(tms.begin(), tms.end());
    std::printf("in-process Table of %d pods: median %.1f ms\n", big_list, tms[tms.size() / 2]);
  }

  // Storage alone, for the same query as the wrk target (rows counted, not copied).
  {
    pedia::storage::ListQuery q;
    q.gvr = {"", "v1", "pods"};
    q.limit = 500;
    q.labels.push_back({"tier", {}, PEDIA_STORAGE_OP_EQUALS, {"frontend"}});
    std::vector<double> sms;
    for (int i = 0; i < 20; ++i) {
      auto s = std::chrono::steady_clock::now();
      size_t n = 0;
      storage.List(
          q, [&](const pedia::storage::Row&) { return ++n, true; }, nullptr);
      sms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - s).count());
    }
    std::sort(sms.begin(), sms.end());
    std::printf("storage-only list (limit=500, tier=frontend): median %.2f ms\n", sms[sms.size() / 2]);
    std::vector<double> hms;
    for (int i = 0; i < 20; ++i) {
      auto s = std::chrono::steady_clock::now();
      Call(api, static_targets[0]);
      hms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - s).count());
    }
    std::sort(hms.begin(), hms.end());
    std::printf("in-process handler (same query): median %.2f ms\n", hms[hms.size() / 2]);
  }
  auto bodies = std::make_shared<std::map<std::string, http::Response>>();
  for (const std::string& target : static_targets) {
    http::Response r = Call(api, target);
    if (r.status != 200) {
      std::fprintf(stderr, "static target %s answered %d: %s\n", target.c_str(), r.status, r.body.c_str());
      return 1;
    }
    std::printf("static body for %s: %zu bytes\n", target.c_str(), r.body.size());
    (*bodies)[target] = std::move(r);
  }

  http::ServerOptions so;
  so.port = api_port;
  so.io_threads = io_threads;
  http::Server api_server(so, api.AsHandler());
  so.port = static_port;
  http::Server static_server(so, [bodies](http::Request&& req, std::shared_ptr<http::Responder> r) {
    auto it = bodies->find(req.target);
    if (it == bodies->end()) {
      http::Response missing;
      missing.status = 404;
      return r->Send(missing);
    }
    r->Send(it->second);
  });
  if (!api_server.Start().ok() || !static_server.Start().ok()) {
    std::fprintf(stderr, "cannot bind the benchmark ports\n");
    return 1;
  }
  std::printf("api-port %d static-port %d\n", api_server.port(), static_server.port());
  std::fflush(stdout);
  pedia::shutdown::Wait();
  api.Shutdown();
  api_server.Stop();
  static_server.Stop();
  return 0;
}
