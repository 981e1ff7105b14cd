#include "server/api_error.h"

#include "base/json_text.h"

namespace pedia::server {
namespace {

ApiError Make(int code, const char* reason, std::string message) {
  ApiError e;
  e.code = code;
  e.reason = reason;
  e.message = std::move(message);
  return e;
}

}  // namespace

ApiError ApiError::BadRequest(std::string m) { return Make(400, "BadRequest", std::move(m)); }

ApiError ApiError::BadParameter(std::string_view parameter, std::string_view why) {
  std::string m = "invalid query parameter \"";
  m.append(parameter).append("\": ").append(why);
  ApiError e = Make(400, "BadRequest", std::move(m));
  e.name = std::string(parameter);
  return e;
}

ApiError ApiError::Unauthorized(std::string m) { return Make(401, "Unauthorized", std::move(m)); }
ApiError ApiError::Forbidden(std::string m) { return Make(403, "Forbidden", std::move(m)); }
ApiError ApiError::NotFound(std::string m) { return Make(404, "NotFound", std::move(m)); }

ApiError ApiError::ObjectNotFound(std::string_view group, std::string_view resource, std::string_view name) {
  std::string m(resource);
  if (!group.empty()) m.append(".").append(group);
  m.append(" \"").append(name).append("\" not found");
  ApiError e = Make(404, "NotFound", std::move(m));
  e.name = std::string(name);
  e.group = std::string(group);
  e.kind = std::string(resource);
  return e;
}

ApiError ApiError::MethodNotAllowed(std::string m) { return Make(405, "MethodNotAllowed", std::move(m)); }
ApiError ApiError::NotAcceptable(std::string m) { return Make(406, "NotAcceptable", std::move(m)); }
ApiError ApiError::Invalid(std::string m) { return Make(422, "Invalid", std::move(m)); }
ApiError ApiError::Gone(std::string m) { return Make(410, "Expired", std::move(m)); }
ApiError ApiError::TooManyRequests(std::string m) { return Make(429, "TooManyRequests", std::move(m)); }
ApiError ApiError::Internal(std::string m) { return Make(500, "InternalError", std::move(m)); }
ApiError ApiError::Unavailable(std::string m) { return Make(503, "ServiceUnavailable", std::move(m)); }

ApiError ApiError::FromStatus(const Status& s) {
  switch (s.code()) {
    case Status::kNotFound:
      return NotFound(s.message());
    case Status::kInvalidArgument:
      return BadRequest(s.message());
    case Status::kUnimplemented:
      return MethodNotAllowed(s.message());
    case Status::kExpired:
      return Gone(s.message());
    case Status::kUnavailable:
      return Unavailable(s.message());
    case Status::kConflict:
      return Make(409, "Conflict", s.message());
    case Status::kAlreadyExists:
      return Make(409, "AlreadyExists", s.message());
    default:
      return Internal(s.message());
  }
}

std::string ToStatusJson(const ApiError& e) {
  std::string out = R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":)";
  AppendJsonQuoted(out, e.message);
  out += R"(,"reason":)";
  AppendJsonQuoted(out, e.reason);
  if (!e.name.empty() || !e.group.empty() || !e.kind.empty()) {
    out += R"(,"details":{)";
    bool first = true;
    auto field = [&](const char* key, const std::string& value) {
      if (value.empty()) return;
      if (!first) out += ',';
      first = false;
      out += '"';
      out += key;
      out += "\":";
      AppendJsonQuoted(out, value);
    };
    field("name", e.name);
    field("group", e.group);
    field("kind", e.kind);
    out += '}';
  }
  out += R"(,"code":)";
  out += std::to_string(e.code);
  out += '}';
  return out;
}

}  // namespace pedia::server
