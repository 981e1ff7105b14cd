#include "sync/cluster_synchro.h"

#include <cstdio>
#include <future>
#include <nlohmann/json.hpp>
#include <set>

#include "base/feature_gates.h"
#include "base/log.h"
#include "base/rfc3339.h"
#include "sync/backoff.h"
#include "sync/discovery.h"
#include "sync/resource_negotiator.h"

namespace pedia::sync {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

uint64_t Fnv1a(std::string_view s, uint64_t h = 1469598103934665603ull) {
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

// A stable UUID-shaped id for clusters from manifests without metadata.uid.
std::string StableUid(const std::string& name) {
  uint64_t a = Fnv1a("pedia-cluster/" + name), b = Fnv1a(name, a);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-5%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xfff),
                static_cast<unsigned>(0x8000 | ((b >> 48) & 0x3fff)),
                static_cast<unsigned long long>(b & 0xffffffffffffull));
  return buf;
}

KnownVersions TakeVersions(std::map<storage::Gvr, KnownVersions>* all, const storage::Gvr& gvr) {
  auto it = all->find(gvr);
  if (it == all->end()) return {};
  KnownVersions out = std::move(it->second);
  all->erase(it);
  return out;
}

}  // namespace

std::shared_ptr<ClusterSynchro> ClusterSynchro::Create(ClusterSynchroDeps deps, ClusterSpec spec,
                                                       std::string validation_warning) {
  return std::shared_ptr<ClusterSynchro>(new ClusterSynchro(deps, std::move(spec), std::move(validation_warning)));
}

ClusterSynchro::ClusterSynchro(ClusterSynchroDeps deps, ClusterSpec spec, std::string warning)
    : deps_(deps),
      name_(spec.name),
      strand_(std::make_shared<Strand>(deps.control)),
      spec_(std::move(spec)),
      warning_(std::move(warning)) {
  creation_timestamp_ = spec_.creation_timestamp.empty() ? NowRfc3339() : spec_.creation_timestamp;
  if (spec_.uid.empty()) spec_.uid = StableUid(name_);
}

void ClusterSynchro::Start() {
  strand_->Submit([self = shared_from_this()] { self->Init(); });
}

void ClusterSynchro::SetCondition(const std::string& type, const std::string& status, const std::string& reason,
                                  const std::string& message) {
  bool changed = false;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it =
        std::find_if(conditions_.begin(), conditions_.end(), [&](const ClusterCondition& c) { return c.type == type; });
    if (it == conditions_.end()) {
      conditions_.push_back({type, status, reason, message, NowRfc3339()});
      changed = true;
    } else if (it->status != status || it->reason != reason || it->message != message) {
      *it = {type, status, reason, message, NowRfc3339()};
      changed = true;
    }
    if (type == "ClusterHealthy") health_ = status;
  }
  if (changed) SchedulePublish();
}

void ClusterSynchro::Init() {
  if (stopping_) return;
  ClusterSpec spec;
  std::string warning;
  {
    std::lock_guard<std::mutex> l(mu_);
    spec = spec_;
    warning = warning_;
  }
  auto config = kube::ConnectionConfigFromCluster(spec.credentials);
  if (!config.ok()) {
    SetCondition("Validated", "False", "InvalidConfig", "invalid cluster config: " + config.status().message());
    SetCondition("SynchroRunning", "False", "WaitInit", "pediacluster is not validated");
    SetCondition("ClusterHealthy", "Unknown", "MonitorStop", "cluster synchro is not running");
    return;  // not retried: only a new spec can fix it
  }
  bool sync_all = std::any_of(spec.sync_resources.begin(), spec.sync_resources.end(),
                              [](const SyncResourceGroup& g) { return g.group == "*"; });
  if (sync_all && !FeatureGates::Global().Enabled("AllowSyncAllResources")) {
    SetCondition("Validated", "False", "InvalidSyncResources",
                 "group \"*\" needs the feature gate AllowSyncAllResources");
    SetCondition("SynchroRunning", "False", "WaitInit", "pediacluster is not validated");
    SetCondition("ClusterHealthy", "Unknown", "MonitorStop", "cluster synchro is not running");
    return;
  }
  if (config->insecure_skip_tls_verify && config->server.rfind("https://", 0) == 0) {
    PEDIA_LOG_WARNING("no CA data for the cluster: its TLS certificate is not verified", {"cluster", name_},
                      {"server", config->server});
  }
  auto shared_config = std::make_shared<const kube::ConnectionConfig>(std::move(config.value()));
  {
    std::lock_guard<std::mutex> l(mu_);
    config_ = shared_config;
  }
  SetCondition("Validated", "True", "Validated", warning.empty() ? "" : "Warning: " + warning);
  if (!running_) {
    SetCondition("SynchroRunning", "False", init_attempt_ > 0 ? "InitialFailed" : "WaitInit",
                 init_attempt_ > 0 ? "" : "pediacluster is validated");
    SetCondition("ClusterHealthy", "Unknown", "MonitorStop", "cluster synchro is not running");
  }
  Negotiate(/*reload_versions=*/true);
}

