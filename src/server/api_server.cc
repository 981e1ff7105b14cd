#include "server/api_server.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "base/base64.h"
#include "base/build_info.h"
#include "base/json_text.h"
#include "base/log.h"
#include "base/metrics.h"
#include "base/rfc3339.h"
#include "base/string_util.h"
#include "server/accept.h"
#include "server/api_error.h"
#include "server/api_path.h"
#include "server/cluster_index.h"
#include "server/health.h"
#include "server/json_scan.h"
#include "server/list_body.h"
#include "server/list_options.h"
#include "server/table.h"
#include "storage/selector.h"

namespace pedia::server {
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kJson = "application/json";
// Lists in an order other than the default read pages this many times
// larger (see RunList).
constexpr int64_t kCustomOrderPageFactor = 8;
// The fewest rows a list page reads however large its objects are.
constexpr int64_t kMinPageRows = 16;

// In a storage row callback, after a row was appended to buf: once a
// stream is open and buf holds flush_bytes, queue it on the stream.  Never
// waits, because the layer's lock is held (the wait for a slow client
// happens between storage reads).  False when the client is gone.
bool QueueWhenFull(http::ResponseStream* stream, size_t flush_bytes, std::string& buf) {
  if (!stream || buf.size() < flush_bytes) return true;
  if (!stream->Write(std::move(buf))) return false;
  buf.clear();
  return true;
}

int64_t NowUnix() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

using http::JsonResponse;

http::Response ErrorResponse(const ApiError& e) {
  http::Response r = JsonResponse(e.code, ToStatusJson(e));
  if (e.code == 401) r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"pedia\"");
  return r;
}

struct RequestMetrics {
  metrics::Family* requests;
  metrics::Family* latency;
  metrics::Value* inflight;
  metrics::Value* watches;
  metrics::Family* watch_events;

  static RequestMetrics& Get() {
    static RequestMetrics* m = [] {
      auto& reg = metrics::Registry::Global();
      auto* r = new RequestMetrics;
      r->requests = reg.Counter("pedia_apiserver_request_total", "Requests served, by verb, resource and HTTP code.",
                                {"verb", "resource", "code"});
      r->latency = reg.Histogram("pedia_apiserver_request_duration_seconds",
                                 "Time to the response (first byte for streams), by verb and resource.",
                                 {"verb", "resource"}, metrics::DefaultLatencyBuckets());
      r->inflight =
          reg.Gauge("pedia_apiserver_current_inflight_requests", "Requests being served (watches excluded).")->With({});
      r->watches = reg.Gauge("pedia_apiserver_watch_streams", "Open watch streams.")->With({});
      r->watch_events =
          reg.Counter("pedia_apiserver_watch_events_total", "Watch events sent, by resource.", {"resource"});
      return r;
    }();
    return *m;
  }
};

// Wraps the transport's Responder to record metrics and the -v=2 request log.
class MeteredResponder : public http::Responder {
 public:
  MeteredResponder(std::shared_ptr<http::Responder> inner, const http::Request& request)
      : inner_(std::move(inner)),
        method_(request.method),
        target_(request.target),
        remote_(request.remote_address),
        user_agent_(request.Header("user-agent")),
        start_(Clock::now()) {
    RequestMetrics::Get().inflight->Add(1);
  }
  ~MeteredResponder() override {
    // A handler that never answered: the client gets a 500, unless the
    // transport answered first (a 504 it has counted itself).
    if (recorded_) return;
    if (inner_->TrySend(ErrorResponse(ApiError::Internal("the handler gave no response"))))
      Record(500);
    else
      Dropped();
  }

  std::string verb = "get";
  std::string resource;
  std::string user;

  // Counted only when the transport took the answer: past the request
  // deadline the transport has answered (and counted) a 504 instead.
  bool TrySend(http::Response response) override {
    int code = response.status;
    if (!inner_->TrySend(std::move(response))) {
      Dropped();
      return false;
    }
    Record(code);
    return true;
  }
  bool Answered() const override { return inner_->Answered(); }
  std::shared_ptr<http::ResponseStream> Stream(int status, http::Headers headers) override {
    std::shared_ptr<http::ResponseStream> stream = inner_->Stream(status, std::move(headers));
    if (stream)
      Record(status);
    else
      Dropped();
    return stream;
  }

 private:
  // The transport answered instead (and counted that answer itself): this
  // request only leaves the in-flight gauge.
  void Dropped() {
    if (!recorded_.exchange(true)) RequestMetrics::Get().inflight->Add(-1);
  }

  void Record(int code) {
    if (recorded_.exchange(true)) return;
    RequestMetrics& m = RequestMetrics::Get();
    m.inflight->Add(-1);
    double seconds = std::chrono::duration<double>(Clock::now() - start_).count();
    m.requests->With({verb, resource, std::to_string(code)})->Inc();
    m.latency->HistogramWith({verb, resource})->Observe(seconds);
    PEDIA_LOG_V(2, "HTTP", {"verb", method_}, {"URI", target_}, {"latency", std::to_string(seconds * 1000) + "ms"},
                {"userAgent", user_agent_}, {"user", user}, {"resp", code}, {"srcIP", remote_});
  }

  std::shared_ptr<http::Responder> inner_;
  std::string method_, target_, remote_, user_agent_;
  Clock::time_point start_;
  std::atomic<bool> recorded_{false};
};

// A fixed pool of threads for storage reads.
class WorkerPool {
 public:
  explicit WorkerPool(int n) {
    for (int i = 0; i < std::max(1, n); ++i) threads_.emplace_back([this] { Run(); });
  }
  ~WorkerPool() { Stop(); }
  /// False once stopped: the caller must answer the request itself.
  [[nodiscard]] bool Post(std::function<void()> fn) {
    {
      std::lock_guard<std::mutex> l(mu_);
      if (stopped_) return false;
      queue_.push_back(std::move(fn));
    }
    cv_.notify_one();
    return true;
  }
  void Stop() {
    {
      std::lock_guard<std::mutex> l(mu_);
      if (stopped_) return;
      stopped_ = true;
    }
    cv_.notify_all();
    for (std::thread& t : threads_) t.join();
  }

