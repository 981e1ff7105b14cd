#include "api_handler.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <map>
#include <set>

#include "base/json_text.h"
#include "base/log.h"
#include "base/string_util.h"
#include "storage/selector.h"

namespace kubesim {

using pedia::Status;
using pedia::http::Request;
using pedia::http::Responder;
using pedia::http::JsonResponse;
using pedia::http::Response;

std::string StatusJson(int code, const std::string& reason, const std::string& message,
                       const std::string& details_json) {
  std::string s = R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":)";
  pedia::AppendJsonQuoted(s, message);
  s += R"(,"reason":")" + reason + "\"";
  if (!details_json.empty()) s += ",\"details\":" + details_json;
  s += ",\"code\":" + std::to_string(code) + "}";
  return s;
}

namespace {


Response StatusResponse(int code, const std::string& reason, const std::string& message,
                        const std::string& details = "") {
  return JsonResponse(code, StatusJson(code, reason, message, details));
}

std::string Details(const ResourceType* type, const std::string& name) {
  if (!type) return "";
  std::string d = "{";
  if (!name.empty()) {
    d += "\"name\":";
    pedia::AppendJsonQuoted(d, name);
    d += ",";
  }
  if (!type->group.empty()) d += "\"group\":\"" + type->group + "\",";
  d += "\"kind\":\"" + type->resource + "\"}";
  return d;
}

// Maps a cluster error to the HTTP answer kube-apiserver gives.
Response ErrorResponse(const Status& s, const ResourceType* type, const std::string& url_name) {
  // A POST names its object in the body; the cluster's message quotes it.
  std::string name = url_name;
  size_t open = s.message().find('"');
  if (name.empty() && open != std::string::npos) {
    size_t close = s.message().find('"', open + 1);
    if (close != std::string::npos) name = s.message().substr(open + 1, close - open - 1);
  }
  switch (s.code()) {
    case Status::kNotFound:
      return StatusResponse(404, "NotFound", s.message(), Details(type, name));
    case Status::kAlreadyExists:
      return StatusResponse(409, "AlreadyExists", s.message(), Details(type, name));
    case Status::kConflict:
      return StatusResponse(409, "Conflict", s.message(), Details(type, name));
    case Status::kExpired:
      return StatusResponse(410, "Expired", s.message());
    case Status::kUnimplemented:
      return StatusResponse(415, "UnsupportedMediaType", s.message());
    case Status::kUnavailable: {
      Response r = StatusResponse(
          504, "Timeout", s.message(),
          R"({"causes":[{"reason":"ResourceVersionTooLarge","message":"Too large resource version"}],"retryAfterSeconds":1})");
      r.headers.emplace_back("Retry-After", "1");
      return r;
    }
    case Status::kInvalidArgument:
      if (s.message().find("\" is invalid: ") != std::string::npos) {
        return StatusResponse(422, "Invalid", s.message(), Details(type, name));
      }
      return StatusResponse(400, "BadRequest", s.message());
    default:
      return StatusResponse(500, "InternalError", s.message());
  }
}

bool IsHealthPath(const std::string& p) {
  return p == "/healthz" || p == "/readyz" || p == "/livez" || pedia::StartsWith(p, "/healthz/") ||
         pedia::StartsWith(p, "/readyz/") || pedia::StartsWith(p, "/livez/");
}

std::vector<std::string> PathSegments(const std::string& path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) out.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

// Kubernetes' fields grammar: key=value, key==value, key!=value, comma
// separated, with '\' escaping.
pedia::Result<std::vector<FieldRequirement>> ParseFields(const std::string& s, const ResourceType& type) {
  std::vector<FieldRequirement> out;
  if (pedia::Trim(s).empty()) return out;
  std::vector<std::string> terms(1);
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      terms.back() += s[i];
      terms.back() += s[++i];
    } else if (s[i] == ',') {
      terms.emplace_back();
    } else {
      terms.back() += s[i];
    }
  }
  for (const auto& term : terms) {
    FieldRequirement f;
    size_t op = std::string::npos, op_len = 0;
    for (size_t i = 0; i < term.size(); ++i) {
      if (term[i] == '\\') {
        ++i;
        continue;
      }
      if (term.compare(i, 2, "!=") == 0) {
        op = i, op_len = 2, f.negate = true;
      } else if (term.compare(i, 2, "==") == 0) {
        op = i, op_len = 2;
      } else if (term[i] == '=') {
        op = i, op_len = 1;
      }
      if (op != std::string::npos) break;
    }
    if (op == std::string::npos) {
      return Status::InvalidArgument("invalid field selector: '" + term + "': no operator");
    }
    f.field = std::string(pedia::Trim(std::string_view(term).substr(0, op)));
    std::string raw = term.substr(op + op_len);
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '\\' && i + 1 < raw.size()) ++i;
      f.value += raw[i];
    }
    if (!IsSelectableField(type, f.field)) {
      if (type.is_custom) {
        return Status::InvalidArgument("\"" + f.field +
                                       "\" is not a known field selector: only \"metadata.name\", "
                                       "\"metadata.namespace\"");
      }
      return Status::InvalidArgument("field label not supported: " + f.field);
    }
    out.push_back(std::move(f));
  }
  return out;
}

