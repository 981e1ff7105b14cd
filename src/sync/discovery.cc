#include "sync/discovery.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "base/log.h"

namespace pedia::sync {
namespace {

using nlohmann::json;
constexpr auto kTimeout = std::chrono::seconds(15);

Result<json> GetJson(kube::Transport* t, const std::shared_ptr<const kube::ConnectionConfig>& c,
                     const std::string& path, const std::atomic<bool>* stop) {
  if (stop && *stop) return Status::Unavailable("discovery: stopped");
  auto r = t->GetSync(c, path, kTimeout);
  if (!r.ok()) return r.status();
  json j = json::parse(r->body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::InvalidArgument("discovery: GET " + path + " did not return a JSON object");
  }
  return j;
}

std::vector<std::string> Strings(const json& j, const char* key) {
  std::vector<std::string> out;
  auto it = j.find(key);
  if (it == j.end() || !it->is_array()) return out;
  for (const auto& s : *it) {
    if (s.is_string()) out.push_back(s.get<std::string>());
  }
  return out;
}

std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

void AddResources(const json& list, const std::string& group, const std::string& version, Discovery* d) {
  auto it = list.find("resources");
  if (it == list.end() || !it->is_array()) return;
  for (const auto& r : *it) {
    ApiResource a;
    a.name = Str(r, "name");
    if (a.name.empty() || a.name.find('/') != std::string::npos) continue;  // subresource
    a.group = group;
    a.version = version;
    a.singular_name = Str(r, "singularName");
    a.kind = Str(r, "kind");
    a.namespaced = r.value("namespaced", false);
    a.verbs = Strings(r, "verbs");
    a.short_names = Strings(r, "shortNames");
    a.categories = Strings(r, "categories");
    d->resources.push_back(std::move(a));
  }
}

}  // namespace

bool ApiResource::Has(std::string_view verb) const {
  return std::find(verbs.begin(), verbs.end(), verb) != verbs.end();
}

Status ParseCrdList(std::string_view body, std::map<std::pair<std::string, std::string>, CrdInfo>* out) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status::InvalidArgument("CRD list is not a JSON object");
  auto items = j.find("items");
  if (items == j.end() || !items->is_array()) return Status::Ok();
  for (const auto& crd : *items) {
    if (!crd.is_object() || !crd.contains("spec") || !crd["spec"].is_object()) continue;
    const json& spec = crd["spec"];
    CrdInfo info;
    info.group = Str(spec, "group");
    if (spec.contains("names") && spec["names"].is_object()) {
      info.plural = Str(spec["names"], "plural");
      info.kind = Str(spec["names"], "kind");
    }
    if (spec.contains("versions") && spec["versions"].is_array()) {
      for (const auto& v : spec["versions"]) {
        if (!v.is_object() || !v.value("served", true)) continue;
        std::string name = Str(v, "name");
        info.served_versions.push_back(name);
        if (v.contains("additionalPrinterColumns") && v["additionalPrinterColumns"].is_array()) {
          info.printer_columns_json[name] = v["additionalPrinterColumns"].dump();
        }
      }
    }
    if (!info.plural.empty()) (*out)[{info.group, info.plural}] = std::move(info);
  }
  return Status::Ok();
}

Result<Discovery> Discover(kube::Transport* t, std::shared_ptr<const kube::ConnectionConfig> c,
                           const std::atomic<bool>* stop) {
  Discovery d;
  try {
    auto version = GetJson(t, c, "/version", stop);
    if (!version.ok()) return version.status();
    d.git_version = Str(version.value(), "gitVersion");

    auto core = GetJson(t, c, "/api", stop);
    if (!core.ok()) return core.status();
    ApiGroup core_group{"", Strings(core.value(), "versions")};
    d.groups.push_back(core_group);
    for (const auto& v : core_group.versions) {
      auto list = GetJson(t, c, "/api/" + v, stop);
      if (!list.ok()) return list.status();
      AddResources(list.value(), "", v, &d);
    }

    auto apis = GetJson(t, c, "/apis", stop);
    if (!apis.ok()) return apis.status();
    auto groups = apis->find("groups");
    if (groups != apis->end() && groups->is_array()) {
      for (const auto& g : *groups) {
        ApiGroup group;
        group.name = Str(g, "name");
        std::string preferred;
        if (g.contains("preferredVersion") && g["preferredVersion"].is_object()) {
          preferred = Str(g["preferredVersion"], "version");
        }
        if (!preferred.empty()) group.versions.push_back(preferred);
        if (g.contains("versions") && g["versions"].is_array()) {
          for (const auto& v : g["versions"]) {
            std::string name = Str(v, "version");
            if (!name.empty() && name != preferred) group.versions.push_back(name);
          }
        }
        for (const auto& v : group.versions) {
          auto list = GetJson(t, c, "/apis/" + group.name + "/" + v, stop);
          if (!list.ok()) {
            PEDIA_LOG_WARNING("skipping an unavailable group version", {"groupVersion", group.name + "/" + v},
                              {"err", list.status().message()});
            continue;
          }
          AddResources(list.value(), group.name, v, &d);
        }
        d.groups.push_back(std::move(group));
      }
    }
    bool has_crds = std::any_of(d.resources.begin(), d.resources.end(), [](const ApiResource& r) {
      return r.group == "apiextensions.k8s.io" && r.version == "v1" && r.name == "customresourcedefinitions";
    });
    if (has_crds) {
      auto crds = t->GetSync(c, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", kTimeout);
      if (!crds.ok()) return crds.status();
      if (Status s = ParseCrdList(crds->body, &d.crds); !s.ok()) return s;
    }
  } catch (const json::exception& e) {
    return Status::InvalidArgument(std::string("discovery: unexpected document: ") + e.what());
  }
  return d;
}

}  // namespace pedia::sync
