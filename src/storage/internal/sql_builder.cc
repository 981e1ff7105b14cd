#include "storage/internal/sql_builder.h"

#include <cctype>
#include <cstdlib>

namespace pedia::relational {
namespace {

using sdk::Status;

constexpr uint32_t kInvalid = PEDIA_STORAGE_INVALID_ARGUMENT;
constexpr std::string_view kTokenPrefix = "k1.";

const char* kSelectColumns =
    "r.id, r.cluster, r.`group`, r.version, r.resource, r.kind, r.namespace, r.name, r.resource_version, "
    "r.creation_unix_ms, r.rv_num, ";

// The order-by whitelist: field -> (column, the ListColumn holding its value, numeric).
struct OrderColumn {
  const char* sql;  // the column, without a table alias
  ListColumn column;
  bool numeric;
};

bool OrderColumnFor(uint32_t field, OrderColumn* out) {
  switch (field) {
    case PEDIA_STORAGE_ORDER_CLUSTER:
      *out = {"cluster", kColCluster, false};
      return true;
    case PEDIA_STORAGE_ORDER_NAMESPACE:
      *out = {"namespace", kColNamespace, false};
      return true;
    case PEDIA_STORAGE_ORDER_NAME:
      *out = {"name", kColName, false};
      return true;
    case PEDIA_STORAGE_ORDER_CREATED_AT:
      *out = {"creation_unix_ms", kColCreation, true};
      return true;
    case PEDIA_STORAGE_ORDER_RESOURCE_VERSION:
      *out = {"rv_num", kColRvNum, true};
      return true;
    default:
      return false;
  }
}

// The query's order, then cluster, namespace and name as tie-breakers (and
// the default order), as the memory layer does; the row id comes last.
std::vector<sdk::OrderBy> EffectiveOrder(const sdk::Query& q) {
  std::vector<sdk::OrderBy> order = q.order_by;
  for (uint32_t field : {PEDIA_STORAGE_ORDER_CLUSTER, PEDIA_STORAGE_ORDER_NAMESPACE, PEDIA_STORAGE_ORDER_NAME}) {
    bool present = false;
    for (const auto& o : q.order_by) present = present || o.field == field;
    if (!present) order.push_back({field, false});
  }
  return order;
}

// The order signature embedded in tokens, so a token is refused by a query
// ordered differently: "2a.4d".
std::string OrderSignature(const sdk::Query& q) {
  std::string sig;
  for (const auto& o : q.order_by) {
    if (!sig.empty()) sig += '.';
    sig += std::to_string(o.field) + (o.descending ? "d" : "a");
  }
  return sig;
}

constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string Base64Url(std::string_view in) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : in) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kB64[(acc >> bits) & 63];
    }
  }
  if (bits > 0) out += kB64[(acc << (6 - bits)) & 63];
  return out;
}

