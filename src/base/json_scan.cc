#include "base/json_scan.h"

#include <array>
#include <cstdint>
#include <cstring>

namespace pedia::json {
namespace {

Status Malformed(size_t pos, std::string_view what) {
  return Status::InvalidArgument("malformed JSON at byte " + std::to_string(pos) + ": " + std::string(what));
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Bytes that end the fast path of a string: quote, backslash, controls.
constexpr auto kStringStop = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = true;
  t['"'] = t['\\'] = true;
  return t;
}();

uint64_t Load8(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

// SWAR: true when any byte of v is '"', '\\' or below 0x20 (may be a false
// positive only for bytes >= 0x80 mixed with others, which the byte loop
// then sorts out).
bool MayStopString(uint64_t v) {
  constexpr uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
  auto has_zero = [](uint64_t x) { return (x - kOnes) & ~x & kHigh; };
  uint64_t quote = has_zero(v ^ (kOnes * '"'));
  uint64_t backslash = has_zero(v ^ (kOnes * '\\'));
  uint64_t control = (v - kOnes * 0x20) & ~v & kHigh;
  return (quote | backslash | control) != 0;
}

// *pos is at the opening quote; leaves *pos after the closing quote.
Status ScanString(std::string_view doc, size_t* pos) {
  size_t i = *pos + 1;
  const size_t n = doc.size();
  while (true) {
    // Fast path: run to the next quote, backslash or control byte.
    // Eight bytes at a time while none of them can end the fast path.
    while (i + 8 <= n && !MayStopString(Load8(doc.data() + i))) i += 8;
    while (i < n && !kStringStop[static_cast<unsigned char>(doc[i])]) ++i;
    if (i >= n) return Malformed(*pos, "unterminated string");
    char c = doc[i];
    if (c == '"') {
      *pos = i + 1;
      return Status::Ok();
    }
    if (c != '\\') return Malformed(i, "control character in string");
    if (i + 1 >= n) return Malformed(i, "unterminated escape");
    char e = doc[i + 1];
    switch (e) {
      case '"':
      case '\\':
      case '/':
      case 'b':
      case 'f':
      case 'n':
      case 'r':
      case 't':
        i += 2;
        break;
      case 'u':
        if (i + 6 > n) return Malformed(i, "short \\u escape");
        for (size_t k = i + 2; k < i + 6; ++k) {
          if (HexValue(doc[k]) < 0) return Malformed(k, "bad hex digit in \\u escape");
        }
        i += 6;
        break;
      default:
        return Malformed(i, "invalid escape");
    }
  }
}

Status ScanNumber(std::string_view doc, size_t* pos) {
  size_t i = *pos;
  const size_t n = doc.size();
  if (i < n && doc[i] == '-') ++i;
  if (i >= n || !IsDigit(doc[i])) return Malformed(i, "bad number");
  if (doc[i] == '0') {
    ++i;
  } else {
    while (i < n && IsDigit(doc[i])) ++i;
  }
  if (i < n && doc[i] == '.') {
    ++i;
    if (i >= n || !IsDigit(doc[i])) return Malformed(i, "bad number fraction");
    while (i < n && IsDigit(doc[i])) ++i;
  }
  if (i < n && (doc[i] == 'e' || doc[i] == 'E')) {
    ++i;
    if (i < n && (doc[i] == '+' || doc[i] == '-')) ++i;
    if (i >= n || !IsDigit(doc[i])) return Malformed(i, "bad number exponent");
    while (i < n && IsDigit(doc[i])) ++i;
  }
  *pos = i;
  return Status::Ok();
}

Status ScanLiteral(std::string_view doc, size_t* pos, std::string_view word) {
  if (doc.substr(*pos, word.size()) != word) return Malformed(*pos, "unexpected token");
  *pos += word.size();
  return Status::Ok();
}

Status ScanAt(std::string_view doc, size_t* pos, int depth);

Status ScanContainer(std::string_view doc, size_t* pos, int depth) {
  if (depth > kMaxDepth) return Malformed(*pos, "nesting too deep");
  const bool is_object = doc[*pos] == '{';
  const char close = is_object ? '}' : ']';
  size_t i = *pos + 1;
  SkipSpace(doc, &i);
  if (i < doc.size() && doc[i] == close) {
    *pos = i + 1;
    return Status::Ok();
  }
  while (true) {
    if (is_object) {
      if (i >= doc.size() || doc[i] != '"') return Malformed(i, "expected object key");
      if (Status s = ScanString(doc, &i); !s.ok()) return s;
      SkipSpace(doc, &i);
      if (i >= doc.size() || doc[i] != ':') return Malformed(i, "expected ':'");
      ++i;
      SkipSpace(doc, &i);
    }
    if (Status s = ScanAt(doc, &i, depth + 1); !s.ok()) return s;
    SkipSpace(doc, &i);
    if (i >= doc.size()) return Malformed(i, is_object ? "unterminated object" : "unterminated array");
    if (doc[i] == ',') {
      ++i;
      SkipSpace(doc, &i);
      continue;
    }
    if (doc[i] == close) {
      *pos = i + 1;
      return Status::Ok();
    }
    return Malformed(i, is_object ? "expected ',' or '}'" : "expected ',' or ']'");
  }
}

// *pos is at the first byte of a value (no leading space).
Status ScanAt(std::string_view doc, size_t* pos, int depth) {
  if (*pos >= doc.size()) return Malformed(*pos, "unexpected end of input");
  switch (doc[*pos]) {
    case '{':
    case '[':
      return ScanContainer(doc, pos, depth);
    case '"':
      return ScanString(doc, pos);
    case 't':
      return ScanLiteral(doc, pos, "true");
    case 'f':
      return ScanLiteral(doc, pos, "false");
    case 'n':
      return ScanLiteral(doc, pos, "null");
    default:
      return ScanNumber(doc, pos);
  }
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

uint32_t Hex4(std::string_view s, size_t i) {
  uint32_t v = 0;
  for (size_t k = i; k < i + 4; ++k) v = v * 16 + static_cast<uint32_t>(HexValue(s[k]));
  return v;
}

// Unescapes the inside of an already validated string literal.
std::string Unescape(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c != '\\') {
      out += c;
      continue;
    }
    char e = raw[++i];
    switch (e) {
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u': {
        uint32_t cp = Hex4(raw, i + 1);
        i += 4;
        if (cp >= 0xD800 && cp < 0xDC00 && i + 6 < raw.size() && raw[i + 1] == '\\' && raw[i + 2] == 'u') {
          uint32_t lo = Hex4(raw, i + 3);
          if (lo >= 0xDC00 && lo < 0xE000) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            i += 6;
          }
        }
        // Lone surrogates become U+FFFD, as Go's encoding/json does.
        if (cp >= 0xD800 && cp < 0xE000) cp = 0xFFFD;
        AppendUtf8(out, cp);
        break;
      }
      default:
        out += e;
        break;  // " \ /
    }
  }
  return out;
}

}  // namespace

