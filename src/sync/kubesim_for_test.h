// Runs tests/kubesim as a child process for the synchro's tests and
// benchmark, and talks to its clusters and control endpoint.  The binary
// comes from $KUBESIM.  The destructor stops the process (by its pid).
#ifndef PEDIA_SYNC_KUBESIM_FOR_TEST_H_
#define PEDIA_SYNC_KUBESIM_FOR_TEST_H_

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "kube/rest_client.h"

namespace pedia::sync::testing {

class Kubesim {
 public:
  struct Cluster {
    std::string name, url, kubeconfig_path;
  };
  /// Starts kubesim with TLS and token auth plus extra_args; waits until it serves.
  static Result<std::unique_ptr<Kubesim>> Start(int clusters, int pods_per_cluster, const std::string& token,
                                                std::vector<std::string> extra_args = {});
  ~Kubesim();

  const std::vector<Cluster>& clusters() const { return clusters_; }
  const std::string& ca_file() const { return ca_file_; }
  /// POSTs a control action ("drop-watches", "compact", "down", "up", ...).
  Status Control(const std::string& cluster, const std::string& action);
  /// A request to a cluster with the token.
  Result<kube::HttpResponse> Request(const std::string& cluster, const std::string& method, const std::string& path,
                                     const std::string& body = "");
  /// key ("ns/name") -> resourceVersion of every object at path (a list URL).
  std::map<std::string, std::string> Snapshot(const std::string& cluster, const std::string& path);
  kube::Transport* transport() { return &transport_; }
  pid_t pid() const { return pid_; }

 private:
  Kubesim() = default;
  pid_t pid_ = -1;
  std::string dir_, control_, ca_file_, token_;
  std::vector<Cluster> clusters_;
  std::map<std::string, std::shared_ptr<const kube::ConnectionConfig>> configs_;
  kube::Transport transport_;
};

}  // namespace pedia::sync::testing

#endif  // PEDIA_SYNC_KUBESIM_FOR_TEST_H_
