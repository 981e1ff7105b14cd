// The search API's request handler: authentication, routing, discovery,
// get/list/watch against storage, Table output, PediaClusters,
// collection resources, health and metrics (issue 5; clusterpedia-spec §4).
//
// ApiServer plugs into http::Server as its Handler.  Discovery and health
// are answered on the I/O thread; anything that reads objects runs on a
// small worker pool so that a large list can stream out while it is read
// (design.md §2.2) without stalling other connections.
//
// Thread-safety: Handle() may be called from any number of threads.
// Shutdown() ends every watch and stops the workers; call it after the
// http::Server stopped (so no request arrives to find the workers gone) and
// before the storage is closed.
#ifndef PEDIA_SERVER_API_SERVER_H_
#define PEDIA_SERVER_API_SERVER_H_

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "server/authenticator.h"
#include "server/http_server.h"
#include "storage/storage.h"

namespace pedia::server {

struct ApiServerOptions {
  int workers = 4;                           // threads for storage reads
  bool remaining_count_default = false;      // feature gate RemainingItemCount
  size_t list_flush_bytes = 4u << 20;        // stream a list once this much is buffered
  /// Rows per storage read of a list: between reads, outside the layer's
  /// lock, a streaming list waits for a slow client.  0: one read.
  int64_t list_page_rows = 1000;
  /// A streaming list waits while more than this is queued for the client
  /// (plus at most one page more: the page being read never waits).
  size_t list_pending_limit = 4u << 20;
  size_t watch_pending_limit = 16u << 20;    // a watch this far behind is ended
  int64_t max_watch_timeout_seconds = 1800;  // kube-apiserver's --min-request-timeout
  /// How often a watch that asked for allowWatchBookmarks gets a BOOKMARK
  /// with the last resourceVersion sent, when the layer sends none itself.
  std::chrono::milliseconds bookmark_interval{60000};
  std::chrono::milliseconds cluster_refresh{1000};  // how stale cluster records may be
  /// Extra /readyz checks (binding-apiserver adds the synchro).
  std::vector<std::pair<std::string, std::function<Status()>>> ready_checks;
};

class ApiServer {
 public:
  /// storage and authenticator must outlive the ApiServer.
  ApiServer(storage::Storage* storage, const Authenticator* authenticator, ApiServerOptions options);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  /// The http::Handler.
  void Handle(http::Request&& request, std::shared_ptr<http::Responder> responder);
  http::Handler AsHandler();

  /// For http::ServerOptions::long_running: watches (watch=true or a
  /// /watch/ path), the only requests without a deadline that do not count
  /// against --max-requests-inflight, as in kube-apiserver.
  static bool IsLongRunning(const http::Request& request);
  /// For http::ServerOptions::on_transport_answer: counts an answer the
  /// transport gave itself (429, 504, ...) in pedia_apiserver_request_total
  /// and logs it at -v=2, like every handled request.
  static void RecordTransportAnswer(const http::TransportAnswer& answer);

  /// Ends watches and stops the workers.  Idempotent.
  void Shutdown();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace pedia::server

#endif  // PEDIA_SERVER_API_SERVER_H_
