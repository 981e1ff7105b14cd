// pedia apiserver: serves the multi-cluster search API (clusterpedia.io/v1beta1)
// from storage (clusterpedia-spec §1.3).  Flags and wiring only; the work is
// in src/server.
#include "base/exit_status.h"
#include "base/log.h"
#include "base/shutdown.h"
#include "cmd/apiserver_serving.h"
#include "cmd/applets.h"
#include "cmd/common_flags.h"

namespace pedia::cmd {
namespace {

struct Options {
  CommonOptions common;
  StorageOptions storage;
  ServingOptions serving;
  std::string kubeconfig;
  std::string authentication_kubeconfig;
  std::string authorization_kubeconfig;
};

void Define(CLI::App* app, Options* o) {
  app->description("Serve the multi-cluster search API (clusterpedia.io/v1beta1) from storage.");
  AddCommonFlags(app, &o->common);
  AddStorageFlags(app, &o->storage, "internal");
  AddServingFlags(app, &o->serving);
  app->add_option("--kubeconfig", o->kubeconfig,
                  "accepted for compatibility; pedia reads clusters from storage, not from a host cluster")
      ->group("Misc");
  // Clusterpedia's delegated authn/authz flags (the seed walkthrough passes
  // them).  pedia authenticates itself (client certificates, token file,
  // front-proxy headers) and has no SubjectAccessReview: accepted, and
  // warned about, so no one believes a host cluster authorizes requests.
  app->add_option("--authentication-kubeconfig", o->authentication_kubeconfig,
                  "accepted for compatibility; delegated TokenReview authentication is not supported (use "
                  "--client-ca-file, --token-auth-file or --requestheader-*)")
      ->group("Authentication");
  app->add_option("--authorization-kubeconfig", o->authorization_kubeconfig,
                  "accepted for compatibility; there is no SubjectAccessReview: every authenticated user may "
                  "read everything synced")
      ->group("Authorization");
}

}  // namespace

void DescribeApiserver(CLI::App* app) {
  static Options o;
  Define(app, &o);
}

int RunApiserver(int argc, char** argv) {
  Options o;
  CLI::App app{"", argv[0]};
  Define(&app, &o);
  if (int rc = Parse(app, argc, argv); rc >= 0) return rc;
  if (int rc = ApplyCommon(o.common, argv[0]); rc >= 0) return rc;
  // After the flags (--help and usage errors start no thread), before any
  // thread starts, so that all inherit the signal mask.
  shutdown::Install();
  if (!o.kubeconfig.empty()) {
    PEDIA_LOG_INFO("--kubeconfig is not needed: clusters and their status are read from storage");
  }
  if (!o.authentication_kubeconfig.empty())
    PEDIA_LOG_WARNING("--authentication-kubeconfig is ignored: pedia does not delegate authentication to a "
                      "host cluster; requests authenticate with client certificates, tokens or front-proxy headers");
  if (!o.authorization_kubeconfig.empty())
    PEDIA_LOG_WARNING("--authorization-kubeconfig is ignored: pedia does not delegate authorization "
                      "(no SubjectAccessReview); every authenticated user may read every synced object");
  storage::Registry registry;
  auto store = OpenStorage(o.storage, /*in_process=*/false, &registry);
  if (!store.ok()) {
    PrintError(argv[0], store.status());
    return kExitFailure;
  }
  return Serve(argv[0], o.serving, store->get(), {}, nullptr);
}

}  // namespace pedia::cmd
