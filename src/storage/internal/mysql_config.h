// The relational layer's configuration: the --storage-config YAML of
// Clusterpedia's internalstorage (clusterpedia-spec §3.1), MySQL subset.
//
// Parsing is strict: an unknown key or a bad value is an INVALID_ARGUMENT
// error naming the file, line and column (from yaml-cpp marks) with a hint.
// Environment variables DB_TYPE, DB_HOST, DB_PORT, DB_USER, DB_PASSWORD,
// DB_DATABASE and DB_DSN override the file, as in Clusterpedia.
//
// The password never appears in any message this file produces, nor in
// MysqlConfig::Describe().
//
// Written only against include/pedia and yaml-cpp, so the sample plugin can
// share it.
#ifndef PEDIA_STORAGE_INTERNAL_MYSQL_CONFIG_H_
#define PEDIA_STORAGE_INTERNAL_MYSQL_CONFIG_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <pedia/storage_plugin.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace pedia::relational {

/// TLS policy (Clusterpedia's sslMode values).
enum class SslMode {
  kDisable,     // "", "false", "disable": plain TCP
  kSkipVerify,  // "skip-verify", "allow", "prefer": encrypted, server not verified (insecure)
  kRequire,     // "require": encrypted; the chain is verified only when sslRootCertFile is given (libpq)
  kVerifyCa,    // "verify-ca": chain verified (Connector/C 3.3 also checks the host name)
  kVerifyFull,  // "verify-full": chain and host name verified
};

/// SQL log level (gorm's levels, as Clusterpedia's log.level).
enum class SqlLogLevel { kSilent, kError, kWarn, kInfo };

struct MysqlConfig {
  std::string type = "mysql";
  std::string host = "127.0.0.1";
  uint16_t port = 3306;
  std::string unix_socket;  // from a dsn of the form unix(/path)
  std::string user;
  std::string password;  // never logged
  std::string database;

  // connPool (Clusterpedia's code defaults).
  int max_idle_conns = 5;
  int max_open_conns = 40;
  int64_t conn_max_lifetime_ms = 0;  // 0: unlimited

  // log
  bool log_enabled = false;  // the log section is present
  bool log_stdout = false;
  SqlLogLevel log_level = SqlLogLevel::kWarn;
  int64_t slow_threshold_ms = 200;

  SslMode ssl_mode = SslMode::kDisable;
  std::string ssl_cert_file, ssl_key_file, ssl_root_cert_file;

  // mysql.* and dsn params that map onto connector options.
  int64_t connect_timeout_ms = 10000;
  int64_t read_timeout_ms = 0;     // 0: connector default
  int64_t write_timeout_ms = 0;    // 0: connector default
  int64_t max_allowed_packet = 0;  // 0: server default
  std::string charset = "utf8mb4";
  std::set<unsigned> recoverable_error_numbers;  // extra errors mapped to UNAVAILABLE
  /// Session variables set on every new connection (unknown dsn params, as
  /// go-sql-driver/mysql does).  Names are validated identifiers; values are
  /// bound parameters.
  std::map<std::string, std::string> session_variables;

  /// Warnings to log once the layer is open (insecure TLS, ignored keys).
  std::vector<std::string> warnings;

  /// "mysql://user@host:port/database (tls: verify-full)", without the password.
  std::string Describe() const;
};

/// Reads environment variables; injectable for tests.
using EnvLookup = std::function<std::optional<std::string>(const char* name)>;

/// The process environment.
EnvLookup ProcessEnv();

/// Parses config (the YAML text of the file at path, which is used only in
/// messages) and applies the environment.  An empty config is an error: type
/// and database are required.
sdk::Status ParseMysqlConfig(std::string_view config, std::string_view path, const EnvLookup& env, MysqlConfig* out);

/// Parses a go-sql-driver DSN, user:pass@tcp(host:port)/db?k=v&..., into out.
/// Errors never quote the password.
sdk::Status ParseMysqlDsn(std::string_view dsn, MysqlConfig* out);

/// Parses a Go duration ("100ms", "1.5s", "1h30m") into milliseconds.
bool ParseGoDuration(std::string_view text, int64_t* out_ms);

}  // namespace pedia::relational

#endif  // PEDIA_STORAGE_INTERNAL_MYSQL_CONFIG_H_
