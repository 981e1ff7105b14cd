// The storage registry: name -> layer, for built-ins and plugins alike.
//
// Built-in layers register through the same pedia_storage_plugin table a
// plugin returns, so the ABI is exercised by every run (design.md §2.3).
// Clusterpedia panics on a duplicate name or a bad plugin; pedia returns a
// Status naming the file and listing what is available.
//
// Not thread-safe while registering; read-only use afterwards is.
#ifndef PEDIA_STORAGE_REGISTRY_H_
#define PEDIA_STORAGE_REGISTRY_H_

#include <pedia/storage_abi.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "storage/storage.h"

namespace pedia::storage {

struct RegisteredLayer {
  std::string name;
  std::string version;
  std::string origin;  // "built-in" or the plugin's path
  const pedia_storage_plugin* table = nullptr;
};

/// The *.so files of a plugin directory, as "dir/name", sorted; not
/// recursive, and nothing is opened but the directory.  InvalidArgument
/// 'could not open plugin directory "dir": <reason>' when it cannot be read.
Result<std::vector<std::string>> PluginFiles(const std::string& dir);

class Registry {
 public:
  /// AlreadyExists when the name is taken: 'storage "x" is already registered by "origin"'.
  Status Register(const pedia_storage_plugin* table, std::string origin);
  /// Loads every *.so file in dir (sorted, not recursive) through the plugin
  /// loader.  An empty dir is a no-op.  Stops at the first failure.
  Status LoadDirectory(const std::string& dir);
  const RegisteredLayer* Find(std::string_view name) const;
  std::vector<std::string> Names() const;
  /// Opens a layer with the --storage-config file (empty path: empty config).
  /// NotFound for an unknown name lists the available layers.
  Result<std::unique_ptr<Storage>> Open(std::string_view name, const std::string& config_path) const;

 private:
  std::vector<RegisteredLayer> layers_;
};

/// The table the host gives every plugin: klog logging, -v, feature gates,
/// and (ABI 1.1) an accounted allocator.
const pedia_host_api* HostApi();

/// What the storage layers hold from HostApi()->alloc right now.
struct HostMemoryStats {
  int64_t bytes = 0;        // requested sizes, excluding the allocator's overhead
  int64_t allocations = 0;  // not yet passed to free
};
HostMemoryStats HostMemory();

/// Registers the built-in layers: memory and internal.
Status RegisterBuiltins(Registry* registry);

/// Registers the built-ins, then loads $STORAGE_PLUGINS.  What every applet
/// that uses storage calls at start-up.
Status InitRegistry(Registry* registry);

}  // namespace pedia::storage

#endif  // PEDIA_STORAGE_REGISTRY_H_
