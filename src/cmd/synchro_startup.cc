#include "cmd/synchro_startup.h"

#include "base/exit_status.h"

namespace pedia::cmd {

void AddSyncFlags(CLI::App* app, sync::SynchroOptions* o, const char* cluster_config_help) {
  app->add_option("--kubeconfig", o->host_kubeconfig,
                  "path to the host cluster's kubeconfig (PediaCluster objects come from there)")
      ->group("Misc");
  app->add_option("--cluster-config", o->cluster_config, cluster_config_help)->group("Misc");
  app->add_option("--worker-number", o->worker_number, "threads that process synced objects (must be > 0)")
      ->capture_default_str()
      ->group("Generic");
  app->add_option("--page-size", o->page_size, "list chunk size for the initial list and relists; 0: no limit")
      ->capture_default_str()
      ->group("Resource sync");
}

int OpenStorageAndSynchro(const char* applet, const StorageOptions& storage_options, bool in_process,
                          const sync::SynchroOptions& sync_options, storage::Registry* registry,
                          std::unique_ptr<storage::Storage>* store,
                          std::unique_ptr<sync::SynchroManager>* manager) {
  auto opened = OpenStorage(storage_options, in_process, registry);
  if (!opened.ok()) {
    PrintError(applet, opened.status());
    return kExitFailure;
  }
  *store = std::move(opened).value();
  auto created = sync::SynchroManager::Create(sync_options, store->get());
  if (!created.ok()) {
    PrintError(applet, created.status());
    return created.status().code() == Status::kInvalidArgument ? kExitUsage : kExitFailure;
  }
  *manager = std::move(created).value();
  return -1;
}

}  // namespace pedia::cmd
