#include "base/base64.h"
#include "cluster.h"

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>

#include "base/json_text.h"
#include "base/string_util.h"
#include "storage/selector.h"

namespace kubesim {

using json = nlohmann::json;
using pedia::Result;
using pedia::Status;

namespace {

constexpr size_t kMaxPendingWatchBytes = 256u << 20;  // slower watchers are dropped
const char kCrdKey[] = "customresourcedefinitions.apiextensions.k8s.io";

bool Base64Decode(std::string_view in, std::string* out) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    int v = value(c);
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return true;
}

std::string ContinueToken(uint64_t rv, const std::string& last_key) {
  std::string j = R"({"v":"meta.k8s.io/v1","rv":)" + std::to_string(rv) + R"(,"start":)";
  pedia::AppendJsonQuoted(j, last_key + std::string(1, '\0'));
  j += "}";
  return pedia::Base64Encode(j);
}

bool DecodeContinue(const std::string& token, uint64_t* rv, std::string* start) {
  std::string raw;
  if (!Base64Decode(token, &raw)) return false;
  json j = json::parse(raw, nullptr, false);
  if (j.is_discarded() || !j.is_object() || j.value("v", "") != "meta.k8s.io/v1") return false;
  if (!j.contains("rv") || !j["rv"].is_number_integer() || !j.contains("start") || !j["start"].is_string()) {
    return false;
  }
  int64_t v = j["rv"].get<int64_t>();
  if (v <= 0) return false;
  *rv = static_cast<uint64_t>(v);
  *start = j["start"].get<std::string>();
  return true;
}

// Appends obj's JSON with its apiVersion set to api_version (CRD objects
// served under a version other than the storage one).
void AppendObject(std::string& out, const Object& obj, const std::string& api_version) {
  if (obj.api_version == api_version) {
    out += obj.json;
    return;
  }
  std::string prefix = "{\"apiVersion\":\"" + obj.api_version + "\"";
  if (pedia::StartsWith(obj.json, prefix)) {
    out += "{\"apiVersion\":";
    pedia::AppendJsonQuoted(out, api_version);
    out.append(obj.json, prefix.size(), std::string::npos);
    return;
  }
  json j = json::parse(obj.json, nullptr, false);
  if (j.is_object()) j["apiVersion"] = api_version;
  out += j.dump();
}

std::string FieldText(const json& j) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_boolean()) return j.get<bool>() ? "true" : "false";
  if (j.is_number()) return j.dump();
  return "";
}

const std::vector<std::string>& KindFields(const std::string& key) {
  static const std::map<std::string, std::vector<std::string>> table = {
      {"pods",
       {"spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork",
        "status.phase", "status.podIP", "status.nominatedNodeName"}},
      {"events",
       {"involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
        "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason",
        "reportingComponent", "source", "type"}},
      {"secrets", {"type"}},
      {"nodes", {"spec.unschedulable"}},
      {"namespaces", {"status.phase"}},
      {"replicasets.apps", {"status.replicas"}},
  };
  static const std::vector<std::string> none;
  auto it = table.find(key);
  return it == table.end() ? none : it->second;
}

bool MatchFields(const Object& obj, const std::vector<FieldRequirement>& fields) {
  for (const auto& f : fields) {
    std::string value;
    for (const auto& [k, v] : obj.fields) {
      if (k == f.field) {
        value = v;
        break;
      }
    }
    if ((value == f.value) == f.negate) return false;
  }
  return true;
}

bool Matches(const Object& obj, const std::string& ns, const std::vector<pedia::storage::Requirement>& labels,
             const std::vector<FieldRequirement>& fields) {
  if (!ns.empty() && obj.ns != ns) return false;
  return pedia::storage::MatchLabels(labels, obj.labels) && MatchFields(obj, fields);
}

const char* EventName(EventType t) {
  switch (t) {
    case EventType::kAdded:
      return "ADDED";
    case EventType::kModified:
      return "MODIFIED";
    default:
      return "DELETED";
  }
}

std::string StatusObject(int code, const std::string& reason, const std::string& message) {
  std::string s = R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":)";
  pedia::AppendJsonQuoted(s, message);
  s += R"(,"reason":")" + reason + R"(","code":)" + std::to_string(code) + "}";
  return s;
}

