#include "sync/kubesim_for_test.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <cstring>
#include <thread>

#include <nlohmann/json.hpp>

extern char** environ;

namespace pedia::sync::testing {

Result<std::unique_ptr<Kubesim>> Kubesim::Start(int clusters, int pods, const std::string& token,
                                                std::vector<std::string> extra) {
  const char* bin = std::getenv("KUBESIM");
  if (!bin || !*bin) {
    return Status::Unavailable("KUBESIM is not set\nHINT: run through meson test (suite sync-kubesim), which sets it");
  }
  std::unique_ptr<Kubesim> k(new Kubesim());
  static int counter = 0;
  k->dir_ = "/tmp/pedia-kubesim-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  std::filesystem::remove_all(k->dir_);
  std::filesystem::create_directories(k->dir_);
  k->token_ = token;
  std::vector<std::string> args = {bin,
                                    "--clusters",
                                    std::to_string(clusters),
                                    "--pods-per-cluster",
                                    std::to_string(pods),
                                    "--tls",
                                    "--token",
                                    token,
                                    "--ca-out",
                                    k->dir_ + "/pki",
                                    "--kubeconfig-dir",
                                    k->dir_ + "/kubeconfigs",
                                    "--state-file",
                                    k->dir_ + "/state.json"};
  args.insert(args.end(), extra.begin(), extra.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  std::string log = k->dir_ + "/kubesim.log";
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  // Our signal mask may block SIGTERM (shutdown::Install); the child needs it.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t empty;
  sigemptyset(&empty);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
  int rc = posix_spawn(&k->pid_, bin, &actions, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return Status::Unavailable(std::string("cannot start kubesim: ") + strerror(rc));
  std::string state_path = k->dir_ + "/state.json";
  for (int i = 0; i < 6000 && !std::filesystem::exists(state_path); ++i) {
    int status;
    if (waitpid(k->pid_, &status, WNOHANG) == k->pid_) {
      k->pid_ = -1;
      std::ifstream in(log);
      std::stringstream text;
      text << in.rdbuf();
      return Status::Unavailable("kubesim exited at start\nDETAIL: " + text.str().substr(0, 2000));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::ifstream in(state_path);
  nlohmann::json state = nlohmann::json::parse(in, nullptr, false);
  if (state.is_discarded()) return Status::Unavailable("kubesim did not write its state file; see " + log);
  k->control_ = state["control"];
  k->ca_file_ = state.value("caFile", "");
  std::ifstream ca(k->ca_file_);
  std::stringstream ca_pem;
  ca_pem << ca.rdbuf();
  for (const auto& c : state["clusters"]) {
    Cluster info{c["name"], c["url"], k->dir_ + "/kubeconfigs/" + c["name"].get<std::string>() + ".kubeconfig"};
    auto cfg = std::make_shared<kube::ConnectionConfig>();
    cfg->server = info.url;
    cfg->ca_pem = ca_pem.str();
    cfg->bearer_token = token;
    k->configs_[info.name] = cfg;
    k->clusters_.push_back(std::move(info));
  }
  return k;
}

Kubesim::~Kubesim() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status;
    for (int i = 0; i < 100; ++i) {
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
    }
  }
  std::filesystem::remove_all(dir_);
}

Status Kubesim::Control(const std::string& cluster, const std::string& action) {
  auto cfg = std::make_shared<kube::ConnectionConfig>();
  cfg->server = control_;
  auto r = transport_.SendSync(cfg, "POST", "/clusters/" + cluster + "/" + action, "", std::chrono::seconds(10));
  return r.status();
}

Result<kube::HttpResponse> Kubesim::Request(const std::string& cluster, const std::string& method,
                                            const std::string& path, const std::string& body) {
  auto it = configs_.find(cluster);
  if (it == configs_.end()) return Status::NotFound("no kubesim cluster " + cluster);
  return transport_.SendSync(it->second, method, path, body, std::chrono::seconds(30));
}

std::map<std::string, std::string> Kubesim::Snapshot(const std::string& cluster, const std::string& path) {
  std::map<std::string, std::string> out;
  auto r = Request(cluster, "GET", path);
  if (!r.ok()) return out;
  auto j = nlohmann::json::parse(r->body, nullptr, false);
  if (j.is_discarded()) return out;
  for (const auto& item : j["items"]) {
    const auto& m = item["metadata"];
    std::string key = m.value("namespace", "");
    key = key.empty() ? m["name"].get<std::string>() : key + "/" + m["name"].get<std::string>();
    out[key] = m["resourceVersion"];
  }
  return out;
}

}  // namespace pedia::sync::testing
