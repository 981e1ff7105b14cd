#include "server/api_path.h"

#include <vector>

#include "base/string_util.h"

namespace pedia::server {
namespace {

constexpr std::string_view kResourcesPrefix = "/apis/clusterpedia.io/v1beta1/resources";
constexpr std::string_view kCollectionPrefix = "/apis/clusterpedia.io/v1beta1/collectionresources";

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) out.push_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

Status NotFoundPath(std::string_view path) {
  return Status::NotFound("the server could not find the requested resource\nDETAIL: no route for path \"" +
                          std::string(path) + "\"");
}

}  // namespace

Result<KubePath> ParseKubePath(std::string_view path) {
  std::vector<std::string_view> s = Segments(path);
  KubePath p;
  size_t rest = 0;
  if (s.size() == 1 && s[0] == "version") {
    p.kind = KubePath::kVersion;
    return p;
  }
  if (!s.empty() && s[0] == "api") {
    if (s.size() == 1) {
      p.kind = KubePath::kApiVersions;
      return p;
    }
    p.version = std::string(s[1]);
    if (s.size() == 2) {
      p.kind = KubePath::kResourceList;
      return p;
    }
    rest = 2;
  } else if (!s.empty() && s[0] == "apis") {
    if (s.size() == 1) {
      p.kind = KubePath::kGroupList;
      return p;
    }
    p.group = std::string(s[1]);
    if (s.size() == 2) {
      p.kind = KubePath::kGroup;
      return p;
    }
    p.version = std::string(s[2]);
    if (s.size() == 3) {
      p.kind = KubePath::kResourceList;
      return p;
    }
    rest = 3;
  } else {
    return NotFoundPath(path);
  }
  std::vector<std::string_view> parts(s.begin() + rest, s.end());
  if (!parts.empty() && parts[0] == "watch") {
    p.legacy_watch = true;
    parts.erase(parts.begin());
  }
  // k8s RequestInfo: namespaces/<ns>/<resource>..., except the namespace
  // subresources status and finalize, which belong to the namespace itself.
  if (parts.size() > 1 && parts[0] == "namespaces") {
    p.namespace_name = std::string(parts[1]);
    if (parts.size() > 2 && parts[2] != "status" && parts[2] != "finalize") {
      parts.erase(parts.begin(), parts.begin() + 2);
    }
  }
  if (parts.empty() || parts.size() > 3) return NotFoundPath(path);
  p.kind = KubePath::kResource;
  p.resource = std::string(parts[0]);
  if (parts.size() > 1) p.name = std::string(parts[1]);
  if (parts.size() > 2) p.subresource = std::string(parts[2]);
  // Clusterpedia's quirk (§4.3): /api/v1/namespaces/foo is a cluster-scoped get.
  if (p.resource == "namespaces") p.namespace_name.clear();
  return p;
}

Result<ApiRoute> RoutePath(std::string_view path) {
  ApiRoute r;
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  if (path == "/healthz" || path == "/livez" || path == "/readyz" || StartsWith(path, "/healthz/") ||
      StartsWith(path, "/livez/") || StartsWith(path, "/readyz/")) {
    r.kind = ApiRoute::kHealth;
    size_t slash = path.find('/', 1);
    r.health_endpoint = std::string(path.substr(1, slash == std::string_view::npos ? path.npos : slash - 1));
    if (slash != std::string_view::npos) r.health_check = std::string(path.substr(slash + 1));
    return r;
  }
  if (path == "/metrics") {
    r.kind = ApiRoute::kMetrics;
    return r;
  }
  if (path == kCollectionPrefix || StartsWith(path, std::string(kCollectionPrefix) + "/")) {
    std::vector<std::string_view> s = Segments(path.substr(kCollectionPrefix.size()));
    if (s.empty()) {
      r.kind = ApiRoute::kCollectionResourceList;
    } else if (s.size() == 1) {
      r.kind = ApiRoute::kCollectionResource;
      r.collection = std::string(s[0]);
    } else {
      return NotFoundPath(path);
    }
    return r;
  }
  std::string_view inner = path;
  if (StartsWith(path, std::string(kResourcesPrefix) + "/")) {
    r.under_resources = true;
    inner = path.substr(kResourcesPrefix.size());
    std::vector<std::string_view> s = Segments(inner);
    if (!s.empty() && s[0] == "clusters") {
      // At least one segment must follow the cluster name (§4.2).
      if (s.size() < 3) return NotFoundPath(path);
      r.cluster = std::string(s[1]);
      size_t at = static_cast<size_t>(s[1].data() - inner.data()) + s[1].size();
      inner = inner.substr(at);
    }
  } else if (path == kResourcesPrefix) {
    return NotFoundPath(path);
  }
  Result<KubePath> kube = ParseKubePath(inner);
  if (!kube.ok()) return NotFoundPath(path);
  r.kind = ApiRoute::kKube;
  r.kube = std::move(kube.value());
  return r;
}

}  // namespace pedia::server
