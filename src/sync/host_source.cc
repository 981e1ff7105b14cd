#include "sync/host_source.h"

#include <yaml-cpp/yaml.h>

#include <future>
#include <nlohmann/json.hpp>

#include "base/log.h"
#include "sync/backoff.h"

namespace pedia::sync {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
constexpr const char* kGroupVersionPath = "/apis/cluster.clusterpedia.io/v1alpha2";

}  // namespace

// List+watch of one cluster-scoped kind, keeping name -> object JSON.  State
// changes on the loop thread; readers take the mutex.
class HostSource::Informer : public std::enable_shared_from_this<HostSource::Informer> {
 public:
  Informer(kube::Transport* t, std::shared_ptr<const kube::ConnectionConfig> c, std::string resource,
           std::function<void()> changed)
      : t_(t),
        c_(std::move(c)),
        path_(std::string(kGroupVersionPath) + "/" + resource),
        changed_(std::move(changed)),
        state_(std::make_shared<State>()) {}
  ~Informer() { Stop(); }

  void Start() {
    t_->Post([s = state_, self = this] { self->List(); });
  }
  // Waits until the loop thread has seen the stop, so no callback touches
  // this object afterwards.
  void Stop() {
    if (state_->stopped.exchange(true)) return;
    auto done = std::make_shared<std::promise<void>>();
    auto fut = done->get_future();
    t_->Post([s = state_, t = t_, done] {
      if (s->request) t->Cancel(s->request);
      if (s->timer) t->CancelTimer(s->timer);
      done->set_value();
    });
    if (!t_->InLoopThread()) fut.wait();
  }
  bool synced() {
    std::lock_guard<std::mutex> l(state_->mu);
    return state_->synced;
  }
  std::map<std::string, json> Objects() {
    std::lock_guard<std::mutex> l(state_->mu);
    return state_->objects;
  }

 private:
  struct State {
    std::mutex mu;
    std::map<std::string, json> objects;
    bool synced = false;
    std::atomic<bool> stopped{false};
    kube::RequestId request = 0;
    kube::TimerId timer = 0;
    int attempt = 0;
  };

  class Handler : public kube::StreamHandler {
   public:
    Handler(Informer* owner, std::shared_ptr<State> s) : owner_(owner), s_(std::move(s)) {}
    void OnLine(std::string_view line) override {
      if (!s_->stopped) owner_->OnEvent(line);
    }
    void OnEnd(const Status& status, int http) override {
      if (s_->stopped) return;
      s_->request = 0;
      if (status.ok()) return owner_->Watch();
      owner_->Retry(status, http == 410 || status.code() == Status::kExpired);
    }

   private:
    Informer* owner_;
    std::shared_ptr<State> s_;
  };

  // Loop thread.
  void List() {
    if (state_->stopped) return;
    state_->request =
        t_->Get(c_, path_, std::chrono::seconds(30), [this, s = state_](const Status& st, kube::HttpResponse r) {
          if (s->stopped) return;
          s->request = 0;
          if (!st.ok()) return Retry(st, true);
          json list = json::parse(r.body, nullptr, false);
          if (list.is_discarded() || !list.is_object() || !list.contains("items") || !list["items"].is_array()) {
            return Retry(Status::InvalidArgument("list " + path_ + ": not a list"), true);
          }
          try {
            std::lock_guard<std::mutex> l(s->mu);
            s->objects.clear();
            for (auto& item : list["items"]) {
              if (!item.is_object() || !item.contains("metadata") || !item["metadata"].is_object()) continue;
              item["apiVersion"] = "cluster.clusterpedia.io/v1alpha2";
              s->objects[item["metadata"].value("name", "")] = item;
            }
            s->synced = true;
            rv_ = list.contains("metadata") && list["metadata"].is_object()
                      ? list["metadata"].value("resourceVersion", "")
                      : "";
          } catch (const json::exception& e) {
            return Retry(Status::InvalidArgument("list " + path_ + ": " + e.what()), true);
          }
          s->attempt = 0;
          changed_();
          Watch();
        });
  }

  void Watch() {
    if (state_->stopped) return;
    std::string path = path_ + "?watch=1&allowWatchBookmarks=true&timeoutSeconds=" +
                       std::to_string(WatchTimeoutSeconds());
    if (!rv_.empty()) path += "&resourceVersion=" + rv_;
    state_->request =
        t_->Stream(c_, path, std::chrono::seconds(700), milliseconds(0), std::make_shared<Handler>(this, state_));
  }

