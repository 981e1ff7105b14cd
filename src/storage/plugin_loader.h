// Loads one storage plugin file, checking it from coarse to fine.
//
// Checks, in order (anchors-style-and-abi.md §2.3); steps 1-4 read the file
// only and never run plugin code:
//   1. ELF64 shared object for this machine
//   2. the .note.pedia.storage manifest is present and well-formed
//   3. ABI major equal to the host's
//   4. plugin ABI minor not newer than the host's
//   5. dlopen(RTLD_NOW | RTLD_LOCAL); plugins are never unloaded
//   6. the entry symbol pedia_storage_plugin_entry exists
//   7. the entry returns a table whose version, name and struct_size agree
//      with the manifest
// Messages follow PostgreSQL's style: a lower-case primary line, then
// "DETAIL:" and "HINT:" lines (see FormatPluginError).
#ifndef PEDIA_STORAGE_PLUGIN_LOADER_H_
#define PEDIA_STORAGE_PLUGIN_LOADER_H_

#include <pedia/storage_abi.h>

#include <functional>
#include <string>
#include <vector>

#include "base/status.h"

namespace pedia::storage {

/// Which of the checks above to report progress on (plugin validate prints each).
using CheckObserver = std::function<void(const std::string& check, const Status& result)>;

/// The check names the observer receives, in order: one per step above
/// (1, 2, 3-4, 5, 6, 7).
const std::vector<std::string>& LoaderCheckNames();

/// Runs checks 1-7.  On success returns the plugin's table.
Result<const pedia_storage_plugin*> LoadPluginFile(const std::string& path, const CheckObserver& observer = nullptr);

}  // namespace pedia::storage

#endif  // PEDIA_STORAGE_PLUGIN_LOADER_H_