// Discovers, negotiates and reconciles the resource synchros.  Also the
// initial start, and the retry path while the cluster cannot be reached.
void ClusterSynchro::Negotiate(bool reload_versions) {
  if (stopping_) return;
  std::shared_ptr<const kube::ConnectionConfig> config;
  ClusterSpec spec;
  bool was_running;
  {
    std::lock_guard<std::mutex> l(mu_);
    config = config_;
    spec = spec_;
    was_running = running_;
  }
  if (!config) return;
  auto fail = [&](const Status& s) {
    PEDIA_LOG_WARNING("cluster synchro could not start; retrying", {"cluster", name_}, {"err", s.message()});
    if (!was_running) {
      SetCondition("SynchroRunning", "False", "InitialFailed", s.message());
      SetCondition("ClusterHealthy", "False", s.IsUnavailable() ? "NotReachable" : "Unhealthy", s.message());
    }
    int attempt;
    {
      std::lock_guard<std::mutex> l(mu_);
      attempt = ++init_attempt_;
    }
    auto delay = Backoff(attempt, 1000.0, 5);
    ScheduleNegotiate(delay);
  };
  auto discovery = Discover(deps_.transport, config, &stopping_);
  if (stopping_) return;
  if (!discovery.ok()) return fail(discovery.status());

  NegotiationOptions options;
  options.allow_sync_all_resources = FeatureGates::Global().Enabled("AllowSyncAllResources");
  options.sync_all_custom_resources =
      spec.sync_all_custom_resources && FeatureGates::Global().Enabled("AllowSyncAllCustomResources");
  auto negotiation = sync::Negotiate(discovery.value(), spec.sync_resources, options);
  for (const auto& w : negotiation.warnings) PEDIA_LOG_V(2, "resource negotiation", {"cluster", name_}, {"note", w});

  std::map<storage::Gvr, KnownVersions> stored;
  std::set<storage::Gvr> stored_gvrs;
  if (reload_versions || !was_running) {
    Status s = deps_.storage->ResourceVersions(
        name_, [&](const sdk::Gvr& gvr, std::string_view ns, std::string_view name, std::string_view rv) {
          storage::Gvr key{std::string(gvr.group), std::string(gvr.version), std::string(gvr.resource)};
          std::string k = ns.empty() ? std::string(name) : std::string(ns) + "/" + std::string(name);
          stored[key].emplace(std::move(k), std::string(rv));
        });
    if (!s.ok()) return fail(s.Annotate("load resource versions"));
    for (const auto& [gvr, _] : stored) stored_gvrs.insert(gvr);
  }

  std::vector<std::shared_ptr<ResourceSynchro>> to_start, to_close;
  std::set<storage::Gvr> wanted;
  bool paused;
  {
    std::lock_guard<std::mutex> l(mu_);
    git_version_ = discovery->git_version;
    paused = paused_;
    for (auto& t : negotiation.targets) {
      wanted.insert(t.gvr);
      if (synchros_.count(t.gvr)) continue;
      ResourceSynchroContext ctx;
      ctx.cluster = name_;
      ctx.transport = deps_.transport;
      ctx.config = config;
      ctx.storage = deps_.storage;
      ctx.pool = deps_.workers;
      ctx.page_size = deps_.page_size;
      ctx.on_status_change = [weak = weak_from_this()] {
        if (auto self = weak.lock()) self->SchedulePublish();
      };
      storage::Gvr gvr = t.gvr;
      auto rs = ResourceSynchro::Create(std::move(ctx), std::move(t), TakeVersions(&stored, gvr));
      synchros_.emplace(gvr, rs);
      removed_.erase(gvr);
      to_start.push_back(rs);
    }
    for (auto it = synchros_.begin(); it != synchros_.end();) {
      if (wanted.count(it->first)) {
        ++it;
        continue;
      }
      to_close.push_back(it->second);
      it = synchros_.erase(it);
    }
    running_ = true;
    init_attempt_ = 0;
  }
  SetCondition("SynchroRunning", "True", "Running", "");
  if (!was_running) SetCondition("ClusterHealthy", "True", "Healthy", "");
  for (auto& rs : to_start) {
    if (!paused) rs->Start();
  }
  // Removed resources: stop their synchro, then delete their objects.
  for (auto& rs : to_close) {
    rs->Close();
    stored_gvrs.insert(rs->target().gvr);
  }
  for (const auto& gvr : stored_gvrs) {
    if (wanted.count(gvr)) continue;
    Status s = deps_.storage->CleanResource(name_, gvr);
    std::lock_guard<std::mutex> l(mu_);
    if (s.ok()) {
      removed_.erase(gvr);
      PEDIA_LOG_INFO("cleaned a resource no longer synced", {"cluster", name_}, {"resource", gvr.ToString()});
    } else {
      removed_[gvr] = SyncCondition{"Stop", "CleanResourceFailed", s.message(), NowRfc3339()};
    }
  }
  if (!was_running) {
    ScheduleProbe();
    StartCrdWatch();
  }
  SchedulePublish();
}

