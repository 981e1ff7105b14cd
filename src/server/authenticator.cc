#include "server/authenticator.h"

#include <algorithm>
#include <fstream>

#include "base/string_util.h"

namespace pedia::server {
namespace {

// Splits one CSV record with double-quoted fields ("" is a quote).
bool SplitCsv(const std::string& line, std::vector<std::string>* fields) {
  fields->clear();
  std::string cur;
  bool quoted = false, in_quotes = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (in_quotes) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cur += '"';
        ++i;
      } else if (c == '"') {
        in_quotes = false;
      } else {
        cur += c;
      }
    } else if (c == '"' && Trim(cur).empty()) {
      in_quotes = quoted = true;
      cur.clear();
    } else if (c == ',') {
      fields->push_back(quoted ? cur : std::string(Trim(cur)));
      cur.clear();
      quoted = false;
    } else {
      cur += c;
    }
  }
  if (in_quotes) return false;
  fields->push_back(quoted ? cur : std::string(Trim(cur)));
  return true;
}

}  // namespace

bool ParseTokenLine(const std::string& line, std::string* token, std::string* user, std::string* uid,
                    std::vector<std::string>* groups) {
  std::vector<std::string> f;
  if (!SplitCsv(line, &f) || f.size() < 3 || f[0].empty() || f[1].empty()) return false;
  *token = f[0];
  *user = f[1];
  *uid = f[2];
  groups->clear();
  if (f.size() > 3) {
    for (std::string_view g : SplitAndTrim(f[3], ',')) {
      if (!g.empty()) groups->emplace_back(g);
    }
  }
  return true;
}

Result<std::unique_ptr<Authenticator>> Authenticator::Create(AuthOptions options) {
  // Request header names arrive lowercased (http_server.cc): match the
  // configured front-proxy header names in that form, once.
  for (std::string& h : options.requestheader_username_headers) h = AsciiLower(h);
  for (std::string& h : options.requestheader_group_headers) h = AsciiLower(h);
  std::unique_ptr<Authenticator> a(new Authenticator(std::move(options)));
  const std::string& path = a->options_.token_auth_file;
  if (!path.empty()) {
    std::ifstream in(path);
    if (!in) return Status::InvalidArgument("cannot read token file \"" + path + "\"");
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
      ++number;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (Trim(line).empty() || Trim(line)[0] == '#') continue;
      std::string token;
      TokenUser u;
      if (!ParseTokenLine(line, &token, &u.name, &u.uid, &u.groups)) {
        return Status::InvalidArgument("malformed token file entry at \"" + path + "\":" + std::to_string(number) +
                                       "\nHINT: each line is token,user,uid[,\"group1,group2\"]");
      }
      a->tokens_[token] = std::move(u);
    }
  }
  return a;
}

Result<UserInfo> Authenticator::Authenticate(const http::Request& request) const {
  const http::ClientCert& cert = request.client_cert;
  if (cert.verified && options_.requestheader_ca_index >= 0 && cert.ca_index == options_.requestheader_ca_index) {
    const auto& allowed = options_.requestheader_allowed_names;
    if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), cert.common_name) == allowed.end()) {
      return Status::NotFound("front-proxy client certificate CN \"" + cert.common_name +
                              "\" is not in --requestheader-allowed-names");
    }
    UserInfo u;
    u.method = "front-proxy";
    for (const std::string& h : options_.requestheader_username_headers) {
      std::string_view v = request.Header(h);
      if (!v.empty()) {
        u.name = std::string(v);
        break;
      }
    }
    if (u.name.empty()) return Status::NotFound("front-proxy request without a user header");
    const std::vector<std::string>& group_headers = options_.requestheader_group_headers;
    for (const auto& [name, value] : request.headers) {
      if (std::find(group_headers.begin(), group_headers.end(), name) != group_headers.end()) {
        u.groups.push_back(value);
      }
    }
    return u;
  }
  if (cert.verified && options_.client_ca_index >= 0 && cert.ca_index == options_.client_ca_index) {
    if (cert.common_name.empty()) return Status::NotFound("client certificate without a common name");
    return UserInfo{cert.common_name, cert.organizations, "x509"};
  }
  std::string_view auth = request.Header("authorization");
  if (!auth.empty()) {
    constexpr std::string_view kBearer = "bearer ";
    if (auth.size() > kBearer.size() && AsciiLower(auth.substr(0, kBearer.size())) == kBearer) {
      std::string token(Trim(auth.substr(kBearer.size())));
      auto it = tokens_.find(token);
      if (it != tokens_.end()) {
        UserInfo u{it->second.name, it->second.groups, "token"};
        u.groups.push_back("system:authenticated");
        return u;
      }
      return Status::NotFound("invalid bearer token");
    }
    return Status::NotFound("unsupported Authorization scheme");
  }
  if (options_.anonymous) return UserInfo{"system:anonymous", {"system:unauthenticated"}, "anonymous"};
  return Status::NotFound("no client certificate or bearer token");
}

}  // namespace pedia::server
