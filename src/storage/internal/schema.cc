#include "storage/internal/schema.h"

#include <cctype>
#include <string>
#include <vector>

namespace pedia::relational {
namespace {

using sdk::Status;

// Version 1.  Identifier columns are ascii (their index prefix would exceed
// InnoDB's 3072 bytes in utf8mb4); the layer rejects non-ascii values there
// before writing.  Names, namespaces and label values keep utf8mb4, binary
// collation so that comparisons are byte-wise like Kubernetes'.
const std::vector<std::string> kVersion1 = {
    "CREATE TABLE IF NOT EXISTS resources ("
    " id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,"
    " cluster VARCHAR(253) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,"
    " `group` VARCHAR(253) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,"
    " version VARCHAR(63) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,"
    " resource VARCHAR(63) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,"
    " kind VARCHAR(63) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,"
    " namespace VARCHAR(63) NOT NULL,"
    " name VARCHAR(253) NOT NULL,"
    " uid VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,"
    " owner_uid VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',"
    " resource_version VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,"
    " rv_num BIGINT UNSIGNED NOT NULL DEFAULT 0,"
    " creation_unix_ms BIGINT NOT NULL,"
    " deletion_unix_ms BIGINT NULL,"
    " synced_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),"
    " object LONGTEXT NOT NULL,"
    " PRIMARY KEY (id),"
    " UNIQUE KEY uni_cluster_gvr_namespace_name (cluster, `group`, version, resource, namespace, name),"
    " KEY idx_gvr_namespace_name (`group`, resource, version, namespace, name),"
    " KEY idx_cluster_owner_uid (cluster, owner_uid),"
    " KEY idx_cluster_uid (cluster, uid)"
    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
    // Label keys and values are ASCII by Kubernetes' validation.  The copies
    // of the GVR, cluster, namespace and name let idx_label_order return a
    // label's objects already in the default page order.
    "CREATE TABLE IF NOT EXISTS resource_labels ("
    " resource_id BIGINT UNSIGNED NOT NULL,"
    " label_key VARCHAR(317) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,"
    " label_value VARCHAR(63) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,"
    " `group` VARCHAR(253) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,"
    " version VARCHAR(63) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,"
    " resource VARCHAR(63) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,"
    " cluster VARCHAR(253) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,"
    " namespace VARCHAR(63) NOT NULL,"
    " name VARCHAR(253) NOT NULL,"
    " PRIMARY KEY (resource_id, label_key),"
    " KEY idx_label_order (label_key, label_value, `group`, resource, version, cluster, namespace, name, resource_id)"
    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
    "CREATE TABLE IF NOT EXISTS cluster_status ("
    " name VARCHAR(253) NOT NULL,"
    " record LONGTEXT NOT NULL,"
    " updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),"
    " PRIMARY KEY (name)"
    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
};

// migrations[i] upgrades version i to i + 1.
const std::vector<const std::vector<std::string>*> kMigrations = {&kVersion1};

Status Locked(Connection& conn) {
  bool has_version_table = false;
  bool has_resources = false;
  Status s = conn.Query(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name IN (?, ?)",
      {SqlValue::Str("schema_version"), SqlValue::Str("resources")}, [&](const ResultRow& row) {
        if (row.Text(0) == "schema_version") has_version_table = true;
        if (row.Text(0) == "resources") has_resources = true;
        return true;
      });
  if (!s.ok()) return s;
  if (!has_version_table && has_resources) {
    return Status::Error(PEDIA_STORAGE_INTERNAL,
                         "the database already has a resources table that pedia did not create\n"
                         "DETAIL: there is no schema_version table; this is probably Clusterpedia's own schema\n"
                         "HINT: point pedia at an empty database; it fills it again from the member clusters");
  }
  s = conn.Execute(
      "CREATE TABLE IF NOT EXISTS schema_version (id TINYINT NOT NULL PRIMARY KEY, version INT NOT NULL,"
      " updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3))"
      " ENGINE=InnoDB",
      {});
  if (!s.ok()) return s;
  int64_t version = 0;
  s = conn.Query("SELECT version FROM schema_version WHERE id = 1", {}, [&](const ResultRow& row) {
    version = row.Int(0);
    return true;
  });
  if (!s.ok()) return s;
  if (version > kSchemaVersion) {
    return Status::Error(PEDIA_STORAGE_INTERNAL, "the database schema is version " + std::to_string(version) +
                                                     ", newer than this pedia's " + std::to_string(kSchemaVersion) +
                                                     "\nHINT: upgrade pedia; it never downgrades a schema");
  }
  for (int64_t v = version; v < kSchemaVersion; ++v) {
    for (const std::string& ddl : *kMigrations[static_cast<size_t>(v)]) {
      s = conn.Execute(ddl, {});
      if (!s.ok())
        return Status::Error(s.code, "schema migration to version " + std::to_string(v + 1) + " failed: " + s.message);
    }
    s = conn.Execute(
        "INSERT INTO schema_version (id, version) VALUES (1, ?) ON DUPLICATE KEY UPDATE version = VALUES(version)",
        {SqlValue::Int(v + 1)});
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace

Status Migrate(Connection& conn) {
  int64_t got = 0;
  Status s = conn.Query("SELECT GET_LOCK('pedia_schema_migration', 60)", {}, [&](const ResultRow& row) {
    got = row.Int(0);
    return true;
  });
  if (!s.ok()) return s;
  if (got != 1) return Status::Error(PEDIA_STORAGE_UNAVAILABLE, "another process holds the schema migration lock");
  s = Locked(conn);
  Status unlock =
      conn.Query("SELECT RELEASE_LOCK('pedia_schema_migration')", {}, [](const ResultRow&) { return true; });
  return s.ok() ? unlock : s;
}

Status CreateDatabase(Connection& conn, const std::string& database) {
  // Identifiers cannot be bound; accept only plain names and quote them.
  for (char c : database) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '$')) {
      return Status::Error(PEDIA_STORAGE_INVALID_ARGUMENT,
                           "database \"" + database +
                               "\" does not exist and its name is not a plain identifier\n"
                               "HINT: create it yourself, or use letters, digits, _ and - only");
    }
  }
  if (database.empty() || database.size() > 64) {
    return Status::Error(PEDIA_STORAGE_INVALID_ARGUMENT, "database name must have 1 to 64 characters");
  }
  return conn.Execute("CREATE DATABASE IF NOT EXISTS `" + database + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin", {});
}

}  // namespace pedia::relational