std::string JsonStringArray(const std::vector<std::string>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) s += ",";
    pedia::AppendJsonQuoted(s, v[i]);
  }
  return s + "]";
}

std::string ResourceEntries(const std::vector<ResourceType>& types, const std::string& version) {
  std::string s;
  for (const auto& t : types) {
    if (!s.empty()) s += ",";
    s += R"({"name":")" + t.resource + R"(","singularName":")" + t.singular + R"(","namespaced":)" +
         (t.namespaced ? "true" : "false") + R"(,"kind":")" + t.kind +
         R"(","verbs":["create","delete","get","list","patch","update","watch"])";
    if (!t.short_names.empty()) s += ",\"shortNames\":" + JsonStringArray(t.short_names);
    if (!t.categories.empty()) s += ",\"categories\":" + JsonStringArray(t.categories);
    s += "}";
    if (t.has_status) {
      s += R"(,{"name":")" + t.resource + R"(/status","singularName":"","namespaced":)" +
           (t.namespaced ? "true" : "false") + R"(,"kind":")" + t.kind + R"(","verbs":["get","patch","update"]})";
    }
    (void)version;
  }
  return s;
}

std::string GroupJson(const std::string& name, const std::vector<std::string>& versions, bool with_kind) {
  std::string s = "{";
  if (with_kind) s += R"("kind":"APIGroup","apiVersion":"v1",)";
  s += R"("name":")" + name + R"(","versions":[)";
  for (size_t i = 0; i < versions.size(); ++i) {
    if (i) s += ",";
    s += R"({"groupVersion":")" + name + "/" + versions[i] + R"(","version":")" + versions[i] + "\"}";
  }
  s += R"(],"preferredVersion":{"groupVersion":")" + name + "/" + versions.front() + R"(","version":")" +
       versions.front() + "\"}}";
  return s;
}

std::string QueryValue(const std::vector<std::pair<std::string, std::string>>& q, const std::string& key,
                       bool* present = nullptr) {
  for (const auto& [k, v] : q) {
    if (k == key) {
      if (present) *present = true;
      return v;
    }
  }
  if (present) *present = false;
  return "";
}

bool Truthy(const std::string& v) { return v == "true" || v == "1"; }

// The object's JSON under the requested apiVersion (CRD versions share storage).
std::string ObjectBody(const Object& o, const std::string& api_version) {
  std::string prefix = "{\"apiVersion\":\"" + o.api_version + "\"";
  if (o.api_version == api_version || !pedia::StartsWith(o.json, prefix)) return o.json;
  std::string body = "{\"apiVersion\":";
  pedia::AppendJsonQuoted(body, api_version);
  body.append(o.json, prefix.size(), std::string::npos);
  return body;
}

}  // namespace

