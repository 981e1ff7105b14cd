#include "sync/fake_member_for_test.h"

#include <cstdlib>

namespace pedia::sync::testing {
namespace {

using http::JsonResponse;

std::string StatusBody(int code, const std::string& reason, const std::string& message) {
  return R"({"kind":"Status","apiVersion":"v1","status":"Failure","message":")" + message + R"(","reason":")" + reason +
         R"(","code":)" + std::to_string(code) + "}";
}

}  // namespace

FakeMember::FakeMember(std::string token) : token_(std::move(token)) {
  http::ServerOptions o;
  o.io_threads = 1;
  server_ = std::make_unique<http::Server>(
      o, [this](http::Request&& req, std::shared_ptr<http::Responder> r) { Handle(std::move(req), std::move(r)); });
  server_->Start();
}

FakeMember::~FakeMember() {
  DropWatches();
  server_->Stop(std::chrono::milliseconds(200));
}

void FakeMember::Upsert(const std::string& resource, const std::string& ns, const std::string& name,
                        const std::string& extra_metadata) {
  std::lock_guard<std::mutex> l(mu_);
  int64_t rv = ++rv_;
  std::string key = ns.empty() ? name : ns + "/" + name;
  bool exists = objects_[resource].count(key) > 0;
  std::string obj = R"({"metadata":{"name":")" + name + "\"" + (ns.empty() ? "" : R"(,"namespace":")" + ns + "\"") +
                    R"(,"uid":"uid-)" + name + R"(","resourceVersion":")" + std::to_string(rv) +
                    R"(","creationTimestamp":"2024-01-01T00:00:00Z","labels":{"app":"x"},)" +
                    R"("managedFields":[{"manager":"kubectl"}])" + extra_metadata + R"(},"spec":{"n":)" +
                    std::to_string(rv) + "}}";
  objects_[resource][key] = {rv, obj};
  Emit({rv, exists ? "MODIFIED" : "ADDED", resource, obj});
}

void FakeMember::Delete(const std::string& resource, const std::string& ns, const std::string& name) {
  std::lock_guard<std::mutex> l(mu_);
  std::string key = ns.empty() ? name : ns + "/" + name;
  auto it = objects_[resource].find(key);
  if (it == objects_[resource].end()) return;
  int64_t rv = ++rv_;
  std::string obj = it->second.second;
  objects_[resource].erase(it);
  Emit({rv, "DELETED", resource, obj});
}

void FakeMember::Emit(const Event& e) {
  events_.push_back(e);
  std::string line = R"({"type":")" + e.type + R"(","object":)" + e.object + "}\n";
  for (auto& w : watchers_) {
    if (w.resource == e.resource) w.stream->Write(line);
  }
}

void FakeMember::DropWatches() {
  std::vector<Watcher> watchers;
  {
    std::lock_guard<std::mutex> l(mu_);
    watchers.swap(watchers_);
  }
  for (auto& w : watchers) w.stream->Close();
}

void FakeMember::Compact() {
  std::lock_guard<std::mutex> l(mu_);
  compacted_ = rv_;
  events_.clear();
}

void FakeMember::SetHealthy(bool healthy) {
  std::lock_guard<std::mutex> l(mu_);
  healthy_ = healthy;
}

void FakeMember::AddWidgetCrd() {
  std::lock_guard<std::mutex> l(mu_);
  widgets_ = true;
  Emit({++rv_, "ADDED", "customresourcedefinitions",
        R"({"metadata":{"name":"widgets.ex.io","resourceVersion":")" + std::to_string(rv_) + R"("}})"});
}

std::map<std::string, std::string> FakeMember::Snapshot(const std::string& resource) {
  std::lock_guard<std::mutex> l(mu_);
  std::map<std::string, std::string> out;
  for (const auto& [key, v] : objects_[resource]) out[key] = std::to_string(v.first);
  return out;
}

int FakeMember::list_requests() const {
  std::lock_guard<std::mutex> l(mu_);
  return list_requests_;
}

