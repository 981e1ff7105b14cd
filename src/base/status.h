// Status and Result: how success or failure crosses component boundaries.
//
// Modelled on LevelDB's Status: an OK status carries no message, failures
// carry a code that maps one-to-one onto the storage ABI's pedia_storage_code
// (and so onto Kubernetes Status reasons) plus a PostgreSQL-style message:
// lower case, no trailing period.  Exceptions from third-party libraries are
// caught at the adapter that calls them and converted into a Status.
#ifndef PEDIA_BASE_STATUS_H_
#define PEDIA_BASE_STATUS_H_

#include <optional>
#include <string>
#include <utility>

namespace pedia {

class Status {
 public:
  // Same values as pedia_storage_code in include/pedia/storage_abi.h.
  enum Code {
    kOk = 0,
    kNotFound = 1,
    kAlreadyExists = 2,
    kConflict = 3,
    kInvalidArgument = 4,
    kUnavailable = 5,
    kInternal = 6,
    kUnimplemented = 7,
    kExpired = 8,
  };

  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }
  static Status NotFound(std::string m) { return {kNotFound, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {kAlreadyExists, std::move(m)}; }
  static Status Conflict(std::string m) { return {kConflict, std::move(m)}; }
  static Status InvalidArgument(std::string m) { return {kInvalidArgument, std::move(m)}; }
  static Status Unavailable(std::string m) { return {kUnavailable, std::move(m)}; }
  static Status Internal(std::string m) { return {kInternal, std::move(m)}; }
  static Status Unimplemented(std::string m) { return {kUnimplemented, std::move(m)}; }
  static Status Expired(std::string m) { return {kExpired, std::move(m)}; }

  bool ok() const { return code_ == kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  bool IsNotFound() const { return code_ == kNotFound; }
  bool IsUnavailable() const { return code_ == kUnavailable; }

  /// "NotFound: message", for logs.
  std::string ToString() const;
  /// Prefixes context: Status(kX, "ctx: msg").
  Status Annotate(const std::string& context) const;

 private:
  Code code_ = kOk;
  std::string message_;
};

/// Name of a code, e.g. "Unavailable".
const char* StatusCodeName(Status::Code code);

/// A value or the Status that explains why there is none.
template <class T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}  // NOLINT
  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() { return *value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace pedia

#endif  // PEDIA_BASE_STATUS_H_
