// Kubernetes Status error bodies (meta/v1 Status) and the errors the
// apiserver answers with.
//
// Every failure a client can see is an ApiError: an HTTP code, the Kubernetes
// reason ("BadRequest", "NotFound", ...) and a message that names what was
// wrong.  ToStatusJson() renders the body kubectl and client-go decode.
#ifndef PEDIA_SERVER_API_ERROR_H_
#define PEDIA_SERVER_API_ERROR_H_

#include <string>
#include <string_view>

#include "base/status.h"

namespace pedia::server {

struct ApiError {
  int code = 500;
  std::string reason;   // "BadRequest", "NotFound", "MethodNotAllowed", "Invalid", ...
  std::string message;  // lower-case primary message; may carry DETAIL/HINT lines
  // details.name / details.group / details.kind, when they apply.
  std::string name, group, kind;

  static ApiError BadRequest(std::string message);
  /// 400 naming the query parameter: "invalid query parameter \"p\": why".
  static ApiError BadParameter(std::string_view parameter, std::string_view why);
  static ApiError Unauthorized(std::string message);
  static ApiError Forbidden(std::string message);
  static ApiError NotFound(std::string message);
  /// 404 for a named object: `pods "x" not found`, with details.
  static ApiError ObjectNotFound(std::string_view group, std::string_view resource, std::string_view name);
  static ApiError MethodNotAllowed(std::string message);
  static ApiError NotAcceptable(std::string message);
  /// 422 Invalid.
  static ApiError Invalid(std::string message);
  static ApiError Gone(std::string message);
  static ApiError TooManyRequests(std::string message);
  static ApiError Internal(std::string message);
  static ApiError Unavailable(std::string message);

  /// Maps a storage Status: NotFound 404, InvalidArgument 400, Unimplemented
  /// 405, Expired 410, Unavailable 503, the rest 500.
  static ApiError FromStatus(const Status& status);
};

/// {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",...}
std::string ToStatusJson(const ApiError& error);

}  // namespace pedia::server

#endif  // PEDIA_SERVER_API_ERROR_H_