 private:
  void Run() {
    for (;;) {
      std::function<void()> fn;
      {
        std::unique_lock<std::mutex> l(mu_);
        cv_.wait(l, [&] { return stopped_ || !queue_.empty(); });
        if (queue_.empty()) return;
        fn = std::move(queue_.front());
        queue_.pop_front();
      }
      fn();
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  std::vector<std::thread> threads_;
  bool stopped_ = false;
};

// One watch: receives storage events on a layer thread and queues frames on
// the client's stream without ever blocking; a client that falls too far
// behind loses its watch.
class WatchSession : public storage::WatchObserver {
 public:
  WatchSession(BodyShape shape, std::shared_ptr<TablePrinter> owned_printer, bool bookmarks, size_t pending_limit,
               std::string resource)
      : shape_(std::move(shape)),
        owned_printer_(std::move(owned_printer)),
        bookmarks_(bookmarks),
        pending_limit_(pending_limit),
        resource_(std::move(resource)) {}

  bool OnEvent(pedia_storage_event_type type, const storage::Row& row) override {
    {
      std::lock_guard<std::mutex> l(mu_);
      last_rv_ = std::string(row.resource_version);
    }
    if (type == PEDIA_STORAGE_EVENT_BOOKMARK && !bookmarks_) return true;
    BodyShape shape = shape_;
    shape.now_unix = NowUnix();  // ages are relative to the event, not the watch start
    std::string frame = WatchFrame(shape, type, row);
    std::lock_guard<std::mutex> l(mu_);
    if (!stream_) {
      early_bytes_ += frame.size();
      early_.push_back(std::move(frame));
      return early_bytes_ <= pending_limit_;
    }
    if (stream_->IsClosed()) return false;
    if (stream_->PendingBytes() > pending_limit_) {
      PEDIA_LOG_WARNING("ending a watch whose client does not keep up", {"resource", resource_},
                        {"pendingBytes", static_cast<int64_t>(stream_->PendingBytes())});
      stream_->Close();
      return false;
    }
    RequestMetrics::Get().watch_events->With({resource_})->Inc();
    return stream_->Write(std::move(frame));
  }

  void OnClosed(const Status& status) override {
    std::lock_guard<std::mutex> l(mu_);
    closed_ = true;
    closed_status_ = status;
    if (stream_) Finish();
  }

  void Attach(std::shared_ptr<http::ResponseStream> stream) {
    std::lock_guard<std::mutex> l(mu_);
    stream_ = std::move(stream);
    for (std::string& f : early_) stream_->Write(std::move(f));
    early_.clear();
    if (closed_) Finish();
  }

  /// Sends a BOOKMARK with the last resourceVersion when one is due.
  void MaybeBookmark(Clock::time_point now, std::chrono::milliseconds interval) {
    std::lock_guard<std::mutex> l(mu_);
    if (!bookmarks_ || !stream_ || stream_->IsClosed() || last_rv_.empty()) return;
    if (next_bookmark_ == Clock::time_point()) next_bookmark_ = now + interval;
    if (now < next_bookmark_) return;
    next_bookmark_ = now + interval;
    storage::Row row;
    row.resource_version = last_rv_;
    stream_->Write(WatchFrame(shape_, PEDIA_STORAGE_EVENT_BOOKMARK, row));
  }

  void SetStartResourceVersion(std::string rv) {
    std::lock_guard<std::mutex> l(mu_);
    if (last_rv_.empty() && rv != "0") last_rv_ = std::move(rv);
  }

  void CloseStream() {
    std::lock_guard<std::mutex> l(mu_);
    if (stream_) stream_->Close();
  }

  std::unique_ptr<storage::WatchHandle> handle;
  Clock::time_point deadline;

 private:
  void Finish() {
    if (!closed_status_.ok() && !stream_->IsClosed()) {
      ApiError e = closed_status_.code() == Status::kExpired ? ApiError::Gone(closed_status_.message())
                                                             : ApiError::FromStatus(closed_status_);
      stream_->Write(WatchErrorFrame(ToStatusJson(e)));
    }
    stream_->Close();
  }

  BodyShape shape_;
  std::shared_ptr<TablePrinter> owned_printer_;
  bool bookmarks_;
  size_t pending_limit_;
  std::string resource_;
  std::mutex mu_;
  std::shared_ptr<http::ResponseStream> stream_;
  std::vector<std::string> early_;
  size_t early_bytes_ = 0;
  bool closed_ = false;
  Status closed_status_;
  std::string last_rv_;
  Clock::time_point next_bookmark_;
};

// Which unhealthy clusters a response carries a Warning header for
// (clusterpedia-spec §4.3 step 9): those the request names, and those whose
// rows are in the answer.  A list across all clusters does not warn about
// an unhealthy cluster it holds nothing from.
class ClusterWarnings {
 public:
  ClusterWarnings(std::shared_ptr<const ClusterIndex> index, const std::vector<std::string>& named)
      : index_(std::move(index)) {
    if (named.empty()) {
      for (const ClusterInfo& c : index_->clusters()) {
        if (!c.healthy) candidates_.push_back({&c, false});
      }
      return;
    }
    for (const std::string& name : named) {
      const ClusterInfo* c = index_->Find(name);
      if (c && !c->healthy) candidates_.push_back({c, true});
    }
  }

  /// A row of cluster is in the answer.  Cheap: candidates are the few
  /// unhealthy clusters.
  void Saw(std::string_view cluster) {
    for (Candidate& c : candidates_) {
      if (!c.warn && c.info->name == cluster) c.warn = true;
    }
  }
  void WarnAllCandidates() {
    for (Candidate& c : candidates_) c.warn = true;
  }
  /// Unhealthy clusters the answer has shown nothing from yet.
  std::vector<std::string> Unseen() const {
    std::vector<std::string> out;
    for (const Candidate& c : candidates_) {
      if (!c.warn) out.push_back(c.info->name);
    }
    return out;
  }
  /// The Warning headers, followed by extra.
  http::Headers Headers(const http::Headers& extra = {}) const {
    http::Headers h;
    for (const Candidate& c : candidates_) {
      if (!c.warn) continue;
      std::string text = c.info->name + " is not ready and the resources obtained may be inaccurate";
      if (!c.info->unhealthy_reason.empty()) text += ", reason: " + c.info->unhealthy_reason;
      h.emplace_back("Warning", "299 - " + JsonQuote(text));
    }
    h.insert(h.end(), extra.begin(), extra.end());
    return h;
  }

 private:
  struct Candidate {
    const ClusterInfo* info;  // owned by index_
    bool warn;
  };
  std::shared_ptr<const ClusterIndex> index_;
  std::vector<Candidate> candidates_;
};

// "v1.30.2" -> ("1", "30"); "v0.1.0-5-gabc1234" -> ("0", "1").
std::pair<std::string, std::string> MajorMinor(std::string_view git_version) {
  std::string_view v = git_version;
  if (!v.empty() && v[0] == 'v') v.remove_prefix(1);
  size_t dot = v.find('.');
  std::string major(v.substr(0, dot));
  std::string minor;
  if (dot != std::string_view::npos) {
    std::string_view rest = v.substr(dot + 1);
    size_t end = 0;
    while (end < rest.size() && rest[end] >= '0' && rest[end] <= '9') ++end;
    minor = std::string(rest.substr(0, end));
  }
  return {major, minor};
}

// Kubernetes' version.Info (k8s.io/apimachinery/pkg/version), every field.
std::string VersionInfoJson(std::string_view git_version, std::string_view git_commit, std::string_view tree_state,
                            std::string_view build_date, std::string_view compiler, std::string_view platform) {
  auto [major, minor] = MajorMinor(git_version);
  return "{\"major\":" + JsonQuote(major) + ",\"minor\":" + JsonQuote(minor) + ",\"gitVersion\":" +
         JsonQuote(git_version) + ",\"gitCommit\":" + JsonQuote(git_commit) + ",\"gitTreeState\":" +
         JsonQuote(tree_state) + ",\"buildDate\":" + JsonQuote(build_date) +
         ",\"goVersion\":\"\",\"compiler\":" + JsonQuote(compiler) + ",\"platform\":" + JsonQuote(platform) + "}";
}

// A member cluster's /version: what its cluster record holds, which is the
// gitVersion the synchro read from the member (status.version); the record
// keeps nothing else of the member's build.
std::string KubeVersionJson(std::string_view git_version) { return VersionInfoJson(git_version, "", "", "", "", ""); }

// pedia's own /version: pedia's build (src/base/build_info), so that
// `kubectl version` against pedia says which pedia answers.
std::string PediaVersionJson() {
  const BuildInfo& b = GetBuildInfo();
  return VersionInfoJson(b.git_version, b.git_commit, b.git_tree_state, b.build_date, b.compiler, b.platform);
}

std::string ClusterpediaResourceList() {
  return R"({"kind":"APIResourceList","apiVersion":"v1","groupVersion":"clusterpedia.io/v1beta1","resources":[)"
         R"({"name":"resources","singularName":"resources","namespaced":false,"kind":"Resources","verbs":["get"]},)"
         R"({"name":"collectionresources","singularName":"collectionresource","namespaced":false,)"
         R"("kind":"CollectionResource","verbs":["get","list"]}]})";
}

std::string ClusterGroupResourceList() {
  return R"({"kind":"APIResourceList","apiVersion":"v1","groupVersion":"cluster.clusterpedia.io/v1alpha2","resources":[)"
         R"({"name":"pediaclusters","singularName":"pediacluster","namespaced":false,"kind":"PediaCluster",)"
         R"("verbs":["get","list"]}]})";
}

std::string WithKind(std::string body, std::string_view kind) {
  return "{\"kind\":\"" + std::string(kind) + "\",\"apiVersion\":\"v1\"," + body.substr(1);
}

struct CollectionDef {
  const char* name;
  std::vector<std::pair<std::string, std::string>> types;  // group, resource ("" resource: whole group)
};

const std::vector<CollectionDef>& Collections() {
  static const auto* defs = new std::vector<CollectionDef>{
      {"any", {}},
      {"workloads", {{"apps", "deployments"}, {"apps", "daemonsets"}, {"apps", "statefulsets"}}},
      {"kuberesources",
       {{"", ""},
        {"admission.k8s.io", ""},
        {"admissionregistration.k8s.io", ""},
        {"apiextensions.k8s.io", ""},
        {"apps", ""},
        {"authentication.k8s.io", ""},
        {"authorization.k8s.io", ""},
        {"autoscaling", ""},
        {"batch", ""},
        {"certificates.k8s.io", ""},
        {"coordination.k8s.io", ""},
        {"discovery.k8s.io", ""},
        {"events.k8s.io", ""},
        {"extensions", ""},
        {"flowcontrol.apiserver.k8s.io", ""},
        {"networking.k8s.io", ""},
        {"node.k8s.io", ""},
        {"policy", ""},
        {"rbac.authorization.k8s.io", ""},
        {"resource.k8s.io", ""},
        {"scheduling.k8s.io", ""},
        {"storage.k8s.io", ""}}},
  };
  return *defs;
}

}  // namespace

struct ApiServer::Impl : std::enable_shared_from_this<ApiServer::Impl> {
  Impl(storage::Storage* s, const Authenticator* a, ApiServerOptions o)
      : storage(s), auth(a), options(std::move(o)), workers(options.workers) {
    reaper = std::thread([this] { ReapLoop(); });
  }