void ClusterSynchro::UpdateSpec(ClusterSpec spec, std::string validation_warning) {
  strand_->Submit([self = shared_from_this(), spec = std::move(spec), w = std::move(validation_warning)]() mutable {
    bool was_running;
    {
      std::lock_guard<std::mutex> l(self->mu_);
      spec.uid = self->spec_.uid;
      self->spec_ = std::move(spec);
      self->warning_ = w;
      was_running = self->running_;
    }
    if (was_running) {
      self->SetCondition("Validated", "True", "Validated", w.empty() ? "" : "Warning: " + w);
      self->Negotiate(/*reload_versions=*/true);
    } else {
      self->Init();
    }
  });
}

void ClusterSynchro::MarkInvalid(const std::string& reason, const std::string& message) {
  SetCondition("Validated", "False", reason, message);
}

void ClusterSynchro::ScheduleNegotiate(milliseconds delay) {
  deps_.transport->Post([self = shared_from_this(), delay] {
    std::lock_guard<std::mutex> l(self->mu_);
    if (self->stopping_) return;
    if (self->negotiate_timer_) self->deps_.transport->CancelTimer(self->negotiate_timer_);
    self->negotiate_timer_ = self->deps_.transport->After(delay, [self] {
      {
        std::lock_guard<std::mutex> l2(self->mu_);
        self->negotiate_timer_ = 0;
      }
      self->strand_->Submit([self] { self->Negotiate(/*reload_versions=*/true); });
    });
  });
}

// ---- Health (clusterpedia-spec §6.6) ----

void ClusterSynchro::ScheduleProbe() {
  auto delay = milliseconds(static_cast<int64_t>(deps_.health_period.count() * (1.0 + 0.5 * Jitter())));
  deps_.transport->Post([self = shared_from_this(), delay] {
    std::lock_guard<std::mutex> l(self->mu_);
    if (self->stopping_) return;
    self->probe_timer_ = self->deps_.transport->After(delay, [self] {
      {
        std::lock_guard<std::mutex> l2(self->mu_);
        self->probe_timer_ = 0;
      }
      self->Probe(false);
    });
  });
}

