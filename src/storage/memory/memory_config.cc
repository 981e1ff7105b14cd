#include "storage/memory/memory_config.h"

#include <yaml-cpp/yaml.h>

namespace pedia::storage::memory {
namespace {

std::string Where(std::string_view path, const YAML::Mark& mark) {
  std::string where = path.empty() ? std::string("<config>") : std::string(path);
  if (mark.line >= 0) where += ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
  return where;
}

}  // namespace

bool ParseMemoryConfig(std::string_view yaml, std::string_view path, MemoryConfig* out, std::string* error) {
  *out = MemoryConfig();
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    if (!root || root.IsNull()) return true;
    if (!root.IsMap()) {
      *error = "invalid memory storage config " + Where(path, root.Mark()) +
               ": the document is not a mapping\nHINT: write \"watchWindow: 10000\" or leave the file empty";
      return false;
    }
    for (const auto& entry : root) {
      std::string key = entry.first.as<std::string>();
      if (key != "watchWindow") {
        *error = "unknown key \"" + key + "\" in memory storage config " + Where(path, entry.first.Mark()) +
                 "\nHINT: the memory storage layer accepts only \"watchWindow\"";
        return false;
      }
      long long window = 0;
      bool ok = entry.second.IsScalar() && YAML::convert<long long>::decode(entry.second, window);
      if (!ok || window < 1 || window > static_cast<long long>(MemoryConfig::kMaxWatchWindow)) {
        *error = "invalid watchWindow in memory storage config " + Where(path, entry.second.Mark()) +
                 "\nDETAIL: it must be an integer from 1 to " + std::to_string(MemoryConfig::kMaxWatchWindow) +
                 " (events kept per resource)";
        return false;
      }
      out->watch_window = static_cast<size_t>(window);
    }
    return true;
  } catch (const YAML::Exception& e) {
    *error = "invalid memory storage config " + Where(path, e.mark) + ": " + e.msg;
    return false;
  }
}

}  // namespace pedia::storage::memory
