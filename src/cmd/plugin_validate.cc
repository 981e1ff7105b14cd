// pedia plugin validate: every check of a plugin, run in a child process.
//
// Loading a plugin runs its code (constructors, the entry point, open), and
// that code may crash or hang.  So the child does all of it, reporting each
// check over a pipe as it begins and ends; the parent prints the results and
// knows which check was running when the child died or stopped answering.
//
// Pipe protocol, one record per line, fields separated by tabs, each field
// escaped (\\, \n, \t):
//   B <check>                   a check begins
//   R <ok|FAILED|skipped> <check> <message>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "base/exit_status.h"
#include "base/string_util.h"
#include "cmd/common_flags.h"
#include "cmd/plugin_commands.h"
#include "storage/conformance.h"
#include "storage/elf_manifest.h"
#include "storage/plugin_loader.h"
#include "storage/registry.h"

namespace pedia::cmd {
namespace {

constexpr char kOpenCheck[] = "open with the storage config";
constexpr char kCloseCheck[] = "close";

std::string Escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (c == '\t')
      out += "\\t";
    else
      out += c;
  }
  return out;
}

std::string Unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 == s.size()) {
      out += s[i];
      continue;
    }
    char c = s[++i];
    out += c == 'n' ? '\n' : c == 't' ? '\t' : c;
  }
  return out;
}

// Parses "60s", "2m", "500ms", "1h" or plain seconds into milliseconds.
bool ParseDurationMs(std::string_view text, long long* ms) {
  struct Unit {
    const char* suffix;
    long long factor;
  };
  for (const Unit& u : {Unit{"ms", 1}, Unit{"s", 1000}, Unit{"m", 60000}, Unit{"h", 3600000}, Unit{"", 1000}}) {
    if (!EndsWith(text, u.suffix)) continue;
    long long n;
    if (!ParseInt64(text.substr(0, text.size() - std::strlen(u.suffix)), &n) || n <= 0 || n > 24LL * 3600000 / u.factor)
      return false;
    *ms = n * u.factor;
    return true;
  }
  return false;
}

// The child's side of the pipe.
class Reporter {
 public:
  explicit Reporter(int fd) : fd_(fd) {}
  void Begin(const std::string& check) { Send("B\t" + Escape(check) + "\n"); }
  void Result(const std::string& check, const char* verdict, const std::string& message) {
    Send(std::string("R\t") + verdict + "\t" + Escape(check) + "\t" + Escape(message) + "\n");
  }
  void Result(const std::string& check, const Status& s) {
    if (!s.ok()) ++failed_;
    Result(check, s.ok() ? "ok" : "FAILED", s.message());
  }
  int failed() const { return failed_; }

 private:
  // One write per record; a record is far below PIPE_BUF-sized atomicity
  // concerns since only this process writes.
  void Send(const std::string& record) {
    size_t done = 0;
    while (done < record.size()) {
      ssize_t n = write(fd_, record.data() + done, record.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) _exit(kExitFailure);  // the parent is gone
      done += static_cast<size_t>(n);
    }
  }
  int fd_;
  int failed_ = 0;
};

