// Benchmark of the relational storage layer against a real MariaDB server.
//
//   ingest: N pod objects (~2.3 KB each) written through the layer, in
//           batches of 500, versus a raw multi-row INSERT ... ON DUPLICATE KEY
//           UPDATE of the same rows (text protocol, escaped, 500 rows a
//           statement, autocommit) into a table of the same shape, on the same
//           server in the same run.  Reported as rows/s and a ratio.
//   queries over the layer's rows (10 clusters):
//     - a list with a label selector matching 1% and limit=500 (p50, p90)
//     - an owner query with seniority 1: the pods of a Deployment (p50, p90)
//     - the resource versions of one cluster (N/10 objects)
//
// Usage: bench/mariadb_bench.sh [--objects N]  (starts and stops its own
// server), or mariadb_bench --host H --port P [--user U] [--objects N].
#include <mysql.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "storage/internal/relational_layer.h"

namespace {

using pedia::relational::RelationalLayer;
namespace sdk = pedia::sdk;
using Clock = std::chrono::steady_clock;

constexpr int kClusters = 10;
constexpr int kBatch = 500;
constexpr int kPodsPerReplicaSet = 100;
constexpr int kAppValues = 100;  // label app=app-K matches 1% of pods

double Seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

struct PodRecord {
  std::string ns, name, uid, owner_uid, rv, json;
  int64_t created = 0;
  std::vector<std::pair<std::string, std::string>> labels;
};

std::string Uid(const char* kind, int cluster, long index) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-8000-%012lx", static_cast<unsigned>(cluster),
                static_cast<unsigned>(kind[0]), static_cast<unsigned>(kind[1]) & 0xfff, index);
  return buf;
}

// A realistic pod (deployment-managed, one container, probes, env, volumes),
// padded to about 2.3 KB like the pods of toolchain-notes §5.
PodRecord MakePod(int cluster, long index) {
  PodRecord p;
  long rs = index / kPodsPerReplicaSet;
  p.ns = "ns-" + std::to_string(index % 50);
  p.name = "web-" + std::to_string(rs) + "-" + std::to_string(index);
  p.uid = Uid("po", cluster, index);
  p.owner_uid = Uid("rs", cluster, rs);
  p.rv = std::to_string(1000000 + index);
  p.created = 1700000000000 + index * 1000;
  std::string app = "app-" + std::to_string(index % kAppValues);
  p.labels = {{"app", app}, {"pod-template-hash", std::to_string(rs)}, {"tier", index % 3 ? "backend" : "frontend"}};
  std::string json;
  json.reserve(2400);
  json +=
      R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":")" + p.name + R"(","namespace":")" + p.ns +
      R"(","uid":")" + p.uid + R"(","resourceVersion":")" + p.rv +
      R"(","creationTimestamp":"2023-11-14T22:13:20Z","labels":{"app":")" + app + R"(","pod-template-hash":")" +
      std::to_string(rs) + R"(","tier":")" + p.labels[2].second +
      R"("},"annotations":{"shadow.clusterpedia.io/cluster-name":"cluster-)" + std::to_string(cluster) +
      R"("},"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-)" + std::to_string(rs) +
      R"(","uid":")" + p.owner_uid +
      R"(","controller":true,"blockOwnerDeletion":true}]},"spec":{"volumes":[{"name":"kube-api-access","projected":{"sources":[{"serviceAccountToken":{"expirationSeconds":3607,"path":"token"}},{"configMap":{"name":"kube-root-ca.crt","items":[{"key":"ca.crt","path":"ca.crt"}]}}],"defaultMode":420}}],"containers":[{"name":"web","image":"registry.example.com/team/web:1.25.3","ports":[{"name":"http","containerPort":8080,"protocol":"TCP"}],"env":[{"name":"LOG_LEVEL","value":"info"},{"name":"POD_NAME","valueFrom":{"fieldRef":{"apiVersion":"v1","fieldPath":"metadata.name"}}}],"resources":{"limits":{"cpu":"500m","memory":"256Mi"},"requests":{"cpu":"100m","memory":"128Mi"}},"livenessProbe":{"httpGet":{"path":"/healthz","port":8080,"scheme":"HTTP"},"initialDelaySeconds":10,"timeoutSeconds":1,"periodSeconds":10,"successThreshold":1,"failureThreshold":3},"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent"}],"restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","serviceAccountName":"default","nodeName":"node-)" +
      std::to_string(index % 40) +
      R"(","priority":0},"status":{"phase":"Running","conditions":[{"type":"Initialized","status":"True","lastTransitionTime":"2023-11-14T22:13:20Z"},{"type":"Ready","status":"True","lastTransitionTime":"2023-11-14T22:13:31Z"},{"type":"PodScheduled","status":"True","lastTransitionTime":"2023-11-14T22:13:20Z"}],"hostIP":"10.0.0.)" +
      std::to_string(index % 40) + R"(","podIP":"10.244.)" + std::to_string((index / 250) % 250) + "." +
      std::to_string(index % 250) +
      R"(","containerStatuses":[{"name":"web","state":{"running":{"startedAt":"2023-11-14T22:13:25Z"}},"ready":true,"restartCount":0,"image":"registry.example.com/team/web:1.25.3","imageID":"registry.example.com/team/web@sha256:4f1c6b5d0d2a9e8f7c6b5a4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f","containerID":"containerd://)" +
      p.uid + R"(","started":true}],"qosClass":"Burstable"}})";
  p.json = std::move(json);
  return p;
}

