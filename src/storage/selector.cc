// Label and enhanced field selector parsing, after
// k8s.io/apimachinery/pkg/labels (lexer + recursive descent) and
// Clusterpedia's fields package (the same grammar with JSON-path keys).
#include "storage/selector.h"

#include <algorithm>
#include <string>

#include "base/string_util.h"

namespace pedia::storage {
namespace {

enum class Token {
  kError,
  kEnd,
  kIdentifier,
  kDoesNotExist,  // !
  kEquals,        // =
  kDoubleEquals,  // ==
  kNotEquals,     // !=
  kGreaterThan,   // >
  kLessThan,      // <
  kIn,
  kNotIn,
  kOpenPar,
  kClosedPar,
  kComma,
};

bool IsWhitespace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool IsSpecial(char c) { return c == '!' || c == '=' || c == '(' || c == ')' || c == ',' || c == '>' || c == '<'; }

struct Lexeme {
  Token token = Token::kEnd;
  std::string text;
  size_t position = 0;  // 0-based offset into the selector
};

// Splits a selector into tokens.  In field mode a quoted part ('x' or "x")
// belongs to the identifier whatever it holds, so keys like
// metadata.annotations['a=b'] survive.
class Lexer {
 public:
  Lexer(std::string_view s, bool field_mode) : s_(s), field_mode_(field_mode) {}

  Lexeme Next() {
    while (pos_ < s_.size() && IsWhitespace(s_[pos_])) ++pos_;
    Lexeme l;
    l.position = pos_;
    if (pos_ >= s_.size()) return l;
    char c = s_[pos_];
    if (IsSpecial(c)) {
      bool two = pos_ + 1 < s_.size() && s_[pos_ + 1] == '=' && (c == '!' || c == '=');
      l.text = std::string(s_.substr(pos_, two ? 2 : 1));
      pos_ += two ? 2 : 1;
      switch (c) {
        case '!':
          l.token = two ? Token::kNotEquals : Token::kDoesNotExist;
          break;
        case '=':
          l.token = two ? Token::kDoubleEquals : Token::kEquals;
          break;
        case '(':
          l.token = Token::kOpenPar;
          break;
        case ')':
          l.token = Token::kClosedPar;
          break;
        case ',':
          l.token = Token::kComma;
          break;
        case '>':
          l.token = Token::kGreaterThan;
          break;
        default:
          l.token = Token::kLessThan;
          break;
      }
      return l;
    }
    size_t start = pos_;
    while (pos_ < s_.size() && !IsWhitespace(s_[pos_]) && !IsSpecial(s_[pos_])) {
      char q = s_[pos_];
      if (field_mode_ && (q == '\'' || q == '"')) {
        size_t close = s_.find(q, pos_ + 1);
        if (close == std::string_view::npos) {
          l.token = Token::kError;
          l.text = std::string(s_.substr(start));
          return l;
        }
        pos_ = close + 1;
        continue;
      }
      ++pos_;
    }
    l.text = std::string(s_.substr(start, pos_ - start));
    l.token = l.text == "in" ? Token::kIn : l.text == "notin" ? Token::kNotIn : Token::kIdentifier;
    return l;
  }

