// /healthz, /livez and /readyz bodies in kube-apiserver's format
// (anchors-style-and-abi §3.3): "ok", or with ?verbose one "[+]name ok" line
// per check.  A failing check's reason goes to the log, never to the body.
#ifndef PEDIA_SERVER_HEALTH_H_
#define PEDIA_SERVER_HEALTH_H_

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"

namespace pedia::server {

struct HealthCheck {
  std::string name;
  std::function<Status()> run;
};

struct HealthResult {
  int code = 200;
  std::string body;
};

/// endpoint: "healthz", "livez", "readyz"; only: "" or one check's name
/// (/readyz/<name>); params: the query (verbose, exclude).
HealthResult RunHealthChecks(const std::string& endpoint, const std::string& only,
                             const std::vector<std::pair<std::string, std::string>>& params,
                             const std::vector<HealthCheck>& checks);

}  // namespace pedia::server

#endif  // PEDIA_SERVER_HEALTH_H_
