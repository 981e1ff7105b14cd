#include "cmd/apiserver_serving.h"

#include <algorithm>
#include <chrono>

#include "base/exit_status.h"
#include "base/feature_gates.h"
#include "base/log.h"
#include "base/shutdown.h"
#include "cmd/common_flags.h"
#include "server/api_server.h"
#include "server/authenticator.h"
#include "server/http_server.h"
#include "server/self_signed_cert.h"

namespace pedia::cmd {
namespace {

// The longest SIGTERM waits for in-flight requests (see RunApiserver).
constexpr std::chrono::milliseconds kMaxShutdownDrain{25000};

}  // namespace

void AddServingFlags(CLI::App* app, ServingOptions* o) {
  const char* serving = "Secure serving";
  app->add_option("--bind-address", o->bind_address, "the IP address to listen on")
      ->capture_default_str()
      ->group(serving);
  app->add_option("--secure-port", o->secure_port, "the port to serve HTTPS on")
      ->capture_default_str()
      ->check(CLI::Range(1, 65535))
      ->group(serving);
  app->add_option("--cert-dir", o->cert_dir,
                  "directory for the self-signed certificate made when --tls-cert-file is not given")
      ->capture_default_str()
      ->group(serving);
  app->add_option("--tls-cert-file", o->tls_cert_file, "x509 serving certificate (PEM, with any intermediates)")
      ->group(serving);
  app->add_option("--tls-private-key-file", o->tls_private_key_file, "private key of --tls-cert-file")->group(serving);
  app->add_option("--http-io-threads", o->io_threads, "threads doing network I/O")
      ->capture_default_str()
      ->check(CLI::Range(1, 64))
      ->group(serving);
  const char* authn = "Authentication";
  app->add_option("--client-ca-file", o->client_ca_file,
                  "authenticate client certificates signed by these CAs: CN is the user, O the groups")
      ->group(authn);
  app->add_option("--token-auth-file", o->token_auth_file,
                  "static bearer tokens, kube-apiserver's CSV format: token,user,uid,\"group1,group2\"")
      ->group(authn);
  app->add_option("--requestheader-client-ca-file", o->requestheader_client_ca_file,
                  "front proxy CA: certificates it signed may assert the user in request headers")
      ->group(authn);
  app->add_option("--requestheader-allowed-names", o->requestheader_allowed_names,
                  "front proxy client certificate common names allowed (empty: any)")
      ->delimiter(',')
      ->group(authn);
  app->add_option("--requestheader-username-headers", o->requestheader_username_headers,
                  "request headers to read the user name from, first non-empty wins")
      ->delimiter(',')
      ->capture_default_str()
      ->group(authn);
  app->add_option("--requestheader-group-headers", o->requestheader_group_headers,
                  "request headers to read groups from")
      ->delimiter(',')
      ->capture_default_str()
      ->group(authn);
  app->add_option("--anonymous-auth", o->anonymous_auth,
                  "serve requests that carry no credentials as system:anonymous (insecure)")
      ->capture_default_str()
      ->group(authn);
  const char* generic = "Generic";
  app->add_option("--max-requests-inflight", o->max_requests_inflight,
                  "requests served at once before answering 429; 0: unlimited")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber)
      ->group(generic);
  app->add_option("--request-timeout", o->request_timeout_seconds,
                  "seconds a request may take, from reading it to the last byte of the answer (504 past it); "
                  "watches are exempt")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600))
      ->group(generic);
  app->add_option("--min-request-timeout", o->min_request_timeout_seconds,
                  "seconds a watch lasts when the client sets no timeoutSeconds")
      ->capture_default_str()
      ->check(CLI::Range(1, 86400))
      ->group(generic);
  app->add_option("--list-workers", o->workers, "threads reading objects from storage")
      ->capture_default_str()
      ->check(CLI::Range(1, 256))
      ->group(generic);
}

