#include "server/table.h"

#include <nlohmann/json.hpp>

#include "base/rfc3339.h"
#include "catch.h"

namespace pedia::server {
namespace {

// Renders one row's cells as a parsed JSON array.
nlohmann::json Cells(const TablePrinter& p, std::string_view obj, int64_t now) {
  std::string out = "[";
  p.AppendCells(obj, "c1", now, &out);
  out += "]";
  return nlohmann::json::parse(out);
}

std::vector<std::string> Names(const TablePrinter& p) {
  std::vector<std::string> out;
  for (const TableColumn& c : p.Columns()) out.push_back(c.name);
  return out;
}

int64_t T(const char* ts) {
  int64_t t = 0;
  ParseRfc3339Seconds(ts, &t);
  return t;
}

}  // namespace

TEST_CASE("HumanDuration matches Kubernetes", "[server]") {
  CHECK(HumanDuration(45) == "45s");
  CHECK(HumanDuration(119) == "119s");
  CHECK(HumanDuration(5 * 60 + 3) == "5m3s");
  CHECK(HumanDuration(5 * 60) == "5m");
  CHECK(HumanDuration(90 * 60) == "90m");
  CHECK(HumanDuration(5 * 3600 + 120) == "5h2m");
  CHECK(HumanDuration(30 * 3600) == "30h");
  CHECK(HumanDuration(3 * 86400 + 3600) == "3d1h");
  CHECK(HumanDuration(100 * 86400) == "100d");
  CHECK(HumanDuration(3 * 365 * 86400 + 10 * 86400) == "3y10d");
  CHECK(HumanDuration(-1) == "0s");
  CHECK(HumanDuration(-5) == "<invalid>");
}

TEST_CASE("pod table has kubectl's columns, CLUSTER first, wide ones at priority 1", "[server]") {
  const TablePrinter* p = BuiltinPrinter("", "pods");
  REQUIRE(p);
  CHECK(Names(*p) == std::vector<std::string>{"Cluster", "Name", "Ready", "Status", "Restarts", "Age", "IP", "Node",
                                              "Nominated Node", "Readiness Gates"});
  CHECK(p->Columns()[6].priority == 1);
  CHECK(p->Columns()[5].priority == 0);
  std::string pod = R"({"metadata":{"name":"web-1","creationTimestamp":"2024-01-01T00:00:00Z"},
    "spec":{"nodeName":"n1","containers":[{"name":"a"},{"name":"b"}]},
    "status":{"phase":"Running","podIP":"10.0.0.5","containerStatuses":[
      {"name":"a","ready":true,"restartCount":2,"state":{"running":{}},
       "lastState":{"terminated":{"finishedAt":"2024-01-01T00:50:00Z"}}},
      {"name":"b","ready":false,"restartCount":0,"state":{"waiting":{"reason":"CrashLoopBackOff"}}}]}})";
  auto cells = Cells(*p, pod, T("2024-01-01T01:00:00Z"));
  CHECK(cells[0] == "c1");
  CHECK(cells[1] == "web-1");
  CHECK(cells[2] == "1/2");
  CHECK(cells[3] == "CrashLoopBackOff");
  CHECK(cells[4] == "2 (10m ago)");
  CHECK(cells[5] == "60m");
  CHECK(cells[6] == "10.0.0.5");
  CHECK(cells[7] == "n1");
  CHECK(cells[8] == "<none>");
  CHECK(cells[9] == "<none>");
}

TEST_CASE("pod status reports init containers and termination", "[server]") {
  const TablePrinter* p = BuiltinPrinter("", "pods");
  std::string init = R"({"metadata":{"name":"x"},"spec":{"initContainers":[{"name":"i"}],"containers":[{"name":"a"}]},
    "status":{"phase":"Pending","initContainerStatuses":[{"name":"i","state":{"running":{}}}]}})";
  CHECK(Cells(*p, init, 0)[3] == "Init:0/1");
  std::string deleting = R"({"metadata":{"name":"x","deletionTimestamp":"2024-01-01T00:00:00Z"},
    "spec":{"containers":[{"name":"a"}]},"status":{"phase":"Running"}})";
  CHECK(Cells(*p, deleting, 0)[3] == "Terminating");
}

