// kubesim: simulates one or many Kubernetes API servers in one process, each
// cluster on its own port, for tests, benchmarks and the demo.  See README.md.
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "api_handler.h"
#include "base/json_text.h"
#include "base/log.h"
#include "base/string_util.h"
#include "cluster.h"
#include "generator.h"
#include "pki.h"
#include "scheduler.h"
#include "server/http_server.h"

namespace kubesim {
namespace {

using pedia::Status;
using pedia::http::Request;
using pedia::http::Responder;
using pedia::http::JsonResponse;
using pedia::http::Response;

struct Flags {
  int clusters = 1;
  std::string name_prefix = "cluster-";
  int base_port = 0;
  int control_port = 0;
  bool tls = false;
  std::string token;
  bool client_cert_auth = false;
  std::string ca_out;
  std::string kubeconfig_dir;
  std::string state_file;
  int pods = 0;
  int namespaces = 10;
  int pods_per_deployment = 10;
  size_t history_events = 10000;
  int bookmark_interval = 60;
  std::string k8s_version = "v1.30.2";
  bool host_mode = false;
  int io_threads = 2;
  uint64_t seed = 1;
  int verbosity = 0;
};

// One cluster's HTTP endpoint; Down() and Up() stop and restart the
// listener (connections refused in between) and keep the data.
class ClusterEndpoint {
 public:
  ClusterEndpoint(std::shared_ptr<Cluster> cluster, pedia::http::ServerOptions options,
                  std::shared_ptr<ApiHandler> handler)
      : cluster_(std::move(cluster)), options_(std::move(options)), handler_(std::move(handler)) {}

  Status Up() {
    std::lock_guard lock(mu_);
    if (server_) return Status::Ok();
    auto handler = handler_;
    server_ = std::make_unique<pedia::http::Server>(
        options_, [handler](Request&& r, std::shared_ptr<Responder> resp) { handler->Handle(std::move(r), resp); });
    Status s = server_->Start();
    if (!s.ok()) {
      server_.reset();
      return s;
    }
    options_.port = server_->port();  // a restart reuses the port
    return Status::Ok();
  }
  void Down() {
    std::unique_ptr<pedia::http::Server> server;
    {
      std::lock_guard lock(mu_);
      server = std::move(server_);
    }
    cluster_->DropWatches();
    if (server) server->Stop(std::chrono::milliseconds(200));
  }
  bool IsUp() {
    std::lock_guard lock(mu_);
    return server_ != nullptr;
  }
  int port() {
    std::lock_guard lock(mu_);
    return options_.port;
  }
  std::string Url() {
    return std::string(options_.tls_cert_file.empty() ? "http" : "https") + "://127.0.0.1:" + std::to_string(port());
  }
  Cluster& cluster() { return *cluster_; }

