// sync_bench: N clusters x M pods from tests/kubesim into the memory layer
// (issue 4).  Measures
//   1. the baseline: fetching every pod page over HTTPS, nothing else;
//   2. the initial sync: time until every pod is in storage, objects/s,
//      peak RSS of this process (synchro + memory storage);
//   3. steady state: p50/p99 latency from a PATCH sent to kubesim to the
//      changed object being written to storage, at a fixed change rate.
// Usage: KUBESIM=build/tests/kubesim/kubesim build/bench/sync_bench
//          [clusters=10] [pods=10000] [rate=1000] [seconds=10] [workers=2]
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>
#include <unordered_map>
#include <vector>

#include "base/base64.h"
#include "base/log.h"
#include "base/metrics.h"
#include "storage/memory/memory_storage.h"
#include "storage/storage.h"
#include "sync/kubesim_for_test.h"
#include "sync/synchro_manager.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

std::atomic<int64_t> g_upserts{0};
pedia_storage_plugin g_table;

// Send times of bench changes by sequence number, and observed latencies.
std::mutex g_mu;
std::unordered_map<int64_t, Clock::time_point> g_sent;
std::vector<double> g_latency_ms;

uint32_t TimedWriteBatch(pedia_storage_instance* instance, const pedia_storage_resource* resource,
                         const pedia_storage_write* writes, size_t count, size_t* failed_index,
                         pedia_storage_error* err) {
  uint32_t rc =
      pedia::storage::memory::MemoryStorageTable()->write_batch(instance, resource, writes, count, failed_index, err);
  if (rc != PEDIA_STORAGE_OK) return rc;
  g_upserts += static_cast<int64_t>(count);
  auto now = Clock::now();
  for (size_t i = 0; i < count; ++i) {
    const auto& o = writes[i].object;
    for (size_t l = 0; l < o.label_count; ++l) {
      std::string_view key(o.label_keys[l].data, o.label_keys[l].len);
      if (key != "bench-seq") continue;
      int64_t seq = std::strtoll(std::string(o.label_values[l].data, o.label_values[l].len).c_str(), nullptr, 10);
      std::lock_guard<std::mutex> lock(g_mu);
      auto it = g_sent.find(seq);
      if (it != g_sent.end()) {
        g_latency_ms.push_back(std::chrono::duration<double, std::milli>(now - it->second).count());
        g_sent.erase(it);
      }
    }
  }
  return rc;
}

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// utime+stime of another process, from /proc/<pid>/stat.
double ProcessCpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(stat.substr(close + 2));
  std::string f;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> f; ++i) {
    if (i == 14 || i == 15) ticks += std::atof(f.c_str());
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// Sum and count of the synchro's receipt-to-storage lag histogram.
std::pair<double, double> LagTotals() {
  double sum = 0, count = 0;
  std::istringstream metrics(pedia::metrics::Registry::Global().Render());
  for (std::string line; std::getline(metrics, line);) {
    if (line.rfind("clustersynchro_resourcesynchro_event_storage_lag_seconds_sum", 0) == 0) {
      sum += std::atof(line.substr(line.rfind(' ') + 1).c_str());
    } else if (line.rfind("clustersynchro_resourcesynchro_event_storage_lag_seconds_count", 0) == 0) {
      count += std::atof(line.substr(line.rfind(' ') + 1).c_str());
    }
  }
  return {sum, count};
}

long PeakRssKb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  int clusters = argc > 1 ? std::atoi(argv[1]) : 10;
  int pods = argc > 2 ? std::atoi(argv[2]) : 10000;
  int rate = argc > 3 ? std::atoi(argv[3]) : 1000;
  int seconds = argc > 4 ? std::atoi(argv[4]) : 10;
  int workers = argc > 5 ? std::atoi(argv[5]) : 2;
  using pedia::sync::testing::Kubesim;
  if (const char* v = std::getenv("V")) pedia::log::SetVerbosity(std::atoi(v));

  auto t0 = Clock::now();
  auto started =
      Kubesim::Start(clusters, pods, "bench-token", {"--io-threads", "1", "--history-events", "200000", "--seed", "2"});
  if (!started.ok()) {
    std::fprintf(stderr, "sync_bench: %s\n", started.status().ToString().c_str());
    return 1;
  }
  Kubesim& ks = *started.value();
  std::printf("kubesim: %d clusters x %d pods generated in %.1f s\n", clusters, pods,
              std::chrono::duration<double>(Clock::now() - t0).count());

  // 1. Baseline: fetch every pod page over HTTPS (500 per page), no processing.
  auto b0 = Clock::now();
  double b_cpu0 = CpuSeconds(), b_sim0 = ProcessCpuSeconds(ks.pid());
  int64_t fetched_bytes = 0;
  for (const auto& c : ks.clusters()) {
    std::string cont;
    do {
      std::string path = "/api/v1/pods?limit=500" + (cont.empty() ? "" : "&continue=" + cont);
      auto r = ks.Request(c.name, "GET", path);
      if (!r.ok()) {
        std::fprintf(stderr, "baseline list failed: %s\n", r.status().ToString().c_str());
        return 1;
      }
      fetched_bytes += static_cast<int64_t>(r->body.size());
      auto pos = r->body.find("\"continue\":\"");
      cont.clear();
      if (pos != std::string::npos && pos < 400) {
        auto end = r->body.find('"', pos + 12);
        cont = r->body.substr(pos + 12, end - pos - 12);
      }
    } while (!cont.empty());
  }
  double baseline_s = std::chrono::duration<double>(Clock::now() - b0).count();
  double total = static_cast<double>(clusters) * pods;
  std::printf("baseline (HTTPS list pages only): %.2f s, %.0f objects/s, %.1f MB; CPU: client %.2f s, kubesim %.2f s\n",
              baseline_s, total / baseline_s, fetched_bytes / 1e6, CpuSeconds() - b_cpu0,
              ProcessCpuSeconds(ks.pid()) - b_sim0);

  // 2. Initial sync into memory storage.
  g_table = *pedia::storage::memory::MemoryStorageTable();
  g_table.write_batch = &TimedWriteBatch;
  pedia_storage_instance* instance = nullptr;
  pedia_storage_error err{};
  g_table.open({nullptr, 0}, {nullptr, 0}, &instance, &err);
  pedia::storage::Storage storage(&g_table, instance, "bench");
  std::string dir = "/tmp/pedia-sync-bench-" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  {
    std::ofstream out(dir + "/clusters.yaml");
    for (const auto& c : ks.clusters()) {
      std::ifstream kc(c.kubeconfig_path);
      std::stringstream ss;
      ss << kc.rdbuf();
      out << "apiVersion: cluster.clusterpedia.io/v1alpha2\nkind: PediaCluster\nmetadata: {name: " << c.name
          << "}\nspec:\n  kubeconfig: " << pedia::Base64Encode(ss.str())
          << "\n  syncResources:\n  - {group: \"\", resources: [pods]}\n---\n";
    }
  }
  pedia::sync::SynchroOptions options;
  options.cluster_config = dir + "/clusters.yaml";
  options.page_size = 500;
  options.worker_number = workers;
  auto manager = pedia::sync::SynchroManager::Create(options, &storage);
  auto s0 = Clock::now();
  double s_cpu0 = CpuSeconds(), s_sim0 = ProcessCpuSeconds(ks.pid());
  if (!manager.ok() || !(*manager)->Start().ok()) {
    std::fprintf(stderr, "sync_bench: cannot start the synchro\n");
    return 1;
  }
  while (g_upserts < static_cast<int64_t>(total)) {
    std::this_thread::sleep_for(5ms);
    if (Clock::now() - s0 > 600s) {
      std::fprintf(stderr, "sync_bench: initial sync did not finish in 600 s (%lld written)\n",
                   static_cast<long long>(g_upserts.load()));
      return 1;
    }
  }
  double sync_s = std::chrono::duration<double>(Clock::now() - s0).count();
  double sync_cpu = CpuSeconds() - s_cpu0, sim_cpu = ProcessCpuSeconds(ks.pid()) - s_sim0;
  std::printf("initial sync CPU: synchro+storage %.2f s (%.0f objects per CPU second), kubesim %.2f s\n", sync_cpu,
              total / sync_cpu, sim_cpu);
  std::printf("initial sync: %.2f s, %.0f objects/s (%.2fx the baseline fetch rate), peak RSS %.0f MB\n", sync_s,
              total / sync_s, baseline_s / sync_s, PeakRssKb() / 1024.0);

  // Verify every cluster is complete (not timed).
  int64_t stored = 0;
  for (const auto& c : ks.clusters()) {
    pedia::storage::ListQuery q;
    q.gvr = {"", "v1", "pods"};
    q.clusters = {c.name};
    q.only_metadata = true;
    pedia::storage::ListSummary summary;
    storage.List(
        q, [&](const pedia::storage::Row&) { return ++stored, true; }, &summary);
  }
  std::printf("stored pods: %lld of %.0f\n", static_cast<long long>(stored), total);

  // 3. Steady state: PATCH pods at `rate` per second, round robin over clusters.
  std::vector<std::vector<std::string>> names(ks.clusters().size());
  for (size_t i = 0; i < ks.clusters().size(); ++i) {
    auto snap = ks.Snapshot(ks.clusters()[i].name, "/api/v1/pods?limit=200");
    for (auto& [key, rv] : snap) names[i].push_back(key);
  }
  std::atomic<int64_t> errors{0};
  auto configs = std::vector<std::shared_ptr<pedia::kube::ConnectionConfig>>();
  std::string ca;
  {
    std::ifstream in(ks.ca_file());
    std::stringstream ss;
    ss << in.rdbuf();
    ca = ss.str();
  }
  for (const auto& c : ks.clusters()) {
    auto cfg = std::make_shared<pedia::kube::ConnectionConfig>();
    cfg->server = c.url;
    cfg->ca_pem = ca;
    cfg->bearer_token = "bench-token";
    configs.push_back(cfg);
  }
  pedia::kube::Transport client;  // the load generator's own loop
  int64_t seq = 0;
  auto lag0 = LagTotals();
  double st_cpu0 = CpuSeconds(), st_sim0 = ProcessCpuSeconds(ks.pid());
  auto start = Clock::now();
  int64_t total_changes = static_cast<int64_t>(rate) * seconds;
  for (; seq < total_changes; ++seq) {
    auto due = start + std::chrono::microseconds(seq * 1000000 / rate);
    std::this_thread::sleep_until(due);
    size_t c = static_cast<size_t>(seq) % configs.size();
    const std::string& key =
        names[c][static_cast<size_t>(seq / static_cast<int64_t>(configs.size())) % names[c].size()];
    auto slash = key.find('/');
    std::string path = "/api/v1/namespaces/" + key.substr(0, slash) + "/pods/" + key.substr(slash + 1);
    {
      std::lock_guard<std::mutex> lock(g_mu);
      g_sent[seq] = Clock::now();
    }
    client.Send(configs[c], "PATCH", path, R"({"metadata":{"labels":{"bench-seq":")" + std::to_string(seq) + "\"}}}",
                "", 10s, [&errors](const pedia::Status& s, pedia::kube::HttpResponse) {
                  if (!s.ok()) errors++;
                });
  }
  double send_s = std::chrono::duration<double>(Clock::now() - start).count();
  std::this_thread::sleep_for(3s);
  std::vector<double> lat;
  size_t missing;
  {
    std::lock_guard<std::mutex> lock(g_mu);
    lat = g_latency_ms;
    missing = g_sent.size();
  }
  std::printf("steady state: %lld changes in %.1f s (%.0f/s), %lld PATCH errors, %zu observed, %zu not seen\n",
              static_cast<long long>(total_changes), send_s, total_changes / send_s,
              static_cast<long long>(errors.load()), lat.size(), missing);
  std::printf("change->storage latency: p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", Percentile(lat, 0.5),
              Percentile(lat, 0.99), Percentile(lat, 1.0));
  std::printf("peak RSS (bench process): %.0f MB\n", PeakRssKb() / 1024.0);
  std::printf(
      "steady state CPU: synchro+storage+load generator %.2f s, kubesim %.2f s; synchro receipt->storage lag "
      "mean %.2f ms\n",
      CpuSeconds() - st_cpu0, ProcessCpuSeconds(ks.pid()) - st_sim0,
      1000 * (LagTotals().first - lag0.first) / std::max(1.0, LagTotals().second - lag0.second));
  (*manager)->Stop();
  std::filesystem::remove_all(dir);
  return 0;
}
