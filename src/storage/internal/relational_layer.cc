#include "storage/internal/relational_layer.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <utility>

#include "storage/internal/schema.h"
#include "storage/internal/sql_builder.h"

namespace pedia::relational {
namespace {

using sdk::Status;

constexpr uint32_t kInvalid = PEDIA_STORAGE_INVALID_ARGUMENT;
// Rows per multi-row statement: beyond ~100 rows the gain is small
// (toolchain-notes §5); the byte cap keeps statements far below the default
// 16 MB max_allowed_packet.
constexpr size_t kRowsPerStatement = 500;
constexpr size_t kBytesPerStatement = 4 << 20;
constexpr size_t kLabelRowsPerStatement = 2000;

bool IsAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// Column limits of schema.cc, checked before writing so that a bad object is
// reported by index instead of failing the whole batch.
Status CheckField(std::string_view what, std::string_view v, size_t max, bool ascii, bool required) {
  if (required && v.empty()) return Status::Error(kInvalid, std::string(what) + " is empty");
  if (v.size() > max) {
    return Status::Error(kInvalid, std::string(what) + " is longer than " + std::to_string(max) + " bytes");
  }
  if (ascii && !IsAscii(v)) return Status::Error(kInvalid, std::string(what) + " must be ASCII");
  return Status::Ok();
}

Status CheckResource(const sdk::Resource& r) {
  for (auto [what, v, max, required] :
       {std::tuple{"cluster", r.cluster, 253, true}, std::tuple{"group", r.gvr.group, 253, false},
        std::tuple{"version", r.gvr.version, 63, true}, std::tuple{"resource", r.gvr.resource, 63, true},
        std::tuple{"kind", r.kind, 63, false}}) {
    Status s = CheckField(what, v, static_cast<size_t>(max), true, required);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

Status CheckObject(const sdk::Write& w) {
  const sdk::Object& o = w.object;
  Status s = CheckField("metadata.name", o.name, 253, false, true);
  if (s.ok()) s = CheckField("metadata.namespace", o.namespace_name, 63, false, false);
  if (!s.ok() || w.op == PEDIA_STORAGE_WRITE_DELETE) return s;
  if (s.ok()) s = CheckField("metadata.uid", o.uid, 64, true, false);
  if (s.ok()) s = CheckField("owner uid", o.owner_uid, 64, true, false);
  if (s.ok()) s = CheckField("metadata.resourceVersion", o.resource_version, 64, true, false);
  for (const auto& [key, value] : o.labels) {
    if (s.ok()) s = CheckField("label key", key, 317, true, true);
    if (s.ok()) s = CheckField("label value", value, 63, true, false);
  }
  if (s.ok() && (o.object.empty() || o.object.front() != '{')) {
    s = Status::Error(kInvalid, "object is not a JSON object");
  }
  return s;
}

// The resourceVersion as a number for ordering; 0 when it is not one.
int64_t RvNumber(std::string_view rv) {
  if (rv.empty() || rv.size() > 18) return 0;
  for (char c : rv)
    if (c < '0' || c > '9') return 0;
  return std::strtoll(std::string(rv).c_str(), nullptr, 10);
}

std::string Truncate(std::string_view sql) {
  return sql.size() <= 240 ? std::string(sql) : std::string(sql.substr(0, 240)) + "...";
}

// SQL logging per the config's log section (gorm's levels).
SqlObserver MakeObserver(const MysqlConfig& cfg) {
  if (!cfg.log_enabled || cfg.log_level == SqlLogLevel::kSilent) return nullptr;
  SqlLogLevel level = cfg.log_level;
  int64_t slow_ms = cfg.slow_threshold_ms;
  return [level, slow_ms](std::string_view sql, double ms, const Status& s) {
    char took[32];
    std::snprintf(took, sizeof took, "%.1fms", ms);
    if (!s.ok()) {
      if (level >= SqlLogLevel::kError) {
        sdk::Log(PEDIA_STORAGE_LOG_ERROR, 0,
                 "sql failed in " + std::string(took) + ": " + s.message + " sql=\"" + Truncate(sql) + "\"");
      }
    } else if (slow_ms > 0 && ms > static_cast<double>(slow_ms) && level >= SqlLogLevel::kWarn) {
      sdk::Log(PEDIA_STORAGE_LOG_WARNING, 0,
               "slow sql " + std::string(took) + " (slowThreshold " + std::to_string(slow_ms) + "ms) sql=\"" +
                   Truncate(sql) + "\"");
    } else if (level >= SqlLogLevel::kInfo) {
      sdk::Log(PEDIA_STORAGE_LOG_INFO, 0, "sql " + std::string(took) + " sql=\"" + Truncate(sql) + "\"");
    }
  };
}

// "(r.namespace, r.name) IN ((?, ?), ...)" plus its parameters.
void AppendKeyTuples(SqlStatement* st, const char* prefix, const std::vector<sdk::Write>& writes, size_t begin,
                     size_t end) {
  st->sql += std::string(" AND (") + prefix + "namespace, " + prefix + "name) IN (";
  for (size_t i = begin; i < end; ++i) {
    st->sql += i == begin ? "(?, ?)" : ", (?, ?)";
    st->Bind(writes[i].object.namespace_name);
    st->Bind(writes[i].object.name);
  }
  st->sql += ")";
}

void AppendResourceKey(SqlStatement* st, const char* prefix, const sdk::Resource& r) {
  st->sql += std::string(" WHERE ") + prefix + "cluster = ? AND " + prefix + "`group` = ? AND " + prefix +
             "version = ? AND " + prefix + "resource = ?";
  for (auto v : {r.cluster, r.gvr.group, r.gvr.version, r.gvr.resource}) st->Bind(v);
}

Status InTransaction(Connection& conn, const std::function<Status()>& body) {
  Status s = conn.Execute("START TRANSACTION", {});
  if (!s.ok()) return s;
  s = body();
  if (s.ok()) s = conn.Execute("COMMIT", {});
  if (!s.ok() && !conn.broken()) conn.Execute("ROLLBACK", {});
  return s;
}

}  // namespace

Status RelationalLayer::Open(std::string_view config, std::string_view config_path,
                             std::unique_ptr<RelationalLayer>* out) {
  return OpenWithEnv(config, config_path, ProcessEnv(), out);
}

Status RelationalLayer::OpenWithEnv(std::string_view config, std::string_view config_path, const EnvLookup& env,
                                    std::unique_ptr<RelationalLayer>* out) {
  MysqlConfig cfg;
  Status s = ParseMysqlConfig(config, config_path, env, &cfg);
  if (!s.ok()) return s;
  for (const std::string& w : cfg.warnings) sdk::Log(PEDIA_STORAGE_LOG_WARNING, 0, w);

  std::unique_ptr<Connection> conn;
  s = Connection::Open(cfg, true, &conn);
  if (s.code == PEDIA_STORAGE_NOT_FOUND) {
    // Unknown database: create it, as the Helm charts' init container would.
    std::unique_ptr<Connection> bare;
    s = Connection::Open(cfg, false, &bare);
    if (s.ok()) s = CreateDatabase(*bare, cfg.database);
    if (s.ok()) s = Connection::Open(cfg, true, &conn);
  }
  if (!s.ok()) return s;
  s = Migrate(*conn);
  if (!s.ok()) return s;
  bool consecutive_ids = false;
  s = conn->Query("SELECT @@innodb_autoinc_lock_mode, @@auto_increment_increment", {}, [&](const ResultRow& row) {
    consecutive_ids = row.Int(0) <= 1 && row.Int(1) == 1;
    return true;
  });
  if (!s.ok()) return s;
  sdk::Log(PEDIA_STORAGE_LOG_INFO, 0, "relational storage ready at " + cfg.Describe());
  SqlObserver observer = MakeObserver(cfg);
  out->reset(
      new RelationalLayer(std::make_unique<ConnectionPool>(std::move(cfg), std::move(observer)), consecutive_ids));
  return Status::Ok();
}

Status RelationalLayer::Ready() {
  // /readyz must answer within a second (storage_abi.h).
  return pool_->Run([](Connection& conn) { return conn.Query("SELECT 1", {}, [](const ResultRow&) { return true; }); },
                    nullptr, 900);
}

Status RelationalLayer::UpsertRun(Connection& conn, const sdk::Resource& r, const std::vector<sdk::Write>& writes,
                                  size_t begin, size_t end) {
  static const std::string kInsert =
      "INSERT INTO resources (cluster, `group`, version, resource, kind, namespace, name, uid, owner_uid, "
      "resource_version, rv_num, creation_unix_ms, deletion_unix_ms, object) VALUES ";
  static const std::string kRow = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
  static const std::string kUpdate =
      " ON DUPLICATE KEY UPDATE kind = VALUES(kind), uid = VALUES(uid), owner_uid = VALUES(owner_uid), "
      "resource_version = VALUES(resource_version), rv_num = VALUES(rv_num), "
      "creation_unix_ms = VALUES(creation_unix_ms), deletion_unix_ms = VALUES(deletion_unix_ms), "
      "object = VALUES(object)";
  size_t chunk_begin = begin;
  while (chunk_begin < end) {
    size_t chunk_end = chunk_begin;
    size_t bytes = 0;
    while (chunk_end < end && chunk_end - chunk_begin < kRowsPerStatement &&
           (chunk_end == chunk_begin || bytes + writes[chunk_end].object.object.size() <= kBytesPerStatement)) {
      bytes += writes[chunk_end].object.object.size();
      ++chunk_end;
    }
    SqlStatement st;
    st.sql.reserve(kInsert.size() + (kRow.size() + 2) * (chunk_end - chunk_begin) + kUpdate.size());
    st.sql = kInsert;
    bool any_labels = false;
    for (size_t i = chunk_begin; i < chunk_end; ++i) {
      const sdk::Object& o = writes[i].object;
      if (i != chunk_begin) st.sql += ", ";
      st.sql += kRow;
      for (auto v : {r.cluster, r.gvr.group, r.gvr.version, r.gvr.resource, r.kind, o.namespace_name, o.name, o.uid,
                     o.owner_uid, o.resource_version})
        st.Bind(v);
      st.BindInt(RvNumber(o.resource_version));
      st.BindInt(o.creation_unix_ms);
      st.params.push_back(o.deletion_unix_ms == PEDIA_STORAGE_NO_TIME ? SqlValue::Null()
                                                                      : SqlValue::Int(o.deletion_unix_ms));
      st.Bind(o.object);
      any_labels = any_labels || !o.labels.empty();
    }
    st.sql += kUpdate;
    Connection::InsertResult inserted;
    Status s = conn.ExecuteInsert(st.sql, st.params, &inserted);
    if (!s.ok()) return s;
    const int64_t rows_in_chunk = static_cast<int64_t>(chunk_end - chunk_begin);
    // Every row new (no duplicate key): no stale labels, and the ids are
    // consecutive from the first one when the server allocates them so.
    // (A one-row statement has no info; there affected 1 means inserted,
    // 2 updated and 0 unchanged.)
    const bool all_new = (inserted.records == rows_in_chunk && inserted.duplicates == 0 &&
                          inserted.affected_rows == static_cast<uint64_t>(rows_in_chunk)) ||
                         (rows_in_chunk == 1 && inserted.records < 0 && inserted.affected_rows == 1);
    if (any_labels || !all_new) {
      std::map<std::pair<std::string, std::string>, int64_t> id_of;
      if (all_new && consecutive_ids_ && inserted.first_insert_id > 0) {
        for (size_t i = chunk_begin; i < chunk_end; ++i) {
          id_of[{std::string(writes[i].object.namespace_name), std::string(writes[i].object.name)}] =
              static_cast<int64_t>(inserted.first_insert_id + (i - chunk_begin));
        }
      } else {
        // Learn the ids of this chunk's rows, drop their old labels, write the new.
        SqlStatement ids;
        ids.sql = "SELECT id, namespace, name FROM resources";
        AppendResourceKey(&ids, "", r);
        AppendKeyTuples(&ids, "", writes, chunk_begin, chunk_end);
        s = conn.Query(ids.sql, ids.params, [&](const ResultRow& row) {
          id_of[{std::string(row.Text(1)), std::string(row.Text(2))}] = row.Int(0);
          return true;
        });
        if (!s.ok()) return s;
      }
      if (!all_new && !id_of.empty()) {
        SqlStatement del;
        del.sql = "DELETE FROM resource_labels WHERE resource_id IN (" + Placeholders(id_of.size()) + ")";
        for (const auto& [key, id] : id_of) del.BindInt(id);
        s = conn.Execute(del.sql, del.params);
        if (!s.ok()) return s;
      }
      // The last write of a key wins, as in the INSERT above.
      std::map<int64_t, const sdk::Object*> latest;
      for (size_t i = chunk_begin; i < chunk_end; ++i) {
        const sdk::Object& o = writes[i].object;
        auto it = id_of.find({std::string(o.namespace_name), std::string(o.name)});
        if (it != id_of.end()) latest[it->second] = &o;
      }
      SqlStatement ins;
      size_t rows = 0;
      auto flush = [&]() -> Status {
        if (rows == 0) return Status::Ok();
        ins.sql += " ON DUPLICATE KEY UPDATE label_value = VALUES(label_value)";
        Status fs = conn.Execute(ins.sql, ins.params);
        ins = SqlStatement();
        rows = 0;
        return fs;
      };
      for (const auto& [id, o] : latest) {
        for (const auto& [key, value] : o->labels) {
          ins.sql += rows == 0 ? "INSERT INTO resource_labels (resource_id, label_key, label_value, `group`, version, "
                                 "resource, cluster, namespace, name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                               : ", (?, ?, ?, ?, ?, ?, ?, ?, ?)";
          ins.BindInt(id);
          for (auto v : {key, value, r.gvr.group, r.gvr.version, r.gvr.resource, r.cluster, o->namespace_name, o->name})
            ins.Bind(v);
          if (++rows == kLabelRowsPerStatement) {
            s = flush();
            if (!s.ok()) return s;
          }
        }
      }
      s = flush();
      if (!s.ok()) return s;
    }
    chunk_begin = chunk_end;
  }
  return Status::Ok();
}

Status RelationalLayer::DeleteRun(Connection& conn, const sdk::Resource& r, const std::vector<sdk::Write>& writes,
                                  size_t begin, size_t end) {
  for (size_t chunk_begin = begin; chunk_begin < end; chunk_begin += kRowsPerStatement) {
    size_t chunk_end = std::min(end, chunk_begin + kRowsPerStatement);
    SqlStatement labels;
    labels.sql = "DELETE l FROM resource_labels l JOIN resources r ON l.resource_id = r.id";
    AppendResourceKey(&labels, "r.", r);
    AppendKeyTuples(&labels, "r.", writes, chunk_begin, chunk_end);
    Status s = conn.Execute(labels.sql, labels.params);
    if (!s.ok()) return s;
    SqlStatement rows;
    rows.sql = "DELETE FROM resources";
    AppendResourceKey(&rows, "", r);
    AppendKeyTuples(&rows, "", writes, chunk_begin, chunk_end);
    s = conn.Execute(rows.sql, rows.params);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

Status RelationalLayer::WriteBatch(const sdk::Resource& resource, const std::vector<sdk::Write>& writes,
                                   size_t* failed_index) {
  Status s = CheckResource(resource);
  if (!s.ok()) return Status::Error(s.code, "invalid write batch: " + s.message);
  for (size_t i = 0; i < writes.size(); ++i) {
    if (writes[i].op != PEDIA_STORAGE_WRITE_UPSERT && writes[i].op != PEDIA_STORAGE_WRITE_DELETE) {
      s = Status::Error(kInvalid, "unknown write operation " + std::to_string(writes[i].op));
    } else {
      s = CheckObject(writes[i]);
    }
    if (!s.ok()) {
      if (failed_index) *failed_index = i;
      return Status::Error(s.code, "invalid object " + std::string(writes[i].object.namespace_name) + "/" +
                                       std::string(writes[i].object.name) + " at index " + std::to_string(i) + ": " +
                                       s.message);
    }
  }
  if (writes.empty()) return Status::Ok();
  return pool_->Run([&](Connection& conn) {
    return InTransaction(conn, [&]() -> Status {
      // Consecutive writes of one kind form a run; runs apply in order.
      size_t begin = 0;
      while (begin < writes.size()) {
        size_t end = begin;
        while (end < writes.size() && writes[end].op == writes[begin].op) ++end;
        Status rs = writes[begin].op == PEDIA_STORAGE_WRITE_UPSERT ? UpsertRun(conn, resource, writes, begin, end)
                                                                   : DeleteRun(conn, resource, writes, begin, end);
        if (!rs.ok()) return rs;
        begin = end;
      }
      return Status::Ok();
    });
  });
}

Status RelationalLayer::List(const sdk::Query& query, const sdk::RowSink& sink) {
  ListPosition position;
  Status s = ParseContinueToken(query, &position);
  if (!s.ok()) return s;
  if (query.limit < 0) return Status::Error(kInvalid, "limit must not be negative");
  const int64_t page = query.limit;
  SqlStatement st;
  s = BuildListQuery(query, position, page > 0 ? page + 1 : 0, false, &st);
  if (!s.ok()) return s;
  const bool metadata_only = (query.flags & PEDIA_STORAGE_QUERY_ONLY_METADATA) != 0;

  int64_t emitted = 0;
  bool more = false;
  bool stopped = false;
  sdk::ListSummary summary;
  s = pool_->Run(
      [&](Connection& conn) {
        return conn.Query(st.sql, st.params, [&](const ResultRow& row) {
          if (page > 0 && emitted == page) {
            more = true;
            return false;
          }
          sdk::Row out;
          out.cluster = row.Text(kColCluster);
          out.gvr = {row.Text(kColGroup), row.Text(kColVersion), row.Text(kColResource)};
          out.kind = row.Text(kColKind);
          out.namespace_name = row.Text(kColNamespace);
          out.name = row.Text(kColName);
          out.resource_version = row.Text(kColResourceVersion);
          out.object = row.Text(kColObject);
          out.metadata_only = metadata_only;
          ++emitted;
          if (page > 0 && emitted == page) summary.continue_token = MakeContinueToken(query, row);
          if (!sink.Emit(out)) {
            stopped = true;
            return false;
          }
          return true;
        });
      },
      [&] { return emitted == 0; });
  if (!s.ok()) return s;
  if (!more || stopped) summary.continue_token.clear();
  if (query.flags & PEDIA_STORAGE_QUERY_REMAINING_COUNT) {
    summary.has_remaining_count = true;
    if (more) {
      SqlStatement count;
      s = BuildListQuery(query, position, 0, true, &count);
      int64_t total = 0;
      if (s.ok()) {
        s = pool_->Run([&](Connection& conn) {
          return conn.Query(count.sql, count.params, [&](const ResultRow& row) {
            total = row.Int(0);
            return true;
          });
        });
      }
      if (!s.ok()) return s;
      // An offset position counts from the start; a keyset one from the position.
      summary.remaining_count = total - (position.is_offset ? position.offset : 0) - emitted;
    }
  }
  sink.Done(summary);
  return Status::Ok();
}

Status RelationalLayer::Get(std::string_view cluster, const sdk::Gvr& gvr, std::string_view namespace_name,
                            std::string_view name, const sdk::RowSink& sink) {
  SqlStatement st = BuildGetQuery(cluster, gvr, namespace_name, name);
  bool found = false;
  Status s = pool_->Run(
      [&](Connection& conn) {
        return conn.Query(st.sql, st.params, [&](const ResultRow& row) {
          found = true;
          sdk::Row out;
          out.cluster = row.Text(kColCluster);
          out.gvr = {row.Text(kColGroup), row.Text(kColVersion), row.Text(kColResource)};
          out.kind = row.Text(kColKind);
          out.namespace_name = row.Text(kColNamespace);
          out.name = row.Text(kColName);
          out.resource_version = row.Text(kColResourceVersion);
          out.object = row.Text(kColObject);
          sink.Emit(out);
          return false;
        });
      },
      [&] { return !found; });
  if (!s.ok()) return s;
  if (!found) {
    return Status::Error(PEDIA_STORAGE_NOT_FOUND, std::string(gvr.resource) + " \"" + std::string(name) +
                                                      "\" not found in cluster \"" + std::string(cluster) + "\"");
  }
  return Status::Ok();
}

Status RelationalLayer::ResourceVersions(std::string_view cluster, const sdk::RvSink& sink) {
  bool any = false;
  return pool_->Run(
      [&](Connection& conn) {
        return conn.Query(
            "SELECT `group`, version, resource, namespace, name, resource_version FROM resources WHERE cluster = ?",
            {SqlValue::Str(cluster)}, [&](const ResultRow& row) {
              any = true;
              sink.Entry({row.Text(0), row.Text(1), row.Text(2)}, row.Text(3), row.Text(4), row.Text(5));
              return true;
            });
      },
      [&] { return !any; });
}

Status RelationalLayer::CleanCluster(std::string_view cluster) {
  return pool_->Run([&](Connection& conn) {
    return InTransaction(conn, [&] {
      Status s =
          conn.Execute("DELETE l FROM resource_labels l JOIN resources r ON l.resource_id = r.id WHERE r.cluster = ?",
                       {SqlValue::Str(cluster)});
      if (s.ok()) s = conn.Execute("DELETE FROM resources WHERE cluster = ?", {SqlValue::Str(cluster)});
      return s;
    });
  });
}

Status RelationalLayer::CleanResource(std::string_view cluster, const sdk::Gvr& gvr) {
  return pool_->Run([&](Connection& conn) {
    return InTransaction(conn, [&] {
      std::vector<SqlValue> key = {SqlValue::Str(cluster), SqlValue::Str(gvr.group), SqlValue::Str(gvr.version),
                                   SqlValue::Str(gvr.resource)};
      Status s = conn.Execute(
          "DELETE l FROM resource_labels l JOIN resources r ON l.resource_id = r.id WHERE r.cluster = ? AND "
          "r.`group` = ? AND r.version = ? AND r.resource = ?",
          key);
      if (s.ok()) {
        s = conn.Execute("DELETE FROM resources WHERE cluster = ? AND `group` = ? AND version = ? AND resource = ?",
                         key);
      }
      return s;
    });
  });
}

Status RelationalLayer::PutCluster(std::string_view name, std::string_view record_json) {
  if (name.empty() || name.size() > 253) return Status::Error(kInvalid, "cluster name must have 1 to 253 bytes");
  return pool_->Run([&](Connection& conn) {
    return conn.Execute(
        "INSERT INTO cluster_status (name, record) VALUES (?, ?) ON DUPLICATE KEY UPDATE record = VALUES(record)",
        {SqlValue::Str(name), SqlValue::Str(record_json)});
  });
}

Status RelationalLayer::DeleteCluster(std::string_view name) {
  return pool_->Run([&](Connection& conn) {
    return conn.Execute("DELETE FROM cluster_status WHERE name = ?", {SqlValue::Str(name)});
  });
}

Status RelationalLayer::ListClusters(const sdk::ClusterSink& sink) {
  bool any = false;
  return pool_->Run(
      [&](Connection& conn) {
        return conn.Query("SELECT name, record FROM cluster_status ORDER BY name", {}, [&](const ResultRow& row) {
          any = true;
          sink.Cluster(row.Text(0), row.Text(1));
          return true;
        });
      },
      [&] { return !any; });
}

}  // namespace pedia::relational
