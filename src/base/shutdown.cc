#include "base/shutdown.h"

#include <signal.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "base/log.h"

namespace pedia::shutdown {
namespace {

std::mutex g_mu;
std::condition_variable g_cv;
bool g_requested = false;
std::vector<std::function<void()>> g_callbacks;

void Trigger(const char* why) {
  std::vector<std::function<void()>> callbacks;
  {
    std::lock_guard<std::mutex> lock(g_mu);
    if (g_requested) return;
    g_requested = true;
    callbacks.swap(g_callbacks);
  }
  PEDIA_LOG_INFO("shutting down", {"reason", why});
  for (auto& cb : callbacks) cb();
  g_cv.notify_all();
}

}  // namespace

void Install() {
  static std::once_flag once;
  std::call_once(once, [] {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    std::thread([set] {
      int count = 0;
      while (true) {
        int sig = 0;
        if (sigwait(&set, &sig) != 0) continue;
        if (++count > 1) _exit(130);
        Trigger(sig == SIGTERM ? "SIGTERM" : "SIGINT");
      }
    }).detach();
  });
}

void OnShutdown(std::function<void()> cb) {
  std::unique_lock<std::mutex> lock(g_mu);
  if (g_requested) {
    lock.unlock();
    cb();
    return;
  }
  g_callbacks.push_back(std::move(cb));
}

bool Requested() {
  std::lock_guard<std::mutex> lock(g_mu);
  return g_requested;
}

void Wait() {
  std::unique_lock<std::mutex> lock(g_mu);
  g_cv.wait(lock, [] { return g_requested; });
}

bool WaitFor(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(g_mu);
  return g_cv.wait_for(lock, timeout, [] { return g_requested; });
}

void Request() { Trigger("requested"); }

}  // namespace pedia::shutdown
