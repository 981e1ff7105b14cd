#include "server/cluster_index.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "base/json_text.h"
#include "base/log.h"
#include "base/string_util.h"

namespace pedia::server {
namespace {

using nlohmann::json;

struct ShortNameEntry {
  const char* group;
  const char* resource;
  std::vector<std::string> short_names;
  bool in_all;
};

const std::vector<ShortNameEntry>& BuiltinTable() {
  static const auto* table = new std::vector<ShortNameEntry>{
      {"", "pods", {"po"}, true},
      {"", "services", {"svc"}, true},
      {"", "nodes", {"no"}, false},
      {"", "namespaces", {"ns"}, false},
      {"", "configmaps", {"cm"}, false},
      {"", "endpoints", {"ep"}, false},
      {"", "events", {"ev"}, false},
      {"", "limitranges", {"limits"}, false},
      {"", "persistentvolumes", {"pv"}, false},
      {"", "persistentvolumeclaims", {"pvc"}, false},
      {"", "replicationcontrollers", {"rc"}, true},
      {"", "resourcequotas", {"quota"}, false},
      {"", "serviceaccounts", {"sa"}, false},
      {"", "componentstatuses", {"cs"}, false},
      {"apps", "deployments", {"deploy"}, true},
      {"apps", "replicasets", {"rs"}, true},
      {"apps", "statefulsets", {"sts"}, true},
      {"apps", "daemonsets", {"ds"}, true},
      {"batch", "jobs", {}, true},
      {"batch", "cronjobs", {"cj"}, true},
      {"autoscaling", "horizontalpodautoscalers", {"hpa"}, true},
      {"networking.k8s.io", "ingresses", {"ing"}, false},
      {"networking.k8s.io", "networkpolicies", {"netpol"}, false},
      {"policy", "poddisruptionbudgets", {"pdb"}, false},
      {"storage.k8s.io", "storageclasses", {"sc"}, false},
      {"scheduling.k8s.io", "priorityclasses", {"pc"}, false},
      {"apiextensions.k8s.io", "customresourcedefinitions", {"crd", "crds"}, false},
      {"certificates.k8s.io", "certificatesigningrequests", {"csr"}, false},
      {"events.k8s.io", "events", {"ev"}, false},
  };
  return *table;
}

const ShortNameEntry* FindBuiltin(std::string_view group, std::string_view resource) {
  for (const ShortNameEntry& e : BuiltinTable()) {
    if (group == e.group && resource == e.resource) return &e;
  }
  return nullptr;
}

std::string StringAt(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::vector<std::string> Strings(const json& j, const char* key) {
  std::vector<std::string> out;
  auto it = j.find(key);
  if (it == j.end() || !it->is_array()) return out;
  for (const json& v : *it) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

bool ParseRecord(const std::string& name, const std::string& record, ClusterInfo* info) {
  json j = json::parse(record, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return false;
  info->name = name;
  info->record_json = record;
  const json empty = json::object();
  const json& status = j.contains("status") && j["status"].is_object() ? j["status"] : empty;
  const json& spec = j.contains("spec") && j["spec"].is_object() ? j["spec"] : empty;
  info->kube_version = StringAt(status, "version");
  info->apiserver = StringAt(status, "apiserver");
  if (info->apiserver.empty()) info->apiserver = StringAt(spec, "apiserver");
  info->unhealthy_reason = "";
  if (auto it = status.find("conditions"); it != status.end() && it->is_array()) {
    for (const json& c : *it) {
      if (!c.is_object()) continue;
      std::string type = StringAt(c, "type");
      if (type == "ClusterHealthy") {
        info->healthy = StringAt(c, "status") == "True";
        if (!info->healthy) info->unhealthy_reason = StringAt(c, "reason");
      } else if (type == "Ready") {
        info->ready = StringAt(c, "status") == "True";
      }
    }
  }
  if (auto groups = status.find("syncResources"); groups != status.end() && groups->is_array()) {
    for (const json& g : *groups) {
      if (!g.is_object()) continue;
      std::string group = StringAt(g, "group");
      auto resources = g.find("resources");
      if (resources == g.end() || !resources->is_array()) continue;
      for (const json& r : *resources) {
        if (!r.is_object()) continue;
        auto conditions = r.find("syncConditions");
        if (conditions == r.end() || !conditions->is_array()) continue;
        for (const json& c : *conditions) {
          if (!c.is_object() || StringAt(c, "version").empty()) continue;
          SyncedResource s;
          s.group = group;
          s.version = StringAt(c, "version");
          s.storage_version = StringAt(c, "storageVersion");
          if (s.storage_version.empty()) s.storage_version = s.version;
          s.resource = StringAt(r, "name");
          s.kind = StringAt(r, "kind");
          if (s.resource.empty() || s.kind.empty()) continue;
          s.namespaced = r.value("namespaced", true);
          s.singular_name = StringAt(r, "singularName");
          if (s.singular_name.empty()) {
            s.singular_name = AsciiLower(s.kind);
          }
          s.short_names = Strings(r, "shortNames");
          s.categories = Strings(r, "categories");
          if (const ShortNameEntry* b = FindBuiltin(group, s.resource)) {
            if (s.short_names.empty()) s.short_names = b->short_names;
            if (s.categories.empty() && b->in_all) s.categories = {"all"};
          }
          if (auto cols = r.find("additionalPrinterColumns"); cols != r.end() && cols->is_array()) {
            for (const json& col : *cols) {
              if (!col.is_object()) continue;
              TableColumn t;
              t.name = StringAt(col, "name");
              t.type = StringAt(col, "type");
              t.format = StringAt(col, "format");
              t.description = StringAt(col, "description");
              t.json_path = StringAt(col, "jsonPath");
              t.priority = col.value("priority", 0);
              if (!t.name.empty() && !t.json_path.empty()) s.printer_columns.push_back(std::move(t));
            }
          }
          info->resources.push_back(std::move(s));
        }
      }
    }
  }
  return true;
}

// Splits "v1beta2" into (major 1, stage beta=1, minor 2); false when not kube-like.
bool ParseKubeVersion(std::string_view v, int* major, int* stage, int* minor) {
  if (v.size() < 2 || v[0] != 'v' || v[1] < '1' || v[1] > '9') return false;
  size_t i = 1;
  *major = 0;
  while (i < v.size() && v[i] >= '0' && v[i] <= '9') *major = *major * 10 + (v[i++] - '0');
  *minor = 0;
  if (i == v.size()) {
    *stage = 2;
    return true;
  }
  std::string_view rest = v.substr(i);
  if (rest.substr(0, 4) == "beta") {
    *stage = 1;
    i += 4;
  } else if (rest.substr(0, 5) == "alpha") {
    *stage = 0;
    i += 5;
  } else {
    return false;
  }
  if (i == v.size() || v[i] < '1' || v[i] > '9') return false;
  while (i < v.size() && v[i] >= '0' && v[i] <= '9') *minor = *minor * 10 + (v[i++] - '0');
  return i == v.size();
}

void AppendStrings(std::string* out, const std::vector<std::string>& values) {
  *out += '[';
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) *out += ',';
    AppendJsonQuoted(*out, values[i]);
  }
  *out += ']';
}

}  // namespace

bool KubeVersionHigher(std::string_view a, std::string_view b) {
  int am, as, an, bm, bs, bn;
  bool ka = ParseKubeVersion(a, &am, &as, &an);
  bool kb = ParseKubeVersion(b, &bm, &bs, &bn);
  if (ka && kb) {
    if (as != bs) return as > bs;
    if (am != bm) return am > bm;
    return an > bn;
  }
  if (ka != kb) return ka;
  return a < b;
}

std::vector<std::string> BuiltinShortNames(std::string_view group, std::string_view resource) {
  const ShortNameEntry* e = FindBuiltin(group, resource);
  return e ? e->short_names : std::vector<std::string>{};
}

std::vector<std::string> BuiltinCategories(std::string_view group, std::string_view resource) {
  const ShortNameEntry* e = FindBuiltin(group, resource);
  return e && e->in_all ? std::vector<std::string>{"all"} : std::vector<std::string>{};
}

std::shared_ptr<const ClusterIndex> ClusterIndex::Build(
    const std::vector<std::pair<std::string, std::string>>& records) {
  auto index = std::make_shared<ClusterIndex>();
  for (const auto& [name, record] : records) {
    ClusterInfo info;
    if (!ParseRecord(name, record, &info)) {
      PEDIA_LOG_WARNING("skipping a cluster status record that is not a JSON object", {"cluster", name});
      continue;
    }
    index->clusters_.push_back(std::move(info));
  }
  std::sort(index->clusters_.begin(), index->clusters_.end(),
            [](const ClusterInfo& a, const ClusterInfo& b) { return a.name < b.name; });
  return index;
}

const ClusterInfo* ClusterIndex::Find(std::string_view cluster) const {
  for (const ClusterInfo& c : clusters_) {
    if (c.name == cluster) return &c;
  }
  return nullptr;
}

const SyncedResource* ClusterIndex::FindResource(std::string_view cluster, std::string_view group,
                                                 std::string_view version, std::string_view resource) const {
  for (const ClusterInfo& c : clusters_) {
    if (!cluster.empty() && c.name != cluster) continue;
    for (const SyncedResource& r : c.resources) {
      if (r.group == group && r.version == version && r.resource == resource) return &r;
    }
  }
  return nullptr;
}

std::vector<const SyncedResource*> ClusterIndex::Resources(std::string_view cluster) const {
  std::map<std::tuple<std::string, std::string, std::string>, const SyncedResource*> seen;
  for (const ClusterInfo& c : clusters_) {
    if (!cluster.empty() && c.name != cluster) continue;
    for (const SyncedResource& r : c.resources) seen.emplace(std::make_tuple(r.group, r.version, r.resource), &r);
  }
  std::vector<const SyncedResource*> out;
  for (auto& [key, r] : seen) out.push_back(r);
  return out;
}

std::map<std::string, std::vector<std::string>> ClusterIndex::Groups(std::string_view cluster) const {
  std::map<std::string, std::set<std::string>> versions;
  for (const SyncedResource* r : Resources(cluster)) versions[r->group].insert(r->version);
  std::map<std::string, std::vector<std::string>> out;
  for (auto& [group, set] : versions) {
    std::vector<std::string> v(set.begin(), set.end());
    std::sort(v.begin(), v.end(), [](const std::string& a, const std::string& b) { return KubeVersionHigher(a, b); });
    out[group] = std::move(v);
  }
  return out;
}

std::string ClusterIndex::ApiVersionsJson() const {
  return R"({"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[{"clientCIDR":"0.0.0.0/0","serverAddress":""}]})";
}

