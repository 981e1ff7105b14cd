#include "storage/internal/sql_builder.h"

#include <algorithm>

#include "catch.h"

namespace pedia::relational {
namespace {

size_t CountPlaceholders(const std::string& sql) {
  return static_cast<size_t>(std::count(sql.begin(), sql.end(), '?'));
}

sdk::Query PodQuery() {
  sdk::Query q;
  q.gvr = {"", "v1", "pods"};
  return q;
}

TEST_CASE("every value of a list query is a bound parameter, never SQL text", "[mariadb]") {
  const std::string evil = "x' OR '1'='1'; DROP TABLE resources; --";
  sdk::Query q = PodQuery();
  q.clusters = {evil, "c2"};
  q.namespaces = {evil};
  q.names = {evil};
  q.fuzzy_names = {evil};
  sdk::Requirement label;
  label.key = evil;
  label.op = PEDIA_STORAGE_OP_IN;
  label.values = {evil, "b"};
  sdk::Requirement not_label = label;
  not_label.op = PEDIA_STORAGE_OP_NOT_IN;
  q.labels = {label, not_label};
  sdk::Requirement field;
  field.path = {"spec", evil};
  field.op = PEDIA_STORAGE_OP_NOT_EQUALS;
  field.values = {evil};
  q.fields = {field};
  q.owner_name = evil;
  q.owner_group = "apps";
  q.owner_resource = "replicasets";
  q.owner_seniority = 2;
  q.clusters = {evil};
  q.since_unix_ms = 1000;
  q.order_by = {{PEDIA_STORAGE_ORDER_NAME, true}};
  SqlStatement st;
  REQUIRE(BuildListQuery(q, {}, 501, false, &st).ok());
  CHECK(st.sql.find("DROP") == std::string::npos);
  CHECK(st.sql.find("'1'") == std::string::npos);
  CHECK(CountPlaceholders(st.sql) == st.params.size());
  // The evil string reaches the server only as parameters.
  size_t evil_params = 0;
  for (const SqlValue& v : st.params)
    if (v.kind == SqlValue::kString && v.text.find("DROP TABLE") != std::string_view::npos) ++evil_params;
  CHECK(evil_params >= 8);

  SqlStatement count;
  REQUIRE(BuildListQuery(q, {}, 0, true, &count).ok());
  CHECK(count.sql.rfind("SELECT COUNT(*)", 0) == 0);
  CHECK(CountPlaceholders(count.sql) == count.params.size());
}

TEST_CASE("label selectors use the labels table, not a JSON scan", "[mariadb]") {
  sdk::Query q = PodQuery();
  sdk::Requirement eq;
  eq.key = "app";
  eq.op = PEDIA_STORAGE_OP_EQUALS;
  eq.values = {"web"};
  q.labels = {eq};
  SqlStatement st;
  // Default order: the equality drives the query from the labels index, in page order.
  REQUIRE(BuildListQuery(q, {}, 501, false, &st).ok());
  CHECK(st.sql.find("FROM resource_labels d STRAIGHT_JOIN resources r ON r.id = d.resource_id WHERE 1 = 1 AND "
                    "d.label_key = ? AND d.label_value = ?") != std::string::npos);
  CHECK(st.sql.find("ORDER BY d.cluster, d.namespace, d.name, d.resource_id LIMIT ?") != std::string::npos);
  // Another order: a semi-join on the same index.
  q.order_by = {{PEDIA_STORAGE_ORDER_CREATED_AT, false}};
  REQUIRE(BuildListQuery(q, {}, 0, false, &st).ok());
  CHECK(st.sql.find(
            "r.id IN (SELECT l.resource_id FROM resource_labels l WHERE l.label_key = ? AND l.label_value IN (?))") !=
        std::string::npos);
  CHECK(st.sql.find("JSON_EXTRACT(r.object, ?)") == std::string::npos);
}

TEST_CASE("field selectors through list elements use JSON_TABLE over the bound path", "[mariadb]") {
  sdk::Query q = PodQuery();
  sdk::Requirement f;
  f.path = {"spec", "containers", "[]", "name"};
  f.op = PEDIA_STORAGE_OP_NOT_IN;
  f.values = {"nginx", "istio"};
  q.fields = {f};
  SqlStatement st;
  REQUIRE(BuildListQuery(q, {}, 0, false, &st).ok());
  CHECK(st.sql.find("AND NOT EXISTS (SELECT 1 FROM JSON_TABLE(JSON_EXTRACT(r.object, ?), '$[*]'") != std::string::npos);
  CHECK(st.params[3].text == "$.\"spec\".\"containers\"[*].\"name\"");
  q.fields[0].path = {"spec", "containers", "[x]", "name"};
  CHECK(BuildListQuery(q, {}, 0, false, &st).code == PEDIA_STORAGE_INVALID_ARGUMENT);
}

TEST_CASE("json paths quote every segment", "[mariadb]") {
  std::string path;
  REQUIRE(JsonPath({"metadata", "annotations", "a.b/c\"d"}, &path).ok());
  CHECK(path == "$.\"metadata\".\"annotations\".\"a.b/c\\\"d\"");
  REQUIRE(JsonPath({"spec", "containers", "[12]", "name"}, &path).ok());
  CHECK(path == "$.\"spec\".\"containers\"[12].\"name\"");
}

TEST_CASE("owner queries drive from the owners' uids, one join per generation", "[mariadb]") {
  sdk::Query q = PodQuery();
  q.clusters = {"c1"};
  q.owner_uid = "uid-1";
  SqlStatement st;
  REQUIRE(BuildListQuery(q, {}, 0, false, &st).ok());
  CHECK(st.sql.find("FROM resources r WHERE") != std::string::npos);
  CHECK(st.sql.find("AND r.owner_uid = ?") != std::string::npos);

  q.owner_seniority = 1;
  REQUIRE(BuildListQuery(q, {}, 0, false, &st).ok());
  CHECK(st.sql.find(" FROM (SELECT g0.uid FROM resources g0 WHERE g0.cluster = ? AND g0.owner_uid = ?) o STRAIGHT_JOIN "
                    "resources r ON r.cluster = ? AND r.owner_uid = o.uid WHERE") != std::string::npos);
  CHECK(CountPlaceholders(st.sql) == st.params.size());

  q.owner_uid = "";
  q.owner_name = "web";
  q.owner_group = "apps";
  q.owner_resource = "deployments";
  q.owner_seniority = 2;
  REQUIRE(BuildListQuery(q, {}, 0, false, &st).ok());
  CHECK(st.sql.find("SELECT DISTINCT g2.uid FROM (SELECT DISTINCT g1.uid FROM (SELECT g0.uid FROM resources g0") !=
        std::string::npos);
  CHECK(CountPlaceholders(st.sql) == st.params.size());
  // The first parameters belong to the innermost generation.
  CHECK(st.params[0].text == "c1");
  CHECK(st.params[1].text == "apps");

  // Ignored without exactly one cluster.
  q.clusters = {"c1", "c2"};
  REQUIRE(BuildListQuery(q, {}, 0, false, &st).ok());
  CHECK(st.sql.find("owner_uid") == std::string::npos);
}

TEST_CASE("continue tokens: integer offsets, keyset tokens bound to their order", "[mariadb]") {
  sdk::Query q = PodQuery();
  q.order_by = {{PEDIA_STORAGE_ORDER_CREATED_AT, true}};
  ListPosition pos;
  q.continue_token = "1500";
  REQUIRE(ParseContinueToken(q, &pos).ok());
  CHECK(pos.is_offset);
  CHECK(pos.offset == 1500);
  SqlStatement st;
  REQUIRE(BuildListQuery(q, pos, 11, false, &st).ok());
  CHECK(st.sql.find("LIMIT ? OFFSET ?") != std::string::npos);

  q.continue_token = "k1.garbage!";
  CHECK(ParseContinueToken(q, &pos).code == PEDIA_STORAGE_INVALID_ARGUMENT);
  q.continue_token = "-5";
  CHECK(ParseContinueToken(q, &pos).code == PEDIA_STORAGE_INVALID_ARGUMENT);

  // A keyset position compares the order key, then the id.
  pos = ListPosition{};
  pos.values = {"1700000000000", "c1", "ns", "name"};
  pos.id = 42;
  q.continue_token = "";
  REQUIRE(BuildListQuery(q, pos, 11, false, &st).ok());
  CHECK(st.sql.find("((r.creation_unix_ms < ?) OR (r.creation_unix_ms = ? AND r.cluster > ?) OR ") !=
        std::string::npos);
  CHECK(st.sql.find("OR (r.creation_unix_ms = ? AND r.cluster = ? AND r.namespace = ? AND r.name = ? AND r.id > ?))") !=
        std::string::npos);
  CHECK(st.sql.find("ORDER BY r.creation_unix_ms DESC, r.cluster, r.namespace, r.name, r.id LIMIT ?") !=
        std::string::npos);

  sdk::Query unknown = PodQuery();
  unknown.order_by = {{99, false}};
  CHECK(BuildListQuery(unknown, {}, 0, false, &st).code == PEDIA_STORAGE_INVALID_ARGUMENT);
}

TEST_CASE("mysql errors map to storage codes", "[mariadb]") {
  for (unsigned recoverable : {2002u, 2003u, 2006u, 2013u, 1205u, 1213u, 1290u, 1836u, 1040u, 1053u})
    CHECK(ClassifyMysqlError(recoverable, {}) == PEDIA_STORAGE_UNAVAILABLE);
  CHECK(ClassifyMysqlError(1062, {}) == PEDIA_STORAGE_ALREADY_EXISTS);
  CHECK(ClassifyMysqlError(1406, {}) == PEDIA_STORAGE_INVALID_ARGUMENT);
  CHECK(ClassifyMysqlError(1146, {}) == PEDIA_STORAGE_INTERNAL);
  CHECK(ClassifyMysqlError(1146, {1146}) == PEDIA_STORAGE_UNAVAILABLE);
  CHECK(IsConnectionError(2013));
  CHECK_FALSE(IsConnectionError(1205));
}

}  // namespace
}  // namespace pedia::relational
