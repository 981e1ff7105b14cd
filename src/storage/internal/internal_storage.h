// The built-in "internal" storage layer: MariaDB/MySQL through Connector/C.
#ifndef PEDIA_STORAGE_INTERNAL_INTERNAL_STORAGE_H_
#define PEDIA_STORAGE_INTERNAL_INTERNAL_STORAGE_H_

#include <pedia/storage_abi.h>

namespace pedia::storage::internal {

/// The layer's ABI table (name "internal").
const pedia_storage_plugin* InternalStorageTable();

}  // namespace pedia::storage::internal

#endif  // PEDIA_STORAGE_INTERNAL_INTERNAL_STORAGE_H_
