// Start-up shared by the applets that run a synchro (clustersynchro-manager,
// binding-apiserver): open the storage layer, then create the manager.
// Includes CLI11 through common_flags.h, so only src/cmd includes it.
#ifndef PEDIA_CMD_SYNCHRO_STARTUP_H_
#define PEDIA_CMD_SYNCHRO_STARTUP_H_

#include <memory>

#include "cmd/common_flags.h"
#include "sync/synchro_manager.h"

namespace pedia::cmd {

/// The synchro's flags both applets share: --kubeconfig, --cluster-config
/// (with the applet's own help text), --worker-number and --page-size.
void AddSyncFlags(CLI::App* app, sync::SynchroOptions* o, const char* cluster_config_help);

/// Opens the storage (see OpenStorage) and creates a SynchroManager on it.
/// Returns -1 to go on, or the exit code after printing the error: 2 for
/// invalid synchro options, 1 for any other failure.
int OpenStorageAndSynchro(const char* applet, const StorageOptions& storage_options, bool in_process,
                          const sync::SynchroOptions& sync_options, storage::Registry* registry,
                          std::unique_ptr<storage::Storage>* store,
                          std::unique_ptr<sync::SynchroManager>* manager);

}  // namespace pedia::cmd

#endif  // PEDIA_CMD_SYNCHRO_STARTUP_H_
