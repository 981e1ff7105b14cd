// Who is calling: x509 client certificates, static bearer tokens and
// front-proxy request headers, as kube-apiserver and aggregated API servers
// authenticate (clusterpedia-spec §7).
//
// The TLS layer verifies certificates (http::ServerOptions::client_ca_files);
// this class decides what a verified certificate means from which CA signed
// it: the --client-ca-file CA gives user = CN, groups = O; the
// --requestheader-client-ca-file CA (with an allowed CN) makes the request
// headers authoritative.  Tokens come from a kube-apiserver static token
// file: `token,user,uid,"group1,group2"`.
//
// Thread-safety: immutable after Create(); Authenticate() from any thread.
// Tokens are never logged or echoed.
#ifndef PEDIA_SERVER_AUTHENTICATOR_H_
#define PEDIA_SERVER_AUTHENTICATOR_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "server/http_server.h"

namespace pedia::server {

struct UserInfo {
  std::string name;
  std::vector<std::string> groups;
  std::string method;  // "x509", "token", "front-proxy", "anonymous"
};

struct AuthOptions {
  int client_ca_index = -1;                              // index in ServerOptions::client_ca_files, or -1
  int requestheader_ca_index = -1;                       // likewise for the front proxy
  std::vector<std::string> requestheader_allowed_names;  // empty: any CN
  std::vector<std::string> requestheader_username_headers = {"X-Remote-User"};
  std::vector<std::string> requestheader_group_headers = {"X-Remote-Group"};
  std::string token_auth_file;
  bool anonymous = false;
};

class Authenticator {
 public:
  /// Reads the token file.  InvalidArgument names the file and line of a
  /// malformed entry (never the token itself).
  static Result<std::unique_ptr<Authenticator>> Create(AuthOptions options);

  /// The caller.  On failure the Status message says what was missing or
  /// wrong, without secrets, fit for a 401 body.
  Result<UserInfo> Authenticate(const http::Request& request) const;

  bool anonymous_allowed() const { return options_.anonymous; }

 private:
  explicit Authenticator(AuthOptions options) : options_(std::move(options)) {}

  struct TokenUser {
    std::string name, uid;
    std::vector<std::string> groups;
  };
  AuthOptions options_;
  std::map<std::string, TokenUser> tokens_;
};

/// Parses one CSV line of a static token file; false when malformed.
bool ParseTokenLine(const std::string& line, std::string* token, std::string* user, std::string* uid,
                    std::vector<std::string>* groups);

}  // namespace pedia::server

#endif  // PEDIA_SERVER_AUTHENTICATOR_H_
