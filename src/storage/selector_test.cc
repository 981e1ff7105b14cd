#include "storage/selector.h"

#include "catch.h"

namespace pedia::storage {
namespace {

using Labels = std::vector<std::pair<std::string, std::string>>;

std::vector<Requirement> Labelled(std::string_view s) {
  auto r = ParseLabelSelector(s);
  INFO(s << ": " << r.status().message());
  REQUIRE(r.ok());
  return *r;
}

std::vector<Requirement> Fielded(std::string_view s) {
  auto r = ParseFieldSelector(s);
  INFO(s << ": " << r.status().message());
  REQUIRE(r.ok());
  return *r;
}

bool Matches(std::string_view selector, const Labels& labels) { return MatchLabels(Labelled(selector), labels); }

}  // namespace

TEST_CASE("label selector: every operator parses", "[storage]") {
  auto r = Labelled("env=prod");
  REQUIRE(r.size() == 1);
  CHECK(r[0].key == "env");
  CHECK(r[0].op == PEDIA_STORAGE_OP_EQUALS);
  CHECK(r[0].values == std::vector<std::string>{"prod"});
  CHECK(r[0].path.empty());

  CHECK(Labelled("env==prod")[0].op == PEDIA_STORAGE_OP_EQUALS);
  CHECK(Labelled("env!=prod")[0].op == PEDIA_STORAGE_OP_NOT_EQUALS);
  CHECK(Labelled("env")[0].op == PEDIA_STORAGE_OP_EXISTS);
  CHECK(Labelled("!env")[0].op == PEDIA_STORAGE_OP_DOES_NOT_EXIST);
  CHECK(Labelled("replicas>3")[0].op == PEDIA_STORAGE_OP_GREATER_THAN);
  CHECK(Labelled("replicas<3")[0].op == PEDIA_STORAGE_OP_LESS_THAN);
  auto in = Labelled("tier in (web, db)");
  CHECK(in[0].op == PEDIA_STORAGE_OP_IN);
  CHECK(in[0].values == std::vector<std::string>{"web", "db"});
  CHECK(Labelled("tier notin (web)")[0].op == PEDIA_STORAGE_OP_NOT_IN);
  CHECK(Labelled("example.com/app=x")[0].key == "example.com/app");
  CHECK(Labelled("a=")[0].values == std::vector<std::string>{""});
  CHECK(Labelled("").empty());
  CHECK(Labelled("   ").empty());
}

TEST_CASE("label selector: requirements come back sorted by key", "[storage]") {
  auto r = Labelled("zeta, !beta,alpha in (x),gamma=1");
  REQUIRE(r.size() == 4);
  CHECK(r[0].key == "alpha");
  CHECK(r[1].key == "beta");
  CHECK(r[2].key == "gamma");
  CHECK(r[3].key == "zeta");
}

TEST_CASE("label selector: bad input is InvalidArgument naming the token", "[storage]") {
  const std::vector<std::string> bads = {"a=b,",
                                         ",a",
                                         "a in b",
                                         "a in (b",
                                         "a notin ()",
                                         "a=b=c",
                                         "!a=b",
                                         "a>x",
                                         "a<",
                                         "a in (b c)",
                                         "-a=b",
                                         "a=-b",
                                         "a_",
                                         "a==(",
                                         "UPPER.com/x=y",
                                         "a=b c",
                                         "x in (a,(b))",
                                         "a!b",
                                         std::string(64, 'k')};
  for (const std::string& bad : bads) {
    auto r = ParseLabelSelector(bad);
    INFO(bad);
    CHECK_FALSE(r.ok());
    CHECK(r.status().code() == Status::kInvalidArgument);
  }
  auto r = ParseLabelSelector("a in b");
  CHECK(r.status().message().find("found 'b' at position 5, expected '('") != std::string::npos);
  r = ParseLabelSelector("a=b,");
  CHECK(r.status().message().find("found end of string") != std::string::npos);
}

TEST_CASE("label selector: matching follows Kubernetes semantics", "[storage]") {
  Labels l = {{"env", "prod"}, {"tier", "web"}, {"replicas", "5"}};
  CHECK(Matches("env=prod", l));
  CHECK_FALSE(Matches("env=dev", l));
  CHECK(Matches("env!=dev", l));
  CHECK(Matches("missing!=x", l));  // != matches objects without the key
  CHECK(Matches("missing notin (x)", l));
  CHECK_FALSE(Matches("missing in (x)", l));
  CHECK(Matches("tier in (db,web)", l));
  CHECK_FALSE(Matches("tier notin (db,web)", l));
  CHECK(Matches("env", l));
  CHECK_FALSE(Matches("!env", l));
  CHECK(Matches("!missing", l));
  CHECK(Matches("replicas>4,replicas<6", l));
  CHECK_FALSE(Matches("replicas>5", l));
  CHECK_FALSE(Matches("env>1", l));  // not an integer label value
  CHECK(Matches("env=prod,tier=web", l));
  CHECK_FALSE(Matches("env=prod,tier=db", l));
  CHECK(Matches("", l));
  CHECK(Matches("", {}));
}

TEST_CASE("field selector: JSON path keys", "[storage]") {
  auto r = Fielded("status.phase=Running");
  REQUIRE(r.size() == 1);
  CHECK(r[0].path == std::vector<std::string>{"status", "phase"});
  CHECK(r[0].values == std::vector<std::string>{"Running"});
  CHECK(Fielded(".status.phase notin (Running,Succeeded)")[0].path == std::vector<std::string>{"status", "phase"});
  CHECK(Fielded("metadata.annotations['test.io'] in (value1,value2)")[0].path ==
        std::vector<std::string>{"metadata", "annotations", "test.io"});
  CHECK(Fielded("metadata.annotations.\"a.b/c\"=x")[0].path ==
        std::vector<std::string>{"metadata", "annotations", "a.b/c"});
  CHECK(Fielded("status['phase']=x")[0].path == std::vector<std::string>{"status", "phase"});
  CHECK(Fielded("spec.containers[].name=c")[0].path == std::vector<std::string>{"spec", "containers", "[]", "name"});
  CHECK(Fielded(".spec.containers[1].name in (a,b)")[0].path ==
        std::vector<std::string>{"spec", "containers", "[1]", "name"});
  CHECK(Fielded(".field1['prefix.listed'][0].field2")[0].path ==
        std::vector<std::string>{"field1", "prefix.listed", "[0]", "field2"});
  CHECK(Fielded("metadata.name")[0].op == PEDIA_STORAGE_OP_EXISTS);
  CHECK(Fielded("!metadata.annotation['test.io']")[0].op == PEDIA_STORAGE_OP_DOES_NOT_EXIST);
  // in/notin values may be empty for field selectors (spec §4.5).
  CHECK(Fielded("status.phase in ()")[0].values.empty());
  // The lexer keeps a quoted part whole; the path check then rejects what is
  // not a qualified name (rather than a syntax error at the inner '=').
  auto quoted = ParseFieldSelector("metadata.labels['a=b']=1");
  CHECK(quoted.status().message().find("'a=b' is not a qualified name") != std::string::npos);
}

TEST_CASE("field selector: sorted by key, with several requirements", "[storage]") {
  auto r = Fielded("spec.replicas=3,metadata.annotations['test.io'] in (v1,v2),.a.b");
  REQUIRE(r.size() == 3);
  CHECK(r[0].key == ".a.b");
  CHECK(r[1].key == "metadata.annotations['test.io']");
  CHECK(r[2].key == "spec.replicas");
}

TEST_CASE("field selector: bad paths are rejected", "[storage]") {
  for (const char* bad :
       {"[]=x", "[0]=x", ".metadata.annotations[test.io]=x", ".metadata.annotations['test.io'.go]=x",
        ".metadata.annotations['test'io'] in (value1, value2)", "spec.containers[]==something", "spec.containers[2]=x",
        "a..b=x", "a.=x", "a[-1].b=x", "a['x'=y", "a.b['']=x", "=x", "status.phase=Running,", "a>b"}) {
    auto r = ParseFieldSelector(bad);
    INFO(bad);
    CHECK_FALSE(r.ok());
    CHECK(r.status().code() == Status::kInvalidArgument);
  }
}

}  // namespace pedia::storage
