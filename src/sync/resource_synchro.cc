#include "sync/resource_synchro.h"

#include <future>

#include "base/json_scan.h"
#include "base/log.h"
#include "base/metrics.h"
#include "base/rfc3339.h"
#include "sync/backoff.h"

namespace pedia::sync {
namespace {

using Clock = std::chrono::steady_clock;
namespace json = ::pedia::json;
constexpr int kMaxQueuedPages = 2;

std::string PercentEncode(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// Finds metadata.resourceVersion / metadata.continue of a list or object.
void ReadListMeta(std::string_view doc, json::Span meta, std::string* rv, std::string* cont) {
  if (json::TypeOf(doc, meta) != json::Type::kObject) return;
  json::ForEachMember(doc, meta, [&](std::string_view key, json::Span, json::Span v) {
    if (json::KeyEquals(key, "resourceVersion")) {
      if (auto s = json::DecodeString(doc, v); s.ok()) *rv = s.value();
    } else if (cont && json::KeyEquals(key, "continue")) {
      if (auto s = json::DecodeString(doc, v); s.ok()) *cont = s.value();
    }
    return true;
  });
}

// metadata.continue of a list page, read from the front of the body (the
// server writes metadata before items) without scanning the items.
std::string PeekContinue(std::string_view doc) {
  std::string rv, cont;
  bool found = false;
  size_t pos = 0;
  json::WalkMembers(doc, &pos, [&](std::string_view key, json::Span, size_t* vpos) -> Status {
    json::Span v;
    if (Status s = json::ScanValue(doc, vpos, &v); !s.ok()) return s;
    if (json::KeyEquals(key, "metadata")) {
      ReadListMeta(doc, v, &rv, &cont);
      found = true;
      return Status::Conflict("stop");  // ends the walk early; not an error
    }
    return Status::Ok();
  });
  return found ? cont : "";
}

}  // namespace

struct ResourceSynchro::Metrics {
  metrics::Value* added;
  metrics::Value* updated;
  metrics::Value* deleted;
  metrics::Value* failed;
  metrics::Value* storage_errors;
  metrics::Value* events;
  metrics::Value* lists;
  metrics::Value* watch_restarts;
  metrics::Histogram* lag;

  Metrics(const std::string& cluster, const std::string& resource) {
    static auto* written =
        metrics::Registry::Global().Counter("clustersynchro_resourcesynchro_objects_written_total",
                                            "Objects written to storage, by operation.", {"cluster", "resource", "op"});
    static auto* failed_f = metrics::Registry::Global().Counter(
        "clustersynchro_resourcesynchro_failed_resource_total",
        "Objects dropped because storage or normalization rejected them.", {"cluster", "resource"});
    static auto* storage_errors_f = metrics::Registry::Global().Counter(
        "clustersynchro_resourcesynchro_storage_errors_total", "Failed storage writes (retried when recoverable).",
        {"cluster", "resource"});
    static auto* events_f =
        metrics::Registry::Global().Counter("clustersynchro_resourcesynchro_watch_events_total",
                                            "Watch events received from member clusters.", {"cluster", "resource"});
    static auto* lists_f = metrics::Registry::Global().Counter("clustersynchro_resourcesynchro_lists_total",
                                                               "Full (re)lists started.", {"cluster", "resource"});
    static auto* restarts_f =
        metrics::Registry::Global().Counter("clustersynchro_resourcesynchro_watch_restarts_total",
                                            "Watches restarted after they ended.", {"cluster", "resource"});
    static auto* lag_f = metrics::Registry::Global().Histogram(
        "clustersynchro_resourcesynchro_event_storage_lag_seconds",
        "Time from receiving an object from the member cluster to its write into storage.", {"cluster", "resource"},
        {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.4, 1, 3, 10, 30});
    added = written->With({cluster, resource, "added"});
    updated = written->With({cluster, resource, "updated"});
    deleted = written->With({cluster, resource, "deleted"});
    failed = failed_f->With({cluster, resource});
    storage_errors = storage_errors_f->With({cluster, resource});
    events = events_f->With({cluster, resource});
    lists = lists_f->With({cluster, resource});
    watch_restarts = restarts_f->With({cluster, resource});
    lag = lag_f->HistogramWith({cluster, resource});
  }
};

class ResourceSynchro::WatchHandler : public kube::StreamHandler {
 public:
  WatchHandler(std::weak_ptr<ResourceSynchro> owner, uint64_t gen) : owner_(std::move(owner)), gen_(gen) {}
  void OnLine(std::string_view line) override {
    if (auto o = owner_.lock()) o->OnWatchLine(gen_, line);
  }
  void OnEnd(const Status& status, int http_status) override {
    if (auto o = owner_.lock()) o->OnWatchEnd(gen_, status, http_status);
  }