  storage::Storage* storage;
  const Authenticator* auth;
  ApiServerOptions options;
  WorkerPool workers;

  std::mutex index_mu;
  std::shared_ptr<const ClusterIndex> index;
  Clock::time_point index_built;

  std::mutex watch_mu;
  std::condition_variable watch_cv;
  std::map<WatchSession*, std::shared_ptr<WatchSession>> watches;
  std::vector<std::shared_ptr<WatchSession>> ended;
  bool stopping = false;
  std::thread reaper;

  // ---- clusters ----
  std::shared_ptr<const ClusterIndex> Clusters() {
    std::lock_guard<std::mutex> l(index_mu);
    if (index && Clock::now() - index_built < options.cluster_refresh) return index;
    std::vector<std::pair<std::string, std::string>> records;
    Status s = storage->ListClusters([&](std::string_view name, std::string_view json) {
      records.emplace_back(std::string(name), std::string(json));
    });
    if (!s.ok()) {
      PEDIA_LOG_WARNING("cannot read cluster records from storage; serving the last known set",
                        {"error", s.ToString()});
      if (!index) index = ClusterIndex::Build({});
    } else {
      index = ClusterIndex::Build(records);
    }
    index_built = Clock::now();
    return index;
  }

  // ---- watches ----
  void ReapLoop() {
    std::unique_lock<std::mutex> l(watch_mu);
    while (!stopping) {
      watch_cv.wait_for(l,
                        std::min<std::chrono::milliseconds>(std::chrono::milliseconds(200), options.bookmark_interval));
      std::vector<std::shared_ptr<WatchSession>> release;
      release.swap(ended);
      Clock::time_point now = Clock::now();
      for (auto& [ptr, w] : watches) {
        if (now >= w->deadline)
          w->CloseStream();
        else
          w->MaybeBookmark(now, options.bookmark_interval);
      }
      l.unlock();
      release.clear();  // destroys handles (watch_stop) outside every lock
      l.lock();
    }
  }

  void EndWatch(WatchSession* w) {
    std::lock_guard<std::mutex> l(watch_mu);
    auto it = watches.find(w);
    if (it == watches.end()) return;
    ended.push_back(std::move(it->second));
    watches.erase(it);
    RequestMetrics::Get().watches->Add(-1);
  }

  void Shutdown() {
    std::vector<std::shared_ptr<WatchSession>> all;
    {
      std::lock_guard<std::mutex> l(watch_mu);
      if (stopping) return;
      stopping = true;
      for (auto& [p, w] : watches) all.push_back(w);
    }
    watch_cv.notify_all();
    if (reaper.joinable()) reaper.join();
    for (auto& w : all) w->CloseStream();
    workers.Stop();
    std::lock_guard<std::mutex> l(watch_mu);
    all.clear();
    ended.clear();
    for (auto& [p, w] : watches) w->handle.reset();
    watches.clear();
  }