std::string GroupJsonFor(std::string_view group, const std::vector<std::string>& versions) {
  std::string out = "{\"name\":";
  AppendJsonQuoted(out, group);
  out += ",\"versions\":[";
  for (size_t i = 0; i < versions.size(); ++i) {
    if (i) out += ',';
    out += "{\"groupVersion\":";
    AppendJsonQuoted(out, GroupVersion(group, versions[i]));
    out += ",\"version\":";
    AppendJsonQuoted(out, versions[i]);
    out += '}';
  }
  out += "]";
  if (!versions.empty()) {
    out += ",\"preferredVersion\":{\"groupVersion\":";
    AppendJsonQuoted(out, GroupVersion(group, versions[0]));
    out += ",\"version\":";
    AppendJsonQuoted(out, versions[0]);
    out += '}';
  }
  out += '}';
  return out;
}

std::string ClusterIndex::GroupListJson(std::string_view cluster, const std::vector<std::string>& extra) const {
  std::string out = R"({"kind":"APIGroupList","apiVersion":"v1","groups":[)";
  bool first = true;
  for (auto& [group, versions] : Groups(cluster)) {
    if (group.empty()) continue;  // the core group is /api
    if (!first) out += ',';
    first = false;
    out += GroupJsonFor(group, versions);
  }
  for (const std::string& g : extra) {
    if (!first) out += ',';
    first = false;
    out += g;
  }
  out += "]}";
  return out;
}