 private:
  std::weak_ptr<ResourceSynchro> owner_;
  uint64_t gen_;
};

std::shared_ptr<ResourceSynchro> ResourceSynchro::Create(ResourceSynchroContext context, SyncTarget target,
                                                         KnownVersions known) {
  return std::shared_ptr<ResourceSynchro>(new ResourceSynchro(std::move(context), std::move(target), std::move(known)));
}

ResourceSynchro::ResourceSynchro(ResourceSynchroContext context, SyncTarget target, KnownVersions known)
    : ctx_(std::move(context)),
      target_(std::move(target)),
      resource_key_{ctx_.cluster, target_.gvr, target_.resource.kind, target_.resource.namespaced},
      normalize_(kube::NormalizeOptionsFromGates(
          ctx_.cluster, target_.gvr.group.empty() ? target_.gvr.version : target_.gvr.group + "/" + target_.gvr.version,
          target_.resource.kind)),
      strand_(std::make_shared<Strand>(ctx_.pool)),
      known_(std::move(known)),
      metrics_(std::make_unique<Metrics>(ctx_.cluster, target_.gvr.ToString())) {
  condition_.last_transition_time = NowRfc3339();
}

ResourceSynchro::~ResourceSynchro() = default;

void ResourceSynchro::Start() {
  ctx_.transport->Post([self = shared_from_this()] { self->StartOnLoop(); });
}

void ResourceSynchro::Pause(const std::string& reason, const std::string& message) {
  ctx_.transport->Post([self = shared_from_this(), reason, message] {
    self->gen_++;
    self->StopActive();
    self->SetCondition("Stop", reason, message);
  });
}

void ResourceSynchro::Close() {
  if (closed_.exchange(true)) return;
  auto done = std::make_shared<std::promise<void>>();
  auto fut = done->get_future();
  ctx_.transport->Post([self = shared_from_this(), done] {
    self->gen_++;
    self->StopActive();
    done->set_value();
  });
  fut.wait();
  strand_->Drain();
  SetCondition("Stop", "", "");
}

void ResourceSynchro::StopActive() {
  if (request_id_) ctx_.transport->Cancel(request_id_);
  if (timer_id_) ctx_.transport->CancelTimer(timer_id_);
  request_id_ = timer_id_ = 0;
}

void ResourceSynchro::StartOnLoop() {
  if (closed_) return;
  uint64_t gen = ++gen_;
  StopActive();
  pages_queued_ = 0;
  deferred_continue_.clear();
  metrics_->lists->Inc();
  {
    std::lock_guard<std::mutex> l(mu_);
    pending_lines_.clear();
  }
  strand_->Submit([self = shared_from_this()] {
    self->seen_.clear();
    self->list_rv_.clear();
  });
  RequestPage("", gen);
}

void ResourceSynchro::RequestPage(const std::string& continue_token, uint64_t gen) {
  std::string path = target_.Path();
  std::string sep = "?";
  if (ctx_.page_size > 0) {
    path += sep + "limit=" + std::to_string(ctx_.page_size);
    sep = "&";
  }
  if (!continue_token.empty()) path += sep + "continue=" + PercentEncode(continue_token);
  auto self = shared_from_this();
  request_id_ =
      ctx_.transport->Get(ctx_.config, path, std::chrono::seconds(120),
                          [self, gen](const Status& s, kube::HttpResponse r) {
                            if (gen != self->gen_) return;
                            self->request_id_ = 0;
                            if (!s.ok()) {
                              // An expired continue token means the snapshot is gone: start over.
                              self->Retry(gen, s, /*relist=*/true);
                              return;
                            }
                            // Pipelining: ask for the next page while this one is processed.
                            // At most kMaxQueuedPages wait for processing, bounding memory.
                            std::string next = PeekContinue(r.body);
                            bool last = next.empty();
                            ++self->pages_queued_;
                            if (!last) {
                              if (self->pages_queued_ < kMaxQueuedPages) {
                                self->RequestPage(next, gen);
                              } else {
                                self->deferred_continue_ = std::move(next);
                              }
                            }
                            self->strand_->Submit([self, gen, last, body = std::move(r.body)]() mutable {
                              self->ProcessPage(gen, std::move(body), last);
                              self->ctx_.transport->Post([self, gen] {
                                if (gen != self->gen_) return;
                                --self->pages_queued_;
                                if (!self->deferred_continue_.empty() && self->request_id_ == 0) {
                                  std::string next = std::move(self->deferred_continue_);
                                  self->deferred_continue_.clear();
                                  self->RequestPage(next, gen);
                                }
                              });
                            });
                          });
}

namespace {

// The storage record of a normalized object; the object is consumed.
storage::ObjectRecord ToRecord(kube::NormalizedObject&& o) {
  return {std::move(o.namespace_name),
          std::move(o.name),
          std::move(o.uid),
          std::move(o.owner_uid),
          std::move(o.resource_version),
          o.creation_unix_ms,
          o.deletion_unix_ms == kube::kNoTime ? PEDIA_STORAGE_NO_TIME : o.deletion_unix_ms,
          std::move(o.labels),
          std::move(o.json)};
}

}  // namespace

std::string ResourceSynchro::KeyOf(const kube::NormalizedObject& o) const {
  return o.namespace_name.empty() ? o.name : o.namespace_name + "/" + o.name;
}

void ResourceSynchro::ProcessPage(uint64_t gen, std::string body, bool last) {
  if (gen != gen_) return;
  std::string_view doc = body;
  std::string cont, rv;
  const auto now = Clock::now();
  // One pass over the page: items are normalized where they lie.
  auto on_item = [&](size_t* pos) -> Status {
    size_t begin = *pos;
    auto o = kube::NormalizeObjectAt(doc, pos, normalize_);
    if (!o.ok()) {
      *pos = begin;
      json::Span skipped;
      if (Status s = json::ScanValue(doc, pos, &skipped); !s.ok()) return s;  // the page itself is broken
      DropUnsyncable(o.status().message());
      return Status::Ok();
    }
    std::string key = KeyOf(o.value());
    seen_.insert(key);
    auto known = known_.find(key);
    if (known != known_.end() && known->second == o->resource_version) return Status::Ok();
    storage::Write w;
    w.op = storage::Write::kUpsert;
    w.object = ToRecord(std::move(o.value()));
    batch_.push_back(std::move(w));
    batch_pending_.push_back({std::move(key), now});
    return Status::Ok();
  };
  size_t pos = 0;
  Status s = json::WalkMembers(doc, &pos, [&](std::string_view key, json::Span, size_t* vpos) -> Status {
    if (json::KeyEquals(key, "items")) {
      json::SkipSpace(doc, vpos);
      if (*vpos < doc.size() && doc[*vpos] == 'n') {  // "items": null
        json::Span v;
        return json::ScanValue(doc, vpos, &v);
      }
      return json::WalkElements(doc, vpos, on_item);
    }
    json::Span v;
    if (Status scan = json::ScanValue(doc, vpos, &v); !scan.ok()) return scan;
    if (json::KeyEquals(key, "metadata")) ReadListMeta(doc, v, &rv, &cont);
    return Status::Ok();
  });
  if (!s.ok()) {
    batch_.clear();
    batch_pending_.clear();
    Status bad = Status::InvalidArgument("list " + target_.gvr.ToString() +
                                         ": the response is not a valid list\nDETAIL: " + s.message());
    ctx_.transport->Post([self = shared_from_this(), gen, bad] { self->Retry(gen, bad, true); });
    return;
  }
  const auto normalized = Clock::now();
  if (Status f = Flush(); !f.ok()) return OnStorageFailure(gen, f);
  PEDIA_LOG_V(4, "list page written", {"cluster", ctx_.cluster}, {"resource", target_.gvr.ToString()},
              {"bytes", body.size()},
              {"normalizeMs", std::chrono::duration<double, std::milli>(normalized - now).count()},
              {"writeMs", std::chrono::duration<double, std::milli>(Clock::now() - normalized).count()});
  if (!last) return;  // the next page was requested when this one arrived
  list_rv_ = rv;
  FinishList(gen);
}

void ResourceSynchro::FinishList(uint64_t gen) {
  // Stored objects the member no longer has, including those deleted while
  // pedia was down (known versions were seeded from storage).
  const auto now = Clock::now();
  for (const auto& [key, rv] : known_) {
    if (seen_.count(key)) continue;
    storage::Write w;
    w.op = storage::Write::kDelete;
    auto slash = key.find('/');
    if (slash == std::string::npos) {
      w.object.name = key;
    } else {
      w.object.namespace_name = key.substr(0, slash);
      w.object.name = key.substr(slash + 1);
    }
    batch_.push_back(std::move(w));
    batch_pending_.push_back({key, now});
  }
  seen_.clear();
  if (Status f = Flush(); !f.ok()) return OnStorageFailure(gen, f);
  synced_ = true;
  backoff_attempt_ = 0;
  {
    std::lock_guard<std::mutex> l(mu_);
    last_rv_ = list_rv_;
  }
  ctx_.transport->Post([self = shared_from_this(), gen] { self->StartWatch(gen); });
}

Status ResourceSynchro::Flush() {
  while (!batch_.empty()) {
    size_t failed_index = 0;
    Status s = ctx_.storage->WriteBatch(resource_key_, batch_, &failed_index);
    if (s.ok()) break;
    metrics_->storage_errors->Inc();
    if (s.code() == Status::kInvalidArgument && failed_index < batch_.size()) {
      const auto& bad = batch_[failed_index].object;
      PEDIA_LOG_ERROR("storage rejected an object; dropping it", {"cluster", ctx_.cluster},
                      {"resource", target_.gvr.ToString()}, {"namespace", bad.namespace_name}, {"name", bad.name},
                      {"err", s.message()});
      CountDrop(s.message());
      batch_.erase(batch_.begin() + static_cast<ptrdiff_t>(failed_index));
      batch_pending_.erase(batch_pending_.begin() + static_cast<ptrdiff_t>(failed_index));
      continue;
    }
    return s;  // recoverable or unexpected: the caller keeps the batch and retries
  }
  const auto now = Clock::now();
  for (size_t i = 0; i < batch_.size(); ++i) {
    auto& w = batch_[i];
    std::string& key = batch_pending_[i].key;
    if (w.op == storage::Write::kDelete) {
      known_.erase(key);
      metrics_->deleted->Inc();
    } else {
      auto [it, inserted] = known_.insert_or_assign(std::move(key), std::move(w.object.resource_version));
      (inserted ? metrics_->added : metrics_->updated)->Inc();
    }
    metrics_->lag->Observe(std::chrono::duration<double>(now - batch_pending_[i].arrival).count());
  }
  batch_.clear();
  batch_pending_.clear();
  SyncCondition current;
  bool new_drops = false;
  {
    std::lock_guard<std::mutex> l(mu_);
    new_drops = dropped_ != dropped_reported_;
    dropped_reported_ = dropped_;
    current = condition_;
  }
  // Surfaces dropped objects in the sync condition's message.
  if (new_drops) SetCondition(current.status, current.reason, "");
  return Status::Ok();
}

void ResourceSynchro::OnStorageFailure(uint64_t gen, const Status& status) {
  PEDIA_LOG_WARNING("storage write failed; pausing the watch and retrying", {"cluster", ctx_.cluster},
                    {"resource", target_.gvr.ToString()}, {"err", status.message()});
  SetCondition("Stop", "StorageExpection", status.message());
  seen_.clear();
  ctx_.transport->Post([self = shared_from_this(), gen] {
    if (gen != self->gen_) return;
    uint64_t paused = ++self->gen_;
    self->StopActive();
    self->timer_id_ = self->ctx_.transport->After(self->NextBackoff(), [self, paused] {
      self->timer_id_ = 0;
      self->strand_->Submit([self, paused] { self->RetryPending(paused); });
    });
  });
}

void ResourceSynchro::RetryPending(uint64_t gen) {
  if (gen != gen_ || closed_) return;
  if (Status s = Flush(); !s.ok()) return OnStorageFailure(gen, s);
  PEDIA_LOG_INFO("storage is writable again; relisting", {"cluster", ctx_.cluster},
                 {"resource", target_.gvr.ToString()});
  ctx_.transport->Post([self = shared_from_this(), gen] {
    if (gen == self->gen_) self->StartOnLoop();
  });
}

void ResourceSynchro::StartWatch(uint64_t gen) {
  if (gen != gen_ || closed_) return;
  std::string rv;
  {
    std::lock_guard<std::mutex> l(mu_);
    rv = last_rv_;
  }
  int timeout_s = WatchTimeoutSeconds();
  std::string path = target_.Path() + "?watch=1&allowWatchBookmarks=true&timeoutSeconds=" + std::to_string(timeout_s);
  if (!rv.empty()) path += "&resourceVersion=" + PercentEncode(rv);
  auto handler = std::make_shared<WatchHandler>(weak_from_this(), gen);
  request_id_ = ctx_.transport->Stream(ctx_.config, path, std::chrono::seconds(timeout_s + 60),
                                       std::chrono::milliseconds(0), handler);
  SetCondition("Syncing", "", "");
}

void ResourceSynchro::OnWatchLine(uint64_t gen, std::string_view line) {
  bool schedule = false;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (gen != gen_) return;
    pending_lines_.emplace_back(std::string(line), Clock::now());
    if (!lines_scheduled_) lines_scheduled_ = schedule = true;
  }
  metrics_->events->Inc();
  if (schedule) strand_->Submit([self = shared_from_this(), gen] { self->ProcessLines(gen); });
}

void ResourceSynchro::ProcessLines(uint64_t gen) {
  std::vector<std::pair<std::string, Clock::time_point>> lines;
  {
    std::lock_guard<std::mutex> l(mu_);
    lines.swap(pending_lines_);
    lines_scheduled_ = false;
  }
  if (gen != gen_) return;
  std::string last_rv;
  bool gone = false;
  Status watch_error;
  for (auto& [line, arrival] : lines) {
    std::string_view doc = line;
    std::string type;
    json::Span object;
    Result<kube::NormalizedObject> o = Status::InvalidArgument("invalid object: watch event without an object");
    size_t pos = 0;
    // Kubernetes writes "type" before "object", so data objects are
    // normalized in place; anything else is scanned and handled below.
    Status s = json::WalkMembers(doc, &pos, [&](std::string_view key, json::Span, size_t* vpos) -> Status {
      if (json::KeyEquals(key, "object") && (type == "ADDED" || type == "MODIFIED" || type == "DELETED")) {
        json::SkipSpace(doc, vpos);
        size_t begin = *vpos;
        o = kube::NormalizeObjectAt(doc, vpos, normalize_);
        if (o.ok()) {
          object = {begin, *vpos};
          return Status::Ok();
        }
        *vpos = begin;  // not an object we can store: still find its end
        return json::ScanValue(doc, vpos, &object);
      }
      json::Span v;
      if (Status scan = json::ScanValue(doc, vpos, &v); !scan.ok()) return scan;
      if (json::KeyEquals(key, "type")) {
        if (auto t = json::DecodeString(doc, v); t.ok()) type = t.value();
      } else if (json::KeyEquals(key, "object")) {
        object = v;
      }
      return Status::Ok();
    });
    if (!s.ok() || type.empty() || object.empty()) {
      metrics_->failed->Inc();
      PEDIA_LOG_ERROR("ignoring a malformed watch event", {"cluster", ctx_.cluster},
                      {"resource", target_.gvr.ToString()}, {"err", s.ok() ? "no type or object" : s.message()});
      continue;
    }
    if (type == "BOOKMARK") {
      auto meta = json::FindMember(doc, object, "metadata");
      if (meta.ok()) ReadListMeta(doc, meta.value(), &last_rv, nullptr);
      continue;
    }
    if (type == "ERROR") {
      std::string code, message;
      if (auto c = json::FindMember(doc, object, "code"); c.ok()) code = std::string(c->In(doc));
      if (auto m = json::FindMember(doc, object, "message"); m.ok() && !m->empty()) {
        if (auto d = json::DecodeString(doc, m.value()); d.ok()) message = d.value();
      }
      if (code == "410") {
        gone = true;
      } else {
        watch_error = Status::Unavailable("watch " + target_.gvr.ToString() + ": the server sent an error event" +
                                          (message.empty() ? "" : "\nDETAIL: " + message));
      }
      break;
    }
    if (!o.ok() && type != "ADDED" && type != "MODIFIED" && type != "DELETED") {
      PEDIA_LOG_V(2, "ignoring a watch event of unknown type", {"cluster", ctx_.cluster}, {"type", type});
      continue;
    }
    if (!o.ok()) {
      DropUnsyncable(o.status().message());
      continue;
    }
    last_rv = o->resource_version;
    std::string key = KeyOf(o.value());
    storage::Write w;
    if (type == "DELETED") {
      w.op = storage::Write::kDelete;
    } else {
      auto known = known_.find(key);
      if (known != known_.end() && known->second == o->resource_version) continue;
      w.op = storage::Write::kUpsert;
    }
    w.object = ToRecord(std::move(o.value()));
    batch_.push_back(std::move(w));
    batch_pending_.push_back({std::move(key), arrival});
    if (batch_.size() >= ctx_.max_batch) {
      if (Status f = Flush(); !f.ok()) return OnStorageFailure(gen, f);
    }
  }
  if (Status f = Flush(); !f.ok()) return OnStorageFailure(gen, f);
  if (!last_rv.empty()) {
    std::lock_guard<std::mutex> l(mu_);
    last_rv_ = last_rv;
  }
  backoff_attempt_ = 0;
  if (gone) {
    ctx_.transport->Post([self = shared_from_this(), gen] { self->RelistAfterGone(gen); });
  } else if (!watch_error.ok()) {
    ctx_.transport->Post([self = shared_from_this(), gen, watch_error] {
      if (gen != self->gen_) return;
      self->StopActive();
      self->Retry(gen, watch_error, false);
    });
  }
}

void ResourceSynchro::RelistAfterGone(uint64_t gen) {
  if (gen != gen_) return;
  PEDIA_LOG_V(2, "watch expired (410 Gone); relisting", {"cluster", ctx_.cluster},
              {"resource", target_.gvr.ToString()});
  StartOnLoop();
}

void ResourceSynchro::OnWatchEnd(uint64_t gen, const Status& status, int http_status) {
  if (gen != gen_) return;
  request_id_ = 0;
  metrics_->watch_restarts->Inc();
  if (status.ok()) {
    // The server ended the watch (timeoutSeconds): resume once every line
    // received so far is processed, from the last resourceVersion seen.
    strand_->Submit(
        [self = shared_from_this(), gen] { self->ctx_.transport->Post([self, gen] { self->StartWatch(gen); }); });
    return;
  }
  if (http_status == 410 || status.code() == Status::kExpired) {
    strand_->Submit(
        [self = shared_from_this(), gen] { self->ctx_.transport->Post([self, gen] { self->RelistAfterGone(gen); }); });
    return;
  }
  Retry(gen, status, false);
}

void ResourceSynchro::Retry(uint64_t gen, const Status& why, bool relist) {
  if (gen != gen_ || closed_) return;
  PEDIA_LOG_WARNING(relist ? "list failed; retrying" : "watch failed; resuming", {"cluster", ctx_.cluster},
                    {"resource", target_.gvr.ToString()}, {"err", why.message()});
  SetCondition("Error", "ResourceWatchFailed", why.message());
  auto delay = NextBackoff();
  timer_id_ = ctx_.transport->After(delay, [self = shared_from_this(), gen, relist] {
    self->timer_id_ = 0;
    if (gen != self->gen_) return;
    if (relist) {
      self->StartOnLoop();
    } else {
      // Wait for queued events so the resume uses the latest resourceVersion.
      self->strand_->Submit([self, gen] { self->ctx_.transport->Post([self, gen] { self->StartWatch(gen); }); });
    }
  });
}

std::chrono::milliseconds ResourceSynchro::NextBackoff() {
  return Backoff(backoff_attempt_++, 500.0, 6);  // 0.5 s doubling, capped at 32 s
}

void ResourceSynchro::SetCondition(std::string status, std::string reason, std::string message) {
  SyncCondition next{std::move(status), std::move(reason), std::move(message), ""};
  {
    std::lock_guard<std::mutex> l(mu_);
    if (dropped_ > 0 && next.message.empty()) {
      next.message = std::to_string(dropped_) + " object(s) dropped; last: " + last_drop_message_;
    }
    if (next == condition_) return;
    next.last_transition_time = NowRfc3339();
    condition_ = std::move(next);
  }
  if (ctx_.on_status_change) ctx_.on_status_change();
}

SyncCondition ResourceSynchro::condition() const {
  std::lock_guard<std::mutex> l(mu_);
  return condition_;
}

void ResourceSynchro::CountDrop(const std::string& message) {
  metrics_->failed->Inc();
  std::lock_guard<std::mutex> l(mu_);
  ++dropped_;
  last_drop_message_ = message;
}

void ResourceSynchro::DropUnsyncable(const std::string& message) {
  CountDrop(message);
  PEDIA_LOG_ERROR("dropping an object that cannot be synced", {"cluster", ctx_.cluster},
                  {"resource", target_.gvr.ToString()}, {"err", message});
}

}  // namespace pedia::sync