 private:
  std::shared_ptr<Cluster> cluster_;
  pedia::http::ServerOptions options_;
  std::shared_ptr<ApiHandler> handler_;
  std::mutex mu_;
  std::unique_ptr<pedia::http::Server> server_;
};


std::string ClusterJson(const std::string& name, ClusterEndpoint& e) {
  std::string s = "{\"name\":";
  pedia::AppendJsonQuoted(s, name);
  s += ",\"url\":\"" + e.Url() + "\",\"port\":" + std::to_string(e.port()) +
       ",\"up\":" + (e.IsUp() ? "true" : "false") + ",\"resourceVersion\":" + std::to_string(e.cluster().CurrentRv()) +
       ",\"objects\":" + std::to_string(e.cluster().ObjectCount()) +
       ",\"watches\":" + std::to_string(e.cluster().WatchCount()) + "}";
  return s;
}

// The control endpoint (plain HTTP on loopback): see README.md.
void Control(std::map<std::string, std::unique_ptr<ClusterEndpoint>>& endpoints, const Request& request,
             Responder& responder) {
  auto seg = [&] {
    std::vector<std::string> out;
    std::string cur;
    for (char c : request.path + "/") {
      if (c == '/') {
        if (!cur.empty()) out.push_back(cur);
        cur.clear();
      } else {
        cur += c;
      }
    }
    return out;
  }();
  auto query = pedia::http::ParseQuery(request.query);
  auto param = [&](const std::string& key) -> std::string {
    for (auto& [k, v] : query) {
      if (k == key) return v;
    }
    return "";
  };
  if (seg.size() == 1 && seg[0] == "clusters" && request.method == "GET") {
    std::string s = "{\"clusters\":[";
    bool first = true;
    for (auto& [name, e] : endpoints) {
      if (!first) s += ",";
      first = false;
      s += ClusterJson(name, *e);
    }
    return responder.Send(JsonResponse(200, s + "]}"));
  }
  if (seg.size() != 3 || seg[0] != "clusters") {
    return responder.Send(JsonResponse(404, R"({"error":"unknown control path; see tests/kubesim/README.md"})"));
  }
  std::vector<std::pair<std::string, ClusterEndpoint*>> targets;
  for (auto& [name, e] : endpoints) {
    if (seg[1] == "*" || seg[1] == name) targets.emplace_back(name, e.get());
  }
  if (targets.empty()) return responder.Send(JsonResponse(404, R"({"error":"no such cluster"})"));
  if (request.method != "POST") {
    return responder.Send(JsonResponse(405, R"({"error":"control actions are POST requests"})"));
  }
  const std::string& action = seg[2];
  auto int_param = [&](const std::string& key, long long fallback) {
    long long v = fallback;
    std::string s = param(key);
    if (!s.empty() && !pedia::ParseInt64(s, &v)) v = fallback;
    return v;
  };
  for (auto& [name, e] : targets) {
    Cluster& c = e->cluster();
    if (action == "drop-watches") {
      c.DropWatches();
    } else if (action == "down") {
      e->Down();
    } else if (action == "up") {
      Status s = e->Up();
      if (!s.ok()) return responder.Send(JsonResponse(500, "{\"error\":" + pedia::JsonQuote(s.message()) + "}"));
    } else if (action == "delay") {
      c.faults().delay_ms = static_cast<int>(int_param("ms", 0));
    } else if (action == "fail") {
      long long code = int_param("code", 500);
      if (code != 0 && (code < 400 || code > 599)) {
        return responder.Send(JsonResponse(400, R"({"error":"code must be 0 or 400-599"})"));
      }
      c.faults().fail_count = static_cast<int>(int_param("count", -1));
      c.faults().fail_code = static_cast<int>(code);
    } else if (action == "clear-faults") {
      c.faults().fail_code = 0;
      c.faults().fail_count = 0;
      c.faults().delay_ms = 0;
    } else if (action == "compact") {
      c.Compact();
    } else if (action == "restart") {
      c.NewEpoch(static_cast<uint64_t>(std::max(0LL, int_param("rv", 0))));
    } else if (action == "bookmark") {
      c.SendBookmarks();
    } else {
      return responder.Send(JsonResponse(404, R"({"error":"unknown action; see tests/kubesim/README.md"})"));
    }
  }
  std::string s = "{\"clusters\":[";
  for (size_t i = 0; i < targets.size(); ++i) {
    if (i) s += ",";
    s += ClusterJson(targets[i].first, *targets[i].second);
  }
  responder.Send(JsonResponse(200, s + "]}"));
}

Status WriteKubeconfig(const std::string& path, const std::string& name, const std::string& url, const PkiFiles* pki,
                       const std::string& token, bool use_cert) {
  std::ofstream out(path, std::ios::trunc);
  if (!out) return Status::InvalidArgument("cannot write kubeconfig \"" + path + "\"");
  out << "apiVersion: v1\nkind: Config\nclusters:\n- name: " << name << "\n  cluster:\n    server: " << url << "\n";
  if (pki) out << "    certificate-authority: " << pki->ca_cert << "\n";
  out << "users:\n- name: " << name << "-user\n  user:\n";
  if (use_cert && pki) {
    out << "    client-certificate: " << pki->client_cert << "\n    client-key: " << pki->client_key << "\n";
  } else if (!token.empty()) {
    out << "    token: " << token << "\n";
  } else {
    out << "    {}\n";
  }
  out << "contexts:\n- name: " << name << "\n  context:\n    cluster: " << name << "\n    user: " << name
      << "-user\ncurrent-context: " << name << "\n";
  out.close();
  ::chmod(path.c_str(), 0600);
  return out ? Status::Ok() : Status::Internal("writing kubeconfig \"" + path + "\" failed");
}

int Main(int argc, char** argv) {
  Flags f;
  CLI::App app{"kubesim: a Kubernetes API simulator serving many clusters on loopback (tests/kubesim/README.md)"};
  app.add_option("--clusters", f.clusters, "number of clusters")->check(CLI::Range(1, 1000));
  app.add_option("--name-prefix", f.name_prefix, "cluster names are <prefix><index>");
  app.add_option("--base-port", f.base_port, "first cluster port; the next ones follow (0: ephemeral ports)");
  app.add_option("--control-port", f.control_port, "control endpoint port (0: ephemeral)");
  app.add_flag("--tls", f.tls, "serve HTTPS (certificates from --ca-out, generated if missing)");
  app.add_option("--token", f.token, "bearer token clusters accept");
  app.add_flag("--client-cert-auth", f.client_cert_auth, "accept client certificates signed by the test CA (--tls)");
  app.add_option("--ca-out", f.ca_out, "directory for the test PKI (ca.crt, server.*, client.*)");
  app.add_option("--kubeconfig-dir", f.kubeconfig_dir, "write <cluster>.kubeconfig (and <cluster>-cert.kubeconfig)");
  app.add_option("--state-file", f.state_file, "write the clusters' URLs as JSON here once serving");
  app.add_option("--pods-per-cluster", f.pods, "generated pods per cluster");
  app.add_option("--namespaces", f.namespaces, "generated application namespaces per cluster");
  app.add_option("--pods-per-deployment", f.pods_per_deployment, "pods per generated deployment");
  app.add_option("--history-events", f.history_events, "watch history kept per cluster (the compaction window)");
  app.add_option("--bookmark-interval", f.bookmark_interval, "seconds between BOOKMARK events")
      ->check(CLI::Range(1, 3600));
  app.add_option("--k8s-version", f.k8s_version, "version reported by /version");
  app.add_flag("--host-mode", f.host_mode, "also serve leases and the clusterpedia CRDs (a host cluster)");
  app.add_option("--io-threads", f.io_threads, "I/O threads per cluster")->check(CLI::Range(1, 64));
  app.add_option("--seed", f.seed, "random seed for uids and names");
  app.add_option("-v", f.verbosity, "log verbosity");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  pedia::log::SetVerbosity(f.verbosity);
  if (f.client_cert_auth && !f.tls) {
    std::cerr << "error: --client-cert-auth needs --tls\n";
    return 2;
  }
  if (f.history_events == 0) f.history_events = 1;

  // SIGINT/SIGTERM are taken by sigwait below; block them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  std::optional<PkiFiles> pki;
  if (f.tls) {
    std::string dir = f.ca_out;
    if (dir.empty()) {
      char tmpl[] = "/tmp/kubesim-pki-XXXXXX";
      if (!mkdtemp(tmpl)) {
        std::cerr << "error: cannot create a temporary directory\n";
        return 1;
      }
      dir = tmpl;
    }
    auto made = MakePki(dir);
    if (!made.ok()) {
      std::cerr << "error: " << made.status().message() << "\n";
      return 1;
    }
    pki = *made;
  }

  Scheduler scheduler;
  std::map<std::string, std::unique_ptr<ClusterEndpoint>> endpoints;
  std::vector<std::string> order;
  AuthConfig auth{f.token, f.client_cert_auth};
  if (!auth.Required()) PEDIA_LOG_WARNING("clusters accept anonymous requests (no --token or --client-cert-auth)");
  // Generation dominates start-up; clusters are independent, so fill them in parallel.
  std::vector<std::shared_ptr<Cluster>> made(static_cast<size_t>(f.clusters));
  std::vector<Status> outcomes(made.size());
  {
    std::atomic<size_t> next{0};
    std::vector<std::thread> workers;
    size_t threads = std::max(1u, std::min<unsigned>(std::thread::hardware_concurrency(), f.clusters));
    for (size_t t = 0; t < threads; ++t) {
      workers.emplace_back([&] {
        for (size_t i; (i = next++) < made.size();) {
          ClusterOptions co;
          co.name = f.name_prefix + std::to_string(i);
          co.host_mode = f.host_mode;
          co.history_events = f.history_events;
          co.k8s_version = f.k8s_version;
          co.seed = f.seed * 1000003 + i;
          made[i] = std::make_shared<Cluster>(co);
          GenerateOptions go;
          go.pods = f.pods;
          go.namespaces = f.namespaces;
          go.pods_per_deployment = f.pods_per_deployment;
          Status s = Populate(*made[i], go);
          if (s.ok() && f.host_mode) s = AddHostClusterKinds(*made[i]);
          if (s.ok()) made[i]->Compact();
          outcomes[i] = s;
        }
      });
    }
    for (auto& w : workers) w.join();
  }
  for (int i = 0; i < f.clusters; ++i) {
    auto cluster = made[static_cast<size_t>(i)];
    const ClusterOptions& co = cluster->options();
    Status s = outcomes[static_cast<size_t>(i)];
    if (!s.ok()) {
      std::cerr << "error: " << s.message() << "\n";
      return 1;
    }
    pedia::http::ServerOptions so;
    so.port = f.base_port > 0 ? f.base_port + i : 0;
    so.io_threads = f.io_threads;
    if (pki) {
      so.tls_cert_file = pki->server_cert;
      so.tls_key_file = pki->server_key;
      if (f.client_cert_auth) so.client_ca_files = {pki->ca_cert};
    }
    auto handler = std::make_shared<ApiHandler>(cluster, auth, &scheduler, "127.0.0.1:" + std::to_string(so.port));
    auto endpoint = std::make_unique<ClusterEndpoint>(cluster, so, handler);
    s = endpoint->Up();
    if (!s.ok()) {
      std::cerr << "error: cluster " << co.name << ": " << s.message() << "\n";
      return 1;
    }
    order.push_back(co.name);
    endpoints.emplace(co.name, std::move(endpoint));
  }

  pedia::http::ServerOptions control_options;
  control_options.port = f.control_port;
  pedia::http::Server control(control_options,
                              [&](Request&& r, std::shared_ptr<Responder> resp) { Control(endpoints, r, *resp); });
  if (Status s = control.Start(); !s.ok()) {
    std::cerr << "error: control endpoint: " << s.message() << "\n";
    return 1;
  }

  // Periodic work: watch deadlines and bookmarks.
  std::function<void()> expire = [&] {
    for (auto& [name, e] : endpoints) e->cluster().ExpireWatches();
    scheduler.After(std::chrono::milliseconds(200), expire);
  };
  std::function<void()> bookmark = [&] {
    for (auto& [name, e] : endpoints) e->cluster().SendBookmarks();
    scheduler.After(std::chrono::seconds(f.bookmark_interval), bookmark);
  };
  scheduler.After(std::chrono::milliseconds(200), expire);
  scheduler.After(std::chrono::seconds(f.bookmark_interval), bookmark);

  if (!f.kubeconfig_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(f.kubeconfig_dir, ec);
    for (const auto& name : order) {
      auto& e = *endpoints[name];
      std::string base = f.kubeconfig_dir + "/" + name;
      Status s = WriteKubeconfig(base + ".kubeconfig", name, e.Url(), pki ? &*pki : nullptr, f.token,
                                 f.token.empty() && f.client_cert_auth);
      if (s.ok() && f.client_cert_auth) {
        s = WriteKubeconfig(base + "-cert.kubeconfig", name, e.Url(), &*pki, "", true);
      }
      if (!s.ok()) {
        std::cerr << "error: " << s.message() << "\n";
        return 1;
      }
    }
  }
  std::string state = "{\"control\":\"http://127.0.0.1:" + std::to_string(control.port()) + "\"";
  if (pki) state += ",\"caFile\":" + pedia::JsonQuote(pki->ca_cert);
  state += ",\"clusters\":[";
  for (size_t i = 0; i < order.size(); ++i) {
    if (i) state += ",";
    state += ClusterJson(order[i], *endpoints[order[i]]);
  }
  state += "]}\n";
  for (const auto& name : order) std::printf("%s %s\n", name.c_str(), endpoints[name]->Url().c_str());
  std::printf("control http://127.0.0.1:%d\n", control.port());
  std::fflush(stdout);
  if (!f.state_file.empty()) {
    std::string tmp = f.state_file + ".tmp";
    std::ofstream(tmp) << state;
    std::filesystem::rename(tmp, f.state_file);
  }

  int sig = 0;
  sigwait(&signals, &sig);
  PEDIA_LOG_INFO("shutting down", {"signal", sig});
  scheduler.Stop();
  control.Stop(std::chrono::milliseconds(500));
  for (auto& [name, e] : endpoints) e->Down();
  return 0;
}

}  // namespace
}  // namespace kubesim

int main(int argc, char** argv) { return kubesim::Main(argc, argv); }
