#include "server/table.h"

#include <algorithm>
#include <functional>
#include <map>

#include "base/json_text.h"
#include "base/rfc3339.h"
#include "base/string_util.h"
#include "server/json_scan.h"

namespace pedia::server {
namespace {

using json::ForEachElement;
using json::ForEachMember;
using json::Member;
using json::Path;

constexpr const char* kNameDoc =
    "Name must be unique within a namespace. Is required when creating resources, although some resources "
    "may allow a client to request the generation of an appropriate name automatically. Name is primarily "
    "intended for creation idempotence and configuration definition. Cannot be updated.";
constexpr const char* kAgeDoc =
    "CreationTimestamp is a timestamp representing the server time when this object was created.";
constexpr const char* kClusterDoc = "The member cluster the object was synced from.";

// A cell value as JSON text.
std::string Str(std::string_view s) { return JsonQuote(s); }
std::string Int(int64_t v) { return std::to_string(v); }
std::string NoneIfEmpty(std::string s) { return Str(s.empty() ? "<none>" : s); }

std::string S(std::string_view value) { return json::String(value); }
int64_t I(std::string_view value) {
  int64_t v = 0;
  json::Int(value, &v);
  return v;
}

std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out.append(sep);
    out += parts[i];
  }
  return out;
}

std::string Age(std::string_view obj, int64_t now) { return AgeOf(Path(obj, {"metadata", "creationTimestamp"}), now); }

bool Deleting(std::string_view obj) {
  std::string_view v = json::TrimValue(Path(obj, {"metadata", "deletionTimestamp"}));
  return !v.empty() && v != "null";
}

// Kubernetes' labels.FormatLabels: sorted "k=v,k2=v2", "<none>" when empty.
std::string FormatLabels(std::string_view map) {
  std::map<std::string, std::string> sorted;
  ForEachMember(map, [&](std::string_view k, std::string_view v) {
    sorted[std::string(k)] = S(v);
    return true;
  });
  std::vector<std::string> parts;
  for (auto& [k, v] : sorted) parts.push_back(k + "=" + v);
  return parts.empty() ? "<none>" : Join(parts, ",");
}

// metav1.FormatLabelSelector.
std::string FormatSelector(std::string_view selector) {
  if (json::TrimValue(selector).empty() || json::TrimValue(selector) == "null") return "<none>";
  std::vector<std::string> parts;
  std::map<std::string, std::string> sorted;
  ForEachMember(Member(selector, "matchLabels"), [&](std::string_view k, std::string_view v) {
    sorted[std::string(k)] = S(v);
    return true;
  });
  for (auto& [k, v] : sorted) parts.push_back(k + "=" + v);
  ForEachElement(Member(selector, "matchExpressions"), [&](std::string_view e) {
    std::string key = S(Member(e, "key"));
    std::string op = S(Member(e, "operator"));
    std::vector<std::string> values;
    ForEachElement(Member(e, "values"), [&](std::string_view v) { return values.push_back(S(v)), true; });
    if (op == "In")
      parts.push_back(key + " in (" + Join(values, ",") + ")");
    else if (op == "NotIn")
      parts.push_back(key + " notin (" + Join(values, ",") + ")");
    else if (op == "Exists")
      parts.push_back(key);
    else if (op == "DoesNotExist")
      parts.push_back("!" + key);
    return true;
  });
  return parts.empty() ? "<none>" : Join(parts, ",");
}

// Containers and images of a pod template spec (wide columns).
void ContainersAndImages(std::string_view pod_spec, std::vector<std::string>* cells) {
  std::vector<std::string> names, images;
  ForEachElement(Member(pod_spec, "containers"), [&](std::string_view c) {
    names.push_back(S(Member(c, "name")));
    images.push_back(S(Member(c, "image")));
    return true;
  });
  cells->push_back(Str(Join(names, ",")));
  cells->push_back(Str(Join(images, ",")));
}

using CellFn = std::function<void(std::string_view obj, int64_t now, std::vector<std::string>* cells)>;

class BuiltinTablePrinter : public TablePrinter {
 public:
  BuiltinTablePrinter(std::vector<TableColumn> columns, CellFn cells) : cells_(std::move(cells)) {
    columns_.push_back({"Cluster", "string", "", kClusterDoc, 0, ""});
    for (TableColumn& c : columns) columns_.push_back(std::move(c));
  }
  const std::vector<TableColumn>& Columns() const override { return columns_; }
  void AppendCells(std::string_view obj, std::string_view cluster, int64_t now, std::string* out) const override {
    std::vector<std::string> cells;
    cells.reserve(columns_.size());
    cells.push_back(Str(cluster));
    cells_(obj, now, &cells);
    // A printer bug must not produce a Table kubectl rejects.
    while (cells.size() < columns_.size()) cells.push_back(Str(""));
    for (size_t i = 0; i < columns_.size(); ++i) {
      if (i) *out += ',';
      *out += cells[i];
    }
  }

 private:
  std::vector<TableColumn> columns_;
  CellFn cells_;
};

