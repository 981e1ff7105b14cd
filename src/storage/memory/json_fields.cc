#include "storage/memory/json_fields.h"

#include <charconv>
#include <nlohmann/json.hpp>

namespace pedia::storage::memory {
namespace {

using nlohmann::json;

bool ParseIndexSegment(std::string_view seg, bool* any, size_t* index) {
  if (seg.size() < 2 || seg.front() != '[' || seg.back() != ']') return false;
  std::string_view inner = seg.substr(1, seg.size() - 2);
  if (inner.empty()) {
    *any = true;
    return true;
  }
  *any = false;
  auto [p, ec] = std::from_chars(inner.data(), inner.data() + inner.size(), *index);
  return ec == std::errc() && p == inner.data() + inner.size();
}

void Collect(const json& node, const std::vector<std::string>& path, size_t depth, std::vector<const json*>* out) {
  if (depth == path.size()) {
    if (!node.is_null()) out->push_back(&node);
    return;
  }
  const std::string& seg = path[depth];
  bool any = false;
  size_t index = 0;
  if (ParseIndexSegment(seg, &any, &index)) {
    if (!node.is_array()) return;
    if (any) {
      for (const json& e : node) Collect(e, path, depth + 1, out);
    } else if (index < node.size()) {
      Collect(node[index], path, depth + 1, out);
    }
    return;
  }
  if (!node.is_object()) return;
  auto it = node.find(seg);
  if (it != node.end()) Collect(*it, path, depth + 1, out);
}

// The value as a selector compares it: strings as they are, numbers and
// booleans as their JSON text; false for objects and lists.
bool Scalar(const json& v, std::string* out) {
  if (v.is_string()) {
    *out = v.get_ref<const std::string&>();
    return true;
  }
  if (v.is_number() || v.is_boolean()) {
    *out = v.dump();
    return true;
  }
  return false;
}

bool Contains(const std::vector<std::string>& values, const std::string& v) {
  for (const auto& x : values)
    if (x == v) return true;
  return false;
}

bool MatchOne(const json& doc, const FieldRequirement& r) {
  std::vector<const json*> found;
  Collect(doc, r.path, 0, &found);
  std::string s;
  switch (r.op) {
    case PEDIA_STORAGE_OP_EXISTS:
      return !found.empty();
    case PEDIA_STORAGE_OP_DOES_NOT_EXIST:
      return found.empty();
    case PEDIA_STORAGE_OP_EQUALS:
    case PEDIA_STORAGE_OP_IN:
      for (const json* v : found)
        if (Scalar(*v, &s) && Contains(r.values, s)) return true;
      return false;
    case PEDIA_STORAGE_OP_NOT_EQUALS:
    case PEDIA_STORAGE_OP_NOT_IN:
      for (const json* v : found)
        if (Scalar(*v, &s) && Contains(r.values, s)) return false;
      return true;
    case PEDIA_STORAGE_OP_GREATER_THAN:
    case PEDIA_STORAGE_OP_LESS_THAN:
      for (const json* v : found) {
        int64_t n = 0;
        if (!Scalar(*v, &s) || !ParseInt64(s, &n)) continue;
        if (r.op == PEDIA_STORAGE_OP_GREATER_THAN ? n > r.number : n < r.number) return true;
      }
      return false;
  }
  return false;
}

// Skips one JSON value starting at i (whitespace already skipped); returns
// the index after it, or npos when the text is malformed.
size_t SkipValue(std::string_view s, size_t i) {
  if (i >= s.size()) return std::string_view::npos;
  char c = s[i];
  if (c == '"') {
    for (++i; i < s.size(); ++i) {
      if (s[i] == '\\') {
        ++i;
      } else if (s[i] == '"') {
        return i + 1;
      }
    }
    return std::string_view::npos;
  }
  if (c == '{' || c == '[') {
    int depth = 0;
    for (; i < s.size(); ++i) {
      char d = s[i];
      if (d == '"') {
        i = SkipValue(s, i);
        if (i == std::string_view::npos) return i;
        --i;
      } else if (d == '{' || d == '[') {
        ++depth;
      } else if (d == '}' || d == ']') {
        if (--depth == 0) return i + 1;
      }
    }
    return std::string_view::npos;
  }
  while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']' && !isspace(static_cast<unsigned char>(s[i]))) ++i;
  return i;
}

size_t SkipSpace(std::string_view s, size_t i) {
  while (i < s.size() && isspace(static_cast<unsigned char>(s[i]))) ++i;
  return i;
}

}  // namespace

