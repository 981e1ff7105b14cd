#include "server/json_scan.h"

#include <charconv>
#include <ctime>

namespace pedia::server::json {
namespace {

constexpr size_t kNpos = std::string_view::npos;
constexpr int kMaxDepth = 512;

size_t SkipSpace(std::string_view s, size_t i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t')) ++i;
  return i;
}

// i points at the opening quote; returns the offset after the closing quote.
size_t SkipString(std::string_view s, size_t i) {
  for (++i; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == '"') {
      return i + 1;
    }
  }
  return kNpos;
}

size_t SkipValueAt(std::string_view s, size_t i, int depth) {
  if (depth > kMaxDepth) return kNpos;
  i = SkipSpace(s, i);
  if (i >= s.size()) return kNpos;
  char c = s[i];
  if (c == '"') return SkipString(s, i);
  if (c == '{' || c == '[') {
    char close = c == '{' ? '}' : ']';
    i = SkipSpace(s, i + 1);
    if (i < s.size() && s[i] == close) return i + 1;
    while (i < s.size()) {
      if (c == '{') {
        i = SkipSpace(s, i);
        if (i >= s.size() || s[i] != '"') return kNpos;
        i = SkipString(s, i);
        if (i == kNpos) return kNpos;
        i = SkipSpace(s, i);
        if (i >= s.size() || s[i] != ':') return kNpos;
        ++i;
      }
      i = SkipValueAt(s, i, depth + 1);
      if (i == kNpos) return kNpos;
      i = SkipSpace(s, i);
      if (i >= s.size()) return kNpos;
      if (s[i] == close) return i + 1;
      if (s[i] != ',') return kNpos;
      ++i;
    }
    return kNpos;
  }
  // Number or literal: up to the next delimiter.
  size_t start = i;
  while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']' && s[i] != ' ' && s[i] != '\n' && s[i] != '\r' &&
         s[i] != '\t') {
    ++i;
  }
  return i == start ? kNpos : i;
}

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

bool Hex4(std::string_view s, size_t i, uint32_t* out) {
  if (i + 4 > s.size()) return false;
  uint32_t v = 0;
  for (size_t k = i; k < i + 4; ++k) {
    char c = s[k];
    v <<= 4;
    if (c >= '0' && c <= '9')
      v |= c - '0';
    else if (c >= 'a' && c <= 'f')
      v |= c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      v |= c - 'A' + 10;
    else
      return false;
  }
  *out = v;
  return true;
}

}  // namespace

size_t SkipValue(std::string_view text, size_t pos) { return SkipValueAt(text, pos, 0); }

std::string_view TrimValue(std::string_view v) {
  size_t b = SkipSpace(v, 0);
  size_t e = v.size();
  while (e > b && (v[e - 1] == ' ' || v[e - 1] == '\n' || v[e - 1] == '\r' || v[e - 1] == '\t')) --e;
  return v.substr(b, e - b);
}

void ForEachMember(std::string_view obj, const std::function<bool(std::string_view, std::string_view)>& fn) {
  size_t i = SkipSpace(obj, 0);
  if (i >= obj.size() || obj[i] != '{') return;
  i = SkipSpace(obj, i + 1);
  if (i < obj.size() && obj[i] == '}') return;
  while (i < obj.size()) {
    i = SkipSpace(obj, i);
    if (i >= obj.size() || obj[i] != '"') return;
    size_t key_end = SkipString(obj, i);
    if (key_end == kNpos) return;
    std::string_view key = obj.substr(i + 1, key_end - i - 2);
    i = SkipSpace(obj, key_end);
    if (i >= obj.size() || obj[i] != ':') return;
    size_t value_start = SkipSpace(obj, i + 1);
    size_t value_end = SkipValueAt(obj, value_start, 1);
    if (value_end == kNpos) return;
    if (!fn(key, obj.substr(value_start, value_end - value_start))) return;
    i = SkipSpace(obj, value_end);
    if (i >= obj.size() || obj[i] != ',') return;
    ++i;
  }
}

void ForEachElement(std::string_view array, const std::function<bool(std::string_view)>& fn) {
  size_t i = SkipSpace(array, 0);
  if (i >= array.size() || array[i] != '[') return;
  i = SkipSpace(array, i + 1);
  if (i < array.size() && array[i] == ']') return;
  while (i < array.size()) {
    size_t start = SkipSpace(array, i);
    size_t end = SkipValueAt(array, start, 1);
    if (end == kNpos) return;
    if (!fn(array.substr(start, end - start))) return;
    i = SkipSpace(array, end);
    if (i >= array.size() || array[i] != ',') return;
    ++i;
  }
}

std::string_view Member(std::string_view obj, std::string_view key) {
  std::string_view found;
  ForEachMember(obj, [&](std::string_view k, std::string_view v) {
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
  ForEachMember(obj, [&](std::string_view k, std::string_view v) {
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
  std::string_view v = TrimValue(value);
  if (v.size() < 2 || v.front() != '"' || v.back() != '"') return "";
  std::string out;
  out.reserve(v.size() - 2);
  for (size_t i = 1; i + 1 < v.size(); ++i) {
    char c = v[i];
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++i + 1 > v.size() - 1) break;
    switch (v[i]) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'u': {
        uint32_t cp = 0;
        if (!Hex4(v, i + 1, &cp)) return out;
        i += 4;
        if (cp >= 0xD800 && cp < 0xDC00 && i + 6 < v.size() && v[i + 1] == '\\' && v[i + 2] == 'u') {
          uint32_t low = 0;
          if (Hex4(v, i + 3, &low) && low >= 0xDC00 && low < 0xE000) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            i += 6;
          }
        }
        AppendUtf8(out, cp);
        break;
      }
      default:
        out += v[i];
    }
  }
  return out;
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

bool ParseRfc3339(std::string_view s, int64_t* unix_seconds) {
  // YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)
  auto digits = [&](size_t at, size_t n, int* v) {
    if (at + n > s.size()) return false;
    int r = 0;
    for (size_t k = at; k < at + n; ++k) {
      if (s[k] < '0' || s[k] > '9') return false;
      r = r * 10 + (s[k] - '0');
    }
    *v = r;
    return true;
  };
  int year, mon, day, hour, min, sec;
  if (!digits(0, 4, &year) || s.size() < 20 || s[4] != '-' || !digits(5, 2, &mon) || s[7] != '-' ||
      !digits(8, 2, &day) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(11, 2, &hour) || s[13] != ':' ||
      !digits(14, 2, &min) || s[16] != ':' || !digits(17, 2, &sec)) {
    return false;
  }
  if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60) return false;
  size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    ++i;
    size_t frac_start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == frac_start) return false;
  }
  int offset = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    int oh, om;
    if (!digits(i + 1, 2, &oh) || i + 3 >= s.size() || s[i + 3] != ':' || !digits(i + 4, 2, &om)) return false;
    offset = (oh * 3600 + om * 60) * (s[i] == '-' ? -1 : 1);
    i += 6;
  } else {
    return false;
  }
  if (i != s.size()) return false;
  // Days from civil (Howard Hinnant), valid for the proleptic Gregorian calendar.
  int y = year - (mon <= 2);
  int era = (y >= 0 ? y : y - 399) / 400;
  unsigned yoe = static_cast<unsigned>(y - era * 400);
  unsigned doy = (153 * (mon + (mon > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  int64_t days = static_cast<int64_t>(era) * 146097 + static_cast<int64_t>(doe) - 719468;
  *unix_seconds = days * 86400 + hour * 3600 + min * 60 + sec - offset;
  return true;
}

}  // namespace pedia::server::json
