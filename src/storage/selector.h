// Kubernetes label selectors and Clusterpedia's enhanced field selector, parsed
// into the storage query model.
//
// ParseLabelSelector takes the full set-based grammar of
// k8s.io/apimachinery/pkg/labels: "a=b", "a==b", "a!=b", "a in (x,y)",
// "a notin (x)", "a", "!a", "a>1", "a<1", comma-separated (AND).
// ParseFieldSelector takes Clusterpedia's enhanced grammar
// (clusterpedia-spec §4.5): the same operators, with keys that are JSON
// paths: "status.phase", ".status.phase", "metadata.annotations['test.io']",
// "spec.containers[].name", "spec.containers[1].name".
//
// Both return Requirement values (label: key set; field: path set),
// sorted by key as Kubernetes does.  Errors are InvalidArgument with a message
// that names the offending token and its position, fit for a 422/400 Status.
#ifndef PEDIA_STORAGE_SELECTOR_H_
#define PEDIA_STORAGE_SELECTOR_H_

#include <string_view>
#include <vector>

#include "base/status.h"
#include "storage/storage.h"

namespace pedia::storage {

Result<std::vector<Requirement>> ParseLabelSelector(std::string_view selector);
Result<std::vector<Requirement>> ParseFieldSelector(std::string_view selector);

/// Evaluates label requirements against a label map (kubesim and tests use it).
bool MatchLabels(const std::vector<Requirement>& requirements,
                 const std::vector<std::pair<std::string, std::string>>& labels);

}  // namespace pedia::storage

#endif  // PEDIA_STORAGE_SELECTOR_H_
