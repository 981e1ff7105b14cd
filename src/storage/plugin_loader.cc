#include "storage/plugin_loader.h"

#include <dlfcn.h>

#include <cstddef>
#include <cstring>

#include "storage/elf_manifest.h"
#include "storage/registry.h"

namespace pedia::storage {
namespace {

// The smallest table a plugin of the given ABI minor may return: every
// member up to watch_stop.  Minor 1 appended to pedia_host_api only, so the
// plugin table is the same for 1.0 and 1.1.  A minor that appends to
// pedia_storage_plugin raises this for that minor and later.
constexpr size_t MinimumTableSize(uint16_t /*abi_minor*/) {
  return offsetof(pedia_storage_plugin, watch_stop) + sizeof(pedia_storage_plugin::watch_stop);
}

const std::vector<std::string> kChecks = {"ELF shared object for this platform",
                                          "storage plugin manifest",
                                          "storage ABI version",
                                          "dlopen",
                                          "entry point",
                                          "plugin table"};

// Reports one finished check to the observer and passes the status through.
Status Report(const CheckObserver& observer, const std::string& check, Status status) {
  if (observer) observer(check, status);
  return status;
}

// Every required function pointer of a table, by name, for the truncation
// and null checks.
bool MissingFunction(const pedia_storage_plugin* t, std::string* which) {
  struct Member {
    const char* name;
    bool present;
  };
  const Member members[] = {
      {"open", t->open != nullptr},
      {"close", t->close != nullptr},
      {"ready", t->ready != nullptr},
      {"write_batch", t->write_batch != nullptr},
      {"list", t->list != nullptr},
      {"get", t->get != nullptr},
      {"resource_versions", t->resource_versions != nullptr},
      {"clean_cluster", t->clean_cluster != nullptr},
      {"clean_resource", t->clean_resource != nullptr},
      {"put_cluster", t->put_cluster != nullptr},
      {"delete_cluster", t->delete_cluster != nullptr},
      {"list_clusters", t->list_clusters != nullptr},
  };
  for (const Member& m : members)
    if (!m.present) {
      *which = m.name;
      return true;
    }
  if ((t->capabilities & PEDIA_STORAGE_CAP_WATCH) && (!t->watch || !t->watch_stop)) {
    *which = "watch";
    return true;
  }
  return false;
}

}  // namespace

const std::vector<std::string>& LoaderCheckNames() { return kChecks; }

Result<const pedia_storage_plugin*> LoadPluginFile(const std::string& path, const CheckObserver& observer) {
  // 1. ELF64 shared object for this machine (reads the file only).
  Result<PluginFileInfo> file = ReadPluginFile(path);
  if (!file.ok()) return Report(observer, kChecks[0], file.status());
  Report(observer, kChecks[0], Status::Ok());

  // 2. The manifest note.
  if (!file->manifest_status.ok()) return Report(observer, kChecks[1], file->manifest_status);
  const PluginManifest& manifest = file->manifest;
  Report(observer, kChecks[1], Status::Ok());

  // 3 and 4. ABI major equal, minor not newer.
  if (Status s = CheckAbiCompatible(manifest, path); !s.ok()) return Report(observer, kChecks[2], s);
  Report(observer, kChecks[2], Status::Ok());

  // 5. dlopen.  RTLD_NOW reports missing symbols here rather than at the
  // first call; RTLD_LOCAL keeps one plugin's symbols from another's.  The
  // handle is never closed: plugins may carry a static libstdc++ whose
  // thread_local and atexit teardown is not safe to run at dlclose.
  // A name without a slash would make dlopen search the library path.
  const std::string dl_path = path.find('/') == std::string::npos ? "./" + path : path;
  void* handle = dlopen(dl_path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* error = dlerror();
    return Report(observer, kChecks[3],
                  Status::InvalidArgument("could not load " + QuotedPlugin(path) + "\nDETAIL:  " +
                                          std::string(error ? error : "dlopen failed without a message") +
                                          "\nHINT:  Link the plugin with -Wl,-z,defs and install the libraries it "
                                          "needs (see pedia plugin inspect)."));
  }
  Report(observer, kChecks[3], Status::Ok());

  // 6. The entry point.
  dlerror();
  void* symbol = dlsym(handle, PEDIA_STORAGE_ENTRY_SYMBOL);
  if (!symbol)
    return Report(observer, kChecks[4],
                  Status::InvalidArgument("no entry point \"" PEDIA_STORAGE_ENTRY_SYMBOL "\" in " + QuotedPlugin(path) +
                                          "\nHINT:  Export the function with PEDIA_STORAGE_EXPORT and list it in "
                                          "the plugin's version script."));
  auto entry = reinterpret_cast<pedia_storage_plugin_entry_fn>(symbol);
  const pedia_storage_plugin* table = entry(HostApi());
  if (!table)
    return Report(observer, kChecks[4],
                  Status::InvalidArgument("entry point of " + QuotedPlugin(path) +
                                          " returned no storage layer\nHINT:  The plugin logs why through the host; "
                                          "run with -v=4 to see more."));
  Report(observer, kChecks[4], Status::Ok());

  // 7. The table agrees with the manifest and is complete.
  auto table_check = [&](Status s) { return Report(observer, kChecks[5], std::move(s)); };
  if (table->abi_major != manifest.abi_major || table->abi_minor != manifest.abi_minor || !table->name ||
      manifest.name != table->name || !table->version || manifest.version != table->version)
    return table_check(Status::InvalidArgument(
        QuotedPlugin(path) + ": plugin manifest does not match its code\nDETAIL:  The manifest declares \"" + manifest.name +
        "\" " + manifest.version + " with storage ABI " + manifest.AbiString() + ", the code returns \"" +
        (table->name ? table->name : "") + "\" " + (table->version ? table->version : "") + " with storage ABI " +
        std::to_string(table->abi_major) + "." + std::to_string(table->abi_minor) +
        ".\nHINT:  The manifest note is stale or was edited; rebuild the plugin."));
  if (table->struct_size < MinimumTableSize(table->abi_minor))
    return table_check(Status::InvalidArgument(
        QuotedPlugin(path) + ": plugin vtable is truncated\nDETAIL:  Storage ABI " + manifest.AbiString() + " needs " +
        std::to_string(MinimumTableSize(table->abi_minor)) + " bytes, the plugin's table has " +
        std::to_string(table->struct_size) + ".\nHINT:  Rebuild the plugin against include/pedia/storage_abi.h."));
  std::string missing;
  if (MissingFunction(table, &missing))
    return table_check(Status::InvalidArgument(
        QuotedPlugin(path) + ": plugin vtable is incomplete\nDETAIL:  The function \"" + missing + "\" is NULL."));
  table_check(Status::Ok());
  return table;
}

}  // namespace pedia::storage
