#include "server/self_signed_cert.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

namespace pedia::server {
namespace {

template <class T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using CertPtr = std::unique_ptr<X509, Deleter<X509, X509_free>>;

// True when the certificate at path parses and is valid for another day.
bool StillValid(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (!f) return false;
  CertPtr cert(PEM_read_X509(f, nullptr, nullptr, nullptr));
  std::fclose(f);
  if (!cert) return false;
  time_t tomorrow = time(nullptr) + 86400;
  return X509_cmp_time(X509_get0_notAfter(cert.get()), &tomorrow) > 0;
}

bool AddExtension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (!ext) return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

}  // namespace

Result<CertPair> EnsureSelfSignedCert(const std::string& cert_dir) {
  CertPair pair{cert_dir + "/apiserver.crt", cert_dir + "/apiserver.key", false};
  std::error_code ec;
  if (StillValid(pair.cert_file) && std::filesystem::exists(pair.key_file, ec)) return pair;
  std::filesystem::create_directories(cert_dir, ec);
  if (ec) {
    return Status::InvalidArgument("cannot create --cert-dir \"" + cert_dir + "\": " + ec.message());
  }
  KeyPtr key(EVP_EC_gen("P-256"));
  CertPtr cert(X509_new());
  if (!key || !cert) return Status::Internal("cannot generate a key pair for the self-signed certificate");
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  FILE* rnd = std::fopen("/dev/urandom", "r");
  if (!rnd || std::fread(serial, 1, sizeof(serial), rnd) != sizeof(serial)) {
    if (rnd) std::fclose(rnd);
    return Status::Internal("cannot read /dev/urandom for a certificate serial");
  }
  std::fclose(rnd);
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof(serial), nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 365L * 86400);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("localhost@pedia"), -1,
                             -1, 0);
  X509_set_issuer_name(cert.get(), name);
  if (!AddExtension(cert.get(), NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:0:0:0:0:0:0:0:1") ||
      !AddExtension(cert.get(), NID_basic_constraints, "critical,CA:TRUE") ||
      !AddExtension(cert.get(), NID_key_usage, "critical,digitalSignature,keyEncipherment,keyCertSign") ||
      !AddExtension(cert.get(), NID_ext_key_usage, "serverAuth")) {
    return Status::Internal("cannot add extensions to the self-signed certificate");
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) {
    return Status::Internal("cannot sign the self-signed certificate");
  }
  // The key file is created 0600 before anything is written to it.
  int fd = ::open(pair.key_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return Status::InvalidArgument("cannot write \"" + pair.key_file + "\": " + std::strerror(errno));
  FILE* kf = fdopen(fd, "w");
  bool key_ok = kf && PEM_write_PrivateKey(kf, key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1;
  if (kf) std::fclose(kf);
  FILE* cf = std::fopen(pair.cert_file.c_str(), "w");
  bool cert_ok = cf && PEM_write_X509(cf, cert.get()) == 1;
  if (cf) std::fclose(cf);
  if (!key_ok || !cert_ok)
    return Status::InvalidArgument("cannot write the self-signed pair into \"" + cert_dir + "\"");
  pair.generated = true;
  return pair;
}

}  // namespace pedia::server
