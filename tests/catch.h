// The one place that names the Catch2 header, so a move to Catch2 v3 touches one file;
// also the helpers several tests share.
#ifndef PEDIA_TESTS_CATCH_H_
#define PEDIA_TESTS_CATCH_H_
#include <catch2/catch.hpp>

#include <string>
#include <string_view>

namespace pedia::testing {

// Test input on one line, so that the reporters' output stays valid.
inline std::string Printable(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else out += c;
  }
  return out;
}

}  // namespace pedia::testing

#endif  // PEDIA_TESTS_CATCH_H_
