// Standard base64 (RFC 4648 §4, with padding), as Kubernetes writes []byte
// fields such as caData and the *-data keys of a kubeconfig.
#ifndef PEDIA_BASE_BASE64_H_
#define PEDIA_BASE_BASE64_H_

#include <string>
#include <string_view>

#include "base/status.h"

namespace pedia {

std::string Base64Encode(std::string_view data);
/// Decodes; whitespace is skipped and padding is optional.  InvalidArgument
/// for a character outside the alphabet, data after padding, or a truncated
/// final group.
Result<std::string> Base64Decode(std::string_view text);

}  // namespace pedia

#endif  // PEDIA_BASE_BASE64_H_
