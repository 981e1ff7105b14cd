#include "base/string_util.h"

#include "catch.h"

namespace pedia {

TEST_CASE("edit distance counts single-character edits", "[base]") {
  CHECK(EditDistance("apiserver", "apiserver") == 0);
  CHECK(EditDistance("apiservr", "apiserver") == 1);
  CHECK(EditDistance("", "abc") == 3);
}

TEST_CASE("suggestion picks the closest applet and refuses far-off words", "[base]") {
  std::vector<std::string> names = {"apiserver", "clustersynchro-manager", "plugin", "version"};
  CHECK(SuggestClosest("apisrever", names) == "apiserver");
  CHECK(SuggestClosest("plugn", names) == "plugin");
  CHECK(SuggestClosest("zzzzzzzzzzzzzz", names).empty());
}

TEST_CASE("split and trim keep empty pieces and strip blanks", "[base]") {
  auto parts = SplitAndTrim(" a, b ,,c ", ',');
  REQUIRE(parts.size() == 4);
  CHECK(parts[0] == "a");
  CHECK(parts[1] == "b");
  CHECK(parts[2].empty());
  CHECK(parts[3] == "c");
}

TEST_CASE("int64 parsing rejects junk and overflow", "[base]") {
  long long v = 0;
  CHECK(ParseInt64("42", &v));
  CHECK(v == 42);
  CHECK(ParseInt64("-7", &v));
  CHECK(v == -7);
  CHECK_FALSE(ParseInt64("", &v));
  CHECK_FALSE(ParseInt64("12a", &v));
  CHECK_FALSE(ParseInt64("99999999999999999999", &v));
}

}  // namespace pedia
