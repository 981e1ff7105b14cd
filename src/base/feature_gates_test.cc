#include "base/feature_gates.h"

#include "catch.h"

namespace pedia {

TEST_CASE("feature gates start at their defaults and accept Kubernetes syntax", "[base]") {
  FeatureGates& g = FeatureGates::Global();
  g.Reset();
  CHECK(g.Enabled("PruneManagedFields"));
  CHECK_FALSE(g.Enabled("RemainingItemCount"));
  REQUIRE(g.Set("RemainingItemCount=true, PruneManagedFields=false").ok());
  CHECK(g.Enabled("RemainingItemCount"));
  CHECK_FALSE(g.Enabled("PruneManagedFields"));
  g.Reset();
}

TEST_CASE("an unknown feature gate is rejected with a suggestion and changes nothing", "[base]") {
  FeatureGates& g = FeatureGates::Global();
  g.Reset();
  Status s = g.Set("RemainingItemCount=true,PruneManagedField=false");
  REQUIRE_FALSE(s.ok());
  CHECK(s.message().find("unrecognized feature gate: PruneManagedField") != std::string::npos);
  CHECK(s.message().find("PruneManagedFields") != std::string::npos);
  CHECK_FALSE(g.Enabled("RemainingItemCount"));
}

TEST_CASE("a feature gate value must be a bool", "[base]") {
  FeatureGates& g = FeatureGates::Global();
  g.Reset();
  CHECK_FALSE(g.Set("PruneManagedFields=yes").ok());
  CHECK_FALSE(g.Set("PruneManagedFields").ok());
  REQUIRE(g.Set("AllAlpha=true").ok());
  CHECK(g.Enabled("AllowSyncAllCustomResources"));
  CHECK(g.Enabled("PruneManagedFields"));
  g.Reset();
}

}  // namespace pedia
