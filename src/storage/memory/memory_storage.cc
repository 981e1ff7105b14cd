#include "storage/memory/memory_storage.h"

#include <pedia/storage_plugin.hpp>

namespace pedia::storage::memory {
namespace {

class MemoryLayer : public sdk::StorageLayer {
 public:
  static sdk::Status Open(std::string_view, std::string_view, std::unique_ptr<MemoryLayer>*) {
    return sdk::Status::Error(PEDIA_STORAGE_UNIMPLEMENTED, "the memory storage layer is not implemented yet");
  }
  sdk::Status WriteBatch(const sdk::Resource&, const std::vector<sdk::Write>&, size_t*) override { return No(); }
  sdk::Status List(const sdk::Query&, const sdk::RowSink&) override { return No(); }
  sdk::Status Get(std::string_view, const sdk::Gvr&, std::string_view, std::string_view,
                  const sdk::RowSink&) override { return No(); }
  sdk::Status ResourceVersions(std::string_view, const sdk::RvSink&) override { return No(); }
  sdk::Status CleanCluster(std::string_view) override { return No(); }
  sdk::Status CleanResource(std::string_view, const sdk::Gvr&) override { return No(); }
  sdk::Status PutCluster(std::string_view, std::string_view) override { return No(); }
  sdk::Status DeleteCluster(std::string_view) override { return No(); }
  sdk::Status ListClusters(const sdk::ClusterSink&) override { return No(); }

 private:
  static sdk::Status No() { return sdk::Status::Error(PEDIA_STORAGE_UNIMPLEMENTED, "not implemented yet"); }
};

}  // namespace

const pedia_storage_plugin* MemoryStorageTable() {
  return sdk::MakePluginTable<MemoryLayer>("memory", "0.1.0",
                                           PEDIA_STORAGE_CAP_GET | PEDIA_STORAGE_CAP_LIST | PEDIA_STORAGE_CAP_IN_PROCESS_ONLY);
}

}  // namespace pedia::storage::memory