struct Args {
  std::string host = "127.0.0.1", user = "root";
  int port = 3306;
  long objects = 1000000;
  int query_runs = 50;
};

bool ParseArgs(int argc, char** argv, Args* a) {
  if (const char* h = std::getenv("PEDIA_TEST_MYSQL_HOST")) a->host = h;
  if (const char* p = std::getenv("PEDIA_TEST_MYSQL_PORT")) a->port = std::atoi(p);
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (k == "--objects")
      a->objects = std::atol(next().c_str());
    else if (k == "--host")
      a->host = next();
    else if (k == "--port")
      a->port = std::atoi(next().c_str());
    else if (k == "--user")
      a->user = next();
    else if (k == "--query-runs")
      a->query_runs = std::atoi(next().c_str());
    else {
      std::fprintf(stderr, "usage: mariadb_bench [--objects N] [--host H] [--port P] [--user U] [--query-runs N]\n");
      return false;
    }
  }
  if (a->objects < kClusters * kPodsPerReplicaSet) {
    std::fprintf(stderr, "--objects must be at least %d\n", kClusters * kPodsPerReplicaSet);
    return false;
  }
  return true;
}

MYSQL* RawConnect(const Args& a, const char* db) {
  MYSQL* m = mysql_init(nullptr);
  if (!mysql_real_connect(m, a.host.c_str(), a.user.c_str(), "", db, a.port, nullptr, 0)) {
    std::fprintf(stderr, "connect: %s\n", mysql_error(m));
    std::exit(1);
  }
  return m;
}

void RawQuery(MYSQL* m, const std::string& sql) {
  if (mysql_real_query(m, sql.data(), sql.size()) != 0) {
    std::fprintf(stderr, "raw query failed: %s\n", mysql_error(m));
    std::exit(1);
  }
}

std::string Escaped(MYSQL* m, const std::string& s) {
  std::string out(s.size() * 2 + 1, '\0');
  out.resize(mysql_real_escape_string(m, out.data(), s.data(), s.size()));
  return "'" + out + "'";
}

