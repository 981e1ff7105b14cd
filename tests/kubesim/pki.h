// Test PKI for TLS clusters: a CA, a server certificate for 127.0.0.1 and
// localhost, and a client certificate (CN=kubesim-admin, O=system:masters),
// made with the openssl command-line tool.
#ifndef PEDIA_TESTS_KUBESIM_PKI_H_
#define PEDIA_TESTS_KUBESIM_PKI_H_

#include <string>

#include "base/status.h"

namespace kubesim {

struct PkiFiles {
  std::string dir, ca_cert, ca_key, server_cert, server_key, client_cert, client_key;
};

/// Writes the files into dir (created if missing); reuses a complete set
/// already there.
pedia::Result<PkiFiles> MakePki(const std::string& dir);

}  // namespace kubesim

#endif  // PEDIA_TESTS_KUBESIM_PKI_H_