bool UnBase64Url(std::string_view in, std::string* out) {
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    const char* p = std::strchr(kB64, c);
    if (!p || c == '\0') return false;
    acc = (acc << 6) | static_cast<uint32_t>(p - kB64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      *out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return true;
}

bool ParseInt(std::string_view s, int64_t* out) {
  if (s.empty() || s.size() > 19) return false;
  size_t i = s[0] == '-' ? 1 : 0;
  if (i == s.size()) return false;
  for (size_t k = i; k < s.size(); ++k)
    if (!std::isdigit(static_cast<unsigned char>(s[k]))) return false;
  *out = std::strtoll(std::string(s).c_str(), nullptr, 10);
  return true;
}

// Appends "col IN (?, ...)" (or "= ?") for a non-empty value list.
void AppendIn(SqlStatement* st, std::string_view column, const std::vector<std::string_view>& values) {
  st->sql += " AND ";
  st->sql += column;
  if (values.size() == 1) {
    st->sql += " = ?";
  } else {
    st->sql += " IN (" + Placeholders(values.size()) + ")";
  }
  for (auto v : values) st->Bind(v);
}

std::string LikeEscape(std::string_view v) {
  std::string out = "%";
  for (char c : v) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out + "%";
}

Status LabelCondition(const sdk::Requirement& r, SqlStatement* st) {
  const std::string sub = "SELECT l.resource_id FROM resource_labels l WHERE l.label_key = ?";
  const std::string correlated = "SELECT 1 FROM resource_labels l WHERE l.resource_id = r.id AND l.label_key = ?";
  switch (r.op) {
    case PEDIA_STORAGE_OP_EXISTS:
      st->sql += " AND r.id IN (" + sub + ")";
      st->Bind(r.key);
      return Status::Ok();
    case PEDIA_STORAGE_OP_DOES_NOT_EXIST:
      st->sql += " AND NOT EXISTS (" + correlated + ")";
      st->Bind(r.key);
      return Status::Ok();
    case PEDIA_STORAGE_OP_EQUALS:
    case PEDIA_STORAGE_OP_IN:
      if (r.values.empty()) {
        st->sql += " AND 1 = 0";
        return Status::Ok();
      }
      st->sql += " AND r.id IN (" + sub + " AND l.label_value IN (" + Placeholders(r.values.size()) + "))";
      st->Bind(r.key);
      for (auto v : r.values) st->Bind(v);
      return Status::Ok();
    case PEDIA_STORAGE_OP_NOT_EQUALS:
    case PEDIA_STORAGE_OP_NOT_IN:
      if (r.values.empty()) return Status::Ok();
      st->sql += " AND NOT EXISTS (" + correlated + " AND l.label_value IN (" + Placeholders(r.values.size()) + "))";
      st->Bind(r.key);
      for (auto v : r.values) st->Bind(v);
      return Status::Ok();
    case PEDIA_STORAGE_OP_GREATER_THAN:
    case PEDIA_STORAGE_OP_LESS_THAN: {
      int64_t bound = 0;
      if (r.values.size() != 1 || !ParseInt(r.values[0], &bound)) {
        return Status::Error(kInvalid, "label selector " + std::string(r.key) + ": gt and lt need one integer value");
      }
      st->sql += " AND r.id IN (" + sub +
                 " AND l.label_value REGEXP '^-?[0-9]{1,18}$' AND CAST(l.label_value AS SIGNED) " +
                 (r.op == PEDIA_STORAGE_OP_GREATER_THAN ? ">" : "<") + " ?)";
      st->Bind(r.key);
      st->BindInt(bound);
      return Status::Ok();
    }
    default:
      return Status::Error(kInvalid,
                           "label selector " + std::string(r.key) + ": unknown operator " + std::to_string(r.op));
  }
}

// A field path that is also a column is compared on the column (indexed).
const char* FieldColumn(const std::vector<std::string_view>& path) {
  if (path.size() != 2 || path[0] != "metadata") return nullptr;
  if (path[1] == "name") return "r.name";
  if (path[1] == "namespace") return "r.namespace";
  if (path[1] == "uid") return "r.uid";
  return nullptr;
}

// A path through "[]" selects many values: the requirement holds when any of
// them matches (NOT_EQUALS/NOT_IN: when none does), as in the memory layer.
// JSON_TABLE turns the extracted array into rows; its column is compared
// byte-wise like every other value.
Status ListFieldCondition(const sdk::Requirement& r, const std::string& path, SqlStatement* st) {
  const std::string any =
      "EXISTS (SELECT 1 FROM JSON_TABLE(JSON_EXTRACT(r.object, ?), '$[*]' COLUMNS (v LONGTEXT CHARACTER SET utf8mb4 "
      "COLLATE utf8mb4_bin PATH '$')) jt WHERE ";
  switch (r.op) {
    case PEDIA_STORAGE_OP_EXISTS:
    case PEDIA_STORAGE_OP_DOES_NOT_EXIST:
      st->sql +=
          std::string(" AND JSON_EXTRACT(r.object, ?) IS ") + (r.op == PEDIA_STORAGE_OP_EXISTS ? "NOT NULL" : "NULL");
      st->BindOwned(path);
      return Status::Ok();
    case PEDIA_STORAGE_OP_EQUALS:
    case PEDIA_STORAGE_OP_IN:
    case PEDIA_STORAGE_OP_NOT_EQUALS:
    case PEDIA_STORAGE_OP_NOT_IN: {
      bool negated = r.op == PEDIA_STORAGE_OP_NOT_EQUALS || r.op == PEDIA_STORAGE_OP_NOT_IN;
      if (r.values.empty()) {
        st->sql += negated ? "" : " AND 1 = 0";
        return Status::Ok();
      }
      st->sql +=
          std::string(" AND ") + (negated ? "NOT " : "") + any + "jt.v IN (" + Placeholders(r.values.size()) + "))";
      st->BindOwned(path);
      for (auto v : r.values) st->Bind(v);
      return Status::Ok();
    }
    case PEDIA_STORAGE_OP_GREATER_THAN:
    case PEDIA_STORAGE_OP_LESS_THAN: {
      int64_t bound = 0;
      if (r.values.size() != 1 || !ParseInt(r.values[0], &bound)) {
        return Status::Error(kInvalid, "field selector: gt and lt need one integer value");
      }
      st->sql += " AND " + any + "jt.v REGEXP '^-?[0-9]{1,18}$' AND CAST(jt.v AS SIGNED) " +
                 (r.op == PEDIA_STORAGE_OP_GREATER_THAN ? ">" : "<") + " ?)";
      st->BindOwned(path);
      st->BindInt(bound);
      return Status::Ok();
    }
    default:
      return Status::Error(kInvalid, "field selector: unknown operator " + std::to_string(r.op));
  }
}

Status FieldCondition(const sdk::Requirement& r, SqlStatement* st) {
  std::string path;
  Status s = JsonPath(r.path, &path);
  if (!s.ok()) return s;
  for (auto seg : r.path) {
    if (seg == "[]") return ListFieldCondition(r, path, st);
  }
  const char* column = FieldColumn(r.path);
  // Exists/does-not-exist of a column field is trivially true/false.
  std::string value_expr = column ? column : "JSON_UNQUOTE(JSON_EXTRACT(r.object, ?))";
  std::string exists_expr = column ? "1" : "JSON_EXTRACT(r.object, ?) IS NOT NULL";
  std::string missing_expr = column ? "0" : "JSON_EXTRACT(r.object, ?) IS NULL";
  auto bind_path = [&] {
    if (!column) st->BindOwned(path);
  };
  switch (r.op) {
    case PEDIA_STORAGE_OP_EXISTS:
      st->sql += " AND " + exists_expr;
      bind_path();
      return Status::Ok();
    case PEDIA_STORAGE_OP_DOES_NOT_EXIST:
      st->sql += " AND " + missing_expr;
      bind_path();
      return Status::Ok();
    case PEDIA_STORAGE_OP_EQUALS:
    case PEDIA_STORAGE_OP_IN:
      if (r.values.empty()) {
        st->sql += " AND 1 = 0";
        return Status::Ok();
      }
      st->sql += " AND " + value_expr + " IN (" + Placeholders(r.values.size()) + ")";
      bind_path();
      for (auto v : r.values) st->Bind(v);
      return Status::Ok();
    case PEDIA_STORAGE_OP_NOT_EQUALS:
    case PEDIA_STORAGE_OP_NOT_IN:
      if (r.values.empty()) return Status::Ok();
      st->sql += " AND (" + missing_expr + " OR " + value_expr + " NOT IN (" + Placeholders(r.values.size()) + "))";
      bind_path();
      bind_path();
      for (auto v : r.values) st->Bind(v);
      return Status::Ok();
    case PEDIA_STORAGE_OP_GREATER_THAN:
    case PEDIA_STORAGE_OP_LESS_THAN: {
      int64_t bound = 0;
      if (r.values.size() != 1 || !ParseInt(r.values[0], &bound)) {
        return Status::Error(kInvalid, "field selector: gt and lt need one integer value");
      }
      st->sql += " AND (" + value_expr + " REGEXP '^-?[0-9]{1,18}$' AND CAST(" + value_expr + " AS SIGNED) " +
                 (r.op == PEDIA_STORAGE_OP_GREATER_THAN ? ">" : "<") + " ?)";
      bind_path();
      bind_path();
      st->BindInt(bound);
      return Status::Ok();
    }
    default:
      return Status::Error(kInvalid, "field selector: unknown operator " + std::to_string(r.op));
  }
}

// The owner filter of clusterpedia-spec §3.1 (only with exactly one cluster).
//
// A direct owner uid is a condition on the (cluster, owner_uid) index.  Every
// other form (an owner name, a seniority above 0) first finds the owners'
// uids generation by generation, each a join on that index, and drives the
// query from that small set: as nested IN subqueries, MariaDB would rather
// scan the whole cluster and probe the set (bench/README.md).
bool OwnerIsDirectUid(const sdk::Query& q) { return !q.owner_uid.empty() && q.owner_seniority <= 0; }

bool HasOwnerFilter(const sdk::Query& q) {
  return q.clusters.size() == 1 && (!q.owner_uid.empty() || !q.owner_name.empty());
}

// " FROM (<uids of the objects whose children we want>) o STRAIGHT_JOIN resources r ON ...".
std::string OwnerFrom(const sdk::Query& q, SqlStatement* st) {
  const std::string_view cluster = q.clusters[0];
  std::string level;  // selects uid
  int32_t generations = q.owner_seniority;
  if (!q.owner_uid.empty()) {
    // The owner's children are the first generation.
    level = "SELECT g0.uid FROM resources g0 WHERE g0.cluster = ? AND g0.owner_uid = ?";
    st->Bind(cluster);
    st->Bind(q.owner_uid);
    --generations;
  } else {
    level = "SELECT g0.uid FROM resources g0 WHERE g0.cluster = ?";
    st->Bind(cluster);
    if (!q.owner_group.empty() || !q.owner_resource.empty()) {
      level += " AND g0.`group` = ? AND g0.resource = ?";
      st->Bind(q.owner_group);
      st->Bind(q.owner_resource);
    }
    if (!q.namespaces.empty()) {
      level += " AND g0.namespace IN (" + Placeholders(q.namespaces.size() + 1) + ")";
      for (auto ns : q.namespaces) st->Bind(ns);
      st->Bind("");  // cluster-scoped owners
    }
    level += " AND g0.name = ?";
    st->Bind(q.owner_name);
  }
  // Parameters are bound in text order, and each generation wraps the last:
  // the wrapper's only parameter (the cluster) comes after the inner ones.
  for (int32_t g = 1; g <= generations; ++g) {
    std::string p = "p" + std::to_string(g), c = "g" + std::to_string(g);
    level = "SELECT DISTINCT " + c + ".uid FROM (" + level + ") " + p + " STRAIGHT_JOIN resources " + c + " ON " + c +
            ".cluster = ? AND " + c + ".owner_uid = " + p + ".uid";
    st->Bind(cluster);
  }
  st->Bind(cluster);
  return " FROM (" + level + ") o STRAIGHT_JOIN resources r ON r.cluster = ? AND r.owner_uid = o.uid";
}

// rows after position: (k1 > v1) OR (k1 = v1 AND k2 > v2) ... OR (all equal AND id > last id).
// alias is the table whose columns are compared ("r." or "d."), id_column the row id.
void KeysetCondition(const sdk::Query& query, const ListPosition& pos, const std::string& alias,
                     const std::string& id_column, SqlStatement* st) {
  std::string expr;
  const std::vector<sdk::OrderBy> order = EffectiveOrder(query);
  size_t n = order.size();
  for (size_t i = 0; i <= n; ++i) {
    if (!expr.empty()) expr += " OR ";
    expr += "(";
    for (size_t j = 0; j < i; ++j) {
      OrderColumn c{};
      OrderColumnFor(order[j].field, &c);
      expr += alias + c.sql + " = ? AND ";
      if (c.numeric)
        st->BindInt(std::strtoll(pos.values[j].c_str(), nullptr, 10));
      else
        st->Bind(pos.values[j]);
    }
    if (i < n) {
      OrderColumn c{};
      OrderColumnFor(order[i].field, &c);
      expr += alias + c.sql + (order[i].descending ? " < ?" : " > ?");
      if (c.numeric)
        st->BindInt(std::strtoll(pos.values[i].c_str(), nullptr, 10));
      else
        st->Bind(pos.values[i]);
    } else {
      expr += id_column + " > ?";
      st->BindInt(pos.id);
    }
    expr += ")";
  }
  st->sql += " AND (" + expr + ")";
}

}  // namespace

