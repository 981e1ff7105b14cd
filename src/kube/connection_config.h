// How to reach one Kubernetes API server: endpoint, TLS trust and client
// credentials.  Built from a kubeconfig (file or bytes) or from a
// PediaCluster's credential fields (clusterpedia-spec §5.1).
//
// Holds secrets: never log it or put it in an error; use Describe().
// A plain value type, safe to copy between threads.
#ifndef PEDIA_KUBE_CONNECTION_CONFIG_H_
#define PEDIA_KUBE_CONNECTION_CONFIG_H_

#include <string>
#include <string_view>

#include "base/status.h"

namespace pedia::kube {

struct ConnectionConfig {
  std::string server;  // "https://10.0.0.1:6443", no trailing slash
  std::string ca_pem;  // trusted CA bundle; empty: system CAs (kubeconfig) or no verification
  bool insecure_skip_tls_verify = false;
  std::string client_cert_pem, client_key_pem;
  std::string bearer_token;

  bool operator==(const ConnectionConfig&) const = default;
  /// "https://host:6443 (token auth, CA verified)": safe for logs.
  std::string Describe() const;
};

/// Parses kubeconfig YAML.  Relative file paths (certificate-authority,
/// client-certificate, client-key, tokenFile) resolve against base_dir.
/// context empty: current-context.  Errors name the field at fault and
/// never quote credential values.
Result<ConnectionConfig> ParseKubeconfig(std::string_view yaml, const std::string& base_dir,
                                         const std::string& context = "");
Result<ConnectionConfig> LoadKubeconfigFile(const std::string& path, const std::string& context = "");

/// A PediaCluster's credential fields, already base64-decoded.
struct ClusterCredentials {
  std::string kubeconfig, apiserver, token, ca, cert, key;
};

/// Clusterpedia's resolution order (pkg/utils/rest.go): kubeconfig wins;
/// else apiserver plus token or cert+key.  No CA means TLS is not verified
/// (insecure_skip_tls_verify is set and the caller warns).
Result<ConnectionConfig> ConnectionConfigFromCluster(const ClusterCredentials& creds);

}  // namespace pedia::kube

#endif  // PEDIA_KUBE_CONNECTION_CONFIG_H_
