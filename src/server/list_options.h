// Decoding of list/get/watch query parameters and Clusterpedia's search
// labels into a storage::ListQuery (clusterpedia-spec §4.4, §4.5).
//
// Pure: no I/O.  Every bad value is a 400 ApiError that names the parameter
// (or search label) and why; an invalid label or field selector is 422.
// orderby fields come from a whitelist and map onto storage order fields:
// nothing a client sends ever reaches a query as text.
#ifndef PEDIA_SERVER_LIST_OPTIONS_H_
#define PEDIA_SERVER_LIST_OPTIONS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/api_error.h"
#include "storage/storage.h"

namespace pedia::server {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

/// Facts from outside the query string that shape the options.
struct ListContext {
  std::string path_cluster;              // from .../clusters/<c>/...; overrides clusters=
  std::string path_namespace;            // from .../namespaces/<ns>/...; overrides namespaces=
  bool remaining_count_default = false;  // feature gate RemainingItemCount
  bool metadata_accept = false;          // Accept asked for PartialObjectMetadataList
};

struct ListOptions {
  storage::ListQuery query;
  bool with_continue = false;
  bool watch = false;
  bool allow_watch_bookmarks = false;
  std::string resource_version;
  int64_t timeout_seconds = 0;  // 0: none given
  std::string include_object;   // Table rows: "None", "Metadata" (default), "Object"
};

/// Parses params into *out.  query.gvr is left for the caller.
std::optional<ApiError> ParseListOptions(const QueryParams& params, const ListContext& context, ListOptions* out);

/// The watch parameter as ParseListOptions reads it: the last watch= of
/// params, by Go's strconv.ParseBool; false when absent or not a boolean
/// (ParseListOptions then answers 400).  The transport decides from this
/// which requests are long-running, so it must agree with the handler.
bool WatchRequested(const QueryParams& params);

/// Parses value as a non-negative integer into *out, for the parameter (or
/// search label) name; otherwise a 400 naming it.
std::optional<ApiError> ParseNonNegative(const std::string& name, const std::string& value, long long* out);

/// since/before: RFC 3339 (with a 'T'), "2006-01-02 15:04:05", "2006-01-02"
/// (both UTC), or a Unix timestamp of 10 digits (seconds) or 13 (ms).
/// Returns Unix milliseconds; InvalidArgument names the accepted formats.
Result<int64_t> ParseSearchTime(std::string_view text);

/// One orderby term of the URL form ("name", "created_at desc").
Result<storage::OrderBy> ParseOrderByTerm(std::string_view term);

/// One orderby value of the search-label form ("namespace_desc", "cluster").
Result<storage::OrderBy> ParseOrderByLabel(std::string_view value);

}  // namespace pedia::server

#endif  // PEDIA_SERVER_LIST_OPTIONS_H_
