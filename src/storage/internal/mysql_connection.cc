#include "storage/internal/mysql_connection.h"

#include <errmsg.h>
#include <mysql.h>
#include <mysqld_error.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace pedia::relational {
namespace {

using sdk::Status;

constexpr size_t kMaxCachedStatements = 64;
// Initial fetch buffer per column; longer values are fetched again in full.
constexpr size_t kInitialColumnBuffer = 4096;

// Connector/C reports a text; we add the number, as the mysql client does.
std::string ErrorText(unsigned number, const char* text) {
  return std::string(text ? text : "") + " (MySQL error " + std::to_string(number) + ")";
}

}  // namespace

uint32_t ClassifyMysqlError(unsigned error_number, const std::set<unsigned>& extra_recoverable) {
  switch (error_number) {
    case CR_CONNECTION_ERROR:           // 2002
    case CR_CONN_HOST_ERROR:            // 2003
    case CR_SERVER_GONE_ERROR:          // 2006
    case CR_SERVER_LOST:                // 2013
    case 2055:                          // lost connection at '%s', system error
    case ER_CON_COUNT_ERROR:            // 1040 too many connections
    case ER_SERVER_SHUTDOWN:            // 1053
    case ER_LOCK_WAIT_TIMEOUT:          // 1205
    case ER_LOCK_DEADLOCK:              // 1213
    case ER_OPTION_PREVENTS_STATEMENT:  // 1290 --read-only
    case 1836:                          // read-only mode (ER_READ_ONLY_MODE)
    case 1927:                          // connection was killed (ER_CONNECTION_KILLED)
    case 4031:                          // client idle-timed out by the server
      return PEDIA_STORAGE_UNAVAILABLE;
    case ER_DUP_ENTRY:  // 1062
      return PEDIA_STORAGE_ALREADY_EXISTS;
    case ER_BAD_NULL_ERROR:                   // 1048
    case ER_WARN_DATA_OUT_OF_RANGE:           // 1264
    case ER_TRUNCATED_WRONG_VALUE_FOR_FIELD:  // 1366
    case ER_DATA_TOO_LONG:                    // 1406
    case ER_TRUNCATED_WRONG_VALUE:            // 1292
    case 3140:                                // invalid JSON text (MySQL)
    case 4038:                                // syntax error in JSON text (MariaDB)
    case 4042:                                // syntax error in JSON path (MariaDB)
    case ER_NET_PACKET_TOO_LARGE:             // 1153
      return PEDIA_STORAGE_INVALID_ARGUMENT;
    default:
      return extra_recoverable.count(error_number) ? PEDIA_STORAGE_UNAVAILABLE : PEDIA_STORAGE_INTERNAL;
  }
}

bool IsConnectionError(unsigned error_number) {
  switch (error_number) {
    case CR_CONNECTION_ERROR:
    case CR_CONN_HOST_ERROR:
    case CR_SERVER_GONE_ERROR:
    case CR_SERVER_LOST:
    case 2055:
    case ER_SERVER_SHUTDOWN:
    case 1927:
    case 4031:
    case CR_COMMANDS_OUT_OF_SYNC:
      return true;
    default:
      return false;
  }
}

int64_t ResultRow::Int(size_t column) const {
  if (IsNull(column)) return 0;
  std::string text((*buffers_)[column].data(), (*lengths_)[column]);
  return std::strtoll(text.c_str(), nullptr, 10);
}

