// The built-in "memory" storage layer.
//
// Everything lives in this process, so it serves only binding-apiserver
// (apiserver and synchro in one process).  It has the full query semantics of
// the storage contract, watch with resourceVersion resume and 410 Gone past
// its window, and indexes on labels, owner and namespace; none of the Go
// memory storage's quirks (clusterpedia-spec §3.2, quirk 9).
#ifndef PEDIA_STORAGE_MEMORY_MEMORY_STORAGE_H_
#define PEDIA_STORAGE_MEMORY_MEMORY_STORAGE_H_

#include <pedia/storage_abi.h>

namespace pedia::storage::memory {

/// The layer's ABI table (name "memory").
const pedia_storage_plugin* MemoryStorageTable();

}  // namespace pedia::storage::memory

#endif  // PEDIA_STORAGE_MEMORY_MEMORY_STORAGE_H_
