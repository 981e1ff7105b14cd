// Response bodies built by concatenating stored bytes (design.md §2.2):
// lists, Tables, PartialObjectMetadata, and watch event frames.
//
// A list is written as `{"kind":..,"apiVersion":..,"items":[` + rows +
// `],"metadata":{..}}`: the metadata comes last because continue tokens and
// counts are known only after the last row, which lets a list stream out as
// it is read.  JSON member order does not matter to Kubernetes clients.
#ifndef PEDIA_SERVER_LIST_BODY_H_
#define PEDIA_SERVER_LIST_BODY_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "server/accept.h"
#include "server/table.h"
#include "storage/storage.h"

namespace pedia::server {

struct BodyShape {
  OutputFormat format;
  std::string api_version;                  // "apps/v1", "v1"
  std::string kind;                         // "Deployment"
  bool only_metadata = false;               // JSON items carry metadata only
  const TablePrinter* printer = nullptr;    // for Table
  std::string include_object = "Metadata";  // Table rows: None, Metadata, Object
  int64_t now_unix = 0;
};

class ListBody {
 public:
  explicit ListBody(BodyShape shape) : shape_(std::move(shape)) {}
  void Begin(std::string* out);
  void Row(const storage::Row& row, std::string* out);
  /// with_continue: include summary.continue_token (Clusterpedia omits it
  /// unless asked, so kubectl does not page through everything).
  void End(const storage::ListSummary& summary, bool with_continue, std::string* out);

 private:
  BodyShape shape_;
  bool first_ = true;
};

/// The body of a single object (get) in the negotiated format.
std::string ObjectBody(const BodyShape& shape, const storage::Row& row);

/// The metadata object of a row: the row itself when metadata-only, else
/// its "metadata" member, or {} when missing.
std::string_view RowMetadata(const storage::Row& row);

/// obj with metadata.resourceVersion set to rv (added when missing).
std::string WithResourceVersion(std::string_view obj, std::string_view rv);

/// One watch frame, newline-terminated: {"type":"ADDED","object":...}.
/// For BOOKMARK only row.resource_version is used.
std::string WatchFrame(const BodyShape& shape, pedia_storage_event_type type, const storage::Row& row);

/// An ERROR frame carrying a Status body.
std::string WatchErrorFrame(std::string_view status_json);

}  // namespace pedia::server

#endif  // PEDIA_SERVER_LIST_BODY_H_
