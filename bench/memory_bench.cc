// Benchmark of the built-in memory storage layer (issue 2, "Performance"):
//
//   - ingest of N pod-like objects of about 2.3 KB, index fields given, in
//     batches of 500 through the storage ABI (storage::Storage over the
//     layer's table, as the synchro writes), against a baseline that appends
//     the same bytes to one std::vector<char> in the same run;
//   - resident memory (VmRSS delta) of the loaded layer against the raw JSON
//     bytes;
//   - p50 / p99 latency of a list with a label selector matching 1% of the
//     objects plus limit=500, the rows' bytes appended to a response buffer
//     as the apiserver does;
//   - for comparison, the same with a label matching a third (tier=...),
//     which walks the name groups in order instead of a posting.
//
// Usage: memory_bench [--objects N] [--queries Q]
// Targets: >= 500k objects/s, <= 1.5x the raw bytes, p99 < 5 ms.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "storage/memory/memory_storage.h"
#include "storage/storage.h"

namespace {

using pedia::storage::ListQuery;
using pedia::storage::ObjectRecord;
using pedia::storage::Storage;
using pedia::storage::Write;
using Clock = std::chrono::steady_clock;

constexpr int kClusters = 10;
constexpr int kApps = 100;  // app=app-<i % 100> matches 1%
constexpr size_t kBatch = 500;

long VmRssKb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  return -1;
}

