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
// Deadlines, as kube-apiserver's --request-timeout (ServerOptions::
// handling_deadline, which the apiserver turns on): every request that is
// not long-running (ServerOptions::long_running says which: watches) must
// be answered and written within request_timeout.  When the
// deadline passes before the handler answered, the transport answers 504
// (a Status with reason Timeout) itself and the handler's late answer is
// dropped (Responder::TrySend returns false, Stream() returns a closed
// stream); when it passes while a response streams, the connection is
// closed, which the client sees as a truncated body.  The handler's work
// itself is not interrupted: it must only tolerate being ignored.
//
// Answers the transport gives itself (400, 413, 431, 429, 503, 504) never
// reach the handler; ServerOptions::on_transport_answer reports them so
// that metrics and request logs see every request.
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

/// A JSON response: extra headers, then Content-Type: application/json.
inline Response JsonResponse(int status, std::string body, Headers extra = {}) {
  Response r;
  r.status = status;
  r.headers = std::move(extra);
  r.headers.emplace_back("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}

/// A chunked response in progress.  Thread-safe.
///
/// Back-pressure: Write() never blocks; a producer that can wait (a list
/// read on a worker thread) calls WaitWritable() between batches so that a
/// slow client holds at most about max_pending bytes in memory.
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
  /// Blocks until PendingBytes() <= max_pending (true) or the stream ended
  /// (false: stop producing).  Never call it on an I/O thread: the socket
  /// drains there.  It cannot wait forever: a non-long-running request's
  /// deadline ends the stream, and a watch (no deadline) does not call it.
  virtual bool WaitWritable(size_t max_pending) = 0;
  /// cb runs once, on an I/O thread, when the stream ends for any reason
  /// (client disconnect, Close(), server shutdown).  Set it right after
  /// Stream(); if the stream already ended, cb runs at once.
  virtual void OnClosed(std::function<void()> cb) = 0;
};

/// How a handler answers.  Call exactly one of Send() or Stream(), once.
class Responder {
 public:
  virtual ~Responder() = default;
  /// Sends a whole response.  Returns false when it was dropped because the
  /// request already has an answer: a second call, or the 504 the transport
  /// gave when the request deadline passed.  Only wrappers that count
  /// answers (metrics) need the result; handlers call Send().
  virtual bool TrySend(Response response) = 0;
  void Send(Response response) { TrySend(std::move(response)); }
  /// Starts a chunked response.  nullptr when the request already has an
  /// answer (see TrySend) or the server is shutting down.
  virtual std::shared_ptr<ResponseStream> Stream(int status, Headers headers) = 0;
  /// True once the request has an answer (the handler's, or the 504 the
  /// transport gave at the deadline): work queued for it can be skipped.
  /// A responder that cannot tell says false.
  virtual bool Answered() const { return false; }
};

/// An answer the transport gave without the handler: a malformed (400),
/// too large (413, 431) or refused (429 over --max-requests-inflight, 503
/// while shutting down) request, or a 504 past the request deadline.
/// method and target are empty when the request line was never read.
struct TransportAnswer {
  int status = 0;
  std::string reason;  // the Status reason: "TooManyRequests", "Timeout", ...
  std::string method, target, remote_address, user_agent;
  std::chrono::nanoseconds latency{0};  // since the request was read; 0 before
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
  /// Reading a request; with handling_deadline, also handling and writing
  /// it unless it is long-running (504 or a closed stream past it).
  /// Milliseconds so that tests can use short deadlines.
  std::chrono::milliseconds request_timeout{60000};
  /// Off for servers whose streams are all long-running by nature (kubesim,
  /// test members): they keep deadlines for reading only.
  bool handling_deadline = false;
  std::chrono::milliseconds idle_timeout{90000};  // keep-alive between requests
  /// 0: unlimited; else 429 beyond it.  Long-running requests do not count,
  /// as in kube-apiserver; every other request holds its slot until its
  /// response is written, streamed lists included.
  int max_requests_inflight = 0;
  /// Says which requests are long-running (no deadline, not counted in
  /// flight): the apiserver's watches.  Unset: none.  Runs on an I/O thread.
  std::function<bool(const Request&)> long_running;
  /// Called on an I/O thread for every TransportAnswer.  Must not block.
  std::function<void(const TransportAnswer&)> on_transport_answer;
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
  /// grace (with handling_deadline, streaming responses that are not
  /// long-running included), ends the other streams at once, closes what is
  /// left after grace, joins the threads.  Idempotent.
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
