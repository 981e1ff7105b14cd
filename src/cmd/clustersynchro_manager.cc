// pedia clustersynchro-manager: syncs member clusters into storage
// (clusterpedia-spec §1.4).  Flags and wiring only; the work is in src/sync.
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <tuple>

#include "base/exit_status.h"
#include "base/log.h"
#include "base/metrics.h"
#include "base/shutdown.h"
#include "cmd/applets.h"
#include "cmd/common_flags.h"
#include "server/http_server.h"
#include "cmd/synchro_startup.h"
#include "sync/synchro_manager.h"

namespace pedia::cmd {
namespace {

struct Options {
  CommonOptions common;
  StorageOptions storage;
  sync::SynchroOptions sync;
  std::string leader_elect_lease_duration = "15s";
  std::string leader_elect_renew_deadline = "10s";
  std::string leader_elect_retry_period = "2s";
  std::string leader_elect_resource_lock = "leases";
  std::string metrics_host = "::";
  int metrics_port = 8081;
};

void Define(CLI::App* app, Options* o) {
  app->description("Sync member clusters' objects into storage and keep them current.");
  AddCommonFlags(app, &o->common);
  AddStorageFlags(app, &o->storage, "internal");
  AddSyncFlags(app, &o->sync,
               "standalone mode: a YAML file or directory of PediaCluster and ClusterSyncResources manifests, "
               "re-read when it changes");
  app->add_option("--leader-elect", o->sync.leader_elect, "elect a leader before syncing (host-cluster mode)")
      ->capture_default_str()
      ->group("Leader election");
  app->add_option("--leader-elect-lease-duration", o->leader_elect_lease_duration, "lease duration")
      ->capture_default_str()
      ->group("Leader election");
  app->add_option("--leader-elect-renew-deadline", o->leader_elect_renew_deadline, "renew deadline")
      ->capture_default_str()
      ->group("Leader election");
  app->add_option("--leader-elect-retry-period", o->leader_elect_retry_period, "retry period")
      ->capture_default_str()
      ->group("Leader election");
  app->add_option("--leader-elect-resource-lock", o->leader_elect_resource_lock, "lock type (only leases)")
      ->capture_default_str()
      ->group("Leader election");
  app->add_option("--leader-elect-resource-name", o->sync.leader_elect_name, "lease name")
      ->capture_default_str()
      ->group("Leader election");
  app->add_option("--leader-elect-resource-namespace", o->sync.leader_elect_namespace, "lease namespace")
      ->capture_default_str()
      ->group("Leader election");
  app->add_option("--metrics-host", o->metrics_host, "address of the /metrics and health server")
      ->capture_default_str()
      ->group("Metrics");
  app->add_option("--metrics-port", o->metrics_port, "port of the /metrics and health server; 0: disabled")
      ->capture_default_str()
      ->group("Metrics");
}

// Go-style durations: "15s", "1m30s", "500ms", "2h".
bool ParseDuration(const std::string& text, std::chrono::milliseconds* out) {
  if (text.empty()) return false;
  double total_ms = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
    if (i == start) return false;
    double value = std::atof(text.substr(start, i - start).c_str());
    size_t unit_start = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    std::string unit = text.substr(unit_start, i - unit_start);
    if (unit == "ms")
      total_ms += value;
    else if (unit == "s")
      total_ms += value * 1000;
    else if (unit == "m")
      total_ms += value * 60000;
    else if (unit == "h")
      total_ms += value * 3600000;
    else
      return false;
  }
  if (total_ms <= 0) return false;
  *out = std::chrono::milliseconds(static_cast<int64_t>(total_ms));
  return true;
}

http::Response Text(int status, std::string body, const char* type = "text/plain; charset=utf-8") {
  http::Response r;
  r.status = status;
  r.headers.emplace_back("Content-Type", type);
  r.body = std::move(body);
  return r;
}

}  // namespace

void DescribeClustersynchroManager(CLI::App* app) {
  static Options o;
  Define(app, &o);
}

