#include "base/base64.h"
#include "sync/cluster_spec.h"

#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>

namespace pedia::sync {
namespace {

constexpr std::string_view kApiVersion = "cluster.clusterpedia.io/v1alpha2";

Status FieldError(const std::string& field, const std::string& why) {
  return Status::InvalidArgument("invalid " + field + ": " + why);
}

Result<std::vector<std::string>> StringList(const YAML::Node& node, const std::string& field) {
  std::vector<std::string> out;
  if (!node || node.IsNull()) return out;
  if (!node.IsSequence()) return FieldError(field, "expected a list of strings");
  for (const auto& item : node) {
    if (!item.IsScalar()) return FieldError(field, "expected a list of strings");
    out.push_back(item.as<std::string>());
  }
  return out;
}

Result<std::vector<SyncResourceGroup>> ParseSyncResources(const YAML::Node& node, const std::string& field) {
  std::vector<SyncResourceGroup> out;
  if (!node || node.IsNull()) return out;
  if (!node.IsSequence()) return FieldError(field, "expected a list");
  size_t index = 0;
  for (const auto& item : node) {
    std::string where = field + "[" + std::to_string(index++) + "]";
    if (!item.IsMap()) return FieldError(where, "expected a map with group and resources");
    SyncResourceGroup g;
    if (item["group"] && !item["group"].IsNull()) {
      if (!item["group"].IsScalar()) return FieldError(where + ".group", "expected a string");
      g.group = item["group"].as<std::string>();
    }
    auto versions = StringList(item["versions"], where + ".versions");
    if (!versions.ok()) return versions.status();
    auto resources = StringList(item["resources"], where + ".resources");
    if (!resources.ok()) return resources.status();
    auto events = StringList(item["eventsInvolvedResources"], where + ".eventsInvolvedResources");
    if (!events.ok()) return events.status();
    if (resources->empty()) return FieldError(where + ".resources", "at least one resource is required");
    g.versions = std::move(versions.value());
    g.resources = std::move(resources.value());
    g.events_involved_resources = std::move(events.value());
    out.push_back(std::move(g));
  }
  return out;
}

Result<std::string> Bytes(const YAML::Node& spec, const char* key) {
  const YAML::Node v = spec[key];
  if (!v || v.IsNull()) return std::string();
  if (!v.IsScalar()) return FieldError(std::string("spec.") + key, "expected base64 data");
  auto decoded = Base64Decode(v.as<std::string>());
  if (!decoded.ok()) return FieldError(std::string("spec.") + key, "not valid base64");
  return decoded;
}

std::string ScalarOr(const YAML::Node& n, const char* key) {
  const YAML::Node v = n[key];
  return v && v.IsScalar() ? v.as<std::string>() : "";
}

}  // namespace

bool ClusterSpec::SameCredentials(const ClusterSpec& o) const {
  const auto& a = credentials;
  const auto& b = o.credentials;
  return a.kubeconfig == b.kubeconfig && a.apiserver == b.apiserver && a.token == b.token && a.ca == b.ca &&
         a.cert == b.cert && a.key == b.key;
}

bool ClusterSpec::operator==(const ClusterSpec& o) const {
  return name == o.name && SameCredentials(o) && sync_resources == o.sync_resources &&
         sync_all_custom_resources == o.sync_all_custom_resources &&
         sync_resources_ref_name == o.sync_resources_ref_name && deleting == o.deleting;
}

Result<Manifest> ParseManifest(const YAML::Node& doc) {
  try {
    if (!doc.IsMap()) return Status::InvalidArgument("invalid manifest: expected a map");
    std::string api_version = ScalarOr(doc, "apiVersion");
    std::string kind = ScalarOr(doc, "kind");
    if (api_version != kApiVersion) {
      return FieldError("apiVersion", "\"" + api_version + "\" is not " + std::string(kApiVersion));
    }
    const YAML::Node meta = doc["metadata"];
    std::string name = meta && meta.IsMap() ? ScalarOr(meta, "name") : "";
    if (name.empty()) return FieldError("metadata.name", "a name is required");
    const YAML::Node spec = doc["spec"];
    if (spec && !spec.IsNull() && !spec.IsMap()) return FieldError("spec", "expected a map");
    Manifest m;
    if (kind == "ClusterSyncResources") {
      m.kind = Manifest::kClusterSyncResources;
      m.sync_resources.name = name;
      auto r = ParseSyncResources(spec ? spec["syncResources"] : YAML::Node(), "spec.syncResources");
      if (!r.ok()) return r.status();
      m.sync_resources.sync_resources = std::move(r.value());
      return m;
    }
    if (kind != "PediaCluster") {
      return FieldError("kind", "\"" + kind + "\" is neither PediaCluster nor ClusterSyncResources");
    }
    m.kind = Manifest::kPediaCluster;
    ClusterSpec& c = m.cluster;
    c.name = name;
    c.uid = ScalarOr(meta, "uid");
    c.creation_timestamp = ScalarOr(meta, "creationTimestamp");
    c.deleting = !ScalarOr(meta, "deletionTimestamp").empty();
    if (!spec || spec.IsNull()) return FieldError("spec", "a spec is required");
    auto r = ParseSyncResources(spec["syncResources"], "spec.syncResources");
    if (!r.ok()) return r.status();
    c.sync_resources = std::move(r.value());
    c.credentials.apiserver = ScalarOr(spec, "apiserver");
    for (auto [key, out] : {std::pair{"kubeconfig", &c.credentials.kubeconfig},
                            std::pair{"tokenData", &c.credentials.token}, std::pair{"caData", &c.credentials.ca},
                            std::pair{"certData", &c.credentials.cert}, std::pair{"keyData", &c.credentials.key}}) {
      auto bytes = Bytes(spec, key);
      if (!bytes.ok()) return bytes.status();
      *out = std::move(bytes.value());
    }
    c.sync_all_custom_resources = ScalarOr(spec, "syncAllCustomResources") == "true";
    c.sync_resources_ref_name = ScalarOr(spec, "syncResourcesRefName");
    c.sharding_name = ScalarOr(spec, "shardingName");
    return m;
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument("invalid manifest: " + e.msg);
  }
}

std::string SpecJsonWithoutCredentials(const ClusterSpec& spec) {
  nlohmann::json j = nlohmann::json::object();
  if (!spec.credentials.apiserver.empty()) j["apiserver"] = spec.credentials.apiserver;
  nlohmann::json groups = nlohmann::json::array();
  for (const auto& g : spec.sync_resources) {
    nlohmann::json item{{"group", g.group}, {"resources", g.resources}};
    if (!g.versions.empty()) item["versions"] = g.versions;
    if (!g.events_involved_resources.empty()) item["eventsInvolvedResources"] = g.events_involved_resources;
    groups.push_back(std::move(item));
  }
  j["syncResources"] = std::move(groups);
  if (spec.sync_all_custom_resources) j["syncAllCustomResources"] = true;
  if (!spec.sync_resources_ref_name.empty()) j["syncResourcesRefName"] = spec.sync_resources_ref_name;
  if (!spec.sharding_name.empty()) j["shardingName"] = spec.sharding_name;
  return j.dump();
}

}  // namespace pedia::sync