int Serve(const char* applet, const ServingOptions& o, storage::Storage* storage,
          std::vector<std::pair<std::string, std::function<Status()>>> ready_checks,
          const std::function<void()>& on_stop) {
  http::ServerOptions so;
  so.bind_address = o.bind_address;
  so.port = o.secure_port;
  so.io_threads = o.io_threads;
  so.max_requests_inflight = o.max_requests_inflight;
  so.request_timeout = std::chrono::seconds(o.request_timeout_seconds);
  so.handling_deadline = true;
  so.long_running = &server::ApiServer::IsLongRunning;
  so.on_transport_answer = &server::ApiServer::RecordTransportAnswer;
  if (o.tls_cert_file.empty() != o.tls_private_key_file.empty()) {
    PrintError(applet, Status::InvalidArgument("--tls-cert-file and --tls-private-key-file go together"));
    return kExitUsage;
  }
  if (o.tls_cert_file.empty()) {
    Result<server::CertPair> pair = server::EnsureSelfSignedCert(o.cert_dir);
    if (!pair.ok()) {
      PrintError(applet, pair.status());
      return kExitFailure;
    }
    PEDIA_LOG_INFO(
        pair->generated ? "generated a self-signed serving certificate" : "using the self-signed serving certificate",
        {"cert", pair->cert_file});
    so.tls_cert_file = pair->cert_file;
    so.tls_key_file = pair->key_file;
  } else {
    so.tls_cert_file = o.tls_cert_file;
    so.tls_key_file = o.tls_private_key_file;
  }
  server::AuthOptions ao;
  if (!o.client_ca_file.empty()) {
    ao.client_ca_index = static_cast<int>(so.client_ca_files.size());
    so.client_ca_files.push_back(o.client_ca_file);
  }
  if (!o.requestheader_client_ca_file.empty()) {
    ao.requestheader_ca_index = static_cast<int>(so.client_ca_files.size());
    so.client_ca_files.push_back(o.requestheader_client_ca_file);
  }
  ao.requestheader_allowed_names = o.requestheader_allowed_names;
  ao.requestheader_username_headers = o.requestheader_username_headers;
  ao.requestheader_group_headers = o.requestheader_group_headers;
  ao.token_auth_file = o.token_auth_file;
  ao.anonymous = o.anonymous_auth;
  auto auth = server::Authenticator::Create(ao);
  if (!auth.ok()) {
    PrintError(applet, auth.status());
    return kExitUsage;
  }
  if (o.anonymous_auth) {
    PEDIA_LOG_WARNING(
        "--anonymous-auth is on: requests without credentials are served as system:anonymous; "
        "anyone who can reach the port can read every synced object");
  } else if (o.client_ca_file.empty() && o.token_auth_file.empty() && o.requestheader_client_ca_file.empty()) {
    PEDIA_LOG_WARNING(
        "no authentication is configured: every request except health checks gets 401; "
        "set --client-ca-file, --token-auth-file or --requestheader-client-ca-file");
  }
  server::ApiServerOptions api_options;
  api_options.workers = o.workers;
  api_options.remaining_count_default = FeatureGates::Global().Enabled("RemainingItemCount");
  api_options.max_watch_timeout_seconds = o.min_request_timeout_seconds;
  api_options.ready_checks = std::move(ready_checks);
  server::ApiServer api(storage, auth->get(), api_options);
  http::Server http_server(so, api.AsHandler());
  Status s = http_server.Start();
  if (!s.ok()) {
    PrintError(applet, s);
    return kExitFailure;
  }
  PEDIA_LOG_INFO("serving securely", {"address", o.bind_address}, {"port", http_server.port()},
                 {"storage", storage->name()});
  shutdown::Wait();
  PEDIA_LOG_INFO("shutting down the apiserver");
  // Stop accepting first and let in-flight requests finish (each ends by its
  // deadline, so request_timeout bounds the drain; watches end at once);
  // only then stop the workers, which a request accepted in between would
  // still have needed.  The drain stays within a pod's default 30 s
  // termination grace, so that pedia exits before a SIGKILL would cut it.
  http_server.Stop(std::min<std::chrono::milliseconds>(
      std::chrono::milliseconds(so.request_timeout) + std::chrono::seconds(1), kMaxShutdownDrain));
  api.Shutdown();
  if (on_stop) on_stop();
  PEDIA_LOG_INFO("apiserver stopped");
  return kExitSuccess;
}

}  // namespace pedia::cmd
