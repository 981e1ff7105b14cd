// Routing of request paths: the Clusterpedia prefixes
// (/apis/clusterpedia.io/v1beta1/resources[/clusters/<c>]/..., collectionresources)
// and the plain Kubernetes paths below them (clusterpedia-spec §4.2, §4.3).
//
// Pure functions; no I/O.  The same Kubernetes paths are also served at the
// root, so a kubeconfig may point at pedia itself.
#ifndef PEDIA_SERVER_API_PATH_H_
#define PEDIA_SERVER_API_PATH_H_

#include <string>
#include <string_view>

#include "base/status.h"
#include "server/api_error.h"

namespace pedia::server {

/// A Kubernetes API path, as k8s.io/apiserver's RequestInfo splits it.
struct KubePath {
  enum Kind {
    kApiVersions,   // /api
    kGroupList,     // /apis
    kGroup,         // /apis/<group>
    kResourceList,  // /api/v1, /apis/<group>/<version>
    kVersion,       // /version
    kResource,      // /api/v1/[namespaces/<ns>/]<resource>[/<name>[/<subresource>]]
  };
  Kind kind = kResource;
  std::string group, version, resource, namespace_name, name, subresource;
  bool legacy_watch = false;  // the path had a /watch/ segment
};

struct ApiRoute {
  enum Kind {
    kKube,                    // a KubePath (under resources/ or at the root)
    kCollectionResourceList,  // .../collectionresources
    kCollectionResource,      // .../collectionresources/<name>
    kHealth,                  // /healthz, /livez, /readyz[/<check>]
    kMetrics,                 // /metrics
  };
  Kind kind = kKube;
  bool under_resources = false;  // reached through /apis/clusterpedia.io/v1beta1/resources
  std::string cluster;           // from .../resources/clusters/<cluster>/...
  KubePath kube;
  std::string collection;       // collection resource name
  std::string health_endpoint;  // "healthz", "livez", "readyz"
  std::string health_check;     // "/readyz/<check>"
};

inline constexpr std::string_view kClusterpediaGroup = "clusterpedia.io";
inline constexpr std::string_view kClusterpediaVersion = "v1beta1";
inline constexpr std::string_view kClusterGroup = "cluster.clusterpedia.io";
inline constexpr std::string_view kClusterVersion = "v1alpha2";

/// Routes a percent-decoded path.  Errors are 404 ApiErrors.
Result<ApiRoute> RoutePath(std::string_view path);

/// Parses a Kubernetes path ("/api/v1/pods").
Result<KubePath> ParseKubePath(std::string_view path);

}  // namespace pedia::server

#endif  // PEDIA_SERVER_API_PATH_H_
