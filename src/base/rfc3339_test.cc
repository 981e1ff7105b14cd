#include "base/rfc3339.h"

#include <string>

#include "catch.h"

namespace pedia {
namespace {

// Milliseconds of `text`, or a sentinel no valid timestamp here produces.
constexpr int64_t kUnparsed = -1234567;
int64_t Ms(std::string_view text) {
  int64_t ms = kUnparsed;
  return ParseRfc3339(text, &ms) ? ms : kUnparsed;
}

}  // namespace

TEST_CASE("rfc3339 parses the forms Kubernetes writes", "[base]") {
  CHECK(Ms("1970-01-01T00:00:00Z") == 0);
  CHECK(Ms("2024-02-29T12:30:15Z") == 1709209815000);
  CHECK(Ms("2024-12-31T23:59:59Z") == 1735689599000);
  // RFC 3339 §5.6 allows lowercase t/z and a space for the T.
  CHECK(Ms("2024-02-29t12:30:15z") == 1709209815000);
  CHECK(Ms("2024-02-29 12:30:15Z") == 1709209815000);
  CHECK(Ms("0001-01-01T00:00:00Z") == -62135596800000);
  CHECK(Ms("9999-12-31T23:59:59Z") == 253402300799000);
}

TEST_CASE("rfc3339 applies numeric offsets", "[base]") {
  CHECK(Ms("2024-02-29T14:30:15+02:00") == 1709209815000);
  CHECK(Ms("2024-02-29T07:00:15-05:30") == 1709209815000);
  CHECK(Ms("2024-02-29T12:30:15+00:00") == 1709209815000);
  CHECK(Ms("2024-02-29T12:30:15-00:00") == 1709209815000);
  // Offsets move the instant across day, month and year boundaries.
  CHECK(Ms("2024-03-01T00:30:00+01:00") == 1709249400000);
  CHECK(Ms("2023-12-31T22:00:00-03:00") == 1704070800000);
  CHECK(Ms("2024-02-29T12:30:15.250+02:00") == 1709202615250);
}

TEST_CASE("rfc3339 fractions are truncated to milliseconds", "[base]") {
  CHECK(Ms("2024-02-29T12:30:15.5Z") == 1709209815500);
  CHECK(Ms("2024-02-29T12:30:15.05Z") == 1709209815050);
  CHECK(Ms("2024-02-29T12:30:15.123Z") == 1709209815123);
  CHECK(Ms("2000-03-01T00:00:00.123456789Z") == 951868800123);
  CHECK(Ms("2024-02-29T12:30:15.1239Z") == 1709209815123);
  CHECK(Ms("2024-02-29T12:30:15.999999999Z") == 1709209815999);
  CHECK(Ms("2024-02-29T12:30:15.000000Z") == 1709209815000);
  // Before the epoch the fraction still counts forward from the second.
  CHECK(Ms("1969-12-31T23:59:59.5Z") == -500);
}

TEST_CASE("rfc3339 knows month lengths and leap years", "[base]") {
  CHECK(Ms("2024-02-29T00:00:00Z") == 1709164800000);
  CHECK(Ms("2000-02-29T00:00:00Z") == 951782400000);  // divisible by 400
  CHECK(Ms("1900-03-01T00:00:00Z") == -2203891200000);
  CHECK(Ms("2023-02-29T00:00:00Z") == kUnparsed);
  CHECK(Ms("1900-02-29T00:00:00Z") == kUnparsed);  // divisible by 100 only
  CHECK(Ms("2100-02-29T00:00:00Z") == kUnparsed);
  CHECK(Ms("2024-02-30T00:00:00Z") == kUnparsed);
  CHECK(Ms("2024-04-31T00:00:00Z") == kUnparsed);
  CHECK(Ms("2024-01-31T00:00:00Z") == 1706659200000);
  // A leap second is the first second of the next minute.
  CHECK(Ms("2016-12-31T23:59:60Z") == 1483228800000);
}

TEST_CASE("rfc3339 rejects malformed input and leaves the output alone", "[base]") {
  for (const char* bad : {"",
                          "2024-02-29",
                          "2024-02-29T12:30:15",
                          "2024-02-29T12:30:15Zjunk",
                          " 2024-02-29T12:30:15Z",
                          "2024-02-29T12:30:15Z ",
                          "2024-02-29T12:30Z",
                          "2024-2-29T12:30:15Z",
                          "24-02-29T12:30:15Z",
                          "+2024-02-29T12:30:15Z",
                          "2024/02/29T12:30:15Z",
                          "2024-02-29X12:30:15Z",
                          "2024-02-29T12.30.15Z",
                          "2024-00-10T00:00:00Z",
                          "2024-13-01T00:00:00Z",
                          "2024-01-00T00:00:00Z",
                          "2024-01-32T00:00:00Z",
                          "2024-01-01T24:00:00Z",
                          "2024-01-01T12:60:00Z",
                          "2024-01-01T12:00:61Z",
                          "2024-02-29T12:30:15.Z",
                          "2024-02-29T12:30:15,5Z",
                          "2024-02-29T12:30:15.5",
                          "2024-02-29T12:30:15+0200",
                          "2024-02-29T12:30:15+02",
                          "2024-02-29T12:30:15+02:",
                          "2024-02-29T12:30:15+02:0",
                          "2024-02-29T12:30:15+2:00",
                          "2024-02-29T12:30:15+24:00",
                          "2024-02-29T12:30:15+02:60",
                          "2024-02-29T12:30:15+02:00Z",
                          "2024-02-29T12:30:15ZZ",
                          "2024-02-29T12:30:15 UTC"}) {
    INFO(bad);
    int64_t ms = 42;
    CHECK_FALSE(ParseRfc3339(bad, &ms));
    CHECK(ms == 42);
    int64_t s = 42;
    CHECK_FALSE(ParseRfc3339Seconds(bad, &s));
    CHECK(s == 42);
  }
  // The input is a view, not a C string: nothing past its end is read.
  std::string padded = "2024-02-29T12:30:15Z";
  CHECK(Ms(std::string_view(padded).substr(0, 19)) == kUnparsed);
  CHECK(Ms(std::string_view(padded).substr(0, 20)) == 1709209815000);
}

TEST_CASE("rfc3339 seconds round down, before 1970 too", "[base]") {
  int64_t s = 0;
  REQUIRE(ParseRfc3339Seconds("1970-01-01T00:00:00Z", &s));
  CHECK(s == 0);
  REQUIRE(ParseRfc3339Seconds("2024-02-29T12:30:15.999Z", &s));
  CHECK(s == 1709209815);
  REQUIRE(ParseRfc3339Seconds("2024-02-29T14:30:15.5+02:00", &s));
  CHECK(s == 1709209815);
  REQUIRE(ParseRfc3339Seconds("1969-12-31T23:59:59.999Z", &s));
  CHECK(s == -1);
  REQUIRE(ParseRfc3339Seconds("1969-12-31T23:59:59Z", &s));
  CHECK(s == -1);
  REQUIRE(ParseRfc3339Seconds("1969-12-31T23:59:58.001Z", &s));
  CHECK(s == -2);
}

}  // namespace pedia
