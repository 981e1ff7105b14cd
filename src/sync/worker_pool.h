// A fixed pool of processing threads (--worker-number) and strands that run
// one owner's tasks in order, never two at once, on that pool.
//
// Thread-safe.  Tasks must not throw.  Shutdown() runs what is queued, then
// joins; tasks submitted afterwards are dropped.
#ifndef PEDIA_SYNC_WORKER_POOL_H_
#define PEDIA_SYNC_WORKER_POOL_H_

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace pedia::sync {

class WorkerPool {
 public:
  explicit WorkerPool(int threads);
  ~WorkerPool();
  void Submit(std::function<void()> task);
  void Shutdown();

 private:
  void Run();
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

/// Serializes tasks of one owner on a pool.
class Strand : public std::enable_shared_from_this<Strand> {
 public:
  explicit Strand(WorkerPool* pool) : pool_(pool) {}
  void Submit(std::function<void()> task);
  /// Blocks until every task submitted so far has run (not from the strand).
  void Drain();

 private:
  void RunBatch();
  WorkerPool* pool_;
  std::mutex mu_;
  std::condition_variable idle_cv_;
  std::deque<std::function<void()>> queue_;
  bool running_ = false;
};

}  // namespace pedia::sync

#endif  // PEDIA_SYNC_WORKER_POOL_H_
