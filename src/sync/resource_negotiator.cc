#include "sync/resource_negotiator.h"

#include <algorithm>
#include <map>
#include <set>

#include "base/string_util.h"

namespace pedia::sync {
namespace {

bool Syncable(const ApiResource& r) { return r.Has("list") && r.Has("watch"); }

// A group's resources by plural name, each with the versions serving it in
// the group's order (preferred first).
using ByName = std::map<std::string, std::vector<const ApiResource*>>;

std::map<std::string, ByName> Index(const Discovery& d) {
  std::map<std::string, ByName> out;
  for (const auto& g : d.groups) {
    ByName& by_name = out[g.name];
    for (const auto& v : g.versions) {
      for (const auto& r : d.resources) {
        if (r.group == g.name && r.version == v && Syncable(r)) by_name[r.name].push_back(&r);
      }
    }
  }
  return out;
}

}  // namespace

std::string SyncTarget::Path() const {
  std::string p = gvr.group.empty() ? "/api/" + gvr.version : "/apis/" + gvr.group + "/" + gvr.version;
  return p + "/" + gvr.resource;
}

Negotiation Negotiate(const Discovery& d, const std::vector<SyncResourceGroup>& wanted,
                      const NegotiationOptions& options) {
  Negotiation out;
  auto index = Index(d);
  std::map<storage::Gvr, SyncTarget> chosen;

  auto add = [&](const std::string& group, const std::vector<const ApiResource*>& served,
                 const std::vector<std::string>& versions) {
    if (served.empty()) return;
    const ApiResource& first = *served.front();
    if (options.ignore_sync_lease && group == "coordination.k8s.io" && first.name == "leases") return;
    bool custom = d.IsCustom(group, first.name);
    std::vector<const ApiResource*> picked;
    if (!custom) {
      picked.push_back(served.front());  // built-ins: exactly the preferred served version
    } else if (versions.empty()) {
      for (size_t i = 0; i < served.size() && i < 3; ++i) picked.push_back(served[i]);
    } else if (versions.size() == 1 && versions[0] == "*") {
      picked = served;
    } else {
      for (const auto* r : served) {
        if (std::find(versions.begin(), versions.end(), r->version) != versions.end()) picked.push_back(r);
      }
      if (picked.empty()) {
        out.warnings.push_back("none of the versions listed for " + first.name + "." + group +
                               " is served by the cluster");
      }
    }
    for (const auto* r : picked) {
      SyncTarget t;
      t.gvr = {group, r->version, r->name};
      t.resource = *r;
      t.custom = custom;
      if (custom) {
        const CrdInfo& crd = d.crds.at({group, r->name});
        if (auto it = crd.printer_columns_json.find(r->version); it != crd.printer_columns_json.end()) {
          t.printer_columns_json = it->second;
        }
      }
      chosen.emplace(t.gvr, std::move(t));
    }
  };

  for (const auto& w : wanted) {
    if (w.group == "*") {
      if (!options.allow_sync_all_resources) continue;  // the manager reports InvalidSyncResources
      for (const auto& [group, by_name] : index) {
        for (const auto& [name, served] : by_name) add(group, served, w.versions);
      }
      continue;
    }
    auto g = index.find(w.group);
    if (g == index.end()) {
      out.warnings.push_back("group \"" + w.group + "\" is not served by the cluster");
      continue;
    }
    for (const auto& res : w.resources) {
      if (res == "*") {
        for (const auto& [name, served] : g->second) add(w.group, served, w.versions);
        continue;
      }
      std::string want = AsciiLower(res);
      const std::vector<const ApiResource*>* found = nullptr;
      for (const auto& [name, served] : g->second) {
        if (name == want || AsciiLower(served.front()->singular_name) == want || AsciiLower(served.front()->kind) == want) {
          found = &served;
          break;
        }
      }
      if (!found) {
        out.warnings.push_back("resource \"" + res + "\" of group \"" + w.group +
                               "\" is not served by the cluster, or does not support list and watch");
        continue;
      }
      add(w.group, *found, w.versions);
    }
  }
  if (options.sync_all_custom_resources) {
    for (const auto& [key, crd] : d.crds) {
      auto g = index.find(key.first);
      if (g == index.end()) continue;
      auto r = g->second.find(key.second);
      if (r != g->second.end()) add(key.first, r->second, {});
    }
  }
  for (auto& [gvr, t] : chosen) out.targets.push_back(std::move(t));
  return out;
}

}  // namespace pedia::sync
