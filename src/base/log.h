// klog-compatible logging to stderr.
//
// Text format (the default), as Kubernetes components write it:
//   I1126 00:16:11.123456   12345 file.cc:42] "message" key="value" err="..."
// JSON format (--logging-format=json): one object per line with ts, v, msg,
// err and the key/value pairs.  Thread-safe: each line is one write(2).
//
// Verbosity follows Kubernetes: V(0) always, V(2) steady state and requests,
// V(4) debug.  Never log credentials; callers redact before logging.
#ifndef PEDIA_BASE_LOG_H_
#define PEDIA_BASE_LOG_H_

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>

namespace pedia::log {

enum class Severity { kInfo, kWarning, kError, kFatal };
enum class Format { kText, kJson };

void SetVerbosity(int level);
int Verbosity();
inline bool V(int level) { return level <= Verbosity(); }
void SetFormat(Format format);
Format CurrentFormat();

/// One key/value pair of a structured log line.
struct Field {
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const char* v) : key(k), value(v ? v : "") {}
  Field(std::string_view k, const std::string& v) : key(k), value(v) {}
  template <class T, class = std::enable_if_t<std::is_arithmetic_v<T>>>
  Field(std::string_view k, T v) : key(k), value(Number(v)), quoted(false) {}

  std::string_view key;
  std::string value;
  bool quoted = true;

 private:
  template <class T>
  static std::string Number(T v) {
    if constexpr (std::is_same_v<T, bool>) return v ? "true" : "false";
    else return std::to_string(v);
  }
};

void Write(Severity severity, int verbosity, const char* file, int line, std::string_view msg,
           std::initializer_list<Field> fields = {});

}  // namespace pedia::log

#define PEDIA_LOG_INFO(msg, ...) \
  ::pedia::log::Write(::pedia::log::Severity::kInfo, 0, __FILE__, __LINE__, msg, {__VA_ARGS__})
#define PEDIA_LOG_V(level, msg, ...)                                                                    \
  do {                                                                                                \
    if (::pedia::log::V(level))                                                                       \
      ::pedia::log::Write(::pedia::log::Severity::kInfo, level, __FILE__, __LINE__, msg, {__VA_ARGS__}); \
  } while (0)
#define PEDIA_LOG_WARNING(msg, ...) \
  ::pedia::log::Write(::pedia::log::Severity::kWarning, 0, __FILE__, __LINE__, msg, {__VA_ARGS__})
#define PEDIA_LOG_ERROR(msg, ...) \
  ::pedia::log::Write(::pedia::log::Severity::kError, 0, __FILE__, __LINE__, msg, {__VA_ARGS__})

#endif  // PEDIA_BASE_LOG_H_
