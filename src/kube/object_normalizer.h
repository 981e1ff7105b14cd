// Normalizes one Kubernetes object for storage, without a DOM
// (design.md §2.2): the only place objects are edited on the sync path.
//
// In one pass over the object's bytes it extracts the index fields and
// rebuilds the object compactly with these edits:
//   - apiVersion / kind added when missing (list items omit them);
//   - metadata.managedFields dropped (gate PruneManagedFields);
//   - annotation kubectl.kubernetes.io/last-applied-configuration dropped
//     (gate PruneLastAppliedConfiguration), and annotations removed when that
//     leaves them empty;
//   - annotation shadow.clusterpedia.io/cluster-name set to the cluster.
// Every other byte of every value is copied as is.  Malformed or incomplete
// objects (no metadata.name, no resourceVersion) give InvalidArgument; the
// input is never trusted.  Stateless and thread-safe.
#ifndef PEDIA_KUBE_OBJECT_NORMALIZER_H_
#define PEDIA_KUBE_OBJECT_NORMALIZER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace pedia::kube {

inline constexpr std::string_view kClusterNameAnnotation = "shadow.clusterpedia.io/cluster-name";
inline constexpr std::string_view kLastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration";
inline constexpr int64_t kNoTime = INT64_MIN;

struct NormalizeOptions {
  std::string cluster_name;
  std::string api_version;  // "apps/v1"; injected when the object has none
  std::string kind;         // "Deployment"
  bool prune_managed_fields = true;
  bool prune_last_applied = true;
};

/// Reads the gates PruneManagedFields / PruneLastAppliedConfiguration.
NormalizeOptions NormalizeOptionsFromGates(std::string cluster, std::string api_version, std::string kind);

/// An object ready for storage: index fields plus the rewritten JSON.
struct NormalizedObject {
  std::string namespace_name, name, uid, owner_uid, resource_version;
  int64_t creation_unix_ms = 0;
  int64_t deletion_unix_ms = kNoTime;
  std::vector<std::pair<std::string, std::string>> labels;
  std::string json;
};

/// Normalizes the object whose bytes are `object` (surrounding whitespace
/// allowed).
Result<NormalizedObject> NormalizeObject(std::string_view object, const NormalizeOptions& options);

/// Like NormalizeObject for the object starting at *pos inside a larger
/// document (a list's items, a watch event); on success *pos is just past
/// it.  On failure *pos is unspecified: rescan from the start to skip it.
Result<NormalizedObject> NormalizeObjectAt(std::string_view doc, size_t* pos, const NormalizeOptions& options);

}  // namespace pedia::kube

#endif  // PEDIA_KUBE_OBJECT_NORMALIZER_H_