TableColumn Col(const char* name, const char* type = "string", int priority = 0, const char* description = "") {
  return TableColumn{name, type, "", description, priority, ""};
}
TableColumn NameCol() { return TableColumn{"Name", "string", "name", kNameDoc, 0, ""}; }
TableColumn AgeCol() { return TableColumn{"Age", "string", "", kAgeDoc, 0, ""}; }

std::string Name(std::string_view obj) { return S(Path(obj, {"metadata", "name"})); }

// --- pods (printPod) ---
void PodCells(std::string_view pod, int64_t now, std::vector<std::string>* cells) {
  // Pods are the largest lists: read each level's fields in one pass.
  std::string_view top[3], sp[4], st[8];
  json::Members(pod, {"metadata", "spec", "status"}, top);
  json::Members(top[1], {"containers", "initContainers", "readinessGates", "nodeName"}, sp);
  json::Members(top[2],
                {"phase", "reason", "conditions", "initContainerStatuses", "containerStatuses", "podIPs", "podIP",
                 "nominatedNodeName"},
                st);
  std::string_view metadata = top[0];
  std::string_view conditions = st[2];
  int64_t total = json::Count(sp[0]);
  int64_t ready = 0, restarts = 0, last_restart = 0;
  std::string reason = S(st[0]);
  std::string status_reason = S(st[1]);
  if (!status_reason.empty()) reason = status_reason;
  ForEachElement(conditions, [&](std::string_view c) {
    if (S(Member(c, "type")) == "PodScheduled" && S(Member(c, "reason")) == "SchedulingGated") {
      reason = "SchedulingGated";
    }
    return true;
  });
  auto note_restart = [&](std::string_view cs) {
    restarts += I(Member(cs, "restartCount"));
    int64_t t = 0;
    if (ParseRfc3339Seconds(S(Path(cs, {"lastState", "terminated", "finishedAt"})), &t)) {
      last_restart = std::max(last_restart, t);
    }
  };
  bool initializing = false;
  int64_t init_total = json::Count(sp[1]);
  int64_t index = 0;
  ForEachElement(st[3], [&](std::string_view cs) {
    note_restart(cs);
    std::string_view terminated = Path(cs, {"state", "terminated"});
    std::string_view waiting = Path(cs, {"state", "waiting"});
    bool has_terminated = !terminated.empty() && json::TrimValue(terminated) != "null";
    if (has_terminated && I(Member(terminated, "exitCode")) == 0) {
      ++index;
      return true;
    }
    if (has_terminated) {
      std::string r = S(Member(terminated, "reason"));
      if (r.empty()) {
        int64_t signal = I(Member(terminated, "signal"));
        r = signal != 0 ? "Signal:" + Int(signal) : "ExitCode:" + Int(I(Member(terminated, "exitCode")));
      }
      reason = "Init:" + r;
    } else if (!S(Member(waiting, "reason")).empty() && S(Member(waiting, "reason")) != "PodInitializing") {
      reason = "Init:" + S(Member(waiting, "reason"));
    } else {
      reason = "Init:" + Int(index) + "/" + Int(init_total);
    }
    initializing = true;
    return false;
  });
  if (!initializing) {
    restarts = 0;
    bool has_running = false;
    std::vector<std::string_view> statuses;
    ForEachElement(st[4], [&](std::string_view cs) { return statuses.push_back(cs), true; });
    for (auto it = statuses.rbegin(); it != statuses.rend(); ++it) {
      std::string_view cs = *it;
      note_restart(cs);
      std::string_view state = Member(cs, "state");
      std::string waiting_reason = S(Path(state, {"waiting", "reason"}));
      std::string_view terminated = Member(state, "terminated");
      bool has_terminated = !terminated.empty() && json::TrimValue(terminated) != "null";
      if (!waiting_reason.empty()) {
        reason = waiting_reason;
      } else if (has_terminated && !S(Member(terminated, "reason")).empty()) {
        reason = S(Member(terminated, "reason"));
      } else if (has_terminated) {
        int64_t signal = I(Member(terminated, "signal"));
        reason = signal != 0 ? "Signal:" + Int(signal) : "ExitCode:" + Int(I(Member(terminated, "exitCode")));
      } else if (json::IsTrue(Member(cs, "ready")) && !Member(state, "running").empty()) {
        has_running = true;
        ++ready;
      }
    }
    if (reason == "Completed" && has_running) {
      bool pod_ready = false;
      ForEachElement(conditions, [&](std::string_view c) {
        if (S(Member(c, "type")) == "Ready" && S(Member(c, "status")) == "True") pod_ready = true;
        return true;
      });
      reason = pod_ready ? "Running" : "NotReady";
    }
  }
  std::string_view deletion = json::TrimValue(Member(metadata, "deletionTimestamp"));
  if (!deletion.empty() && deletion != "null") reason = status_reason == "NodeLost" ? "Unknown" : "Terminating";
  std::string restarts_text = Int(restarts);
  if (restarts != 0 && last_restart != 0) restarts_text += " (" + HumanDuration(now - last_restart) + " ago)";
  cells->push_back(Str(S(Member(metadata, "name"))));
  cells->push_back(Str(Int(ready) + "/" + Int(total)));
  cells->push_back(Str(reason));
  cells->push_back(Str(restarts_text));
  cells->push_back(Str(AgeOf(Member(metadata, "creationTimestamp"), now)));
  // wide
  std::string ip;
  ForEachElement(st[5], [&](std::string_view p) { return ip = S(Member(p, "ip")), false; });
  if (ip.empty()) ip = S(st[6]);
  cells->push_back(NoneIfEmpty(ip));
  cells->push_back(NoneIfEmpty(S(sp[3])));
  cells->push_back(NoneIfEmpty(S(st[7])));
  int64_t gates = json::Count(sp[2]);
  if (gates == 0) {
    cells->push_back(Str("<none>"));
  } else {
    int64_t true_gates = 0;
    ForEachElement(sp[2], [&](std::string_view g) {
      std::string type = S(Member(g, "conditionType"));
      ForEachElement(conditions, [&](std::string_view c) {
        if (S(Member(c, "type")) == type && S(Member(c, "status")) == "True") ++true_gates;
        return true;
      });
      return true;
    });
    cells->push_back(Str(Int(true_gates) + "/" + Int(gates)));
  }
}

