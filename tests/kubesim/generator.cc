#include "generator.h"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>

namespace kubesim {

using json = nlohmann::json;
using pedia::Status;

namespace {

std::optional<ResourceType> Type(Cluster& c, const char* group, const char* resource) {
  return c.FindType(group, "v1", resource);
}

json ManagedFields(const std::string& manager, const std::string& api_version, const std::string& time,
                   bool with_status) {
  json fields = json::array();
  fields.push_back({{"manager", manager},
                    {"operation", "Update"},
                    {"apiVersion", api_version},
                    {"time", time},
                    {"fieldsType", "FieldsV1"},
                    {"fieldsV1",
                     {{"f:metadata", {{"f:labels", {{".", json::object()}}}, {"f:annotations", json::object()}}},
                      {"f:spec", json::object()}}}});
  if (with_status) {
    fields.push_back({{"manager", "kubelet"},
                      {"operation", "Update"},
                      {"apiVersion", api_version},
                      {"time", time},
                      {"fieldsType", "FieldsV1"},
                      {"fieldsV1", {{"f:status", {{"f:conditions", json::object()}, {"f:phase", json::object()}}}}},
                      {"subresource", "status"}});
  }
  return fields;
}

std::string Hash(Cluster& c) { return c.NewUid().substr(0, 10).erase(8, 1); }

// Five characters from Kubernetes' name-suffix alphabet, as generateName makes.
std::string Suffix(Cluster& c) {
  static const char* alphabet = "bcdfghjklmnpqrstvwxz2456789";
  std::string uid = c.NewUid();
  uint64_t bits = std::stoull(uid.substr(0, 8), nullptr, 16) << 24 | std::stoull(uid.substr(9, 4), nullptr, 16) << 8 |
                  std::stoull(uid.substr(15, 2), nullptr, 16);
  std::string s;
  for (int i = 0; i < 5; ++i, bits /= 27) s += alphabet[bits % 27];
  return s;
}

Status Put(Cluster& c, const ResourceType& type, const std::string& ns, json object) {
  auto r = c.CreateObject(type, ns, std::move(object), "");
  return r.ok() ? Status::Ok() : r.status().Annotate("generating " + type.Key());
}

json Meta(const std::string& name, const std::string& ns, const std::string& uid, const std::string& time) {
  json m = {{"name", name}, {"uid", uid}, {"creationTimestamp", time}};
  if (!ns.empty()) m["namespace"] = ns;
  return m;
}

json ContainerSpec(const std::string& app, int index) {
  return {{"name", app},
          {"image", "registry.example.com/team/" + app + ":1." + std::to_string(index % 7) + ".3"},
          {"imagePullPolicy", "IfNotPresent"},
          {"ports", {{{"name", "http"}, {"containerPort", 8080}, {"protocol", "TCP"}}}},
          {"env",
           {
               {{"name", "APP_NAME"}, {"value", app}},
               {{"name", "LOG_LEVEL"}, {"value", "info"}},
           }},
          {"resources",
           {{"limits", {{"cpu", "500m"}, {"memory", "256Mi"}}}, {"requests", {{"cpu", "100m"}, {"memory", "128Mi"}}}}},
          {"volumeMounts",
           {{{"name", "config"}, {"mountPath", "/etc/" + app}},
            {{"name", "kube-api-access"},
             {"mountPath", "/var/run/secrets/kubernetes.io/serviceaccount"},
             {"readOnly", true}}}},
          {"terminationMessagePath", "/dev/termination-log"},
          {"terminationMessagePolicy", "File"}};
}

}  // namespace

Status Populate(Cluster& c, const GenerateOptions& o) {
  auto namespaces = Type(c, "", "namespaces");
  auto nodes = Type(c, "", "nodes");
  auto pods = Type(c, "", "pods");
  auto services = Type(c, "", "services");
  auto configmaps = Type(c, "", "configmaps");
  auto secrets = Type(c, "", "secrets");
  auto events = Type(c, "", "events");
  auto deployments = Type(c, "apps", "deployments");
  auto replicasets = Type(c, "apps", "replicasets");
  auto statefulsets = Type(c, "apps", "statefulsets");
  auto daemonsets = Type(c, "apps", "daemonsets");
  if (!namespaces || !pods || !deployments || !replicasets) return Status::Internal("built-in kinds are missing");
  std::string now = NowRfc3339();

  std::vector<std::string> ns_names = {"default", "kube-system", "kube-public"};
  for (int i = 0; i < o.namespaces; ++i) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "ns-%02d", i);
    ns_names.push_back(buf);
  }
  for (const auto& ns : ns_names) {
    json obj = {{"metadata", Meta(ns, "", c.NewUid(), now)}};
    obj["metadata"]["labels"] = {{"kubernetes.io/metadata.name", ns}};
    if (auto s = Put(c, *namespaces, "", std::move(obj)); !s.ok()) return s;
  }
  int node_count = std::max(3, o.pods / 110);
  std::vector<std::string> node_names;
  for (int i = 0; i < node_count; ++i) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "node-%03d", i);
    node_names.push_back(buf);
    json obj = {{"metadata", Meta(buf, "", c.NewUid(), now)},
                {"spec", {{"podCIDR", "10.244." + std::to_string(i % 250) + ".0/24"}}},
                {"status",
                 {{"capacity", {{"cpu", "8"}, {"memory", "32Gi"}, {"pods", "110"}}},
                  {"conditions", {{{"type", "Ready"}, {"status", "True"}, {"reason", "KubeletReady"}}}},
                  {"nodeInfo", {{"kubeletVersion", c.options().k8s_version}, {"osImage", "Debian GNU/Linux 12"}}}}}};
    obj["metadata"]["labels"] = {{"kubernetes.io/hostname", buf},
                                 {"kubernetes.io/os", "linux"},
                                 {"node-role.kubernetes.io/worker", ""},
                                 {"topology.kubernetes.io/zone", "zone-" + std::to_string(i % 3)}};
    if (auto s = Put(c, *nodes, "", std::move(obj)); !s.ok()) return s;
  }
  std::vector<std::string> app_ns(ns_names.begin() + 3, ns_names.end());
  if (app_ns.empty()) app_ns.push_back("default");
  for (const auto& ns : app_ns) {
    json secret = {{"metadata", Meta("app-credentials", ns, c.NewUid(), now)},
                   {"type", "Opaque"},
                   {"data", {{"username", "YWRtaW4="}, {"password", "c2VjcmV0LXBhc3N3b3Jk"}}}};
    if (auto s = Put(c, *secrets, ns, std::move(secret)); !s.ok()) return s;
    json sts = {
        {"metadata", Meta("db", ns, c.NewUid(), now)},
        {"spec",
         {{"replicas", 0},
          {"serviceName", "db"},
          {"selector", {{"matchLabels", {{"app", "db"}}}}},
          {"template",
           {{"metadata", {{"labels", {{"app", "db"}}}}}, {"spec", {{"containers", {ContainerSpec("db", 0)}}}}}}}},
        {"status", {{"replicas", 0}, {"observedGeneration", 1}}}};
    sts["metadata"]["labels"] = {{"app", "db"}};
    if (auto s = Put(c, *statefulsets, ns, std::move(sts)); !s.ok()) return s;
  }
  json ds = {{"metadata", Meta("kube-proxy", "kube-system", c.NewUid(), now)},
             {"spec",
              {{"selector", {{"matchLabels", {{"k8s-app", "kube-proxy"}}}}},
               {"template",
                {{"metadata", {{"labels", {{"k8s-app", "kube-proxy"}}}}},
                 {"spec", {{"containers", {ContainerSpec("kube-proxy", 0)}}}}}}}},
             {"status", {{"desiredNumberScheduled", node_count}, {"numberReady", node_count}}}};
  ds["metadata"]["labels"] = {{"k8s-app", "kube-proxy"}};
  if (auto s = Put(c, *daemonsets, "kube-system", std::move(ds)); !s.ok()) return s;

  int per = std::max(1, o.pods_per_deployment);
  int made = 0;
  for (int d = 0; made < o.pods; ++d) {
    const std::string& ns = app_ns[static_cast<size_t>(d) % app_ns.size()];
    char app_buf[24];
    std::snprintf(app_buf, sizeof app_buf, "app-%04d", d);
    std::string app = app_buf;
    int replicas = std::min(per, o.pods - made);
    std::string tier = d % 3 == 0 ? "frontend" : d % 3 == 1 ? "backend" : "cache";
    json labels = {{"app", app}, {"tier", tier}, {"team", "team-" + std::to_string(d % 5)}};
    std::string deploy_uid = c.NewUid();
    json template_spec = {{"containers", {ContainerSpec(app, d)}},
                          {"volumes", {{{"name", "config"}, {"configMap", {{"name", app + "-config"}}}}}}};
    json applied = {{"apiVersion", "apps/v1"},
                    {"kind", "Deployment"},
                    {"metadata", {{"name", app}, {"namespace", ns}, {"labels", labels}}},
                    {"spec",
                     {{"replicas", replicas},
                      {"selector", {{"matchLabels", {{"app", app}}}}},
                      {"template", {{"metadata", {{"labels", labels}}}, {"spec", template_spec}}}}}};
    json deploy = {{"metadata", Meta(app, ns, deploy_uid, now)},
                   {"spec", applied["spec"]},
                   {"status",
                    {{"replicas", replicas},
                     {"readyReplicas", replicas},
                     {"availableReplicas", replicas},
                     {"updatedReplicas", replicas},
                     {"observedGeneration", 1}}}};
    deploy["metadata"]["labels"] = labels;
    deploy["metadata"]["annotations"] = {{"deployment.kubernetes.io/revision", "1"},
                                         {"kubectl.kubernetes.io/last-applied-configuration", applied.dump() + "\n"}};
    deploy["metadata"]["managedFields"] = ManagedFields("kubectl-client-side-apply", "apps/v1", now, false);
    if (auto s = Put(c, *deployments, ns, std::move(deploy)); !s.ok()) return s;

    std::string hash = Hash(c);
    std::string rs_name = app + "-" + hash;
    std::string rs_uid = c.NewUid();
    json pod_labels = labels;
    pod_labels["pod-template-hash"] = hash;
    json rs = {{"metadata", Meta(rs_name, ns, rs_uid, now)},
               {"spec",
                {{"replicas", replicas},
                 {"selector", {{"matchLabels", {{"app", app}, {"pod-template-hash", hash}}}}},
                 {"template", {{"metadata", {{"labels", pod_labels}}}, {"spec", template_spec}}}}},
               {"status", {{"replicas", replicas}, {"readyReplicas", replicas}, {"observedGeneration", 1}}}};
    rs["metadata"]["labels"] = pod_labels;
    rs["metadata"]["annotations"] = {{"deployment.kubernetes.io/desired-replicas", std::to_string(replicas)},
                                     {"deployment.kubernetes.io/revision", "1"}};
    rs["metadata"]["ownerReferences"] = {{{"apiVersion", "apps/v1"},
                                          {"kind", "Deployment"},
                                          {"name", app},
                                          {"uid", deploy_uid},
                                          {"controller", true},
                                          {"blockOwnerDeletion", true}}};
    rs["metadata"]["managedFields"] = ManagedFields("kube-controller-manager", "apps/v1", now, true);
    if (auto s = Put(c, *replicasets, ns, std::move(rs)); !s.ok()) return s;

    json svc = {{"metadata", Meta(app, ns, c.NewUid(), now)},
                {"spec",
                 {{"type", "ClusterIP"},
                  {"selector", {{"app", app}}},
                  {"clusterIP", "10.96." + std::to_string(d / 250 % 250) + "." + std::to_string(d % 250)},
                  {"ports", {{{"name", "http"}, {"port", 80}, {"targetPort", 8080}, {"protocol", "TCP"}}}}}},
                {"status", {{"loadBalancer", json::object()}}}};
    svc["metadata"]["labels"] = labels;
    if (auto s = Put(c, *services, ns, std::move(svc)); !s.ok()) return s;
    json cm = {{"metadata", Meta(app + "-config", ns, c.NewUid(), now)},
               {"data", {{"app.properties", "name=" + app + "\nlisten=:8080\nlog.level=info\n"}}}};
    cm["metadata"]["labels"] = {{"app", app}};
    if (auto s = Put(c, *configmaps, ns, std::move(cm)); !s.ok()) return s;

    for (int p = 0; p < replicas; ++p, ++made) {
      std::string pod_name = rs_name + "-" + Suffix(c);
      const std::string& node = node_names[static_cast<size_t>(made) % node_names.size()];
      std::string ip = "10.244." + std::to_string(made / 250 % 250) + "." + std::to_string(made % 250 + 2);
      json spec = template_spec;
      json token_source = {{"serviceAccountToken", {{"expirationSeconds", 3607}, {"path", "token"}}}};
      json ca_source = {
          {"configMap",
           {{"name", "kube-root-ca.crt"}, {"items", json::array({{{"key", "ca.crt"}, {"path", "ca.crt"}}})}}}};
      json projected = {{"defaultMode", 420}, {"sources", json::array({token_source, ca_source})}};
      spec["volumes"].push_back({{"name", "kube-api-access"}, {"projected", projected}});
      spec["nodeName"] = node;
      spec["serviceAccountName"] = "default";
      spec["restartPolicy"] = "Always";
      spec["schedulerName"] = "default-scheduler";
      spec["dnsPolicy"] = "ClusterFirst";
      spec["terminationGracePeriodSeconds"] = 30;
      spec["tolerations"] = {{{"key", "node.kubernetes.io/not-ready"},
                              {"operator", "Exists"},
                              {"effect", "NoExecute"},
                              {"tolerationSeconds", 300}}};
      json pod = {{"metadata", Meta(pod_name, ns, c.NewUid(), now)},
                  {"spec", spec},
                  {"status",
                   {{"phase", "Running"},
                    {"hostIP", "192.168.0." + std::to_string(made % node_names.size() % 250 + 10)},
                    {"podIP", ip},
                    {"podIPs", {{{"ip", ip}}}},
                    {"qosClass", "Burstable"},
                    {"startTime", now},
                    {"conditions",
                     {{{"type", "Initialized"}, {"status", "True"}, {"lastTransitionTime", now}},
                      {{"type", "Ready"}, {"status", "True"}, {"lastTransitionTime", now}},
                      {{"type", "ContainersReady"}, {"status", "True"}, {"lastTransitionTime", now}},
                      {{"type", "PodScheduled"}, {"status", "True"}, {"lastTransitionTime", now}}}},
                    {"containerStatuses",
                     {{{"name", app},
                       {"ready", true},
                       {"started", true},
                       {"restartCount", 0},
                       {"image", spec["containers"][0]["image"]},
                       {"imageID", "registry.example.com/team/" + app + "@sha256:" + std::string(16, 'a') + hash},
                       {"containerID", "containerd://" + c.NewUid()},
                       {"state", {{"running", {{"startedAt", now}}}}}}}}}}};
      pod["metadata"]["generateName"] = rs_name + "-";
      pod["metadata"]["labels"] = pod_labels;
      pod["metadata"]["annotations"] = {{"prometheus.io/scrape", "true"}, {"prometheus.io/port", "8080"}};
      pod["metadata"]["ownerReferences"] = {{{"apiVersion", "apps/v1"},
                                             {"kind", "ReplicaSet"},
                                             {"name", rs_name},
                                             {"uid", rs_uid},
                                             {"controller", true},
                                             {"blockOwnerDeletion", true}}};
      pod["metadata"]["managedFields"] = ManagedFields("kube-controller-manager", "v1", now, true);
      auto created = c.CreateObject(*pods, ns, pod, "");
      for (int retry = 0; !created.ok() && created.status().code() == Status::kAlreadyExists && retry < 5; ++retry) {
        pod_name = rs_name + "-" + Suffix(c);  // a suffix collision: draw again
        pod["metadata"]["name"] = pod_name;
        created = c.CreateObject(*pods, ns, pod, "");
      }
      if (!created.ok()) return created.status().Annotate("generating pods");
    }
    json ev = {
        {"metadata", Meta(app + ".17a" + hash, ns, c.NewUid(), now)},
        {"involvedObject",
         {{"kind", "Deployment"}, {"namespace", ns}, {"name", app}, {"uid", deploy_uid}, {"apiVersion", "apps/v1"}}},
        {"reason", "ScalingReplicaSet"},
        {"message", "Scaled up replica set " + rs_name + " to " + std::to_string(replicas)},
        {"source", {{"component", "deployment-controller"}}},
        {"firstTimestamp", now},
        {"lastTimestamp", now},
        {"count", 1},
        {"type", "Normal"}};
    if (auto s = Put(c, *events, ns, std::move(ev)); !s.ok()) return s;
  }
  c.Compact();
  return Status::Ok();
}

