// The built-in "internal" storage layer: the relational layer
// (relational_layer.h) registered under Clusterpedia's name for it.  The
// sample-storage plugin registers the same class as "sample-storage-layer".
#include "storage/internal/internal_storage.h"

#include <pedia/storage_plugin.hpp>

#include "storage/internal/relational_layer.h"
#include "storage/registry.h"

namespace pedia::storage::internal {

const pedia_storage_plugin* InternalStorageTable() {
  // Built-ins are not loaded through the plugin entry point, so give the SDK
  // the host API here; the layer logs through it.
  if (!sdk::internal::HostSlot()) sdk::internal::HostSlot() = HostApi();
  return sdk::MakePluginTable<relational::RelationalLayer>("internal", "0.1.0",
                                                           relational::RelationalLayer::kCapabilities);
}

}  // namespace pedia::storage::internal
