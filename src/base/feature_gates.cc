#include "base/feature_gates.h"

#include "base/string_util.h"

namespace pedia {

FeatureGates::FeatureGates() {
  known_ = {
      {"PruneManagedFields", true, "Beta", "drop metadata.managedFields before storing objects"},
      {"PruneLastAppliedConfiguration", true, "Beta",
       "drop the kubectl last-applied-configuration annotation before storing objects"},
      {"AllowSyncAllCustomResources", false, "Alpha", "honour spec.syncAllCustomResources"},
      {"AllowSyncAllResources", false, "Alpha", "allow the all-resources wildcard group \"*\""},
      {"RemainingItemCount", false, "Alpha", "fill remainingItemCount in list responses by default"},
      {"HealthCheckerWithStandaloneTCP", false, "Alpha", "probe member clusters over a separate connection"},
  };
  Reset();
}

FeatureGates& FeatureGates::Global() {
  static FeatureGates gates;
  return gates;
}

void FeatureGates::Reset() {
  values_.clear();
  for (const auto& g : known_) values_.push_back(g.default_value);
}

Status FeatureGates::Set(std::string_view spec) {
  std::vector<bool> next = values_;
  for (std::string_view item : SplitAndTrim(spec, ',')) {
    if (item.empty()) continue;
    size_t eq = item.find('=');
    if (eq == std::string_view::npos)
      return Status::InvalidArgument("missing bool value for feature gate \"" + std::string(item) +
                                     "\"; use Name=true or Name=false");
    std::string_view name = Trim(item.substr(0, eq));
    std::string_view value = Trim(item.substr(eq + 1));
    bool on;
    if (value == "true" || value == "True" || value == "1") on = true;
    else if (value == "false" || value == "False" || value == "0") on = false;
    else
      return Status::InvalidArgument("invalid value of feature gate \"" + std::string(name) + "\": \"" +
                                     std::string(value) + "\"; use true or false");
    if (name == "AllAlpha" || name == "AllBeta") {
      std::string stage = name == "AllAlpha" ? "Alpha" : "Beta";
      for (size_t i = 0; i < known_.size(); ++i)
        if (known_[i].stage == stage) next[i] = on;
      continue;
    }
    size_t i = 0;
    for (; i < known_.size(); ++i)
      if (known_[i].name == name) break;
    if (i == known_.size()) {
      std::vector<std::string> names;
      for (const auto& g : known_) names.push_back(g.name);
      std::string hint = SuggestClosest(name, names);
      return Status::InvalidArgument("unrecognized feature gate: " + std::string(name) +
                                     (hint.empty() ? "" : " (did you mean \"" + hint + "\"?)"));
    }
    next[i] = on;
  }
  values_ = std::move(next);
  return Status::Ok();
}

bool FeatureGates::Enabled(std::string_view name) const {
  for (size_t i = 0; i < known_.size(); ++i)
    if (known_[i].name == name) return values_[i];
  return false;
}

}  // namespace pedia
