// sample-storage-layer: pedia's template storage plugin.
//
// The whole plugin is this macro: it emits the ELF manifest note that
// `pedia plugin list` reads without loading the file, and the one exported
// function, pedia_storage_plugin_entry().  The layer itself is the relational
// layer that pedia's built-in "internal" storage uses (MariaDB/MySQL), so the
// plugin reads the same config as Clusterpedia's sample-storage
// (example-config.yaml).
//
// To write your own layer, replace RelationalLayer with a class derived from
// pedia::sdk::StorageLayer; see README.md.
#include <pedia/storage_plugin.hpp>

#include "storage/internal/relational_layer.h"

PEDIA_STORAGE_PLUGIN(pedia::relational::RelationalLayer, "sample-storage-layer", "0.1.0",
                     pedia::relational::RelationalLayer::kCapabilities)