int RunClustersynchroManager(int argc, char** argv) {
  Options o;
  CLI::App app{"", argv[0]};
  Define(&app, &o);
  if (int rc = Parse(app, argc, argv); rc >= 0) return rc;
  if (int rc = ApplyCommon(o.common, argv[0]); rc >= 0) return rc;
  // After the flags (--help and usage errors start no thread), before any
  // thread starts, so that all inherit the signal mask.
  shutdown::Install();
  for (auto [flag, text, out] :
       {std::tuple{"--leader-elect-lease-duration", &o.leader_elect_lease_duration,
                   &o.sync.leader_elect_lease_duration},
        std::tuple{"--leader-elect-renew-deadline", &o.leader_elect_renew_deadline,
                   &o.sync.leader_elect_renew_deadline},
        std::tuple{"--leader-elect-retry-period", &o.leader_elect_retry_period, &o.sync.leader_elect_retry_period}}) {
    if (!ParseDuration(*text, out)) {
      PrintError(argv[0], Status::InvalidArgument(std::string("invalid ") + flag + " \"" + *text +
                                                  "\"\nHINT: use a duration such as 15s, 1m30s or 500ms"));
      return kExitUsage;
    }
  }
  if (o.leader_elect_resource_lock != "leases") {
    PrintError(argv[0], Status::InvalidArgument("--leader-elect-resource-lock must be \"leases\", got \"" +
                                                o.leader_elect_resource_lock + "\""));
    return kExitUsage;
  }

  storage::Registry registry;
  std::unique_ptr<storage::Storage> store;
  std::unique_ptr<sync::SynchroManager> manager;
  if (int rc = OpenStorageAndSynchro(argv[0], o.storage, /*in_process=*/false, o.sync, &registry, &store, &manager);
      rc >= 0)
    return rc;

  std::unique_ptr<http::Server> server;
  if (o.metrics_port != 0) {
    storage::Storage* st = store.get();
    sync::SynchroManager* mgr = manager.get();
    http::ServerOptions so;
    so.bind_address = o.metrics_host;
    so.port = o.metrics_port;
    so.io_threads = 1;
    server = std::make_unique<http::Server>(so, [st, mgr](http::Request&& req, std::shared_ptr<http::Responder> r) {
      if (req.method != "GET" && req.method != "HEAD") return r->Send(Text(405, "method not allowed\n"));
      if (req.path == "/metrics") {
        return r->Send(Text(200, metrics::Registry::Global().Render(), "text/plain; version=0.0.4; charset=utf-8"));
      }
      if (req.path == "/healthz" || req.path == "/livez") return r->Send(Text(200, "ok"));
      if (req.path == "/readyz") {
        Status s = st->Ready();
        if (s.ok()) s = mgr->Ready();
        if (!s.ok()) return r->Send(Text(503, "[-]" + s.message() + "\nreadyz check failed\n"));
        return r->Send(Text(200, "ok"));
      }
      if (req.path == "/")
        return r->Send(Text(200, "pedia clustersynchro-manager: /metrics /healthz /readyz /livez\n"));
      r->Send(Text(404, "not found\n"));
    });
    if (Status s = server->Start(); !s.ok()) {
      PrintError(argv[0], s.Annotate("metrics server"));
      return kExitFailure;
    }
    PEDIA_LOG_INFO("serving metrics and health", {"address", o.metrics_host}, {"port", server->port()});
  }

  if (Status s = manager->Start(); !s.ok()) {
    PrintError(argv[0], s);
    return kExitFailure;
  }
  PEDIA_LOG_INFO("clustersynchro-manager started", {"clusterConfig", o.sync.cluster_config},
                 {"workers", o.sync.worker_number});
  shutdown::Wait();
  PEDIA_LOG_INFO("shutting down");
  manager->Stop();
  if (server) server->Stop(std::chrono::milliseconds(1000));
  return kExitSuccess;
}

}  // namespace pedia::cmd