// The baseline: the same rows, multi-row INSERT ... ON DUPLICATE KEY UPDATE,
// 500 rows a statement, autocommit, into raw_resources, a copy of the
// resources table (same columns and indexes, no labels table).
double RawIngest(MYSQL* m, int c, long per_cluster) {
  double busy = 0;
  std::string sql;
  {
    std::string cluster = "'cluster-" + std::to_string(c) + "'";
    for (long start = 0; start < per_cluster; start += kBatch) {
      std::vector<PodRecord> pods;
      for (long i = start; i < std::min(per_cluster, start + kBatch); ++i) pods.push_back(MakePod(c, i));
      auto t0 = Clock::now();
      sql =
          "INSERT INTO raw_resources (cluster, `group`, version, resource, kind, namespace, name, uid, owner_uid, "
          "resource_version, rv_num, creation_unix_ms, object) VALUES ";
      for (size_t k = 0; k < pods.size(); ++k) {
        const PodRecord& p = pods[k];
        if (k) sql += ",";
        sql += "(" + cluster + ",'','v1','pods','Pod'," + Escaped(m, p.ns) + "," + Escaped(m, p.name) + "," +
               Escaped(m, p.uid) + "," + Escaped(m, p.owner_uid) + "," + Escaped(m, p.rv) + "," + p.rv + "," +
               std::to_string(p.created) + "," + Escaped(m, p.json) + ")";
      }
      sql +=
          " ON DUPLICATE KEY UPDATE uid=VALUES(uid), owner_uid=VALUES(owner_uid), "
          "resource_version=VALUES(resource_version), rv_num=VALUES(rv_num), object=VALUES(object)";
      RawQuery(m, sql);
      busy += Seconds(t0, Clock::now());
    }
  }
  return busy;
}

std::vector<sdk::Write> ToWrites(const std::vector<PodRecord>& pods) {
  std::vector<sdk::Write> writes(pods.size());
  for (size_t i = 0; i < pods.size(); ++i) {
    sdk::Object& o = writes[i].object;
    o.namespace_name = pods[i].ns;
    o.name = pods[i].name;
    o.uid = pods[i].uid;
    o.owner_uid = pods[i].owner_uid;
    o.resource_version = pods[i].rv;
    o.creation_unix_ms = pods[i].created;
    for (const auto& [k, v] : pods[i].labels) o.labels.emplace_back(k, v);
    o.object = pods[i].json;
  }
  return writes;
}

void Check(const sdk::Status& s, const char* what) {
  if (s.ok()) return;
  std::fprintf(stderr, "%s failed: %s\n", what, s.message.c_str());
  std::exit(1);
}

double LayerIngest(RelationalLayer& layer, int c, long per_cluster) {
  double busy = 0;
  {
    std::string cluster = "cluster-" + std::to_string(c);
    for (long start = 0; start < per_cluster; start += kBatch) {
      std::vector<PodRecord> pods;
      for (long i = start; i < std::min(per_cluster, start + kBatch); ++i) pods.push_back(MakePod(c, i));
      std::vector<sdk::Write> writes = ToWrites(pods);
      size_t failed = 0;
      auto t0 = Clock::now();
      Check(layer.WriteBatch({cluster, {"", "v1", "pods"}, "Pod", true}, writes, &failed), "write batch");
      busy += Seconds(t0, Clock::now());
    }
  }
  return busy;
}

