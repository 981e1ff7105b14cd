// What a member cluster serves: version, API groups and resources, and its
// CRDs (for version choice and printer columns).  Fetched with blocking
// requests, so call it from a worker thread, never the HTTP loop thread.
#ifndef PEDIA_SYNC_DISCOVERY_H_
#define PEDIA_SYNC_DISCOVERY_H_

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "kube/connection_config.h"
#include "kube/rest_client.h"

namespace pedia::sync {

struct ApiResource {
  std::string group, version, name, singular_name, kind;
  bool namespaced = false;
  std::vector<std::string> verbs, short_names, categories;
  bool Has(std::string_view verb) const;
};

struct ApiGroup {
  std::string name;                   // "" for the core group
  std::vector<std::string> versions;  // preferred first
};

struct CrdInfo {
  std::string group, plural, kind;
  std::vector<std::string> served_versions;                 // in spec order
  std::map<std::string, std::string> printer_columns_json;  // version -> JSON array
};

struct Discovery {
  std::string git_version;
  std::vector<ApiGroup> groups;
  std::vector<ApiResource> resources;                           // every group/version, no subresources
  std::map<std::pair<std::string, std::string>, CrdInfo> crds;  // (group, plural)
  bool IsCustom(const std::string& group, const std::string& resource) const {
    return crds.count({group, resource}) > 0;
  }
};

/// Reads /version, /api, /apis, every group/version and the CRDs.  A
/// group/version that fails (aggregated APIs often do) is skipped with a
/// warning; /version, /api and /apis failing is an error.
/// `stop` (optional) is checked between requests so a shutdown does not wait
/// for a whole discovery against an unresponsive cluster.
Result<Discovery> Discover(kube::Transport* transport, std::shared_ptr<const kube::ConnectionConfig> config,
                           const std::atomic<bool>* stop = nullptr);

/// The CRD list body parsed into CrdInfo entries (also used for CRD watches).
Status ParseCrdList(std::string_view body, std::map<std::pair<std::string, std::string>, CrdInfo>* out);

}  // namespace pedia::sync

#endif  // PEDIA_SYNC_DISCOVERY_H_