Type TypeOf(std::string_view doc, Span value) {
  if (value.empty() || value.begin >= doc.size()) return Type::kNone;
  switch (doc[value.begin]) {
    case '{':
      return Type::kObject;
    case '[':
      return Type::kArray;
    case '"':
      return Type::kString;
    case 't':
    case 'f':
      return Type::kBool;
    case 'n':
      return Type::kNull;
    default:
      return Type::kNumber;
  }
}

Status ScanValue(std::string_view doc, size_t* pos, Span* value) {
  SkipSpace(doc, pos);
  size_t begin = *pos;
  if (Status s = ScanAt(doc, pos, 0); !s.ok()) return s;
  *value = {begin, *pos};
  return Status::Ok();
}

Result<Span> ScanDocument(std::string_view doc) {
  size_t pos = 0;
  Span value;
  if (Status s = ScanValue(doc, &pos, &value); !s.ok()) return s;
  SkipSpace(doc, &pos);
  if (pos != doc.size()) return Malformed(pos, "trailing data after the value");
  return value;
}

// The walkers below trust that the container was validated (ScanDocument) but
// still check every step, so a wrong span cannot read out of bounds.
Status ForEachMember(std::string_view doc, Span object, const MemberFn& on_member) {
  if (TypeOf(doc, object) != Type::kObject) return Status::InvalidArgument("expected a JSON object");
  size_t i = object.begin + 1;
  SkipSpace(doc, &i);
  if (i < object.end && doc[i] == '}') return Status::Ok();
  while (i < object.end) {
    size_t key_begin = i;
    if (doc[i] != '"') return Malformed(i, "expected object key");
    if (Status s = ScanString(doc, &i); !s.ok()) return s;
    Span key{key_begin, i};
    SkipSpace(doc, &i);
    if (i >= object.end || doc[i] != ':') return Malformed(i, "expected ':'");
    ++i;
    Span value;
    if (Status s = ScanValue(doc, &i, &value); !s.ok()) return s;
    if (!on_member(doc.substr(key.begin + 1, key.end - key.begin - 2), key, value)) return Status::Ok();
    SkipSpace(doc, &i);
    if (i >= object.end) return Malformed(i, "unterminated object");
    if (doc[i] == '}') return Status::Ok();
    if (doc[i] != ',') return Malformed(i, "expected ',' or '}'");
    ++i;
    SkipSpace(doc, &i);
  }
  return Malformed(i, "unterminated object");
}

