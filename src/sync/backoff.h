// Randomized timing shared by the synchro's list/watch loops: retry backoff
// and watch timeouts are spread out so that many clusters (or resources)
// failing or relisting together do not hit their apiservers in step.
#ifndef PEDIA_SYNC_BACKOFF_H_
#define PEDIA_SYNC_BACKOFF_H_

#include <chrono>

namespace pedia::sync {

/// A uniform random number in [0, 1) (a generator per thread).
double Jitter();

/// The delay before retry number attempt (0 first): base_ms doubled per
/// attempt up to 2^max_shift times, then scaled by a random factor in
/// [0.5, 1.5).
std::chrono::milliseconds Backoff(int attempt, double base_ms, int max_shift);

/// A watch's timeoutSeconds: 300-599 s, as client-go's reflector picks
/// (spreads the watches' ends, and so their re-establishment).
int WatchTimeoutSeconds();

}  // namespace pedia::sync

#endif  // PEDIA_SYNC_BACKOFF_H_
