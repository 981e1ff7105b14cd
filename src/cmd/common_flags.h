// Flags every pedia component shares, Kubernetes style: -v/--v, --logging-format,
// --feature-gates, --version[=raw], storage selection.  Includes CLI11, so
// only src/cmd may include this header.
#ifndef PEDIA_CMD_COMMON_FLAGS_H_
#define PEDIA_CMD_COMMON_FLAGS_H_

#include <CLI/CLI.hpp>

#include <memory>
#include <string>

#include "base/status.h"
#include "storage/registry.h"
#include "storage/storage.h"

namespace pedia::cmd {

struct CommonOptions {
  int verbosity = 0;
  std::string logging_format = "text";
  std::string feature_gates;
};

/// Adds -v/--v, --logging-format and --feature-gates to the "Logs" and
/// "Feature gates" groups.
void AddCommonFlags(CLI::App* app, CommonOptions* options);

struct StorageOptions {
  std::string name;
  std::string config;
};

/// Adds --storage-name (default default_name) and --storage-config.
void AddStorageFlags(CLI::App* app, StorageOptions* options, const std::string& default_name);

/// Parses argv into app.  Handles --version (the lines of `pedia version`),
/// --version=raw (its JSON) and klog's "-v=4" spelling
/// first.  Returns -1 when the applet should go on, else the exit code
/// (0 after --help or --version, 2 after a usage error, with the message
/// printed).
int Parse(CLI::App& app, int argc, char** argv);

/// Applies verbosity, log format and feature gates.  Returns -1 to go on, or
/// an exit code after printing the error.
int ApplyCommon(const CommonOptions& options, const char* applet);

/// Registers built-ins, loads $STORAGE_PLUGINS and opens the chosen layer.
/// in_process is true for binding-apiserver: only it may use layers marked
/// PEDIA_STORAGE_CAP_IN_PROCESS_ONLY (memory).
Result<std::unique_ptr<storage::Storage>> OpenStorage(const StorageOptions& options, bool in_process,
                                                      storage::Registry* registry);

/// Prints "<applet>: error: <message>" (with DETAIL/HINT lines) to stderr.
void PrintError(const char* applet, const Status& status);

/// For features a later issue fills in: prints a clear error, returns 1.
int NotImplemented(const char* applet, const std::string& what);

}  // namespace pedia::cmd

#endif  // PEDIA_CMD_COMMON_FLAGS_H_