Status Connection::Open(const MysqlConfig& config, bool with_database, std::unique_ptr<Connection>* out) {
  MYSQL* mysql = mysql_init(nullptr);
  if (!mysql) return Status::Error(PEDIA_STORAGE_INTERNAL, "mysql_init failed: out of memory");
  unsigned connect_timeout = static_cast<unsigned>((config.connect_timeout_ms + 999) / 1000);
  mysql_options(mysql, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
  if (config.read_timeout_ms > 0) {
    unsigned t = static_cast<unsigned>((config.read_timeout_ms + 999) / 1000);
    mysql_options(mysql, MYSQL_OPT_READ_TIMEOUT, &t);
  }
  if (config.write_timeout_ms > 0) {
    unsigned t = static_cast<unsigned>((config.write_timeout_ms + 999) / 1000);
    mysql_options(mysql, MYSQL_OPT_WRITE_TIMEOUT, &t);
  }
  if (config.max_allowed_packet > 0) {
    unsigned long packet = static_cast<unsigned long>(config.max_allowed_packet);
    mysql_options(mysql, MYSQL_OPT_MAX_ALLOWED_PACKET, &packet);
  }
  mysql_options(mysql, MYSQL_SET_CHARSET_NAME, config.charset.c_str());
  // Never read ~/.my.cnf or /etc/mysql: the storage config is the whole truth.
  if (config.ssl_mode != SslMode::kDisable) {
    my_bool enforce = 1;
    mysql_options(mysql, MYSQL_OPT_SSL_ENFORCE, &enforce);
    if (!config.ssl_key_file.empty()) mysql_options(mysql, MYSQL_OPT_SSL_KEY, config.ssl_key_file.c_str());
    if (!config.ssl_cert_file.empty()) mysql_options(mysql, MYSQL_OPT_SSL_CERT, config.ssl_cert_file.c_str());
    if (!config.ssl_root_cert_file.empty()) mysql_options(mysql, MYSQL_OPT_SSL_CA, config.ssl_root_cert_file.c_str());
    my_bool verify = config.ssl_mode == SslMode::kVerifyCa || config.ssl_mode == SslMode::kVerifyFull ||
                     (config.ssl_mode == SslMode::kRequire && !config.ssl_root_cert_file.empty());
    mysql_options(mysql, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &verify);
  }
  const char* socket = config.unix_socket.empty() ? nullptr : config.unix_socket.c_str();
  const char* host = socket ? "localhost" : config.host.c_str();
  if (!mysql_real_connect(mysql, host, config.user.c_str(), config.password.c_str(),
                          with_database ? config.database.c_str() : nullptr, socket ? 0 : config.port, socket, 0)) {
    unsigned number = mysql_errno(mysql);
    // The connector's message names user and host, never the password.
    std::string text = ErrorText(number, mysql_error(mysql));
    mysql_close(mysql);
    uint32_t code = ClassifyMysqlError(number, config.recoverable_error_numbers);
    // An unknown database is NOT_FOUND so that Open() can create it.
    if (number == ER_BAD_DB_ERROR) code = PEDIA_STORAGE_NOT_FOUND;
    return Status::Error(code, "could not connect to " + config.Describe() + ": " + text);
  }
  // Connector/C 3.3 refuses a server without TLS only when it also verifies
  // the certificate; sslMode require must not fall back to plain TCP either.
  if (config.ssl_mode != SslMode::kDisable && mysql_get_ssl_cipher(mysql) == nullptr) {
    mysql_close(mysql);
    return Status::Error(PEDIA_STORAGE_INTERNAL, "could not connect to " + config.Describe() +
                                                     ": the server does not offer TLS\nHINT: configure TLS on the "
                                                     "server (ssl_cert, ssl_key), or set sslMode: disable");
  }
  // Times are stored as integers, but NOW() and friends should be UTC.
  std::unique_ptr<Connection> conn(new Connection(mysql, config.recoverable_error_numbers));
  Status s = conn->Execute("SET time_zone = '+00:00'", {});
  // Parameters compare byte-wise, as Kubernetes selectors do, not case-insensitively.
  if (s.ok() && config.charset == "utf8mb4") s = conn->Execute("SET collation_connection = 'utf8mb4_bin'", {});
  for (const auto& [name, value] : config.session_variables) {
    if (!s.ok()) break;
    // The name is a validated identifier (mysql_config.cc); the value is bound.
    s = conn->Execute("SET SESSION " + name + " = ?", {SqlValue::Str(value)});
  }
  if (!s.ok()) return s;
  *out = std::move(conn);
  return Status::Ok();
}

Connection::Connection(MYSQL* mysql, std::set<unsigned> extra_recoverable)
    : mysql_(mysql), extra_recoverable_(std::move(extra_recoverable)), opened_at_(std::chrono::steady_clock::now()) {}

Connection::~Connection() {
  for (auto& [sql, stmt] : statements_) mysql_stmt_close(stmt);
  mysql_close(mysql_);
}

Status Connection::StmtError(MYSQL_STMT* stmt, std::string_view what) {
  unsigned number = stmt ? mysql_stmt_errno(stmt) : mysql_errno(mysql_);
  const char* text = stmt ? mysql_stmt_error(stmt) : mysql_error(mysql_);
  if (IsConnectionError(number)) broken_ = true;
  return Status::Error(ClassifyMysqlError(number, extra_recoverable_),
                       std::string(what) + ": " + ErrorText(number, text));
}

Status Connection::Prepare(std::string_view sql, MYSQL_STMT** out) {
  if (auto it = statements_.find(sql); it != statements_.end()) {
    *out = it->second;
    return Status::Ok();
  }
  if (statements_.size() >= kMaxCachedStatements) {
    for (auto& [text, stmt] : statements_) mysql_stmt_close(stmt);
    statements_.clear();
  }
  MYSQL_STMT* stmt = mysql_stmt_init(mysql_);
  if (!stmt) return Status::Error(PEDIA_STORAGE_INTERNAL, "mysql_stmt_init failed: out of memory");
  if (mysql_stmt_prepare(stmt, sql.data(), sql.size()) != 0) {
    Status s = StmtError(stmt, "could not prepare statement");
    mysql_stmt_close(stmt);
    return s;
  }
  statements_.emplace(std::string(sql), stmt);
  *out = stmt;
  return Status::Ok();
}

Status Connection::Run(std::string_view sql, const std::vector<SqlValue>& params, MYSQL_STMT** out) {
  if (broken_) return Status::Error(PEDIA_STORAGE_UNAVAILABLE, "connection to the database was lost");
  MYSQL_STMT* stmt = nullptr;
  Status s = Prepare(sql, &stmt);
  if (!s.ok()) return s;
  if (mysql_stmt_param_count(stmt) != params.size()) {
    return Status::Error(PEDIA_STORAGE_INTERNAL, "statement expects " + std::to_string(mysql_stmt_param_count(stmt)) +
                                                     " parameters, got " + std::to_string(params.size()));
  }
  std::vector<MYSQL_BIND> binds(params.size());
  std::vector<unsigned long> lengths(params.size());
  std::vector<long long> numbers(params.size());
  static char empty = '\0';
  for (size_t i = 0; i < params.size(); ++i) {
    MYSQL_BIND& b = binds[i];
    std::memset(&b, 0, sizeof b);
    switch (params[i].kind) {
      case SqlValue::kNull:
        b.buffer_type = MYSQL_TYPE_NULL;
        break;
      case SqlValue::kString:
        b.buffer_type = MYSQL_TYPE_STRING;
        b.buffer = params[i].text.empty() ? &empty : const_cast<char*>(params[i].text.data());
        lengths[i] = params[i].text.size();
        b.buffer_length = lengths[i];
        b.length = &lengths[i];
        break;
      case SqlValue::kInt:
        b.buffer_type = MYSQL_TYPE_LONGLONG;
        numbers[i] = params[i].number;
        b.buffer = &numbers[i];
        break;
    }
  }
  if (!params.empty() && mysql_stmt_bind_param(stmt, binds.data()) != 0)
    return StmtError(stmt, "could not bind parameters");
  if (mysql_stmt_execute(stmt) != 0) return StmtError(stmt, "statement failed");
  *out = stmt;
  return Status::Ok();
}

void Connection::Observe(std::string_view sql, std::chrono::steady_clock::time_point start, const Status& s) {
  if (!observer_) return;
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  observer_(sql, ms, s);
}

Status Connection::Execute(std::string_view sql, const std::vector<SqlValue>& params, uint64_t* affected_rows) {
  auto start = std::chrono::steady_clock::now();
  MYSQL_STMT* stmt = nullptr;
  Status s = Run(sql, params, &stmt);
  if (s.ok()) {
    if (affected_rows) *affected_rows = mysql_stmt_affected_rows(stmt);
    mysql_stmt_free_result(stmt);
  }
  Observe(sql, start, s);
  return s;
}

Status Connection::ExecuteInsert(std::string_view sql, const std::vector<SqlValue>& params, InsertResult* result) {
  auto start = std::chrono::steady_clock::now();
  MYSQL_STMT* stmt = nullptr;
  Status s = Run(sql, params, &stmt);
  if (s.ok()) {
    *result = InsertResult{};
    result->affected_rows = mysql_stmt_affected_rows(stmt);
    result->first_insert_id = mysql_stmt_insert_id(stmt);
    // "Records: 500  Duplicates: 0  Warnings: 0" for multi-row inserts.
    if (const char* info = mysql_info(mysql_)) {
      long long records = -1, duplicates = -1, warnings = -1;
      if (std::sscanf(info, "Records: %lld Duplicates: %lld Warnings: %lld", &records, &duplicates, &warnings) >= 2) {
        result->records = records;
        result->duplicates = duplicates;
      }
    }
    mysql_stmt_free_result(stmt);
  }
  Observe(sql, start, s);
  return s;
}

Status Connection::Query(std::string_view sql, const std::vector<SqlValue>& params,
                         const std::function<bool(const ResultRow&)>& on_row) {
  auto start = std::chrono::steady_clock::now();
  MYSQL_STMT* stmt = nullptr;
  Status s = Run(sql, params, &stmt);
  if (!s.ok()) {
    Observe(sql, start, s);
    return s;
  }
  const unsigned columns = mysql_stmt_field_count(stmt);
  std::vector<std::vector<char>> buffers(columns, std::vector<char>(kInitialColumnBuffer));
  std::vector<unsigned long> lengths(columns);
  std::vector<char> nulls(columns);
  std::vector<MYSQL_BIND> binds(columns);
  auto bind_all = [&] {
    for (unsigned i = 0; i < columns; ++i) {
      MYSQL_BIND& b = binds[i];
      std::memset(&b, 0, sizeof b);
      b.buffer_type = MYSQL_TYPE_STRING;  // every column is fetched as text
      b.buffer = buffers[i].data();
      b.buffer_length = buffers[i].size();
      b.length = &lengths[i];
      b.is_null = reinterpret_cast<my_bool*>(&nulls[i]);
    }
    return mysql_stmt_bind_result(stmt, binds.data()) == 0;
  };
  if (!bind_all()) {
    s = StmtError(stmt, "could not bind results");
    mysql_stmt_free_result(stmt);
    Observe(sql, start, s);
    return s;
  }
  ResultRow row;
  row.buffers_ = &buffers;
  row.lengths_ = &lengths;
  row.nulls_ = &nulls;
  while (true) {
    int rc = mysql_stmt_fetch(stmt);
    if (rc == MYSQL_NO_DATA) break;
    if (rc == 1) {
      s = StmtError(stmt, "could not fetch a row");
      break;
    }
    if (rc == MYSQL_DATA_TRUNCATED) {
      bool rebind = false;
      for (unsigned i = 0; i < columns; ++i) {
        if (nulls[i] || lengths[i] <= buffers[i].size()) continue;
        buffers[i].resize(lengths[i] + lengths[i] / 4);
        MYSQL_BIND b = binds[i];
        b.buffer = buffers[i].data();
        b.buffer_length = buffers[i].size();
        if (mysql_stmt_fetch_column(stmt, &b, i, 0) != 0) {
          s = StmtError(stmt, "could not fetch a long column");
          break;
        }
        rebind = true;
      }
      if (!s.ok()) break;
      if (rebind && !bind_all()) {
        s = StmtError(stmt, "could not bind results");
        break;
      }
    }
    if (!on_row(row)) break;
  }
  // Drains what the caller did not read, so the connection can be reused.
  mysql_stmt_free_result(stmt);
  mysql_stmt_reset(stmt);
  Observe(sql, start, s);
  return s;
}

ConnectionPool::ConnectionPool(MysqlConfig config, SqlObserver observer)
    : config_(std::move(config)), observer_(std::move(observer)) {}

ConnectionPool::~ConnectionPool() = default;

Status ConnectionPool::Acquire(std::unique_ptr<Connection>* out, int64_t deadline_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(deadline_ms);
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    while (!idle_.empty()) {
      std::unique_ptr<Connection> conn = std::move(idle_.back());
      idle_.pop_back();
      bool expired = config_.conn_max_lifetime_ms > 0 && std::chrono::steady_clock::now() - conn->opened_at() >
                                                             std::chrono::milliseconds(config_.conn_max_lifetime_ms);
      if (!expired) {
        *out = std::move(conn);
        return Status::Ok();
      }
      --open_;
      lock.unlock();
      conn.reset();  // closing talks to the server: not under the lock
      lock.lock();
    }
    if (open_ < config_.max_open_conns) break;
    if (deadline_ms <= 0) {
      available_.wait(lock);
    } else if (available_.wait_until(lock, deadline) == std::cv_status::timeout) {
      return Status::Error(PEDIA_STORAGE_UNAVAILABLE, "every database connection is busy (connPool.maxOpenConns " +
                                                          std::to_string(config_.max_open_conns) + ")");
    }
  }
  ++open_;
  lock.unlock();
  std::unique_ptr<Connection> conn;
  Status s;
  if (deadline_ms > 0 && deadline_ms < config_.connect_timeout_ms) {
    MysqlConfig quick = config_;
    quick.connect_timeout_ms = deadline_ms;
    s = Connection::Open(quick, true, &conn);
  } else {
    s = Connection::Open(config_, true, &conn);
  }
  if (!s.ok()) {
    lock.lock();
    --open_;
    available_.notify_one();
    return s;
  }
  conn->set_observer(observer_);
  *out = std::move(conn);
  return Status::Ok();
}

void ConnectionPool::Release(std::unique_ptr<Connection> conn) {
  std::unique_lock<std::mutex> lock(mu_);
  if (conn->broken() || static_cast<int>(idle_.size()) >= config_.max_idle_conns) {
    --open_;
    available_.notify_one();
    lock.unlock();
    conn.reset();
    return;
  }
  idle_.push_back(std::move(conn));
  available_.notify_one();
}

Status ConnectionPool::Run(const std::function<Status(Connection&)>& fn, const std::function<bool()>& may_retry,
                           int64_t deadline_ms) {
  Status s;
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::unique_ptr<Connection> conn;
    s = Acquire(&conn, deadline_ms);
    if (!s.ok()) return s;  // a failed connect is not retried here: the caller retries
    s = fn(*conn);
    bool broken = conn->broken();
    Release(std::move(conn));
    // Only a connection that broke under us is worth one immediate retry: it
    // was probably idle across a server restart.
    if (s.ok() || !broken || (may_retry && !may_retry())) return s;
  }
  return s;
}

}  // namespace pedia::relational
