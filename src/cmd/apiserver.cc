// pedia apiserver: serves the multi-cluster search API (clusterpedia.io/v1beta1)
// from storage (clusterpedia-spec §1.3).  Flags and wiring only; the work is
// in src/server.
#include "base/exit_status.h"
#include "base/log.h"
#include "base/shutdown.h"
#include "cmd/apiserver_serving.h"
#include "cmd/applets.h"
#include "cmd/common_flags.h"

namespace pedia::cmd {
namespace {

struct Options {
  CommonOptions common;
  StorageOptions storage;
  ServingOptions serving;
  std::string kubeconfig;
};

void Define(CLI::App* app, Options* o) {
  app->description("Serve the multi-cluster search API (clusterpedia.io/v1beta1) from storage.");
  AddCommonFlags(app, &o->common);
  AddStorageFlags(app, &o->storage, "internal");
  AddServingFlags(app, &o->serving);
  app->add_option("--kubeconfig", o->kubeconfig,
                  "accepted for compatibility; pedia reads clusters from storage, not from a host cluster")
      ->group("Misc");
}

}  // namespace

void DescribeApiserver(CLI::App* app) {
  static Options o;
  Define(app, &o);
}

int RunApiserver(int argc, char** argv) {
  shutdown::Install();  // before any thread starts, so all inherit the signal mask
  Options o;
  CLI::App app{"", argv[0]};
  Define(&app, &o);
  if (int rc = Parse(app, argc, argv); rc >= 0) return rc;
  if (int rc = ApplyCommon(o.common, argv[0]); rc >= 0) return rc;
  if (!o.kubeconfig.empty()) {
    PEDIA_LOG_INFO("--kubeconfig is not needed: clusters and their status are read from storage");
  }
  storage::Registry registry;
  auto store = OpenStorage(o.storage, /*in_process=*/false, &registry);
  if (!store.ok()) {
    PrintError(argv[0], store.status());
    return kExitFailure;
  }
  return Serve(argv[0], o.serving, store->get(), {}, nullptr);
}

}  // namespace pedia::cmd