void ClusterSynchro::Probe(bool fallback) {
  std::shared_ptr<const kube::ConnectionConfig> config;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (stopping_) return;
    config = config_;
  }
  auto self = shared_from_this();
  kube::RequestId id = deps_.transport->Get(
      config, fallback ? "/healthz" : "/readyz", milliseconds(5000),
      [self, fallback](const Status& s, kube::HttpResponse r) {
        {
          std::lock_guard<std::mutex> l(self->mu_);
          self->probe_request_ = 0;
        }
        if (!fallback && r.status == 404) return self->Probe(true);
        bool ok = s.ok() && r.body.find("ok") != std::string::npos;
        std::string reason = r.status == 0 ? "NotReachable" : "Unhealthy";
        std::string message = s.ok() ? (ok ? "" : "cluster health responded without ok") : s.message();
        self->strand_->Submit([self, ok, reason, message] { self->HandleProbe(ok, reason, message); });
        self->ScheduleProbe();
      });
  std::lock_guard<std::mutex> l(mu_);
  probe_request_ = id;
}

void ClusterSynchro::HandleProbe(bool ok, const std::string& reason, const std::string& message) {
  if (stopping_) return;
  std::string previous;
  bool paused;
  std::vector<std::shared_ptr<ResourceSynchro>> all;
  {
    std::lock_guard<std::mutex> l(mu_);
    previous = health_;
    paused = paused_;
    for (auto& [gvr, rs] : synchros_) all.push_back(rs);
  }
  if (ok) {
    SetCondition("ClusterHealthy", "True", "Healthy", "");
    if (paused) {
      PEDIA_LOG_INFO("cluster is healthy again; resuming with a relist", {"cluster", name_});
      {
        std::lock_guard<std::mutex> l(mu_);
        paused_ = false;
      }
      for (auto& rs : all) rs->Start();
    }
    return;
  }
  SetCondition("ClusterHealthy", "False", reason, message);
  // Two failures in a row pause the watches.
  if (previous != "True" && !paused) {
    PEDIA_LOG_WARNING("cluster is unhealthy; pausing its watches", {"cluster", name_}, {"reason", reason},
                      {"err", message});
    {
      std::lock_guard<std::mutex> l(mu_);
      paused_ = true;
    }
    for (auto& rs : all) rs->Pause("Pause", "cluster is unhealthy");
  }
}

// ---- CRD changes ----

namespace {
class CrdWatchHandler : public kube::StreamHandler {
 public:
  using Fn = std::function<void(bool changed, const Status* end, int http)>;
  explicit CrdWatchHandler(Fn fn) : fn_(std::move(fn)) {}
  void OnLine(std::string_view line) override {
    if (line.find("\"BOOKMARK\"") == std::string_view::npos) fn_(true, nullptr, 0);
  }
  void OnEnd(const Status& status, int http) override { fn_(false, &status, http); }

 private:
  Fn fn_;
};
}  // namespace

void ClusterSynchro::StartCrdWatch() {
  deps_.transport->Post([self = shared_from_this()] {
    std::shared_ptr<const kube::ConnectionConfig> config;
    {
      std::lock_guard<std::mutex> l(self->mu_);
      if (self->stopping_) return;
      config = self->config_;
    }
    // Without a resourceVersion the watch replays existing CRDs first; the
    // debounce folds those into one renegotiation.
    auto handler = std::make_shared<CrdWatchHandler>([weak = self->weak_from_this()](bool changed, const Status* end,
                                                                                     int http) {
      auto s = weak.lock();
      if (!s || s->stopping_) return;
      if (changed) {
        s->ScheduleNegotiate(milliseconds(500));
        return;
      }
      {
        std::lock_guard<std::mutex> l(s->mu_);
        s->crd_request_ = 0;
      }
      milliseconds delay = (end->ok()) ? milliseconds(1000) : http == 404 ? milliseconds(60000) : milliseconds(5000);
      std::lock_guard<std::mutex> l(s->mu_);
      s->crd_timer_ = s->deps_.transport->After(delay, [s] {
        {
          std::lock_guard<std::mutex> l2(s->mu_);
          s->crd_timer_ = 0;
        }
        s->StartCrdWatch();
      });
    });
    kube::RequestId id = self->deps_.transport->Stream(
        config,
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions?watch=1&allowWatchBookmarks=true&timeoutSeconds=600",
        std::chrono::seconds(660), milliseconds(0), handler);
    std::lock_guard<std::mutex> l(self->mu_);
    self->crd_request_ = id;
  });
}

// ---- Status record ----

