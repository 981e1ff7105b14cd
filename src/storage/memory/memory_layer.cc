#include "storage/memory/memory_layer.h"

#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_set>
#include <tuple>
#include <utility>

#include "storage/memory/continue_token.h"
#include "storage/memory/flat_map.h"
#include "storage/memory/json_fields.h"
#include "storage/memory/key_index.h"
#include "storage/memory/memory_config.h"
#include "storage/memory/name_group.h"
#include "storage/memory/posting.h"
#include "storage/memory/record.h"
#include "storage/memory/string_pool.h"

namespace pedia::storage::memory {
namespace {

using sdk::Status;

constexpr uint32_t kNone = StringPool::kNone;
constexpr size_t kEvictPrefetch = 8;

Status Invalid(std::string message) { return Status::Error(PEDIA_STORAGE_INVALID_ARGUMENT, std::move(message)); }

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string GvrText(std::string_view group, std::string_view version, std::string_view resource) {
  std::string out;
  if (!group.empty()) out.append(group).append("/");
  out.append(version).append("/").append(resource);
  return out;
}

std::string TableKey(const sdk::Gvr& g) {
  std::string key;
  key.reserve(g.group.size() + g.version.size() + g.resource.size() + 2);
  key.append(g.group).push_back('\0');
  key.append(g.version).push_back('\0');
  key.append(g.resource);
  return key;
}

// One write as the watch window keeps it.
struct Event {
  uint64_t seq;
  uint32_t type;     // pedia_storage_event_type
  Record* object;    // the new state, or the last state for DELETED
  Record* previous;  // MODIFIED only: the replaced state, for filter transitions
};

struct Watcher;

// All objects of one GVR, over every cluster.
struct Table {
  std::string group, version, resource;
  std::vector<Record*> slots;  // nullptr for a free slot
  std::vector<uint32_t> free_slots;
  size_t live = 0;
  KeyIndex keys;
  // By GroupKey(cluster id, namespace id): exact, and in name order for the
  // default order's walk.  They also serve cluster and namespace filters.
  FlatMap<NameGroup> groups;
  // The GroupKey of each live slot: lets a list order candidates by
  // (cluster, namespace) without reading their records.
  std::vector<uint64_t> slot_group;
  FlatMap<Posting> by_label;  // by LabelPair(key id, value id)
  // By HashString(owner uid): a collision only adds candidates, which every
  // query checks against the record.
  FlatMap<Posting> by_owner;
  std::deque<Event> window;
  uint64_t evicted_through = 0;  // the highest sequence no longer in window
  std::vector<Watcher*> watchers;
};

uint64_t LabelPair(uint32_t key, uint32_t value) { return uint64_t{key} << 32 | value; }
uint64_t GroupKey(uint32_t cluster, uint32_t namespace_id) { return uint64_t{cluster} << 32 | namespace_id; }
uint32_t GroupCluster(uint64_t key) { return static_cast<uint32_t>(key >> 32); }
uint32_t GroupNamespace(uint64_t key) { return static_cast<uint32_t>(key); }

// The name of the object in a slot, for NameGroup.
struct NameOfSlot {
  const Table* t;
  std::string_view operator()(uint32_t slot) const { return t->slots[slot]->name(); }
};

// A label requirement resolved against the label pool; kNone ids cannot
// match any object.
struct LabelMatch {
  uint32_t key = kNone;
  uint32_t op = PEDIA_STORAGE_OP_EXISTS;
  std::vector<uint32_t> values;
  int64_t number = 0;
};

// A label requirement as a watch keeps it: strings, resolved again when the
// pool has grown since (a value unknown at watch time may appear later).
struct OwnedLabel {
  std::string key;
  uint32_t op = PEDIA_STORAGE_OP_EXISTS;
  std::vector<std::string> values;
  int64_t number = 0;
};

struct Watcher {
  Table* table = nullptr;
  sdk::WatchSink sink;
  bool alive = true;
  std::vector<std::string> clusters, namespaces, names;
  std::vector<OwnedLabel> labels;
  size_t compiled_pool_size = SIZE_MAX;
  std::vector<LabelMatch> compiled;
};

Status CheckLabelRequirement(std::string_view key, uint32_t op, const std::vector<std::string_view>& values,
                             int64_t* number) {
  switch (op) {
    case PEDIA_STORAGE_OP_EXISTS:
    case PEDIA_STORAGE_OP_DOES_NOT_EXIST:
    case PEDIA_STORAGE_OP_IN:
    case PEDIA_STORAGE_OP_NOT_IN:
      return Status::Ok();
    case PEDIA_STORAGE_OP_EQUALS:
    case PEDIA_STORAGE_OP_NOT_EQUALS:
      if (values.size() != 1) return Invalid("label requirement on " + Quote(key) + " needs exactly one value");
      return Status::Ok();
    case PEDIA_STORAGE_OP_GREATER_THAN:
    case PEDIA_STORAGE_OP_LESS_THAN:
      if (values.size() != 1 || !ParseInt64(values[0], number))
        return Invalid("label requirement on " + Quote(key) + " needs one integer value");
      return Status::Ok();
    default:
      return Invalid("label requirement on " + Quote(key) + " has unknown operator " + std::to_string(op));
  }
}

bool ContainsId(const std::vector<uint32_t>& ids, uint32_t id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

bool MatchLabel(const Record& r, const LabelMatch& m, const StringPool& pool) {
  uint32_t value = kNone;
  bool has = m.key != kNone && r.FindLabel(m.key, &value);
  switch (m.op) {
    case PEDIA_STORAGE_OP_EXISTS:
      return has;
    case PEDIA_STORAGE_OP_DOES_NOT_EXIST:
      return !has;
    case PEDIA_STORAGE_OP_EQUALS:
    case PEDIA_STORAGE_OP_IN:
      return has && ContainsId(m.values, value);
    case PEDIA_STORAGE_OP_NOT_EQUALS:
    case PEDIA_STORAGE_OP_NOT_IN:
      return !has || !ContainsId(m.values, value);
    case PEDIA_STORAGE_OP_GREATER_THAN:
    case PEDIA_STORAGE_OP_LESS_THAN: {
      int64_t n = 0;
      if (!has || !ParseInt64(pool.Get(value), &n)) return false;
      return m.op == PEDIA_STORAGE_OP_GREATER_THAN ? n > m.number : n < m.number;
    }
  }
  return false;
}

// The sort position of a row, as views; built once per candidate so sorting
// does not chase pointers.
struct KeyView {
  std::string_view cluster, namespace_name, name, resource_version;
  int64_t created = 0;
  uint64_t rv_number = 0;
};

int Cmp(std::string_view a, std::string_view b) {
  int c = a.compare(b);
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

template <class T>
int CmpNum(T a, T b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

// The query's order followed by the default (cluster, namespace, name),
// which makes every order total.
class Order {
 public:
  explicit Order(const std::vector<sdk::OrderBy>& order_by) {
    for (const sdk::OrderBy& o : order_by) keys_.push_back(o);
    keys_.push_back({PEDIA_STORAGE_ORDER_CLUSTER, false});
    keys_.push_back({PEDIA_STORAGE_ORDER_NAMESPACE, false});
    keys_.push_back({PEDIA_STORAGE_ORDER_NAME, false});
    for (const sdk::OrderBy& o : order_by) {
      if (!spec_.empty()) spec_ += ',';
      spec_ += std::to_string(o.field) + (o.descending ? "d" : "a");
    }
  }
  const std::string& spec() const { return spec_; }
  /// True when the order is (cluster, namespace, name) ascending, which the
  /// name groups can produce without sorting.
  bool is_default() const {
    for (size_t i = 0; i + 3 < keys_.size(); ++i)
      if (keys_[i].descending || keys_[i].field != keys_[keys_.size() - 3 + i].field) return false;
    return keys_.size() <= 6;
  }

  int Compare(const KeyView& a, const KeyView& b) const {
    for (const sdk::OrderBy& k : keys_) {
      int c = 0;
      switch (k.field) {
        case PEDIA_STORAGE_ORDER_CLUSTER:
          c = Cmp(a.cluster, b.cluster);
          break;
        case PEDIA_STORAGE_ORDER_NAMESPACE:
          c = Cmp(a.namespace_name, b.namespace_name);
          break;
        case PEDIA_STORAGE_ORDER_NAME:
          c = Cmp(a.name, b.name);
          break;
        case PEDIA_STORAGE_ORDER_CREATED_AT:
          c = CmpNum(a.created, b.created);
          break;
        case PEDIA_STORAGE_ORDER_RESOURCE_VERSION:
          c = CmpNum(a.rv_number, b.rv_number);
          if (c == 0) c = Cmp(a.resource_version, b.resource_version);
          break;
      }
      if (c != 0) return k.descending ? -c : c;
    }
    return 0;
  }

 private:
  std::vector<sdk::OrderBy> keys_;
  std::string spec_;
};

struct Candidate {
  KeyView key;
  Record* record;
};

// Takes a list's matches in order: emits rows up to the limit, then counts
// the rest (or stops at the first extra match when no count is wanted), and
// remembers the last row for the continue token.
template <class EmitFn>
class Pager {
 public:
  Pager(int64_t limit, bool count_rest, EmitFn emit) : limit_(limit), count_rest_(count_rest), emit_(emit) {}

  /// Offers the next match; false when the caller should offer no more.
  bool Offer(const Record& r, std::string_view cluster, std::string_view namespace_name) {
    if (limit_ == 0 || emitted_ < static_cast<size_t>(limit_)) {
      ++emitted_;
      last_ = KeyView{cluster, namespace_name, r.name(), r.resource_version(), r.creation_unix_ms(), r.rv_number()};
      if (emit_(r, cluster, namespace_name)) return true;
      stopped_ = true;  // the sink asked to stop
      return false;
    }
    ++remaining_;
    return count_rest_;
  }
  bool done() const { return stopped_ || (remaining_ > 0 && !count_rest_); }
  size_t matched() const { return emitted_ + static_cast<size_t>(remaining_); }
  int64_t remaining() const { return remaining_; }
  /// The last row's key when a next page exists.
  const KeyView* continue_after() const { return !stopped_ && remaining_ > 0 && emitted_ > 0 ? &last_ : nullptr; }

 private:
  int64_t limit_;
  bool count_rest_;
  EmitFn emit_;
  size_t emitted_ = 0;
  int64_t remaining_ = 0;
  bool stopped_ = false;
  KeyView last_{};
};

}  // namespace

struct MemoryLayer::State {
  MemoryConfig config;
  mutable std::shared_mutex mu;
  std::mutex order_mu;  // NameGroup::Sort() by readers, who share mu
  RecordArena arena;                        // first member constructed, last destroyed
  StringPool clusters, namespaces, labels;  // labels also holds kinds
  std::map<std::string, std::unique_ptr<Table>, std::less<>> tables;
  uint64_t seq = 0;
  size_t objects = 0;
  std::map<std::string, std::string, std::less<>> cluster_records;
  std::unordered_set<Watcher*> handles;

  ~State() {
    for (Watcher* w : handles) {
      if (w->alive) w->sink.Closed(PEDIA_STORAGE_OK, "");
      delete w;
    }
    for (auto& [key, t] : tables) {
      for (Record* r : t->slots)
        if (r) r->Unref(arena);
      for (Event& e : t->window) {
        e.object->Unref(arena);
        if (e.previous) e.previous->Unref(arena);
      }
    }
  }

  Table* FindTable(const sdk::Gvr& gvr) const {
    auto it = tables.find(TableKey(gvr));
    return it == tables.end() ? nullptr : it->second.get();
  }

  Table* TableFor(const sdk::Gvr& gvr) {
    std::string key = TableKey(gvr);
    auto it = tables.find(key);
    if (it != tables.end()) return it->second.get();
    auto t = std::make_unique<Table>();
    t->group = std::string(gvr.group);
    t->version = std::string(gvr.version);
    t->resource = std::string(gvr.resource);
    return tables.emplace(std::move(key), std::move(t)).first->second.get();
  }

  // ---- key index and postings -------------------------------------------

  uint32_t FindSlot(const Table& t, uint32_t cluster, uint32_t ns, std::string_view name) const {
    return t.keys.Find(KeyIndex::Hash(cluster, ns, name), [&](uint32_t s) {
      const Record* r = t.slots[s];
      return r && r->cluster() == cluster && r->namespace_id() == ns && r->name() == name;
    });
  }

  // Index a new object.  Writes read the caller's Fields, never the record
  // just created: its bytes were just copied, and reading them back stalls
  // on the store buffer (measured: a tenth of the ingest time).
  static void AddPostings(Table& t, uint32_t slot, const Record::Fields& f, uint64_t owner_hash) {
    t.groups[GroupKey(f.cluster, f.namespace_id)].Add(slot, f.name, NameOfSlot{&t});
    for (size_t i = 0; i < f.label_count; ++i) t.by_label[LabelPair(f.labels[2 * i], f.labels[2 * i + 1])].Add(slot);
    if (!f.owner_uid.empty()) t.by_owner[owner_hash].Add(slot);
  }

  static bool FindLabelIn(const Record::Fields& f, uint32_t key, uint32_t* value) {
    for (size_t i = 0; i < f.label_count; ++i) {
      if (f.labels[2 * i] == key) {
        *value = f.labels[2 * i + 1];
        return true;
      }
    }
    return false;
  }

  // Marks one entry of map[key] stale; drops the posting once it is empty.
  template <class StillThere>
  static void RemoveFrom(FlatMap<Posting>& map, uint64_t key, StillThere still_there) {
    Posting* p = map.Find(key);
    if (!p) return;
    p->Remove(still_there);
    if (p->slots.empty()) map.Erase(key);
  }

  static void RemoveLabelPosting(Table& t, uint32_t key, uint32_t value) {
    RemoveFrom(t.by_label, LabelPair(key, value), [&](uint32_t s) {
      uint32_t v;
      return t.slots[s] && t.slots[s]->FindLabel(key, &v) && v == value;
    });
  }

  static void RemoveOwner(Table& t, std::string_view owner) {
    uint64_t h = HashString(owner);
    RemoveFrom(t.by_owner, h, [&](uint32_t s) {
      return t.slots[s] && !t.slots[s]->owner_uid().empty() && HashString(t.slots[s]->owner_uid()) == h;
    });
  }

  // Called while the slot still holds r.
  static void RemoveFromGroup(Table& t, uint32_t slot, const Record& r) {
    uint64_t key = GroupKey(r.cluster(), r.namespace_id());
    NameGroup* g = t.groups.Find(key);
    if (!g) return;
    g->Remove(slot, r.name(), NameOfSlot{&t});
    if (g->empty()) t.groups.Erase(key);
  }

  // Called after the slot no longer holds r.
  static void RemovePostings(Table& t, const Record& r) {
    for (size_t i = 0; i < r.label_count(); ++i) RemoveLabelPosting(t, r.label_key(i), r.label_value(i));
    if (!r.owner_uid().empty()) RemoveOwner(t, r.owner_uid());
  }

  // The slot changed from old_r to the object f describes (same key): touch
  // only what changed.
  static void UpdatePostings(Table& t, uint32_t slot, const Record& old_r, const Record::Fields& f,
                             uint64_t owner_hash) {
    for (size_t i = 0; i < old_r.label_count(); ++i) {
      uint32_t k = old_r.label_key(i), v = old_r.label_value(i), nv;
      if (!FindLabelIn(f, k, &nv) || nv != v) RemoveLabelPosting(t, k, v);
    }
    for (size_t i = 0; i < f.label_count; ++i) {
      uint32_t k = f.labels[2 * i], v = f.labels[2 * i + 1], ov;
      if (!old_r.FindLabel(k, &ov) || ov != v) t.by_label[LabelPair(k, v)].Add(slot);
    }
    if (old_r.owner_uid() != f.owner_uid) {
      if (!old_r.owner_uid().empty()) RemoveOwner(t, old_r.owner_uid());
      if (!f.owner_uid.empty()) t.by_owner[owner_hash].Add(slot);
    }
  }

  // ---- writes --------------------------------------------------------------

  // Stores the object f describes, replacing the one with its key.
  void Upsert(Table& t, const Record::Fields& f) {
    uint32_t hash = KeyIndex::Hash(f.cluster, f.namespace_id, f.name);
    uint32_t slot = t.keys.Find(hash, [&](uint32_t s) {
      const Record* o = t.slots[s];
      return o && o->cluster() == f.cluster && o->namespace_id() == f.namespace_id && o->name() == f.name;
    });
    uint64_t owner_hash = f.owner_uid.empty() ? 0 : HashString(f.owner_uid);
    Record* r = Record::Create(f, arena);
    if (slot == KeyIndex::kNone) {
      if (!t.free_slots.empty()) {
        slot = t.free_slots.back();
        t.free_slots.pop_back();
      } else {
        slot = static_cast<uint32_t>(t.slots.size());
        t.slots.push_back(nullptr);
        t.slot_group.push_back(0);
      }
      t.slots[slot] = r;
      t.slot_group[slot] = GroupKey(f.cluster, f.namespace_id);
      t.keys.Insert(hash, slot);
      ++t.live;
      ++objects;
      AddPostings(t, slot, f, owner_hash);
      Emit(t, PEDIA_STORAGE_EVENT_ADDED, r, nullptr);
      return;
    }
    Record* old = t.slots[slot];
    t.slots[slot] = r;
    UpdatePostings(t, slot, *old, f, owner_hash);
    Emit(t, PEDIA_STORAGE_EVENT_MODIFIED, r, old);
    old->Unref(arena);
  }

  // in_group: false when the caller drops the whole group afterwards.
  void DeleteSlot(Table& t, uint32_t slot, bool in_group = true) {
    Record* old = t.slots[slot];
    if (in_group) RemoveFromGroup(t, slot, *old);
    t.slots[slot] = nullptr;
    t.keys.Erase(KeyIndex::Hash(old->cluster(), old->namespace_id(), old->name()), slot);
    t.free_slots.push_back(slot);
    --t.live;
    --objects;
    RemovePostings(t, *old);
    Emit(t, PEDIA_STORAGE_EVENT_DELETED, old, nullptr);
    old->Unref(arena);
  }

  // Deletes every object of cluster in t, each with a DELETED event.
  void CleanTable(Table& t, uint32_t cluster) {
    std::vector<uint64_t> keys;
    t.groups.ForEach([&](uint64_t key, const NameGroup&) {
      if (GroupCluster(key) == cluster) keys.push_back(key);
    });
    std::vector<uint32_t> slots;
    for (uint64_t key : keys) {
      slots.clear();
      t.groups.Find(key)->ForEach([&](uint32_t s) { slots.push_back(s); });
      for (uint32_t s : slots) DeleteSlot(t, s, /*in_group=*/false);
      t.groups.Erase(key);
    }
  }

  // ---- watch ---------------------------------------------------------------

  void Emit(Table& t, uint32_t type, Record* object, Record* previous) {
    Event e{++seq, type, object, previous};
    object->Ref();
    if (previous) previous->Ref();
    t.window.push_back(e);
    // Eviction drops a reference on a record written watchWindow writes
    // ago, long out of cache: fetch the one evicted a few writes from now.
    if (t.window.size() > kEvictPrefetch + 1) __builtin_prefetch(t.window[kEvictPrefetch].object, 1);
    while (t.window.size() > config.watch_window) {
      Event& old = t.window.front();
      t.evicted_through = old.seq;
      old.object->Unref(arena);
      if (old.previous) old.previous->Unref(arena);
      t.window.pop_front();
    }
    if (t.watchers.empty()) return;
    for (size_t i = 0; i < t.watchers.size();) {
      Watcher* w = t.watchers[i];
      if (Deliver(w, e)) {
        ++i;
        continue;
      }
      // The host asked to end this watch: close it now; the handle stays
      // valid until watch_stop().
      w->alive = false;
      w->sink.Closed(PEDIA_STORAGE_OK, "");
      t.watchers.erase(t.watchers.begin() + static_cast<ptrdiff_t>(i));
    }
  }

  bool WatchMatches(Watcher* w, const Record& r) {
    auto listed = [](const std::vector<std::string>& list, std::string_view s) {
      return list.empty() || std::find(list.begin(), list.end(), s) != list.end();
    };
    if (!listed(w->clusters, clusters.Get(r.cluster()))) return false;
    if (!listed(w->namespaces, namespaces.Get(r.namespace_id()))) return false;
    if (!listed(w->names, r.name())) return false;
    if (w->labels.empty()) return true;
    if (w->compiled_pool_size != labels.size()) {
      w->compiled.clear();
      for (const OwnedLabel& l : w->labels) {
        LabelMatch m;
        m.key = labels.Find(l.key);
        m.op = l.op;
        m.number = l.number;
        for (const std::string& v : l.values) m.values.push_back(labels.Find(v));
        w->compiled.push_back(std::move(m));
      }
      w->compiled_pool_size = labels.size();
    }
    for (const LabelMatch& m : w->compiled)
      if (!MatchLabel(r, m, labels)) return false;
    return true;
  }

  bool Send(Watcher* w, uint32_t type, const Record& r, uint64_t event_seq) {
    const Table& t = *w->table;
    std::string rv = std::to_string(event_seq);
    sdk::Row row;
    row.cluster = clusters.Get(r.cluster());
    row.gvr = {t.group, t.version, t.resource};
    row.kind = labels.Get(r.kind());
    row.namespace_name = namespaces.Get(r.namespace_id());
    row.name = r.name();
    row.resource_version = rv;
    row.object = r.json();
    return w->sink.Event(type, row);
  }

  // Sends what e means to this watcher's filter.  False when the sink asked
  // to end the watch.
  bool Deliver(Watcher* w, const Event& e) {
    switch (e.type) {
      case PEDIA_STORAGE_EVENT_ADDED:
      case PEDIA_STORAGE_EVENT_DELETED:
        return !WatchMatches(w, *e.object) || Send(w, e.type, *e.object, e.seq);
      case PEDIA_STORAGE_EVENT_MODIFIED: {
        bool now = WatchMatches(w, *e.object);
        bool before = WatchMatches(w, *e.previous);
        if (now && before) return Send(w, PEDIA_STORAGE_EVENT_MODIFIED, *e.object, e.seq);
        if (now) return Send(w, PEDIA_STORAGE_EVENT_ADDED, *e.object, e.seq);
        if (before) return Send(w, PEDIA_STORAGE_EVENT_DELETED, *e.previous, e.seq);
        return true;
      }
    }
    return true;
  }

  // ---- queries ------------------------------------------------------------

  KeyView KeyOf(const Record& r) const {
    return {clusters.Get(r.cluster()),
            namespaces.Get(r.namespace_id()),
            r.name(),
            r.resource_version(),
            r.creation_unix_ms(),
            r.rv_number()};
  }

  // Resolves the owner filter to the uids whose children the query wants
  // (clusterpedia-spec §3.1 "Owner filter").
  std::unordered_set<std::string> ResolveOwner(const sdk::Query& q, uint32_t cluster) const {
    std::unordered_set<std::string> level;
    if (!q.owner_uid.empty()) {
      level.emplace(q.owner_uid);
    } else {
      std::vector<uint32_t> ns_ids;
      if (!q.namespaces.empty()) {
        for (std::string_view ns : q.namespaces)
          if (uint32_t id = namespaces.Find(ns); id != kNone) ns_ids.push_back(id);
        if (uint32_t id = namespaces.Find(""); id != kNone) ns_ids.push_back(id);
      }
      for (const auto& [key, t] : tables) {
        if (!q.owner_resource.empty() && (t->resource != q.owner_resource || t->group != q.owner_group)) continue;
        if (q.owner_resource.empty() && !q.owner_group.empty() && t->group != q.owner_group) continue;
        auto lookup = [&](uint32_t ns) {
          uint32_t slot = FindSlot(*t, cluster, ns, q.owner_name);
          if (slot != KeyIndex::kNone && !t->slots[slot]->uid().empty()) level.emplace(t->slots[slot]->uid());
        };
        if (!q.namespaces.empty()) {
          for (uint32_t ns : ns_ids) lookup(ns);
        } else {
          t->groups.ForEach([&](uint64_t key, const NameGroup&) {
            if (GroupCluster(key) == cluster) lookup(GroupNamespace(key));
          });
        }
      }
    }
    for (int32_t i = 0; i < q.owner_seniority && !level.empty(); ++i) {
      std::unordered_set<std::string> next;
      for (const auto& [key, t] : tables) {
        for (const std::string& uid : level) {
          const Posting* p = t->by_owner.Find(HashString(uid));
          if (!p) continue;
          for (uint32_t s : p->slots) {
            const Record* r = t->slots[s];
            if (r && r->cluster() == cluster && r->owner_uid() == uid && !r->uid().empty()) next.emplace(r->uid());
          }
        }
      }
      level = std::move(next);
    }
    return level;
  }
};

MemoryLayer::MemoryLayer(std::unique_ptr<State> state) : state_(std::move(state)) {}
MemoryLayer::~MemoryLayer() = default;

Status MemoryLayer::Open(std::string_view config, std::string_view config_path, std::unique_ptr<MemoryLayer>* out) {
  auto state = std::make_unique<State>();
  std::string error;
  if (!ParseMemoryConfig(config, config_path, &state->config, &error)) return Invalid(error);
  out->reset(new MemoryLayer(std::move(state)));
  return Status::Ok();
}

size_t MemoryLayer::watch_window() const { return state_->config.watch_window; }

size_t MemoryLayer::object_count() const {
  std::shared_lock lock(state_->mu);
  return state_->objects;
}

Status MemoryLayer::WriteBatch(const sdk::Resource& resource, const std::vector<sdk::Write>& writes,
                               size_t* failed_index) {
  if (resource.cluster.empty()) return Invalid("write batch has an empty cluster name");
  if (resource.gvr.version.empty() || resource.gvr.resource.empty())
    return Invalid("write batch for cluster " + Quote(resource.cluster) + " has an incomplete group/version/resource");
  for (size_t i = 0; i < writes.size(); ++i) {
    const sdk::Object& o = writes[i].object;
    // Built only for a message: a string per write was a tenth of a
    // microsecond on every ingest.
    auto what = [&] { return "write " + std::to_string(i) + " of the batch"; };
    auto fail = [&](std::string message) {
      if (failed_index) *failed_index = i;
      return Invalid(std::move(message));
    };
    if (writes[i].op != PEDIA_STORAGE_WRITE_UPSERT && writes[i].op != PEDIA_STORAGE_WRITE_DELETE)
      return fail(what() + " has unknown operation " + std::to_string(writes[i].op));
    if (o.name.empty()) return fail(what() + " has an empty name\nHINT: every object needs metadata.name");
    if (writes[i].op == PEDIA_STORAGE_WRITE_DELETE) continue;
    if (o.object.empty()) return fail(what() + " (" + Quote(o.name) + ") has no object JSON");
    if (o.name.size() > kMaxShortField || o.uid.size() > kMaxShortField || o.owner_uid.size() > kMaxShortField ||
        o.resource_version.size() > kMaxShortField || o.labels.size() > kMaxShortField || o.object.size() > UINT32_MAX)
      return fail(what() + " (" + Quote(o.name) + ") has a field too long for the memory storage layer" +
                  "\nDETAIL: name, uid, owner uid and resourceVersion may have 65535 bytes, labels 65535 entries");
  }

  State& s = *state_;
  std::unique_lock lock(s.mu);
  Table& t = *s.TableFor(resource.gvr);
  uint32_t cluster = s.clusters.Intern(resource.cluster);
  uint32_t kind = s.labels.Intern(resource.kind);
  std::vector<uint32_t> label_ids;
  // Objects of one batch mostly repeat their namespace and label keys (and
  // many values) position by position: compare with the previous object's
  // strings before hashing.
  std::vector<std::pair<std::string_view, uint32_t>> recent;
  std::string_view recent_ns;
  uint32_t recent_ns_id = kNone;
  auto intern_label = [&](size_t position, std::string_view text) {
    if (position < recent.size() && recent[position].first == text) return recent[position].second;
    uint32_t id = s.labels.Intern(text);
    if (position >= recent.size()) recent.resize(position + 1, {std::string_view(), kNone});
    recent[position] = {text, id};
    return id;
  };
  for (const sdk::Write& w : writes) {
    const sdk::Object& o = w.object;
    std::string_view ns = resource.namespaced ? o.namespace_name : std::string_view();
    if (w.op == PEDIA_STORAGE_WRITE_DELETE) {
      uint32_t ns_id = s.namespaces.Find(ns);
      if (ns_id == kNone) continue;
      uint32_t slot = s.FindSlot(t, cluster, ns_id, o.name);
      if (slot != KeyIndex::kNone) s.DeleteSlot(t, slot);
      continue;
    }
    label_ids.clear();
    for (const auto& [k, v] : o.labels) {
      label_ids.push_back(intern_label(label_ids.size(), k));
      label_ids.push_back(intern_label(label_ids.size(), v));
    }
    if (recent_ns_id == kNone || ns != recent_ns) {
      recent_ns = ns;
      recent_ns_id = s.namespaces.Intern(ns);
    }
    Record::Fields f;
    f.cluster = cluster;
    f.namespace_id = recent_ns_id;
    f.kind = kind;
    f.name = o.name;
    f.uid = o.uid;
    f.owner_uid = o.owner_uid;
    f.resource_version = o.resource_version;
    f.json = o.object;
    f.creation_unix_ms = o.creation_unix_ms;
    f.deletion_unix_ms = o.deletion_unix_ms;
    f.labels = label_ids.data();
    f.label_count = o.labels.size();
    s.Upsert(t, f);
  }
  return Status::Ok();
}

Status MemoryLayer::List(const sdk::Query& query, const sdk::RowSink& sink) {
  return ListWithPlan(query, sink, nullptr);
}

Status MemoryLayer::ListWithPlan(const sdk::Query& q, const sdk::RowSink& sink, QueryPlan* plan) {
  // Check everything that does not need the data before taking the lock.
  for (const sdk::OrderBy& o : q.order_by)
    if (o.field > PEDIA_STORAGE_ORDER_RESOURCE_VERSION)
      return Invalid("unknown order-by field " + std::to_string(o.field) +
                     "\nHINT: order by cluster, namespace, name, created_at or resource_version");
  if (q.limit < 0) return Invalid("limit must not be negative, got " + std::to_string(q.limit));
  if (q.owner_seniority < 0)
    return Invalid("owner seniority must not be negative, got " + std::to_string(q.owner_seniority));
  std::vector<int64_t> label_numbers(q.labels.size());
  for (size_t i = 0; i < q.labels.size(); ++i) {
    Status st = CheckLabelRequirement(q.labels[i].key, q.labels[i].op, q.labels[i].values, &label_numbers[i]);
    if (!st.ok()) return st;
  }
  std::vector<FieldRequirement> fields;
  std::string why;
  if (!CompileFieldRequirements(q.fields, &fields, &why)) return Invalid(why);
  Order order(q.order_by);
  ContinuePosition position;
  if (!DecodeContinueToken(q.continue_token, &position, &why))
    return Invalid("invalid continue token " + Quote(q.continue_token) + ": " + why +
                   "\nHINT: pass the continue value of the previous page unchanged");
  if (position.kind == ContinuePosition::kAfterKey && position.order != order.spec())
    return Invalid("continue token " + Quote(q.continue_token) + " belongs to a list with a different order" +
                   "\nHINT: keep the same orderby while paging");

  State& s = *state_;
  std::shared_lock lock(s.mu);
  sdk::ListSummary summary;
  summary.resource_version = std::to_string(s.seq);
  summary.has_remaining_count = (q.flags & PEDIA_STORAGE_QUERY_REMAINING_COUNT) != 0;
  Table* t = s.FindTable(q.gvr);
  auto finish_empty = [&] {
    if (plan) *plan = QueryPlan{"none", 0, 0, 0};
    sink.Done(summary);
    return Status::Ok();
  };
  if (!t || t->live == 0) return finish_empty();

  // Resolve the filters against the pools; a value never interned matches
  // nothing.
  auto ids_of = [](const StringPool& pool, const std::vector<std::string_view>& names) {
    std::vector<uint32_t> ids;
    for (std::string_view n : names)
      if (uint32_t id = pool.Find(n); id != kNone) ids.push_back(id);
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    return ids;
  };
  std::vector<uint32_t> cluster_ids = ids_of(s.clusters, q.clusters);
  std::vector<uint32_t> ns_ids = ids_of(s.namespaces, q.namespaces);
  if ((!q.clusters.empty() && cluster_ids.empty()) || (!q.namespaces.empty() && ns_ids.empty())) return finish_empty();
  std::vector<LabelMatch> label_matches(q.labels.size());
  for (size_t i = 0; i < q.labels.size(); ++i) {
    LabelMatch& m = label_matches[i];
    m.key = s.labels.Find(q.labels[i].key);
    m.op = q.labels[i].op;
    m.number = label_numbers[i];
    for (std::string_view v : q.labels[i].values)
      if (uint32_t id = s.labels.Find(v); id != kNone) m.values.push_back(id);
  }
  std::vector<std::string_view> names(q.names.begin(), q.names.end());
  std::sort(names.begin(), names.end());
  bool owner_active = (!q.owner_uid.empty() || !q.owner_name.empty()) && q.clusters.size() == 1;
  std::unordered_set<std::string> owners;
  std::unordered_set<std::string_view> owner_views;
  if (owner_active) {
    owners = s.ResolveOwner(q, cluster_ids[0]);
    if (owners.empty()) return finish_empty();
    owner_views.insert(owners.begin(), owners.end());
  }

  // The (cluster, namespace) groups the cluster and namespace filters allow.
  struct GroupRef {
    std::string_view cluster, namespace_name;
    uint32_t cluster_id, namespace_id;
    NameGroup* group;
  };
  std::vector<GroupRef> groups;
  size_t group_total = 0;
  t->groups.ForEach([&](uint64_t key, NameGroup& g) {
    uint32_t c = GroupCluster(key), ns = GroupNamespace(key);
    if (!cluster_ids.empty() && !std::binary_search(cluster_ids.begin(), cluster_ids.end(), c)) return;
    if (!ns_ids.empty() && !std::binary_search(ns_ids.begin(), ns_ids.end(), ns)) return;
    groups.push_back({s.clusters.Get(c), s.namespaces.Get(ns), c, ns, &g});
    group_total += g.size();
  });

  // Pick the smallest candidate source.
  std::string best_index = "scan";
  size_t best_size = t->live;
  std::vector<const Posting*> best;
  auto consider = [&](const char* index, std::vector<const Posting*> postings) {
    size_t size = 0;
    for (const Posting* p : postings) size += p->slots.size();
    if (size < best_size || (best_index == "scan" && size <= best_size)) {
      best_index = index;
      best_size = size;
      best = std::move(postings);
    }
  };
  if (!cluster_ids.empty() || !ns_ids.empty()) {
    best_index = ns_ids.empty() ? "cluster" : "namespace";
    best_size = group_total;
  }
  auto postings_of = [](const FlatMap<Posting>& map, const auto& keys) {
    std::vector<const Posting*> out;
    for (uint64_t k : keys)
      if (const Posting* p = map.Find(k)) out.push_back(p);
    // Owner uids may share a hash, and so a posting.
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  };
  for (const LabelMatch& m : label_matches) {
    // Only = and in have postings; a key posting for "exists" would cost
    // every write more than the rare query it serves.
    if (m.op == PEDIA_STORAGE_OP_EQUALS || m.op == PEDIA_STORAGE_OP_IN) {
      std::vector<uint64_t> pairs;
      if (m.key != kNone)
        for (uint32_t v : m.values) pairs.push_back(LabelPair(m.key, v));
      consider("label", postings_of(t->by_label, pairs));
    }
  }
  if (owner_active) {
    std::vector<uint64_t> hashes;
    for (const std::string& uid : owners) hashes.push_back(HashString(uid));
    consider("owner", postings_of(t->by_owner, hashes));
  }

  std::vector<uint32_t> slots;
  // Exact names: look the keys up directly when the combinations are few.
  if (!names.empty() && groups.size() * names.size() < best_size) {
    best_index = "name";
    best.clear();
    for (const GroupRef& g : groups)
      for (std::string_view name : names)
        if (uint32_t slot = s.FindSlot(*t, g.cluster_id, g.namespace_id, name); slot != KeyIndex::kNone)
          slots.push_back(slot);
    best_size = slots.size();
  }

  // Every filter but the continue position, on one candidate.
  auto passes = [&](const Record& r) {
    if (!cluster_ids.empty() && !std::binary_search(cluster_ids.begin(), cluster_ids.end(), r.cluster())) return false;
    if (!ns_ids.empty() && !std::binary_search(ns_ids.begin(), ns_ids.end(), r.namespace_id())) return false;
    if (!names.empty() && !std::binary_search(names.begin(), names.end(), r.name())) return false;
    for (std::string_view f : q.fuzzy_names)
      if (r.name().find(f) == std::string_view::npos) return false;
    if (q.since_unix_ms != PEDIA_STORAGE_NO_TIME && r.creation_unix_ms() < q.since_unix_ms) return false;
    if (q.before_unix_ms != PEDIA_STORAGE_NO_TIME && r.creation_unix_ms() >= q.before_unix_ms) return false;
    for (const LabelMatch& m : label_matches)
      if (!MatchLabel(r, m, s.labels)) return false;
    if (owner_active) {
      if (r.cluster() != cluster_ids[0]) return false;
      if (r.owner_uid().empty() || owner_views.count(r.owner_uid()) == 0) return false;
    }
    return fields.empty() || MatchFields(r.json(), fields);
  };

  bool only_metadata = (q.flags & PEDIA_STORAGE_QUERY_ONLY_METADATA) != 0;
  sdk::Row row;
  row.gvr = {t->group, t->version, t->resource};
  auto emit = [&](const Record& r, std::string_view cluster, std::string_view namespace_name) {
    row.cluster = cluster;
    row.kind = s.labels.Get(r.kind());
    row.namespace_name = namespace_name;
    row.name = r.name();
    row.resource_version = r.resource_version();
    row.object = r.json();
    row.metadata_only = false;
    if (only_metadata) {
      std::string_view metadata = TopLevelMember(r.json(), "metadata");
      row.object = metadata.empty() ? std::string_view("{}") : metadata;
      row.metadata_only = true;
    }
    return sink.Emit(row);
  };
  auto continue_after = [&](const KeyView& k) {
    return EncodeContinueToken(order.spec(), SortKey{std::string(k.cluster), std::string(k.namespace_name),
                                                     std::string(k.name), std::string(k.resource_version), k.created});
  };
  auto finish = [&](const auto& pager) {
    if (const KeyView* last = pager.continue_after()) summary.continue_token = continue_after(*last);
    summary.remaining_count = pager.remaining();
    sink.Done(summary);
    return Status::Ok();
  };
  bool has_threshold = position.kind == ContinuePosition::kAfterKey;
  bool want_remaining = summary.has_remaining_count;
  // How a group's (cluster, namespace) compares with the continue position's
  // (both ordered paths skip earlier groups); 1 when there is none.
  auto versus_position = [&](const GroupRef& g) {
    if (!has_threshold) return 1;
    int c = Cmp(g.cluster, position.key.cluster);
    return c != 0 ? c : Cmp(g.namespace_name, position.key.namespace_name);
  };

  // In the default order the groups can be walked in order, stopping after
  // limit rows: that beats collecting and sorting every candidate when
  // matches are dense.  Expected visits: limit+1 rows at the density the
  // best candidate source suggests (all of them to count the remainder).
  bool groups_sorted = false;
  auto groups_in_order = [&]() -> const std::vector<GroupRef>& {
    if (!groups_sorted)
      std::sort(groups.begin(), groups.end(), [](const GroupRef& a, const GroupRef& b) {
        return std::tie(a.cluster, a.namespace_name) < std::tie(b.cluster, b.namespace_name);
      });
    groups_sorted = true;
    return groups;
  };
  if (order.is_default() && position.kind != ContinuePosition::kOffset) {
    size_t visits = group_total;
    if (q.limit > 0 && !want_remaining && best_size > 0)
      visits = std::min<size_t>(group_total, (static_cast<size_t>(q.limit) + 1) * (group_total / best_size + 1));
    if (visits <= best_size) {
      groups_in_order();
      NameOfSlot name_of{t};
      {
        // Readers share the layer's lock; merging a group's tail is the one
        // change they make, so they take turns for it.
        std::lock_guard order_lock(s.order_mu);
        for (GroupRef& g : groups) g.group->Sort(name_of);
      }
      Pager pager(q.limit, want_remaining, emit);
      size_t visited = 0;
      for (const GroupRef& g : groups) {
        const std::vector<uint32_t>& ordered = g.group->slots();
        int versus = versus_position(g);
        if (versus < 0) continue;
        size_t i = versus == 0 ? g.group->UpperBound(position.key.name, name_of) : 0;
        for (; i < ordered.size(); ++i) {
          const Record& r = *t->slots[ordered[i]];
          ++visited;
          if (passes(r) && !pager.Offer(r, g.cluster, g.namespace_name)) break;
        }
        if (pager.done()) break;
      }
      if (plan) *plan = QueryPlan{"ordered", visited, pager.matched(), visited};
      return finish(pager);
    }
  }

  bool dedup = false;
  if (best_index == "scan") {
    slots.reserve(t->live);
    for (uint32_t i = 0; i < t->slots.size(); ++i)
      if (t->slots[i]) slots.push_back(i);
  } else if (best_index == "cluster" || best_index == "namespace") {
    slots.reserve(best_size);
    for (const GroupRef& g : groups) g.group->ForEach([&](uint32_t slot) { slots.push_back(slot); });
  } else if (best_index != "name") {
    slots.reserve(best_size);
    for (const Posting* p : best) {
      slots.insert(slots.end(), p->slots.begin(), p->slots.end());
      dedup |= p->dirty != 0;
    }
  }
  if (dedup) {
    std::sort(slots.begin(), slots.end());
    slots.erase(std::unique(slots.begin(), slots.end()), slots.end());
  }

  if (order.is_default() && position.kind != ContinuePosition::kOffset) {
    // Default order from candidates: bucket them by their group's rank,
    // read from slot_group, not the records; then read, check and sort
    // names only bucket by bucket, until limit rows and one more are found.
    // A sparse label over many groups reads a few hundred records instead
    // of every candidate (reading them was most of such a list's time).
    const std::vector<GroupRef>& ordered = groups_in_order();
    // GroupKey -> rank + 1, and how each group compares with the continue
    // position's (cluster, namespace): skip earlier groups unread.
    FlatMap<uint32_t> rank_of;
    std::vector<int> versus_threshold(ordered.size());
    for (size_t i = 0; i < ordered.size(); ++i) {
      rank_of[GroupKey(ordered[i].cluster_id, ordered[i].namespace_id)] = static_cast<uint32_t>(i + 1);
      versus_threshold[i] = versus_position(ordered[i]);
    }
    std::vector<uint32_t> bucket_start(ordered.size() + 1, 0);
    std::vector<std::pair<uint32_t, uint32_t>> ranked;  // (rank, slot)
    ranked.reserve(slots.size());
    for (uint32_t slot : slots) {
      if (!t->slots[slot]) continue;
      const uint32_t* rank = rank_of.Find(t->slot_group[slot]);
      if (!rank || versus_threshold[*rank - 1] < 0) continue;
      ranked.emplace_back(*rank - 1, slot);
      ++bucket_start[*rank];
    }
    for (size_t i = 1; i < bucket_start.size(); ++i) bucket_start[i] += bucket_start[i - 1];
    std::vector<uint32_t> by_rank(ranked.size());
    {
      std::vector<uint32_t> next(bucket_start.begin(), bucket_start.end() - 1);
      for (const auto& [rank, slot] : ranked) by_rank[next[rank]++] = slot;
    }
    Pager pager(q.limit, want_remaining, emit);
    size_t read = 0;
    std::vector<std::pair<std::string_view, const Record*>> bucket;
    for (size_t g = 0; g < ordered.size() && !pager.done(); ++g) {
      bucket.clear();
      for (uint32_t i = bucket_start[g]; i < bucket_start[g + 1]; ++i) {
        const Record& r = *t->slots[by_rank[i]];
        ++read;
        if (versus_threshold[g] == 0 && r.name() <= position.key.name) continue;
        if (passes(r)) bucket.emplace_back(r.name(), &r);
      }
      std::sort(bucket.begin(), bucket.end());
      for (const auto& [name, r] : bucket)
        if (!pager.Offer(*r, ordered[g].cluster, ordered[g].namespace_name)) break;
    }
    if (plan) *plan = QueryPlan{best_index, slots.size(), pager.matched(), read};
    return finish(pager);
  }

  // Check every filter on the candidates.
  KeyView threshold{
      position.key.cluster,          position.key.namespace_name,   position.key.name,
      position.key.resource_version, position.key.creation_unix_ms, Record::ParseRv(position.key.resource_version)};
  std::vector<Candidate> matched;
  for (uint32_t slot : slots) {
    Record* r = t->slots[slot];
    if (!r || !passes(*r)) continue;
    KeyView key = s.KeyOf(*r);
    if (has_threshold && order.Compare(key, threshold) <= 0) continue;
    matched.push_back({key, r});
  }
  if (plan) *plan = QueryPlan{best_index, slots.size(), matched.size(), slots.size()};

  // Page: [start, end) of the matches in order.
  size_t total = matched.size();
  size_t start = position.kind == ContinuePosition::kOffset ? std::min<uint64_t>(position.offset, total) : 0;
  size_t end = q.limit > 0 ? std::min<uint64_t>(total, start + static_cast<uint64_t>(q.limit)) : total;
  auto less = [&](const Candidate& a, const Candidate& b) { return order.Compare(a.key, b.key) < 0; };
  if (end < total)
    std::nth_element(matched.begin(), matched.begin() + static_cast<ptrdiff_t>(end), matched.end(), less);
  std::sort(matched.begin(), matched.begin() + static_cast<ptrdiff_t>(end), less);

  for (size_t i = start; i < end; ++i)
    if (!emit(*matched[i].record, matched[i].key.cluster, matched[i].key.namespace_name)) break;
  if (end < total && end > start) summary.continue_token = continue_after(matched[end - 1].key);
  summary.remaining_count = static_cast<int64_t>(total - end);
  sink.Done(summary);
  return Status::Ok();
}

Status MemoryLayer::Get(std::string_view cluster, const sdk::Gvr& gvr, std::string_view namespace_name,
                        std::string_view name, const sdk::RowSink& sink) {
  State& s = *state_;
  std::shared_lock lock(s.mu);
  auto not_found = [&] {
    std::string key =
        namespace_name.empty() ? std::string(name) : std::string(namespace_name) + "/" + std::string(name);
    return Status::Error(PEDIA_STORAGE_NOT_FOUND, GvrText(gvr.group, gvr.version, gvr.resource) + " " + Quote(key) +
                                                      " not found in cluster " + Quote(cluster));
  };
  const Table* t = s.FindTable(gvr);
  uint32_t c = s.clusters.Find(cluster), ns = s.namespaces.Find(namespace_name);
  if (!t || c == kNone || ns == kNone) return not_found();
  uint32_t slot = s.FindSlot(*t, c, ns, name);
  if (slot == KeyIndex::kNone) return not_found();
  const Record& r = *t->slots[slot];
  sdk::Row row;
  row.cluster = s.clusters.Get(c);
  row.gvr = {t->group, t->version, t->resource};
  row.kind = s.labels.Get(r.kind());
  row.namespace_name = s.namespaces.Get(ns);
  row.name = r.name();
  row.resource_version = r.resource_version();
  row.object = r.json();
  sink.Emit(row);
  return Status::Ok();
}

Status MemoryLayer::ResourceVersions(std::string_view cluster, const sdk::RvSink& sink) {
  State& s = *state_;
  std::shared_lock lock(s.mu);
  uint32_t c = s.clusters.Find(cluster);
  if (c == kNone) return Status::Ok();
  for (const auto& [key, t] : s.tables) {
    sdk::Gvr gvr{t->group, t->version, t->resource};
    t->groups.ForEach([&](uint64_t group_key, const NameGroup& g) {
      if (GroupCluster(group_key) != c) return;
      std::string_view ns = s.namespaces.Get(GroupNamespace(group_key));
      g.ForEach([&](uint32_t slot) {
        const Record* r = t->slots[slot];
        sink.Entry(gvr, ns, r->name(), r->resource_version());
      });
    });
  }
  return Status::Ok();
}

Status MemoryLayer::CleanCluster(std::string_view cluster) {
  State& s = *state_;
  std::unique_lock lock(s.mu);
  uint32_t c = s.clusters.Find(cluster);
  if (c == kNone) return Status::Ok();
  for (auto& [key, t] : s.tables) s.CleanTable(*t, c);
  return Status::Ok();
}

Status MemoryLayer::CleanResource(std::string_view cluster, const sdk::Gvr& gvr) {
  State& s = *state_;
  std::unique_lock lock(s.mu);
  uint32_t c = s.clusters.Find(cluster);
  Table* t = s.FindTable(gvr);
  if (c != kNone && t) s.CleanTable(*t, c);
  return Status::Ok();
}

Status MemoryLayer::PutCluster(std::string_view name, std::string_view record_json) {
  if (name.empty()) return Invalid("cluster record has an empty name");
  std::unique_lock lock(state_->mu);
  state_->cluster_records.insert_or_assign(std::string(name), std::string(record_json));
  return Status::Ok();
}

Status MemoryLayer::DeleteCluster(std::string_view name) {
  std::unique_lock lock(state_->mu);
  if (auto it = state_->cluster_records.find(name); it != state_->cluster_records.end())
    state_->cluster_records.erase(it);
  return Status::Ok();
}

Status MemoryLayer::ListClusters(const sdk::ClusterSink& sink) {
  std::shared_lock lock(state_->mu);
  for (const auto& [name, json] : state_->cluster_records) sink.Cluster(name, json);
  return Status::Ok();
}

Status MemoryLayer::Watch(const sdk::Query& q, std::string_view resource_version, const sdk::WatchSink& sink,
                          pedia_storage_watch_handle** out) {
  bool from_now = resource_version.empty() || resource_version == "0";
  uint64_t from = 0;
  if (!from_now) {
    if (resource_version.find_first_not_of("0123456789") != std::string_view::npos || resource_version.size() > 19)
      return Invalid("invalid resource version " + Quote(resource_version) +
                     "\nDETAIL: the memory storage layer's resource versions are decimal watch sequence numbers" +
                     "\nHINT: use the resourceVersion of a list or of an earlier event, or \"0\"");
    from = Record::ParseRv(resource_version);
  }
  auto w = std::make_unique<Watcher>();
  w->sink = sink;
  for (std::string_view c : q.clusters) w->clusters.emplace_back(c);
  for (std::string_view n : q.namespaces) w->namespaces.emplace_back(n);
  for (std::string_view n : q.names) w->names.emplace_back(n);
  for (const sdk::Requirement& r : q.labels) {
    OwnedLabel l;
    l.key = std::string(r.key);
    l.op = r.op;
    Status st = CheckLabelRequirement(r.key, r.op, r.values, &l.number);
    if (!st.ok()) return st;
    for (std::string_view v : r.values) l.values.emplace_back(v);
    w->labels.push_back(std::move(l));
  }

  State& s = *state_;
  std::unique_lock lock(s.mu);
  Table* t = s.TableFor(q.gvr);
  if (!from_now && from < t->evicted_through)
    return Status::Error(PEDIA_STORAGE_EXPIRED, "too old resource version: " + std::to_string(from) + " (" +
                                                    std::to_string(t->evicted_through) + ")");
  if (!from_now && from > s.seq)
    return Status::Error(PEDIA_STORAGE_EXPIRED, "too large resource version: " + std::to_string(from) + " (" +
                                                    std::to_string(s.seq) + ")" +
                                                    "\nDETAIL: the storage may have restarted since; list again");
  w->table = t;
  Watcher* watcher = w.release();
  s.handles.insert(watcher);
  bool open = true;
  if (from_now) {
    for (Record* r : t->slots) {
      if (r && s.WatchMatches(watcher, *r) && !s.Send(watcher, PEDIA_STORAGE_EVENT_ADDED, *r, s.seq)) {
        open = false;
        break;
      }
    }
  } else {
    for (const Event& e : t->window) {
      if (e.seq <= from) continue;
      if (!s.Deliver(watcher, e)) {
        open = false;
        break;
      }
    }
  }
  if (open) {
    t->watchers.push_back(watcher);
  } else {
    watcher->alive = false;
    watcher->sink.Closed(PEDIA_STORAGE_OK, "");
  }
  *out = reinterpret_cast<pedia_storage_watch_handle*>(watcher);
  return Status::Ok();
}

void MemoryLayer::WatchStop(pedia_storage_watch_handle* handle) {
  State& s = *state_;
  Watcher* w = reinterpret_cast<Watcher*>(handle);
  std::unique_lock lock(s.mu);
  if (s.handles.erase(w) == 0) return;
  if (w->alive) {
    auto& list = w->table->watchers;
    list.erase(std::remove(list.begin(), list.end(), w), list.end());
    w->alive = false;
    w->sink.Closed(PEDIA_STORAGE_OK, "");
  }
  delete w;
}

}  // namespace pedia::storage::memory