// The whole process's CPU time: with the thread's, it tells how much the
// layer's chunk mapper thread (chunk_mapper.h) worked in the background.
double ProcessCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// This thread's CPU time in seconds.  The machine is shared, so every timing
// is reported both as wall time and as CPU time (immune to preemption).
double CpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// The pod of index i, for cluster i % 10.  Its JSON is about 2.3 KB, shaped
// like a real Deployment pod after normalization (no managedFields).
ObjectRecord MakePod(int i) {
  char name[64], ns[32], uid[48], owner[48], rv[24], app[16], hash[16], ts[32];
  int rs = i / 10;
  snprintf(name, sizeof name, "web-%05x-%07d", rs % 0xfffff, i);
  snprintf(ns, sizeof ns, "team-%02d", (i / 1000) % 50);
  snprintf(uid, sizeof uid, "7c1f%04x-2b4e-4d6a-9c3e-%012d", i % 0xffff, i);
  snprintf(owner, sizeof owner, "5a2e%04x-1c3d-4e5f-8a9b-%012d", rs % 0xffff, rs);
  snprintf(rv, sizeof rv, "%d", 100000 + i);
  snprintf(app, sizeof app, "app-%d", i % kApps);
  snprintf(hash, sizeof hash, "%08x", static_cast<unsigned>(rs * 2654435761u));
  int64_t created = 1700000000000 + int64_t{i} * 1000;
  snprintf(ts, sizeof ts, "2023-11-14T22:%02d:%02dZ", (i / 60) % 60, i % 60);
  const char* tier = i % 3 == 0 ? "frontend" : i % 3 == 1 ? "backend" : "cache";
  ObjectRecord o;
  o.namespace_name = ns;
  o.name = name;
  o.uid = uid;
  o.owner_uid = owner;
  o.resource_version = rv;
  o.creation_unix_ms = created;
  o.labels = {{"app", app}, {"pod-template-hash", hash}, {"tier", tier}, {"env", "production"}};
  std::string& j = o.json;
  j.reserve(2400);
  j += R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":")";
  j += name;
  j += R"(","namespace":")";
  j += ns;
  j += R"(","uid":")";
  j += uid;
  j += R"(","resourceVersion":")";
  j += rv;
  j += R"(","creationTimestamp":")";
  j += ts;
  j += R"(","labels":{"app":")";
  j += app;
  j += R"(","pod-template-hash":")";
  j += hash;
  j += R"(","tier":")";
  j += tier;
  j += R"(","env":"production"},"annotations":{"shadow.clusterpedia.io/cluster-name":"cluster-)";
  j += std::to_string(i % kClusters);
  j += R"(","prometheus.io/scrape":"true","prometheus.io/port":"9090"},)";
  j += R"("ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-)";
  j += hash;
  j += R"(","uid":")";
  j += owner;
  j += R"(","controller":true,"blockOwnerDeletion":true}]},)";
  j +=
      R"("spec":{"volumes":[{"name":"config","configMap":{"name":"web-config","defaultMode":420}},)"
      R"({"name":"kube-api-access-x2v9k","projected":{"defaultMode":420}}],)"
      R"("containers":[{"name":"web","image":"registry.example.com/team/web:v1.24.3","ports":[{"name":"http","containerPort":8080,"protocol":"TCP"}],)"
      R"("env":[{"name":"LOG_LEVEL","value":"info"},{"name":"POD_NAME","valueFrom":{"fieldRef":{"apiVersion":"v1","fieldPath":"metadata.name"}}}],)"
      R"("resources":{"limits":{"cpu":"500m","memory":"512Mi"},"requests":{"cpu":"100m","memory":"128Mi"}},)"
      R"("volumeMounts":[{"name":"config","mountPath":"/etc/web"}],)"
      R"("terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent"},)"
      R"({"name":"sidecar","image":"registry.example.com/mesh/proxy:1.19.0","imagePullPolicy":"IfNotPresent"}],)"
      R"("restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","serviceAccountName":"web","serviceAccount":"web",)"
      R"("nodeName":"node-)";
  j += std::to_string(i % 300);
  j +=
      R"(","securityContext":{},"schedulerName":"default-scheduler","priority":0,"enableServiceLinks":true},)"
      R"("status":{"phase":"Running","conditions":[{"type":"Initialized","status":"True","lastProbeTime":null,"lastTransitionTime":")";
  j += ts;
  j += R"("},{"type":"Ready","status":"True","lastProbeTime":null,"lastTransitionTime":")";
  j += ts;
  j += R"("}],"hostIP":"10.0.)";
  j += std::to_string(i % 250) + "." + std::to_string(i % 200);
  j += R"(","podIP":"172.16.)";
  j += std::to_string(i % 250) + "." + std::to_string((i / 250) % 250);
  j += R"(","startTime":")";
  j += ts;
  j += R"(","containerStatuses":[{"name":"web","state":{"running":{"startedAt":")";
  j += ts;
  j +=
      R"("}},"ready":true,"restartCount":0,"image":"registry.example.com/team/web:v1.24.3",)"
      R"("imageID":"registry.example.com/team/web@sha256:3f2a9c0d5e7b41a8c6d2e9f0b1a4c7d8e3f6a9b2c5d8e1f4a7b0c3d6e9f2a5b8","containerID":"containerd://)";
  j += uid;
  j += R"(","started":true}],"qosClass":"Burstable"}})";
  return o;
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  int objects = 1000000, queries = 200;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--objects"))
      objects = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--queries"))
      queries = std::atoi(argv[i + 1]);
    else {
      std::fprintf(stderr, "usage: memory_bench [--objects N] [--queries Q]\n");
      return 2;
    }
  }
  if (objects < static_cast<int>(kClusters * kBatch) || queries < 1) {
    std::fprintf(stderr, "memory_bench: --objects must be at least %zu and --queries at least 1\n", kClusters * kBatch);
    return 2;
  }

  // The layer, opened through its ABI table like the registry does.
  const pedia_storage_plugin* table = pedia::storage::memory::MemoryStorageTable();
  pedia_storage_instance* instance = nullptr;
  pedia_storage_error err{};
  if (table->open({"", 0}, {"", 0}, &instance, &err) != PEDIA_STORAGE_OK) {
    std::fprintf(stderr, "memory_bench: open failed: %s\n", err.message);
    return 1;
  }
  Storage storage(table, instance, "built-in");
  pedia::storage::Gvr pods{"", "v1", "pods"};

  // Ingest.  Each batch targets one cluster, as the synchro writes per
  // (cluster, GVR).  Every batch is written twice, in alternating order, so
  // the machine's load falls on both sides alike: appended to one reserved
  // vector (the baseline: the least any store of these bytes costs) and
  // written to the layer.  Only the time inside those two calls counts.
  size_t raw_bytes = 0;
  Clock::duration baseline_time{}, ingest_time{};
  double baseline_cpu = 0, ingest_cpu = 0;
  auto baseline = std::make_unique<std::vector<char>>();
  baseline->reserve(static_cast<size_t>(objects) * (MakePod(0).json.size() + 64));
  long rss_before = VmRssKb();  // the reservation is not resident yet
  std::vector<std::vector<Write>> pending(kClusters);
  int batches = 0;
  double process_cpu_start = ProcessCpuSeconds(), thread_cpu_start = CpuSeconds();
  for (int i = 0; i < objects; ++i) {
    auto& q = pending[static_cast<size_t>(i % kClusters)];
    q.push_back({Write::kUpsert, MakePod(i)});
    if (q.size() < kBatch && i + kClusters < objects) continue;
    pedia::storage::ResourceKey key{"cluster-" + std::to_string(i % kClusters), pods, "Pod", true};
    auto append = [&] {
      auto start = Clock::now();
      double cpu = CpuSeconds();
      for (const Write& w : q) baseline->insert(baseline->end(), w.object.json.begin(), w.object.json.end());
      baseline_cpu += CpuSeconds() - cpu;
      baseline_time += Clock::now() - start;
    };
    pedia::Status s;
    auto write = [&] {
      size_t failed = 0;
      auto start = Clock::now();
      double cpu = CpuSeconds();
      s = storage.WriteBatch(key, q, &failed);
      ingest_cpu += CpuSeconds() - cpu;
      ingest_time += Clock::now() - start;
    };
    if (batches++ % 2) {
      append();
      write();
    } else {
      write();
      append();
    }
    if (!s.ok()) {
      std::fprintf(stderr, "memory_bench: write failed: %s\n", s.ToString().c_str());
      return 1;
    }
    for (const Write& w : q) raw_bytes += w.object.json.size();
    q.clear();
  }
  double background_cpu = (ProcessCpuSeconds() - process_cpu_start) - (CpuSeconds() - thread_cpu_start);
  if (baseline->size() != raw_bytes) return 1;
  baseline.reset();  // one mmap'd block: unmapped here, so it leaves VmRSS
  for (auto& q : pending) std::vector<Write>().swap(q);
  long rss_after = VmRssKb();

  // Lists: app=app-<k> (1%) with limit=500, bytes appended to a buffer;
  // then, for comparison (no target), tier=<t> (a third) with limit=500.
  std::vector<double> latencies_ms, cpu_ms, broad_ms, broad_cpu_ms;
  std::string response;
  size_t rows_seen = 0;
  for (int k = 0; k < 2 * queries; ++k) {
    bool broad = k >= queries;
    ListQuery q;
    q.gvr = pods;
    q.limit = 500;
    pedia::storage::Requirement r;
    r.key = broad ? "tier" : "app";
    r.op = PEDIA_STORAGE_OP_EQUALS;
    const char* tiers[] = {"frontend", "backend", "cache"};
    r.values = {broad ? std::string(tiers[k % 3]) : "app-" + std::to_string(k % kApps)};
    q.labels = {r};
    pedia::storage::ListSummary summary;
    response.clear();
    size_t rows = 0;
    auto start = Clock::now();
    double cpu = CpuSeconds();
    pedia::Status s = storage.List(
        q,
        [&](const pedia::storage::Row& row) {
          response.append(row.object);
          response.push_back(',');
          ++rows;
          return true;
        },
        &summary);
    (broad ? broad_cpu_ms : cpu_ms).push_back((CpuSeconds() - cpu) * 1000);
    (broad ? broad_ms : latencies_ms).push_back(Seconds(Clock::now() - start) * 1000);
    size_t matching = static_cast<size_t>(objects / (broad ? 3 : kApps));
    if (!s.ok() || rows != std::min<size_t>(500, matching) || summary.continue_token.empty() == (matching > 500)) {
      std::fprintf(stderr, "memory_bench: unexpected list result (%zu rows): %s\n", rows, s.ToString().c_str());
      return 1;
    }
    if (!broad) rows_seen += rows;
  }

  double ingest_rate = objects / Seconds(ingest_time), ingest_cpu_rate = objects / ingest_cpu;
  double baseline_rate = objects / Seconds(baseline_time), baseline_cpu_rate = objects / baseline_cpu;
  double rss_bytes = static_cast<double>(rss_after - rss_before) * 1024;
  double ratio = rss_bytes / static_cast<double>(raw_bytes);
  double p50 = Percentile(latencies_ms, 0.50), p99 = Percentile(latencies_ms, 0.99);
  double cpu_p50 = Percentile(cpu_ms, 0.50), cpu_p99 = Percentile(cpu_ms, 0.99);
  auto verdict = [](bool ok) { return ok ? "PASS" : "FAIL"; };
  double broad_p50 = Percentile(broad_ms, 0.50), broad_p99 = Percentile(broad_ms, 0.99);
  double broad_cpu_p50 = Percentile(broad_cpu_ms, 0.50), broad_cpu_p99 = Percentile(broad_cpu_ms, 0.99);
  std::printf("objects            %d (%d clusters, batches of %zu), %.1f MB raw JSON, %.0f bytes/object\n", objects,
              kClusters, kBatch, static_cast<double>(raw_bytes) / 1e6, static_cast<double>(raw_bytes) / objects);
  std::printf("ingest             %.0f objects/s wall (%.2f s), %.0f objects/s CPU (%.2f s)\n", ingest_rate,
              Seconds(ingest_time), ingest_cpu_rate, ingest_cpu);
  std::printf("ingest, all threads %.0f objects per CPU second (%.2f s, of which %.2f s on the chunk mapper thread)\n",
              objects / (ingest_cpu + background_cpu), ingest_cpu + background_cpu, background_cpu);
  std::printf("baseline append    %.0f objects/s wall (%.2f s), %.0f objects/s CPU (%.2f s)\n", baseline_rate,
              Seconds(baseline_time), baseline_cpu_rate, baseline_cpu);
  std::printf("ingest/baseline    %.2fx the baseline's time (wall), %.2fx (CPU)\n",
              Seconds(ingest_time) / Seconds(baseline_time), ingest_cpu / baseline_cpu);
  std::printf("resident memory    %.1f MB = %.3fx raw JSON\n", rss_bytes / 1e6, ratio);
  std::printf(
      "list 1%% limit=500  p50 %.2f ms, p99 %.2f ms wall; p50 %.2f ms, p99 %.2f ms CPU (%d queries, %zu rows)\n", p50,
      p99, cpu_p50, cpu_p99, queries, rows_seen);
  std::printf("list 33%% limit=500 p50 %.2f ms, p99 %.2f ms wall; p50 %.2f ms, p99 %.2f ms CPU (%d queries, no target)\n",
              broad_p50, broad_p99, broad_cpu_p50, broad_cpu_p99, queries);
  std::printf(
      "targets            ingest >= 500k/s: %s (wall) %s (CPU); memory <= 1.5x: %s; "
      "list < 5 ms: p99 %s (wall) %s (CPU)\n",
      verdict(ingest_rate >= 500000), verdict(ingest_cpu_rate >= 500000), verdict(ratio <= 1.5), verdict(p99 < 5),
      verdict(cpu_p99 < 5));
  return 0;
}
