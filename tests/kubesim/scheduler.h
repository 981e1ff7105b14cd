// A timer thread: runs callbacks after a delay (response delays, periodic
// bookmarks and watch deadlines).  Callbacks run on the scheduler's thread and
// must not block for long.
#ifndef PEDIA_TESTS_KUBESIM_SCHEDULER_H_
#define PEDIA_TESTS_KUBESIM_SCHEDULER_H_

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

namespace kubesim {

class Scheduler {
 public:
  Scheduler() : thread_([this] { Run(); }) {}
  ~Scheduler() { Stop(); }

  void After(std::chrono::milliseconds delay, std::function<void()> fn) {
    std::lock_guard lock(mu_);
    tasks_.emplace(std::chrono::steady_clock::now() + delay, std::move(fn));
    cv_.notify_one();
  }
  /// Drops pending tasks and joins the thread.  Idempotent.
  void Stop() {
    {
      std::lock_guard lock(mu_);
      if (stopped_) return;
      stopped_ = true;
      tasks_.clear();
      cv_.notify_one();
    }
    thread_.join();
  }

 private:
  void Run() {
    std::unique_lock lock(mu_);
    while (!stopped_) {
      if (tasks_.empty()) {
        cv_.wait(lock);
        continue;
      }
      auto first = tasks_.begin();
      if (first->first > std::chrono::steady_clock::now()) {
        auto when = first->first;  // a copy: the task may be gone when the wait ends
        cv_.wait_until(lock, when);
        continue;
      }
      auto fn = std::move(first->second);
      tasks_.erase(first);
      lock.unlock();
      fn();
      lock.lock();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::multimap<std::chrono::steady_clock::time_point, std::function<void()>> tasks_;
  bool stopped_ = false;
  std::thread thread_;
};

}  // namespace kubesim

#endif  // PEDIA_TESTS_KUBESIM_SCHEDULER_H_
