#include "sync/worker_pool.h"

#include <chrono>

namespace pedia::sync {

WorkerPool::WorkerPool(int threads) {
  if (threads < 1) threads = 1;
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Run(); });
}

WorkerPool::~WorkerPool() { Shutdown(); }

void WorkerPool::Submit(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (stopping_) return;
    queue_.push_back(std::move(task));
  }
  cv_.notify_one();
}

void WorkerPool::Shutdown() {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void WorkerPool::Run() {
  while (true) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> l(mu_);
      cv_.wait(l, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task();
  }
}

void Strand::Submit(std::function<void()> task) {
  bool schedule = false;
  {
    std::lock_guard<std::mutex> l(mu_);
    queue_.push_back(std::move(task));
    if (!running_) running_ = schedule = true;
  }
  if (schedule) pool_->Submit([self = shared_from_this()] { self->RunBatch(); });
}

void Strand::RunBatch() {
  // Runs tasks for a bounded time, then yields the thread to other strands
  // (a list page can take milliseconds; one cluster must not starve others).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(2);
  for (int i = 0; i < 64 && std::chrono::steady_clock::now() < deadline; ++i) {
    std::function<void()> task;
    {
      std::lock_guard<std::mutex> l(mu_);
      if (queue_.empty()) {
        running_ = false;
        idle_cv_.notify_all();
        return;
      }
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task();
  }
  pool_->Submit([self = shared_from_this()] { self->RunBatch(); });
}

void Strand::Drain() {
  std::unique_lock<std::mutex> l(mu_);
  idle_cv_.wait(l, [&] { return !running_ && queue_.empty(); });
}

}  // namespace pedia::sync
