// meta.k8s.io Table output (kubectl's default): column definitions and row
// cells per resource, computed from each stored object's bytes by reading
// only the fields a column needs (json_scan.h).
//
// Built-in kinds follow kubectl's printers (k8s.io/kubernetes
// pkg/printers/internalversion/printers.go) with Clusterpedia's CLUSTER
// column first (clusterpedia-spec §4.9); columns with priority 1 are the
// `-o wide` ones.  Custom resources use their additionalPrinterColumns;
// anything else gets NAME, CLUSTER and AGE.
#ifndef PEDIA_SERVER_TABLE_H_
#define PEDIA_SERVER_TABLE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace pedia::server {

struct TableColumn {
  std::string name;
  std::string type;    // "string", "integer", "number", "boolean", "date"
  std::string format;  // "name" for the name column, else ""
  std::string description;
  int priority = 0;
  std::string json_path;  // custom resources only: ".spec.replicas"
};

/// How one resource is printed.  Immutable; shareable across threads.
class TablePrinter {
 public:
  virtual ~TablePrinter() = default;
  /// The columns, CLUSTER first.
  virtual const std::vector<TableColumn>& Columns() const = 0;
  /// Appends the row's cells as JSON values joined by ',' (no brackets).
  /// now_unix is the reference time for ages.
  virtual void AppendCells(std::string_view object, std::string_view cluster, int64_t now_unix,
                           std::string* out) const = 0;
};

/// The printer for a built-in resource, or nullptr when kubectl has none
/// that pedia reproduces.
const TablePrinter* BuiltinPrinter(std::string_view group, std::string_view resource);

/// NAME, CLUSTER (first) and AGE.
const TablePrinter* DefaultPrinter();

/// A printer for a custom resource's additionalPrinterColumns (name, type,
/// jsonPath, priority, description, format).  Owned by the caller.
std::unique_ptr<TablePrinter> MakeCustomPrinter(std::vector<TableColumn> additional_columns);

/// kubectl's age text: "45s", "5m3s", "3h", "12d", "2y10d"
/// (k8s.io/apimachinery/pkg/util/duration.HumanDuration).
std::string HumanDuration(int64_t seconds);

/// The AGE cell of a creationTimestamp JSON value at now (unix seconds):
/// HumanDuration of the difference, or "<unknown>" when it is not RFC 3339.
std::string AgeOf(std::string_view timestamp_value, int64_t now);

/// Appends `"columnDefinitions":[...]`.
void AppendColumnDefinitions(const std::vector<TableColumn>& columns, std::string* out);

}  // namespace pedia::server

#endif  // PEDIA_SERVER_TABLE_H_
