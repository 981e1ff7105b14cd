#include "storage/internal/mysql_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace pedia::relational {
namespace {

using sdk::Status;

constexpr uint32_t kInvalid = PEDIA_STORAGE_INVALID_ARGUMENT;

// Edit distance, for "did you mean" hints on misspelt keys.
size_t Distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      bool same =
          std::tolower(static_cast<unsigned char>(a[i - 1])) == std::tolower(static_cast<unsigned char>(b[j - 1]));
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (same ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) {
    if (!out.empty()) out += ", ";
    out += s;
  }
  return out;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Walks the YAML tree and produces positioned errors.
class Reader {
 public:
  explicit Reader(std::string_view path) : path_(path.empty() ? "<storage config>" : std::string(path)) {}

  std::string Where(const YAML::Mark& m) const {
    if (m.is_null()) return path_;
    return path_ + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
  }

  Status Error(const YAML::Node& node, const std::string& primary, const std::string& hint) const {
    std::string msg = "invalid storage config: " + primary + "\nDETAIL: at " + Where(node.Mark());
    if (!hint.empty()) msg += "\nHINT: " + hint;
    return Status::Error(kInvalid, msg);
  }

  // Checks that every key of map is known; a misspelling gets a suggestion.
  Status CheckKeys(const YAML::Node& map, const std::string& section, const std::vector<std::string>& known) const {
    for (auto it = map.begin(); it != map.end(); ++it) {
      const YAML::Node& key = it->first;
      if (!key.IsScalar()) return Error(key, "keys in " + section + " must be strings", "");
      const std::string& k = key.Scalar();
      if (std::find(known.begin(), known.end(), k) != known.end()) continue;
      std::string best;
      size_t best_distance = 3;
      for (const auto& candidate : known) {
        size_t d = Distance(k, candidate);
        if (d < best_distance) best_distance = d, best = candidate;
      }
      std::string hint = best.empty() ? "known keys of " + section + ": " + Join(known)
                                      : "did you mean \"" + best + "\"? known keys of " + section + ": " + Join(known);
      return Error(key, "unknown key \"" + k + "\" in " + section, hint);
    }
    return Status::Ok();
  }

  Status String(const YAML::Node& node, const std::string& name, std::string* out) const {
    if (!node.IsScalar()) return Error(node, name + " must be a string", "write " + name + ": \"value\"");
    *out = node.Scalar();
    return Status::Ok();
  }

  Status Bool(const YAML::Node& node, const std::string& name, bool* out) const {
    std::string v = node.IsScalar() ? Lower(node.Scalar()) : "";
    if (v == "true" || v == "yes" || v == "on") {
      *out = true;
    } else if (v == "false" || v == "no" || v == "off") {
      *out = false;
    } else {
      return Error(node, name + " must be true or false", "");
    }
    return Status::Ok();
  }

  Status Int(const YAML::Node& node, const std::string& name, int64_t min, int64_t max, int64_t* out) const {
    if (!node.IsScalar()) return Error(node, name + " must be an integer", "");
    const std::string& s = node.Scalar();
    char* end = nullptr;
    errno = 0;
    long long v = std::strtoll(s.c_str(), &end, 10);
    if (s.empty() || *end != '\0' || errno != 0 || v < min || v > max) {
      return Error(node, name + " must be an integer from " + std::to_string(min) + " to " + std::to_string(max),
                   "got \"" + s + "\"");
    }
    *out = v;
    return Status::Ok();
  }

  Status Duration(const YAML::Node& node, const std::string& name, int64_t* out_ms) const {
    if (!node.IsScalar() || !ParseGoDuration(node.Scalar(), out_ms)) {
      return Error(node, name + " must be a duration", "use Go duration syntax such as 100ms, 2s or 1h30m");
    }
    return Status::Ok();
  }

  Status Map(const YAML::Node& node, const std::string& name) const {
    if (!node.IsMap()) return Error(node, name + " must be a mapping", "");
    return Status::Ok();
  }