// Strategic merge patch, approximated: objects merge recursively, lists of
// objects that all carry "name" merge by name ($patch: delete removes an
// element), other lists are replaced, and directives ($setElementOrder/...,
// $retainKeys, ...) are ignored.
void StrategicMerge(json& target, const json& patch) {
  if (!patch.is_object()) {
    target = patch;
    return;
  }
  if (!target.is_object()) target = json::object();
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    const std::string& key = it.key();
    const json& value = it.value();
    if (!key.empty() && key[0] == '$') continue;
    if (value.is_null()) {
      target.erase(key);
      continue;
    }
    auto named_objects = [](const json& a) {
      return a.is_array() && std::all_of(a.begin(), a.end(), [](const json& e) {
               return e.is_object() && e.contains("name") && e["name"].is_string();
             });
    };
    if (value.is_object() && target.contains(key) && target[key].is_object()) {
      StrategicMerge(target[key], value);
    } else if (value.is_array() && target.contains(key) && named_objects(target[key]) && named_objects(value)) {
      json& list = target[key];
      for (const json& element : value) {
        auto found =
            std::find_if(list.begin(), list.end(), [&](const json& e) { return e["name"] == element["name"]; });
        bool remove = element.value("$patch", "") == "delete";
        if (found != list.end()) {
          if (remove) {
            list.erase(found);
          } else {
            StrategicMerge(*found, element);
          }
        } else if (!remove) {
          list.push_back(element);
        }
      }
    } else {
      target[key] = value;
    }
  }
}

uint64_t ParseRv(const std::string& s, bool* ok) {
  long long v = 0;
  *ok = pedia::ParseInt64(s, &v) && v >= 0;
  return *ok ? static_cast<uint64_t>(v) : 0;
}

Status TooLarge(uint64_t wanted, uint64_t current) {
  return Status::Unavailable("Too large resource version: " + std::to_string(wanted) +
                             ", current: " + std::to_string(current));
}

}  // namespace

StringPairs SelectableFields(const ResourceType& type, const json& object) {
  StringPairs out;
  const json& meta = object.value("metadata", json::object());
  out.emplace_back("metadata.name", FieldText(meta.value("name", json())));
  out.emplace_back("metadata.namespace", FieldText(meta.value("namespace", json())));
  for (const auto& field : KindFields(type.Key())) {
    const json* at = &object;
    for (std::string_view part : pedia::SplitAndTrim(field, '.')) {
      if (!at->is_object()) {
        at = nullptr;
        break;
      }
      auto it = at->find(std::string(part));
      if (it == at->end()) {
        at = nullptr;
        break;
      }
      at = &*it;
    }
    out.emplace_back(field, at ? FieldText(*at) : "");
  }
  return out;
}

bool IsSelectableField(const ResourceType& type, const std::string& field) {
  if (field == "metadata.name" || field == "metadata.namespace") return true;
  const auto& fields = KindFields(type.Key());
  return std::find(fields.begin(), fields.end(), field) != fields.end();
}

// Objects of one kind.  Writes go through Set/Erase so that the sorted
// vector, rebuilt lazily for the next list, stays right: a page is then a
// binary search plus `limit` steps instead of a walk over the whole map.
struct Cluster::Store {
  std::map<std::string, ObjectPtr> objects;  // by "namespace/name"

  void Set(const std::string& key, ObjectPtr obj) {
    objects[key] = std::move(obj);
    sorted_valid_ = false;
  }
  void Erase(const std::string& key) {
    objects.erase(key);
    sorted_valid_ = false;
  }
  const std::vector<ObjectPtr>& Sorted() {
    if (!sorted_valid_) {
      sorted_.clear();
      sorted_.reserve(objects.size());
      for (const auto& [key, obj] : objects) sorted_.push_back(obj);
      sorted_valid_ = true;
    }
    return sorted_;
  }

 private:
  std::vector<ObjectPtr> sorted_;
  bool sorted_valid_ = false;
};

struct Cluster::Watcher {
  std::string type_key;
  std::string api_version;  // as requested
  std::string kind;
  WatchOptions options;
  uint64_t after_rv = 0;  // a watch from a future RV skips events up to it
  std::shared_ptr<pedia::http::ResponseStream> stream;
  std::chrono::steady_clock::time_point deadline;
  std::shared_ptr<std::atomic<bool>> closed = std::make_shared<std::atomic<bool>>(false);

  // Writes one line; false when the watcher is gone or too slow.
  bool Send(const std::string& line) {
    if (closed->load()) return false;
    if (stream->PendingBytes() > kMaxPendingWatchBytes || !stream->Write(line)) {
      closed->store(true);
      stream->Close();
      return false;
    }
    return true;
  }
  std::string Bookmark(uint64_t rv, bool initial_events_end) const {
    std::string s = R"({"type":"BOOKMARK","object":{"kind":")" + kind + R"(","apiVersion":")" + api_version +
                    R"(","metadata":{"resourceVersion":")" + std::to_string(rv) + R"(","creationTimestamp":null)";
    if (initial_events_end) s += R"(,"annotations":{"k8s.io/initial-events-end":"true"})";
    s += "}}}\n";
    return s;
  }
  std::string EventLine(EventType type, const Object& obj) const {
    std::string s = "{\"type\":\"";
    s += EventName(type);
    s += "\",\"object\":";
    AppendObject(s, obj, api_version);
    s += "}\n";
    return s;
  }
};

Cluster::Cluster(ClusterOptions options) : options_(std::move(options)), random_(options_.seed) {
  for (auto& t : BuiltinTypes(options_.host_mode)) types_.emplace(t.Key(), t);
}

