#include "pki.h"

#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <vector>

namespace kubesim {

namespace {

// Runs argv without a shell; output is discarded.
bool Run(const std::vector<std::string>& argv) {
  pid_t pid = fork();
  if (pid < 0) return false;
  if (pid == 0) {
    FILE* null = std::fopen("/dev/null", "w");
    if (null) {
      dup2(fileno(null), 1);
      dup2(fileno(null), 2);
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace

pedia::Result<PkiFiles> MakePki(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return pedia::Status::InvalidArgument("cannot create the PKI directory \"" + dir + "\": " + ec.message());
  PkiFiles f;
  f.dir = fs::absolute(dir).string();
  f.ca_cert = f.dir + "/ca.crt";
  f.ca_key = f.dir + "/ca.key";
  f.server_cert = f.dir + "/server.crt";
  f.server_key = f.dir + "/server.key";
  f.client_cert = f.dir + "/client.crt";
  f.client_key = f.dir + "/client.key";
  bool complete = true;
  for (const auto* p : {&f.ca_cert, &f.ca_key, &f.server_cert, &f.server_key, &f.client_cert, &f.client_key}) {
    complete = complete && fs::exists(*p);
  }
  if (complete) return f;
  std::string ext = f.dir + "/server.ext";
  {
    FILE* out = std::fopen(ext.c_str(), "w");
    if (!out) return pedia::Status::InvalidArgument("cannot write " + ext);
    std::fputs("subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n", out);
    std::fclose(out);
  }
  std::string client_ext = f.dir + "/client.ext";
  {
    FILE* out = std::fopen(client_ext.c_str(), "w");
    if (!out) return pedia::Status::InvalidArgument("cannot write " + client_ext);
    std::fputs("extendedKeyUsage=clientAuth\n", out);
    std::fclose(out);
  }
  bool ok = Run({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f.ca_key, "-out", f.ca_cert,
                 "-days", "3650", "-subj", "/CN=kubesim-ca"}) &&
            Run({"openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", f.server_key, "-out",
                 f.dir + "/server.csr", "-subj", "/CN=kubesim-apiserver"}) &&
            Run({"openssl", "x509", "-req", "-in", f.dir + "/server.csr", "-CA", f.ca_cert, "-CAkey", f.ca_key,
                 "-CAcreateserial", "-out", f.server_cert, "-days", "3650", "-extfile", ext}) &&
            Run({"openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", f.client_key, "-out",
                 f.dir + "/client.csr", "-subj", "/O=system:masters/CN=kubesim-admin"}) &&
            Run({"openssl", "x509", "-req", "-in", f.dir + "/client.csr", "-CA", f.ca_cert, "-CAkey", f.ca_key,
                 "-CAcreateserial", "-out", f.client_cert, "-days", "3650", "-extfile", client_ext});
  if (!ok) {
    return pedia::Status::Internal("generating the test PKI with openssl failed\nHINT: is the openssl tool installed?");
  }
  return f;
}

}  // namespace kubesim
