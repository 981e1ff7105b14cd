#include "base/base64.h"
#include "kube/connection_config.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "catch.h"

namespace pedia::kube {
namespace {

// "-----BEGIN CA-----" / "secret-token" in base64.
constexpr const char* kKubeconfig = R"(apiVersion: v1
kind: Config
current-context: b
clusters:
- name: one
  cluster: {server: "https://one:6443/", certificate-authority-data: LS0tLS1CRUdJTiBDQS0tLS0t}
- name: two
  cluster: {server: "https://two:6443", insecure-skip-tls-verify: true}
users:
- name: tok
  user: {token: secret-token}
- name: cert
  user: {client-certificate-data: Y2VydA==, client-key-data: a2V5}
contexts:
- name: a
  context: {cluster: one, user: cert}
- name: b
  context: {cluster: two, user: tok}
)";

TEST_CASE("kubeconfig: current context and explicit context", "[kube]") {
  auto b = ParseKubeconfig(kKubeconfig, "");
  REQUIRE(b.ok());
  CHECK(b->server == "https://two:6443");
  CHECK(b->insecure_skip_tls_verify);
  CHECK(b->bearer_token == "secret-token");
  auto a = ParseKubeconfig(kKubeconfig, "", "a");
  REQUIRE(a.ok());
  CHECK(a->server == "https://one:6443");
  CHECK(a->ca_pem == "-----BEGIN CA-----");
  CHECK(a->client_cert_pem == "cert");
  CHECK(a->client_key_pem == "key");
  CHECK(a->Describe() == "https://one:6443 (client certificate auth, CA verified)");
}

TEST_CASE("kubeconfig: files and tokenFile resolve against the base directory", "[kube]") {
  std::string dir = "/tmp/pedia-kube-test-" + std::to_string(::getpid());
  std::string mk = "mkdir -p " + dir;
  REQUIRE(std::system(mk.c_str()) == 0);
  std::ofstream(dir + "/ca.pem") << "CA";
  std::ofstream(dir + "/token") << "tok-from-file\n";
  std::string cfg = R"(current-context: x
clusters: [{name: c, cluster: {server: "https://h", certificate-authority: ca.pem}}]
users: [{name: u, user: {tokenFile: token}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
)";
  std::ofstream(dir + "/config") << cfg;
  auto c = LoadKubeconfigFile(dir + "/config");
  REQUIRE(c.ok());
  CHECK(c->ca_pem == "CA");
  CHECK(c->bearer_token == "tok-from-file");
  std::string rm = "rm -rf " + dir;
  CHECK(std::system(rm.c_str()) == 0);
}

TEST_CASE("kubeconfig: errors name the problem and never the secret", "[kube]") {
  auto bad_yaml = ParseKubeconfig("clusters: [", "");
  REQUIRE_FALSE(bad_yaml.ok());
  CHECK(bad_yaml.status().message().find("line") != std::string::npos);
  auto no_ctx = ParseKubeconfig(kKubeconfig, "", "zzz");
  REQUIRE_FALSE(no_ctx.ok());
  CHECK(no_ctx.status().message().find("context \"zzz\" not found") != std::string::npos);
  auto missing_file = ParseKubeconfig(
      "current-context: x\nclusters: [{name: c, cluster: {server: h, certificate-authority: /nonexistent}}]\n"
      "contexts: [{name: x, context: {cluster: c}}]\n",
      "");
  REQUIRE_FALSE(missing_file.ok());
  CHECK(missing_file.status().message().find("/nonexistent") != std::string::npos);
  CHECK(no_ctx.status().message().find("secret-token") == std::string::npos);
}

TEST_CASE("cluster credentials follow clusterpedia's resolution order", "[kube]") {
  ClusterCredentials creds;
  auto none = ConnectionConfigFromCluster(creds);
  REQUIRE_FALSE(none.ok());
  CHECK(none.status().message().find("APIServer Endpoint is required") != std::string::npos);
  creds.apiserver = "https://m:6443";
  auto no_auth = ConnectionConfigFromCluster(creds);
  REQUIRE_FALSE(no_auth.ok());
  CHECK(no_auth.status().message().find("Token or Cert is required") != std::string::npos);
  creds.token = "t\n";
  auto token = ConnectionConfigFromCluster(creds);
  REQUIRE(token.ok());
  CHECK(token->bearer_token == "t");
  CHECK(token->insecure_skip_tls_verify);  // no CA
  creds.ca = "CA";
  CHECK_FALSE(ConnectionConfigFromCluster(creds)->insecure_skip_tls_verify);
  creds.kubeconfig = kKubeconfig;
  CHECK(ConnectionConfigFromCluster(creds)->server == "https://two:6443");
}

TEST_CASE("base64 decoding", "[kube]") {
  CHECK(Base64Decode("aGVsbG8=").value() == "hello");
  CHECK(Base64Decode("aGVsbG8").value() == "hello");
  CHECK(Base64Decode("aGVs\nbG8=").value() == "hello");
  CHECK_FALSE(Base64Decode("aGV*").ok());
  CHECK_FALSE(Base64Decode("a").ok());
}

}  // namespace
}  // namespace pedia::kube
