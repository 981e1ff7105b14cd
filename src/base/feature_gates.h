// Feature gates, as Kubernetes components take them: --feature-gates=A=true,B=false.
//
// One process-wide registry holding the gates of every pedia component
// (clusterpedia-spec §6.9).  Set() is called once at start-up, before any
// thread reads the gates; Enabled() is then safe from any thread.
#ifndef PEDIA_BASE_FEATURE_GATES_H_
#define PEDIA_BASE_FEATURE_GATES_H_

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace pedia {

struct FeatureGateInfo {
  std::string name;
  bool default_value;
  std::string stage;  // "Alpha", "Beta", "GA"
  std::string description;
};

class FeatureGates {
 public:
  static FeatureGates& Global();

  /// Parses "A=true,B=false"; AllAlpha / AllBeta set every gate of a stage.
  /// Unknown names and bad values are rejected and nothing is changed.
  Status Set(std::string_view spec);
  bool Enabled(std::string_view name) const;
  const std::vector<FeatureGateInfo>& Known() const { return known_; }
  /// Restores defaults (tests).
  void Reset();

 private:
  FeatureGates();
  std::vector<FeatureGateInfo> known_;
  std::vector<bool> values_;
};

}  // namespace pedia

#endif  // PEDIA_BASE_FEATURE_GATES_H_