TEST_CASE("workload, service and node tables", "[server]") {
  std::string deploy = R"({"metadata":{"name":"web","creationTimestamp":"2024-01-01T00:00:00Z"},
    "spec":{"replicas":3,"selector":{"matchLabels":{"app":"web"}},
            "template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1"}]}}},
    "status":{"readyReplicas":2,"updatedReplicas":3,"availableReplicas":2}})";
  const TablePrinter* d = BuiltinPrinter("apps", "deployments");
  REQUIRE(d);
  CHECK(Names(*d) == std::vector<std::string>{"Cluster", "Name", "Ready", "Up-to-date", "Available", "Age",
                                              "Containers", "Images", "Selector"});
  auto c = Cells(*d, deploy, T("2024-01-01T00:01:00Z"));
  CHECK(c[2] == "2/3");
  CHECK(c[3] == 3);
  CHECK(c[4] == 2);
  CHECK(c[5] == "60s");
  CHECK(c[6] == "nginx");
  CHECK(c[7] == "nginx:1");
  CHECK(c[8] == "app=web");

  std::string svc = R"({"metadata":{"name":"s"},"spec":{"type":"NodePort","clusterIP":"10.96.0.10",
    "ports":[{"port":80,"nodePort":30080,"protocol":"TCP"},{"port":53,"protocol":"UDP"}],"selector":{"b":"2","a":"1"}}})";
  auto s = Cells(*BuiltinPrinter("", "services"), svc, 0);
  CHECK(s[2] == "NodePort");
  CHECK(s[3] == "10.96.0.10");
  CHECK(s[4] == "<none>");
  CHECK(s[5] == "80:30080/TCP,53/UDP");
  CHECK(s[7] == "a=1,b=2");

  std::string node = R"({"metadata":{"name":"n1","labels":{"node-role.kubernetes.io/control-plane":""}},
    "spec":{"unschedulable":true},
    "status":{"conditions":[{"type":"Ready","status":"True"}],"nodeInfo":{"kubeletVersion":"v1.30.0"},
              "addresses":[{"type":"InternalIP","address":"192.168.0.2"}]}})";
  auto n = Cells(*BuiltinPrinter("", "nodes"), node, 0);
  CHECK(n[2] == "Ready,SchedulingDisabled");
  CHECK(n[3] == "control-plane");
  CHECK(n[5] == "v1.30.0");
  CHECK(n[6] == "192.168.0.2");
  CHECK(n[7] == "<none>");
}

TEST_CASE("every listed kind has a printer whose cells match its columns", "[server]") {
  const char* kinds[][2] = {{"", "pods"},
                            {"apps", "deployments"},
                            {"apps", "replicasets"},
                            {"apps", "statefulsets"},
                            {"apps", "daemonsets"},
                            {"", "services"},
                            {"", "nodes"},
                            {"", "namespaces"},
                            {"", "configmaps"},
                            {"", "secrets"},
                            {"", "events"},
                            {"batch", "jobs"},
                            {"batch", "cronjobs"},
                            {"networking.k8s.io", "ingresses"},
                            {"", "persistentvolumes"},
                            {"", "persistentvolumeclaims"}};
  for (auto& k : kinds) {
    INFO(k[1]);
    const TablePrinter* p = BuiltinPrinter(k[0], k[1]);
    REQUIRE(p);
    CHECK(p->Columns()[0].name == "Cluster");
    for (std::string_view obj : {std::string_view("{}"), std::string_view("not json"),
                                 std::string_view(R"({"metadata":{"name":"n"},"spec":null,"status":7})")}) {
      auto cells = Cells(*p, obj, 0);
      CHECK(cells.size() == p->Columns().size());
    }
  }
  CHECK(BuiltinPrinter("", "limitranges") == nullptr);
}

TEST_CASE("custom resources print their additionalPrinterColumns", "[server]") {
  auto p = MakeCustomPrinter({{"Replicas", "integer", "", "", 0, ".spec.replicas"},
                              {"Phase", "string", "", "", 1, ".status.phase"},
                              {"Age", "date", "", "", 0, ".metadata.creationTimestamp"}});
  CHECK(Names(*p) == std::vector<std::string>{"Cluster", "Name", "Replicas", "Phase", "Age"});
  auto c =
      Cells(*p, R"({"metadata":{"name":"x","creationTimestamp":"1970-01-01T00:00:00Z"},"spec":{"replicas":4}})", 30);
  CHECK(c[1] == "x");
  CHECK(c[2] == 4);
  CHECK(c[3].is_null());
  CHECK(c[4] == "30s");
}

TEST_CASE("column definitions render as meta.k8s.io TableColumnDefinition", "[server]") {
  std::string out = "{";
  AppendColumnDefinitions(DefaultPrinter()->Columns(), &out);
  out += "}";
  auto j = nlohmann::json::parse(out);
  REQUIRE(j["columnDefinitions"].size() == 3);
  CHECK(j["columnDefinitions"][0]["name"] == "Cluster");
  CHECK(j["columnDefinitions"][1]["format"] == "name");
  CHECK(j["columnDefinitions"][2]["name"] == "Age");
}

}  // namespace pedia::server
