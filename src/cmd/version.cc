// pedia version [-o json|yaml]
#include <cstdio>

#include "base/build_info.h"
#include "base/exit_status.h"
#include "cmd/applets.h"
#include "cmd/common_flags.h"

namespace pedia::cmd {
namespace {

struct VersionOptions {
  std::string output;
};

void Define(CLI::App* app, VersionOptions* o) {
  app->description("Print version and build information of this pedia binary.");
  app->add_option("-o,--output", o->output, "output format: json or yaml (default: human-readable lines)")
      ->check(CLI::IsMember({"", "json", "yaml"}));
}

}  // namespace

void DescribeVersion(CLI::App* app) {
  static VersionOptions o;
  Define(app, &o);
}

int RunVersion(int argc, char** argv) {
  VersionOptions o;
  CLI::App app{"", argv[0]};
  Define(&app, &o);
  if (int rc = Parse(app, argc, argv); rc >= 0) return rc;
  const BuildInfo& b = GetBuildInfo();
  if (o.output == "json") {
    std::printf("%s\n", BuildInfoJson().c_str());
  } else if (o.output == "yaml") {
    std::printf("gitVersion: %s\ngitCommit: %s\ngitTreeState: %s\nbuildDate: \"%s\"\ncompiler: %s\nplatform: %s\nstorageAbi: \"%s\"\n",
                b.git_version.c_str(), b.git_commit.c_str(), b.git_tree_state.c_str(), b.build_date.c_str(),
                b.compiler.c_str(), b.platform.c_str(), b.storage_abi.c_str());
  } else {
    std::fputs(BuildInfoText().c_str(), stdout);
  }
  return kExitSuccess;
}

}  // namespace pedia::cmd
