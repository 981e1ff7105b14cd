// pedia binding-apiserver: the apiserver and the cluster synchro in one
// process (clusterpedia-spec §1.6), so that the memory storage layer can be
// shared between them.  Flags and wiring only.
#include "base/exit_status.h"
#include "base/shutdown.h"
#include "cmd/apiserver_serving.h"
#include "cmd/applets.h"
#include "cmd/common_flags.h"
#include "cmd/synchro_startup.h"
#include "sync/synchro_manager.h"

namespace pedia::cmd {
namespace {

struct Options {
  CommonOptions common;
  StorageOptions storage;
  ServingOptions serving;
  sync::SynchroOptions sync;
};

void Define(CLI::App* app, Options* o) {
  app->description("Run the apiserver and the cluster synchro in one process; the only way to use memory storage.");
  AddCommonFlags(app, &o->common);
  AddStorageFlags(app, &o->storage, "memory");
  AddServingFlags(app, &o->serving);
  AddSyncFlags(app, &o->sync,
               "standalone mode: a YAML file or directory of PediaCluster and ClusterSyncResources manifests");
}

}  // namespace

void DescribeBindingApiserver(CLI::App* app) {
  static Options o;
  Define(app, &o);
}

int RunBindingApiserver(int argc, char** argv) {
  Options o;
  o.sync.worker_number = 1;  // Clusterpedia's binding-apiserver runs one worker
  o.sync.leader_elect = false;
  CLI::App app{"", argv[0]};
  Define(&app, &o);
  if (int rc = Parse(app, argc, argv); rc >= 0) return rc;
  if (int rc = ApplyCommon(o.common, argv[0]); rc >= 0) return rc;
  // After the flags (--help and usage errors start no thread), before any
  // thread starts, so that all inherit the signal mask.
  shutdown::Install();
  storage::Registry registry;
  std::unique_ptr<storage::Storage> store;
  std::unique_ptr<sync::SynchroManager> manager;
  if (int rc = OpenStorageAndSynchro(argv[0], o.storage, /*in_process=*/true, o.sync, &registry, &store, &manager);
      rc >= 0)
    return rc;
  if (Status s = manager->Start(); !s.ok()) {
    PrintError(argv[0], s);
    return kExitFailure;
  }
  sync::SynchroManager* mgr = manager.get();
  return Serve(argv[0], o.serving, store.get(), {{"synchro", [mgr] { return mgr->Ready(); }}}, [mgr] { mgr->Stop(); });
}

}  // namespace pedia::cmd
