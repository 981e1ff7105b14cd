// The standalone cluster source (--cluster-config PATH): a YAML/JSON file, or
// a directory of *.yaml, *.yml and *.json files, holding PediaCluster and
// ClusterSyncResources manifests (several documents per file allowed).
//
// Changes are picked up without a restart by polling file names, sizes and
// modification times (works on every filesystem, including bind mounts and
// ConfigMap symlink swaps, where inotify misses events).  Invalid documents
// are logged with file, line and reason; a cluster whose manifest turns
// invalid keeps its last valid spec and is reported in `invalid`.
// Thread-safe; the listener runs on the source's polling thread.
#ifndef PEDIA_SYNC_MANIFEST_SOURCE_H_
#define PEDIA_SYNC_MANIFEST_SOURCE_H_

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "sync/cluster_source.h"

namespace pedia::sync {

class ManifestSource : public ClusterSource {
 public:
  explicit ManifestSource(std::string path, std::chrono::milliseconds poll = std::chrono::milliseconds(1000));
  ~ManifestSource() override;
  /// NotFound when the path does not exist.
  Status Start(Listener listener) override;
  void Stop() override;

  /// Parses the path once into a snapshot, starting from previous (for the
  /// keep-last-valid rule).  errors gets one "file:line: reason" per problem.
  static SourceSnapshot Read(const std::string& path, const SourceSnapshot& previous, std::vector<std::string>* errors);

 private:
  std::string Signature() const;
  void Poll();

  const std::string path_;
  const std::chrono::milliseconds poll_;
  Listener listener_;
  SourceSnapshot last_;
  std::string last_signature_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace pedia::sync

#endif  // PEDIA_SYNC_MANIFEST_SOURCE_H_
