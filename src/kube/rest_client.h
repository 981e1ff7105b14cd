// HTTP client for Kubernetes API servers over libcurl's multi interface.
//
// One Transport owns one event-loop thread that drives every request and
// every watch stream of every cluster (design.md §2.6: never a thread per
// watch).  RestClient binds a Transport to one cluster's ConnectionConfig.
//
// Threading: every method may be called from any thread.  Completion
// callbacks and stream handlers run on the loop thread and must not block;
// hand heavy work to another thread.  After Cancel(id) has run on the loop
// (it is posted), no callback of that request runs again; a callback already
// running is not interrupted.  Destroying the Transport cancels everything
// without calling callbacks.
//
// Errors: transport failures are Unavailable; HTTP errors become a Status
// carrying the Kubernetes Status message from the body: 404 NotFound,
// 409 Conflict, 410 Expired, 429 and 5xx Unavailable, 401/403 and other 4xx
// InvalidArgument.  Messages never contain credentials.
#ifndef PEDIA_KUBE_REST_CLIENT_H_
#define PEDIA_KUBE_REST_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "kube/connection_config.h"

namespace pedia::kube {

struct HttpResponse {
  int status = 0;  // 0: no response (transport error)
  std::string body;
};

/// Receives a streamed (watch) response, line by line, on the loop thread.
class StreamHandler {
 public:
  virtual ~StreamHandler() = default;
  /// One newline-delimited line of a 2xx response (without the newline).
  virtual void OnLine(std::string_view line) = 0;
  /// Called once, last.  OK when the server ended the stream cleanly; the
  /// HTTP error (with http_status) or transport error otherwise.
  virtual void OnEnd(const Status& status, int http_status) = 0;
};

using RequestId = uint64_t;
using TimerId = uint64_t;
using Completion = std::function<void(const Status& status, HttpResponse response)>;

class Transport {
 public:
  Transport();
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  /// GET url; done gets OK with a 2xx response, or the error (with the
  /// response when there was one).
  RequestId Get(std::shared_ptr<const ConnectionConfig> config, std::string path_and_query,
                std::chrono::milliseconds timeout, Completion done);
  /// Like Get with another method and a JSON body (PUT, POST, PATCH).
  RequestId Send(std::shared_ptr<const ConnectionConfig> config, std::string method, std::string path_and_query,
                 std::string body, std::string content_type, std::chrono::milliseconds timeout, Completion done);
  /// A long-running GET whose body is delivered line by line.  timeout
  /// bounds the whole stream (0: none); idle streams are ended after
  /// idle_timeout without a byte.
  RequestId Stream(std::shared_ptr<const ConnectionConfig> config, std::string path_and_query,
                   std::chrono::milliseconds timeout, std::chrono::milliseconds idle_timeout,
                   std::shared_ptr<StreamHandler> handler);
  void Cancel(RequestId id);

  /// Runs fn on the loop thread.
  void Post(std::function<void()> fn);
  /// Runs fn on the loop thread after delay.
  TimerId After(std::chrono::milliseconds delay, std::function<void()> fn);
  void CancelTimer(TimerId id);
  bool InLoopThread() const;

  /// Blocking GET for threads other than the loop thread.
  Result<HttpResponse> GetSync(std::shared_ptr<const ConnectionConfig> config, std::string path_and_query,
                               std::chrono::milliseconds timeout);
  Result<HttpResponse> SendSync(std::shared_ptr<const ConnectionConfig> config, std::string method,
                                std::string path_and_query, std::string body, std::chrono::milliseconds timeout);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Turns an HTTP error response into a Status (see the file comment).
/// `what` names the request ("list v1/pods").
Status StatusFromHttp(int http_status, std::string_view body, std::string_view what);

}  // namespace pedia::kube

#endif  // PEDIA_KUBE_REST_CLIENT_H_
