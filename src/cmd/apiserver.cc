// pedia apiserver: parses its flags, then refuses to run until it is built.
#include "cmd/applets.h"
#include "cmd/common_flags.h"

namespace pedia::cmd {
namespace {

struct Options {
  CommonOptions common;
  StorageOptions storage;
  std::string kubeconfig;
};

void Define(CLI::App* app, Options* o) {
  app->description("Serve the multi-cluster search API (clusterpedia.io/v1beta1) from storage.");
  AddCommonFlags(app, &o->common);
  AddStorageFlags(app, &o->storage, "internal");
  app->add_option("--kubeconfig", o->kubeconfig, "path to the host cluster's kubeconfig")->group("Misc");
}

}  // namespace

void DescribeApiserver(CLI::App* app) {
  static Options o;
  Define(app, &o);
}

int RunApiserver(int argc, char** argv) {
  Options o;
  CLI::App app{"", argv[0]};
  Define(&app, &o);
  if (int rc = Parse(app, argc, argv); rc >= 0) return rc;
  if (int rc = ApplyCommon(o.common, argv[0]); rc >= 0) return rc;
  return NotImplemented(argv[0], "apiserver");
}

}  // namespace pedia::cmd
