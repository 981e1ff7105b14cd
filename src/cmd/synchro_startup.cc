#include "cmd/synchro_startup.h"

#include "base/exit_status.h"

namespace pedia::cmd {

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