  void OnEvent(std::string_view line) {
    try {
      HandleEvent(line);
    } catch (const json::exception& e) {
      PEDIA_LOG_WARNING("ignoring a malformed host watch event", {"resource", path_}, {"err", e.what()});
    }
  }

  void HandleEvent(std::string_view line) {
    json e = json::parse(line, nullptr, false);
    if (e.is_discarded() || !e.is_object() || !e.contains("object") || !e["object"].is_object()) return;
    std::string type = e.value("type", "");
    json& obj = e["object"];
    if (obj.contains("metadata") && obj["metadata"].contains("resourceVersion")) {
      rv_ = obj["metadata"]["resourceVersion"].get<std::string>();
    }
    if (type == "BOOKMARK") return;
    if (type == "ERROR") {
      if (obj.value("code", 0) == 410) rv_.clear();
      return;  // the server ends the stream; OnEnd relists or resumes
    }
    if (!obj.contains("metadata") || !obj["metadata"].is_object()) return;
    std::string name = obj["metadata"].value("name", "");
    {
      std::lock_guard<std::mutex> l(state_->mu);
      obj["apiVersion"] = "cluster.clusterpedia.io/v1alpha2";
      if (type == "DELETED")
        state_->objects.erase(name);
      else
        state_->objects[name] = obj;
    }
    changed_();
  }

  void Retry(const Status& why, bool relist) {
    PEDIA_LOG_WARNING("host cluster list/watch failed; retrying", {"resource", path_}, {"err", why.message()});
    int attempt = state_->attempt++;
    auto delay = Backoff(attempt, 500.0, 6);
    state_->timer = t_->After(delay, [this, s = state_, relist] {
      s->timer = 0;
      if (s->stopped) return;
      if (relist || rv_.empty())
        List();
      else
        Watch();
    });
  }

  kube::Transport* t_;
  std::shared_ptr<const kube::ConnectionConfig> c_;
  std::string path_;
  std::function<void()> changed_;
  std::shared_ptr<State> state_;
  std::string rv_;  // loop thread
};

HostSource::HostSource(kube::Transport* transport, std::shared_ptr<const kube::ConnectionConfig> host)
    : transport_(transport), host_(std::move(host)) {}

HostSource::~HostSource() { Stop(); }

void HostSource::Changed() {
  {
    std::lock_guard<std::mutex> l(mu_);
    dirty_ = true;
  }
  cv_.notify_all();
}

Status HostSource::Start(Listener listener) {
  listener_ = std::move(listener);
  clusters_ = std::make_unique<Informer>(transport_, host_, "pediaclusters", [this] { Changed(); });
  sync_resources_ = std::make_unique<Informer>(transport_, host_, "clustersyncresources", [this] { Changed(); });
  clusters_->Start();
  sync_resources_->Start();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!(clusters_->synced() && sync_resources_->synced())) {
    if (std::chrono::steady_clock::now() > deadline) {
      return Status::Unavailable("cannot list PediaClusters and ClusterSyncResources from the host cluster " +
                                 host_->server +
                                 " within 60 s\nHINT: check --kubeconfig and that the "
                                 "cluster.clusterpedia.io CRDs are installed");
    }
    std::this_thread::sleep_for(milliseconds(20));
  }
  thread_ = std::thread([this] { Run(); });
  Changed();
  // The first snapshot is delivered before Start returns.
  std::unique_lock<std::mutex> l(mu_);
  cv_.wait(l, [&] { return delivered_ || stopping_; });
  return Status::Ok();
}

void HostSource::Stop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (clusters_) clusters_->Stop();
  if (sync_resources_) sync_resources_->Stop();
}

void HostSource::Run() {
  while (true) {
    {
      std::unique_lock<std::mutex> l(mu_);
      cv_.wait(l, [&] { return dirty_ || stopping_; });
      if (stopping_) return;
    }
    // Coalesce bursts of events into one snapshot.
    std::this_thread::sleep_for(milliseconds(50));
    {
      std::lock_guard<std::mutex> l(mu_);
      dirty_ = false;
    }
    SourceSnapshot snap;
    try {
      BuildSnapshot(&snap);
    } catch (const std::exception& e) {  // nlohmann or yaml-cpp on a malformed object
      PEDIA_LOG_ERROR("cannot read the host cluster's objects", {"err", e.what()});
      continue;
    }
    listener_(snap);
    {
      std::lock_guard<std::mutex> l(mu_);
      delivered_ = true;
    }
    cv_.notify_all();
  }
}

