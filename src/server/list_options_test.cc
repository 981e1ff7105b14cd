#include "server/list_options.h"

#include "catch.h"

namespace pedia::server {
namespace {

std::optional<ApiError> Parse(const QueryParams& p, ListOptions* o, ListContext c = {}) {
  return ParseListOptions(p, c, o);
}

}  // namespace

TEST_CASE("URL search parameters fill the storage query", "[server]") {
  ListOptions o;
  auto e = Parse({{"clusters", "c1, c2"},
                  {"namespaces", "a"},
                  {"names", "x,y"},
                  {"orderby", "namespace desc,name"},
                  {"limit", "10"},
                  {"continue", "20"},
                  {"withContinue", "true"},
                  {"onlyMetadata", "1"},
                  {"since", "2024-01-02"},
                  {"before", "1704240000"}},
                 &o);
  REQUIRE_FALSE(e);
  const auto& q = o.query;
  CHECK(q.clusters == std::vector<std::string>{"c1", "c2"});
  CHECK(q.namespaces == std::vector<std::string>{"a"});
  CHECK(q.names == std::vector<std::string>{"x", "y"});
  REQUIRE(q.order_by.size() == 2);
  CHECK(q.order_by[0].field == PEDIA_STORAGE_ORDER_NAMESPACE);
  CHECK(q.order_by[0].descending);
  CHECK(q.order_by[1].field == PEDIA_STORAGE_ORDER_NAME);
  CHECK_FALSE(q.order_by[1].descending);
  CHECK(q.limit == 10);
  CHECK(q.continue_token == "20");
  CHECK(o.with_continue);
  CHECK(q.only_metadata);
  CHECK(q.since_unix_ms == 1704153600000);
  CHECK(q.before_unix_ms == 1704240000000);
}

TEST_CASE("since and before accept the four Clusterpedia formats", "[server]") {
  CHECK(ParseSearchTime("2024-01-02T00:00:00Z").value() == 1704153600000);
  CHECK(ParseSearchTime("2024-01-02T08:00:00+08:00").value() == 1704153600000);
  CHECK(ParseSearchTime("2024-01-02 00:00:00").value() == 1704153600000);
  CHECK(ParseSearchTime("2024-01-02").value() == 1704153600000);
  CHECK(ParseSearchTime("1704153600").value() == 1704153600000);
  CHECK(ParseSearchTime("1704153600123").value() == 1704153600123);
  CHECK_FALSE(ParseSearchTime("12345").ok());
  CHECK_FALSE(ParseSearchTime("yesterday").ok());
  CHECK_FALSE(ParseSearchTime("2024-01-02T00:00:00 08:00").ok());  // an unencoded '+'
}

TEST_CASE("search labels are consumed and the rest is the label selector", "[server]") {
  ListOptions o;
  auto e = Parse({{"labelSelector",
                   "app=web,search.clusterpedia.io/clusters in (c1,c2),search.clusterpedia.io/orderby in "
                   "(namespace_desc,created_at),internalstorage.clusterpedia.io/fuzzy-name=ngin,"
                   "search.clusterpedia.io/limit=5,search.clusterpedia.io/with-continue=true,"
                   "search.clusterpedia.io/since=2024-01-02,other.clusterpedia.io/x=y"}},
                 &o);
  REQUIRE_FALSE(e);
  const auto& q = o.query;
  REQUIRE(q.labels.size() == 1);
  CHECK(q.labels[0].key == "app");
  CHECK(q.clusters == std::vector<std::string>{"c1", "c2"});
  REQUIRE(q.order_by.size() == 2);
  CHECK(q.order_by[0].field == PEDIA_STORAGE_ORDER_NAMESPACE);
  CHECK(q.order_by[0].descending);
  CHECK(q.order_by[1].field == PEDIA_STORAGE_ORDER_CREATED_AT);
  CHECK(q.fuzzy_names == std::vector<std::string>{"ngin"});
  CHECK(q.limit == 5);
  CHECK(o.with_continue);
  CHECK(q.since_unix_ms == 1704153600000);
}

TEST_CASE("the URL query wins over search labels and the path wins over both", "[server]") {
  ListOptions o;
  ListContext c;
  c.path_namespace = "fromPath";
  auto e = Parse({{"clusters", "url"},
                  {"namespaces", "n1"},
                  {"labelSelector", "search.clusterpedia.io/clusters=label,search.clusterpedia.io/names=x"}},
                 &o, c);
  REQUIRE_FALSE(e);
  CHECK(o.query.clusters == std::vector<std::string>{"url"});
  CHECK(o.query.names == std::vector<std::string>{"x"});
  CHECK(o.query.namespaces == std::vector<std::string>{"fromPath"});
}

TEST_CASE("owner queries need exactly one cluster", "[server]") {
  ListOptions o;
  auto e = Parse({{"ownerUID", "u1"}}, &o);
  REQUIRE(e);
  CHECK(e->code == 400);
  CHECK(e->message.find("cluster must be specified") != std::string::npos);

  ListOptions ok;
  ListContext c;
  c.path_cluster = "c1";
  REQUIRE_FALSE(Parse({{"ownerName", "web"}, {"ownerGR", "deployments.apps"}, {"ownerSeniority", "1"}}, &ok, c));
  CHECK(ok.query.owner_name == "web");
  CHECK(ok.query.owner_resource == "deployments");
  CHECK(ok.query.owner_group == "apps");
  CHECK(ok.query.owner_seniority == 1);
  CHECK(ok.query.clusters == std::vector<std::string>{"c1"});
}

TEST_CASE("bad parameters are 400s that name the parameter", "[server]") {
  struct Case {
    QueryParams params;
    std::string name;
  };
  std::vector<Case> cases = {
      {{{"limit", "-1"}}, "limit"},
      {{{"limit", "ten"}}, "limit"},
      {{{"orderby", "name; DROP TABLE resources"}}, "orderby"},
      {{{"orderby", "object->>'x'"}}, "orderby"},
      {{{"orderby", "name desc extra"}}, "orderby"},
      {{{"since", "soon"}}, "since"},
      {{{"since", "2024-01-03"}, {"before", "2024-01-02"}}, "before"},
      {{{"withContinue", "yes"}}, "withContinue"},
      {{{"withRemainingCount", "maybe"}}, "withRemainingCount"},
      {{{"ownerSeniority", "-2"}}, "ownerSeniority"},
      {{{"timeoutSeconds", "x"}}, "timeoutSeconds"},
      {{{"whereSQL", "1=1"}}, "whereSQL"},
      {{{"labelSelector", "search.clusterpedia.io/orderby=bogus"}}, "search.clusterpedia.io/orderby"},
      {{{"labelSelector", "search.clusterpedia.io/offset=abc"}}, "search.clusterpedia.io/offset"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    ListOptions o;
    auto e = Parse(c.params, &o);
    REQUIRE(e);
    CHECK(e->code == 400);
    CHECK(e->reason == "BadRequest");
    CHECK(e->message.find("\"" + c.name + "\"") != std::string::npos);
  }
}

TEST_CASE("invalid selectors are 422", "[server]") {
  for (QueryParams p : {QueryParams{{"labelSelector", "a in (b"}}, QueryParams{{"fieldSelector", "=x"}}}) {
    ListOptions o;
    auto e = Parse(p, &o);
    REQUIRE(e);
    CHECK(e->code == 422);
  }
}

TEST_CASE("metadata.name and metadata.namespace field selectors use the index columns", "[server]") {
  ListOptions o;
  REQUIRE_FALSE(Parse({{"fieldSelector", "metadata.name=a,metadata.namespace=b,status.phase!=Running"}}, &o));
  CHECK(o.query.names == std::vector<std::string>{"a"});
  CHECK(o.query.namespaces == std::vector<std::string>{"b"});
  REQUIRE(o.query.fields.size() == 1);
  CHECK(o.query.fields[0].path == std::vector<std::string>{"status", "phase"});
}

TEST_CASE("remaining count defaults to the feature gate and metadata Accept sets onlyMetadata", "[server]") {
  ListOptions a;
  ListContext c;
  c.remaining_count_default = true;
  c.metadata_accept = true;
  REQUIRE_FALSE(Parse({}, &a, c));
  CHECK(a.query.with_remaining_count);
  CHECK(a.query.only_metadata);
  ListOptions b;
  REQUIRE_FALSE(Parse({{"withRemainingCount", "false"}}, &b, c));
  CHECK_FALSE(b.query.with_remaining_count);
}

TEST_CASE("watch parameters", "[server]") {
  ListOptions o;
  REQUIRE_FALSE(Parse(
      {{"watch", "true"}, {"resourceVersion", "17"}, {"allowWatchBookmarks", "true"}, {"timeoutSeconds", "30"}}, &o));
  CHECK(o.watch);
  CHECK(o.resource_version == "17");
  CHECK(o.allow_watch_bookmarks);
  CHECK(o.timeout_seconds == 30);
}

}  // namespace pedia::server