Cluster::~Cluster() { DropWatches(); }

uint64_t Cluster::CurrentRv() {
  std::lock_guard lock(mu_);
  return rv_;
}

std::string Cluster::NewUid() {
  std::lock_guard lock(mu_);
  uint64_t a = random_(), b = random_();
  a = (a & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
  b = (b & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", uint32_t(a >> 32), uint32_t((a >> 16) & 0xffff),
                uint32_t(a & 0xffff), uint32_t(b >> 48), static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return buf;
}

std::vector<ResourceType> Cluster::Types() {
  std::lock_guard lock(mu_);
  std::vector<ResourceType> out;
  for (auto& [k, t] : types_) out.push_back(t);
  return out;
}

std::optional<ResourceType> Cluster::FindType(const std::string& group, const std::string& version,
                                              const std::string& resource) {
  std::lock_guard lock(mu_);
  auto it = types_.find(group.empty() ? resource : resource + "." + group);
  if (it == types_.end() || !it->second.Serves(version)) return std::nullopt;
  return it->second;
}

Cluster::Store& Cluster::StoreFor(const ResourceType& type) {
  auto& slot = stores_[type.Key()];
  if (!slot) slot = std::make_unique<Store>();
  return *slot;
}

size_t Cluster::ObjectCount() {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (auto& [k, s] : stores_) n += s->objects.size();
  return n;
}

size_t Cluster::WatchCount() {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (auto& [id, w] : watchers_) n += w->closed->load() ? 0 : 1;
  return n;
}

Result<ObjectPtr> Cluster::Get(const ResourceType& type, const std::string& ns, const std::string& name) {
  std::lock_guard lock(mu_);
  auto& store = StoreFor(type);
  auto it = store.objects.find(ns + "/" + name);
  if (it == store.objects.end()) return Status::NotFound(type.Key() + " \"" + name + "\" not found");
  return it->second;
}

Result<ListResult> Cluster::List(const ResourceType& type, const std::string& version, const ListOptions& o) {
  std::vector<ObjectPtr> items;
  std::string next_token;
  int64_t remaining = -1;
  uint64_t snapshot = 0;
  {
    std::lock_guard lock(mu_);
    std::string start;
    int64_t limit = o.limit;
    const std::string& match = o.resource_version_match;
    if (!match.empty() && match != "Exact" && match != "NotOlderThan") {
      return Status::InvalidArgument("resourceVersionMatch: Unsupported value: \"" + match +
                                     "\": supported values: \"Exact\", \"NotOlderThan\"");
    }
    if (!o.continue_token.empty()) {
      if (!o.resource_version.empty() && o.resource_version != "0") {
        return Status::InvalidArgument("specifying resource version is not allowed when using continue");
      }
      if (!DecodeContinue(o.continue_token, &snapshot, &start)) {
        return Status::InvalidArgument("continue key is not valid: the continue token could not be decoded");
      }
      if (snapshot < compacted_rv_) {
        return Status::Expired(
            "The provided continue parameter is too old to display a consistent list result. You can start a new "
            "list without the continue parameter, or use the continue token in this response to retrieve the "
            "remainder of the results. Continuing with the provided token results in an inconsistent list - "
            "objects that were created, modified, or deleted between the time the first chunk was returned and "
            "now may show up in the list.");
      }
      if (snapshot > rv_) return TooLarge(snapshot, rv_);
    } else if (o.resource_version.empty()) {
      if (!match.empty()) {
        return Status::InvalidArgument(
            "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless "
            "resourceVersion is provided");
      }
      snapshot = rv_;
    } else if (o.resource_version == "0") {
      if (match == "Exact") {
        return Status::InvalidArgument(
            "resourceVersionMatch: Forbidden: resourceVersionMatch \"exact\" is "
            "forbidden for resourceVersion \"0\"");
      }
      snapshot = rv_;
      limit = 0;  // served from the watch cache, which does not paginate
    } else {
      bool ok = false;
      uint64_t wanted = ParseRv(o.resource_version, &ok);
      if (!ok) return Status::InvalidArgument("invalid resource version \"" + o.resource_version + "\"");
      if (wanted > rv_) return TooLarge(wanted, rv_);
      bool exact = match == "Exact" || (match.empty() && limit > 0);
      if (exact) {
        if (wanted < compacted_rv_) return Status::Expired("The resourceVersion for the provided list is too old.");
        snapshot = wanted;
      } else {
        snapshot = rv_;
      }
    }

    Store& kind_store = StoreFor(type);
    auto& store = kind_store.objects;
    bool filtering = !o.labels.empty() || !o.fields.empty();
    std::string prefix = o.ns.empty() ? "" : o.ns + "/";
    if (start < prefix) start = prefix;
    std::string last_key;
    bool more = false;
    if (snapshot == rv_) {
      // The latest state: page through the sorted vector.
      const auto& sorted = kind_store.Sorted();
      auto key_less = [](const ObjectPtr& obj, const std::string& key) { return obj->Key() < key; };
      size_t i = std::lower_bound(sorted.begin(), sorted.end(), start, key_less) - sorted.begin();
      size_t end = sorted.size();
      if (!prefix.empty()) {
        // Keys of one namespace end before ns + '0' ('/' + 1).
        end = std::lower_bound(sorted.begin(), sorted.end(), o.ns + "0", key_less) - sorted.begin();
      }
      for (; i < end; ++i) {
        const Object& obj = *sorted[i];
        if (limit > 0 && static_cast<int64_t>(items.size()) >= limit) {
          more = true;
          if (!filtering) remaining = static_cast<int64_t>(end - i);
          break;
        }
        if (!Matches(obj, o.ns, o.labels, o.fields)) continue;
        items.push_back(sorted[i]);
      }
      if (more) next_token = ContinueToken(snapshot, items.back()->Key());
    } else {
      // The state at snapshot: current objects, overlaid with what later events
      // changed (the earliest prev after snapshot wins).
      std::map<std::string, ObjectPtr> overlay;
      if (snapshot < rv_) {
        std::string key = type.Key();
        for (const auto& e : history_) {
          if (e.rv <= snapshot || e.type_key != key) continue;
          overlay.try_emplace(e.object->Key(), e.prev);
        }
      }
      auto cur = store.lower_bound(start);
      auto ovl = overlay.lower_bound(start);
      int64_t seen_after = 0;
      while (cur != store.end() || ovl != overlay.end()) {
        const std::string* key;
        const ObjectPtr* obj;
        if (ovl == overlay.end() || (cur != store.end() && cur->first < ovl->first)) {
          key = &cur->first;
          obj = &cur->second;
          ++cur;
        } else {
          if (cur != store.end() && cur->first == ovl->first) ++cur;
          key = &ovl->first;
          obj = &ovl->second;
          ++ovl;
        }
        if (!prefix.empty() && !pedia::StartsWith(*key, prefix)) break;
        if (!*obj) continue;
        if (limit > 0 && static_cast<int64_t>(items.size()) >= limit) {
          more = true;
          ++seen_after;
          if (filtering) break;
          continue;
        }
        if (!Matches(**obj, o.ns, o.labels, o.fields)) continue;
        items.push_back(*obj);
        last_key = *key;
      }
      if (more) {
        next_token = ContinueToken(snapshot, last_key);
        if (!filtering) remaining = seen_after;
      }
    }
  }
  ListResult r;
  std::string api_version = type.ApiVersion(version);
  size_t bytes = 160;
  for (const auto& i : items) bytes += i->json.size() + 1;
  r.body.reserve(bytes);
  r.body += R"({"kind":")" + type.kind + R"(List","apiVersion":")" + api_version +
            R"(","metadata":{"resourceVersion":")" + std::to_string(snapshot) + "\"";
  if (!next_token.empty()) {
    r.body += R"(,"continue":")" + next_token + "\"";
    if (remaining >= 0) r.body += R"(,"remainingItemCount":)" + std::to_string(remaining);
  }
  r.body += R"(},"items":[)";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) r.body += ',';
    AppendObject(r.body, *items[i], api_version);
  }
  r.body += "]}";
  return r;
}

