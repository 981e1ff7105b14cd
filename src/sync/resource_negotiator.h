// Resource negotiation (clusterpedia-spec §6.3): which group/version/resources
// of a member cluster to sync, from the cluster's syncResources and what the
// cluster serves.  A pure function of its inputs; thread-safe.
#ifndef PEDIA_SYNC_RESOURCE_NEGOTIATOR_H_
#define PEDIA_SYNC_RESOURCE_NEGOTIATOR_H_

#include <string>
#include <vector>

#include "storage/storage.h"
#include "sync/cluster_spec.h"
#include "sync/discovery.h"

namespace pedia::sync {

struct SyncTarget {
  storage::Gvr gvr;
  ApiResource resource;  // kind, namespaced, names for the status
  bool custom = false;
  std::string printer_columns_json;  // CRDs only; "" when none
  std::string Path() const;          // "/apis/apps/v1/deployments", "/api/v1/pods"
};

struct NegotiationOptions {
  bool sync_all_custom_resources = false;  // spec field AND gate AllowSyncAllCustomResources
  bool allow_sync_all_resources = false;   // gate AllowSyncAllResources
  bool ignore_sync_lease = false;          // gate IgnoreSyncLease
};

struct Negotiation {
  std::vector<SyncTarget> targets;    // sorted by gvr, no duplicates
  std::vector<std::string> warnings;  // e.g. a listed resource the cluster lacks
};

Negotiation Negotiate(const Discovery& discovery, const std::vector<SyncResourceGroup>& wanted,
                      const NegotiationOptions& options);

}  // namespace pedia::sync

#endif  // PEDIA_SYNC_RESOURCE_NEGOTIATOR_H_