// Runs in the child: every check, reported through reporter.  Returns the
// child's exit code.
int RunChecks(const PluginValidateOptions& o, Reporter* reporter) {
  const std::vector<std::string>& loader_checks = storage::LoaderCheckNames();
  size_t next = 0;
  reporter->Begin(loader_checks[next]);
  Result<const pedia_storage_plugin*> table =
      storage::LoadPluginFile(o.file, [&](const std::string& check, const Status& s) {
        reporter->Result(check, s);
        next = 0;
        while (next < loader_checks.size() && loader_checks[next] != check) ++next;
        if (s.ok() && ++next < loader_checks.size()) reporter->Begin(loader_checks[next]);
      });
  if (!table.ok()) return kExitFailure;

  reporter->Begin(kOpenCheck);
  storage::Registry registry;
  Status s = registry.Register(*table, o.file);
  Result<std::unique_ptr<storage::Storage>> layer =
      s.ok() ? registry.Open((*table)->name, o.storage_config) : Result<std::unique_ptr<storage::Storage>>(s);
  reporter->Result(kOpenCheck, layer.status());
  if (!layer.ok()) return kExitFailure;

  const std::vector<storage::ConformanceCheck>& checks = storage::ConformanceChecks();
  size_t index = 0;
  if (!checks.empty()) reporter->Begin(checks[0].name);
  storage::RunConformance(**layer, [&](const storage::ConformanceResult& r) {
    if (r.skipped)
      reporter->Result(r.name, "skipped", "the layer does not declare the capabilities this check needs");
    else
      reporter->Result(r.name, r.status);
    if (++index < checks.size()) reporter->Begin(checks[index].name);
  });

  reporter->Begin(kCloseCheck);
  layer->reset();
  reporter->Result(kCloseCheck, Status::Ok());
  return reporter->failed() ? kExitFailure : kExitSuccess;
}

// The parent's view of the child's progress.
struct Progress {
  std::string running;  // the check that has begun and not ended
  int passed = 0, failed = 0, skipped = 0, warnings = 0;
};

void PrintResult(const std::string& verdict, const std::string& check, const std::string& message) {
  std::printf("%-8s%s\n", verdict.c_str(), check.c_str());
  if (verdict != "ok" && !message.empty()) {
    size_t start = 0;
    while (start <= message.size()) {
      size_t end = message.find('\n', start);
      if (end == std::string::npos) end = message.size();
      std::printf("        %s\n", message.substr(start, end - start).c_str());
      start = end + 1;
    }
  }
  std::fflush(stdout);
}

void HandleRecord(std::string_view line, Progress* p) {
  std::vector<std::string> fields;
  size_t start = 0;
  while (true) {
    size_t tab = line.find('\t', start);
    fields.push_back(Unescape(line.substr(start, tab == std::string_view::npos ? tab : tab - start)));
    if (tab == std::string_view::npos) break;
    start = tab + 1;
  }
  if (fields[0] == "B" && fields.size() >= 2) {
    p->running = fields[1];
  } else if (fields[0] == "R" && fields.size() >= 4) {
    p->running.clear();
    if (fields[1] == "ok")
      ++p->passed;
    else if (fields[1] == "skipped")
      ++p->skipped;
    else
      ++p->failed;
    PrintResult(fields[1], fields[2], fields[3]);
  }
}

long long NowMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

}  // namespace

