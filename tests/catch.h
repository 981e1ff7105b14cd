// The one place that names the Catch2 header, so a move to Catch2 v3 touches one file.
#ifndef PEDIA_TESTS_CATCH_H_
#define PEDIA_TESTS_CATCH_H_
#include <catch2/catch.hpp>
#endif  // PEDIA_TESTS_CATCH_H_