ApiHandler::ApiHandler(std::shared_ptr<Cluster> cluster, AuthConfig auth, Scheduler* scheduler,
                       std::string self_address)
    : cluster_(std::move(cluster)),
      auth_(std::move(auth)),
      scheduler_(scheduler),
      self_address_(std::move(self_address)) {}

void ApiHandler::Handle(Request&& request, std::shared_ptr<Responder> responder) {
  Faults& faults = cluster_->faults();
  bool health = IsHealthPath(request.path);
  // Faults: answers with an error code, then delays.
  int code = faults.fail_code.load();
  if (code != 0 && !health) {
    int left = faults.fail_count.load();
    bool fail = left < 0;
    while (left > 0 && !fail) {
      if (faults.fail_count.compare_exchange_weak(left, left - 1)) fail = true;
    }
    if (fail) {
      const char* reason = code == 429   ? "TooManyRequests"
                           : code == 503 ? "ServiceUnavailable"
                           : code == 504 ? "Timeout"
                                         : "InternalError";
      Response r = StatusResponse(
          code, reason,
          code == 429 ? "Too many requests, please try again later." : "injected failure (kubesim fault)");
      if (code == 429 || code == 503) r.headers.emplace_back("Retry-After", "1");
      responder->Send(std::move(r));
      return;
    }
  }
  int delay = faults.delay_ms.load();
  if (delay > 0) {
    auto shared = std::make_shared<Request>(std::move(request));
    scheduler_->After(std::chrono::milliseconds(delay), [this, shared, responder] { Serve(*shared, responder); });
    return;
  }
  Serve(request, responder);
}

void ApiHandler::Serve(const Request& request, const std::shared_ptr<Responder>& responder) {
  // Authentication, as kube-apiserver: a bad credential is 401 everywhere;
  // no credential is anonymous, which may read health and version only.
  std::string_view authorization = request.Header("authorization");
  bool authenticated = !auth_.Required();
  if (!authorization.empty()) {
    bool ok = false;
    if (pedia::StartsWith(authorization, "Bearer ") && !auth_.token.empty()) {
      std::string_view given = pedia::Trim(authorization.substr(7));
      ok = given.size() == auth_.token.size() && CRYPTO_memcmp(given.data(), auth_.token.data(), given.size()) == 0;
    }
    if (!ok) {
      responder->Send(StatusResponse(401, "Unauthorized", "Unauthorized"));
      return;
    }
    authenticated = true;
  }
  if (auth_.client_certs && request.client_cert.verified) authenticated = true;
  bool public_path = IsHealthPath(request.path) || request.path == "/version";
  if (!authenticated && !public_path) {
    responder->Send(StatusResponse(401, "Unauthorized", "Unauthorized"));
    return;
  }
  if (IsHealthPath(request.path)) {
    Response r;
    r.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
    r.body = "ok";
    responder->Send(std::move(r));
    return;
  }
  if (ServeDiscovery(request, *responder)) return;
  ServeResource(request, responder);
}

