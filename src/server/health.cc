#include "server/health.h"

#include <algorithm>

#include "base/log.h"

namespace pedia::server {

HealthResult RunHealthChecks(const std::string& endpoint, const std::string& only,
                             const std::vector<std::pair<std::string, std::string>>& params,
                             const std::vector<HealthCheck>& checks) {
  bool verbose = false;
  std::vector<std::string> excluded;
  for (const auto& [k, v] : params) {
    if (k == "verbose") verbose = v.empty() || v == "true" || v == "1";
    if (k == "exclude") excluded.push_back(v);
  }
  HealthResult r;
  if (!only.empty()) {
    for (const HealthCheck& c : checks) {
      if (c.name != only) continue;
      Status s = c.run();
      if (!s.ok())
        PEDIA_LOG_WARNING("health check failed", {"endpoint", endpoint}, {"check", c.name}, {"reason", s.message()});
      r.code = s.ok() ? 200 : 500;
      r.body = s.ok() ? "ok" : "internal server error: " + c.name + " failed: reason withheld\n";
      return r;
    }
    r.code = 404;
    r.body = "404 page not found\n";
    return r;
  }
  std::string lines;
  bool failed = false;
  for (const HealthCheck& c : checks) {
    if (std::find(excluded.begin(), excluded.end(), c.name) != excluded.end()) {
      lines += "[+]" + c.name + " excluded: ok\n";
      continue;
    }
    Status s = c.run();
    if (s.ok()) {
      lines += "[+]" + c.name + " ok\n";
    } else {
      failed = true;
      lines += "[-]" + c.name + " failed: reason withheld\n";
      PEDIA_LOG_WARNING("health check failed", {"endpoint", endpoint}, {"check", c.name}, {"reason", s.message()});
    }
  }
  for (const std::string& e : excluded) {
    bool known = std::any_of(checks.begin(), checks.end(), [&](const HealthCheck& c) { return c.name == e; });
    if (!known) lines += "warn: some health checks cannot be excluded: no matches for \"" + e + "\"\n";
  }
  if (failed) {
    r.code = 500;
    r.body = lines + endpoint + " check failed\n";
  } else if (verbose) {
    r.body = lines + endpoint + " check passed\n";
  } else {
    r.body = "ok";
  }
  return r;
}

}  // namespace pedia::server