std::string Placeholders(size_t n) {
  std::string out;
  out.reserve(n * 3);
  for (size_t i = 0; i < n; ++i) out += i ? ", ?" : "?";
  return out;
}

Status JsonPath(const std::vector<std::string_view>& segments, std::string* out) {
  std::string path = "$";
  for (auto seg : segments) {
    if (!seg.empty() && seg.front() == '[') {
      // "[]" is any element, "[N]" element N.
      bool index = seg.size() > 2 && seg.back() == ']' && seg.size() <= 12;
      for (size_t i = 1; index && i + 1 < seg.size(); ++i) index = std::isdigit(static_cast<unsigned char>(seg[i]));
      if (seg == "[]") {
        path += "[*]";
      } else if (index) {
        path += seg;
      } else {
        return Status::Error(kInvalid, "field selector: bad list segment \"" + std::string(seg) +
                                           "\"\nHINT: use [] for any element or [N] for element N");
      }
      continue;
    }
    path += ".\"";
    for (char c : seg) {
      if (c == '"' || c == '\\') path += '\\';
      path += c;
    }
    path += '"';
  }
  *out = std::move(path);
  return Status::Ok();
}

Status ParseContinueToken(const sdk::Query& query, ListPosition* out) {
  *out = ListPosition{};
  std::string_view token = query.continue_token;
  if (token.empty()) return Status::Ok();
  int64_t offset = 0;
  if (ParseInt(token, &offset)) {
    if (offset < 0) return Status::Error(kInvalid, "continue offset must not be negative");
    out->is_offset = true;
    out->offset = offset;
    return Status::Ok();
  }
  std::string shown(token.substr(0, 100));
  for (char& c : shown)
    if (static_cast<unsigned char>(c) < 0x20) c = '?';
  const Status bad =
      Status::Error(kInvalid, "invalid continue token \"" + shown +
                                  "\"\nHINT: pass the token of the previous page unchanged, with the same "
                                  "query, or an integer offset");
  if (token.substr(0, kTokenPrefix.size()) != kTokenPrefix) return bad;
  std::string decoded;
  if (!UnBase64Url(token.substr(kTokenPrefix.size()), &decoded)) return bad;
  // signature \x1f v1 \x1f ... \x1f id
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t sep = decoded.find('\x1f', start);
    parts.push_back(decoded.substr(start, sep == std::string::npos ? std::string::npos : sep - start));
    if (sep == std::string::npos) break;
    start = sep + 1;
  }
  const std::vector<sdk::OrderBy> order = EffectiveOrder(query);
  if (parts.size() != order.size() + 2 || parts[0] != OrderSignature(query)) return bad;
  if (!ParseInt(parts.back(), &out->id)) return bad;
  for (size_t i = 0; i < order.size(); ++i) {
    OrderColumn c{};
    if (!OrderColumnFor(order[i].field, &c)) return bad;
    int64_t ignored = 0;
    if (c.numeric && !ParseInt(parts[i + 1], &ignored)) return bad;
    out->values.push_back(parts[i + 1]);
  }
  return Status::Ok();
}

