#include "base/base64.h"
#include "kube/connection_config.h"

#include <yaml-cpp/yaml.h>

#include <array>
#include <cstdint>
#include <fstream>
#include <sstream>

namespace pedia::kube {
namespace {

Status ConfigError(std::string primary, std::string hint = {}) {
  std::string m = std::move(primary);
  if (!hint.empty()) m += "\nHINT: " + hint;
  return Status::InvalidArgument(std::move(m));
}

Result<std::string> ReadFile(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return ConfigError("cannot read " + std::string(what) + " file \"" + path + "\"");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Resolve(const std::string& base_dir, const std::string& path) {
  if (path.empty() || path[0] == '/' || base_dir.empty()) return path;
  return base_dir + "/" + path;
}

std::string Scalar(const YAML::Node& node, const char* key) {
  const YAML::Node v = node[key];
  if (!v || !v.IsScalar()) return "";
  return v.as<std::string>();
}

// Finds the entry named `name` in a kubeconfig list (clusters, users,
// contexts) and returns its inner map (entry[field]).
YAML::Node FindNamed(const YAML::Node& root, const char* list, const char* field, const std::string& name) {
  const YAML::Node items = root[list];
  if (!items || !items.IsSequence()) return YAML::Node();
  for (const auto& item : items) {
    if (item.IsMap() && Scalar(item, "name") == name) return item[field];
  }
  return YAML::Node();
}

// Reads "<key>-data" (base64) or "<key>" (a file path).
Status DataOrFile(const YAML::Node& node, const std::string& key, const std::string& base_dir, std::string_view where,
                  std::string* out) {
  std::string data = Scalar(node, (key + "-data").c_str());
  if (!data.empty()) {
    auto decoded = Base64Decode(data);
    if (!decoded.ok()) return ConfigError(std::string(where) + "." + key + "-data is not valid base64");
    *out = std::move(decoded.value());
    return Status::Ok();
  }
  std::string file = Scalar(node, key.c_str());
  if (file.empty()) return Status::Ok();
  auto content = ReadFile(Resolve(base_dir, file), std::string(where) + "." + key);
  if (!content.ok()) return content.status();
  *out = std::move(content.value());
  return Status::Ok();
}

std::string TrimSlash(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

}  // namespace

std::string ConnectionConfig::Describe() const {
  std::string auth = !bearer_token.empty()                                   ? "token auth"
                     : (!client_cert_pem.empty() && !client_key_pem.empty()) ? "client certificate auth"
                                                                             : "no client auth";
  std::string tls = server.rfind("http://", 0) == 0 ? "plain HTTP"
                    : insecure_skip_tls_verify      ? "TLS not verified"
                    : ca_pem.empty()                ? "system CAs"
                                                    : "CA verified";
  return server + " (" + auth + ", " + tls + ")";
}

Result<ConnectionConfig> ParseKubeconfig(std::string_view yaml, const std::string& base_dir,
                                         const std::string& context_name) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return ConfigError("invalid kubeconfig: " + e.msg + " at line " + std::to_string(e.mark.line + 1));
  }
  if (!root.IsMap()) return ConfigError("invalid kubeconfig: the document is not a map");
  try {
    std::string ctx = context_name.empty() ? Scalar(root, "current-context") : context_name;
    if (ctx.empty()) {
      return ConfigError("invalid kubeconfig: no context selected", "set current-context or choose a context");
    }
    YAML::Node context = FindNamed(root, "contexts", "context", ctx);
    if (!context || !context.IsMap()) return ConfigError("invalid kubeconfig: context \"" + ctx + "\" not found");
    std::string cluster_name = Scalar(context, "cluster");
    std::string user_name = Scalar(context, "user");
    YAML::Node cluster = FindNamed(root, "clusters", "cluster", cluster_name);
    if (!cluster || !cluster.IsMap()) {
      return ConfigError("invalid kubeconfig: cluster \"" + cluster_name + "\" of context \"" + ctx + "\" not found");
    }
    ConnectionConfig c;
    c.server = TrimSlash(Scalar(cluster, "server"));
    if (c.server.empty()) return ConfigError("invalid kubeconfig: cluster \"" + cluster_name + "\" has no server");
    c.insecure_skip_tls_verify = Scalar(cluster, "insecure-skip-tls-verify") == "true";
    if (Status s = DataOrFile(cluster, "certificate-authority", base_dir, "cluster", &c.ca_pem); !s.ok()) return s;
    if (!user_name.empty()) {
      YAML::Node user = FindNamed(root, "users", "user", user_name);
      if (!user || !user.IsMap()) {
        return ConfigError("invalid kubeconfig: user \"" + user_name + "\" of context \"" + ctx + "\" not found");
      }
      if (Status s = DataOrFile(user, "client-certificate", base_dir, "user", &c.client_cert_pem); !s.ok()) return s;
      if (Status s = DataOrFile(user, "client-key", base_dir, "user", &c.client_key_pem); !s.ok()) return s;
      if (c.client_cert_pem.empty() != c.client_key_pem.empty()) {
        return ConfigError("invalid kubeconfig: user \"" + user_name +
                           "\" has a client certificate without a key, or a key without a certificate");
      }
      c.bearer_token = Scalar(user, "token");
      std::string token_file = Scalar(user, "tokenFile");
      if (c.bearer_token.empty() && !token_file.empty()) {
        auto t = ReadFile(Resolve(base_dir, token_file), "user.tokenFile");
        if (!t.ok()) return t.status();
        c.bearer_token = std::string(t.value());
        while (!c.bearer_token.empty() && (c.bearer_token.back() == '\n' || c.bearer_token.back() == '\r')) {
          c.bearer_token.pop_back();
        }
      }
    }
    return c;
  } catch (const YAML::Exception& e) {
    return ConfigError("invalid kubeconfig: " + e.msg);
  }
}

Result<ConnectionConfig> LoadKubeconfigFile(const std::string& path, const std::string& context) {
  auto content = ReadFile(path, "kubeconfig");
  if (!content.ok()) return content.status();
  std::string dir = ".";
  if (auto slash = path.rfind('/'); slash != std::string::npos) dir = path.substr(0, slash);
  auto c = ParseKubeconfig(content.value(), dir, context);
  if (!c.ok()) return c.status().Annotate(path);
  return c;
}

Result<ConnectionConfig> ConnectionConfigFromCluster(const ClusterCredentials& creds) {
  if (!creds.kubeconfig.empty()) {
    auto c = ParseKubeconfig(creds.kubeconfig, "");
    if (!c.ok()) return c.status().Annotate("spec.kubeconfig");
    return c;
  }
  if (creds.apiserver.empty()) return ConfigError("Cluster APIServer Endpoint is required");
  ConnectionConfig c;
  c.server = TrimSlash(creds.apiserver);
  if (!creds.token.empty()) {
    c.bearer_token = creds.token;
    while (!c.bearer_token.empty() && (c.bearer_token.back() == '\n' || c.bearer_token.back() == '\r')) {
      c.bearer_token.pop_back();
    }
  } else if (!creds.cert.empty() && !creds.key.empty()) {
    c.client_cert_pem = creds.cert;
    c.client_key_pem = creds.key;
  } else {
    return ConfigError("Token or Cert is required", "set spec.tokenData, or spec.certData and spec.keyData");
  }
  if (creds.ca.empty()) {
    c.insecure_skip_tls_verify = true;
  } else {
    c.ca_pem = creds.ca;
  }
  return c;
}

}  // namespace pedia::kube
