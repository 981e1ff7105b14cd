#include "base/json_text.h"
#include "base/log.h"

#include "catch.h"

namespace pedia {

TEST_CASE("JSON quoting escapes quotes, backslashes and control characters", "[base]") {
  CHECK(JsonQuote("plain") == "\"plain\"");
  CHECK(JsonQuote("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(JsonQuote(std::string("x\n\x01", 3)) == "\"x\\n\\u0001\"");
}

TEST_CASE("verbosity gates V levels", "[base]") {
  log::SetVerbosity(2);
  CHECK(log::V(0));
  CHECK(log::V(2));
  CHECK_FALSE(log::V(3));
  log::SetVerbosity(0);
}

}  // namespace pedia