void ClusterSynchro::SchedulePublish() {
  std::lock_guard<std::mutex> l(mu_);
  if (publish_pending_ || stopping_) return;
  publish_pending_ = true;
  deps_.transport->After(milliseconds(100),
                         [self = shared_from_this()] { self->strand_->Submit([self] { self->Publish(); }); });
}

void ClusterSynchro::Publish() {
  if (stopping_) return;
  std::string record;
  {
    std::lock_guard<std::mutex> l(mu_);
    publish_pending_ = false;
  }
  record = BuildRecord();
  {
    std::lock_guard<std::mutex> l(mu_);
    if (record == last_record_) return;
  }
  Status s = deps_.storage->PutCluster(name_, record);
  if (!s.ok()) {
    PEDIA_LOG_WARNING("cannot write the cluster status record; retrying", {"cluster", name_}, {"err", s.message()});
    deps_.transport->After(milliseconds(1000), [self = shared_from_this()] { self->SchedulePublish(); });
    return;
  }
  if (deps_.status_sink) {
    json parsed = json::parse(record, nullptr, false);
    if (!parsed.is_discarded()) deps_.status_sink(name_, parsed["status"].dump());
  }
  std::lock_guard<std::mutex> l(mu_);
  last_record_ = record;
}

std::string ClusterSynchro::BuildRecord() {
  std::lock_guard<std::mutex> l(mu_);
  json spec = json::parse(SpecJsonWithoutCredentials(spec_));
  json conditions = json::array();
  auto find = [&](const std::string& type) -> const ClusterCondition* {
    for (const auto& c : conditions_) {
      if (c.type == type) return &c;
    }
    return nullptr;
  };
  for (const char* type : {"Validated", "SynchroRunning", "ClusterHealthy"}) {
    if (const auto* c = find(type)) {
      conditions.push_back({{"type", c->type},
                            {"status", c->status},
                            {"reason", c->reason},
                            {"message", c->message},
                            {"lastTransitionTime", c->last_transition_time}});
    }
  }
  // Ready is computed from the other three (clusterpedia-spec §5.1).
  std::string not_ready;
  for (const char* type : {"Validated", "SynchroRunning", "ClusterHealthy"}) {
    const auto* c = find(type);
    if (!c) {
      not_ready = std::string(type) + " condition is not found";
      break;
    }
    if (c->status != "True") {
      not_ready = c->type + " condition is " + c->status + ", reason is " + c->reason;
      break;
    }
  }
  std::string latest;
  for (const auto& c : conditions_) latest = std::max(latest, c.last_transition_time);
  conditions.push_back({{"type", "Ready"},
                        {"status", not_ready.empty() ? "True" : "False"},
                        {"reason", not_ready.empty() ? "Ready" : "NotReady"},
                        {"message", not_ready},
                        {"lastTransitionTime", latest}});

  // syncResources grouped by group, then resource, one syncCondition per version.
  std::map<std::string, std::map<std::string, json>> groups;
  auto add = [&](const storage::Gvr& gvr, const ApiResource* r, const std::string& columns, const SyncCondition& c) {
    json& res = groups[gvr.group][gvr.resource];
    if (res.is_null()) {
      res = {{"name", gvr.resource}, {"syncConditions", json::array()}};
      if (r) {
        res["kind"] = r->kind;
        res["namespaced"] = r->namespaced;
        if (!r->short_names.empty()) res["shortNames"] = r->short_names;
        if (!r->singular_name.empty()) res["singularName"] = r->singular_name;
        if (!r->categories.empty()) res["categories"] = r->categories;
      }
      if (!columns.empty()) res["additionalPrinterColumns"] = json::parse(columns, nullptr, false);
    }
    json cond = {{"version", gvr.version}, {"storageVersion", gvr.version},
                 {"status", c.status},     {"reason", c.reason},
                 {"message", c.message},   {"lastTransitionTime", c.last_transition_time}};
    res["syncConditions"].push_back(std::move(cond));
  };
  for (const auto& [gvr, rs] : synchros_) {
    add(gvr, &rs->target().resource, rs->target().printer_columns_json, rs->condition());
  }
  for (const auto& [gvr, c] : removed_) add(gvr, nullptr, "", c);
  json sync_resources = json::array();
  for (auto& [group, resources] : groups) {
    json rs = json::array();
    for (auto& [name, r] : resources) rs.push_back(std::move(r));
    sync_resources.push_back({{"group", group}, {"resources", std::move(rs)}});
  }
  json status = {{"conditions", std::move(conditions)}, {"syncResources", std::move(sync_resources)}};
  if (config_) status["apiserver"] = config_->server;
  if (!git_version_.empty()) status["version"] = git_version_;
  json record = {{"apiVersion", "cluster.clusterpedia.io/v1alpha2"},
                 {"kind", "PediaCluster"},
                 {"metadata",
                  {{"name", name_},
                   {"uid", spec_.uid},
                   {"creationTimestamp", creation_timestamp_},
                   {"resourceVersion", std::to_string(record_version_ + 1)}}},
                 {"spec", std::move(spec)},
                 {"status", std::move(status)}};
  // The resourceVersion changes only when something else did.
  std::string body = record.dump();
  json prev = last_record_.empty() ? json() : json::parse(last_record_, nullptr, false);
  if (!prev.is_discarded() && !prev.is_null()) {
    json cmp = record;
    cmp["metadata"]["resourceVersion"] = prev["metadata"]["resourceVersion"];
    if (cmp == prev) return last_record_;
  }
  ++record_version_;
  return body;
}