std::string_view TemplateSpec(std::string_view obj) { return Path(obj, {"spec", "template", "spec"}); }

int64_t Replicas(std::string_view spec) {
  std::string_view r = json::TrimValue(Member(spec, "replicas"));
  return r.empty() || r == "null" ? 1 : I(r);  // defaulted to 1 by the API server
}

void DeploymentCells(std::string_view o, int64_t now, std::vector<std::string>* c) {
  std::string_view spec = Member(o, "spec"), status = Member(o, "status");
  c->push_back(Str(Name(o)));
  c->push_back(Str(Int(I(Member(status, "readyReplicas"))) + "/" + Int(Replicas(spec))));
  c->push_back(Int(I(Member(status, "updatedReplicas"))));
  c->push_back(Int(I(Member(status, "availableReplicas"))));
  c->push_back(Str(Age(o, now)));
  ContainersAndImages(TemplateSpec(o), c);
  c->push_back(Str(FormatSelector(Member(spec, "selector"))));
}

void ReplicaSetCells(std::string_view o, int64_t now, std::vector<std::string>* c) {
  std::string_view spec = Member(o, "spec"), status = Member(o, "status");
  c->push_back(Str(Name(o)));
  c->push_back(Int(Replicas(spec)));
  c->push_back(Int(I(Member(status, "replicas"))));
  c->push_back(Int(I(Member(status, "readyReplicas"))));
  c->push_back(Str(Age(o, now)));
  ContainersAndImages(TemplateSpec(o), c);
  c->push_back(Str(FormatSelector(Member(spec, "selector"))));
}

void StatefulSetCells(std::string_view o, int64_t now, std::vector<std::string>* c) {
  std::string_view spec = Member(o, "spec"), status = Member(o, "status");
  c->push_back(Str(Name(o)));
  c->push_back(Str(Int(I(Member(status, "readyReplicas"))) + "/" + Int(Replicas(spec))));
  c->push_back(Str(Age(o, now)));
  ContainersAndImages(TemplateSpec(o), c);
}

void DaemonSetCells(std::string_view o, int64_t now, std::vector<std::string>* c) {
  std::string_view status = Member(o, "status");
  c->push_back(Str(Name(o)));
  for (const char* f : {"desiredNumberScheduled", "currentNumberScheduled", "numberReady", "updatedNumberScheduled",
                        "numberAvailable"}) {
    c->push_back(Int(I(Member(status, f))));
  }
  c->push_back(Str(FormatLabels(Member(TemplateSpec(o), "nodeSelector"))));
  c->push_back(Str(Age(o, now)));
  ContainersAndImages(TemplateSpec(o), c);
  c->push_back(Str(FormatSelector(Path(o, {"spec", "selector"}))));
}

std::string LoadBalancerAddresses(std::string_view status) {
  std::vector<std::string> out;
  ForEachElement(Path(status, {"loadBalancer", "ingress"}), [&](std::string_view i) {
    std::string ip = S(Member(i, "ip"));
    out.push_back(!ip.empty() ? ip : S(Member(i, "hostname")));
    return true;
  });
  return Join(out, ",");
}