Status ForEachElement(std::string_view doc, Span array, const ElementFn& on_element) {
  if (TypeOf(doc, array) != Type::kArray) return Status::InvalidArgument("expected a JSON array");
  size_t i = array.begin + 1;
  SkipSpace(doc, &i);
  if (i < array.end && doc[i] == ']') return Status::Ok();
  while (i < array.end) {
    Span value;
    if (Status s = ScanValue(doc, &i, &value); !s.ok()) return s;
    if (!on_element(value)) return Status::Ok();
    SkipSpace(doc, &i);
    if (i >= array.end) return Malformed(i, "unterminated array");
    if (doc[i] == ']') return Status::Ok();
    if (doc[i] != ',') return Malformed(i, "expected ',' or ']'");
    ++i;
  }
  return Malformed(i, "unterminated array");
}

Status WalkMembers(std::string_view doc, size_t* pos, const WalkFn& on_member) {
  size_t i = *pos;
  SkipSpace(doc, &i);
  if (i >= doc.size() || doc[i] != '{') return Malformed(i, "expected an object");
  ++i;
  SkipSpace(doc, &i);
  if (i < doc.size() && doc[i] == '}') {
    *pos = i + 1;
    return Status::Ok();
  }
  while (true) {
    size_t key_begin = i;
    if (i >= doc.size() || doc[i] != '"') return Malformed(i, "expected object key");
    if (Status s = ScanString(doc, &i); !s.ok()) return s;
    Span key{key_begin, i};
    SkipSpace(doc, &i);
    if (i >= doc.size() || doc[i] != ':') return Malformed(i, "expected ':'");
    ++i;
    SkipSpace(doc, &i);
    if (Status s = on_member(doc.substr(key.begin + 1, key.end - key.begin - 2), key, &i); !s.ok()) return s;
    SkipSpace(doc, &i);
    if (i >= doc.size()) return Malformed(i, "unterminated object");
    if (doc[i] == '}') {
      *pos = i + 1;
      return Status::Ok();
    }
    if (doc[i] != ',') return Malformed(i, "expected ',' or '}'");
    ++i;
    SkipSpace(doc, &i);
  }
}

Status WalkElements(std::string_view doc, size_t* pos, const WalkElementFn& on_element) {
  size_t i = *pos;
  SkipSpace(doc, &i);
  if (i >= doc.size() || doc[i] != '[') return Malformed(i, "expected an array");
  ++i;
  SkipSpace(doc, &i);
  if (i < doc.size() && doc[i] == ']') {
    *pos = i + 1;
    return Status::Ok();
  }
  while (true) {
    SkipSpace(doc, &i);
    if (Status s = on_element(&i); !s.ok()) return s;
    SkipSpace(doc, &i);
    if (i >= doc.size()) return Malformed(i, "unterminated array");
    if (doc[i] == ']') {
      *pos = i + 1;
      return Status::Ok();
    }
    if (doc[i] != ',') return Malformed(i, "expected ',' or ']'");
    ++i;
  }
}

bool KeyEquals(std::string_view raw_key, std::string_view plain) {
  if (raw_key.find('\\') == std::string_view::npos) return raw_key == plain;
  return Unescape(raw_key) == plain;
}

Result<Span> FindMember(std::string_view doc, Span object, std::string_view key) {
  Span found;
  Status s = ForEachMember(doc, object, [&](std::string_view raw, Span, Span value) {
    if (KeyEquals(raw, key)) {
      found = value;
      return false;
    }
    return true;
  });
  if (!s.ok()) return s;
  return found;
}

Result<std::string> DecodeString(std::string_view doc, Span value) {
  if (TypeOf(doc, value) != Type::kString || value.end - value.begin < 2) {
    return Status::InvalidArgument("expected a JSON string");
  }
  std::string_view raw = doc.substr(value.begin + 1, value.end - value.begin - 2);
  if (raw.find('\\') == std::string_view::npos) return std::string(raw);
  return Unescape(raw);
}

}  // namespace pedia::json
