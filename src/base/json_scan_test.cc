#include "base/json_scan.h"

#include "catch.h"

namespace pedia::json {
namespace {

using pedia::testing::Printable;

TEST_CASE("json scan accepts valid documents", "[base]") {
  for (std::string_view doc :
       {"{}", "[]", " {\"a\" : [1, -2.5e+3, 0, true, false, null, \"x\"]} ", "\"\\u00e9\\n\\\"\"",
        "[[[[]]], {\"\": {}}]", "0", "-0.0E-1", "\"caf\xc3\xa9\"", "\t\r\n[ ]\n"}) {
    INFO(Printable(doc));
    CHECK(ScanDocument(doc).ok());
  }
}

TEST_CASE("json scan rejects malformed documents with a position", "[base]") {
  for (std::string_view doc : {"", "{", "[1,]", "{\"a\"}", "{\"a\":}", "{a:1}", "01", "1.", "-", "tru", "\"abc",
                               "\"\\x\"", "\"\\u12g4\"", "[1 2]", "{} {}", "\"a\nb\"", "{\"a\":1,}", "nul"}) {
    INFO(Printable(doc));
    auto r = ScanDocument(doc);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Status::kInvalidArgument);
    CHECK(r.status().message().find("malformed JSON at byte") != std::string::npos);
  }
}

TEST_CASE("json scan rejects deep nesting without overflowing the stack", "[base]") {
  std::string deep(100000, '[');
  auto r = ScanDocument(deep);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("too deep") != std::string::npos);
}

TEST_CASE("json scan finds members and elements", "[base]") {
  std::string_view doc = R"({"a": {"b" : [ 1, {"c":"d"} , [2] ]}, "e\u0078": "y"})";
  auto root = ScanDocument(doc);
  REQUIRE(root.ok());
  auto a = FindMember(doc, root.value(), "a");
  REQUIRE(a.ok());
  CHECK(TypeOf(doc, a.value()) == Type::kObject);
  auto b = FindMember(doc, a.value(), "b");
  REQUIRE(b.ok());
  std::vector<std::string> elements;
  REQUIRE(ForEachElement(doc, b.value(), [&](Span v) {
            elements.emplace_back(v.In(doc));
            return true;
          }).ok());
  CHECK(elements == std::vector<std::string>{"1", R"({"c":"d"})", "[2]"});
  auto ex = FindMember(doc, root.value(), "ex");  // escaped key
  REQUIRE(ex.ok());
  CHECK(DecodeString(doc, ex.value()).value() == "y");
  auto missing = FindMember(doc, root.value(), "zz");
  REQUIRE(missing.ok());
  CHECK(missing.value().empty());
}

TEST_CASE("json decode string handles escapes and surrogate pairs", "[base]") {
  std::string_view doc = R"("a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00\ud800x")";
  auto s = DecodeString(doc, {0, doc.size()});
  REQUIRE(s.ok());
  CHECK(s.value() == "a\"b\\c/d\b\f\n\r\t\xc3\xa9\xf0\x9f\x98\x80\xef\xbf\xbdx");
  CHECK_FALSE(DecodeString("123", {0, 3}).ok());
}

}  // namespace
}  // namespace pedia::json

namespace pedia::json {
namespace {

TEST_CASE("json scan finds quotes, escapes and control bytes at every offset", "[base]") {
  for (size_t k = 0; k < 24; ++k) {
    std::string body(k, 'a');
    std::string escaped = "\"" + body + "\\\"" + std::string(9, '\xc3') + "\"";  // 0xC3 bytes: high, not stops
    INFO("offset " << k);
    auto span = ScanDocument(escaped);
    REQUIRE(span.ok());
    CHECK(span->end == escaped.size());
    CHECK(DecodeString(escaped, span.value()).value() == body + "\"" + std::string(9, '\xc3'));
    std::string with_control = "\"" + body + '\x01' + std::string(10, 'z') + "\"";
    CHECK_FALSE(ScanDocument(with_control).ok());
    std::string unterminated = "\"" + body + std::string(16, 'q');
    CHECK_FALSE(ScanDocument(unterminated).ok());
  }
}

}  // namespace
}  // namespace pedia::json