void ServiceCells(std::string_view o, int64_t now, std::vector<std::string>* c) {
  std::string_view spec = Member(o, "spec");
  std::string type = S(Member(spec, "type"));
  if (type.empty()) type = "ClusterIP";
  std::vector<std::string> external_ips;
  ForEachElement(Member(spec, "externalIPs"), [&](std::string_view v) { return external_ips.push_back(S(v)), true; });
  std::string external;
  if (type == "ExternalName") {
    external = S(Member(spec, "externalName"));
  } else if (type == "LoadBalancer") {
    std::string lb = LoadBalancerAddresses(Member(o, "status"));
    if (!external_ips.empty()) lb = lb.empty() ? Join(external_ips, ",") : lb + "," + Join(external_ips, ",");
    external = lb.empty() ? "<pending>" : lb;
  } else {
    external = external_ips.empty() ? "<none>" : Join(external_ips, ",");
  }
  std::vector<std::string> ports;
  ForEachElement(Member(spec, "ports"), [&](std::string_view p) {
    std::string protocol = S(Member(p, "protocol"));
    if (protocol.empty()) protocol = "TCP";
    std::string text = Int(I(Member(p, "port")));
    int64_t node_port = I(Member(p, "nodePort"));
    if (node_port > 0) text += ":" + Int(node_port);
    ports.push_back(text + "/" + protocol);
    return true;
  });
  c->push_back(Str(Name(o)));
  c->push_back(Str(type));
  c->push_back(NoneIfEmpty(S(Member(spec, "clusterIP"))));
  c->push_back(Str(external));
  c->push_back(NoneIfEmpty(Join(ports, ",")));
  c->push_back(Str(Age(o, now)));
  c->push_back(Str(FormatLabels(Member(spec, "selector"))));
}

void NodeCells(std::string_view o, int64_t now, std::vector<std::string>* c) {
  std::string_view status = Member(o, "status");
  std::string ready = "Unknown";
  ForEachElement(Member(status, "conditions"), [&](std::string_view cond) {
    if (S(Member(cond, "type")) != "Ready") return true;
    std::string s = S(Member(cond, "status"));
    ready = s == "True" ? "Ready" : s == "False" ? "NotReady" : "Unknown";
    return false;
  });
  if (json::IsTrue(Path(o, {"spec", "unschedulable"}))) ready += ",SchedulingDisabled";
  std::vector<std::string> roles;
  ForEachMember(Path(o, {"metadata", "labels"}), [&](std::string_view k, std::string_view v) {
    constexpr std::string_view kPrefix = "node-role.kubernetes.io/";
    if (k.substr(0, kPrefix.size()) == kPrefix && k.size() > kPrefix.size()) {
      roles.emplace_back(k.substr(kPrefix.size()));
    } else if (k == "kubernetes.io/role" && !S(v).empty()) {
      roles.push_back(S(v));
    }
    return true;
  });
  std::sort(roles.begin(), roles.end());
  roles.erase(std::unique(roles.begin(), roles.end()), roles.end());
  std::string internal_ip, external_ip;
  ForEachElement(Member(status, "addresses"), [&](std::string_view a) {
    std::string type = S(Member(a, "type"));
    if (type == "InternalIP" && internal_ip.empty()) internal_ip = S(Member(a, "address"));
    if (type == "ExternalIP" && external_ip.empty()) external_ip = S(Member(a, "address"));
    return true;
  });
  std::string_view info = Member(status, "nodeInfo");
  c->push_back(Str(Name(o)));
  c->push_back(Str(ready));
  c->push_back(NoneIfEmpty(Join(roles, ",")));
  c->push_back(Str(Age(o, now)));
  c->push_back(Str(S(Member(info, "kubeletVersion"))));
  c->push_back(NoneIfEmpty(internal_ip));
  c->push_back(NoneIfEmpty(external_ip));
  c->push_back(Str(S(Member(info, "osImage"))));
  c->push_back(Str(S(Member(info, "kernelVersion"))));
  c->push_back(Str(S(Member(info, "containerRuntimeVersion"))));
}

void NamespaceCells(std::string_view o, int64_t now, std::vector<std::string>* c) {
  c->push_back(Str(Name(o)));
  c->push_back(Str(S(Path(o, {"status", "phase"}))));
  c->push_back(Str(Age(o, now)));
}

void ConfigMapCells(std::string_view o, int64_t now, std::vector<std::string>* c) {
  c->push_back(Str(Name(o)));
  c->push_back(Int(json::Count(Member(o, "data")) + json::Count(Member(o, "binaryData"))));
  c->push_back(Str(Age(o, now)));
}

void SecretCells(std::string_view o, int64_t now, std::vector<std::string>* c) {
  c->push_back(Str(Name(o)));
  c->push_back(Str(S(Member(o, "type"))));
  c->push_back(Int(json::Count(Member(o, "data"))));
  c->push_back(Str(Age(o, now)));
}

void EventCells(std::string_view o, int64_t now, std::vector<std::string>* c) {
  std::string_view involved = Member(o, "involvedObject");
  auto seen = [&](const char* field) {
    std::string ts = S(Member(o, field));
    if (ts.empty()) ts = S(Member(o, "eventTime"));
    int64_t t = 0;
    return ParseRfc3339Seconds(ts, &t) ? HumanDuration(now - t) : std::string("<unknown>");
  };
  std::string kind = AsciiLower(S(Member(involved, "kind")));
  std::string source = S(Path(o, {"source", "component"}));
  std::string host = S(Path(o, {"source", "host"}));
  if (source.empty()) source = S(Member(o, "reportingComponent"));
  if (!host.empty()) source += ", " + host;
  int64_t count = I(Member(o, "count"));
  c->push_back(Str(seen("lastTimestamp")));
  c->push_back(Str(S(Member(o, "type"))));
  c->push_back(Str(S(Member(o, "reason"))));
  c->push_back(Str(kind + "/" + S(Member(involved, "name"))));
  c->push_back(Str(S(Member(involved, "fieldPath"))));
  c->push_back(Str(source));
  c->push_back(Str(S(Member(o, "message"))));
  c->push_back(Str(seen("firstTimestamp")));
  c->push_back(Int(count == 0 ? 1 : count));
  c->push_back(Str(Name(o)));
}

