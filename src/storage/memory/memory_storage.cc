#include "storage/memory/memory_storage.h"

#include <pedia/storage_plugin.hpp>

#include "storage/memory/memory_layer.h"

namespace pedia::storage::memory {

const pedia_storage_plugin* MemoryStorageTable() {
  return sdk::MakePluginTable<MemoryLayer>("memory", "0.1.0", kMemoryCapabilities);
}

}  // namespace pedia::storage::memory
