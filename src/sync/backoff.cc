#include "sync/backoff.h"

#include <algorithm>
#include <cstdint>
#include <random>

namespace pedia::sync {

double Jitter() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

std::chrono::milliseconds Backoff(int attempt, double base_ms, int max_shift) {
  return std::chrono::milliseconds(
      static_cast<int64_t>(base_ms * (1 << std::min(attempt, max_shift)) * (0.5 + Jitter())));
}

int WatchTimeoutSeconds() { return 300 + static_cast<int>(Jitter() * 300); }

}  // namespace pedia::sync