bool HasCondition(std::string_view status, std::string_view type) {
  bool found = false;
  ForEachElement(Member(status, "conditions"), [&](std::string_view c) {
    if (S(Member(c, "type")) == type && S(Member(c, "status")) == "True") found = true;
    return !found;
  });
  return found;
}

void JobCells(std::string_view o, int64_t now, std::vector<std::string>* c) {
  std::string_view spec = Member(o, "spec"), status = Member(o, "status");
  std::string state = "Running";
  if (HasCondition(status, "Complete"))
    state = "Complete";
  else if (HasCondition(status, "Failed"))
    state = "Failed";
  else if (Deleting(o))
    state = "Terminating";
  else if (HasCondition(status, "SuccessCriteriaMet"))
    state = "SuccessCriteriaMet";
  else if (HasCondition(status, "FailureTarget"))
    state = "FailureTarget";
  else if (HasCondition(status, "Suspended"))
    state = "Suspended";
  std::string completions;
  std::string_view want = json::TrimValue(Member(spec, "completions"));
  int64_t succeeded = I(Member(status, "succeeded"));
  if (!want.empty() && want != "null") {
    completions = Int(succeeded) + "/" + Int(I(want));
  } else {
    std::string_view parallelism = json::TrimValue(Member(spec, "parallelism"));
    int64_t p = parallelism.empty() || parallelism == "null" ? 1 : I(parallelism);
    completions = p > 1 ? Int(succeeded) + "/1 of " + Int(p) : Int(succeeded) + "/1";
  }
  std::string duration;
  int64_t start = 0, end = 0;
  if (ParseRfc3339Seconds(S(Member(status, "startTime")), &start)) {
    if (!ParseRfc3339Seconds(S(Member(status, "completionTime")), &end)) end = now;
    duration = HumanDuration(end - start);
  }
  c->push_back(Str(Name(o)));
  c->push_back(Str(state));
  c->push_back(Str(completions));
  c->push_back(Str(duration));
  c->push_back(Str(Age(o, now)));
  ContainersAndImages(TemplateSpec(o), c);
  c->push_back(Str(FormatSelector(Member(spec, "selector"))));
}

void CronJobCells(std::string_view o, int64_t now, std::vector<std::string>* c) {
  std::string_view spec = Member(o, "spec"), status = Member(o, "status");
  std::string last = "<none>";
  std::string_view last_schedule = Member(status, "lastScheduleTime");
  if (!json::TrimValue(last_schedule).empty() && json::TrimValue(last_schedule) != "null") {
    last = AgeOf(last_schedule, now);
  }
  std::string_view job_spec = Path(spec, {"jobTemplate", "spec"});
  c->push_back(Str(Name(o)));
  c->push_back(Str(S(Member(spec, "schedule"))));
  c->push_back(NoneIfEmpty(S(Member(spec, "timeZone"))));
  c->push_back(json::IsTrue(Member(spec, "suspend")) ? "true" : "false");
  c->push_back(Int(json::Count(Member(status, "active"))));
  c->push_back(Str(last));
  c->push_back(Str(Age(o, now)));
  ContainersAndImages(Path(job_spec, {"template", "spec"}), c);
  c->push_back(Str(FormatSelector(Member(job_spec, "selector"))));
}

void IngressCells(std::string_view o, int64_t now, std::vector<std::string>* c) {
  std::string_view spec = Member(o, "spec");
  std::vector<std::string> hosts;
  ForEachElement(Member(spec, "rules"), [&](std::string_view r) {
    std::string h = S(Member(r, "host"));
    hosts.push_back(h.empty() ? "*" : h);
    return true;
  });
  c->push_back(Str(Name(o)));
  c->push_back(NoneIfEmpty(S(Member(spec, "ingressClassName"))));
  c->push_back(Str(hosts.empty() ? "*" : Join(hosts, ",")));
  c->push_back(Str(LoadBalancerAddresses(Member(o, "status"))));
  c->push_back(Str(json::Count(Member(spec, "tls")) > 0 ? "80, 443" : "80"));
  c->push_back(Str(Age(o, now)));
}

std::string AccessModes(std::string_view modes) {
  std::vector<std::string> out;
  auto has = [&](std::string_view m) {
    bool found = false;
    ForEachElement(modes, [&](std::string_view v) { return !(found = S(v) == m); });
    return found;
  };
  if (has("ReadWriteOnce")) out.push_back("RWO");
  if (has("ReadOnlyMany")) out.push_back("ROX");
  if (has("ReadWriteMany")) out.push_back("RWX");
  if (has("ReadWriteOncePod")) out.push_back("RWOP");
  return Join(out, ",");
}