std::string ClusterSynchro::StatusJson() { return BuildRecord(); }

size_t ClusterSynchro::SyncedResources() const {
  std::lock_guard<std::mutex> l(mu_);
  size_t n = 0;
  for (const auto& [gvr, rs] : synchros_) n += rs->synced() ? 1 : 0;
  return n;
}

size_t ClusterSynchro::Resources() const {
  std::lock_guard<std::mutex> l(mu_);
  return synchros_.size();
}

// ---- Shutdown ----

void ClusterSynchro::Shutdown(bool clean) {
  if (stopping_.exchange(true)) return;
  auto done = std::make_shared<std::promise<void>>();
  auto fut = done->get_future();
  deps_.transport->Post([self = shared_from_this(), done] {
    std::lock_guard<std::mutex> l(self->mu_);
    for (kube::TimerId t : {self->probe_timer_, self->negotiate_timer_, self->init_timer_, self->crd_timer_}) {
      if (t) self->deps_.transport->CancelTimer(t);
    }
    for (kube::RequestId r : {self->probe_request_, self->crd_request_}) {
      if (r) self->deps_.transport->Cancel(r);
    }
    done->set_value();
  });
  fut.wait();
  strand_->Drain();
  std::map<storage::Gvr, std::shared_ptr<ResourceSynchro>> synchros;
  {
    std::lock_guard<std::mutex> l(mu_);
    synchros.swap(synchros_);
  }
  for (auto& [gvr, rs] : synchros) rs->Close();
  if (clean) {
    if (Status s = deps_.storage->CleanCluster(name_); !s.ok()) {
      PEDIA_LOG_ERROR("cannot clean the removed cluster's objects", {"cluster", name_}, {"err", s.message()});
    }
    if (Status s = deps_.storage->DeleteCluster(name_); !s.ok() && !s.IsNotFound()) {
      PEDIA_LOG_ERROR("cannot delete the removed cluster's status record", {"cluster", name_}, {"err", s.message()});
    }
    PEDIA_LOG_INFO("cluster removed and its data cleaned", {"cluster", name_});
    return;
  }
  {
    std::lock_guard<std::mutex> l(mu_);
    for (auto& c : conditions_) {
      if (c.type == "SynchroRunning") c = {c.type, "False", "Shutdown", "cluster synchro is shutdown", NowRfc3339()};
      if (c.type == "ClusterHealthy")
        c = {c.type, "Unknown", "MonitorStop", "cluster synchro is shutdown", NowRfc3339()};
    }
    for (auto& [gvr, rs] : synchros) synchros_.emplace(gvr, rs);  // for the final status
  }
  std::string record = BuildRecord();
  if (Status s = deps_.storage->PutCluster(name_, record); !s.ok()) {
    PEDIA_LOG_WARNING("cannot write the final cluster status", {"cluster", name_}, {"err", s.message()});
  }
  std::lock_guard<std::mutex> l(mu_);
  synchros_.clear();
}

}  // namespace pedia::sync
