#include "server/json_scan.h"

#include "catch.h"

namespace pedia::server::json {

TEST_CASE("json scan finds nested members and iterates arrays", "[server]") {
  std::string_view obj =
      R"({"metadata":{"name":"a","labels":{"x":"1"}},"spec":{"containers":[{"name":"c1"},{"name":"c2"}]}})";
  CHECK(String(Path(obj, {"metadata", "name"})) == "a");
  CHECK(String(Path(obj, {"metadata", "labels", "x"})) == "1");
  CHECK(Path(obj, {"metadata", "missing"}).empty());
  std::vector<std::string> names;
  ForEachElement(Path(obj, {"spec", "containers"}), [&](std::string_view c) {
    names.push_back(String(Member(c, "name")));
    return true;
  });
  CHECK(names == std::vector<std::string>{"c1", "c2"});
  CHECK(Count(Path(obj, {"spec", "containers"})) == 2);
}

TEST_CASE("json Members reads several fields in one pass", "[server]") {
  std::string_view out[3];
  Members(R"({"b":2,"a":{"x":1},"c":"s","a":9})", {"a", "c", "missing"}, out);
  CHECK(out[0] == R"({"x":1})");  // the first occurrence wins
  CHECK(out[1] == R"("s")");
  CHECK(out[2].empty());
  Members("garbage", {"a", "c", "missing"}, out);
  CHECK(out[0].empty());
}

TEST_CASE("json scan decodes strings and numbers", "[server]") {
  CHECK(String(R"("a\"b\u00e9\n")") == "a\"b\xc3\xa9\n");
  int64_t v = 0;
  CHECK(Int(" 42 ", &v));
  CHECK(v == 42);
  CHECK_FALSE(Int(R"("42")", &v));
  CHECK(IsTrue("true"));
  CHECK_FALSE(IsTrue("\"true\""));
}

TEST_CASE("json scan survives malformed input", "[server]") {
  for (std::string_view bad : {"", "{", "{\"a\":", "{\"a\":[1,2", "[[[[", "{\"a\" 1}", "\"unterminated"}) {
    CHECK(Member(bad, "a").empty());
    CHECK(Count(bad) >= 0);
    CHECK(SkipValue(bad, 0) == std::string_view::npos);
  }
  std::string deep(100000, '[');
  CHECK(SkipValue(deep, 0) == std::string_view::npos);
}

TEST_CASE("json walks report what precedes malformed input", "[server]") {
  std::vector<std::string> keys;
  ForEachMember(R"({"a":1,"b":[2],"c":tru})", [&](std::string_view k, std::string_view) {
    keys.emplace_back(k);
    return true;
  });
  CHECK(keys == std::vector<std::string>{"a", "b"});
  CHECK(Member(R"({"a":1,"b":)", "a") == "1");
  CHECK(Member(R"({"a":1,"b":)", "b").empty());
  int64_t elements = 0;
  ForEachElement("[1, \"x\", {} , oops]", [&](std::string_view) { return ++elements, true; });
  CHECK(elements == 3);
  CHECK(SkipValue(R"(  {"a":[1,2]} , 3)", 0) == 13);
  CHECK(String(R"("bad \q escape")").empty());
  CHECK(String(R"(  "trimmed"  )") == "trimmed");
}

}  // namespace pedia::server::json