Status Cluster::Watch(const ResourceType& type, const std::string& version, const WatchOptions& o,
                      const std::function<std::shared_ptr<pedia::http::ResponseStream>()>& open) {
  std::lock_guard lock(mu_);
  bool from_now = o.resource_version.empty() || o.resource_version == "0";
  uint64_t start = 0;
  if (!from_now) {
    bool ok = false;
    start = ParseRv(o.resource_version, &ok);
    if (!ok) return Status::InvalidArgument("invalid resource version \"" + o.resource_version + "\"");
  }
  auto w = std::make_shared<Watcher>();
  w->type_key = type.Key();
  w->api_version = type.ApiVersion(version);
  w->kind = type.kind;
  w->options = o;
  int timeout = o.timeout_seconds;
  if (timeout <= 0) timeout = 1800 + static_cast<int>(random_() % 1800);  // as --min-request-timeout
  w->deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout);
  w->stream = open();
  if (!w->stream) return Status::Internal("the response stream could not be opened");
  w->stream->OnClosed([closed = w->closed] { closed->store(true); });

  if (!from_now && start < compacted_rv_) {
    // As the watch cache does: 200, then one ERROR event, then the end.
    w->stream->Write(R"({"type":"ERROR","object":)" +
                     StatusObject(410, "Expired",
                                  "too old resource version: " + std::to_string(start) + " (" +
                                      std::to_string(compacted_rv_) + ")") +
                     "}\n");
    w->stream->Close();
    return Status::Ok();
  }
  if (from_now) {
    if (o.resource_version.empty() || o.resource_version == "0" || o.send_initial_events) {
      for (const auto& [key, obj] : StoreFor(type).objects) {
        if (Matches(*obj, o.ns, o.labels, o.fields)) w->Send(w->EventLine(EventType::kAdded, *obj));
      }
    }
    if (o.send_initial_events && o.bookmarks) w->Send(w->Bookmark(rv_, true));
  } else {
    for (const auto& e : history_) {
      if (e.rv <= start || e.type_key != w->type_key) continue;
      bool now = Matches(*e.object, o.ns, o.labels, o.fields);
      bool before = e.prev && Matches(*e.prev, o.ns, o.labels, o.fields);
      EventType t = e.type;
      if (t == EventType::kModified && now != before) t = now ? EventType::kAdded : EventType::kDeleted;
      if (t == EventType::kDeleted ? before || now : now) w->Send(w->EventLine(t, *e.object));
    }
  }
  if (!from_now) w->after_rv = start;
  watchers_.emplace(next_watcher_id_++, std::move(w));
  return Status::Ok();
}

