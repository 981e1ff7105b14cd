#include "base/status.h"

namespace pedia {

const char* StatusCodeName(Status::Code code) {
  switch (code) {
    case Status::kOk: return "OK";
    case Status::kNotFound: return "NotFound";
    case Status::kAlreadyExists: return "AlreadyExists";
    case Status::kConflict: return "Conflict";
    case Status::kInvalidArgument: return "InvalidArgument";
    case Status::kUnavailable: return "Unavailable";
    case Status::kInternal: return "Internal";
    case Status::kUnimplemented: return "Unimplemented";
    case Status::kExpired: return "Expired";
  }
  return "Unknown";
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  return std::string(StatusCodeName(code_)) + ": " + message_;
}

Status Status::Annotate(const std::string& context) const {
  if (ok()) return *this;
  return Status(code_, context + ": " + message_);
}

}  // namespace pedia