void FakeMember::Handle(http::Request&& req, std::shared_ptr<http::Responder> r) {
  if (req.Header("authorization") != "Bearer " + token_) {
    return r->Send(JsonResponse(401, StatusBody(401, "Unauthorized", "Unauthorized")));
  }
  std::unique_lock<std::mutex> l(mu_);
  const std::string& p = req.path;
  if (p == "/readyz") {
    bool healthy = healthy_;
    l.unlock();
    return r->Send(JsonResponse(healthy ? 200 : 500, healthy ? "ok" : "[-]etcd failed"));
  }
  if (p == "/version") return r->Send(JsonResponse(200, R"({"gitVersion":"v1.28.0-fake"})"));
  if (p == "/api") return r->Send(JsonResponse(200, R"({"kind":"APIVersions","versions":["v1"]})"));
  if (p == "/api/v1") {
    return r->Send(JsonResponse(
        200,
        R"({"kind":"APIResourceList","groupVersion":"v1","resources":[)"
        R"({"name":"pods","singularName":"pod","namespaced":true,"kind":"Pod","verbs":["get","list","watch"],"shortNames":["po"]},)"
        R"({"name":"pods/status","namespaced":true,"kind":"Pod","verbs":["get"]}]})"));
  }
  if (p == "/apis") {
    std::string groups =
        R"({"name":"apiextensions.k8s.io","versions":[{"groupVersion":"apiextensions.k8s.io/v1","version":"v1"}],"preferredVersion":{"groupVersion":"apiextensions.k8s.io/v1","version":"v1"}})";
    if (widgets_) {
      groups +=
          R"(,{"name":"ex.io","versions":[{"groupVersion":"ex.io/v1","version":"v1"}],"preferredVersion":{"groupVersion":"ex.io/v1","version":"v1"}})";
    }
    return r->Send(JsonResponse(200, R"({"kind":"APIGroupList","groups":[)" + groups + "]}"));
  }
  if (p == "/apis/apiextensions.k8s.io/v1") {
    return r->Send(JsonResponse(
        200,
        R"({"groupVersion":"apiextensions.k8s.io/v1","resources":[{"name":"customresourcedefinitions","namespaced":false,"kind":"CustomResourceDefinition","verbs":["list","watch"]}]})"));
  }
  if (p == "/apis/ex.io/v1" && widgets_) {
    return r->Send(JsonResponse(
        200,
        R"({"groupVersion":"ex.io/v1","resources":[{"name":"widgets","singularName":"widget","namespaced":true,"kind":"Widget","verbs":["list","watch"]}]})"));
  }
  std::string resource;
  if (p == "/api/v1/pods")
    resource = "pods";
  else if (p == "/apis/ex.io/v1/widgets" && widgets_)
    resource = "widgets";
  else if (p == "/apis/apiextensions.k8s.io/v1/customresourcedefinitions")
    resource = "customresourcedefinitions";
  if (resource.empty())
    return r->Send(JsonResponse(404, StatusBody(404, "NotFound", "the server could not find the requested resource")));

  std::map<std::string, std::string> q;
  for (auto& [k, v] : http::ParseQuery(req.query)) q[k] = v;
  if (q["watch"] == "1" || q["watch"] == "true") {
    int64_t from = q.count("resourceVersion") ? std::atoll(q["resourceVersion"].c_str()) : 0;
    auto stream = r->Stream(200, {{"Content-Type", "application/json"}});
    if (resource == "customresourcedefinitions" && widgets_ && from == 0) {
      stream->Write(R"({"type":"ADDED","object":{"metadata":{"name":"widgets.ex.io","resourceVersion":"1"}}})"
                    "\n");
    }
    if (from != 0 && from < compacted_) {
      stream->Write(R"({"type":"ERROR","object":)" + StatusBody(410, "Expired", "too old resource version") + "}\n");
      stream->Close();
      return;
    }
    for (const auto& e : events_) {
      if (e.resource == resource && e.rv > from && from != 0) {
        stream->Write(R"({"type":")" + e.type + R"(","object":)" + e.object + "}\n");
      }
    }
    stream->Write(R"({"type":"BOOKMARK","object":{"metadata":{"resourceVersion":")" + std::to_string(rv_) + "\"}}}\n");
    watchers_.push_back({resource, stream});
    return;
  }
  ++list_requests_;
  if (resource == "customresourcedefinitions") {
    std::string items =
        widgets_
            ? R"({"metadata":{"name":"widgets.ex.io"},"spec":{"group":"ex.io","names":{"plural":"widgets","kind":"Widget"},"versions":[{"name":"v1","served":true,"additionalPrinterColumns":[{"name":"Size","type":"integer","jsonPath":".spec.n"}]}]}})"
            : "";
    return r->Send(JsonResponse(200, R"({"kind":"CustomResourceDefinitionList","metadata":{"resourceVersion":")" +
                                 std::to_string(rv_) + R"("},"items":[)" + items + "]}"));
  }
  // Chunked list: the continue token is the offset plus the snapshot's rv.
  size_t limit = q.count("limit") ? std::strtoul(q["limit"].c_str(), nullptr, 10) : 0;
  size_t offset = 0;
  std::string list_rv = std::to_string(rv_);
  if (q.count("continue")) {
    const std::string& c = q["continue"];
    offset = std::strtoul(c.c_str(), nullptr, 10);
    list_rv = c.substr(c.find(':') + 1);
  }
  std::string items;
  size_t i = 0, n = 0;
  const auto& objs = objects_[resource];
  for (const auto& [key, v] : objs) {
    if (i++ < offset) continue;
    if (limit && n == limit) break;
    if (n++) items += ',';
    // List items carry no apiVersion/kind, as on a real server.
    items += v.second;
  }
  std::string cont = (limit && offset + n < objs.size()) ? std::to_string(offset + n) + ":" + list_rv : "";
  r->Send(JsonResponse(200, R"({"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":")" + list_rv + "\"" +
                        (cont.empty() ? "" : R"(,"continue":")" + cont + "\"") + R"(},"items":[)" + items + "]}"));
}

}  // namespace pedia::sync::testing
