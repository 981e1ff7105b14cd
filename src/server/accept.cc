#include "server/accept.h"

#include "base/string_util.h"

namespace pedia::server {

bool NegotiateOutput(std::string_view accept, OutputFormat* out) {
  if (Trim(accept).empty()) {
    *out = OutputFormat{};
    return true;
  }
  for (std::string_view range : SplitAndTrim(accept, ',')) {
    std::vector<std::string_view> parts = SplitAndTrim(range, ';');
    if (parts.empty()) continue;
    std::string_view type = parts[0];
    if (type != "application/json" && type != "*/*" && type != "application/*") continue;
    std::string_view as, g, v;
    for (size_t i = 1; i < parts.size(); ++i) {
      size_t eq = parts[i].find('=');
      if (eq == std::string_view::npos) continue;
      std::string_view key = Trim(parts[i].substr(0, eq));
      std::string_view value = Trim(parts[i].substr(eq + 1));
      if (key == "as")
        as = value;
      else if (key == "g")
        g = value;
      else if (key == "v")
        v = value;
    }
    if (as.empty()) {
      *out = OutputFormat{};
      return true;
    }
    if (g != "meta.k8s.io" || (v != "v1" && v != "v1beta1")) continue;
    OutputFormat f;
    f.meta_version = std::string(v);
    if (as == "Table") {
      f.kind = OutputFormat::kTable;
    } else if (as == "PartialObjectMetadataList" || as == "PartialObjectMetadata") {
      f.kind = OutputFormat::kPartialMetadata;
    } else {
      continue;
    }
    *out = f;
    return true;
  }
  return false;
}

}  // namespace pedia::server
