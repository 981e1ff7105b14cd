// The relational layer's schema and its migrations.
//
// Tables (version 1):
//   schema_version   one row: the applied schema version
//   resources        one row per object, Clusterpedia's table in spirit, but
//                    with owner_uid and uid indexed per cluster, the
//                    resourceVersion as a number for ordering, and times as
//                    Unix milliseconds
//   resource_labels  (label_key, label_value, resource_id): label selectors
//                    use this index instead of scanning JSON (bench/README.md)
//   cluster_status   PediaCluster status records written by the synchro
//
// Migrate() is safe to run from several processes at once: it holds a named
// server lock (GET_LOCK) while it checks and upgrades.
#ifndef PEDIA_STORAGE_INTERNAL_SCHEMA_H_
#define PEDIA_STORAGE_INTERNAL_SCHEMA_H_

#include <pedia/storage_plugin.hpp>

#include "storage/internal/mysql_connection.h"

namespace pedia::relational {

/// The schema version this build creates and understands.
inline constexpr int kSchemaVersion = 1;

/// Creates or upgrades the schema.  FAILED with a hint when the database
/// holds a newer schema, or Clusterpedia's own tables.
sdk::Status Migrate(Connection& conn);

/// Creates the configured database when it does not exist (needs the
/// CREATE privilege).  The name must be a plain identifier.
sdk::Status CreateDatabase(Connection& conn, const std::string& database);

}  // namespace pedia::relational

#endif  // PEDIA_STORAGE_INTERNAL_SCHEMA_H_