std::string MakeContinueToken(const sdk::Query& query, const ResultRow& row) {
  std::string raw = OrderSignature(query);
  for (const auto& o : EffectiveOrder(query)) {
    OrderColumn c{};
    OrderColumnFor(o.field, &c);
    raw += '\x1f';
    raw += row.Text(c.column);
  }
  raw += '\x1f';
  raw += row.Text(kColId);
  return std::string(kTokenPrefix) + Base64Url(raw);
}

Status BuildListQuery(const sdk::Query& q, const ListPosition& position, int64_t fetch_limit, bool count_only,
                      SqlStatement* out) {
  SqlStatement st;
  for (const auto& o : q.order_by) {
    OrderColumn c{};
    if (!OrderColumnFor(o.field, &c)) {
      return Status::Error(kInvalid, "unknown order-by field " + std::to_string(o.field) +
                                         "\nHINT: order by cluster, namespace, name, created_at or resource_version");
    }
  }
  // The driving label: with the default order, a full GVR and a label
  // equality, rows are read from the labels index in page order
  // (idx_label_order: key, value, GVR, cluster, namespace, name, id), so a
  // page costs O(limit) however many objects match (bench/README.md).
  const bool owner_from = HasOwnerFilter(q) && !OwnerIsDirectUid(q);
  const sdk::Requirement* driver = nullptr;
  if (!owner_from && q.order_by.empty() && !q.gvr.resource.empty() && !q.gvr.version.empty()) {
    for (const auto& r : q.labels) {
      if ((r.op == PEDIA_STORAGE_OP_EQUALS || r.op == PEDIA_STORAGE_OP_IN) && r.values.size() == 1) {
        driver = &r;
        break;
      }
    }
  }
  st.sql = count_only ? "SELECT COUNT(*)"
                      : std::string("SELECT ") + kSelectColumns +
                            ((q.flags & PEDIA_STORAGE_QUERY_ONLY_METADATA) ? "JSON_EXTRACT(r.object, '$.metadata')"
                                                                           : "r.object");
  if (owner_from) {
    st.sql += OwnerFrom(q, &st);
  } else if (driver) {
    st.sql += " FROM resource_labels d STRAIGHT_JOIN resources r ON r.id = d.resource_id";
  } else {
    st.sql += " FROM resources r";
  }
  st.sql += " WHERE 1 = 1";
  if (driver) {
    st.sql += " AND d.label_key = ? AND d.label_value = ? AND d.`group` = ? AND d.resource = ? AND d.version = ?";
    for (auto v : {driver->key, driver->values[0], q.gvr.group, q.gvr.resource, q.gvr.version}) st.Bind(v);
    if (!q.clusters.empty()) AppendIn(&st, "d.cluster", q.clusters);
  } else if (!q.gvr.resource.empty()) {
    // An empty resource means every resource; an empty version every version.
    st.sql += " AND r.`group` = ? AND r.resource = ?";
    st.Bind(q.gvr.group);
    st.Bind(q.gvr.resource);
    if (!q.gvr.version.empty()) {
      st.sql += " AND r.version = ?";
      st.Bind(q.gvr.version);
    }
  }
  if (!q.clusters.empty() && !driver) AppendIn(&st, "r.cluster", q.clusters);
  if (!q.namespaces.empty()) AppendIn(&st, "r.namespace", q.namespaces);
  if (!q.names.empty()) AppendIn(&st, "r.name", q.names);
  for (auto fuzzy : q.fuzzy_names) {
    st.sql += " AND r.name LIKE ?";
    st.BindOwned(LikeEscape(fuzzy));
  }
  if (q.since_unix_ms != PEDIA_STORAGE_NO_TIME) {
    st.sql += " AND r.creation_unix_ms >= ?";
    st.BindInt(q.since_unix_ms);
  }
  if (q.before_unix_ms != PEDIA_STORAGE_NO_TIME) {
    st.sql += " AND r.creation_unix_ms < ?";
    st.BindInt(q.before_unix_ms);
  }
  for (const auto& r : q.labels) {
    if (&r == driver) continue;
    Status s = LabelCondition(r, &st);
    if (!s.ok()) return s;
  }
  for (const auto& r : q.fields) {
    Status s = FieldCondition(r, &st);
    if (!s.ok()) return s;
  }
  if (HasOwnerFilter(q) && OwnerIsDirectUid(q)) {
    st.sql += " AND r.owner_uid = ?";
    st.Bind(q.owner_uid);
  }
  const std::string alias = driver ? "d." : "r.";
  const std::string id_column = driver ? "d.resource_id" : "r.id";
  if (!position.is_offset && position.id > 0) KeysetCondition(q, position, alias, id_column, &st);
  if (!count_only) {
    st.sql += " ORDER BY ";
    for (const auto& o : EffectiveOrder(q)) {
      OrderColumn c{};
      OrderColumnFor(o.field, &c);
      st.sql += alias + c.sql + (o.descending ? " DESC, " : ", ");
    }
    st.sql += id_column;
    if (fetch_limit > 0) {
      st.sql += " LIMIT ?";
      st.BindInt(fetch_limit);
    }
    if (position.is_offset && position.offset > 0) {
      if (fetch_limit <= 0) {
        st.sql += " LIMIT 18446744073709551615";  // MySQL's idiom for OFFSET without LIMIT
      }
      st.sql += " OFFSET ?";
      st.BindInt(position.offset);
    }
  }
  *out = std::move(st);
  return Status::Ok();
}

SqlStatement BuildGetQuery(std::string_view cluster, const sdk::Gvr& gvr, std::string_view ns, std::string_view name) {
  SqlStatement st;
  st.sql = std::string("SELECT ") + kSelectColumns +
           "r.object FROM resources r WHERE r.cluster = ? AND r.`group` = ? AND r.version = ? AND r.resource = ? "
           "AND r.namespace = ? AND r.name = ? LIMIT 1";
  for (auto v : {cluster, gvr.group, gvr.version, gvr.resource, ns, name}) st.Bind(v);
  return st;
}

}  // namespace pedia::relational
