// Serving flags and the serve loop shared by `pedia apiserver` and
// `pedia binding-apiserver`: HTTPS, authentication, limits, health and
// graceful shutdown around server::ApiServer.  Includes CLI11: src/cmd only.
#ifndef PEDIA_CMD_APISERVER_SERVING_H_
#define PEDIA_CMD_APISERVER_SERVING_H_

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "storage/storage.h"

namespace pedia::cmd {

struct ServingOptions {
  std::string bind_address = "0.0.0.0";
  int secure_port = 443;
  std::string cert_dir = "apiserver.local.config/certificates";
  std::string tls_cert_file, tls_private_key_file;
  std::string client_ca_file;
  std::string token_auth_file;
  std::string requestheader_client_ca_file;
  std::vector<std::string> requestheader_allowed_names;
  std::vector<std::string> requestheader_username_headers = {"X-Remote-User"};
  std::vector<std::string> requestheader_group_headers = {"X-Remote-Group"};
  bool anonymous_auth = false;
  int max_requests_inflight = 0;
  int io_threads = 2;
  int workers = 4;
  int request_timeout_seconds = 60;
  int min_request_timeout_seconds = 1800;
};

/// Adds the secure-serving, authentication and generic flag groups.
void AddServingFlags(CLI::App* app, ServingOptions* options);

/// Serves until SIGTERM/SIGINT, then shuts down gracefully.  on_stop runs
/// after the HTTP server stopped (binding-apiserver stops its synchro
/// there).  Returns the exit code.
int Serve(const char* applet, const ServingOptions& options, storage::Storage* storage,
          std::vector<std::pair<std::string, std::function<Status()>>> ready_checks,
          const std::function<void()>& on_stop);

}  // namespace pedia::cmd

#endif  // PEDIA_CMD_APISERVER_SERVING_H_
