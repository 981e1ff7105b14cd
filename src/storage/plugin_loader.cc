#include "storage/plugin_loader.h"

namespace pedia::storage {

Result<const pedia_storage_plugin*> LoadPluginFile(const std::string& path, const CheckObserver&) {
  return Status::Unimplemented("loading storage plugins is not implemented yet (\"" + path + "\")");
}

}  // namespace pedia::storage