int PluginValidate(const PluginValidateOptions& o, const char* applet) {
  long long timeout_ms = 0;
  if (!ParseDurationMs(o.timeout, &timeout_ms)) {
    PrintError(applet, Status::InvalidArgument("invalid --timeout \"" + o.timeout +
                                               "\"\nHINT:  Use a positive duration such as 60s, 2m or 500ms."));
    return kExitUsage;
  }
  std::printf("validating plugin \"%s\"\n", o.file.c_str());
  Progress progress;
  // Extra exports are not fatal, but a plugin exporting its static
  // libstdc++ corrupts others loaded later (toolchain-notes §2.4).
  if (Result<storage::PluginFileInfo> info = storage::ReadPluginFile(o.file); info.ok()) {
    std::vector<std::string> extra;
    for (const std::string& symbol : info->exported_symbols)
      if (symbol != PEDIA_STORAGE_ENTRY_SYMBOL) extra.push_back(symbol);
    if (!extra.empty()) {
      ++progress.warnings;
      std::string list;
      for (size_t i = 0; i < extra.size() && i < 10; ++i) list += (i ? ", " : "") + extra[i];
      if (extra.size() > 10) list += " and " + std::to_string(extra.size() - 10) + " more";
      PrintResult("warning", "exports only " PEDIA_STORAGE_ENTRY_SYMBOL,
                  "the plugin also exports " + list +
                      "\nHINT:  Link with -Wl,--version-script listing only " PEDIA_STORAGE_ENTRY_SYMBOL
                      " (see tests/plugins/plugin.map).");
    }
  }
  std::fflush(stdout);
  std::fflush(stderr);

  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    PrintError(applet, Status::Internal(std::string("could not create a pipe: ") + std::strerror(errno)));
    return kExitFailure;
  }
  pid_t child = fork();
  if (child < 0) {
    PrintError(applet, Status::Internal(std::string("could not fork: ") + std::strerror(errno)));
    return kExitFailure;
  }
  if (child == 0) {
    close(fds[0]);
    Reporter reporter(fds[1]);
    int rc = RunChecks(o, &reporter);
    std::fflush(stdout);
    std::fflush(stderr);
    _exit(rc);  // skip the parent's atexit handlers and static destructors
  }
  close(fds[1]);

  std::string buffer;
  auto consume = [&](const char* data, size_t len) {
    buffer.append(data, len);
    for (size_t nl; (nl = buffer.find('\n')) != std::string::npos; buffer.erase(0, nl + 1))
      HandleRecord(std::string_view(buffer).substr(0, nl), &progress);
  };
  bool timed_out = false;
  bool reaped = false;
  int wstatus = 0;
  long long deadline = NowMs() + timeout_ms;
  while (true) {
    long long wait = deadline - NowMs();
    if (wait <= 0) {
      timed_out = true;
      break;
    }
    // Wake up now and then to notice a child that exited while something it
    // forked still holds the pipe open.
    pollfd pfd{fds[0], POLLIN, 0};
    int ready = poll(&pfd, 1, static_cast<int>(std::min(wait, 200LL)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) {
      if (waitpid(child, &wstatus, WNOHANG) == child) {
        reaped = true;
        fcntl(fds[0], F_SETFL, O_NONBLOCK);  // take what it wrote, then stop
        char chunk[4096];
        for (ssize_t n; (n = read(fds[0], chunk, sizeof(chunk))) > 0;) consume(chunk, static_cast<size_t>(n));
        break;
      }
      continue;
    }
    char chunk[4096];
    ssize_t n = read(fds[0], chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // the child closed the pipe: it exited
    consume(chunk, static_cast<size_t>(n));
    deadline = NowMs() + timeout_ms;  // each check gets the full timeout
  }
  close(fds[0]);
  if (timed_out) kill(child, SIGKILL);
  while (!reaped && waitpid(child, &wstatus, 0) < 0 && errno == EINTR) {
  }

  std::string where = progress.running.empty() ? "plugin process" : progress.running;
  if (timed_out) {
    ++progress.failed;
    PrintResult("FAILED", where,
                "the check did not finish within " + o.timeout +
                    "; the plugin process was killed\nHINT:  The plugin "
                    "hangs, or needs more time: raise --timeout.");
  } else if (WIFSIGNALED(wstatus)) {
    ++progress.failed;
    int sig = WTERMSIG(wstatus);
    PrintResult("FAILED", where,
                "the plugin crashed with signal " + std::to_string(sig) + " (" + strsignal(sig) + ")" +
                    (WCOREDUMP(wstatus) ? ", core dumped" : ""));
  } else if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) != 0 && progress.failed == 0) {
    ++progress.failed;
    PrintResult("FAILED", where,
                "the plugin ended the process with exit status " + std::to_string(WEXITSTATUS(wstatus)));
  }

  std::printf("%d passed, %d failed, %d skipped", progress.passed, progress.failed, progress.skipped);
  if (progress.warnings) std::printf(", %d warning%s", progress.warnings, progress.warnings == 1 ? "" : "s");
  std::printf("\n");
  if (progress.failed == 0 && WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0) return kExitSuccess;
  std::fflush(stdout);
  PrintError(applet, Status::InvalidArgument("plugin \"" + o.file + "\" failed validation"));
  return kExitFailure;
}

}  // namespace pedia::cmd
