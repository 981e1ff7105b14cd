// Continue tokens of the memory layer.
//
// A token is opaque to clients: "m" followed by the base64url encoding of the
// sort key of the last row served and of the order it was served in.  The
// next page starts strictly after that key, so rows inserted or deleted
// between pages never shift the page boundary: an object that exists
// unchanged during the whole paging is served exactly once.  A plain decimal
// string is also accepted, as an offset (Clusterpedia's tokens are offsets).
#ifndef PEDIA_STORAGE_MEMORY_CONTINUE_TOKEN_H_
#define PEDIA_STORAGE_MEMORY_CONTINUE_TOKEN_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace pedia::storage::memory {

/// The position of one row in a list order.
struct SortKey {
  std::string cluster, namespace_name, name, resource_version;
  int64_t creation_unix_ms = 0;
};

struct ContinuePosition {
  enum Kind { kStart, kOffset, kAfterKey };
  Kind kind = kStart;
  uint64_t offset = 0;
  std::string order;  // the order spec the key was taken in
  SortKey key;
};

/// Encodes the position after key in the order described by order_spec.
std::string EncodeContinueToken(std::string_view order_spec, const SortKey& key);

/// Parses a token; false (with *why set) when it is malformed.
bool DecodeContinueToken(std::string_view token, ContinuePosition* out, std::string* why);

}  // namespace pedia::storage::memory

#endif  // PEDIA_STORAGE_MEMORY_CONTINUE_TOKEN_H_
