// pedia kubeconfig: prints a kubeconfig for kubectl against pedia, as
// Clusterpedia's hack/gen-clusterconfigs.sh does (clusterpedia-spec §4.2):
// a `clusterpedia` cluster for the multi-cluster view and one cluster per
// member cluster, each with a context of the same name, all sharing one user.
// Member clusters come from --clusters or from the cluster records in storage.

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "base/base64.h"
#include "base/exit_status.h"
#include "base/string_util.h"
#include "cmd/applets.h"
#include "cmd/common_flags.h"

namespace pedia::cmd {
namespace {

struct Options {
  CommonOptions common;
  StorageOptions storage;
  std::string server;
  std::vector<std::string> clusters;
  std::string certificate_authority;
  bool insecure_skip_tls_verify = false;
  std::string client_certificate, client_key, token;
  std::string user = "clusterpedia";
};

void Define(CLI::App* app, Options* o) {
  app->description(
      "Print a kubeconfig for kubectl against pedia: a \"clusterpedia\" cluster and one per member cluster.");
  AddCommonFlags(app, &o->common);
  AddStorageFlags(app, &o->storage, "internal");
  app->add_option("--server", o->server, "pedia's address, e.g. https://127.0.0.1:8443")->required();
  app->add_option("--clusters", o->clusters, "member cluster names (default: the clusters recorded in storage)")
      ->delimiter(',');
  app->add_option("--certificate-authority", o->certificate_authority,
                  "CA file that signed pedia's serving certificate");
  app->add_flag("--insecure-skip-tls-verify", o->insecure_skip_tls_verify,
                "do not verify pedia's certificate (insecure)");
  app->add_option("--client-certificate", o->client_certificate, "client certificate file for the user");
  app->add_option("--client-key", o->client_key, "client key file for the user");
  app->add_option("--token", o->token, "bearer token for the user");
  app->add_option("--user", o->user, "name of the kubeconfig user entry")->capture_default_str();
}

Result<std::string> FileBase64(const std::string& path, const char* flag) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::InvalidArgument(std::string("cannot read ") + flag + " file \"" + path + "\"");
  std::stringstream ss;
  ss << in.rdbuf();
  return Base64Encode(ss.str());
}

// A YAML double-quoted scalar.
std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

void DescribeKubeconfig(CLI::App* app) {
  static Options o;
  Define(app, &o);
}

int RunKubeconfig(int argc, char** argv) {
  Options o;
  CLI::App app{"", argv[0]};
  Define(&app, &o);
  if (int rc = Parse(app, argc, argv); rc >= 0) return rc;
  if (int rc = ApplyCommon(o.common, argv[0]); rc >= 0) return rc;
  while (!o.server.empty() && o.server.back() == '/') o.server.pop_back();
  if (!StartsWith(o.server, "https://") && !StartsWith(o.server, "http://")) {
    PrintError(argv[0], Status::InvalidArgument("--server must be a URL such as https://127.0.0.1:8443"));
    return kExitUsage;
  }
  if (o.client_certificate.empty() != o.client_key.empty()) {
    PrintError(argv[0], Status::InvalidArgument("--client-certificate and --client-key go together"));
    return kExitUsage;
  }
  std::vector<std::string> clusters = o.clusters;
  if (clusters.empty()) {
    storage::Registry registry;
    auto store = OpenStorage(o.storage, /*in_process=*/false, &registry);
    if (!store.ok()) {
      PrintError(argv[0], Status(store.status().code(),
                                 store.status().message() + "\nHINT: pass the member clusters with --clusters"));
      return kExitFailure;
    }
    Status s =
        store.value()->ListClusters([&](std::string_view name, std::string_view) { clusters.emplace_back(name); });
    if (!s.ok()) {
      PrintError(argv[0], s);
      return kExitFailure;
    }
  }
  std::sort(clusters.begin(), clusters.end());
  std::string ca_data, cert_data, key_data;
  if (!o.certificate_authority.empty()) {
    auto d = FileBase64(o.certificate_authority, "--certificate-authority");
    if (!d.ok()) return PrintError(argv[0], d.status()), kExitUsage;
    ca_data = d.value();
  }
  if (!o.client_certificate.empty()) {
    auto c = FileBase64(o.client_certificate, "--client-certificate");
    auto k = FileBase64(o.client_key, "--client-key");
    if (!c.ok()) return PrintError(argv[0], c.status()), kExitUsage;
    if (!k.ok()) return PrintError(argv[0], k.status()), kExitUsage;
    cert_data = c.value();
    key_data = k.value();
  }
  std::string base = o.server + "/apis/clusterpedia.io/v1beta1/resources";
  std::vector<std::pair<std::string, std::string>> entries = {{"clusterpedia", base}};
  for (const std::string& c : clusters) entries.emplace_back(c, base + "/clusters/" + c);

  std::string y = "apiVersion: v1\nkind: Config\nclusters:\n";
  for (const auto& [name, url] : entries) {
    y += "- name: " + Quote(name) + "\n  cluster:\n    server: " + Quote(url) + "\n";
    if (!ca_data.empty()) y += "    certificate-authority-data: " + ca_data + "\n";
    if (o.insecure_skip_tls_verify) y += "    insecure-skip-tls-verify: true\n";
  }
  y += "contexts:\n";
  for (const auto& [name, url] : entries) {
    y += "- name: " + Quote(name) + "\n  context:\n    cluster: " + Quote(name) + "\n    user: " + Quote(o.user) + "\n";
  }
  y += "current-context: clusterpedia\nusers:\n- name: " + Quote(o.user) + "\n  user:";
  if (cert_data.empty() && o.token.empty()) y += " {}";
  y += "\n";
  if (!cert_data.empty()) {
    y += "    client-certificate-data: " + cert_data + "\n    client-key-data: " + key_data + "\n";
  }
  if (!o.token.empty()) y += "    token: " + Quote(o.token) + "\n";
  y += "preferences: {}\n";
  std::fwrite(y.data(), 1, y.size(), stdout);
  return kExitSuccess;
}

}  // namespace pedia::cmd
