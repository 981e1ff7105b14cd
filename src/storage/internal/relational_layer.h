// The relational storage layer on MySQL/MariaDB (design.md §3).
//
// Written only against include/pedia (sdk::StorageLayer), Connector/C and
// yaml-cpp, so the built-in "internal" layer and the sample-storage plugin
// are this one class registered under two names.
//
// Behaviour:
//  - Open() parses the config (mysql_config.h), creates the database when
//    missing, migrates the schema (schema.h) and fills a connection pool.
//  - WriteBatch() applies a batch in one transaction: runs of upserts become
//    multi-row INSERT ... ON DUPLICATE KEY UPDATE statements, runs of deletes
//    one DELETE per chunk; label rows follow their objects.
//  - List() translates every query feature to SQL with bound parameters;
//    continue tokens are keysets (order key values + row id) that stay
//    correct under concurrent writes; integer offsets are accepted too.
//  - Connection loss, lock waits, deadlocks, read-only servers and too many
//    connections are UNAVAILABLE (the synchro retries); a broken connection
//    is replaced transparently.
//  - No watch.
//
// Thread-safety: every method may be called concurrently (connection pool).
#ifndef PEDIA_STORAGE_INTERNAL_RELATIONAL_LAYER_H_
#define PEDIA_STORAGE_INTERNAL_RELATIONAL_LAYER_H_

#include <memory>
#include <pedia/storage_plugin.hpp>
#include <string_view>
#include <vector>

#include "storage/internal/mysql_config.h"
#include "storage/internal/mysql_connection.h"

namespace pedia::relational {

class RelationalLayer : public sdk::StorageLayer {
 public:
  static constexpr uint64_t kCapabilities =
      PEDIA_STORAGE_CAP_GET | PEDIA_STORAGE_CAP_LIST | PEDIA_STORAGE_CAP_FIELD_SELECTOR | PEDIA_STORAGE_CAP_OWNER |
      PEDIA_STORAGE_CAP_FUZZY_NAME | PEDIA_STORAGE_CAP_ORDER_BY | PEDIA_STORAGE_CAP_REMAINING_COUNT |
      PEDIA_STORAGE_CAP_ONLY_METADATA | PEDIA_STORAGE_CAP_PERSISTENT;

  /// Parses config (the YAML bytes of the file at config_path), connects and
  /// migrates.  INVALID_ARGUMENT for a bad config; UNAVAILABLE when the
  /// server cannot be reached.
  static sdk::Status Open(std::string_view config, std::string_view config_path, std::unique_ptr<RelationalLayer>* out);
  /// Open with an injected environment (tests).
  static sdk::Status OpenWithEnv(std::string_view config, std::string_view config_path, const EnvLookup& env,
                                 std::unique_ptr<RelationalLayer>* out);

  sdk::Status Ready() override;
  sdk::Status WriteBatch(const sdk::Resource& resource, const std::vector<sdk::Write>& writes,
                         size_t* failed_index) override;
  sdk::Status List(const sdk::Query& query, const sdk::RowSink& sink) override;
  sdk::Status Get(std::string_view cluster, const sdk::Gvr& gvr, std::string_view namespace_name, std::string_view name,
                  const sdk::RowSink& sink) override;
  sdk::Status ResourceVersions(std::string_view cluster, const sdk::RvSink& sink) override;
  sdk::Status CleanCluster(std::string_view cluster) override;
  sdk::Status CleanResource(std::string_view cluster, const sdk::Gvr& gvr) override;
  sdk::Status PutCluster(std::string_view name, std::string_view record_json) override;
  sdk::Status DeleteCluster(std::string_view name) override;
  sdk::Status ListClusters(const sdk::ClusterSink& sink) override;

 private:
  RelationalLayer(std::unique_ptr<ConnectionPool> pool, bool consecutive_ids)
      : pool_(std::move(pool)), consecutive_ids_(consecutive_ids) {}

  sdk::Status UpsertRun(Connection& conn, const sdk::Resource& resource, const std::vector<sdk::Write>& writes,
                        size_t begin, size_t end);
  sdk::Status DeleteRun(Connection& conn, const sdk::Resource& resource, const std::vector<sdk::Write>& writes,
                        size_t begin, size_t end);

  std::unique_ptr<ConnectionPool> pool_;
  // The server hands a multi-row INSERT consecutive AUTO_INCREMENT ids
  // (innodb_autoinc_lock_mode 0 or 1, auto_increment_increment 1), so the ids
  // of an all-new chunk need no query.
  bool consecutive_ids_;
};

}  // namespace pedia::relational

#endif  // PEDIA_STORAGE_INTERNAL_RELATIONAL_LAYER_H_