void HostSource::BuildSnapshot(SourceSnapshot* out) {
  SourceSnapshot& snap = *out;
  {
    for (const auto& [name, obj] : sync_resources_->Objects()) {
      auto m = ParseManifest(YAML::Load(obj.dump()));
      if (m.ok() && m->kind == Manifest::kClusterSyncResources) snap.sync_resources[name] = m->sync_resources;
    }
    for (const auto& [name, obj] : clusters_->Objects()) {
      Result<Manifest> m = Status::Internal("unparsed");
      try {
        m = ParseManifest(YAML::Load(obj.dump()));
      } catch (const YAML::Exception& e) {
        m = Status::InvalidArgument(std::string("invalid PediaCluster: ") + e.what());
      }
      if (!m.ok()) {
        snap.invalid[name] = m.status().message();
        continue;
      }
      ClusterSpec spec = std::move(m->cluster);
      // Keep the finalizer on every live cluster, so a deletion waits for cleanup.
      bool has_finalizer = false;
      if (!obj.contains("metadata") || !obj["metadata"].is_object()) continue;
      if (obj["metadata"].contains("finalizers")) {
        for (const auto& f : obj["metadata"]["finalizers"]) has_finalizer |= f == kSynchroFinalizer;
      }
      if (!has_finalizer && !spec.deleting) {
        json finalizers = obj["metadata"].value("finalizers", json::array());
        finalizers.push_back(kSynchroFinalizer);
        json patch = {
            {"metadata",
             {{"finalizers", finalizers}, {"resourceVersion", obj["metadata"].value("resourceVersion", "")}}}};
        auto r = transport_->SendSync(host_, "PATCH", std::string(kGroupVersionPath) + "/pediaclusters/" + name,
                                      patch.dump(), std::chrono::seconds(10));
        if (!r.ok()) {
          PEDIA_LOG_WARNING("cannot add the finalizer; retrying on the next change", {"cluster", name},
                            {"err", r.status().message()});
        }
      }
      snap.origin[name] = "host:pediaclusters/" + name;
      snap.clusters[name] = std::move(spec);
    }
  }
}

void HostSource::WriteStatus(const std::string& name, const std::string& status_json) {
  std::string patch = "{\"status\":" + status_json + "}";
  transport_->Send(host_, "PATCH", std::string(kGroupVersionPath) + "/pediaclusters/" + name + "/status", patch, "",
                   std::chrono::seconds(10), [name](const Status& s, kube::HttpResponse) {
                     if (!s.ok() && !s.IsNotFound()) {
                       PEDIA_LOG_WARNING("cannot write PediaCluster status", {"cluster", name}, {"err", s.message()});
                     }
                   });
}

Status HostSource::RemoveFinalizer(const std::string& name) {
  auto got =
      transport_->GetSync(host_, std::string(kGroupVersionPath) + "/pediaclusters/" + name, std::chrono::seconds(10));
  if (!got.ok()) return got.status().IsNotFound() ? Status::Ok() : got.status();
  json obj = json::parse(got->body, nullptr, false);
  if (obj.is_discarded() || !obj.is_object() || !obj.contains("metadata") || !obj["metadata"].is_object()) {
    return Status::Internal("the host returned a PediaCluster that is not a JSON object");
  }
  json keep = json::array();
  for (const auto& f : obj["metadata"].value("finalizers", json::array())) {
    if (f != kSynchroFinalizer) keep.push_back(f);
  }
  json patch = {
      {"metadata", {{"finalizers", keep}, {"resourceVersion", obj["metadata"].value("resourceVersion", "")}}}};
  auto r = transport_->SendSync(host_, "PATCH", std::string(kGroupVersionPath) + "/pediaclusters/" + name, patch.dump(),
                                std::chrono::seconds(10));
  if (!r.ok() && !r.status().IsNotFound()) return r.status();
  return Status::Ok();
}

}  // namespace pedia::sync