void Cluster::Record(const ResourceType& type, EventType event, ObjectPtr object, ObjectPtr prev) {
  history_.push_back({object->rv, type.Key(), event, object, prev});
  while (history_.size() > options_.history_events) {
    compacted_rv_ = history_.front().rv;
    history_.pop_front();
  }
  std::string key = type.Key();
  for (auto it = watchers_.begin(); it != watchers_.end();) {
    Watcher& w = *it->second;
    if (w.closed->load()) {
      it = watchers_.erase(it);
      continue;
    }
    if (w.type_key == key && object->rv > w.after_rv) {
      bool now = Matches(*object, w.options.ns, w.options.labels, w.options.fields);
      bool before = prev && Matches(*prev, w.options.ns, w.options.labels, w.options.fields);
      EventType t = event;
      if (t == EventType::kModified && now != before) t = now ? EventType::kAdded : EventType::kDeleted;
      bool send = t == EventType::kDeleted ? (before || now) : now;
      if (send) w.Send(w.EventLine(t, *object));
    }
    ++it;
  }
}

ObjectPtr Cluster::Finish(const ResourceType& type, json& j, uint64_t rv) {
  auto obj = std::make_shared<Object>();
  j["apiVersion"] = type.ApiVersion(type.storage_version());
  j["kind"] = type.kind;
  json& meta = j["metadata"];
  meta["resourceVersion"] = std::to_string(rv);
  obj->rv = rv;
  obj->api_version = type.ApiVersion(type.storage_version());
  obj->name = meta.value("name", "");
  obj->ns = type.namespaced ? meta.value("namespace", "") : "";
  obj->uid = meta.value("uid", "");
  if (meta.contains("labels") && meta["labels"].is_object()) {
    for (auto it = meta["labels"].begin(); it != meta["labels"].end(); ++it) {
      if (it.value().is_string()) obj->labels.emplace_back(it.key(), it.value().get<std::string>());
    }
  }
  obj->has_finalizers = meta.contains("finalizers") && meta["finalizers"].is_array() && !meta["finalizers"].empty();
  obj->deleting = meta.contains("deletionTimestamp") && !meta["deletionTimestamp"].is_null();
  obj->fields = SelectableFields(type, j);
  obj->json = j.dump();
  return obj;
}

namespace {

void SetManagedFields(json& j, const std::string& manager, const std::string& operation,
                      const std::string& api_version) {
  if (manager.empty()) return;
  json& meta = j["metadata"];
  json entry = {{"manager", manager},   {"operation", operation},   {"apiVersion", api_version},
                {"time", NowRfc3339()}, {"fieldsType", "FieldsV1"}, {"fieldsV1", {{"f:metadata", json::object()}}}};
  if (!meta.contains("managedFields") || !meta["managedFields"].is_array()) meta["managedFields"] = json::array();
  for (auto& e : meta["managedFields"]) {
    if (e.is_object() && e.value("manager", "") == manager && e.value("operation", "") == operation) {
      e = entry;
      return;
    }
  }
  meta["managedFields"].push_back(std::move(entry));
}

json WithoutVolatile(const json& j) {
  json copy = j;
  if (copy.contains("metadata") && copy["metadata"].is_object()) {
    copy["metadata"].erase("resourceVersion");
    copy["metadata"].erase("managedFields");
  }
  return copy;
}

json SpecPart(const json& j) {
  json copy = j;
  copy.erase("metadata");
  copy.erase("status");
  return copy;
}

}  // namespace

