// kubesim list benchmark: one kubesim process serving 10 clusters x 10,000
// pods; lists all pods of each cluster in chunks of 500 (limit/continue) over
// one keep-alive connection, and compares with a static handler that serves
// the very same page bytes from memory on the same HTTP server code, in the
// same run (the baseline).  Usage: kubesim_list_bench KUBESIM [CLUSTERS PODS ROUNDS]
#include <curl/curl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "server/http_server.h"

namespace {

using Clock = std::chrono::steady_clock;

size_t Append(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

struct Page {
  std::string path;  // request target
  std::string body;
};

// Lists every pod of the server at port in pages of `limit`; returns the
// pages (targets and bodies) in order.
std::vector<Page> ListAll(CURL* curl, int port, int limit) {
  std::vector<Page> pages;
  std::string token;
  do {
    std::string target = "/api/v1/pods?limit=" + std::to_string(limit);
    if (!token.empty()) target += "&continue=" + token;
    std::string url = "http://127.0.0.1:" + std::to_string(port) + target;
    std::string body;
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Append);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    if (curl_easy_perform(curl) != CURLE_OK) {
      std::fprintf(stderr, "request failed: %s\n", url.c_str());
      std::exit(1);
    }
    // Only the small metadata prefix is looked at: find "continue":"...".
    token.clear();
    size_t at = body.find("\"continue\":\"");
    size_t items = body.find("\"items\":[");
    if (at != std::string::npos && at < items) {
      size_t start = at + 12;
      token = body.substr(start, body.find('"', start) - start);
    }
    pages.push_back({target, std::move(body)});
  } while (!token.empty());
  return pages;
}

long RssKb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s KUBESIM [CLUSTERS PODS ROUNDS]\n", argv[0]);
    return 2;
  }
  std::string kubesim = argv[1];
  int clusters = argc > 2 ? std::atoi(argv[2]) : 10;
  int pods = argc > 3 ? std::atoi(argv[3]) : 10000;
  int rounds = argc > 4 ? std::atoi(argv[4]) : 5;
  const int limit = 500;

  char dir_template[] = "/tmp/kubesim-bench-XXXXXX";
  std::string dir = mkdtemp(dir_template);
  std::string state = dir + "/state.json";
  auto t0 = Clock::now();
  pid_t pid = fork();
  if (pid == 0) {
    FILE* null = std::fopen("/dev/null", "w");
    if (null) {
      dup2(fileno(null), 1);
      dup2(fileno(null), 2);
    }
    std::string c = std::to_string(clusters), p = std::to_string(pods);
    execl(kubesim.c_str(), kubesim.c_str(), "--clusters", c.c_str(), "--pods-per-cluster", p.c_str(), "--state-file",
          state.c_str(), "--io-threads", "1", static_cast<char*>(nullptr));
    _exit(127);
  }
  while (!std::filesystem::exists(state)) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      std::fprintf(stderr, "kubesim exited\n");
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  double startup_s = std::chrono::duration<double>(Clock::now() - t0).count();
  nlohmann::json st = nlohmann::json::parse(std::ifstream(state));
  std::vector<int> ports;
  for (const auto& c : st["clusters"]) ports.push_back(c["port"].get<int>());
  long rss_kb = RssKb(pid);

  curl_global_init(CURL_GLOBAL_DEFAULT);
  CURL* curl = curl_easy_init();
  // Warm up and capture the pages of cluster-0 for the static baseline.
  std::vector<Page> captured = ListAll(curl, ports[0], limit);
  size_t list_bytes = 0;
  for (const auto& p : captured) list_bytes += p.body.size();

  auto time_lists = [&](const std::vector<int>& targets) {
    std::vector<double> ms;
    for (int r = 0; r < rounds; ++r) {
      for (int port : targets) {
        auto s = Clock::now();
        auto pages = ListAll(curl, port, limit);
        ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - s).count());
        size_t items = 0;
        for (const auto& p : pages) {
          for (size_t at = p.body.find("\"kind\":\"Pod\""); at != std::string::npos;
               at = p.body.find("\"kind\":\"Pod\"", at + 1)) {
            ++items;
          }
        }
        if (items != static_cast<size_t>(pods)) {
          std::fprintf(stderr, "expected %d pods, got %zu\n", pods, items);
          std::exit(1);
        }
      }
    }
    std::sort(ms.begin(), ms.end());
    return ms;
  };

  // Baseline: the captured bytes, served by the same HTTP server code.
  std::map<std::string, std::string> by_target;
  for (const auto& p : captured) by_target[p.path] = p.body;
  pedia::http::ServerOptions so;
  so.io_threads = 1;
  pedia::http::Server baseline(so, [&](pedia::http::Request&& req, std::shared_ptr<pedia::http::Responder> r) {
    pedia::http::Response resp;
    auto it = by_target.find(req.target);
    if (it == by_target.end()) {
      resp.status = 404;
    } else {
      resp.headers.emplace_back("Content-Type", "application/json");
      resp.body = it->second;
    }
    r->Send(std::move(resp));
  });
  if (!baseline.Start().ok()) return 1;

  // Interleave so that noise hits both alike.
  std::vector<double> sim_ms, base_ms;
  for (int round = 0; round < 2; ++round) {
    auto s = time_lists(ports);
    sim_ms.insert(sim_ms.end(), s.begin(), s.end());
    auto b = time_lists(std::vector<int>(ports.size(), baseline.port()));
    base_ms.insert(base_ms.end(), b.begin(), b.end());
  }
  std::sort(sim_ms.begin(), sim_ms.end());
  std::sort(base_ms.begin(), base_ms.end());
  auto median = [](const std::vector<double>& v) { return v[v.size() / 2]; };
  auto p90 = [](const std::vector<double>& v) { return v[v.size() * 9 / 10]; };
  std::printf("clusters=%d pods/cluster=%d page=%d lists=%zu (each list = %zu pages, %.1f MB)\n", clusters, pods, limit,
              sim_ms.size(), captured.size(), list_bytes / 1e6);
  std::printf("kubesim startup (generate + listen): %.2f s, RSS %.0f MB\n", startup_s, rss_kb / 1024.0);
  std::printf("kubesim  list of %d pods: median %.1f ms, p90 %.1f ms (%.0f MB/s)\n", pods, median(sim_ms), p90(sim_ms),
              list_bytes / 1e3 / median(sim_ms));
  std::printf("baseline list of %d pods: median %.1f ms, p90 %.1f ms (%.0f MB/s)\n", pods, median(base_ms),
              p90(base_ms), list_bytes / 1e3 / median(base_ms));
  std::printf("ratio kubesim/baseline (median): %.2f\n", median(sim_ms) / median(base_ms));
  curl_easy_cleanup(curl);
  baseline.Stop();
  kill(pid, SIGTERM);
  waitpid(pid, nullptr, 0);
  std::filesystem::remove_all(dir);
  return 0;
}
