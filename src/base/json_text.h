// Writing JSON text by concatenation, without a DOM (design.md §2.2).
#ifndef PEDIA_BASE_JSON_TEXT_H_
#define PEDIA_BASE_JSON_TEXT_H_

#include <string>
#include <string_view>

namespace pedia {

/// Appends s as a JSON string literal, quotes included.
void AppendJsonQuoted(std::string& out, std::string_view s);
/// s as a JSON string literal.
std::string JsonQuote(std::string_view s);

}  // namespace pedia

#endif  // PEDIA_BASE_JSON_TEXT_H_