 private:
  std::string_view s_;
  bool field_mode_;
  size_t pos_ = 0;
};

bool IsAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

// [A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?, at most 63 characters.
bool IsQualifiedNamePart(std::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  if (!IsAlnum(s.front()) || !IsAlnum(s.back())) return false;
  for (char c : s) {
    if (!IsAlnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

// A DNS-1123 subdomain: lower-case alphanumerics, '-' and '.', at most 253.
bool IsDnsSubdomain(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  for (std::string_view label : SplitAndTrim(s, '.')) {
    if (label.empty() || label.size() > 63) return false;
    auto lower_alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    if (!lower_alnum(label.front()) || !lower_alnum(label.back())) return false;
    for (char c : label) {
      if (!lower_alnum(c) && c != '-') return false;
    }
  }
  return true;
}

// Kubernetes qualified name: [prefix/]name.
bool IsQualifiedName(std::string_view s) {
  size_t slash = s.find('/');
  if (slash == std::string_view::npos) return IsQualifiedNamePart(s);
  return IsDnsSubdomain(s.substr(0, slash)) && IsQualifiedNamePart(s.substr(slash + 1));
}

bool IsLabelValue(std::string_view s) { return s.empty() || IsQualifiedNamePart(s); }

const char* TokenName(const Lexeme& l) {
  switch (l.token) {
    case Token::kEnd:
      return "end of string";
    case Token::kError:
      return "unterminated quote";
    default:
      return nullptr;
  }
}

std::string Found(const Lexeme& l) {
  if (const char* name = TokenName(l)) return name;
  return "'" + l.text + "'";
}

// Parses a field key into path segments (clusterpedia-spec §4.5).
Result<std::vector<std::string>> ParseFieldPath(std::string_view key) {
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("invalid field path \"" + std::string(key) + "\": " + why);
  };
  std::vector<std::string> path;
  size_t i = 0;
  if (i < key.size() && key[i] == '.') ++i;
  bool expect_name = true;  // at the start or right after a '.'
  bool last_is_list = false;
  while (i < key.size()) {
    char c = key[i];
    if (c == '[') {
      if (path.empty()) return bad("a list index needs a field before it");
      size_t close;
      if (i + 1 < key.size() && (key[i + 1] == '\'' || key[i + 1] == '"')) {
        size_t end_quote = key.find(key[i + 1], i + 2);
        if (end_quote == std::string_view::npos) return bad("unterminated quote");
        if (end_quote + 1 >= key.size() || key[end_quote + 1] != ']') {
          return bad("expected ']' after the quoted name at position " + std::to_string(end_quote + 1));
        }
        std::string name(key.substr(i + 2, end_quote - i - 2));
        if (!IsQualifiedName(name)) return bad("'" + name + "' is not a qualified name");
        path.push_back(std::move(name));
        last_is_list = false;
        close = end_quote + 1;
      } else {
        close = key.find(']', i);
        if (close == std::string_view::npos) return bad("missing ']'");
        std::string_view inside = key.substr(i + 1, close - i - 1);
        long long index = 0;
        if (!inside.empty() && (!ParseInt64(inside, &index) || index < 0)) {
          return bad("'[" + std::string(inside) +
                     "]' is neither '[]', a list index nor a quoted name\nHINT: quote names: ['" + std::string(inside) +
                     "']");
        }
        path.push_back("[" + std::string(inside) + "]");
        last_is_list = true;
      }
      i = close + 1;
      expect_name = false;
      if (i < key.size() && key[i] != '.' && key[i] != '[') {
        return bad("unexpected '" + std::string(1, key[i]) + "' after ']'");
      }
      continue;
    }
    if (c == '.') {
      if (expect_name) return bad("empty segment at position " + std::to_string(i));
      ++i;
      expect_name = true;
      if (i >= key.size()) return bad("ends with '.'");
      continue;
    }
    if (!expect_name) return bad("expected '.' or '[' at position " + std::to_string(i));
    std::string name;
    if (c == '\'' || c == '"') {
      size_t end_quote = key.find(c, i + 1);
      if (end_quote == std::string_view::npos) return bad("unterminated quote");
      name = std::string(key.substr(i + 1, end_quote - i - 1));
      i = end_quote + 1;
      if (i < key.size() && key[i] != '.' && key[i] != '[') {
        return bad("unexpected '" + std::string(1, key[i]) + "' after a quoted name");
      }
    } else {
      size_t end = key.find_first_of(".[", i);
      if (end == std::string_view::npos) end = key.size();
      name = std::string(key.substr(i, end - i));
      i = end;
    }
    if (!IsQualifiedName(name)) return bad("'" + name + "' is not a qualified name");
    path.push_back(std::move(name));
    expect_name = false;
    last_is_list = false;
  }
  if (path.empty()) return bad("no field named");
  if (last_is_list) return bad("the last segment cannot be a list");
  return path;
}

Result<std::vector<Requirement>> Parse(std::string_view selector, bool field_mode) {
  const char* what = field_mode ? "field selector" : "label selector";
  auto fail = [&](const Lexeme& at, const std::string& expected) {
    return Status::InvalidArgument("invalid " + std::string(what) + " \"" + std::string(selector) + "\": found " +
                                   Found(at) + " at position " + std::to_string(at.position) + ", expected " +
                                   expected);
  };
  auto invalid = [&](const std::string& why) {
    return Status::InvalidArgument("invalid " + std::string(what) + " \"" + std::string(selector) + "\": " + why);
  };
  std::vector<Requirement> out;
  if (Trim(selector).empty()) return out;
  Lexer lexer(selector, field_mode);
  Lexeme l = lexer.Next();
  while (true) {
    Requirement r;
    bool negated = false;
    if (l.token == Token::kDoesNotExist) {
      negated = true;
      l = lexer.Next();
      if (l.token != Token::kIdentifier) return fail(l, "an identifier after '!'");
    }
    if (l.token != Token::kIdentifier) return fail(l, "an identifier");
    r.key = l.text;
    if (field_mode) {
      auto path = ParseFieldPath(r.key);
      if (!path.ok()) return invalid(path.status().message());
      r.path = std::move(*path);
    } else if (!IsQualifiedName(r.key)) {
      return invalid("key '" + r.key +
                     "' is not a qualified name\nHINT: a label key is [prefix/]name, the name at most 63 "
                     "alphanumeric characters, '-', '_' or '.', starting and ending alphanumeric");
    }
    l = lexer.Next();
    if (negated || l.token == Token::kComma || l.token == Token::kEnd) {
      if (negated && l.token != Token::kComma && l.token != Token::kEnd) return fail(l, "',' or end of string");
      r.op = negated ? PEDIA_STORAGE_OP_DOES_NOT_EXIST : PEDIA_STORAGE_OP_EXISTS;
    } else {
      switch (l.token) {
        case Token::kEquals:
        case Token::kDoubleEquals:
          r.op = PEDIA_STORAGE_OP_EQUALS;
          break;
        case Token::kNotEquals:
          r.op = PEDIA_STORAGE_OP_NOT_EQUALS;
          break;
        case Token::kGreaterThan:
          r.op = PEDIA_STORAGE_OP_GREATER_THAN;
          break;
        case Token::kLessThan:
          r.op = PEDIA_STORAGE_OP_LESS_THAN;
          break;
        case Token::kIn:
          r.op = PEDIA_STORAGE_OP_IN;
          break;
        case Token::kNotIn:
          r.op = PEDIA_STORAGE_OP_NOT_IN;
          break;
        default:
          return fail(l, "one of in, notin, =, ==, !=, >, <");
      }
      if (r.op == PEDIA_STORAGE_OP_IN || r.op == PEDIA_STORAGE_OP_NOT_IN) {
        l = lexer.Next();
        if (l.token != Token::kOpenPar) return fail(l, "'('");
        l = lexer.Next();
        if (l.token != Token::kClosedPar) {
          // value, value, ... with empty values allowed between commas.
          bool want_value = true;
          while (true) {
            if (l.token == Token::kIdentifier && want_value) {
              r.values.push_back(l.text);
              want_value = false;
            } else if (l.token == Token::kComma) {
              if (want_value) r.values.emplace_back();
              want_value = true;
            } else if (l.token == Token::kClosedPar) {
              if (want_value) r.values.emplace_back();
              break;
            } else {
              return fail(l, "',', ')' or a value");
            }
            l = lexer.Next();
          }
        }
        if (r.values.empty() && !field_mode) {
          return invalid("the values of '" + r.key + "' in/notin cannot be empty");
        }
        l = lexer.Next();
      } else {
        l = lexer.Next();
        if (l.token == Token::kIdentifier) {
          r.values.push_back(l.text);
          l = lexer.Next();
        } else if (l.token == Token::kComma || l.token == Token::kEnd) {
          r.values.emplace_back();
        } else {
          return fail(l, "a value");
        }
        if (r.op == PEDIA_STORAGE_OP_GREATER_THAN || r.op == PEDIA_STORAGE_OP_LESS_THAN) {
          long long ignored = 0;
          if (!ParseInt64(r.values.front(), &ignored)) {
            return invalid("'" + r.values.front() + "' is not an integer\nDETAIL: > and < compare integers");
          }
        }
      }
      if (!field_mode) {
        for (const auto& v : r.values) {
          if (!IsLabelValue(v)) {
            return invalid("value '" + v +
                           "' is not a valid label value\nHINT: at most 63 alphanumeric characters, '-', '_' or "
                           "'.', starting and ending alphanumeric");
          }
        }
      }
    }
    out.push_back(std::move(r));
    if (l.token == Token::kEnd) break;
    if (l.token != Token::kComma) return fail(l, "',' or end of string");
    l = lexer.Next();
  }
  std::stable_sort(out.begin(), out.end(), [](const Requirement& a, const Requirement& b) { return a.key < b.key; });
  return out;
}

}  // namespace

Result<std::vector<Requirement>> ParseLabelSelector(std::string_view selector) { return Parse(selector, false); }

Result<std::vector<Requirement>> ParseFieldSelector(std::string_view selector) { return Parse(selector, true); }

bool MatchLabels(const std::vector<Requirement>& requirements,
                 const std::vector<std::pair<std::string, std::string>>& labels) {
  for (const auto& r : requirements) {
    const std::string* value = nullptr;
    for (const auto& [k, v] : labels) {
      if (k == r.key) {
        value = &v;
        break;
      }
    }
    auto in_values = [&] { return value && std::find(r.values.begin(), r.values.end(), *value) != r.values.end(); };
    bool ok = false;
    switch (r.op) {
      case PEDIA_STORAGE_OP_EXISTS:
        ok = value != nullptr;
        break;
      case PEDIA_STORAGE_OP_DOES_NOT_EXIST:
        ok = value == nullptr;
        break;
      case PEDIA_STORAGE_OP_EQUALS:
      case PEDIA_STORAGE_OP_IN:
        ok = in_values();
        break;
      case PEDIA_STORAGE_OP_NOT_EQUALS:
      case PEDIA_STORAGE_OP_NOT_IN:
        ok = !in_values();
        break;
      case PEDIA_STORAGE_OP_GREATER_THAN:
      case PEDIA_STORAGE_OP_LESS_THAN: {
        long long have = 0, want = 0;
        if (!value || r.values.empty() || !ParseInt64(*value, &have) || !ParseInt64(r.values.front(), &want)) {
          ok = false;
        } else {
          ok = r.op == PEDIA_STORAGE_OP_GREATER_THAN ? have > want : have < want;
        }
        break;
      }
    }
    if (!ok) return false;
  }
  return true;
}

}  // namespace pedia::storage