std::string VolumeMode(std::string_view spec) {
  std::string m = S(Member(spec, "volumeMode"));
  return m.empty() ? "Filesystem" : m;
}

void PersistentVolumeCells(std::string_view o, int64_t now, std::vector<std::string>* c) {
  std::string_view spec = Member(o, "spec"), status = Member(o, "status");
  std::string claim;
  std::string_view ref = Member(spec, "claimRef");
  if (!json::TrimValue(ref).empty() && json::TrimValue(ref) != "null") {
    claim = S(Member(ref, "namespace")) + "/" + S(Member(ref, "name"));
  }
  std::string phase = Deleting(o) ? "Terminating" : S(Member(status, "phase"));
  std::string vac = S(Member(spec, "volumeAttributesClassName"));
  c->push_back(Str(Name(o)));
  c->push_back(Str(S(Path(spec, {"capacity", "storage"}))));
  c->push_back(Str(AccessModes(Member(spec, "accessModes"))));
  c->push_back(Str(S(Member(spec, "persistentVolumeReclaimPolicy"))));
  c->push_back(Str(phase));
  c->push_back(Str(claim));
  c->push_back(Str(S(Member(spec, "storageClassName"))));
  c->push_back(Str(vac.empty() ? "<unset>" : vac));
  c->push_back(Str(S(Member(status, "reason"))));
  c->push_back(Str(Age(o, now)));
  c->push_back(Str(VolumeMode(spec)));
}

void PersistentVolumeClaimCells(std::string_view o, int64_t now, std::vector<std::string>* c) {
  std::string_view spec = Member(o, "spec"), status = Member(o, "status");
  std::string phase = Deleting(o) ? "Terminating" : S(Member(status, "phase"));
  std::string capacity, modes;
  if (!S(Member(spec, "volumeName")).empty()) {
    capacity = S(Path(status, {"capacity", "storage"}));
    modes = AccessModes(Member(status, "accessModes"));
  }
  std::string vac = S(Member(status, "currentVolumeAttributesClassName"));
  c->push_back(Str(Name(o)));
  c->push_back(Str(phase));
  c->push_back(Str(S(Member(spec, "volumeName"))));
  c->push_back(Str(capacity));
  c->push_back(Str(modes));
  c->push_back(Str(S(Member(spec, "storageClassName"))));
  c->push_back(Str(vac.empty() ? "<unset>" : vac));
  c->push_back(Str(Age(o, now)));
  c->push_back(Str(VolumeMode(spec)));
}

void DefaultCells(std::string_view o, int64_t now, std::vector<std::string>* c) {
  c->push_back(Str(Name(o)));
  c->push_back(Str(Age(o, now)));
}

struct Entry {
  const char* group;
  const char* resource;
  const BuiltinTablePrinter* printer;
};

