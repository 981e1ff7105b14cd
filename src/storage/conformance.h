// The storage conformance suite: the contract of design.md §3 as a list of
// named checks that run against any opened layer.
//
// It is framework-neutral on purpose: tests/storage/conformance_test.cc runs
// every check as a Catch2 test case against the built-in layers (and
// MariaDB), and `pedia plugin validate` runs the same checks against a
// plugin, in a child process, printing each result.
//
// Each check uses its own cluster names (prefixed "conformance-") and cleans
// them up, so it can run against a layer that holds other data.
#ifndef PEDIA_STORAGE_CONFORMANCE_H_
#define PEDIA_STORAGE_CONFORMANCE_H_

#include <functional>
#include <string>
#include <vector>

#include "base/status.h"
#include "storage/storage.h"

namespace pedia::storage {

struct ConformanceCheck {
  std::string name;  // a sentence: "list filters by a set-based label selector"
  /// Capabilities the check needs; it is skipped when the layer lacks one.
  uint64_t required_capabilities = 0;
  std::function<Status(Storage&)> run;
};

/// Every check, in a stable order.
const std::vector<ConformanceCheck>& ConformanceChecks();

struct ConformanceResult {
  std::string name;
  bool skipped = false;
  Status status;
};

/// Runs every check against layer; observer (optional) sees each result as it
/// completes.  Returns all results.
std::vector<ConformanceResult> RunConformance(
    Storage& layer, const std::function<void(const ConformanceResult&)>& observer = nullptr);

}  // namespace pedia::storage

#endif  // PEDIA_STORAGE_CONFORMANCE_H_
