#include "base/log.h"

#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace pedia::log {
namespace {

std::atomic<int> g_verbosity{0};
std::atomic<Format> g_format{Format::kText};

void AppendQuoted(std::string& out, std::string_view s) {
  out.push_back('"');
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

const char* Basename(const char* path) {
  const char* slash = std::strrchr(path, '/');
  return slash ? slash + 1 : path;
}

}  // namespace

void SetVerbosity(int level) { g_verbosity.store(level, std::memory_order_relaxed); }
int Verbosity() { return g_verbosity.load(std::memory_order_relaxed); }
void SetFormat(Format format) { g_format.store(format, std::memory_order_relaxed); }
Format CurrentFormat() { return g_format.load(std::memory_order_relaxed); }

void Write(Severity severity, int verbosity, const char* file, int line, std::string_view msg,
           std::initializer_list<Field> fields) {
  struct timeval tv;
  gettimeofday(&tv, nullptr);
  std::string out;
  out.reserve(128 + msg.size());
  if (CurrentFormat() == Format::kJson) {
    char ts[64];
    std::snprintf(ts, sizeof ts, "{\"ts\":%ld.%06ld", static_cast<long>(tv.tv_sec), static_cast<long>(tv.tv_usec));
    out += ts;
    out += ",\"caller\":";
    AppendQuoted(out, std::string(Basename(file)) + ":" + std::to_string(line));
    if (severity == Severity::kInfo) out += ",\"v\":" + std::to_string(verbosity);
    out += ",\"msg\":";
    AppendQuoted(out, msg);
    for (const Field& f : fields) {
      out.push_back(',');
      AppendQuoted(out, f.key);
      out.push_back(':');
      if (f.quoted) AppendQuoted(out, f.value);
      else out += f.value;
    }
    out += "}\n";
  } else {
    struct tm tm;
    localtime_r(&tv.tv_sec, &tm);
    static const char kLetters[] = {'I', 'W', 'E', 'F'};
    char head[96];
    std::snprintf(head, sizeof head, "%c%02d%02d %02d:%02d:%02d.%06ld %7ld %s:%d] ",
                  kLetters[static_cast<int>(severity)], tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                  tm.tm_sec, static_cast<long>(tv.tv_usec), static_cast<long>(syscall(SYS_gettid)),
                  Basename(file), line);
    out += head;
    AppendQuoted(out, msg);
    for (const Field& f : fields) {
      out.push_back(' ');
      out += f.key;
      out.push_back('=');
      if (f.quoted) AppendQuoted(out, f.value);
      else out += f.value;
    }
    out.push_back('\n');
  }
  // One write(2) per line keeps lines from different threads whole.
  ssize_t unused = ::write(STDERR_FILENO, out.data(), out.size());
  (void)unused;
}

}  // namespace pedia::log
