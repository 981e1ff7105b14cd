// Lenient wrappers over the validating scanner in base/json_scan.h: the
// apiserver reads bytes the synchro already validated, so an error here only
// means "field absent" and is turned into an empty view (json_scan.h).
#include "server/json_scan.h"

#include <charconv>

#include "base/json_scan.h"

namespace pedia::server::json {
namespace {

namespace scan = ::pedia::json;

constexpr size_t kNpos = std::string_view::npos;

// The span of the single value that `value` holds (surrounding whitespace
// allowed), or an empty span when it is not exactly one well-formed value.
scan::Span WholeValue(std::string_view value) {
  auto span = scan::ScanDocument(value);
  return span.ok() ? span.value() : scan::Span{};
}

// The span from the container that starts `text` (after whitespace) to the
// end of `text`.  The walkers check every step, so a malformed member after
// the one a caller wants does not hide it, as the lenient contract promises.
scan::Span ContainerFrom(std::string_view text) {
  size_t pos = 0;
  scan::SkipSpace(text, &pos);
  if (pos >= text.size() || (text[pos] != '{' && text[pos] != '[')) return {};
  return {pos, text.size()};
}

// Calls fn(raw key, value) for each member of the object value obj; errors
// end the walk after the members already reported.  A template, so Member()
// and Members() pay for one std::function call per member, not two.
template <typename Fn>
void WalkObject(std::string_view obj, const Fn& fn) {
  scan::Span span = ContainerFrom(obj);
  if (scan::TypeOf(obj, span) != scan::Type::kObject) return;
  (void)scan::ForEachMember(
      obj, span, [&](std::string_view raw_key, scan::Span, scan::Span value) { return fn(raw_key, value.In(obj)); });
}

}  // namespace

size_t SkipValue(std::string_view text, size_t pos) {
  scan::Span value;
  if (pos > text.size() || !scan::ScanValue(text, &pos, &value).ok()) return kNpos;
  return pos;
}

std::string_view TrimValue(std::string_view v) {
  size_t b = 0;
  scan::SkipSpace(v, &b);
  size_t e = v.size();
  while (e > b && (v[e - 1] == ' ' || v[e - 1] == '\n' || v[e - 1] == '\r' || v[e - 1] == '\t')) --e;
  return v.substr(b, e - b);
}

void ForEachMember(std::string_view obj, const std::function<bool(std::string_view, std::string_view)>& fn) {
  WalkObject(obj, fn);
}

void ForEachElement(std::string_view array, const std::function<bool(std::string_view)>& fn) {
  scan::Span span = ContainerFrom(array);
  if (scan::TypeOf(array, span) != scan::Type::kArray) return;
  (void)scan::ForEachElement(array, span, [&](scan::Span value) { return fn(value.In(array)); });
}

std::string_view Member(std::string_view obj, std::string_view key) {
  std::string_view found;
  WalkObject(obj, [&](std::string_view k, std::string_view v) {
    if (k == key) {
      found = v;
      return false;
    }
    return true;
  });
  return found;
}

void Members(std::string_view obj, std::initializer_list<std::string_view> keys, std::string_view* out) {
  size_t wanted = keys.size(), found = 0;
  for (size_t i = 0; i < wanted; ++i) out[i] = std::string_view();
  WalkObject(obj, [&](std::string_view k, std::string_view v) {
    size_t i = 0;
    for (std::string_view key : keys) {
      if (key == k && out[i].empty()) {
        out[i] = v;
        ++found;
        break;
      }
      ++i;
    }
    return found < wanted;
  });
}

std::string_view Path(std::string_view obj, std::initializer_list<std::string_view> keys) {
  for (std::string_view k : keys) {
    obj = Member(obj, k);
    if (obj.empty()) break;
  }
  return obj;
}

int64_t Count(std::string_view value) {
  int64_t n = 0;
  std::string_view v = TrimValue(value);
  if (!v.empty() && v[0] == '[') {
    ForEachElement(v, [&](std::string_view) { return ++n, true; });
  } else if (!v.empty() && v[0] == '{') {
    ForEachMember(v, [&](std::string_view, std::string_view) { return ++n, true; });
  }
  return n;
}

std::string String(std::string_view value) {
  scan::Span span = WholeValue(value);
  if (scan::TypeOf(value, span) != scan::Type::kString) return "";
  auto decoded = scan::DecodeString(value, span);
  return decoded.ok() ? std::move(decoded.value()) : std::string();
}

bool Int(std::string_view value, int64_t* out) {
  std::string_view v = TrimValue(value);
  if (v.empty()) return false;
  size_t end = 0;
  while (end < v.size() && (v[end] == '-' || (v[end] >= '0' && v[end] <= '9'))) ++end;
  if (end == 0) return false;
  auto [p, ec] = std::from_chars(v.data(), v.data() + end, *out);
  return ec == std::errc() && p == v.data() + end;
}

bool IsTrue(std::string_view value) { return TrimValue(value) == "true"; }

}  // namespace pedia::server::json
