#include "storage/internal/mysql_config.h"

#include <map>

#include "catch.h"

namespace pedia::relational {
namespace {

EnvLookup Env(std::map<std::string, std::string> vars) {
  return [vars](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

sdk::Status Parse(const std::string& yaml, MysqlConfig* cfg, std::map<std::string, std::string> env = {}) {
  return ParseMysqlConfig(yaml, "/etc/pedia/storage.yaml", Env(std::move(env)), cfg);
}

// The seed's example-config.yaml, verbatim (custom-storage-layer-plugin.txt).
const char* kSeedExample = R"(type: mysql
host: 127.0.0.1
port: "3306"
user: root
password: dangerous0
database: clusterpedia
log:
  stdout: true
  colorful: true
  slowThreshold: 100ms
)";

TEST_CASE("the seed's example-config.yaml parses verbatim", "[mariadb]") {
  MysqlConfig cfg;
  sdk::Status s = Parse(kSeedExample, &cfg);
  REQUIRE(s.message == "");
  CHECK(cfg.type == "mysql");
  CHECK(cfg.host == "127.0.0.1");
  CHECK(cfg.port == 3306);
  CHECK(cfg.user == "root");
  CHECK(cfg.password == "dangerous0");
  CHECK(cfg.database == "clusterpedia");
  CHECK(cfg.log_enabled);
  CHECK(cfg.log_stdout);
  CHECK(cfg.slow_threshold_ms == 100);
  CHECK(cfg.Describe().find("dangerous0") == std::string::npos);
}

TEST_CASE("port is accepted as an integer or a string, and range-checked with its position", "[mariadb]") {
  MysqlConfig cfg;
  REQUIRE(Parse("type: mysql\nport: 13306\ndatabase: d\n", &cfg).ok());
  CHECK(cfg.port == 13306);
  sdk::Status s = Parse("type: mysql\ndatabase: d\nport: 70000\n", &cfg);
  CHECK(s.code == PEDIA_STORAGE_INVALID_ARGUMENT);
  CHECK(s.message.find("/etc/pedia/storage.yaml:3:7") != std::string::npos);
  CHECK(s.message.find("HINT:") != std::string::npos);
}

TEST_CASE("unknown keys are rejected with file:line:column and a suggestion", "[mariadb]") {
  MysqlConfig cfg;
  sdk::Status s = Parse("type: mysql\nhots: db.example\ndatabase: d\n", &cfg);
  CHECK(s.code == PEDIA_STORAGE_INVALID_ARGUMENT);
  CHECK(s.message.find("unknown key \"hots\"") != std::string::npos);
  CHECK(s.message.find("storage.yaml:2:1") != std::string::npos);
  CHECK(s.message.find("did you mean \"host\"") != std::string::npos);

  s = Parse("type: mysql\ndatabase: d\nlog:\n  stdout: true\n  colourful: true\n", &cfg);
  CHECK(s.message.find("unknown key \"colourful\" in log") != std::string::npos);
  CHECK(s.message.find("storage.yaml:5:3") != std::string::npos);
}

TEST_CASE("bad values are rejected with their position", "[mariadb]") {
  MysqlConfig cfg;
  struct Case {
    const char* yaml;
    const char* message;
    const char* where;
  };
  for (const Case& c : {
           Case{"type: mysql\ndatabase: d\nlog:\n  slowThreshold: fast\n", "log.slowThreshold must be a duration",
                ":4:18"},
           Case{"type: mysql\ndatabase: d\nlog:\n  level: Loud\n", "log.level \"Loud\"", ":4:10"},
           Case{"type: mysql\ndatabase: d\nlog:\n  stdout: maybe\n", "log.stdout must be true or false", ":4:11"},
           Case{"type: mysql\ndatabase: d\nsslMode: sometimes\n", "sslMode \"sometimes\"", ":3:10"},
           Case{"type: mysql\ndatabase: d\nconnPool:\n  maxIdleConns: 10\n  maxOpenConns: 5\n",
                "maxOpenConns (5) is less than connPool.maxIdleConns (10)", ":4:3"},
           Case{"type: mysql\ndatabase: d\nmysql:\n  allowAllFiles: true\n", "mysql.allowAllFiles is not supported",
                ":4:3"},
           Case{"type: mysql\ndatabase: d\nmysql:\n  recoverableErrNumbers: [1205, x]\n", "recoverableErrNumbers item",
                ":4:33"},
           Case{"type: mysql\ndatabase: [d\n", "invalid storage config", ":3:1"},
       }) {
    INFO(c.yaml);
    sdk::Status s = Parse(c.yaml, &cfg);
    CHECK(s.code == PEDIA_STORAGE_INVALID_ARGUMENT);
    CHECK(s.message.find(c.message) != std::string::npos);
    CHECK(s.message.find(std::string("storage.yaml") + c.where) != std::string::npos);
  }
}

TEST_CASE("postgres and sqlite are rejected with a hint; type is required", "[mariadb]") {
  MysqlConfig cfg;
  for (const char* type : {"postgres", "sqlite3"}) {
    sdk::Status s = Parse(std::string("type: ") + type + "\ndatabase: d\n", &cfg);
    CHECK(s.code == PEDIA_STORAGE_INVALID_ARGUMENT);
    CHECK(s.message.find("not supported by pedia") != std::string::npos);
    CHECK(s.message.find("HINT: ") != std::string::npos);
  }
  sdk::Status s = Parse("database: d\n", &cfg);
  CHECK(s.message.find("type is required") != std::string::npos);
  s = Parse("type: mysql\n", &cfg);
  CHECK(s.message.find("database is required") != std::string::npos);
}

TEST_CASE("environment variables override the file, DB_PASSWORD first of all", "[mariadb]") {
  MysqlConfig cfg;
  REQUIRE(Parse(kSeedExample, &cfg,
                {{"DB_PASSWORD", "from-env"},
                 {"DB_HOST", "db.internal"},
                 {"DB_PORT", "3307"},
                 {"DB_USER", "pedia"},
                 {"DB_DATABASE", "other"}})
              .ok());
  CHECK(cfg.password == "from-env");
  CHECK(cfg.host == "db.internal");
  CHECK(cfg.port == 3307);
  CHECK(cfg.user == "pedia");
  CHECK(cfg.database == "other");

  REQUIRE(Parse("database: d\n", &cfg, {{"DB_TYPE", "mysql"}}).ok());

  sdk::Status s = Parse(kSeedExample, &cfg, {{"DB_PORT", "not-a-port"}});
  CHECK(s.code == PEDIA_STORAGE_INVALID_ARGUMENT);
  CHECK(s.message.find("DB_PORT") != std::string::npos);
}

TEST_CASE("a dsn sets the connection and an empty dsn password comes from DB_PASSWORD", "[mariadb]") {
  MysqlConfig cfg;
  REQUIRE(
      Parse("type: mysql\ndsn: \"app:pw@tcp(10.0.0.5:3307)/pediadb?timeout=5s&charset=utf8mb4,utf8&sql_mode=ANSI\"\n",
            &cfg)
          .ok());
  CHECK(cfg.user == "app");
  CHECK(cfg.password == "pw");
  CHECK(cfg.host == "10.0.0.5");
  CHECK(cfg.port == 3307);
  CHECK(cfg.database == "pediadb");
  CHECK(cfg.connect_timeout_ms == 5000);
  CHECK(cfg.charset == "utf8mb4");
  CHECK(cfg.session_variables.at("sql_mode") == "ANSI");

  REQUIRE(Parse("type: mysql\n", &cfg, {{"DB_DSN", "root@unix(/run/mysqld.sock)/x"}, {"DB_PASSWORD", "envpw"}}).ok());
  CHECK(cfg.unix_socket == "/run/mysqld.sock");
  CHECK(cfg.password == "envpw");
  CHECK(cfg.database == "x");
}

TEST_CASE("the password never appears in errors", "[mariadb]") {
  MysqlConfig cfg;
  const std::string secret = "Sup3r-Secret-Pw";
  for (const std::string& yaml : {
           "type: mysql\npassword: " + secret + "\ndatabase: d\nbogus: 1\n",
           "type: mysql\ndsn: \"root:" + secret + "@tcp(host:notaport)/d\"\n",
           "type: mysql\ndsn: \"root:" + secret + "@/d?tls=custom\"\n",
           "type: mysql\npassword: [" + secret + "]\ndatabase: d\n",
       }) {
    sdk::Status s = Parse(yaml, &cfg);
    CHECK_FALSE(s.ok());
    CHECK(s.message.find(secret) == std::string::npos);
  }
}

TEST_CASE("Go durations parse", "[mariadb]") {
  int64_t ms = 0;
  CHECK((ParseGoDuration("100ms", &ms) && ms == 100));
  CHECK((ParseGoDuration("1h30m", &ms) && ms == 5400000));
  CHECK((ParseGoDuration("1.5s", &ms) && ms == 1500));
  CHECK_FALSE(ParseGoDuration("10", &ms));
  CHECK_FALSE(ParseGoDuration("5 days", &ms));
}

}  // namespace
}  // namespace pedia::relational
