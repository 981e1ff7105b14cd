// A self-signed serving certificate for when no --tls-cert-file is given,
// as Kubernetes API servers do (clusterpedia-spec §1.3): valid for
// localhost, 127.0.0.1 and ::1, written to <cert_dir>/apiserver.crt and
// apiserver.key (mode 0600) and reused while it is still valid.
#ifndef PEDIA_SERVER_SELF_SIGNED_CERT_H_
#define PEDIA_SERVER_SELF_SIGNED_CERT_H_

#include <string>

#include "base/status.h"

namespace pedia::server {

struct CertPair {
  std::string cert_file, key_file;
  bool generated = false;  // false when an existing pair was reused
};

/// Ensures a pair exists in cert_dir (created if missing).
Result<CertPair> EnsureSelfSignedCert(const std::string& cert_dir);

}  // namespace pedia::server

#endif  // PEDIA_SERVER_SELF_SIGNED_CERT_H_