  // ---- dispatch ----
  void Handle(http::Request&& req, std::shared_ptr<http::Responder> raw) {
    auto responder = std::make_shared<MeteredResponder>(raw, req);
    QueryParams params = http::ParseQuery(req.query);
    Result<ApiRoute> route = RoutePath(req.path);
    if (route.ok() && route->kind == ApiRoute::kHealth) {
      responder->resource = route->health_endpoint;
      return Health(*route, params, responder);
    }
    Result<UserInfo> user = auth->Authenticate(req);
    if (!user.ok()) return responder->Send(ErrorResponse(ApiError::Unauthorized("Unauthorized")));
    responder->user = user->name;
    if (req.method != "GET" && req.method != "HEAD") {
      responder->verb = req.method;
      return responder->Send(
          ErrorResponse(ApiError::MethodNotAllowed("the server does not allow this method on the requested "
                                                   "resource\nDETAIL: pedia serves get, list and watch only")));
    }
    if (!route.ok()) return responder->Send(ErrorResponse(ApiError::NotFound(route.status().message())));
    switch (route->kind) {
      case ApiRoute::kMetrics: {
        responder->resource = "metrics";
        http::Response r;
        r.headers.emplace_back("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
        r.body = metrics::Registry::Global().Render();
        return responder->Send(std::move(r));
      }
      case ApiRoute::kCollectionResourceList:
      case ApiRoute::kCollectionResource:
        return CollectionResources(*route, req, params, responder);
      case ApiRoute::kHealth:
        break;
      case ApiRoute::kKube:
        return Kube(*route, req, params, responder);
    }
  }

  void Health(const ApiRoute& route, const QueryParams& params, std::shared_ptr<MeteredResponder> responder) {
    std::vector<HealthCheck> checks = {{"ping", [] { return Status::Ok(); }}, {"log", [] { return Status::Ok(); }}};
    if (route.health_endpoint == "readyz" || route.health_endpoint == "healthz") {
      checks.push_back({"storage", [this] { return storage->Ready(); }});
      for (const auto& [name, fn] : options.ready_checks) checks.push_back({name, fn});
      checks.push_back({"shutdown", [this] {
                          std::lock_guard<std::mutex> l(watch_mu);
                          return stopping ? Status::Unavailable("shutting down") : Status::Ok();
                        }});
    }
    HealthResult h = RunHealthChecks(route.health_endpoint, route.health_check, params, checks);
    http::Response r;
    r.status = h.code;
    r.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
    r.body = std::move(h.body);
    responder->Send(std::move(r));
  }

  // Offloads fn to the workers; once they stopped (shutdown), answers 503
  // rather than letting the dropped responder turn into a 500.
  void Offload(const std::shared_ptr<MeteredResponder>& responder, std::function<void()> fn) {
    // Under overload a queued request may pass its deadline (answered 504)
    // before a worker is free: skip its storage work then.
    auto run = [responder, fn = std::move(fn)] {
      if (!responder->Answered()) fn();
    };
    if (workers.Post(std::move(run))) return;
    responder->Send(ErrorResponse(
        ApiError::Unavailable("the apiserver is shutting down\nHINT: retry; another replica or the restarted "
                              "apiserver will answer")));
  }

  // Rejects the forward header (clusterpedia-spec §4.3 step 1, §4.7):
  // forwarding to member clusters needs the proxy, which pedia lacks.
  static std::optional<ApiError> RejectForward(const http::Request& req) {
    std::string_view v = req.Header("x-clusterpedia-forward");
    if (v.size() != 4 || std::tolower(v[0]) != 't' || std::tolower(v[1]) != 'r' || std::tolower(v[2]) != 'u' ||
        std::tolower(v[3]) != 'e')
      return std::nullopt;
    return ApiError::BadParameter("x-clusterpedia-forward",
                                  "forwarding requests to member clusters is not supported by pedia yet\n"
                                  "HINT: drop the header; pedia answers from the synced objects in storage");
  }

  void Kube(const ApiRoute& route, const http::Request& req, const QueryParams& params,
            std::shared_ptr<MeteredResponder> responder) {
    const KubePath& k = route.kube;
    std::shared_ptr<const ClusterIndex> idx = Clusters();
    const std::string& cluster = route.cluster;
    if (!cluster.empty() && !idx->Find(cluster)) {
      return responder->Send(
          ErrorResponse(ApiError::NotFound("the server could not find the requested cluster \"" + cluster +
                                           "\"\nHINT: list the clusters with "
                                           "kubectl get pediaclusters")));
    }
    if (auto e = RejectForward(req)) return responder->Send(ErrorResponse(*e));
    bool self_groups = !route.under_resources;  // clusterpedia.io itself is served at the root only
    auto not_found = [&] {
      responder->Send(ErrorResponse(ApiError::NotFound("the server could not find the requested resource")));
    };
    switch (k.kind) {
      case KubePath::kApiVersions:
        responder->resource = "discovery";
        return responder->Send(JsonResponse(200, idx->ApiVersionsJson()));
      case KubePath::kVersion:
        responder->resource = "version";
        if (!cluster.empty()) {
          const std::string& v = idx->Find(cluster)->kube_version;
          if (v.empty()) {
            return responder->Send(ErrorResponse(ApiError::Unavailable(
                "cluster \"" + cluster +
                "\" has not reported its Kubernetes version yet\nHINT: it appears once the synchro has reached "
                "the cluster; see the VERSION column of kubectl get pediaclusters")));
          }
          return responder->Send(JsonResponse(200, KubeVersionJson(v)));
        }
        return responder->Send(JsonResponse(200, PediaVersionJson()));
      case KubePath::kGroupList: {
        responder->resource = "discovery";
        std::vector<std::string> extra = {GroupJsonFor(kClusterGroup, {std::string(kClusterVersion)})};
        if (self_groups) extra.push_back(GroupJsonFor(kClusterpediaGroup, {std::string(kClusterpediaVersion)}));
        return responder->Send(JsonResponse(200, idx->GroupListJson(cluster, extra)));
      }
      case KubePath::kGroup: {
        responder->resource = "discovery";
        if (k.group == kClusterGroup) {
          return responder->Send(
              JsonResponse(200, WithKind(GroupJsonFor(kClusterGroup, {std::string(kClusterVersion)}), "APIGroup")));
        }
        if (self_groups && k.group == kClusterpediaGroup) {
          return responder->Send(JsonResponse(
              200, WithKind(GroupJsonFor(kClusterpediaGroup, {std::string(kClusterpediaVersion)}), "APIGroup")));
        }
        std::string body = idx->GroupJson(cluster, k.group);
        return body.empty() ? not_found() : responder->Send(JsonResponse(200, std::move(body)));
      }
      case KubePath::kResourceList: {
        responder->resource = "discovery";
        if (k.group == kClusterGroup && k.version == kClusterVersion) {
          return responder->Send(JsonResponse(200, ClusterGroupResourceList()));
        }
        if (self_groups && k.group == kClusterpediaGroup && k.version == kClusterpediaVersion) {
          return responder->Send(JsonResponse(200, ClusterpediaResourceList()));
        }
        std::string body = idx->ResourceListJson(cluster, k.group, k.version, storage->Verbs());
        return body.empty() ? not_found() : responder->Send(JsonResponse(200, std::move(body)));
      }
      case KubePath::kResource:
        break;
    }
    responder->resource = k.resource;
    if (k.group == kClusterGroup && k.version == kClusterVersion && k.resource == "pediaclusters") {
      return PediaClusters(k, req, idx, responder);
    }
    const SyncedResource* res = idx->FindResource(cluster, k.group, k.version, k.resource);
    if (!res || !k.subresource.empty() || (!res->namespaced && !k.namespace_name.empty())) return not_found();

    OutputFormat format;
    if (!NegotiateOutput(req.Header("accept"), &format)) {
      return responder->Send(
          ErrorResponse(ApiError::NotAcceptable("only the following media types are accepted: application/json, "
                                                "application/json;as=Table;g=meta.k8s.io;v=v1, "
                                                "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1")));
    }
    ListContext lc;
    lc.path_cluster = cluster;
    lc.path_namespace = k.namespace_name;
    lc.remaining_count_default = options.remaining_count_default;
    lc.metadata_accept = format.kind == OutputFormat::kPartialMetadata;
    ListOptions lo;
    if (auto e = ParseListOptions(params, lc, &lo)) return responder->Send(ErrorResponse(*e));
    bool watch = lo.watch || k.legacy_watch;
    responder->verb = watch ? "watch" : k.name.empty() ? "list" : "get";
    storage::ListQuery& q = lo.query;
    q.gvr = storage::Gvr{k.group, res->storage_version, k.resource};
    if (format.kind == OutputFormat::kTable) q.only_metadata = false;  // cells need the whole object
    if (auto e = CheckCapabilities(q)) return responder->Send(ErrorResponse(*e));

    BodyShape shape;
    shape.format = format;
    shape.api_version = GroupVersion(k.group, k.version);
    shape.kind = res->kind;
    shape.only_metadata = q.only_metadata;
    shape.now_unix = NowUnix();
    if (!lo.include_object.empty()) shape.include_object = lo.include_object;
    std::shared_ptr<TablePrinter> owned_printer;
    if (format.kind == OutputFormat::kTable) {
      shape.printer = BuiltinPrinter(k.group, k.resource);
      if (!shape.printer && !res->printer_columns.empty()) {
        owned_printer = MakeCustomPrinter(res->printer_columns);
        shape.printer = owned_printer.get();
      }
      if (!shape.printer) shape.printer = DefaultPrinter();
    }
    // q.clusters holds the path cluster too (ParseListOptions puts it there).
    ClusterWarnings warnings(idx, q.clusters);
    http::Headers headers = {{"Content-Type", kJson}};

    if (watch) {
      if (!storage->Has(PEDIA_STORAGE_CAP_WATCH)) {
        return responder->Send(ErrorResponse(
            ApiError::MethodNotAllowed("watch is not supported by storage layer \"" + storage->name() + "\"")));
      }
      if (!k.name.empty()) q.names = {k.name};
      // Events may come from any cluster the watch covers, for as long as
      // it lasts: it warns for all of them up front.
      warnings.WarnAllCandidates();
      return StartWatch(std::move(lo), std::move(shape), std::move(owned_printer), warnings.Headers(headers),
                        responder);
    }
    if (!k.name.empty()) {
      if (cluster.empty()) {
        return responder->Send(ErrorResponse(ApiError::BadRequest(
            "please specify the cluster name when using the resource name to get a specific resource.")));
      }
      if (!storage->Has(PEDIA_STORAGE_CAP_GET)) {
        return responder->Send(ErrorResponse(
            ApiError::MethodNotAllowed("get is not supported by storage layer \"" + storage->name() + "\"")));
      }
      http::Headers get_headers = warnings.Headers(headers);  // the one named cluster
      auto self = shared_from_this();
      return Offload(responder, [self, shape = std::move(shape), owned_printer, headers = std::move(get_headers),
                                 q = std::move(q), name = k.name, group = k.group, cluster, responder]() mutable {
        self->RunGet(cluster, q, name, group, shape, std::move(headers), responder);
      });
    }
    if (!storage->Has(PEDIA_STORAGE_CAP_LIST)) {
      return responder->Send(ErrorResponse(
          ApiError::MethodNotAllowed("list is not supported by storage layer \"" + storage->name() + "\"")));
    }
    auto self = shared_from_this();
    Offload(responder, [self, lo = std::move(lo), shape = std::move(shape), owned_printer,
                        headers = std::move(headers), warnings = std::move(warnings), responder]() mutable {
      self->RunList(lo, ListBody(shape), std::move(warnings), std::move(headers), responder);
    });
  }

  std::optional<ApiError> CheckCapabilities(storage::ListQuery& q) {
    auto lacks = [&](uint64_t cap, std::string_view param, std::string_view what) -> std::optional<ApiError> {
      if (storage->Has(cap)) return std::nullopt;
      return ApiError::BadParameter(param, std::string(what) + " is not supported by storage layer \"" +
                                               storage->name() +
                                               "\"\nHINT: use a storage layer that supports it, "
                                               "such as internal");
    };
    if (!q.fields.empty()) {
      if (auto e = lacks(PEDIA_STORAGE_CAP_FIELD_SELECTOR, "fieldSelector", "the enhanced field selector")) return e;
    }
    if (!q.owner_uid.empty() || !q.owner_name.empty()) {
      if (auto e = lacks(PEDIA_STORAGE_CAP_OWNER, q.owner_uid.empty() ? "ownerName" : "ownerUID", "owner search"))
        return e;
    }
    if (!q.fuzzy_names.empty()) {
      if (auto e =
              lacks(PEDIA_STORAGE_CAP_FUZZY_NAME, "internalstorage.clusterpedia.io/fuzzy-name", "fuzzy name search")) {
        return e;
      }
    }
    if (!q.order_by.empty()) {
      if (auto e = lacks(PEDIA_STORAGE_CAP_ORDER_BY, "orderby", "ordering")) return e;
    }
    // remainingItemCount is optional in Kubernetes lists: leave it out.
    if (!storage->Has(PEDIA_STORAGE_CAP_REMAINING_COUNT)) q.with_remaining_count = false;
    return std::nullopt;
  }

  void RunGet(const std::string& cluster, const storage::ListQuery& q, const std::string& name,
              const std::string& group, const BodyShape& shape, http::Headers headers,
              std::shared_ptr<MeteredResponder> responder) {
    std::string body;
    bool found = false;
    std::string ns = q.namespaces.empty() ? "" : q.namespaces[0];
    Status s = storage->Get(cluster, q.gvr, ns, name, [&](const storage::Row& row) {
      body = ObjectBody(shape, row);
      found = true;
      return false;
    });
    if (s.IsNotFound() || (s.ok() && !found)) {
      return responder->Send(ErrorResponse(ApiError::ObjectNotFound(group, q.gvr.resource, name)));
    }
    if (!s.ok()) return responder->Send(ErrorResponse(ApiError::FromStatus(s)));
    http::Response r;
    r.headers = std::move(headers);
    r.body = std::move(body);
    responder->Send(std::move(r));
  }

  // Reads the list in pages of list_page_rows (design.md §2.2 streaming with
  // back-pressure).  Row callbacks run under the layer's read lock, where a
  // slow client must never hold up the synchro's writes; so the wait for the
  // client (WaitWritable) happens only between pages, outside the lock.  A
  // slow reader thus costs at most list_pending_limit plus one page of
  // memory, and the request deadline still ends the wait (the transport
  // ends the stream).
  //
  // The answer goes out whole when it fits in list_flush_bytes, so that an
  // error can still become a Status and Warning headers are exact; beyond
  // that it streams from the next page boundary on.
  //
  // Pages are separate reads: a row changed while the list is read may be
  // seen in its old or new state, as with any chunked Kubernetes list.  The
  // list's resourceVersion is the first page's, so a watch started from it
  // replays, rather than misses, the changes made while reading.
  // Whether query, narrowed to cluster, has a row (from its continue
  // position on): for Warning headers that leave before every row is read.
  // A failed probe says no; the list itself reports storage errors.
  bool HasRowsIn(storage::ListQuery query, const std::string& cluster) {
    query.clusters = {cluster};
    query.limit = 1;
    query.with_remaining_count = false;
    bool has_rows = false;
    Status s = storage->List(
        query,
        [&](const storage::Row&) {
          has_rows = true;
          return false;
        },
        nullptr);
    return s.ok() && has_rows;
  }

  void RunList(const ListOptions& lo, ListBody body, ClusterWarnings warnings, http::Headers headers,
               std::shared_ptr<MeteredResponder> responder) {
    std::string buf;
    std::shared_ptr<http::ResponseStream> stream;
    bool client_gone = false;
    body.Begin(&buf);
    storage::ListQuery q = lo.query;
    const int64_t wanted = lo.query.limit;  // 0: every row
    // In the default order a layer resumes a page where the last one ended
    // (an index walk); in another order it must select each page's rows
    // from all matches again, so a list of N rows costs N^2/page: fewer,
    // larger pages there (more memory per page, still bounded).
    const int64_t max_page_rows = options.list_page_rows <= 0 ? 0
                                  : lo.query.order_by.empty() ? options.list_page_rows
                                                              : options.list_page_rows * kCustomOrderPageFactor;
    // A page is also bounded in bytes, so that large objects (a ConfigMap
    // may hold 1 MiB) do not queue a page far past list_pending_limit: after
    // each page its average row size sets the next page's rows.
    int64_t page_rows = max_page_rows;
    int64_t emitted = 0;
    storage::ListSummary summary;
    std::string list_rv;
    bool first_page = true;
    for (;;) {
      // A layer that sent more rows than asked must not turn the next
      // page's limit into 0 (every row).
      if (wanted > 0 && emitted >= wanted) break;
      bool last_page = page_rows == 0;
      if (wanted > 0 && (page_rows == 0 || wanted - emitted <= page_rows)) {
        q.limit = wanted - emitted;
        last_page = true;
      } else {
        q.limit = page_rows;
      }
      int64_t page_row_count = 0;
      size_t page_bytes = 0;
      // A remaining count is only meaningful (and only paid for) on the page
      // that ends at the client's limit.
      q.with_remaining_count = lo.query.with_remaining_count && last_page;
      storage::ListSummary page;
      Status s = storage->List(
          q,
          [&](const storage::Row& row) {
            ++emitted;
            ++page_row_count;
            warnings.Saw(row.cluster);
            size_t before = buf.size();
            body.Row(row, &buf);
            page_bytes += buf.size() - before;
            if (QueueWhenFull(stream.get(), options.list_flush_bytes, buf)) return true;
            client_gone = true;
            return false;
          },
          &page);
      if (!s.ok() || client_gone) {
        if (stream) {
          if (!s.ok())
            PEDIA_LOG_WARNING("list failed after streaming began; ending the response", {"error", s.ToString()});
          stream->Close();  // truncated JSON: the client sees an error
          return;
        }
        if (client_gone) return;
        return responder->Send(ErrorResponse(ApiError::FromStatus(s)));
      }
      if (first_page) list_rv = page.resource_version;
      first_page = false;
      summary = std::move(page);
      if (last_page || summary.continue_token.empty()) break;
      if (page_row_count > 0) {
        int64_t row_bytes = std::max<int64_t>(1, static_cast<int64_t>(page_bytes) / page_row_count);
        page_rows = std::clamp<int64_t>(static_cast<int64_t>(options.list_pending_limit) / row_bytes,
                                        std::min(kMinPageRows, max_page_rows), max_page_rows);
      }
      q.continue_token = summary.continue_token;
      // Between pages, outside the layer's lock.
      if (!stream && buf.size() >= options.list_flush_bytes) {
        // The headers leave now: warn also for unhealthy clusters whose rows
        // are still to come.
        for (const std::string& c : warnings.Unseen())
          if (HasRowsIn(q, c)) warnings.Saw(c);
        stream = responder->Stream(200, warnings.Headers(headers));
        if (!stream) return;  // answered already (deadline) or shutting down
      }
      if (stream) {
        if (!buf.empty()) {
          if (!stream->Write(std::move(buf))) return;
          buf.clear();
        }
        if (!stream->WaitWritable(options.list_pending_limit)) return;  // client gone or deadline passed
      }
    }
    summary.resource_version = list_rv;
    body.End(summary, lo.with_continue, &buf);
    SendRest(stream, std::move(buf), warnings, std::move(headers), *responder);
  }

  // Ends a list's answer: the last bytes on the stream when one began, else
  // the whole body with the Warning headers and extra.
  static void SendRest(const std::shared_ptr<http::ResponseStream>& stream, std::string buf,
                       const ClusterWarnings& warnings, http::Headers extra, http::Responder& responder) {
    if (stream) {
      stream->Write(std::move(buf));
      stream->Close();
      return;
    }
    http::Response r;
    r.headers = warnings.Headers(extra);
    r.body = std::move(buf);
    responder.Send(std::move(r));
  }

  void StartWatch(ListOptions lo, BodyShape shape, std::shared_ptr<TablePrinter> owned_printer, http::Headers headers,
                  std::shared_ptr<MeteredResponder> responder) {
    auto session = std::make_shared<WatchSession>(std::move(shape), std::move(owned_printer), lo.allow_watch_bookmarks,
                                                  options.watch_pending_limit, lo.query.gvr.resource);
    int64_t timeout = lo.timeout_seconds > 0 ? lo.timeout_seconds : options.max_watch_timeout_seconds;
    session->deadline = Clock::now() + std::chrono::seconds(timeout);
    std::string rv = lo.resource_version;
    session->SetStartResourceVersion(rv);
    Result<std::unique_ptr<storage::WatchHandle>> handle = storage->Watch(lo.query, rv, session.get());
    if (!handle.ok() && handle.status().code() != Status::kExpired) {
      return responder->Send(ErrorResponse(ApiError::FromStatus(handle.status())));
    }
    headers.emplace_back("Cache-Control", "no-cache, private");
    std::shared_ptr<http::ResponseStream> stream = responder->Stream(200, std::move(headers));
    if (!stream) return;  // the transport is shutting down; the handle stops the watch
    if (!handle.ok()) {
      // Kubernetes answers a too-old resourceVersion with a 410 ERROR event.
      stream->Write(WatchErrorFrame(
          ToStatusJson(ApiError::Gone("too old resource version: " + rv + "\nDETAIL: " + handle.status().message()))));
      stream->Close();
      return;
    }
    session->handle = std::move(handle.value());
    {
      std::lock_guard<std::mutex> l(watch_mu);
      if (stopping) {
        stream->Close();
        return;
      }
      watches[session.get()] = session;
      RequestMetrics::Get().watches->Add(1);
    }
    std::weak_ptr<Impl> weak = weak_from_this();
    WatchSession* key = session.get();
    stream->OnClosed([weak, key] {
      if (auto self = weak.lock()) self->EndWatch(key);
    });
    session->Attach(stream);
  }

  // ---- PediaClusters ----
  // The list options the PediaClusters endpoint serves; anything that
  // would change the answer and is not served here is a 400, never ignored.
  struct PediaClusterQuery {
    std::vector<storage::Requirement> labels;
    std::vector<storage::Requirement> names;  // fieldSelector on metadata.name
    int64_t limit = 0;
    size_t offset = 0;

    bool Matches(const ClusterInfo& c) const {
      if (!labels.empty()) {
        std::vector<std::pair<std::string, std::string>> have;
        json::ForEachMember(json::Path(c.record_json, {"metadata", "labels"}),
                            [&](std::string_view key, std::string_view value) {
                              have.emplace_back(std::string(key), json::String(value));
                              return true;
                            });
        if (!storage::MatchLabels(labels, have)) return false;
      }
      for (const storage::Requirement& r : names) {
        bool in = std::find(r.values.begin(), r.values.end(), c.name) != r.values.end();
        bool positive = r.op == PEDIA_STORAGE_OP_EQUALS || r.op == PEDIA_STORAGE_OP_IN;
        if (in != positive) return false;
      }
      return true;
    }
  };

  static std::optional<ApiError> ParsePediaClusterQuery(const QueryParams& params, PediaClusterQuery* out) {
    for (const auto& [key, value] : params) {
      if (key == "labelSelector") {
        Result<std::vector<storage::Requirement>> parsed = storage::ParseLabelSelector(value);
        if (!parsed.ok()) {
          return ApiError::Invalid("invalid label selector \"" + value + "\": " + parsed.status().message());
        }
        out->labels = std::move(parsed.value());
      } else if (key == "fieldSelector") {
        Result<std::vector<storage::Requirement>> parsed = storage::ParseFieldSelector(value);
        if (!parsed.ok()) {
          return ApiError::Invalid("invalid field selector \"" + value + "\": " + parsed.status().message());
        }
        for (storage::Requirement& r : parsed.value()) {
          bool name = r.path.size() == 2 && r.path[0] == "metadata" && r.path[1] == "name";
          bool op = r.op == PEDIA_STORAGE_OP_EQUALS || r.op == PEDIA_STORAGE_OP_NOT_EQUALS ||
                    r.op == PEDIA_STORAGE_OP_IN || r.op == PEDIA_STORAGE_OP_NOT_IN;
          if (!name || !op) {
            return ApiError::BadParameter("fieldSelector",
                                          "pediaclusters can be selected by metadata.name only (=, ==, !=, in, "
                                          "notin), got \"" +
                                              value + "\"\nHINT: use labelSelector for other criteria");
          }
          out->names.push_back(std::move(r));
        }
      } else if (key == "limit") {
        long long n = 0;
        if (auto e = ParseNonNegative("limit", value, &n)) return e;
        out->limit = n;
      } else if (key == "continue") {
        long long n = 0;
        if (!value.empty() && (!ParseInt64(value, &n) || n < 0)) {
          return ApiError::BadParameter("continue", "must be the continue value of the previous page (an offset), got \"" +
                                                        value + "\"");
        }
        out->offset = static_cast<size_t>(n);
      } else if (key == "watch" && value != "false" && value != "0") {
        return ApiError::MethodNotAllowed(
            "watch is not supported for pediaclusters by pedia\nHINT: list them again to see changes");
      }
      // Others (pretty, resourceVersion, timeoutSeconds, ...) do not change
      // a list of records read from storage; Kubernetes accepts them too.
    }
    return std::nullopt;
  }

  void PediaClusters(const KubePath& k, const http::Request& req, const std::shared_ptr<const ClusterIndex>& idx,
                     std::shared_ptr<MeteredResponder> responder) {
    OutputFormat format;
    if (!NegotiateOutput(req.Header("accept"), &format)) format = OutputFormat{};
    responder->verb = k.name.empty() ? "list" : "get";
    PediaClusterQuery query;
    if (auto e = ParsePediaClusterQuery(http::ParseQuery(req.query), &query)) {
      return responder->Send(ErrorResponse(*e));
    }
    std::vector<const ClusterInfo*> picked;
    for (const ClusterInfo& c : idx->clusters()) {
      if (!k.name.empty() && c.name != k.name) continue;
      if (k.name.empty() && !query.Matches(c)) continue;
      picked.push_back(&c);
    }
    if (!k.name.empty() && picked.empty()) {
      return responder->Send(ErrorResponse(ApiError::ObjectNotFound(kClusterGroup, "pediaclusters", k.name)));
    }
    // limit/continue: the continue token is the offset into the (name
    // ordered) matches, as Clusterpedia's integer continue tokens.
    std::string list_meta = "{}";
    if (k.name.empty()) {
      size_t offset = std::min<size_t>(query.offset, picked.size());
      picked.erase(picked.begin(), picked.begin() + static_cast<ptrdiff_t>(offset));
      if (query.limit > 0 && static_cast<size_t>(query.limit) < picked.size()) {
        size_t rest = picked.size() - static_cast<size_t>(query.limit);
        picked.resize(static_cast<size_t>(query.limit));
        list_meta = "{\"continue\":" + JsonQuote(std::to_string(offset + picked.size())) +
                    ",\"remainingItemCount\":" + std::to_string(rest) + "}";
      }
    }
    int64_t now = NowUnix();
    std::string out;
    if (format.kind == OutputFormat::kTable) {
      static const std::vector<TableColumn> columns = {
          {"Name", "string", "name", "Name of the PediaCluster.", 0, ""},
          {"Ready", "string", "", "Whether the cluster is ready.", 0, ""},
          {"Version", "string", "", "The member cluster's Kubernetes version.", 0, ""},
          {"APIServer", "string", "", "The member cluster's API server.", 0, ""},
          {"Healthy", "string", "", "The ClusterHealthy condition.", 1, ""},
          {"Age", "string", "", "Time since the PediaCluster was created.", 0, ""}};
      out = "{\"kind\":\"Table\",\"apiVersion\":\"meta.k8s.io/" + format.meta_version +
            "\",\"metadata\":" + list_meta + ",";
      AppendColumnDefinitions(columns, &out);
      out += ",\"rows\":[";
      for (size_t i = 0; i < picked.size(); ++i) {
        const ClusterInfo& c = *picked[i];
        if (i) out += ',';
        out += "{\"cells\":[" + JsonQuote(c.name) + "," + JsonQuote(c.ready ? "True" : "False") + "," +
               JsonQuote(c.kube_version) + "," + JsonQuote(c.apiserver) + "," +
               JsonQuote(c.healthy ? "True" : "False") + "," +
               JsonQuote(AgeOf(json::Path(c.record_json, {"metadata", "creationTimestamp"}), now)) + "],\"object\":";
        std::string_view meta = json::Member(c.record_json, "metadata");
        out += "{\"kind\":\"PartialObjectMetadata\",\"apiVersion\":\"meta.k8s.io/" + format.meta_version +
               "\",\"metadata\":" + std::string(meta.empty() ? "{}" : meta) + "}}";
      }
      out += "]}";
    } else if (!k.name.empty()) {
      out = picked[0]->record_json;
    } else {
      out = R"({"kind":"PediaClusterList","apiVersion":"cluster.clusterpedia.io/v1alpha2","items":[)";
      for (size_t i = 0; i < picked.size(); ++i) {
        if (i) out += ',';
        out += picked[i]->record_json;
      }
      out += R"(],"metadata":)" + list_meta + "}";
    }
    responder->Send(JsonResponse(200, std::move(out)));
  }

  // ---- collection resources (§4.8) ----
  void CollectionResources(const ApiRoute& route, const http::Request& req, const QueryParams& params,
                           std::shared_ptr<MeteredResponder> responder) {
    responder->resource = "collectionresources";
    responder->verb = route.kind == ApiRoute::kCollectionResourceList ? "list" : "get";
    OutputFormat format;
    if (!NegotiateOutput(req.Header("accept"), &format)) format = OutputFormat{};
    std::shared_ptr<const ClusterIndex> idx = Clusters();
    auto types_text = [](const CollectionDef& d) {
      if (d.types.empty()) return std::string("*");
      std::string s;
      for (size_t i = 0; i < d.types.size(); ++i) {
        if (i) s += ',';
        s += (d.types[i].second.empty() ? std::string("*") : d.types[i].second) + "." + d.types[i].first;
      }
      return s;
    };
    if (route.kind == ApiRoute::kCollectionResourceList) {
      std::string out;
      if (format.kind == OutputFormat::kTable) {
        static const std::vector<TableColumn> columns = {{"Name", "string", "name", "Name of the collection.", 0, ""},
                                                         {"Resources", "string", "", "Resource types in it.", 0, ""}};
        out = "{\"kind\":\"Table\",\"apiVersion\":\"meta.k8s.io/" + format.meta_version + "\",\"metadata\":{},";
        AppendColumnDefinitions(columns, &out);
        out += ",\"rows\":[";
        bool first = true;
        for (const CollectionDef& d : Collections()) {
          if (!first) out += ',';
          first = false;
          out += "{\"cells\":[" + JsonQuote(d.name) + "," + JsonQuote(types_text(d)) +
                 "],\"object\":{\"kind\":\"PartialObjectMetadata\",\"apiVersion\":\"meta.k8s.io/"
                 "v1\",\"metadata\":{\"name\":" +
                 JsonQuote(d.name) + "}}}";
        }
        out += "]}";
      } else {
        out = R"({"kind":"CollectionResourceList","apiVersion":"clusterpedia.io/v1beta1","metadata":{},"items":[)";
        bool first = true;
        for (const CollectionDef& d : Collections()) {
          if (!first) out += ',';
          first = false;
          out += R"({"kind":"CollectionResource","apiVersion":"clusterpedia.io/v1beta1","metadata":{"name":)" +
                 JsonQuote(d.name) + R"(},"resourceTypes":[)";
          for (size_t i = 0; i < d.types.size(); ++i) {
            if (i) out += ',';
            out += "{\"group\":" + JsonQuote(d.types[i].first);
            if (!d.types[i].second.empty()) out += ",\"resource\":" + JsonQuote(d.types[i].second);
            out += '}';
          }
          out += "]}";
        }
        out += "]}";
      }
      return responder->Send(JsonResponse(200, std::move(out)));
    }
    const CollectionDef* def = nullptr;
    for (const CollectionDef& d : Collections()) {
      if (d.name == route.collection) def = &d;
    }
    if (!def) {
      return responder->Send(
          ErrorResponse(ApiError::ObjectNotFound(kClusterpediaGroup, "collectionresources", route.collection)));
    }
    // Which synced resources belong to the collection.
    std::vector<std::pair<std::string, std::string>> wanted = def->types;
    if (wanted.empty()) {
      for (const auto& [key, value] : params) {
        if (key != "groups" && key != "resources") continue;
        // In groups= an empty entry is the core group ("groups=,apps").
        for (std::string_view item : key == "groups" ? SplitAndTrim(value, ',') : SplitOnComma(value)) {
          if (key == "groups") {
            std::string_view g = item.substr(0, item.find('/'));
            wanted.emplace_back(g == "*" ? "*" : std::string(g), "");
          } else {
            size_t last = item.rfind('/');
            if (last == std::string_view::npos || last + 1 == item.size()) {
              return responder->Send(ErrorResponse(ApiError::BadParameter(
                  "resources",
                  "\"" + std::string(item) + "\" is not <group>/<resource> or <group>/<version>/<resource>")));
            }
            std::string_view g = item.substr(0, item.find('/'));
            wanted.emplace_back(std::string(g), std::string(item.substr(last + 1)));
          }
        }
      }
      if (wanted.empty()) {
        return responder->Send(ErrorResponse(ApiError::BadRequest("url query - `groups` or `resources` is required")));
      }
    }
    std::vector<const SyncedResource*> targets;
    for (const SyncedResource* r : idx->Resources("")) {
      bool match = false;
      for (const auto& [g, res] : wanted) {
        if ((g == "*" || g == r->group) && (res.empty() || res == r->resource)) match = true;
      }
      // One version per resource: the first (highest) synced one.
      bool dup = false;
      for (const SyncedResource* t : targets) dup |= t->group == r->group && t->resource == r->resource;
      if (match && !dup) targets.push_back(r);
    }
    ListContext lc;
    lc.remaining_count_default = false;
    ListOptions lo;
    if (auto e = ParseListOptions(params, lc, &lo)) return responder->Send(ErrorResponse(*e));
    lo.query.owner_uid.clear();
    lo.query.owner_name.clear();
    if (format.kind == OutputFormat::kTable) lo.query.only_metadata = true;
    if (auto e = CheckCapabilities(lo.query)) return responder->Send(ErrorResponse(*e));
    CollectionPosition start;
    if (!lo.query.continue_token.empty()) {
      Result<CollectionPosition> p = DecodeCollectionContinue(lo.query.continue_token, targets);
      if (!p.ok()) {
        return responder->Send(ErrorResponse(p.status().code() == Status::kExpired
                                                 ? ApiError::Gone(p.status().message())
                                                 : ApiError::BadParameter("continue", p.status().message())));
      }
      start = p.value();
    }
    auto self = shared_from_this();
    std::string name = def->name;
    Offload(responder, [self, lo, targets, format, name, start, idx, responder]() mutable {
      self->RunCollection(name, lo, targets, start, format, idx, responder);
    });
  }

  // Where a collection page starts: a resource type and the continue token
  // of that type's own list.  A collection's continue token carries both,
  // so that paging goes through the types in order; it names the type
  // rather than its index, so a page never resumes in the wrong type when
  // the synced types changed between pages.
  struct CollectionPosition {
    size_t type_index = 0;
    std::string inner_token;  // "" from the type's first row
  };

  static std::string TypeKey(const SyncedResource* t) { return t->group + "/" + t->resource; }

  static std::string EncodeCollectionContinue(const SyncedResource* t, std::string_view inner) {
    return Base64Encode("{\"type\":" + JsonQuote(TypeKey(t)) + ",\"continue\":" + JsonQuote(inner) + "}");
  }

  static Result<CollectionPosition> DecodeCollectionContinue(std::string_view token,
                                                             const std::vector<const SyncedResource*>& targets) {
    Result<std::string> text = Base64Decode(token);
    std::string type = text.ok() ? json::String(json::Member(*text, "type")) : "";
    if (type.empty()) {
      return Status::InvalidArgument("\"" + std::string(token) +
                                     "\" is not a continue token of a collection resource\nHINT: pass the continue "
                                     "value of the previous page unchanged");
    }
    for (size_t i = 0; i < targets.size(); ++i) {
      if (TypeKey(targets[i]) == type) return CollectionPosition{i, json::String(json::Member(*text, "continue"))};
    }
    return Status::Expired("the continue token resumes in resource type \"" + type +
                           "\", which is no longer in this collection\nHINT: start the list again without continue");
  }

  static std::vector<std::string_view> SplitOnComma(std::string_view s) {
    std::vector<std::string_view> out;
    size_t i = 0;
    while (i <= s.size()) {
      size_t j = s.find(',', i);
      if (j == std::string_view::npos) j = s.size();
      std::string_view piece = s.substr(i, j - i);
      if (!piece.empty()) out.push_back(piece);
      i = j + 1;
    }
    return out;
  }

  // One page of a collection: the types in order from start, limit rows in
  // all.  Like RunList it reads each type in pages of list_page_rows and,
  // once the body passes list_flush_bytes, streams it, waiting between pages
  // (outside the layer's lock) for a slow client.  So that the body can
  // stream, its members that are known only at the end (resourceTypes,
  // continue, remainingItemCount; a Table's metadata) follow the items.
  void RunCollection(const std::string& name, const ListOptions& lo, const std::vector<const SyncedResource*>& targets,
                     const CollectionPosition& start, const OutputFormat& format,
                     std::shared_ptr<const ClusterIndex> idx, std::shared_ptr<MeteredResponder> responder) {
    const bool table = format.kind == OutputFormat::kTable;
    int64_t now = NowUnix();
    const int64_t limit = lo.query.limit;
    const int64_t page_rows = options.list_page_rows > 0 ? options.list_page_rows : 0;
    int64_t remaining = limit;
    std::string buf, types;
    ClusterWarnings warnings(idx, lo.query.clusters);
    std::shared_ptr<http::ResponseStream> stream;
    bool first = true, client_gone = false;
    std::string next;  // continue token of the next page
    bool has_count = false;
    int64_t rest_count = 0;
    std::string list_rv;
    if (table) {
      static const std::vector<TableColumn> columns = {
          {"Cluster", "string", "", "", 0, ""},   {"Group", "string", "", "", 0, ""},
          {"Version", "string", "", "", 0, ""},   {"Kind", "string", "", "", 0, ""},
          {"Namespace", "string", "", "", 0, ""}, {"Name", "string", "name", "", 0, ""},
          {"Age", "string", "", "", 0, ""}};
      buf = "{\"kind\":\"Table\",\"apiVersion\":\"meta.k8s.io/" + format.meta_version + "\",";
      AppendColumnDefinitions(columns, &buf);
      buf += ",\"rows\":[";
    } else {
      buf = R"({"kind":"CollectionResource","apiVersion":"clusterpedia.io/v1beta1","metadata":{"name":)" +
            JsonQuote(name) + "},\"items\":[";
    }
    auto query_for = [&](size_t i) {
      const SyncedResource* t = targets[i];
      storage::ListQuery q = lo.query;
      q.gvr = storage::Gvr{t->group, t->storage_version, t->resource};
      q.continue_token = i == start.type_index ? start.inner_token : "";
      return q;
    };
    auto fail = [&](const Status& s) {
      if (stream) {
        PEDIA_LOG_WARNING("collection list failed after streaming began; ending the response",
                          {"collection", name}, {"error", s.ToString()});
        stream->Close();  // truncated JSON: the client sees an error
        return;
      }
      responder->Send(ErrorResponse(ApiError::FromStatus(s)));
    };
    // Between two reads, outside the layer's lock: starts streaming once the
    // body is large, and waits for a slow client.  False: stop (answered).
    auto between_reads = [&](size_t type_index, const std::string& type_token) -> bool {
      if (!stream && buf.size() >= options.list_flush_bytes) {
        // The headers leave now: warn also for unhealthy clusters whose rows
        // are still to come, in this type or a later one.
        for (const std::string& c : warnings.Unseen()) {
          bool has_rows = false;
          for (size_t j = type_index; j < targets.size() && !has_rows; ++j) {
            storage::ListQuery rest = query_for(j);
            rest.continue_token = j == type_index ? type_token : "";
            has_rows = HasRowsIn(rest, c);
          }
          if (has_rows) warnings.Saw(c);
        }
        stream = responder->Stream(200, warnings.Headers({{"Content-Type", kJson}}));
        if (!stream) return false;  // answered already (deadline) or shutting down
      }
      if (!stream) return true;
      if (!buf.empty()) {
        if (!stream->Write(std::move(buf))) return false;
        buf.clear();
      }
      return stream->WaitWritable(options.list_pending_limit);
    };
    for (size_t i = start.type_index; i < targets.size(); ++i) {
      const SyncedResource* t = targets[i];
      storage::ListQuery q = query_for(i);
      std::string api_version = GroupVersion(t->group, t->version);
      bool type_listed = false;  // in this page's resourceTypes
      bool page_full = false;
      storage::ListSummary summary;
      for (;;) {
        bool last_by_limit = false;
        if (limit > 0 && (page_rows == 0 || remaining <= page_rows)) {
          q.limit = remaining;
          last_by_limit = true;
        } else {
          q.limit = page_rows;
        }
        q.with_remaining_count = last_by_limit && lo.query.with_remaining_count;
        int64_t rows = 0;
        summary = storage::ListSummary{};
        Status s = storage->List(
            q,
            [&](const storage::Row& row) {
              ++rows;
              warnings.Saw(row.cluster);
              if (!first) buf += ',';
              first = false;
              std::string_view meta = RowMetadata(row);
              if (table) {
                buf += "{\"cells\":[" + JsonQuote(row.cluster) + "," + JsonQuote(t->group) + "," +
                       JsonQuote(t->version) + "," + JsonQuote(t->kind) + "," + JsonQuote(row.namespace_name) + "," +
                       JsonQuote(row.name) + "," + JsonQuote(AgeOf(json::Member(meta, "creationTimestamp"), now)) +
                       "],\"object\":{\"kind\":\"PartialObjectMetadata\",\"apiVersion\":\"meta.k8s.io/v1\","
                       "\"metadata\":" +
                       std::string(meta) + "}}";
              } else if (row.metadata_only || lo.query.only_metadata) {
                buf += "{\"apiVersion\":" + JsonQuote(api_version) + ",\"kind\":" + JsonQuote(t->kind) +
                       ",\"metadata\":" + std::string(meta) + "}";
              } else {
                buf.append(row.object);
              }
              if (!type_listed) {
                type_listed = true;
                if (!types.empty()) types += ',';
                types += "{\"group\":" + JsonQuote(t->group) + ",\"version\":" + JsonQuote(t->version) +
                         ",\"kind\":" + JsonQuote(t->kind) + ",\"resource\":" + JsonQuote(t->resource) + "}";
              }
              if (QueueWhenFull(stream.get(), options.list_flush_bytes, buf)) return true;
              client_gone = true;
              return false;
            },
            &summary);
        if (!s.ok()) return fail(s);
        if (client_gone) return;
        if (list_rv.empty()) list_rv = summary.resource_version;
        remaining -= rows;
        if (limit > 0 && remaining <= 0) {
          page_full = true;
          break;
        }
        if (summary.continue_token.empty()) break;
        q.continue_token = summary.continue_token;
        if (!between_reads(i, q.continue_token)) return;
      }
      if (!page_full) {
        if (i + 1 < targets.size() && !between_reads(i + 1, "")) return;
        continue;
      }
      // The page is full: the next one resumes in this type, or at the start
      // of the next type.
      if (!summary.continue_token.empty()) {
        next = EncodeCollectionContinue(t, summary.continue_token);
      } else if (i + 1 < targets.size()) {
        next = EncodeCollectionContinue(targets[i + 1], "");
      }
      if (lo.query.with_remaining_count && summary.has_remaining_count) {
        has_count = true;
        rest_count = summary.remaining_count;
        for (size_t j = i + 1; j < targets.size(); ++j) {
          storage::ListQuery cq = query_for(j);
          cq.limit = 1;
          cq.with_remaining_count = true;
          int64_t seen = 0;
          storage::ListSummary cs;
          Status c = storage->List(
              cq,
              [&](const storage::Row&) {
                ++seen;
                return true;
              },
              &cs);
          if (!c.ok()) return fail(c);
          rest_count += seen + (cs.has_remaining_count ? cs.remaining_count : 0);
        }
        if (rest_count == 0) next.clear();  // nothing left: no empty last page
      }
      break;
    }
    buf += ']';
    if (table) {
      std::string meta = "{";
      if (!list_rv.empty()) meta += "\"resourceVersion\":" + JsonQuote(list_rv);
      if (!next.empty()) {
        if (meta.size() > 1) meta += ',';
        meta += "\"continue\":" + JsonQuote(next);
        if (has_count) meta += ",\"remainingItemCount\":" + std::to_string(rest_count);
      }
      buf += ",\"metadata\":" + meta + "}}";
    } else {
      // CollectionResource carries continue and remainingItemCount at the
      // top level (clusterpedia-spec §4.8), not in metadata.
      buf += ",\"resourceTypes\":[" + types + "]";
      if (!next.empty()) {
        buf += ",\"continue\":" + JsonQuote(next);
        if (has_count) buf += ",\"remainingItemCount\":" + std::to_string(rest_count);
      }
      buf += "}";
    }
    SendRest(stream, std::move(buf), warnings, {{"Content-Type", kJson}}, *responder);
  }
};

ApiServer::ApiServer(storage::Storage* storage, const Authenticator* authenticator, ApiServerOptions options)
    : impl_(std::make_shared<Impl>(storage, authenticator, std::move(options))) {}

ApiServer::~ApiServer() { Shutdown(); }

void ApiServer::Handle(http::Request&& request, std::shared_ptr<http::Responder> responder) {
  impl_->Handle(std::move(request), std::move(responder));
}

http::Handler ApiServer::AsHandler() {
  std::shared_ptr<Impl> impl = impl_;
  return [impl](http::Request&& request, std::shared_ptr<http::Responder> responder) {
    impl->Handle(std::move(request), std::move(responder));
  };
}

void ApiServer::Shutdown() { impl_->Shutdown(); }

bool ApiServer::IsLongRunning(const http::Request& request) {
  // Only a Kubernetes resource path serves watches; decided exactly as the
  // handler decides (a request the transport thought short but the handler
  // watched would hit the deadline, and the reverse would escape it).
  Result<ApiRoute> route = RoutePath(request.path);
  if (!route.ok() || route->kind != ApiRoute::kKube || route->kube.kind != KubePath::kResource) return false;
  if (route->kube.group == kClusterGroup && route->kube.resource == "pediaclusters") return false;  // 405 to watch
  return route->kube.legacy_watch || WatchRequested(http::ParseQuery(request.query));
}

void ApiServer::RecordTransportAnswer(const http::TransportAnswer& a) {
  // verb and resource as the handler would have named them, as far as the
  // path tells (a request that was never read has neither).
  std::string verb = a.method.empty() ? "" : "get";
  std::string resource;
  if (!a.target.empty()) {
    size_t q = a.target.find('?');
    http::Request r;
    r.path = http::PercentDecode(std::string_view(a.target).substr(0, q), false);
    if (q != std::string::npos) r.query = a.target.substr(q + 1);
    Result<ApiRoute> route = RoutePath(r.path);
    if (route.ok() && route->kind == ApiRoute::kKube && route->kube.kind == KubePath::kResource) {
      resource = route->kube.resource;
      verb = IsLongRunning(r) ? "watch" : route->kube.name.empty() ? "list" : "get";
    } else if (route.ok() && route->kind == ApiRoute::kHealth) {
      resource = route->health_endpoint;
    }
    if (a.method != "GET" && a.method != "HEAD") verb = a.method;
  }
  RequestMetrics& m = RequestMetrics::Get();
  double seconds = std::chrono::duration<double>(a.latency).count();
  m.requests->With({verb, resource, std::to_string(a.status)})->Inc();
  if (!a.method.empty()) m.latency->HistogramWith({verb, resource})->Observe(seconds);
  PEDIA_LOG_V(2, "HTTP", {"verb", a.method}, {"URI", a.target}, {"latency", std::to_string(seconds * 1000) + "ms"},
              {"userAgent", a.user_agent}, {"resp", a.status}, {"reason", a.reason}, {"srcIP", a.remote_address});
}

}  // namespace pedia::server
