// Reading a few fields out of stored JSON bytes without building a DOM.
//
// The apiserver keeps objects as the bytes the synchro stored (design.md
// §2.2).  Table cells, metadata-only items and watch rewrites need a handful
// of fields per object, so these helpers walk the text and return views into
// it.  They are lenient wrappers over the validating scanner of
// base/json_scan.h.  They never throw and never read past the input:
// malformed JSON gives empty views, which callers treat as "field absent"
// (a walk reports the members or elements before the malformed part).
//
// Member keys are compared as raw bytes between the quotes, so a key written
// with escapes ("a\u0062") does not match "ab"; Kubernetes never writes keys
// that way.
#ifndef PEDIA_SERVER_JSON_SCAN_H_
#define PEDIA_SERVER_JSON_SCAN_H_

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>

namespace pedia::server::json {

/// Offset just past the value that starts at or after pos (leading whitespace
/// skipped), or std::string_view::npos when the text is malformed there.
size_t SkipValue(std::string_view text, size_t pos);

/// The value of member key in the object value obj, or an empty view.
std::string_view Member(std::string_view obj, std::string_view key);

/// Looks up several members in one pass over obj: out[i] receives the value
/// of keys[i], or an empty view.  Cheaper than repeated Member() calls when a
/// caller needs many fields of one large object.
void Members(std::string_view obj, std::initializer_list<std::string_view> keys, std::string_view* out);

/// Member(Member(obj, k1), k2)...
std::string_view Path(std::string_view obj, std::initializer_list<std::string_view> keys);

/// Calls fn for each element of an array value; returns false to stop.
void ForEachElement(std::string_view array, const std::function<bool(std::string_view)>& fn);

/// Calls fn(raw key, value) for each member of an object value.
void ForEachMember(std::string_view obj, const std::function<bool(std::string_view key, std::string_view value)>& fn);

/// Number of elements of an array or members of an object (0 otherwise).
int64_t Count(std::string_view value);

/// The decoded string of a JSON string value; "" for anything else.
std::string String(std::string_view value);

/// A JSON number value as an integer (fraction dropped); false otherwise.
bool Int(std::string_view value, int64_t* out);

/// True for the literal true.
bool IsTrue(std::string_view value);

/// The value with surrounding whitespace removed.
std::string_view TrimValue(std::string_view value);

}  // namespace pedia::server::json

#endif  // PEDIA_SERVER_JSON_SCAN_H_
