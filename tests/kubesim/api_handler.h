// The Kubernetes REST surface of one simulated cluster: authentication,
// discovery, health, get/list/watch and writes, and the injected faults.
#ifndef PEDIA_TESTS_KUBESIM_API_HANDLER_H_
#define PEDIA_TESTS_KUBESIM_API_HANDLER_H_

#include <memory>
#include <string>

#include "cluster.h"
#include "scheduler.h"
#include "server/http_server.h"

namespace kubesim {

struct AuthConfig {
  std::string token;          // accepted bearer token; "" = none
  bool client_certs = false;  // a verified client certificate authenticates
  bool Required() const { return !token.empty() || client_certs; }
};

class ApiHandler {
 public:
  /// scheduler must outlive the handler.
  ApiHandler(std::shared_ptr<Cluster> cluster, AuthConfig auth, Scheduler* scheduler, std::string self_address);

  /// The pedia::http::Handler entry point; thread-safe.
  void Handle(pedia::http::Request&& request, std::shared_ptr<pedia::http::Responder> responder);

 private:
  void Serve(const pedia::http::Request& request, const std::shared_ptr<pedia::http::Responder>& responder);
  bool ServeDiscovery(const pedia::http::Request& request, pedia::http::Responder& responder);
  void ServeResource(const pedia::http::Request& request, const std::shared_ptr<pedia::http::Responder>& responder);

  std::shared_ptr<Cluster> cluster_;
  AuthConfig auth_;
  Scheduler* scheduler_;
  std::string self_address_;
};

/// A Kubernetes Status body.
std::string StatusJson(int code, const std::string& reason, const std::string& message,
                       const std::string& details_json = "");

}  // namespace kubesim

#endif  // PEDIA_TESTS_KUBESIM_API_HANDLER_H_
