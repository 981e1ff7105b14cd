#include "cmd/common_flags.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <vector>

#include "base/build_info.h"
#include "base/exit_status.h"
#include "base/feature_gates.h"
#include "base/log.h"
#include "base/string_util.h"

namespace pedia::cmd {

void AddCommonFlags(CLI::App* app, CommonOptions* o) {
  app->add_option("-v,--v", o->verbosity, "number for the log level verbosity (0-10; 2 logs requests, 4 debugs)")
      ->group("Logs")
      ->check(CLI::Range(0, 10));
  app->add_option("--logging-format", o->logging_format, "log format: text (klog) or json")
      ->group("Logs")
      ->check(CLI::IsMember({"text", "json"}));
  std::string gates = "a set of key=value pairs that describe feature gates for alpha/experimental features. Options are:";
  for (const auto& g : FeatureGates::Global().Known())
    gates += "\n" + g.name + "=true|false (" + g.stage + " - default=" + (g.default_value ? "true" : "false") + ")";
  app->add_option("--feature-gates", o->feature_gates, gates)->group("Feature gates");
}

void AddStorageFlags(CLI::App* app, StorageOptions* o, const std::string& default_name) {
  o->name = default_name;
  app->add_option("--storage-name", o->name,
                  "storage layer: a built-in (memory, internal) or a plugin from $STORAGE_PLUGINS")
      ->group("Storage")
      ->capture_default_str();
  app->add_option("--storage-config", o->config, "path of the storage layer's configuration file (YAML)")
      ->group("Storage");
}

int Parse(CLI::App& app, int argc, char** argv) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    // The same lines as `pedia version` (issue 2): version, git commit, build
    // date, compiler, platform and storage ABI.
    if (a == "--version" || a == "--version=true") {
      std::fputs(BuildInfoText().c_str(), stdout);
      return kExitSuccess;
    }
    if (a == "--version=raw") {
      std::printf("%s\n", BuildInfoJson().c_str());
      return kExitSuccess;
    }
    // klog users type -v=4; CLI11 only takes --v=4, -v 4 and -v4.
    if (StartsWith(a, "-v=")) a = "--v=" + a.substr(3);
    // pflag reads --flag= as an empty value; CLI11 would take the next
    // argument instead (so "--feature-gates= -v 2" rejected "2").
    if (StartsWith(a, "--") && a.size() > 3 && a.back() == '=' && a.find('=') == a.size() - 1) {
      args.push_back(a.substr(0, a.size() - 1));
      args.emplace_back();
      continue;
    }
    args.push_back(a);
  }
  std::reverse(args.begin(), args.end());
  try {
    app.parse(args);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "%s: error: %s\nRun '%s --help' for usage.\n", app.get_name().c_str(), e.what(),
                 app.get_name().c_str());
    return kExitUsage;
  }
  return -1;
}

int ApplyCommon(const CommonOptions& o, const char* applet) {
  log::SetVerbosity(o.verbosity);
  log::SetFormat(o.logging_format == "json" ? log::Format::kJson : log::Format::kText);
  Status s = FeatureGates::Global().Set(o.feature_gates);
  if (!s.ok()) {
    std::fprintf(stderr, "%s: error: invalid argument \"%s\" for \"--feature-gates\" flag: %s\n", applet,
                 o.feature_gates.c_str(), s.message().c_str());
    return kExitUsage;
  }
  return -1;
}

Result<std::unique_ptr<storage::Storage>> OpenStorage(const StorageOptions& o, bool in_process,
                                                      storage::Registry* registry) {
  Status s = storage::InitRegistry(registry);
  if (!s.ok()) return s;
  const storage::RegisteredLayer* layer = registry->Find(o.name);
  if (layer && !in_process && (layer->table->capabilities & PEDIA_STORAGE_CAP_IN_PROCESS_ONLY))
    return Status::InvalidArgument("storage \"" + o.name +
                                   "\" keeps its data inside one process and cannot be shared between "
                                   "components\nHINT:  Run \"pedia binding-apiserver --storage-name=" + o.name +
                                   "\", which runs the apiserver and the synchro together.");
  return registry->Open(o.name, o.config);
}

void PrintError(const char* applet, const Status& status) {
  std::fprintf(stderr, "%s: error: %s\n", applet, status.message().c_str());
}

int NotImplemented(const char* applet, const std::string& what) {
  std::fprintf(stderr, "%s: error: %s is not implemented yet\n", applet, what.c_str());
  return kExitFailure;
}

}  // namespace pedia::cmd
