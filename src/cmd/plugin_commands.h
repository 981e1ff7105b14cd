// The three `pedia plugin` subcommands, behind src/cmd/plugin.cc's flags.
// Each prints its result and returns the process exit code.
#ifndef PEDIA_CMD_PLUGIN_COMMANDS_H_
#define PEDIA_CMD_PLUGIN_COMMANDS_H_

#include <string>

namespace pedia::cmd {

struct PluginListOptions {
  std::string dir;     // empty: $STORAGE_PLUGINS
  std::string output;  // "table" or "json"
};
/// Reads the manifest of every *.so in the directory (never dlopen).
int PluginList(const PluginListOptions& options, const char* applet);

struct PluginInspectOptions {
  std::string file;
  std::string output;  // "text" or "json"
};
/// Prints everything known about one file without running it.  Exit 0 when
/// the plugin is compatible with this pedia, 1 otherwise.
int PluginInspect(const PluginInspectOptions& options, const char* applet);

struct PluginValidateOptions {
  std::string file;
  std::string storage_config;
  std::string timeout = "60s";  // per check
};
/// Runs the loader checks, open and the conformance suite in a child
/// process.  Exit 0 only when every check passes.
int PluginValidate(const PluginValidateOptions& options, const char* applet);

}  // namespace pedia::cmd

#endif  // PEDIA_CMD_PLUGIN_COMMANDS_H_