Result<ObjectPtr> Cluster::CreateObject(const ResourceType& type, const std::string& ns, json j,
                                        const std::string& manager) {
  if (!j.is_object()) return Status::InvalidArgument("the request body is not a JSON object");
  json& meta = j["metadata"];
  if (!meta.is_object()) return Status::InvalidArgument("metadata: Invalid value: must be an object");
  std::string body_ns = meta.value("namespace", "");
  if (type.namespaced) {
    if (!body_ns.empty() && body_ns != ns) {
      return Status::InvalidArgument(
          "the namespace of the provided object does not match the namespace sent on "
          "the request");
    }
    if (ns.empty()) return Status::InvalidArgument("a namespace is required for " + type.Key());
    meta["namespace"] = ns;
  } else {
    meta.erase("namespace");
  }
  std::string name = meta.value("name", "");
  std::lock_guard lock(mu_);
  if (name.empty()) {
    std::string generate = meta.value("generateName", "");
    if (generate.empty()) {
      return Status::InvalidArgument(type.kind +
                                     " \"\" is invalid: metadata.name: Required value: name or "
                                     "generateName is required");
    }
    static const char* alphabet = "bcdfghjklmnpqrstvwxz2456789";
    name = generate;
    for (int i = 0; i < 5; ++i) name += alphabet[random_() % 27];
    meta["name"] = name;
  }
  if (type.namespaced) {
    auto& namespaces = stores_["namespaces"];
    if (!namespaces || namespaces->objects.find("/" + ns) == namespaces->objects.end()) {
      return Status::NotFound("namespaces \"" + ns + "\" not found");
    }
  }
  auto& store = StoreFor(type);
  std::string key = (type.namespaced ? ns : "") + "/" + name;
  if (store.objects.count(key)) return Status::AlreadyExists(type.Key() + " \"" + name + "\" already exists");
  if (!meta.contains("uid") || !meta["uid"].is_string() || meta["uid"].get<std::string>().empty()) {
    uint64_t a = random_(), b = random_();
    char buf[40];
    std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-%04x-%012llx", uint32_t(a >> 32), uint32_t((a >> 16) & 0xffff),
                  uint32_t(a & 0xfff), uint32_t(((b >> 48) & 0x3fff) | 0x8000),
                  static_cast<unsigned long long>(b & 0xffffffffffffULL));
    meta["uid"] = buf;
  }
  if (!meta.contains("creationTimestamp") || meta["creationTimestamp"].is_null()) {
    meta["creationTimestamp"] = NowRfc3339();
  }
  meta.erase("deletionTimestamp");
  if (type.has_generation) meta["generation"] = 1;
  if (type.is_custom && type.has_status) j.erase("status");  // written through /status only
  if (type.Key() == "namespaces") {
    j["spec"] = {{"finalizers", {"kubernetes"}}};
    j["status"] = {{"phase", "Active"}};
  }
  if (type.Key() == kCrdKey) {
    j["apiVersion"] = type.ApiVersion(type.storage_version());
    auto crd_type = TypeFromCrd(j.dump());
    if (!crd_type.ok()) {
      return Status::InvalidArgument("CustomResourceDefinition.apiextensions.k8s.io \"" + name +
                                     "\" is invalid: " + crd_type.status().message());
    }
    if (name != crd_type->resource + "." + crd_type->group) {
      return Status::InvalidArgument("CustomResourceDefinition.apiextensions.k8s.io \"" + name +
                                     "\" is invalid: metadata.name: Invalid value: must be spec.names.plural+\".\"+"
                                     "spec.group");
    }
    json names = j["spec"]["names"];
    if (!names.contains("singular")) names["singular"] = crd_type->singular;
    if (!names.contains("listKind")) names["listKind"] = crd_type->kind + "List";
    std::string now = NowRfc3339();
    j["status"] = {{"acceptedNames", names},
                   {"storedVersions", {crd_type->storage_version()}},
                   {"conditions",
                    {{{"type", "NamesAccepted"},
                      {"status", "True"},
                      {"reason", "NoConflicts"},
                      {"message", "no conflicts found"},
                      {"lastTransitionTime", now}},
                     {{"type", "Established"},
                      {"status", "True"},
                      {"reason", "InitialNamesAccepted"},
                      {"message", "the initial names have been accepted"},
                      {"lastTransitionTime", now}}}}};
  }
  SetManagedFields(j, manager, "Update", type.ApiVersion(type.storage_version()));
  uint64_t rv = ++rv_;
  ObjectPtr obj = Finish(type, j, rv);
  store.Set(key, obj);
  if (type.Key() == kCrdKey) RegisterCrdLocked(obj);
  Record(type, EventType::kAdded, obj, nullptr);
  return obj;
}

Result<ObjectPtr> Cluster::Create(const ResourceType& type, const std::string& ns, const std::string& body,
                                  const std::string& manager) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) return Status::InvalidArgument("the request body is not valid JSON");
  return CreateObject(type, ns, std::move(j), manager);
}

