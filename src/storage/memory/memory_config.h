// The memory layer's --storage-config file (YAML).
//
//   watchWindow: 10000   # events kept per GVR for watch resumption
//
// Every other key is rejected, so a typo does not silently fall back to a
// default.  An empty file means all defaults.
#ifndef PEDIA_STORAGE_MEMORY_MEMORY_CONFIG_H_
#define PEDIA_STORAGE_MEMORY_MEMORY_CONFIG_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace pedia::storage::memory {

struct MemoryConfig {
  static constexpr size_t kDefaultWatchWindow = 10000;
  static constexpr size_t kMaxWatchWindow = 10000000;
  size_t watch_window = kDefaultWatchWindow;
};

/// Parses the YAML bytes of the config file at path (path is for messages).
/// Returns false with *error set to a PostgreSQL-style message on bad input.
bool ParseMemoryConfig(std::string_view yaml, std::string_view path, MemoryConfig* out, std::string* error);

}  // namespace pedia::storage::memory

#endif  // PEDIA_STORAGE_MEMORY_MEMORY_CONFIG_H_