std::string ClusterIndex::GroupJson(std::string_view cluster, std::string_view group) const {
  auto groups = Groups(cluster);
  auto it = groups.find(std::string(group));
  if (group.empty() || it == groups.end()) return "";
  std::string body = GroupJsonFor(group, it->second);
  return R"({"kind":"APIGroup","apiVersion":"v1",)" + body.substr(1);
}

std::string ClusterIndex::ResourceListJson(std::string_view cluster, std::string_view group, std::string_view version,
                                           const std::vector<std::string>& verbs) const {
  std::vector<const SyncedResource*> resources;
  for (const SyncedResource* r : Resources(cluster)) {
    if (r->group == group && r->version == version) resources.push_back(r);
  }
  if (resources.empty() && !(group.empty() && version == "v1")) return "";
  std::string out = R"({"kind":"APIResourceList","apiVersion":"v1","groupVersion":)";
  AppendJsonQuoted(out, GroupVersion(group, version));
  out += ",\"resources\":[";
  for (size_t i = 0; i < resources.size(); ++i) {
    const SyncedResource& r = *resources[i];
    if (i) out += ',';
    out += "{\"name\":";
    AppendJsonQuoted(out, r.resource);
    out += ",\"singularName\":";
    AppendJsonQuoted(out, r.singular_name);
    out += ",\"namespaced\":";
    out += r.namespaced ? "true" : "false";
    out += ",\"kind\":";
    AppendJsonQuoted(out, r.kind);
    out += ",\"verbs\":";
    AppendStrings(&out, verbs);
    if (!r.short_names.empty()) {
      out += ",\"shortNames\":";
      AppendStrings(&out, r.short_names);
    }
    if (!r.categories.empty()) {
      out += ",\"categories\":";
      AppendStrings(&out, r.categories);
    }
    out += '}';
  }
  out += "]}";
  return out;
}

std::string GroupVersion(std::string_view group, std::string_view version) {
  return group.empty() ? std::string(version) : std::string(group) + "/" + std::string(version);
}

}  // namespace pedia::server