const std::vector<Entry>& Builtins() {
  static const std::vector<Entry>* entries = [] {
    auto* e = new std::vector<Entry>;
    auto add = [&](const char* g, const char* r, std::vector<TableColumn> cols, CellFn fn) {
      e->push_back({g, r, new BuiltinTablePrinter(std::move(cols), std::move(fn))});
    };
    TableColumn containers = Col("Containers", "string", 1, "Names of each container in the template.");
    TableColumn images = Col("Images", "string", 1, "Images referenced by each container in the template.");
    TableColumn selector = Col("Selector", "string", 1, "The label selector of the object.");
    add("", "pods",
        {NameCol(), Col("Ready", "string", 0, "The aggregate readiness state of this pod for accepting traffic."),
         Col("Status", "string", 0, "The aggregate status of the containers in this pod."),
         Col("Restarts", "string", 0,
             "The number of times the containers in this pod have been restarted and when the last container in this "
             "pod has restarted."),
         AgeCol(), Col("IP", "string", 1, "IP address allocated to the pod."),
         Col("Node", "string", 1, "The node the pod runs on."),
         Col("Nominated Node", "string", 1, "The node the scheduler nominated for the pod."),
         Col("Readiness Gates", "string", 1, "The readiness gates of the pod.")},
        PodCells);
    add("apps", "deployments",
        {NameCol(), Col("Ready", "string", 0, "Number of the pod with ready state"),
         Col("Up-to-date", "integer", 0,
             "Total number of non-terminated pods targeted by this deployment that have the desired template spec."),
         Col("Available", "integer", 0,
             "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment."),
         AgeCol(), containers, images, selector},
        DeploymentCells);
    add("apps", "replicasets",
        {NameCol(), Col("Desired", "integer", 0, "Replicas is the number of desired replicas."),
         Col("Current", "integer", 0, "Replicas is the most recently observed number of replicas."),
         Col("Ready", "integer", 0, "The number of ready replicas for this replica set."), AgeCol(), containers, images,
         selector},
        ReplicaSetCells);
    add("apps", "statefulsets",
        {NameCol(), Col("Ready", "string", 0, "Number of the pod with ready state"), AgeCol(), containers, images},
        StatefulSetCells);
    add("apps", "daemonsets",
        {NameCol(), Col("Desired", "integer", 0, "The total number of nodes that should be running the daemon pod."),
         Col("Current", "integer", 0, "The number of nodes that are running at least 1 daemon pod."),
         Col("Ready", "integer", 0,
             "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running "
             "and ready."),
         Col("Up-to-date", "integer", 0, "The total number of nodes that are running updated daemon pod."),
         Col("Available", "integer", 0,
             "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running "
             "and available."),
         Col("Node Selector", "string", 0,
             "NodeSelector is a selector which must be true for the pod to fit on a node."),
         AgeCol(), containers, images, selector},
        DaemonSetCells);
    add("", "services",
        {NameCol(), Col("Type", "string", 0, "The type of the service."),
         Col("Cluster-IP", "string", 0, "The IP address of the service."),
         Col("External-IP", "string", 0, "The external addresses of the service."),
         Col("Port(s)", "string", 0, "The ports exposed by the service."), AgeCol(),
         Col("Selector", "string", 1,
             "Route service traffic to pods with label keys and values matching this selector.")},
        ServiceCells);
    add("", "nodes",
        {NameCol(), Col("Status", "string", 0, "The status of the node"),
         Col("Roles", "string", 0, "The roles of the node"), AgeCol(),
         Col("Version", "string", 0, "Kubelet Version reported by the node."),
         Col("Internal-IP", "string", 1, "List of addresses reachable to the node."),
         Col("External-IP", "string", 1, "List of addresses reachable to the node."),
         Col("OS-Image", "string", 1, "OS Image reported by the node."),
         Col("Kernel-Version", "string", 1, "Kernel Version reported by the node."),
         Col("Container-Runtime", "string", 1, "ContainerRuntime Version reported by the node.")},
        NodeCells);
    add("", "namespaces", {NameCol(), Col("Status", "string", 0, "The status of the namespace"), AgeCol()},
        NamespaceCells);
    add("", "configmaps", {NameCol(), Col("Data", "string", 0, "Number of data entries."), AgeCol()}, ConfigMapCells);
    add("", "secrets",
        {NameCol(), Col("Type", "string", 0, "The type of the secret"),
         Col("Data", "string", 0, "The number of data entries in the secret."), AgeCol()},
        SecretCells);
    TableColumn event_name = NameCol();
    event_name.priority = 1;
    add("", "events",
        {Col("Last Seen", "string", 0, "The time the event was last observed."),
         Col("Type", "string", 0, "Type of this event (Normal, Warning)."),
         Col("Reason", "string", 0, "The reason for the transition into the object's current status."),
         Col("Object", "string", 0, "The object that this event is about."),
         Col("Subobject", "string", 1, "The field of the object this event is about."),
         Col("Source", "string", 1, "The component reporting this event."),
         Col("Message", "string", 0, "A human-readable description of the status of this operation."),
         Col("First Seen", "string", 1, "The time the event was first observed."),
         Col("Count", "string", 1, "The number of times this event has occurred."), event_name},
        EventCells);
    add("batch", "jobs",
        {NameCol(), Col("Status", "string", 0, "Status of the job."),
         Col("Completions", "string", 0, "The completion status of the job."),
         Col("Duration", "string", 0, "Time required to complete the job."), AgeCol(), containers, images, selector},
        JobCells);
    add("batch", "cronjobs",
        {NameCol(), Col("Schedule", "string", 0, "The schedule in Cron format."),
         Col("Timezone", "string", 0, "The time zone name for the given schedule."),
         Col("Suspend", "boolean", 0, "Whether subsequent executions are suspended."),
         Col("Active", "integer", 0, "The number of currently running jobs."),
         Col("Last Schedule", "string", 0, "Information when was the last time the job was successfully scheduled."),
         AgeCol(), containers, images, selector},
        CronJobCells);
    add("networking.k8s.io", "ingresses",
        {NameCol(), Col("Class", "string", 0, "The name of the IngressClass resource."),
         Col("Hosts", "string", 0, "Hosts that incoming requests are matched against before the ingress rule"),
         Col("Address", "string", 0, "Address is a list containing ingress points for the load-balancer"),
         Col("Ports", "string", 0, "Ports of TLS configurations that open"), AgeCol()},
        IngressCells);
    add("", "persistentvolumes",
        {NameCol(), Col("Capacity", "string", 0, "The capacity of the volume."),
         Col("Access Modes", "string", 0, "The access modes of the volume."),
         Col("Reclaim Policy", "string", 0, "What happens to a volume when released from its claim."),
         Col("Status", "string", 0, "The phase of the volume."),
         Col("Claim", "string", 0, "The claim bound to the volume."),
         Col("StorageClass", "string", 0, "The storage class of the volume."),
         Col("VolumeAttributesClass", "string", 0, "The volume attributes class of the volume."),
         Col("Reason", "string", 0, "Why the volume is in its phase."), AgeCol(),
         Col("VolumeMode", "string", 1, "Filesystem or Block.")},
        PersistentVolumeCells);
    add("", "persistentvolumeclaims",
        {NameCol(), Col("Status", "string", 0, "The phase of the claim."),
         Col("Volume", "string", 0, "The volume bound to the claim."),
         Col("Capacity", "string", 0, "The capacity of the bound volume."),
         Col("Access Modes", "string", 0, "The access modes of the bound volume."),
         Col("StorageClass", "string", 0, "The storage class of the claim."),
         Col("VolumeAttributesClass", "string", 0, "The volume attributes class of the claim."), AgeCol(),
         Col("VolumeMode", "string", 1, "Filesystem or Block.")},
        PersistentVolumeClaimCells);
    return e;
  }();
  return *entries;
}

