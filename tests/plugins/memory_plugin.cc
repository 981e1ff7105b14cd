// "memory-plugin": the built-in memory layer packaged as a storage plugin,
// the fixture on which `pedia plugin validate` runs the whole conformance
// suite through dlopen and the C ABI.  Everything the built-in declares
// except PEDIA_STORAGE_CAP_IN_PROCESS_ONLY, which only matters to applets.
#include <pedia/storage_plugin.hpp>

#include "storage/memory/memory_layer.h"

PEDIA_STORAGE_PLUGIN(pedia::storage::memory::MemoryLayer, "memory-plugin", "0.1.0",
                     pedia::storage::memory::kMemoryCapabilities & ~uint64_t{PEDIA_STORAGE_CAP_IN_PROCESS_ONLY})