 private:
  std::string path_;
};

#define PEDIA_RETURN_IF_ERROR(expr)   \
  do {                                \
    ::pedia::sdk::Status s_ = (expr); \
    if (!s_.ok()) return s_;          \
  } while (0)

Status ParsePort(std::string_view text, uint16_t* out) {
  std::string s(text);
  char* end = nullptr;
  long v = std::strtol(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0' || v < 1 || v > 65535) return Status::Error(kInvalid, "port");
  *out = static_cast<uint16_t>(v);
  return Status::Ok();
}

bool IsIdentifier(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  }
  return !std::isdigit(static_cast<unsigned char>(s[0]));
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::strtol(std::string(s.substr(i + 1, 2)).c_str(), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Applies one connection parameter (a dsn query parameter or a params entry).
// Unknown names become session variables, as in go-sql-driver/mysql.
Status ApplyParam(const std::string& name, const std::string& value, MysqlConfig* cfg) {
  auto duration = [&](int64_t* out) -> Status {
    if (!ParseGoDuration(value, out))
      return Status::Error(kInvalid, "parameter " + name + " must be a duration such as 5s");
    return Status::Ok();
  };
  if (name == "timeout") return duration(&cfg->connect_timeout_ms);
  if (name == "readTimeout") return duration(&cfg->read_timeout_ms);
  if (name == "writeTimeout") return duration(&cfg->write_timeout_ms);
  if (name == "charset") {
    // go-sql-driver accepts a comma-separated list; the first is tried first.
    std::string first = value.substr(0, value.find(','));
    if (!IsIdentifier(first)) return Status::Error(kInvalid, "parameter charset is not a character set name");
    cfg->charset = first;
    return Status::Ok();
  }
  if (name == "parseTime" || name == "loc" || name == "collation" || name == "interpolateParams" ||
      name == "multiStatements" || name == "clientFoundRows" || name == "columnsWithAlias" ||
      name == "checkConnLiveness" || name == "allowNativePasswords" || name == "rejectReadOnly") {
    // Client-side behaviours of the Go driver that pedia's layer either always
    // has or never needs: accepted for compatibility, without effect.
    return Status::Ok();
  }
  if (name == "tls") {
    return Status::Error(kInvalid, "parameter tls is not supported; use sslMode and the ssl*File keys");
  }
  if (name == "maxAllowedPacket") {
    char* end = nullptr;
    long long v = std::strtoll(value.c_str(), &end, 10);
    if (value.empty() || *end != '\0' || v < 0)
      return Status::Error(kInvalid, "parameter maxAllowedPacket must be a byte count");
    cfg->max_allowed_packet = v;
    return Status::Ok();
  }
  if (!IsIdentifier(name)) {
    return Status::Error(kInvalid,
                         "parameter \"" + name + "\" is neither a known parameter nor a system variable name");
  }
  cfg->session_variables[name] = value;
  return Status::Ok();
}

Status ParseSslMode(std::string_view text, SslMode* out) {
  std::string v = Lower(text);
  if (v.empty() || v == "false" || v == "disable")
    *out = SslMode::kDisable;
  else if (v == "skip-verify" || v == "allow" || v == "prefer")
    *out = SslMode::kSkipVerify;
  else if (v == "require" || v == "true")
    *out = SslMode::kRequire;
  else if (v == "verify-ca")
    *out = SslMode::kVerifyCa;
  else if (v == "verify-full")
    *out = SslMode::kVerifyFull;
  else
    return Status::Error(kInvalid, "sslMode");
  return Status::Ok();
}

const char* SslModeName(SslMode m) {
  switch (m) {
    case SslMode::kDisable:
      return "disable";
    case SslMode::kSkipVerify:
      return "skip-verify";
    case SslMode::kRequire:
      return "require";
    case SslMode::kVerifyCa:
      return "verify-ca";
    case SslMode::kVerifyFull:
      return "verify-full";
  }
  return "?";
}

// Mutable view of the file's values before the environment and dsn apply.
struct Raw {
  std::string type, host, port, user, password, database, dsn;
  bool has_password = false;
};

Status ParseLog(const Reader& r, const YAML::Node& log, MysqlConfig* cfg) {
  PEDIA_RETURN_IF_ERROR(r.Map(log, "log"));
  PEDIA_RETURN_IF_ERROR(
      r.CheckKeys(log, "log", {"stdout", "level", "colorful", "slowThreshold", "ignoreRecordNotFoundError", "logger"}));
  cfg->log_enabled = true;
  if (log["stdout"]) PEDIA_RETURN_IF_ERROR(r.Bool(log["stdout"], "log.stdout", &cfg->log_stdout));
  if (log["colorful"]) {
    bool colorful = false;  // klog lines have no colour; accepted for compatibility
    PEDIA_RETURN_IF_ERROR(r.Bool(log["colorful"], "log.colorful", &colorful));
  }
  if (log["ignoreRecordNotFoundError"]) {
    bool ignore = false;  // pedia never logs not-found as an error
    PEDIA_RETURN_IF_ERROR(r.Bool(log["ignoreRecordNotFoundError"], "log.ignoreRecordNotFoundError", &ignore));
  }
  if (log["level"]) {
    std::string level;
    PEDIA_RETURN_IF_ERROR(r.String(log["level"], "log.level", &level));
    std::string l = Lower(level);
    if (l == "silent")
      cfg->log_level = SqlLogLevel::kSilent;
    else if (l == "error")
      cfg->log_level = SqlLogLevel::kError;
    else if (l == "warn" || l == "warning")
      cfg->log_level = SqlLogLevel::kWarn;
    else if (l == "info")
      cfg->log_level = SqlLogLevel::kInfo;
    else
      return r.Error(log["level"], "log.level \"" + level + "\" is not a log level", "use Silent, Error, Warn or Info");
  }
  if (log["slowThreshold"])
    PEDIA_RETURN_IF_ERROR(r.Duration(log["slowThreshold"], "log.slowThreshold", &cfg->slow_threshold_ms));
  if (const YAML::Node logger = log["logger"]) {
    PEDIA_RETURN_IF_ERROR(r.Map(logger, "log.logger"));
    PEDIA_RETURN_IF_ERROR(
        r.CheckKeys(logger, "log.logger", {"filename", "maxsize", "maxage", "maxbackups", "localtime", "compress"}));
    cfg->warnings.push_back(
        "log.logger is ignored: pedia writes SQL logs through its own klog output, not a rolling file");
  }
  return Status::Ok();
}

Status ParseMysqlSection(const Reader& r, const YAML::Node& m, MysqlConfig* cfg) {
  PEDIA_RETURN_IF_ERROR(r.Map(m, "mysql"));
  const std::vector<std::string> supported = {"dialTimeout",
                                              "readTimeout",
                                              "writeTimeout",
                                              "maxAllowedPacket",
                                              "parseTime",
                                              "recoverableErrNumbers",
                                              "rejectReadOnly",
                                              "checkConnLiveness",
                                              "interpolateParams",
                                              "clientFoundRows",
                                              "columnsWithAlias",
                                              "allowNativePasswords",
                                              "loc"};
  const std::vector<std::string> unsupported = {"serverPubKey", "allowAllFiles", "allowCleartextPasswords",
                                                "allowOldPasswords", "multiStatements"};
  for (auto it = m.begin(); it != m.end(); ++it) {
    const std::string k = it->first.IsScalar() ? it->first.Scalar() : "";
    if (std::find(unsupported.begin(), unsupported.end(), k) != unsupported.end()) {
      return r.Error(it->first, "mysql." + k + " is not supported by pedia",
                     "remove it; pedia's MySQL layer never enables that client behaviour");
    }
  }
  std::vector<std::string> known = supported;
  PEDIA_RETURN_IF_ERROR(r.CheckKeys(m, "mysql", known));
  if (m["dialTimeout"])
    PEDIA_RETURN_IF_ERROR(r.Duration(m["dialTimeout"], "mysql.dialTimeout", &cfg->connect_timeout_ms));
  if (m["readTimeout"]) PEDIA_RETURN_IF_ERROR(r.Duration(m["readTimeout"], "mysql.readTimeout", &cfg->read_timeout_ms));
  if (m["writeTimeout"])
    PEDIA_RETURN_IF_ERROR(r.Duration(m["writeTimeout"], "mysql.writeTimeout", &cfg->write_timeout_ms));
  if (m["maxAllowedPacket"]) {
    PEDIA_RETURN_IF_ERROR(
        r.Int(m["maxAllowedPacket"], "mysql.maxAllowedPacket", 0, int64_t{1} << 30, &cfg->max_allowed_packet));
  }
  for (const char* flag : {"parseTime", "rejectReadOnly", "checkConnLiveness", "interpolateParams", "clientFoundRows",
                           "columnsWithAlias", "allowNativePasswords"}) {
    if (!m[flag]) continue;
    bool v = false;
    PEDIA_RETURN_IF_ERROR(r.Bool(m[flag], std::string("mysql.") + flag, &v));
    if (std::string_view(flag) == "parseTime" && !v) {
      cfg->warnings.push_back("mysql.parseTime: false is ignored; times are always parsed");
    }
  }
  if (m["loc"]) {
    std::string loc;
    PEDIA_RETURN_IF_ERROR(r.String(m["loc"], "mysql.loc", &loc));
  }
  if (const YAML::Node list = m["recoverableErrNumbers"]) {
    if (!list.IsSequence()) return r.Error(list, "mysql.recoverableErrNumbers must be a list of integers", "");
    for (const YAML::Node& item : list) {
      int64_t n = 0;
      PEDIA_RETURN_IF_ERROR(r.Int(item, "mysql.recoverableErrNumbers item", 1, 65535, &n));
      cfg->recoverable_error_numbers.insert(static_cast<unsigned>(n));
    }
  }
  return Status::Ok();
}

Status ParseDocument(const Reader& r, const YAML::Node& root, Raw* raw, MysqlConfig* cfg,
                     std::map<std::string, std::pair<std::string, YAML::Mark>>* params) {
  if (!root || root.IsNull()) return Status::Ok();
  PEDIA_RETURN_IF_ERROR(r.Map(root, "the storage config"));
  PEDIA_RETURN_IF_ERROR(
      r.CheckKeys(root, "the storage config",
                  {"type", "dsn", "network", "host", "port", "user", "password", "database", "sslMode", "sslCertFile",
                   "sslKeyFile", "sslRootCertFile", "connPool", "params", "mysql", "postgres", "log", "metrics"}));
  struct StringKey {
    const char* name;
    std::string* out;
  };
  for (StringKey k : {StringKey{"type", &raw->type}, StringKey{"dsn", &raw->dsn}, StringKey{"host", &raw->host},
                      StringKey{"user", &raw->user}, StringKey{"database", &raw->database},
                      StringKey{"sslCertFile", &cfg->ssl_cert_file}, StringKey{"sslKeyFile", &cfg->ssl_key_file},
                      StringKey{"sslRootCertFile", &cfg->ssl_root_cert_file}}) {
    if (root[k.name]) PEDIA_RETURN_IF_ERROR(r.String(root[k.name], k.name, k.out));
  }
  if (root["password"]) {
    // Never echo the value: an error names the key only.
    if (!root["password"].IsScalar()) return r.Error(root["password"], "password must be a string", "");
    raw->password = root["password"].Scalar();
    raw->has_password = true;
  }
  if (root["network"]) {
    std::string network;  // declared but unused by Clusterpedia too
    PEDIA_RETURN_IF_ERROR(r.String(root["network"], "network", &network));
  }
  if (const YAML::Node port = root["port"]) {
    // Clusterpedia's port is a string; YAML users write both 3306 and "3306".
    uint16_t p = 0;
    if (!port.IsScalar() || !ParsePort(port.Scalar(), &p).ok()) {
      return r.Error(port, "port must be a TCP port number from 1 to 65535", "write port: 3306 or port: \"3306\"");
    }
    raw->port = port.Scalar();
  }
  if (const YAML::Node ssl = root["sslMode"]) {
    std::string mode;
    PEDIA_RETURN_IF_ERROR(r.String(ssl, "sslMode", &mode));
    if (!ParseSslMode(mode, &cfg->ssl_mode).ok()) {
      return r.Error(ssl, "sslMode \"" + mode + "\" is not a TLS mode",
                     "use disable, skip-verify, require, verify-ca or verify-full");
    }
  }
  if (const YAML::Node pool = root["connPool"]) {
    PEDIA_RETURN_IF_ERROR(r.Map(pool, "connPool"));
    PEDIA_RETURN_IF_ERROR(r.CheckKeys(pool, "connPool", {"maxIdleConns", "maxOpenConns", "connMaxLifetime"}));
    int64_t v = 0;
    if (pool["maxIdleConns"]) {
      PEDIA_RETURN_IF_ERROR(r.Int(pool["maxIdleConns"], "connPool.maxIdleConns", 0, 10000, &v));
      cfg->max_idle_conns = static_cast<int>(v);
    }
    if (pool["maxOpenConns"]) {
      PEDIA_RETURN_IF_ERROR(r.Int(pool["maxOpenConns"], "connPool.maxOpenConns", 1, 10000, &v));
      cfg->max_open_conns = static_cast<int>(v);
    }
    if (pool["connMaxLifetime"]) {
      PEDIA_RETURN_IF_ERROR(
          r.Duration(pool["connMaxLifetime"], "connPool.connMaxLifetime", &cfg->conn_max_lifetime_ms));
    }
    if (cfg->max_open_conns < cfg->max_idle_conns) {
      return r.Error(pool,
                     "connPool.maxOpenConns (" + std::to_string(cfg->max_open_conns) +
                         ") is less than connPool.maxIdleConns (" + std::to_string(cfg->max_idle_conns) + ")",
                     "raise maxOpenConns or lower maxIdleConns");
    }
  }
  if (const YAML::Node p = root["params"]) {
    PEDIA_RETURN_IF_ERROR(r.Map(p, "params"));
    for (auto it = p.begin(); it != p.end(); ++it) {
      if (!it->first.IsScalar() || !it->second.IsScalar()) {
        return r.Error(it->first, "params must map names to string values", "write params: {charset: utf8mb4}");
      }
      (*params)[it->first.Scalar()] = {it->second.Scalar(), it->first.Mark()};
    }
  }
  if (root["mysql"]) PEDIA_RETURN_IF_ERROR(ParseMysqlSection(r, root["mysql"], cfg));
  if (const YAML::Node pg = root["postgres"]) {
    PEDIA_RETURN_IF_ERROR(r.Map(pg, "postgres"));
    PEDIA_RETURN_IF_ERROR(r.CheckKeys(pg, "postgres", {"recoverableErrCodes"}));
    cfg->warnings.push_back("the postgres section is ignored by the MySQL layer");
  }
  if (root["log"]) PEDIA_RETURN_IF_ERROR(ParseLog(r, root["log"], cfg));
  if (const YAML::Node metrics = root["metrics"]) {
    PEDIA_RETURN_IF_ERROR(r.Map(metrics, "metrics"));
    PEDIA_RETURN_IF_ERROR(r.CheckKeys(metrics, "metrics", {"disable", "dbStatsRefreshInterval"}));
  }
  return Status::Ok();
}

Status EnvError(const char* name, const std::string& primary, const std::string& hint) {
  return Status::Error(kInvalid, "invalid storage config: " + primary + "\nDETAIL: from environment variable " + name +
                                     (hint.empty() ? "" : "\nHINT: " + hint));
}

}  // namespace

std::string MysqlConfig::Describe() const {
  std::string where = unix_socket.empty() ? host + ":" + std::to_string(port) : "unix(" + unix_socket + ")";
  return "mysql://" + user + "@" + where + "/" + database + " (tls: " + SslModeName(ssl_mode) + ")";
}

EnvLookup ProcessEnv() {
  return [](const char* name) -> std::optional<std::string> {
    const char* v = std::getenv(name);
    if (!v) return std::nullopt;
    return std::string(v);
  };
}

bool ParseGoDuration(std::string_view text, int64_t* out_ms) {
  if (text.empty()) return false;
  if (text == "0") {
    *out_ms = 0;
    return true;
  }
  double total_ms = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
    if (start == i) return false;
    double number = std::strtod(std::string(text.substr(start, i - start)).c_str(), nullptr);
    size_t unit_start = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    std::string_view unit = text.substr(unit_start, i - unit_start);
    double scale;
    if (unit == "ns")
      scale = 1e-6;
    else if (unit == "us" || unit == "µs")
      scale = 1e-3;
    else if (unit == "ms")
      scale = 1;
    else if (unit == "s")
      scale = 1000;
    else if (unit == "m")
      scale = 60000;
    else if (unit == "h")
      scale = 3600000;
    else
      return false;
    total_ms += number * scale;
  }
  if (total_ms > 1e15) return false;
  // Rounded by hand: std::llround is the one libm symbol the release binary
  // would need, and it must link nothing but libc (scripts/build-release.sh).
  *out_ms = static_cast<int64_t>(total_ms >= 0 ? total_ms + 0.5 : total_ms - 0.5);
  return true;
}

Status ParseMysqlDsn(std::string_view dsn, MysqlConfig* out) {
  // [user[:password]@][net[(addr)]]/dbname[?param1=value1&paramN=valueN]
  const Status bad = Status::Error(
      kInvalid,
      "invalid storage config: dsn is not a MySQL DSN\nHINT: use the go-sql-driver form "
      "user:password@tcp(host:port)/database?param=value (the value is not shown, it may hold a password)");
  size_t slash = dsn.rfind('/');
  size_t question = dsn.find('?', slash == std::string_view::npos ? 0 : slash);
  if (slash == std::string_view::npos) return bad;
  std::string_view head = dsn.substr(0, slash);
  std::string_view db =
      dsn.substr(slash + 1, question == std::string_view::npos ? std::string_view::npos : question - slash - 1);
  size_t at = head.rfind('@');
  if (at != std::string_view::npos) {
    std::string_view creds = head.substr(0, at);
    size_t colon = creds.find(':');
    out->user = std::string(creds.substr(0, colon));
    out->password = colon == std::string_view::npos ? "" : std::string(creds.substr(colon + 1));
    head = head.substr(at + 1);
  }
  if (!head.empty()) {
    size_t paren = head.find('(');
    std::string_view net = head.substr(0, paren);
    std::string_view addr;
    if (paren != std::string_view::npos) {
      if (head.back() != ')') return bad;
      addr = head.substr(paren + 1, head.size() - paren - 2);
    }
    if (net == "unix") {
      out->unix_socket = std::string(addr);
    } else if (net == "tcp" || net == "tcp6" || net.empty()) {
      if (!addr.empty()) {
        size_t colon = addr.rfind(':');
        std::string_view host = addr.substr(0, colon);
        if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
        out->host = std::string(host);
        if (colon != std::string_view::npos && !ParsePort(addr.substr(colon + 1), &out->port).ok()) return bad;
      }
    } else {
      return bad;
    }
  }
  out->database = PercentDecode(db);
  if (question != std::string_view::npos) {
    std::string_view query = dsn.substr(question + 1);
    while (!query.empty()) {
      size_t amp = query.find('&');
      std::string_view kv = query.substr(0, amp);
      size_t eq = kv.find('=');
      if (eq == std::string_view::npos) return bad;
      std::string name = PercentDecode(kv.substr(0, eq));
      Status s = ApplyParam(name, PercentDecode(kv.substr(eq + 1)), out);
      if (!s.ok()) return Status::Error(kInvalid, "invalid storage config: dsn " + s.message);
      query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    }
  }
  return Status::Ok();
}

Status ParseMysqlConfig(std::string_view config, std::string_view path, const EnvLookup& env, MysqlConfig* out) {
  Reader r(path);
  MysqlConfig cfg;
  Raw raw;
  std::map<std::string, std::pair<std::string, YAML::Mark>> params;
  try {
    YAML::Node root = YAML::Load(std::string(config));
    PEDIA_RETURN_IF_ERROR(ParseDocument(r, root, &raw, &cfg, &params));
  } catch (const YAML::Exception& e) {
    return Status::Error(kInvalid, "invalid storage config: " + e.msg + "\nDETAIL: at " + r.Where(e.mark) +
                                       "\nHINT: the storage config is YAML; check the indentation and quoting there");
  }

  // Environment overrides, as configor's env tags do in Clusterpedia.
  auto override_with = [&](const char* name, std::string* field) {
    if (auto v = env(name); v && !v->empty()) *field = *v;
  };
  override_with("DB_TYPE", &raw.type);
  override_with("DB_HOST", &raw.host);
  override_with("DB_PORT", &raw.port);
  override_with("DB_USER", &raw.user);
  override_with("DB_DATABASE", &raw.database);
  override_with("DB_DSN", &raw.dsn);
  std::optional<std::string> env_password = env("DB_PASSWORD");
  if (env_password && !env_password->empty()) raw.password = *env_password;

  if (raw.type.empty()) {
    return Status::Error(kInvalid, "invalid storage config: type is required\nDETAIL: in " +
                                       std::string(path.empty() ? "<storage config>" : path) +
                                       "\nHINT: add type: mysql (or set DB_TYPE=mysql)");
  }
  std::string type = Lower(raw.type);
  if (type == "postgres" || type == "sqlite" || type == "sqlite3") {
    return Status::Error(kInvalid, "invalid storage config: storage type \"" + raw.type +
                                       "\" is not supported by pedia\nHINT: pedia's relational layer speaks the "
                                       "MySQL protocol (MySQL 8, MariaDB 10.6+); set type: mysql");
  }
  if (type != "mysql" && type != "mariadb") {
    return Status::Error(
        kInvalid, "invalid storage config: not support storage type \"" + raw.type + "\"\nHINT: set type: mysql");
  }
  cfg.type = "mysql";

  if (!raw.dsn.empty()) {
    PEDIA_RETURN_IF_ERROR(ParseMysqlDsn(raw.dsn, &cfg));
    // Clusterpedia fills an empty DSN password from DB_PASSWORD.
    if (cfg.password.empty() && env_password) cfg.password = *env_password;
  } else {
    if (!raw.host.empty()) cfg.host = raw.host;
    if (!raw.port.empty() && !ParsePort(raw.port, &cfg.port).ok()) {
      return EnvError("DB_PORT", "port must be a TCP port number from 1 to 65535", "got \"" + raw.port + "\"");
    }
    cfg.user = raw.user;
    cfg.password = raw.password;
    cfg.database = raw.database;
    if (cfg.database.empty()) {
      return Status::Error(kInvalid, "invalid storage config: database is required\nDETAIL: in " +
                                         std::string(path.empty() ? "<storage config>" : path) +
                                         "\nHINT: add database: clusterpedia (or set DB_DATABASE, or give a dsn)");
    }
  }
  if (cfg.database.empty()) {
    return Status::Error(kInvalid,
                         "invalid storage config: the dsn names no database\nHINT: end the dsn with /<database>");
  }
  for (const auto& [name, value] : params) {
    Status s = ApplyParam(name, value.first, &cfg);
    if (!s.ok()) {
      return Status::Error(kInvalid,
                           "invalid storage config: params: " + s.message + "\nDETAIL: at " + r.Where(value.second));
    }
  }
  if (cfg.ssl_cert_file.empty() != cfg.ssl_key_file.empty()) {
    return Status::Error(kInvalid,
                         "invalid storage config: sslCertFile and sslKeyFile must be given together\n"
                         "HINT: set both for client-certificate authentication, or neither");
  }
  if (cfg.ssl_mode == SslMode::kSkipVerify || (cfg.ssl_mode == SslMode::kRequire && cfg.ssl_root_cert_file.empty())) {
    cfg.warnings.push_back("sslMode " + std::string(SslModeName(cfg.ssl_mode)) +
                           " encrypts without verifying the server's certificate; use verify-full in production");
  }
  *out = std::move(cfg);
  return Status::Ok();
}

}  // namespace pedia::relational
