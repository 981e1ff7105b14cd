// An HTTP/1.1 server (plain or TLS) for the apiserver and tests/kubesim.
//
// Boost.Beast lives only in http_server.cc (design.md §2.5); this header
// names no Beast or Asio type, so including it costs nothing.
//
// Model: a fixed pool of I/O threads.  The handler runs on an I/O thread and
// must answer exactly once through its Responder, either at once or later
// from any thread: Send() for a whole response, or Stream() for a chunked
// one (watch streams, large lists).  Keep-alive, header/body size limits,
// request timeouts and --max-requests-inflight are enforced here.
//
// TLS: with client_ca_files set, a client certificate is requested (not
// required) and verified against those CAs; the verified subject reaches the
// handler in Request::client_cert.  Requests without a certificate arrive
// with client_cert.verified == false (bearer tokens and front-proxy headers
// are the handler's business).
#ifndef PEDIA_SERVER_HTTP_SERVER_H_
#define PEDIA_SERVER_HTTP_SERVER_H_

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace pedia::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct ClientCert {
  bool verified = false;
  int ca_index = -1;  // which of ServerOptions::client_ca_files signed it
  std::string common_name;
  std::vector<std::string> organizations;
};

struct Request {
  std::string method;  // "GET"
  std::string target;  // as sent: "/api/v1/pods?limit=500"
  std::string path;    // target before '?', percent-decoded
  std::string query;   // target after '?', raw
  Headers headers;     // names lower-cased, in arrival order
  std::string body;
  std::string remote_address;  // "127.0.0.1:54321"
  ClientCert client_cert;

  /// The first header with this lower-case name, or "".
  std::string_view Header(std::string_view lower_name) const;
};

struct Response {
  int status = 200;
  Headers headers;  // Content-Type etc.; Content-Length is added
  std::string body;
};

/// A chunked response in progress.  Thread-safe.
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  /// Queues one chunk.  Returns false when the stream is closed (client gone
  /// or Close() called); the chunk is then dropped.
  virtual bool Write(std::string chunk) = 0;
  /// Ends the response after the queued chunks.  Idempotent.
  virtual void Close() = 0;
  virtual bool IsClosed() const = 0;
  /// Bytes queued but not yet on the socket, for back-pressure.
  virtual size_t PendingBytes() const = 0;
  /// cb runs once, on an I/O thread, when the stream ends for any reason
  /// (client disconnect, Close(), server shutdown).  Set it right after
  /// Stream(); if the stream already ended, cb runs at once.
  virtual void OnClosed(std::function<void()> cb) = 0;
};

/// How a handler answers.  Call exactly one of Send() or Stream(), once.
class Responder {
 public:
  virtual ~Responder() = default;
  virtual void Send(Response response) = 0;
  virtual std::shared_ptr<ResponseStream> Stream(int status, Headers headers) = 0;
};

using Handler = std::function<void(Request&& request, std::shared_ptr<Responder> responder)>;

struct ServerOptions {
  std::string bind_address = "127.0.0.1";
  int port = 0;  // 0: an ephemeral port, see Server::port()
  std::string tls_cert_file;  // both empty: plain HTTP
  std::string tls_key_file;
  std::vector<std::string> client_ca_files;
  int io_threads = 2;
  size_t max_header_bytes = 64 * 1024;
  size_t max_body_bytes = 8 * 1024 * 1024;
  std::chrono::seconds request_timeout{60};  // reading a request; not streams
  std::chrono::seconds idle_timeout{90};     // keep-alive between requests
  int max_requests_inflight = 0;             // 0: unlimited; else 429 beyond it
};

class Server {
 public:
  Server(ServerOptions options, Handler handler);
  ~Server();  // Stop()s
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Binds, loads certificates and starts the I/O threads.  InvalidArgument
  /// for unreadable certificates; Unavailable when the port is taken.
  Status Start();
  /// The bound port (after Start()).
  int port() const;
  /// Graceful: stops accepting, lets in-flight requests finish for up to
  /// grace, closes streams, joins the threads.  Idempotent.
  void Stop(std::chrono::milliseconds grace = std::chrono::milliseconds(5000));

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Percent-decoded query parameters in order ("a=1&a=2&b" gives a,a,b).
std::vector<std::pair<std::string, std::string>> ParseQuery(std::string_view query);
/// Percent-decodes s ('+' stays '+', as Go's PathUnescape).
std::string PercentDecode(std::string_view s, bool plus_as_space = true);

}  // namespace pedia::http

#endif  // PEDIA_SERVER_HTTP_SERVER_H_
