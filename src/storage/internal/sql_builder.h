// Translates storage queries into SQL text plus bound parameters.
//
// The SQL text holds only fixed fragments chosen from whitelists (column
// names, operators, placeholder lists); every value, JSON path and LIKE
// pattern is a bound parameter.  Pure functions: no connection needed, so the
// builder is unit-tested without a server.
#ifndef PEDIA_STORAGE_INTERNAL_SQL_BUILDER_H_
#define PEDIA_STORAGE_INTERNAL_SQL_BUILDER_H_

#include <deque>
#include <pedia/storage_plugin.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "storage/internal/mysql_connection.h"

namespace pedia::relational {

/// A statement and its parameters.  params may point into owned.
struct SqlStatement {
  std::string sql;
  std::vector<SqlValue> params;
  std::deque<std::string> owned;  // stable addresses for computed values

  void Bind(std::string_view v) { params.push_back(SqlValue::Str(v)); }
  void BindOwned(std::string v) { params.push_back(SqlValue::Str(owned.emplace_back(std::move(v)))); }
  void BindInt(int64_t v) { params.push_back(SqlValue::Int(v)); }
};

/// "?, ?, ?" with n placeholders.
std::string Placeholders(size_t n);

/// Column positions of a list/get row (ListColumns below).
enum ListColumn {
  kColId = 0,
  kColCluster,
  kColGroup,
  kColVersion,
  kColResource,
  kColKind,
  kColNamespace,
  kColName,
  kColResourceVersion,
  kColCreation,
  kColRvNum,
  kColObject,
  kListColumnCount
};

/// Where a list resumes: parsed from a continue token.
struct ListPosition {
  bool is_offset = false;
  int64_t offset = 0;
  // Keyset: the last row's order-key values (as text) and id.
  std::vector<std::string> values;
  int64_t id = 0;
};

/// Parses a continue token of query (an integer offset or a token made by
/// MakeContinueToken for the same order).  INVALID_ARGUMENT otherwise.
sdk::Status ParseContinueToken(const sdk::Query& query, ListPosition* out);

/// The token resuming after row (whose columns are ListColumn).
std::string MakeContinueToken(const sdk::Query& query, const ResultRow& row);

/// Builds the list query.  fetch_limit is the LIMIT to apply (0: none); the
/// layer asks one more row than the page to learn whether more remain.
/// With count_only the statement is SELECT COUNT(*) over the same filters
/// and position (for remaining counts).
sdk::Status BuildListQuery(const sdk::Query& query, const ListPosition& position, int64_t fetch_limit, bool count_only,
                           SqlStatement* out);

/// Builds the get query (ListColumn columns, full object).
SqlStatement BuildGetQuery(std::string_view cluster, const sdk::Gvr& gvr, std::string_view ns, std::string_view name);

/// The JSON path '$."a"."b"' for field path segments; INVALID_ARGUMENT for
/// list segments ("[]", "[N]").
sdk::Status JsonPath(const std::vector<std::string_view>& segments, std::string* out);

}  // namespace pedia::relational

#endif  // PEDIA_STORAGE_INTERNAL_SQL_BUILDER_H_