bool ApiHandler::ServeDiscovery(const Request& request, Responder& responder) {
  const std::string& p = request.path;
  if (request.method != "GET") return false;
  if (p == "/version" || p == "/version/") {
    std::string v = cluster_->options().k8s_version;  // "v1.30.2"
    std::string major = "1", minor = "30";
    auto parts = pedia::SplitAndTrim(std::string_view(v).substr(v.empty() || v[0] != 'v' ? 0 : 1), '.');
    if (parts.size() >= 2) {
      major = std::string(parts[0]);
      minor = std::string(parts[1]);
    }
    responder.Send(JsonResponse(200, R"({"major":")" + major + R"(","minor":")" + minor + R"(","gitVersion":")" + v +
                                 R"(","gitCommit":"0000000000000000000000000000000000000000","gitTreeState":"clean",)"
                                 R"("buildDate":"2024-06-11T20:20:18Z","goVersion":"go1.22.4","compiler":"gc",)"
                                 R"("platform":"linux/amd64"})"));
    return true;
  }
  auto types = cluster_->Types();
  if (p == "/api" || p == "/api/") {
    responder.Send(JsonResponse(
        200,
        R"({"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[)"
        R"({"clientCIDR":"0.0.0.0/0","serverAddress":)" +
            pedia::JsonQuote(request.Header("host").empty() ? self_address_ : std::string(request.Header("host"))) +
            "}]}"));
    return true;
  }
  // group -> versions (first is preferred), and (group, version) -> types.
  std::map<std::string, std::vector<std::string>> groups;
  for (const auto& t : types) {
    auto& versions = groups[t.group];
    for (const auto& v : t.versions) {
      if (std::find(versions.begin(), versions.end(), v) == versions.end()) versions.push_back(v);
    }
  }
  for (auto& [name, versions] : groups) std::stable_sort(versions.begin(), versions.end(), KubeVersionBefore);
  auto types_of = [&](const std::string& group, const std::string& version) {
    std::vector<ResourceType> out;
    for (const auto& t : types) {
      if (t.group == group && t.Serves(version)) out.push_back(t);
    }
    return out;
  };
  auto resource_list = [&](const std::string& group, const std::string& version) {
    std::string gv = group.empty() ? version : group + "/" + version;
    return JsonResponse(200, R"({"kind":"APIResourceList","apiVersion":"v1","groupVersion":")" + gv + R"(","resources":[)" +
                         ResourceEntries(types_of(group, version), version) + "]}");
  };
  if (p == "/api/v1" || p == "/api/v1/") {
    responder.Send(resource_list("", "v1"));
    return true;
  }
  if (p == "/apis" || p == "/apis/") {
    std::string s = R"({"kind":"APIGroupList","apiVersion":"v1","groups":[)";
    bool first = true;
    for (const auto& [name, versions] : groups) {
      if (name.empty()) continue;
      if (!first) s += ",";
      first = false;
      s += GroupJson(name, versions, false);
    }
    responder.Send(JsonResponse(200, s + "]}"));
    return true;
  }
  auto seg = PathSegments(p);
  // OpenAPI v3, only as far as kubectl needs it: every PATCH operation
  // declares the fieldValidation parameter, so kubectl leaves validation to
  // the server instead of downloading schemas.
  if (seg.size() == 2 && seg[0] == "openapi" && seg[1] == "v3") {
    std::string s = R"({"paths":{)";
    bool first = true;
    for (const auto& [group, versions] : groups) {
      for (const auto& v : versions) {
        std::string gv = group.empty() ? "api/" + v : "apis/" + group + "/" + v;
        if (!first) s += ",";
        first = false;
        s += "\"" + gv + R"(":{"serverRelativeURL":"/openapi/v3/)" + gv + "?hash=" + std::to_string(types.size()) +
             "\"}";
      }
    }
    responder.Send(JsonResponse(200, s + "}}"));
    return true;
  }
  if (seg.size() >= 4 && seg[0] == "openapi" && seg[1] == "v3") {
    std::string group, version;
    if (seg[2] == "api" && seg.size() == 4) {
      version = seg[3];
    } else if (seg[2] == "apis" && seg.size() == 5) {
      group = seg[3];
      version = seg[4];
    } else {
      return false;
    }
    std::string s = R"({"openapi":"3.0.0","info":{"title":"Kubernetes","version":")" + cluster_->options().k8s_version +
                    R"("},"paths":{)";
    bool first = true;
    for (const auto& t : types_of(group, version)) {
      std::string prefix = group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
      std::string path = prefix + (t.namespaced ? "/namespaces/{namespace}/" : "/") + t.resource + "/{name}";
      std::string op = R"({"x-kubernetes-action":"patch","x-kubernetes-group-version-kind":{"group":")" + group +
                       R"(","version":")" + version + R"(","kind":")" + t.kind +
                       R"("},"parameters":[{"name":"fieldValidation","in":"query","schema":{"type":"string"}}]})";
      if (!first) s += ",";
      first = false;
      s += "\"" + path + R"(":{"patch":)" + op + "}";
    }
    responder.Send(JsonResponse(200, s + R"(},"components":{"schemas":{}}})"));
    return true;
  }
  if (seg.size() == 2 && seg[0] == "apis") {
    auto it = groups.find(seg[1]);
    if (it == groups.end() || seg[1].empty()) return false;
    responder.Send(JsonResponse(200, GroupJson(it->first, it->second, true)));
    return true;
  }
  if (seg.size() == 3 && seg[0] == "apis") {
    auto it = groups.find(seg[1]);
    if (it == groups.end() || std::find(it->second.begin(), it->second.end(), seg[2]) == it->second.end()) {
      return false;
    }
    responder.Send(resource_list(seg[1], seg[2]));
    return true;
  }
  return false;
}

