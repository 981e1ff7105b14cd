// MySQL/MariaDB connections through Connector/C, prepared statements with
// bound parameters only, error classification, and a small thread-safe pool.
//
// SQL text given to Connection never contains values: callers build
// placeholder lists ("?, ?, ?") and pass values as SqlValue parameters.
//
// Error classification (clusterpedia-spec §2.4, extended):
//   connection refused/lost, server gone (2002, 2003, 2006, 2013, 2055),
//   lock wait (1205), deadlock (1213), read-only (1290, 1836), too many
//   connections (1040), shutdown (1053) and config mysql.recoverableErrNumbers
//     -> UNAVAILABLE (the synchro retries)
//   duplicate key (1062) -> ALREADY_EXISTS
//   bad data (1366, 1406, 1264, 1048, 3140, 4038, ...) -> INVALID_ARGUMENT
//   anything else -> INTERNAL
#ifndef PEDIA_STORAGE_INTERNAL_MYSQL_CONNECTION_H_
#define PEDIA_STORAGE_INTERNAL_MYSQL_CONNECTION_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <pedia/storage_plugin.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "storage/internal/mysql_config.h"

typedef struct st_mysql MYSQL;
typedef struct st_mysql_stmt MYSQL_STMT;

namespace pedia::relational {

/// A bound parameter.  String views are borrowed until the statement ran.
struct SqlValue {
  enum Kind { kNull, kString, kInt };
  Kind kind = kNull;
  std::string_view text;
  int64_t number = 0;

  static SqlValue Null() { return {}; }
  static SqlValue Str(std::string_view s) { return {kString, s, 0}; }
  static SqlValue Int(int64_t n) { return {kInt, {}, n}; }
};

/// Maps a MySQL error number onto a storage code.
uint32_t ClassifyMysqlError(unsigned error_number, const std::set<unsigned>& extra_recoverable);

/// True for errors after which the connection must be discarded.
bool IsConnectionError(unsigned error_number);

/// One fetched row; views valid until the next row.
class ResultRow {
 public:
  bool IsNull(size_t column) const { return (*nulls_)[column] != 0; }
  std::string_view Text(size_t column) const {
    return IsNull(column) ? std::string_view() : std::string_view((*buffers_)[column].data(), (*lengths_)[column]);
  }
  int64_t Int(size_t column) const;
  size_t size() const { return buffers_->size(); }

 private:
  friend class Connection;
  const std::vector<std::vector<char>>* buffers_ = nullptr;
  const std::vector<unsigned long>* lengths_ = nullptr;
  const std::vector<char>* nulls_ = nullptr;
};

/// Receives statement timings for SQL logging (log.level, slowThreshold).
/// Never sees parameter values.
using SqlObserver = std::function<void(std::string_view sql, double millis, const sdk::Status& status)>;

/// One connection.  Not thread-safe: the pool hands it to one thread at a time.
class Connection {
 public:
  /// Connects; with_database false connects without selecting a database.
  static sdk::Status Open(const MysqlConfig& config, bool with_database, std::unique_ptr<Connection>* out);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// Runs a statement that returns no rows.
  sdk::Status Execute(std::string_view sql, const std::vector<SqlValue>& params, uint64_t* affected_rows = nullptr);
  /// What a multi-row INSERT ... ON DUPLICATE KEY UPDATE did.
  struct InsertResult {
    uint64_t affected_rows = 0;
    uint64_t first_insert_id = 0;  // the first AUTO_INCREMENT value generated
    int64_t records = -1;          // rows in the statement, from the server's info; -1 unknown
    int64_t duplicates = -1;       // rows that hit an existing key; -1 unknown
  };
  sdk::Status ExecuteInsert(std::string_view sql, const std::vector<SqlValue>& params, InsertResult* result);
  /// Runs a query; on_row returns false to stop (the rest is discarded).
  sdk::Status Query(std::string_view sql, const std::vector<SqlValue>& params,
                    const std::function<bool(const ResultRow&)>& on_row);

  /// True after a connection-level error: the pool discards it.
  bool broken() const { return broken_; }
  std::chrono::steady_clock::time_point opened_at() const { return opened_at_; }
  void set_observer(SqlObserver observer) { observer_ = std::move(observer); }

 private:
  Connection(MYSQL* mysql, std::set<unsigned> extra_recoverable);
  sdk::Status Prepare(std::string_view sql, MYSQL_STMT** out);
  sdk::Status StmtError(MYSQL_STMT* stmt, std::string_view what);
  sdk::Status Run(std::string_view sql, const std::vector<SqlValue>& params, MYSQL_STMT** out);
  void Observe(std::string_view sql, std::chrono::steady_clock::time_point start, const sdk::Status& s);

  MYSQL* mysql_;
  std::set<unsigned> extra_recoverable_;
  // Prepared statements by SQL text; bounded so batch shapes cannot grow it forever.
  std::map<std::string, MYSQL_STMT*, std::less<>> statements_;
  bool broken_ = false;
  std::chrono::steady_clock::time_point opened_at_;
  SqlObserver observer_;
};

/// A thread-safe pool of at most config.max_open_conns connections, keeping
/// up to max_idle_conns idle ones younger than conn_max_lifetime.
class ConnectionPool {
 public:
  explicit ConnectionPool(MysqlConfig config, SqlObserver observer = nullptr);
  ~ConnectionPool();

  /// Runs fn on a pooled connection.  When fn fails because the connection
  /// broke (server gone, restarted), it is run once more on a fresh
  /// connection: a transparent reconnect.  fn must therefore be idempotent
  /// (write batches are).  Still failing: UNAVAILABLE is returned.
  /// may_retry, when given, is asked before the retry (a list that already
  /// streamed rows must not start over).  deadline_ms > 0 bounds the wait for
  /// a connection and the connect (readiness probes); 0 waits as long as the
  /// pool and connect timeout do.
  sdk::Status Run(const std::function<sdk::Status(Connection&)>& fn, const std::function<bool()>& may_retry = nullptr,
                  int64_t deadline_ms = 0);

  const MysqlConfig& config() const { return config_; }

 private:
  sdk::Status Acquire(std::unique_ptr<Connection>* out, int64_t deadline_ms);
  void Release(std::unique_ptr<Connection> conn);

  const MysqlConfig config_;
  SqlObserver observer_;
  std::mutex mu_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<Connection>> idle_;
  int open_ = 0;  // idle plus in use
};

}  // namespace pedia::relational

#endif  // PEDIA_STORAGE_INTERNAL_MYSQL_CONNECTION_H_
