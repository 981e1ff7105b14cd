// pedia __complete KIND (hidden): values the completion scripts cannot know
// in advance.  "storage-names": the built-in layers, then the plugins in
// $STORAGE_PLUGINS whose manifest is compatible.  Reads manifests only (no
// dlopen), so completing never runs plugin code.

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "base/exit_status.h"
#include "base/string_util.h"
#include "cmd/applets.h"
#include "cmd/common_flags.h"
#include "storage/elf_manifest.h"
#include "storage/registry.h"

namespace pedia::cmd {
namespace {

std::vector<std::string> StorageNames() {
  storage::Registry registry;
  std::vector<std::string> names;
  if (storage::RegisterBuiltins(&registry).ok()) names = registry.Names();
  const char* dir = std::getenv("STORAGE_PLUGINS");
  if (!dir || !*dir) return names;
  Result<std::vector<std::string>> files = storage::PluginFiles(dir);
  if (!files.ok()) return names;  // completion stays quiet
  for (const std::string& f : files.value()) {
    Result<storage::PluginFileInfo> info = storage::ReadPluginFile(f);
    if (!info.ok() || !info->manifest_status.ok()) continue;
    if (!storage::CheckAbiCompatible(info->manifest, f).ok()) continue;
    if (std::find(names.begin(), names.end(), info->manifest.name) == names.end()) names.push_back(info->manifest.name);
  }
  return names;
}

struct CompleteOptions {
  std::string kind;
};

void Define(CLI::App* app, CompleteOptions* o) {
  app->description("Print completion candidates, one per line (used by the completion scripts).");
  app->add_option("kind", o->kind, "what to complete: storage-names")
      ->required()
      ->check(CLI::IsMember({"storage-names"}));
}

}  // namespace

void DescribeDynamicCompletion(CLI::App* app) {
  static CompleteOptions o;
  Define(app, &o);
}

int RunDynamicCompletion(int argc, char** argv) {
  CompleteOptions o;
  CLI::App app{"", argv[0]};
  Define(&app, &o);
  if (int rc = Parse(app, argc, argv); rc >= 0) return rc;
  for (const std::string& name : StorageNames()) std::printf("%s\n", name.c_str());
  return kExitSuccess;
}

}  // namespace pedia::cmd
