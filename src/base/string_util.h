// Small string helpers used across components.
#ifndef PEDIA_BASE_STRING_UTIL_H_
#define PEDIA_BASE_STRING_UTIL_H_

#include <string>
#include <string_view>
#include <vector>

namespace pedia {

std::string_view Trim(std::string_view s);
/// Splits on sep and trims each piece; keeps empty pieces.
std::vector<std::string_view> SplitAndTrim(std::string_view s, char sep);
bool StartsWith(std::string_view s, std::string_view prefix);
bool EndsWith(std::string_view s, std::string_view suffix);
/// s with ASCII letters lowercased (HTTP header names, Kubernetes kinds).
std::string AsciiLower(std::string_view s);
/// Levenshtein distance, for did-you-mean suggestions.
size_t EditDistance(std::string_view a, std::string_view b);
/// The closest candidate within a small distance, or "".
std::string SuggestClosest(std::string_view word, const std::vector<std::string>& candidates);
/// Parses a base-10 int64; false on any junk or overflow.
bool ParseInt64(std::string_view s, long long* out);

}  // namespace pedia

#endif  // PEDIA_BASE_STRING_UTIL_H_