void ApiHandler::ServeResource(const Request& request, const std::shared_ptr<Responder>& responder) {
  auto seg = PathSegments(request.path);
  auto not_found = [&] {
    responder->Send(StatusResponse(404, "NotFound", "the server could not find the requested resource"));
  };
  std::string group, version;
  size_t i = 0;
  if (seg.size() >= 2 && seg[0] == "api") {
    version = seg[1];
    i = 2;
  } else if (seg.size() >= 3 && seg[0] == "apis") {
    group = seg[1];
    version = seg[2];
    i = 3;
  } else {
    return not_found();
  }
  bool legacy_watch = false;
  if (i < seg.size() && seg[i] == "watch") {
    legacy_watch = true;
    ++i;
  }
  std::vector<std::string> rest(seg.begin() + static_cast<long>(i), seg.end());
  std::string ns, resource, name, sub;
  if (rest.size() >= 3 && rest[0] == "namespaces" && rest[2] != "status" && rest[2] != "finalize") {
    ns = rest[1];
    resource = rest[2];
    if (rest.size() >= 4) name = rest[3];
    if (rest.size() >= 5) sub = rest[4];
    if (rest.size() > 5) return not_found();
  } else if (!rest.empty()) {
    resource = rest[0];
    if (rest.size() >= 2) name = rest[1];
    if (rest.size() >= 3) sub = rest[2];
    if (rest.size() > 3) return not_found();
  } else {
    return not_found();
  }
  auto type = cluster_->FindType(group, version, resource);
  if (!type) return not_found();
  if (!type->namespaced && !ns.empty()) return not_found();
  if (!sub.empty() && (sub != "status" || !type->has_status)) return not_found();

  auto query = pedia::http::ParseQuery(request.query);
  std::string manager = QueryValue(query, "fieldManager");
  if (manager.empty()) {
    std::string_view ua = request.Header("user-agent");
    manager = std::string(ua.substr(0, ua.find('/')));
  }
  const std::string& method = request.method;

  if (method == "GET") {
    bool watch = legacy_watch || Truthy(QueryValue(query, "watch"));
    std::vector<pedia::storage::Requirement> labels;
    std::string label_selector = QueryValue(query, "labelSelector");
    auto parsed_labels = pedia::storage::ParseLabelSelector(label_selector);
    if (!parsed_labels.ok()) {
      return responder->Send(StatusResponse(400, "BadRequest", parsed_labels.status().message()));
    }
    labels = std::move(*parsed_labels);
    auto fields = ParseFields(QueryValue(query, "fieldSelector"), *type);
    if (!fields.ok()) return responder->Send(StatusResponse(400, "BadRequest", fields.status().message()));
    if (!name.empty() && !watch) {
      auto obj = cluster_->Get(*type, ns, name);
      if (!obj.ok()) return responder->Send(ErrorResponse(obj.status(), &*type, name));
      return responder->Send(JsonResponse(200, ObjectBody(**obj, type->ApiVersion(version))));
    }
    if (!name.empty()) fields->push_back({"metadata.name", false, name});
    if (watch) {
      WatchOptions o;
      o.ns = ns;
      o.labels = std::move(labels);
      o.fields = std::move(*fields);
      o.resource_version = QueryValue(query, "resourceVersion");
      o.bookmarks = Truthy(QueryValue(query, "allowWatchBookmarks"));
      o.send_initial_events = Truthy(QueryValue(query, "sendInitialEvents"));
      long long timeout = 0;
      std::string t = QueryValue(query, "timeoutSeconds");
      if (!t.empty() && (!pedia::ParseInt64(t, &timeout) || timeout < 0)) {
        return responder->Send(StatusResponse(400, "BadRequest", "invalid timeoutSeconds \"" + t + "\""));
      }
      o.timeout_seconds = static_cast<int>(std::min<long long>(timeout, 1 << 30));
      Status s = cluster_->Watch(*type, version, o, [&] {
        return responder->Stream(200, {{"Content-Type", "application/json"}});
      });
      if (!s.ok()) responder->Send(ErrorResponse(s, &*type, ""));
      return;
    }
    ListOptions o;
    o.ns = ns;
    o.labels = std::move(labels);
    o.fields = std::move(*fields);
    o.resource_version = QueryValue(query, "resourceVersion");
    o.resource_version_match = QueryValue(query, "resourceVersionMatch");
    o.continue_token = QueryValue(query, "continue");
    std::string limit = QueryValue(query, "limit");
    long long n = 0;
    if (!limit.empty() && (!pedia::ParseInt64(limit, &n) || n < 0)) {
      return responder->Send(StatusResponse(400, "BadRequest", "invalid limit \"" + limit + "\""));
    }
    o.limit = n;
    auto list = cluster_->List(*type, version, o);
    if (!list.ok()) return responder->Send(ErrorResponse(list.status(), &*type, ""));
    return responder->Send(JsonResponse(200, std::move(list->body)));
  }

  auto answer_object = [&](int status, const pedia::Result<ObjectPtr>& r) {
    if (!r.ok()) return responder->Send(ErrorResponse(r.status(), &*type, name));
    std::string body = ObjectBody(*r.value(), type->ApiVersion(version));
    responder->Send(JsonResponse(status, std::move(body)));
  };

  if (method == "POST") {
    if (!name.empty()) {
      return responder->Send(
          StatusResponse(405, "MethodNotAllowed", "the server does not allow this method on the requested resource"));
    }
    return answer_object(201, cluster_->Create(*type, ns, request.body, manager));
  }
  if (name.empty()) {
    return responder->Send(
        StatusResponse(405, "MethodNotAllowed", "the server does not allow this method on the requested resource"));
  }
  if (method == "PUT") {
    return answer_object(200, cluster_->Update(*type, ns, name, request.body, sub == "status", manager));
  }
  if (method == "PATCH") {
    std::string content_type(request.Header("content-type"));
    return answer_object(200, cluster_->Patch(*type, ns, name, content_type, request.body, sub == "status", manager));
  }
  if (method == "DELETE" && sub.empty()) {
    bool gone = false;
    auto r = cluster_->Delete(*type, ns, name, &gone);
    if (!r.ok() || !gone) return answer_object(200, r);
    std::string details = "{\"name\":";
    pedia::AppendJsonQuoted(details, name);
    if (!type->group.empty()) details += ",\"group\":\"" + type->group + "\"";
    details += ",\"kind\":\"" + type->resource + "\",\"uid\":\"" + (*r)->uid + "\"}";
    return responder->Send(
        JsonResponse(200, R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success","details":)" + details + "}"));
  }
  responder->Send(
      StatusResponse(405, "MethodNotAllowed", "the server does not allow this method on the requested resource"));
}

}  // namespace kubesim