Result<ObjectPtr> Cluster::CommitUpdate(const ResourceType& type, ObjectPtr old, json j, bool status_only,
                                        const std::string& manager) {
  // An update or patch that names a resourceVersion must name the current one.
  const json& meta = j.value("metadata", json::object());
  std::string precondition = meta.is_object() ? meta.value("resourceVersion", "") : "";
  if (!precondition.empty() && precondition != std::to_string(old->rv)) {
    return Status::Conflict("Operation cannot be fulfilled on " + type.Key() + " \"" + old->name +
                            "\": the object has been modified; please apply your changes to the latest version and "
                            "try again");
  }
  json prev = json::parse(old->json);
  json next;
  if (status_only) {
    next = prev;
    if (j.contains("status")) {
      next["status"] = j["status"];
    } else {
      next.erase("status");
    }
  } else {
    next = std::move(j);
    if (!next.is_object()) return Status::InvalidArgument("the request body is not a JSON object");
    if (!next["metadata"].is_object()) next["metadata"] = json::object();
    if (type.has_status) {
      if (prev.contains("status")) {
        next["status"] = prev["status"];
      } else {
        next.erase("status");
      }
    }
    json& meta = next["metadata"];
    const json& old_meta = prev["metadata"];
    for (const char* keep : {"uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds"}) {
      if (old_meta.contains(keep)) {
        meta[keep] = old_meta[keep];
      } else {
        meta.erase(keep);
      }
    }
    if (!meta.contains("managedFields") && old_meta.contains("managedFields")) {
      meta["managedFields"] = old_meta["managedFields"];
    }
    meta["name"] = old->name;
    if (type.namespaced) meta["namespace"] = old->ns;
    if (type.has_generation) {
      int64_t generation = old_meta.value("generation", 1);
      meta["generation"] = SpecPart(next) != SpecPart(prev) ? generation + 1 : generation;
    }
    if (type.Key() == kCrdKey) {
      auto crd_type = TypeFromCrd(next.dump());
      if (!crd_type.ok())
        return Status::InvalidArgument("invalid CustomResourceDefinition: " + crd_type.status().message());
    }
  }
  next["apiVersion"] = prev["apiVersion"];
  next["kind"] = prev["kind"];
  next["metadata"]["resourceVersion"] = prev["metadata"]["resourceVersion"];
  if (WithoutVolatile(next) == WithoutVolatile(prev)) return old;  // a no-op write keeps its RV
  SetManagedFields(next, manager, "Update", type.ApiVersion(type.storage_version()));
  uint64_t rv = ++rv_;
  ObjectPtr obj = Finish(type, next, rv);
  auto& store = StoreFor(type);
  if (obj->deleting && !obj->has_finalizers) {
    RemoveLocked(type, obj);
    return obj;
  }
  store.Set(obj->Key(), obj);
  if (type.Key() == kCrdKey) RegisterCrdLocked(obj);
  Record(type, EventType::kModified, obj, old);
  return obj;
}

Result<ObjectPtr> Cluster::Update(const ResourceType& type, const std::string& ns, const std::string& name,
                                  const std::string& body, bool status_only, const std::string& manager) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status::InvalidArgument("the request body is not a JSON object");
  const json& meta = j.value("metadata", json::object());
  std::string body_name = meta.is_object() ? meta.value("name", "") : "";
  if (!body_name.empty() && body_name != name) {
    return Status::InvalidArgument("the name of the object (" + body_name + ") does not match the name on the URL (" +
                                   name + ")");
  }
  std::lock_guard lock(mu_);
  auto& store = StoreFor(type);
  auto it = store.objects.find((type.namespaced ? ns : "") + "/" + name);
  if (it == store.objects.end()) return Status::NotFound(type.Key() + " \"" + name + "\" not found");
  return CommitUpdate(type, it->second, std::move(j), status_only, manager);
}

Result<ObjectPtr> Cluster::Patch(const ResourceType& type, const std::string& ns, const std::string& name,
                                 const std::string& patch_type, const std::string& body, bool status_only,
                                 const std::string& manager) {
  json patch = json::parse(body, nullptr, false);
  if (patch.is_discarded()) return Status::InvalidArgument("the patch is not valid JSON");
  std::lock_guard lock(mu_);
  auto& store = StoreFor(type);
  auto it = store.objects.find((type.namespaced ? ns : "") + "/" + name);
  if (it == store.objects.end()) return Status::NotFound(type.Key() + " \"" + name + "\" not found");
  json j = json::parse(it->second->json);
  try {
    if (pedia::StartsWith(patch_type, "application/merge-patch+json")) {
      j.merge_patch(patch);
    } else if (pedia::StartsWith(patch_type, "application/strategic-merge-patch+json")) {
      if (type.is_custom) {
        return Status::Unimplemented("strategic merge patch is not supported for custom resources");
      }
      StrategicMerge(j, patch);
    } else if (pedia::StartsWith(patch_type, "application/json-patch+json")) {
      j = j.patch(patch);
    } else {
      return Status::Unimplemented("the patch type \"" + patch_type + "\" is not supported");
    }
  } catch (const json::exception& e) {
    return Status::InvalidArgument(std::string("the patch could not be applied: ") + e.what());
  }
  return CommitUpdate(type, it->second, std::move(j), status_only, manager);
}

