// JSON helpers of the memory layer: the enhanced field selector evaluated on
// a stored object, and the metadata member of an object for ONLY_METADATA.
#ifndef PEDIA_STORAGE_MEMORY_JSON_FIELDS_H_
#define PEDIA_STORAGE_MEMORY_JSON_FIELDS_H_

#include <cstdint>
#include <pedia/storage_plugin.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace pedia::storage::memory {

/// One field requirement, owning and checked.  A path segment "[]" means any
/// element of a list, "[N]" element N; other segments are member names.
struct FieldRequirement {
  std::vector<std::string> path;
  uint32_t op = PEDIA_STORAGE_OP_EXISTS;
  std::vector<std::string> values;
  int64_t number = 0;  // GREATER_THAN / LESS_THAN operand
};

/// Checks and copies requirements; false with *why naming the bad one.
bool CompileFieldRequirements(const std::vector<sdk::Requirement>& in, std::vector<FieldRequirement>* out,
                              std::string* why);

/// Evaluates every requirement (AND) against the JSON object.  A value that
/// is null or missing counts as absent; objects and lists exist but equal no
/// string.  A path through "[]" matches when any element does (for the
/// negative operators: when no element has an excluded value).  Unparsable
/// JSON matches nothing.
bool MatchFields(std::string_view json, const std::vector<FieldRequirement>& requirements);

/// The raw bytes of the value of a top-level member of a JSON object, without
/// parsing the rest; empty when absent or when json is not an object.
std::string_view TopLevelMember(std::string_view json, std::string_view key);

/// Parses a decimal int64 ("-5", "42"); false when s is not one.
bool ParseInt64(std::string_view s, int64_t* out);

}  // namespace pedia::storage::memory

#endif  // PEDIA_STORAGE_MEMORY_JSON_FIELDS_H_