// Custom resources: additionalPrinterColumns, each a JSONPath of the simple
// ".a.b.c" form that CRDs use in practice.
class CustomTablePrinter : public TablePrinter {
 public:
  explicit CustomTablePrinter(std::vector<TableColumn> additional) {
    columns_.push_back({"Cluster", "string", "", kClusterDoc, 0, ""});
    columns_.push_back(NameCol());
    for (TableColumn& c : additional) columns_.push_back(std::move(c));
  }
  const std::vector<TableColumn>& Columns() const override { return columns_; }
  void AppendCells(std::string_view obj, std::string_view cluster, int64_t now, std::string* out) const override {
    *out += Str(cluster);
    *out += ',';
    *out += Str(Name(obj));
    for (size_t i = 2; i < columns_.size(); ++i) {
      *out += ',';
      *out += Cell(obj, columns_[i], now);
    }
  }

 private:
  static std::string Cell(std::string_view obj, const TableColumn& col, int64_t now) {
    std::string_view v = obj;
    std::string_view path = col.json_path;
    size_t i = 0;
    while (i < path.size()) {
      if (path[i] == '.') {
        ++i;
        continue;
      }
      size_t j = path.find('.', i);
      if (j == std::string_view::npos) j = path.size();
      v = Member(v, path.substr(i, j - i));
      if (v.empty()) break;
      i = j;
    }
    v = json::TrimValue(v);
    if (v.empty() || v == "null") return "null";
    if (col.type == "date") return Str(AgeOf(v, now));
    if (col.type == "string") return v.front() == '"' ? std::string(v) : Str(v);
    if ((col.type == "integer" || col.type == "number") && v.front() != '"' && v.front() != '{' && v.front() != '[') {
      return std::string(v);
    }
    if (col.type == "boolean" && (v == "true" || v == "false")) return std::string(v);
    return v.front() == '"' ? std::string(v) : Str(v);
  }

  std::vector<TableColumn> columns_;
};

}  // namespace

std::string AgeOf(std::string_view timestamp_value, int64_t now) {
  int64_t t = 0;
  if (!ParseRfc3339Seconds(S(timestamp_value), &t)) return "<unknown>";
  return HumanDuration(now - t);
}

const TablePrinter* BuiltinPrinter(std::string_view group, std::string_view resource) {
  for (const Entry& e : Builtins()) {
    if (group == e.group && resource == e.resource) return e.printer;
  }
  return nullptr;
}

const TablePrinter* DefaultPrinter() {
  static const BuiltinTablePrinter* printer = new BuiltinTablePrinter({NameCol(), AgeCol()}, DefaultCells);
  return printer;
}

std::unique_ptr<TablePrinter> MakeCustomPrinter(std::vector<TableColumn> additional_columns) {
  return std::make_unique<CustomTablePrinter>(std::move(additional_columns));
}

std::string HumanDuration(int64_t seconds) {
  auto f = [](int64_t a, const char* ua, int64_t b, const char* ub) {
    std::string s = std::to_string(a) + ua;
    if (b != 0) s += std::to_string(b) + ub;
    return s;
  };
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60 * 2) return std::to_string(seconds) + "s";
  int64_t minutes = seconds / 60;
  if (minutes < 10) return f(minutes, "m", seconds % 60, "s");
  if (minutes < 60 * 3) return std::to_string(minutes) + "m";
  int64_t hours = seconds / 3600;
  if (hours < 8) return f(hours, "h", minutes % 60, "m");
  if (hours < 48) return std::to_string(hours) + "h";
  if (hours < 24 * 8) return f(hours / 24, "d", hours % 24, "h");
  if (hours < 24 * 365 * 2) return std::to_string(hours / 24) + "d";
  if (hours < 24 * 365 * 8) return f(hours / 24 / 365, "y", (hours / 24) % 365, "d");
  return std::to_string(hours / 24 / 365) + "y";
}

void AppendColumnDefinitions(const std::vector<TableColumn>& columns, std::string* out) {
  *out += "\"columnDefinitions\":[";
  for (size_t i = 0; i < columns.size(); ++i) {
    const TableColumn& c = columns[i];
    if (i) *out += ',';
    *out += "{\"name\":";
    AppendJsonQuoted(*out, c.name);
    *out += ",\"type\":";
    AppendJsonQuoted(*out, c.type == "date" ? "string" : c.type);
    *out += ",\"format\":";
    AppendJsonQuoted(*out, c.format);
    *out += ",\"description\":";
    AppendJsonQuoted(*out, c.description);
    *out += ",\"priority\":";
    *out += std::to_string(c.priority);
    *out += '}';
  }
  *out += ']';
}

}  // namespace pedia::server