bool ParseInt64(std::string_view s, int64_t* out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

bool CompileFieldRequirements(const std::vector<sdk::Requirement>& in, std::vector<FieldRequirement>* out,
                              std::string* why) {
  out->clear();
  for (const sdk::Requirement& r : in) {
    FieldRequirement f;
    std::string shown;
    for (std::string_view seg : r.path) {
      if (seg.empty()) {
        *why = "field selector path has an empty segment";
        return false;
      }
      bool any = false;
      size_t index = 0;
      if (seg.front() == '[' && !ParseIndexSegment(seg, &any, &index)) {
        *why = "field selector path segment \"" + std::string(seg) + "\" is not \"[]\" or \"[N]\"";
        return false;
      }
      f.path.emplace_back(seg);
      shown += (shown.empty() ? "" : ".") + std::string(seg);
    }
    if (f.path.empty()) {
      *why = "field requirement has no path";
      return false;
    }
    f.op = r.op;
    for (std::string_view v : r.values) f.values.emplace_back(v);
    switch (r.op) {
      case PEDIA_STORAGE_OP_EXISTS:
      case PEDIA_STORAGE_OP_DOES_NOT_EXIST:
      case PEDIA_STORAGE_OP_IN:
      case PEDIA_STORAGE_OP_NOT_IN:
        break;
      case PEDIA_STORAGE_OP_EQUALS:
      case PEDIA_STORAGE_OP_NOT_EQUALS:
        if (f.values.size() != 1) {
          *why = "field requirement on \"" + shown + "\" needs exactly one value";
          return false;
        }
        break;
      case PEDIA_STORAGE_OP_GREATER_THAN:
      case PEDIA_STORAGE_OP_LESS_THAN:
        if (f.values.size() != 1 || !ParseInt64(f.values[0], &f.number)) {
          *why = "field requirement on \"" + shown + "\" needs one integer value";
          return false;
        }
        break;
      default:
        *why = "field requirement on \"" + shown + "\" has unknown operator " + std::to_string(r.op);
        return false;
    }
    out->push_back(std::move(f));
  }
  return true;
}

bool MatchFields(std::string_view text, const std::vector<FieldRequirement>& requirements) {
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return false;
  for (const FieldRequirement& r : requirements)
    if (!MatchOne(doc, r)) return false;
  return true;
}

std::string_view TopLevelMember(std::string_view s, std::string_view key) {
  size_t i = SkipSpace(s, 0);
  if (i >= s.size() || s[i] != '{') return {};
  i = SkipSpace(s, i + 1);
  while (i < s.size() && s[i] == '"') {
    size_t key_end = SkipValue(s, i);
    if (key_end == std::string_view::npos) return {};
    std::string_view member = s.substr(i + 1, key_end - i - 2);
    i = SkipSpace(s, key_end);
    if (i >= s.size() || s[i] != ':') return {};
    i = SkipSpace(s, i + 1);
    size_t value_end = SkipValue(s, i);
    if (value_end == std::string_view::npos) return {};
    if (member == key) return s.substr(i, value_end - i);
    i = SkipSpace(s, value_end);
    if (i < s.size() && s[i] == ',') i = SkipSpace(s, i + 1);
  }
  return {};
}

}  // namespace pedia::storage::memory
