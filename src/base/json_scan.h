// A small validating JSON scanner that finds value ranges without building a
// DOM (design.md §2.2, toolchain-notes §4: nlohmann parse+dump is far too slow
// for the sync path).
//
// Every function works on borrowed bytes and returns byte ranges into them;
// nothing is copied except by DecodeString().  Inputs are untrusted: malformed
// JSON yields InvalidArgument naming the byte offset, never a crash, and
// nesting deeper than kMaxDepth is rejected.  Stateless and thread-safe.
#ifndef PEDIA_BASE_JSON_SCAN_H_
#define PEDIA_BASE_JSON_SCAN_H_

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace pedia::json {

inline constexpr int kMaxDepth = 512;

/// A value's bytes [begin, end) inside a document.  An empty span means
/// "absent".
struct Span {
  size_t begin = 0;
  size_t end = 0;
  bool empty() const { return end <= begin; }
  std::string_view In(std::string_view doc) const { return doc.substr(begin, end - begin); }
};

/// The type of the value starting at a span (first byte).
enum class Type { kNone, kObject, kArray, kString, kNumber, kBool, kNull };
Type TypeOf(std::string_view doc, Span value);

/// Skips whitespace from *pos.  Inline: it runs before every value.
inline void SkipSpace(std::string_view doc, size_t* pos) {
  while (*pos < doc.size()) {
    char c = doc[*pos];
    if (c != ' ' && c != '\n' && c != '\t' && c != '\r') return;
    ++*pos;
  }
}

/// Validates the value starting at *pos (after optional whitespace) and
/// advances *pos past it.  The span of the value is stored in *value.
Status ScanValue(std::string_view doc, size_t* pos, Span* value);

/// Validates that doc is exactly one JSON value (surrounding whitespace
/// allowed) and returns its span.
Result<Span> ScanDocument(std::string_view doc);

/// Calls on_member(raw_key, value) for each member of the object at
/// `object`.  raw_key is the key's bytes without quotes and still escaped
/// (compare with KeyEquals).  Returning false stops the walk (not an error).
using MemberFn = std::function<bool(std::string_view raw_key, Span key, Span value)>;
Status ForEachMember(std::string_view doc, Span object, const MemberFn& on_member);

/// Walks the members of the object starting at *pos (after optional
/// whitespace).  on_member gets the raw key and must advance *value_pos past
/// the member's value (ScanValue, or its own parser), or return an error.
/// On success *pos is just past the closing brace.  Lets a caller parse a
/// large value in place instead of scanning it twice.
using WalkFn = std::function<Status(std::string_view raw_key, Span key, size_t* value_pos)>;
Status WalkMembers(std::string_view doc, size_t* pos, const WalkFn& on_member);

/// Walks the elements of the array starting at *pos; on_element must
/// advance *value_pos past the element.  *pos ends past the closing bracket.
using WalkElementFn = std::function<Status(size_t* value_pos)>;
Status WalkElements(std::string_view doc, size_t* pos, const WalkElementFn& on_element);

/// Calls on_element(value) for each element of the array at `array`.
using ElementFn = std::function<bool(Span value)>;
Status ForEachElement(std::string_view doc, Span array, const ElementFn& on_element);

/// The value of member `key` of the object at `object`; empty span when
/// absent.  Keys are compared after unescaping.
Result<Span> FindMember(std::string_view doc, Span object, std::string_view key);

/// True when the escaped key bytes decode to `plain`.
bool KeyEquals(std::string_view raw_key, std::string_view plain);

/// The decoded contents of the string value at `value` (UTF-8, \u escapes and
/// surrogate pairs resolved).  InvalidArgument for a non-string.
Result<std::string> DecodeString(std::string_view doc, Span value);

}  // namespace pedia::json

#endif  // PEDIA_BASE_JSON_SCAN_H_