Status AddHostClusterKinds(Cluster& c) {
  auto namespaces = Type(c, "", "namespaces");
  auto crds = Type(c, "apiextensions.k8s.io", "customresourcedefinitions");
  if (!namespaces || !crds) return Status::Internal("built-in kinds are missing");
  std::string now = NowRfc3339();
  for (const char* ns : {"default", "kube-system", "clusterpedia-system"}) {
    auto existing = c.Get(*namespaces, "", ns);
    if (existing.ok()) continue;
    if (auto s = Put(c, *namespaces, "", {{"metadata", Meta(ns, "", c.NewUid(), now)}}); !s.ok()) return s;
  }
  struct Crd {
    const char* group;
    const char* version;
    const char* plural;
    const char* singular;
    const char* kind;
    bool status;
    std::vector<std::string> short_names;
  };
  const Crd table[] = {
      {"cluster.clusterpedia.io", "v1alpha2", "pediaclusters", "pediacluster", "PediaCluster", true, {}},
      {"cluster.clusterpedia.io",
       "v1alpha2",
       "clustersyncresources",
       "clustersyncresources",
       "ClusterSyncResources",
       false,
       {}},
      {"policy.clusterpedia.io",
       "v1alpha1",
       "clusterimportpolicies",
       "clusterimportpolicy",
       "ClusterImportPolicy",
       true,
       {"cip"}},
      {"policy.clusterpedia.io",
       "v1alpha1",
       "pediaclusterlifecycles",
       "pediaclusterlifecycle",
       "PediaClusterLifecycle",
       true,
       {}},
  };
  for (const auto& t : table) {
    json version = {
        {"name", t.version},
        {"served", true},
        {"storage", true},
        {"schema", {{"openAPIV3Schema", {{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}}}}}};
    if (t.status) version["subresources"] = {{"status", json::object()}};
    json names = {
        {"plural", t.plural}, {"singular", t.singular}, {"kind", t.kind}, {"listKind", std::string(t.kind) + "List"}};
    if (!t.short_names.empty()) names["shortNames"] = t.short_names;
    json crd = {{"metadata", {{"name", std::string(t.plural) + "." + t.group}}},
                {"spec", {{"group", t.group}, {"scope", "Cluster"}, {"names", names}, {"versions", {version}}}}};
    if (c.Get(*crds, "", std::string(t.plural) + "." + t.group).ok()) continue;
    if (auto s = Put(c, *crds, "", std::move(crd)); !s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace kubesim