// The owners: one ReplicaSet per 100 pods, one Deployment per ReplicaSet.
void WriteOwners(RelationalLayer& layer, long per_cluster) {
  for (int c = 0; c < kClusters; ++c) {
    std::string cluster = "cluster-" + std::to_string(c);
    for (const char* kind : {"ReplicaSet", "Deployment"}) {
      bool rs = std::string(kind) == "ReplicaSet";
      std::vector<PodRecord> owners;
      for (long r = 0; r * kPodsPerReplicaSet < per_cluster; ++r) {
        PodRecord o;
        o.ns = "ns-" + std::to_string((r * kPodsPerReplicaSet) % 50);
        o.name = "web-" + std::to_string(r);
        o.uid = Uid(rs ? "rs" : "de", c, r);
        o.owner_uid = rs ? Uid("de", c, r) : "";
        o.rv = std::to_string(r + 1);
        o.created = 1700000000000;
        o.json =
            std::string(R"({"apiVersion":"apps/v1","kind":")") + kind + R"(","metadata":{"name":")" + o.name + R"("}})";
        owners.push_back(std::move(o));
      }
      for (size_t start = 0; start < owners.size(); start += kBatch) {
        std::vector<PodRecord> chunk(owners.begin() + start, owners.begin() + std::min(owners.size(), start + kBatch));
        size_t failed = 0;
        Check(layer.WriteBatch({cluster, {"apps", "v1", rs ? "replicasets" : "deployments"}, kind, true},
                               ToWrites(chunk), &failed),
              "owner batch");
      }
    }
  }
}

struct Timing {
  double p50, p90;
  long rows;
};

template <class Fn>
Timing Measure(int runs, Fn&& fn) {
  std::vector<double> ms;
  long rows = 0;
  for (int i = 0; i < runs; ++i) {
    auto t0 = Clock::now();
    rows = fn(i);
    ms.push_back(Seconds(t0, Clock::now()) * 1000);
  }
  std::sort(ms.begin(), ms.end());
  return {ms[ms.size() / 2], ms[ms.size() * 9 / 10], rows};
}

long CountList(RelationalLayer& layer, const sdk::Query& q) {
  long rows = 0;
  pedia_storage_row_sink sink{};
  sink.ctx = &rows;
  sink.row = [](void* ctx, const pedia_storage_row*) {
    ++*static_cast<long*>(ctx);
    return 0;
  };
  Check(layer.List(q, sdk::RowSink(&sink)), "list");
  return rows;
}

// Times one raw SQL statement, reading every row.
double RawQueryMs(MYSQL* m, const std::string& sql, long* rows) {
  auto t0 = Clock::now();
  RawQuery(m, sql);
  MYSQL_RES* res = mysql_use_result(m);
  *rows = 0;
  while (res && mysql_fetch_row(res)) ++*rows;
  if (res) mysql_free_result(res);
  return Seconds(t0, Clock::now()) * 1000;
}

// The alternatives the schema was chosen against, measured on the same rows:
// Clusterpedia's label query (JSON_EXTRACT over every row, no order) and its
// owner query without indexes on uid and owner_uid.
void Baselines(const Args& a, long per_cluster) {
  MYSQL* m = RawConnect(a, "pedia_bench");
  std::vector<double> ms;
  long rows = 0;
  for (int i = 0; i < 5; ++i) {
    ms.push_back(RawQueryMs(m,
                            "SELECT object FROM resources WHERE `group` = '' AND version = 'v1' AND resource = 'pods' "
                            "AND JSON_UNQUOTE(JSON_EXTRACT(object, '$.\"metadata\".\"labels\".\"app\"')) = 'app-" +
                                std::to_string(17 + i) + "' LIMIT 500",
                            &rows));
  }
  std::sort(ms.begin(), ms.end());
  std::printf("baseline: label selector by JSON_EXTRACT scan, no order, LIMIT 500: p50 %.1f ms  (%ld rows)\n",
              ms[ms.size() / 2], rows);
  ms.clear();
  for (int i = 0; i < 3; ++i) {
    std::string cluster = "'cluster-" + std::to_string(i) + "'";
    std::string deployment = "'" + Uid("de", i, (i * 37) % (per_cluster / kPodsPerReplicaSet)) + "'";
    ms.push_back(RawQueryMs(m,
                            "SELECT object FROM resources IGNORE INDEX (idx_cluster_owner_uid, idx_cluster_uid) WHERE "
                            "`group` = '' AND version = 'v1' AND resource = 'pods' AND cluster = " +
                                cluster +
                                " AND owner_uid IN (SELECT uid FROM resources IGNORE INDEX (idx_cluster_owner_uid, "
                                "idx_cluster_uid) WHERE cluster = " +
                                cluster + " AND owner_uid = " + deployment + ")",
                            &rows));
  }
  std::sort(ms.begin(), ms.end());
  std::printf("baseline: owner seniority 1 without the uid/owner_uid indexes: p50 %.1f ms  (%ld rows)\n",
              ms[ms.size() / 2], rows);
  mysql_close(m);
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  if (!ParseArgs(argc, argv, &a)) return 2;
  const long per_cluster = a.objects / kClusters;
  std::printf("mariadb_bench: %ld pods (%d clusters x %ld), server %s:%d\n", per_cluster * kClusters, kClusters,
              per_cluster, a.host.c_str(), a.port);
  std::printf("pod object size: %zu bytes\n", MakePod(0, 12345).json.size());

  {  // a fresh database
    MYSQL* m = RawConnect(a, nullptr);
    RawQuery(m, "DROP DATABASE IF EXISTS pedia_bench");
    mysql_close(m);
  }
  std::string config = "type: mysql\nhost: " + a.host + "\nport: " + std::to_string(a.port) + "\nuser: " + a.user +
                       "\ndatabase: pedia_bench\n";
  std::unique_ptr<RelationalLayer> layer;
  Check(RelationalLayer::OpenWithEnv(
            config, "bench", [](const char*) { return std::nullopt; }, &layer),
        "open");

  // Ingest cluster by cluster, alternating which side goes first, so that the
  // load of this shared machine falls on both sides alike.
  MYSQL* raw_conn = RawConnect(a, "pedia_bench");
  RawQuery(raw_conn, "DROP TABLE IF EXISTS raw_resources");
  RawQuery(raw_conn, "CREATE TABLE raw_resources LIKE resources");
  double raw = 0, through_layer = 0;
  for (int c = 0; c < kClusters; ++c) {
    if (c % 2 == 0) raw += RawIngest(raw_conn, c, per_cluster);
    through_layer += LayerIngest(*layer, c, per_cluster);
    if (c % 2 == 1) raw += RawIngest(raw_conn, c, per_cluster);
    std::printf("  cluster %d: raw %.1f s, layer %.1f s so far\n", c, raw, through_layer);
    std::fflush(stdout);
  }
  RawQuery(raw_conn, "DROP TABLE raw_resources");
  mysql_close(raw_conn);
  double raw_rate = static_cast<double>(per_cluster * kClusters) / raw;
  std::printf("raw multi-row insert:  %8.1f s  %9.0f rows/s\n", raw, raw_rate);
  double layer_rate = static_cast<double>(per_cluster * kClusters) / through_layer;
  std::printf("through the layer:     %8.1f s  %9.0f rows/s\n", through_layer, layer_rate);
  std::printf("ingest ratio layer/raw: %.2f (target >= 0.8)\n", layer_rate / raw_rate);
  WriteOwners(*layer, per_cluster);

  std::mt19937 rng(42);
  Timing label = Measure(a.query_runs, [&](int) {
    sdk::Query q;
    q.gvr = {"", "v1", "pods"};
    sdk::Requirement r;
    r.key = "app";
    r.op = PEDIA_STORAGE_OP_EQUALS;
    std::string value = "app-" + std::to_string(rng() % kAppValues);
    r.values = {value};
    q.labels = {r};
    q.limit = 500;
    return CountList(*layer, q);
  });
  std::printf("label selector (1%%) limit=500: p50 %.1f ms  p90 %.1f ms  (%ld rows; target p50 < 20 ms)\n", label.p50,
              label.p90, label.rows);

  Timing owner = Measure(a.query_runs, [&](int) {
    int c = static_cast<int>(rng() % kClusters);
    long deployment = static_cast<long>(rng() % static_cast<unsigned>(per_cluster / kPodsPerReplicaSet));
    std::string cluster = "cluster-" + std::to_string(c), uid = Uid("de", c, deployment);
    sdk::Query q;
    q.gvr = {"", "v1", "pods"};
    q.clusters = {cluster};
    q.owner_uid = uid;
    q.owner_seniority = 1;
    return CountList(*layer, q);
  });
  std::printf("owner seniority 1: p50 %.1f ms  p90 %.1f ms  (%ld rows; target < 50 ms)\n", owner.p50, owner.p90,
              owner.rows);

  Timing rvs = Measure(3, [&](int i) {
    long n = 0;
    pedia_storage_rv_sink sink{};
    sink.ctx = &n;
    sink.entry = [](void* ctx, const pedia_storage_gvr*, pedia_storage_bytes, pedia_storage_bytes,
                    pedia_storage_bytes) { ++*static_cast<long*>(ctx); };
    Check(layer->ResourceVersions("cluster-" + std::to_string(i + 1), sdk::RvSink(&sink)), "resource versions");
    return n;
  });
  std::printf("resource versions of one cluster: median %.0f ms  (%ld entries; target < 1000 ms)\n", rvs.p50, rvs.rows);
  Baselines(a, per_cluster);
  return 0;
}
