// Catch2's main, compiled once (it is the slowest translation unit), with
// the TAP reporter that meson's test protocol reads.
#define CATCH_CONFIG_MAIN
#include "catch.h"
#include <catch2/catch_reporter_tap.hpp>
