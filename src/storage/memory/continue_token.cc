#include "storage/memory/continue_token.h"

#include <charconv>
#include <vector>

namespace pedia::storage::memory {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string Base64UrlEncode(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  size_t rest = in.size() - i;
  if (rest) {
    uint32_t v = uint8_t(in[i]) << 16;
    if (rest == 2) v |= uint8_t(in[i + 1]) << 8;
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    if (rest == 2) out += kAlphabet[(v >> 6) & 63];
  }
  return out;
}

bool Base64UrlDecode(std::string_view in, std::string* out) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
  };
  if (in.size() % 4 == 1) return false;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v = value(c);
    if (v < 0) return false;
    acc = (acc << 6) | uint32_t(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(char((acc >> bits) & 0xff));
    }
  }
  return true;
}

void AppendField(std::string* out, std::string_view field) {
  *out += std::to_string(field.size());
  *out += ':';
  out->append(field);
}

bool ReadField(std::string_view* in, std::string_view* field) {
  size_t colon = in->find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  size_t len = 0;
  auto [p, ec] = std::from_chars(in->data(), in->data() + colon, len);
  if (ec != std::errc() || p != in->data() + colon || len > in->size() - colon - 1) return false;
  *field = in->substr(colon + 1, len);
  in->remove_prefix(colon + 1 + len);
  return true;
}

}  // namespace

std::string EncodeContinueToken(std::string_view order_spec, const SortKey& key) {
  std::string payload;
  AppendField(&payload, order_spec);
  AppendField(&payload, key.cluster);
  AppendField(&payload, key.namespace_name);
  AppendField(&payload, key.name);
  AppendField(&payload, std::to_string(key.creation_unix_ms));
  AppendField(&payload, key.resource_version);
  return "m" + Base64UrlEncode(payload);
}

bool DecodeContinueToken(std::string_view token, ContinuePosition* out, std::string* why) {
  *out = ContinuePosition();
  if (token.empty()) return true;
  if (token.find_first_not_of("0123456789") == std::string_view::npos) {
    auto [p, ec] = std::from_chars(token.data(), token.data() + token.size(), out->offset);
    if (ec != std::errc()) {
      *why = "the offset is out of range";
      return false;
    }
    out->kind = ContinuePosition::kOffset;
    return true;
  }
  std::string payload;
  if (token[0] != 'm' || !Base64UrlDecode(token.substr(1), &payload)) {
    *why = "it is neither a token from an earlier list nor a decimal offset";
    return false;
  }
  std::string_view in = payload;
  std::string_view f[6];
  for (auto& field : f) {
    if (!ReadField(&in, &field)) {
      *why = "it is truncated or corrupt";
      return false;
    }
  }
  int64_t created = 0;
  auto [p, ec] = std::from_chars(f[4].data(), f[4].data() + f[4].size(), created);
  if (!in.empty() || ec != std::errc() || p != f[4].data() + f[4].size()) {
    *why = "it is corrupt";
    return false;
  }
  out->kind = ContinuePosition::kAfterKey;
  out->order = std::string(f[0]);
  out->key.cluster = std::string(f[1]);
  out->key.namespace_name = std::string(f[2]);
  out->key.name = std::string(f[3]);
  out->key.creation_unix_ms = created;
  out->key.resource_version = std::string(f[5]);
  return true;
}

}  // namespace pedia::storage::memory