void Cluster::RemoveLocked(const ResourceType& type, const ObjectPtr& obj) {
  auto& store = StoreFor(type);
  auto it = store.objects.find(obj->Key());
  ObjectPtr prev = it == store.objects.end() ? nullptr : it->second;
  if (it != store.objects.end()) store.Erase(obj->Key());
  Record(type, EventType::kDeleted, obj, prev);
  if (type.Key() == "namespaces") DeleteNamespaceContentsLocked(obj->name);
  if (type.Key() == kCrdKey) UnregisterCrdLocked(obj);
}

Result<ObjectPtr> Cluster::Delete(const ResourceType& type, const std::string& ns, const std::string& name,
                                  bool* gone) {
  std::lock_guard lock(mu_);
  auto& store = StoreFor(type);
  auto it = store.objects.find((type.namespaced ? ns : "") + "/" + name);
  if (it == store.objects.end()) return Status::NotFound(type.Key() + " \"" + name + "\" not found");
  ObjectPtr old = it->second;
  json j = json::parse(old->json);
  if (old->has_finalizers) {
    *gone = false;
    if (old->deleting) return old;
    j["metadata"]["deletionTimestamp"] = NowRfc3339();
    j["metadata"]["deletionGracePeriodSeconds"] = 0;
    ObjectPtr obj = Finish(type, j, ++rv_);
    store.Set(obj->Key(), obj);
    Record(type, EventType::kModified, obj, old);
    return obj;
  }
  *gone = true;
  ObjectPtr obj = Finish(type, j, ++rv_);  // the DELETED event carries the deletion's RV
  RemoveLocked(type, obj);
  return obj;
}

void Cluster::DeleteNamespaceContentsLocked(const std::string& ns) {
  for (auto& [key, type] : types_) {
    if (!type.namespaced) continue;
    auto sit = stores_.find(key);
    if (sit == stores_.end()) continue;
    std::vector<ObjectPtr> doomed;
    for (auto it = sit->second->objects.lower_bound(ns + "/");
         it != sit->second->objects.end() && pedia::StartsWith(it->first, ns + "/"); ++it) {
      doomed.push_back(it->second);
    }
    for (const auto& old : doomed) {
      json j = json::parse(old->json);
      ObjectPtr obj = Finish(type, j, ++rv_);
      sit->second->Erase(old->Key());
      Record(type, EventType::kDeleted, obj, old);
    }
  }
}

void Cluster::RegisterCrdLocked(const ObjectPtr& crd) {
  auto t = TypeFromCrd(crd->json);
  if (!t.ok()) return;
  auto existing = types_.find(t->Key());
  if (existing != types_.end() && !existing->second.is_custom) return;  // built-ins win
  types_[t->Key()] = *t;
}

void Cluster::UnregisterCrdLocked(const ObjectPtr& crd) {
  auto t = TypeFromCrd(crd->json);
  if (!t.ok()) return;
  auto existing = types_.find(t->Key());
  if (existing == types_.end() || !existing->second.is_custom) return;
  types_.erase(existing);
  stores_.erase(t->Key());
  for (auto it = watchers_.begin(); it != watchers_.end();) {
    if (it->second->type_key == t->Key()) {
      it->second->closed->store(true);
      it->second->stream->Close();
      it = watchers_.erase(it);
    } else {
      ++it;
    }
  }
}

void Cluster::DropWatches() {
  std::lock_guard lock(mu_);
  for (auto& [id, w] : watchers_) {
    w->closed->store(true);
    w->stream->Close();
  }
  watchers_.clear();
}

void Cluster::Compact() {
  std::lock_guard lock(mu_);
  history_.clear();
  compacted_rv_ = rv_;
}

void Cluster::NewEpoch(uint64_t base) {
  std::lock_guard lock(mu_);
  for (auto& [id, w] : watchers_) {
    w->closed->store(true);
    w->stream->Close();
  }
  watchers_.clear();
  if (base == 0) base = (rv_ / 1000000 + 2) * 1000000;
  rv_ = base;
  for (auto& [key, store] : stores_) {
    auto type_it = types_.find(key);
    if (type_it == types_.end()) continue;
    std::vector<std::string> keys;
    for (auto& [k, obj] : store->objects) keys.push_back(k);
    for (const auto& k : keys) {
      json j = json::parse(store->objects[k]->json);
      store->Set(k, Finish(type_it->second, j, ++rv_));
    }
  }
  history_.clear();
  compacted_rv_ = rv_;
}

void Cluster::SendBookmarks() {
  std::lock_guard lock(mu_);
  for (auto& [id, w] : watchers_) {
    if (w->options.bookmarks && !w->closed->load()) w->Send(w->Bookmark(rv_, false));
  }
}

void Cluster::ExpireWatches() {
  std::lock_guard lock(mu_);
  auto now = std::chrono::steady_clock::now();
  for (auto it = watchers_.begin(); it != watchers_.end();) {
    Watcher& w = *it->second;
    if (w.closed->load()) {
      it = watchers_.erase(it);
    } else if (now >= w.deadline) {
      w.closed->store(true);
      w.stream->Close();  // a clean end of the chunked response, as timeoutSeconds does
      it = watchers_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace kubesim
