// Boost.Beast implementation of server/http_server.h.  This is the only
// translation unit that includes Beast (design.md §2.5).
//
// Each connection is a Session running on its own strand.  A request is read
// with a size-limited parser, handed to the handler together with a
// Responder, and the Responder posts the answer back onto the session strand.
// Streamed (chunked) responses are framed here by hand; the client's side of
// the socket is read during streaming only to notice a disconnect, so a
// connection that carried a stream is closed after it (the response says
// "Connection: close").
#include "server/http_server.h"

#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <thread>
#include <unordered_map>

#include "base/json_text.h"
#include "base/log.h"
#include "base/string_util.h"

namespace pedia::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;

std::string_view Request::Header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return value;
  }
  return {};
}

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string StatusBodyJson(int code, std::string_view reason, std::string_view message) {
  std::string body = R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":)";
  AppendJsonQuoted(body, message);
  body += R"(,"reason":")";
  body += reason;
  body += R"(","code":)";
  body += std::to_string(code);
  body += "}";
  return body;
}

Response FixedStatus(int code, std::string_view reason, std::string_view message) {
  Response r;
  r.status = code;
  r.headers.emplace_back("Content-Type", "application/json");
  r.body = StatusBodyJson(code, reason, message);
  return r;
}

std::string ReasonPhrase(int status) {
  std::string_view reason = bhttp::obsolete_reason(bhttp::int_to_status(static_cast<unsigned>(status)));
  return reason.empty() ? std::string("Unknown") : std::string(reason);
}

bool HasHeader(const Headers& headers, std::string_view lower_name) {
  for (const auto& [name, value] : headers) {
    if (name.size() != lower_name.size()) continue;
    bool same = true;
    for (size_t i = 0; i < name.size() && same; ++i) {
      same = std::tolower(static_cast<unsigned char>(name[i])) == lower_name[i];
    }
    if (same) return true;
  }
  return false;
}

// Certificates of one CA file, for telling which CA verified a client.
using CaCerts = std::vector<X509*>;

Result<CaCerts> ReadCaCerts(const std::string& file) {
  FILE* f = std::fopen(file.c_str(), "r");
  if (!f) {
    return Status::InvalidArgument("cannot read client CA file \"" + file + "\"\nHINT: check --client-ca-file");
  }
  CaCerts certs;
  while (X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr)) certs.push_back(cert);
  std::fclose(f);
  ERR_clear_error();
  if (certs.empty()) {
    return Status::InvalidArgument("client CA file \"" + file + "\" holds no PEM certificate");
  }
  return certs;
}

std::vector<std::string> SubjectEntries(X509_NAME* name, int nid) {
  std::vector<std::string> out;
  int index = -1;
  while ((index = X509_NAME_get_index_by_NID(name, nid, index)) >= 0) {
    X509_NAME_ENTRY* entry = X509_NAME_get_entry(name, index);
    ASN1_STRING* data = X509_NAME_ENTRY_get_data(entry);
    unsigned char* utf8 = nullptr;
    int len = ASN1_STRING_to_UTF8(&utf8, data);
    if (len >= 0) {
      out.emplace_back(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
      OPENSSL_free(utf8);
    }
  }
  return out;
}

}  // namespace

// State shared by the server and its sessions.
struct ServerCore {
  ServerOptions options;
  Handler handler;
  std::vector<CaCerts> ca_certs;
  std::atomic<int> inflight{0};
  std::atomic<bool> stopping{false};
  // Once the I/O threads are gone nothing may be posted any more: a
  // Responder or stream kept by a handler past Stop() then does nothing.
  std::shared_mutex post_mu;
  bool io_stopped = false;  // guarded by post_mu
};

class SessionBase;

// The chunked stream of one session.  Chunks are framed on Write and queued;
// the session's strand drains the queue.
class StreamImpl : public ResponseStream {
 public:
  explicit StreamImpl(std::weak_ptr<SessionBase> session) : session_(std::move(session)) {}

  bool Write(std::string chunk) override;
  void Close() override;
  bool IsClosed() const override {
    std::lock_guard lock(mu_);
    return close_requested_ || ended_;
  }
  size_t PendingBytes() const override { return pending_.load(); }
  bool WaitWritable(size_t max_pending) override {
    std::unique_lock lock(mu_);
    drained_.wait(lock, [&] { return close_requested_ || ended_ || pending_.load() <= max_pending; });
    return !(close_requested_ || ended_);
  }
  void OnClosed(std::function<void()> cb) override {
    std::unique_lock lock(mu_);
    if (ended_) {
      lock.unlock();
      cb();
      return;
    }
    callbacks_.push_back(std::move(cb));
  }

  // Strand side.
  // Takes the next framed piece to write; false when there is nothing.
  bool TakeNext(std::string* out, bool* is_last) {
    std::lock_guard lock(mu_);
    if (!queue_.empty()) {
      *out = std::move(queue_.front());
      queue_.pop_front();
      *is_last = false;
      return true;
    }
    if (close_requested_ && !last_taken_) {
      last_taken_ = true;
      *out = "0\r\n\r\n";
      *is_last = true;
      return true;
    }
    return false;
  }
  void Written(size_t bytes) {
    {
      // Under mu_ so that a WaitWritable() between its check and its wait
      // cannot miss the wake-up.
      std::lock_guard lock(mu_);
      // End() zeroes pending_ while a write may still be outstanding.
      pending_ = bytes > pending_ ? 0 : pending_ - bytes;
    }
    drained_.notify_all();
  }
  // Marks the stream ended and runs the callbacks once.
  void End() {
    std::vector<std::function<void()>> callbacks;
    {
      std::lock_guard lock(mu_);
      if (ended_) return;
      ended_ = true;
      close_requested_ = true;
      queue_.clear();
      pending_ = 0;
      callbacks.swap(callbacks_);
    }
    drained_.notify_all();
    for (auto& cb : callbacks) cb();
  }
  void PushRaw(std::string bytes) {
    std::lock_guard lock(mu_);
    pending_ += bytes.size();
    queue_.push_front(std::move(bytes));
  }

 private:
  void Kick();

  std::weak_ptr<SessionBase> session_;
  mutable std::mutex mu_;
  std::condition_variable drained_;  // pending_ went down, or the stream ended
  std::deque<std::string> queue_;
  std::atomic<size_t> pending_{0};
  bool close_requested_ = false;
  bool last_taken_ = false;
  bool ended_ = false;
  std::vector<std::function<void()>> callbacks_;
};

// One request's answer slot, shared by the session and the request's
// Responder: whoever flips `answered` first answers (the handler, or the
// transport's 504 at the deadline).  generation tells a late answer from
// one for the connection's current request.
struct RequestSlot {
  std::atomic<bool> answered{false};
  uint64_t generation = 0;
};

class SessionBase : public std::enable_shared_from_this<SessionBase> {
 public:
  virtual ~SessionBase() = default;
  // Any thread.
  virtual void PostResponse(uint64_t generation, Response response) = 0;
  virtual std::shared_ptr<ResponseStream> PostStream(uint64_t generation, int status, Headers headers) = 0;
  virtual void PostPump() = 0;
  virtual void PostShutdown() = 0;
  // Only after the I/O threads are joined: ends the stream and closes the
  // socket so that pending operations complete.
  virtual void CloseNow() = 0;
};

bool StreamImpl::Write(std::string chunk) {
  if (chunk.empty()) return !IsClosed();  // an empty chunk would end the stream
  char size_line[24];
  int n = std::snprintf(size_line, sizeof size_line, "%zx\r\n", chunk.size());
  std::string framed;
  framed.reserve(chunk.size() + static_cast<size_t>(n) + 2);
  framed.append(size_line, static_cast<size_t>(n));
  framed += chunk;
  framed += "\r\n";
  {
    std::lock_guard lock(mu_);
    if (close_requested_ || ended_) return false;
    pending_ += framed.size();
    queue_.push_back(std::move(framed));
  }
  Kick();
  return true;
}

void StreamImpl::Close() {
  {
    std::lock_guard lock(mu_);
    if (close_requested_ || ended_) return;
    close_requested_ = true;
  }
  drained_.notify_all();
  Kick();
}

void StreamImpl::Kick() {
  if (auto session = session_.lock()) {
    session->PostPump();
  } else {
    End();
  }
}

class ResponderImpl : public Responder {
 public:
  ResponderImpl(std::shared_ptr<SessionBase> session, std::shared_ptr<RequestSlot> slot)
      : session_(std::move(session)), slot_(std::move(slot)) {}
  ~ResponderImpl() override {
    if (!slot_->answered.exchange(true)) {
      session_->PostResponse(slot_->generation, FixedStatus(500, "InternalError", "the handler gave no response"));
    }
  }
  bool TrySend(Response response) override {
    if (slot_->answered.exchange(true)) return false;
    session_->PostResponse(slot_->generation, std::move(response));
    return true;
  }
  std::shared_ptr<ResponseStream> Stream(int status, Headers headers) override {
    if (slot_->answered.exchange(true)) return nullptr;
    return session_->PostStream(slot_->generation, status, std::move(headers));
  }
  bool Answered() const override { return slot_->answered.load(); }

 private:
  std::shared_ptr<SessionBase> session_;
  std::shared_ptr<RequestSlot> slot_;
};

// Registry of live sessions so that Stop() can reach them.
struct SessionRegistry {
  std::mutex mu;
  uint64_t next_id = 1;
  std::unordered_map<uint64_t, std::weak_ptr<SessionBase>> sessions;

  uint64_t Add(const std::shared_ptr<SessionBase>& s) {
    std::lock_guard lock(mu);
    uint64_t id = next_id++;
    sessions.emplace(id, s);
    return id;
  }
  void Remove(uint64_t id) {
    std::lock_guard lock(mu);
    sessions.erase(id);
  }
  std::vector<std::shared_ptr<SessionBase>> Live() {
    std::lock_guard lock(mu);
    std::vector<std::shared_ptr<SessionBase>> out;
    for (auto& [id, weak] : sessions) {
      if (auto s = weak.lock()) out.push_back(std::move(s));
    }
    return out;
  }
  size_t Size() {
    std::lock_guard lock(mu);
    return sessions.size();
  }
};

template <class Stream>
class Session : public SessionBase {
 public:
  Session(std::shared_ptr<net::io_context> ioc, Stream stream, std::shared_ptr<ServerCore> core,
          std::shared_ptr<SessionRegistry> registry, std::string remote)
      : ioc_(std::move(ioc)),
        stream_(std::move(stream)),
        core_(std::move(core)),
        registry_(std::move(registry)),
        remote_(std::move(remote)),
        deadline_(stream_.get_executor()) {}

  ~Session() override {
    if (stream_impl_) stream_impl_->End();
    registry_->Remove(id_);
  }

  void Start() {
    id_ = registry_->Add(shared_from_this());
    net::dispatch(stream_.get_executor(), [self = Self()] { self->Begin(); });
  }

  void PostResponse(uint64_t generation, Response response) override {
    std::shared_lock lock(core_->post_mu);
    if (core_->io_stopped) return;
    net::post(stream_.get_executor(), [self = Self(), generation, r = std::move(response)]() mutable {
      self->OnHandlerResponse(generation, std::move(r));
    });
  }

  std::shared_ptr<ResponseStream> PostStream(uint64_t generation, int status, Headers headers) override {
    auto impl = std::make_shared<StreamImpl>(weak_from_this());
    std::shared_lock lock(core_->post_mu);
    if (core_->io_stopped) {
      impl->End();
      return impl;
    }
    net::post(stream_.get_executor(), [self = Self(), generation, impl, status, h = std::move(headers)]() mutable {
      self->BeginStream(generation, impl, status, std::move(h));
    });
    return impl;
  }

  void PostPump() override {
    std::shared_lock lock(core_->post_mu);
    if (core_->io_stopped) {
      if (stream_impl_) stream_impl_->End();
      return;
    }
    net::post(stream_.get_executor(), [self = Self()] { self->Pump(); });
  }

  void PostShutdown() override {
    std::shared_lock lock(core_->post_mu);
    if (core_->io_stopped) return;
    net::post(stream_.get_executor(), [self = Self()] { self->ShutdownOnStrand(); });
  }

  void CloseNow() override { DoClose(); }

 private:
  enum class State { kHandshake, kReading, kHandling, kWriting, kStreaming, kClosed };

  std::shared_ptr<Session> Self() { return std::static_pointer_cast<Session>(shared_from_this()); }

  beast::tcp_stream& Lowest() { return beast::get_lowest_layer(stream_); }

  void Begin() {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      DoRead();
    } else {
      state_ = State::kHandshake;
      Lowest().expires_after(core_->options.request_timeout);
      stream_.async_handshake(ssl::stream_base::server, [self = Self()](beast::error_code ec) {
        if (ec) return self->DoClose();
        self->ReadClientCert();
        self->DoRead();
      });
    }
  }

  void ReadClientCert() {
    if constexpr (!std::is_same_v<Stream, beast::tcp_stream>) {
      SSL* ssl_handle = stream_.native_handle();
      X509* peer = SSL_get1_peer_certificate(ssl_handle);
      if (!peer) return;
      if (SSL_get_verify_result(ssl_handle) == X509_V_OK) {
        cert_.verified = true;
        X509_NAME* subject = X509_get_subject_name(peer);
        auto cns = SubjectEntries(subject, NID_commonName);
        if (!cns.empty()) cert_.common_name = cns.front();
        cert_.organizations = SubjectEntries(subject, NID_organizationName);
        // The trust anchor is the top of the verified chain.
        STACK_OF(X509)* chain = SSL_get0_verified_chain(ssl_handle);
        int depth = chain ? sk_X509_num(chain) : 0;
        X509* anchor = depth > 0 ? sk_X509_value(chain, depth - 1) : nullptr;
        for (size_t i = 0; anchor && i < core_->ca_certs.size() && cert_.ca_index < 0; ++i) {
          for (X509* ca : core_->ca_certs[i]) {
            if (X509_cmp(ca, anchor) == 0) {
              cert_.ca_index = static_cast<int>(i);
              break;
            }
          }
        }
      }
      X509_free(peer);
    }
  }

  void DoRead() {
    if (core_->stopping) return DoClose();
    state_ = State::kReading;
    method_.clear();
    target_.clear();
    user_agent_.clear();
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(core_->options.max_header_bytes));
    parser_->body_limit(core_->options.max_body_bytes);
    Lowest().expires_after(requests_served_ == 0 ? core_->options.request_timeout : core_->options.idle_timeout);
    bhttp::async_read(stream_, buffer_, *parser_, [self = Self()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  // The request line and User-Agent of the request being read, for
  // reporting transport answers; nothing when the header was not complete.
  void NoteRequestLine() {
    if (!parser_ || !parser_->is_header_done()) return;
    const auto& header = parser_->get();
    method_ = std::string(header.method_string());
    target_ = std::string(header.target());
    user_agent_ = std::string(header[bhttp::field::user_agent]);
    received_ = std::chrono::steady_clock::now();
  }

  void Report(int status, std::string_view reason) {
    if (!core_->options.on_transport_answer) return;
    TransportAnswer a;
    a.status = status;
    a.reason = std::string(reason);
    a.method = method_;
    a.target = target_;
    a.user_agent = user_agent_;
    a.remote_address = remote_;
    if (!method_.empty()) a.latency = std::chrono::steady_clock::now() - received_;
    core_->options.on_transport_answer(a);
  }

  void OnRead(beast::error_code ec) {
    NoteRequestLine();
    if (ec == bhttp::error::header_limit) {
      return WriteFixedAndClose(431, "RequestHeaderFieldsTooLarge", "request headers too large");
    }
    if (ec == bhttp::error::body_limit) {
      return WriteFixedAndClose(413, "RequestEntityTooLarge", "request body too large");
    }
    if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout || ec == net::error::eof ||
        ec == net::error::operation_aborted || ec == net::error::connection_reset) {
      return DoClose();
    }
    if (ec) {
      bool http_error = ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category();
      if (http_error && !parser_->got_some()) return DoClose();
      if (http_error) {
        return WriteFixedAndClose(400, "BadRequest", "malformed HTTP request");
      }
      return DoClose();
    }
    ++requests_served_;
    auto message = parser_->release();
    keep_alive_ = message.keep_alive();

    Request request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    size_t q = request.target.find('?');
    request.path = PercentDecode(std::string_view(request.target).substr(0, q), false);
    if (q != std::string::npos) request.query = request.target.substr(q + 1);
    for (const auto& field : message) {
      request.headers.emplace_back(AsciiLower(field.name_string()), std::string(field.value()));
    }
    request.body = std::move(message.body());
    request.remote_address = remote_;
    request.client_cert = cert_;
    long_running_ = core_->options.long_running && core_->options.long_running(request);

    if (core_->stopping) {
      return WriteFixedAndClose(503, "ServiceUnavailable", "the server is shutting down");
    }
    if (!long_running_) {
      int limit = core_->options.max_requests_inflight;
      int now = ++core_->inflight;
      counted_inflight_ = true;
      if (limit > 0 && now > limit) {
        Response r = FixedStatus(429, "TooManyRequests", "Too many requests, please try again later.");
        r.headers.emplace_back("Retry-After", "1");
        Report(429, "TooManyRequests");
        return WriteWhole(std::move(r));
      }
    }

    slot_ = std::make_shared<RequestSlot>();
    slot_->generation = ++generation_;
    deadline_passed_ = false;
    state_ = State::kHandling;
    Lowest().expires_never();
    if (core_->options.handling_deadline && !long_running_) {
      deadline_.expires_after(core_->options.request_timeout);
      deadline_.async_wait([self = Self(), generation = generation_](beast::error_code ec) {
        if (!ec && generation == self->generation_) self->OnDeadline();
      });
    }
    core_->handler(std::move(request), std::make_shared<ResponderImpl>(shared_from_this(), slot_));
  }

  // The request deadline passed (strand).
  void OnDeadline() {
    std::string limit = TimeoutText();
    switch (state_) {
      case State::kHandling:
        if (!slot_->answered.exchange(true)) {
          // The handler's work goes on (a storage call cannot be cancelled);
          // its answer will find the slot taken and be dropped.
          PEDIA_LOG_WARNING("request deadline passed before the handler answered; answering 504",
                            {"verb", method_}, {"URI", target_}, {"timeout", limit});
          return AnswerTimeout();
        }
        // The answer is already posted to this strand; a stream that starts
        // now would outlive the deadline, so it is refused when it arrives.
        deadline_passed_ = true;
        return;
      case State::kStreaming:
        PEDIA_LOG_WARNING("request deadline passed while the response was streaming; closing the connection",
                          {"verb", method_}, {"URI", target_}, {"timeout", limit},
                          {"pendingBytes", static_cast<int64_t>(stream_impl_ ? stream_impl_->PendingBytes() : 0)});
        return AbortStream();
      default:  // a whole response being written has its own write timeout
        return;
    }
  }

  // --request-timeout as text, for logs and the 504.
  std::string TimeoutText() const {
    char limit[32];
    std::snprintf(limit, sizeof limit, "%gs", std::chrono::duration<double>(core_->options.request_timeout).count());
    return limit;
  }

  // The 504 for a request whose deadline passed before anything was sent.
  void AnswerTimeout() {
    Report(504, "Timeout");
    WriteFixedAndClose(504, "Timeout",
                       "Timeout: request did not complete within " + TimeoutText() +
                           "\nHINT: narrow the request (limit, labelSelector, namespace) or raise --request-timeout");
  }

  void OnHandlerResponse(uint64_t generation, Response response) {
    if (generation != generation_ || state_ != State::kHandling) return;  // answered 504 already, or closed
    WriteWhole(std::move(response));
  }

  void ReleaseInflight() {
    if (counted_inflight_) {
      counted_inflight_ = false;
      --core_->inflight;
    }
  }

  void WriteFixedAndClose(int code, std::string_view reason, std::string_view message) {
    if (code != 504) Report(code, reason);  // OnDeadline reports before it logs
    keep_alive_ = false;
    WriteWhole(FixedStatus(code, reason, message));
  }

  void WriteWhole(Response response) {
    if (state_ == State::kClosed) return ReleaseInflight();
    state_ = State::kWriting;
    deadline_.cancel();  // the write has its own timeout below
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>();
    res->result(static_cast<unsigned>(response.status));
    res->version(11);
    for (auto& [name, value] : response.headers) res->insert(name, value);
    res->body() = std::move(response.body);
    res->prepare_payload();
    bool keep = keep_alive_ && !core_->stopping;
    res->keep_alive(keep);
    Lowest().expires_after(core_->options.request_timeout);
    bhttp::async_write(stream_, *res, [self = Self(), res, keep](beast::error_code ec, size_t) {
      self->ReleaseInflight();
      if (ec || !keep) return self->DoClose();
      self->DoRead();
    });
  }

  void BeginStream(uint64_t generation, std::shared_ptr<StreamImpl> impl, int status, Headers headers) {
    // A non-long-running stream keeps its in-flight slot until it ends
    // (DoClose releases it): a streaming list is work in flight too.
    if (generation != generation_ || state_ != State::kHandling) return impl->End();
    if (deadline_passed_) {
      // Nothing was sent yet: the client still gets its 504.
      PEDIA_LOG_WARNING("request deadline passed before the response could stream; answering 504",
                        {"verb", method_}, {"URI", target_});
      impl->End();
      return AnswerTimeout();
    }
    state_ = State::kStreaming;
    stream_impl_ = impl;
    std::string head = "HTTP/1.1 " + std::to_string(status) + " " + ReasonPhrase(status) + "\r\n";
    for (auto& [name, value] : headers) head += name + ": " + value + "\r\n";
    if (!HasHeader(headers, "cache-control")) head += "Cache-Control: no-cache, private\r\n";
    head += "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    impl->PushRaw(std::move(head));
    Lowest().expires_never();
    WatchForDisconnect();
    Pump();
  }

  void WatchForDisconnect() {
    auto buffers = buffer_.prepare(512);
    stream_.async_read_some(buffers, [self = Self()](beast::error_code ec, size_t n) {
      if (self->state_ != State::kStreaming) return;
      if (ec) return self->AbortStream();
      self->buffer_.commit(n);
      self->buffer_.consume(self->buffer_.size());  // no pipelining past a stream
      self->WatchForDisconnect();
    });
  }

  void Pump() {
    if (state_ != State::kStreaming || writing_ || !stream_impl_) return;
    bool is_last = false;
    if (!stream_impl_->TakeNext(&current_, &is_last)) return;
    writing_ = true;
    net::async_write(stream_, net::buffer(current_), [self = Self(), is_last](beast::error_code ec, size_t n) {
      self->writing_ = false;
      if (self->stream_impl_) self->stream_impl_->Written(n);
      if (ec) return self->AbortStream();
      if (is_last) return self->AbortStream();  // done: end and close
      self->Pump();
    });
  }

  void AbortStream() {
    if (stream_impl_) stream_impl_->End();
    DoClose();
  }

  void ShutdownOnStrand() {
    switch (state_) {
      case State::kReading:
      case State::kHandshake:
        DoClose();
        break;
      case State::kStreaming:
        // A watch ends now, without waiting behind a client that stopped
        // reading (its client resumes from its last resourceVersion); a
        // deadline-bounded response (a streaming list) is in-flight work
        // that may finish within the grace period.
        if (stream_impl_ && !(core_->options.handling_deadline && !long_running_)) AbortStream();
        break;
      default:  // handling or writing: closes after the response (stopping)
        break;
    }
  }

  void DoClose() {
    if (state_ == State::kClosed) return;
    state_ = State::kClosed;
    deadline_.cancel();  // its wait holds this session alive
    ReleaseInflight();
    if (stream_impl_) stream_impl_->End();
    beast::error_code ignored;
    Lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    Lowest().close();
  }

  std::shared_ptr<net::io_context> ioc_;  // outlives stream_ (declared first)
  Stream stream_;
  std::shared_ptr<ServerCore> core_;
  std::shared_ptr<SessionRegistry> registry_;
  std::string remote_;
  uint64_t id_ = 0;
  State state_ = State::kReading;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  ClientCert cert_;
  bool keep_alive_ = true;
  bool counted_inflight_ = false;
  int requests_served_ = 0;
  std::shared_ptr<StreamImpl> stream_impl_;
  std::string current_;
  bool writing_ = false;
  // The current request (strand only).
  net::steady_timer deadline_;
  std::shared_ptr<RequestSlot> slot_;
  uint64_t generation_ = 0;
  bool long_running_ = false;
  bool deadline_passed_ = false;
  std::string method_, target_, user_agent_;
  std::chrono::steady_clock::time_point received_;
};

struct Server::Impl {
  std::shared_ptr<ServerCore> core = std::make_shared<ServerCore>();
  std::shared_ptr<SessionRegistry> registry = std::make_shared<SessionRegistry>();
  std::optional<ssl::context> ssl_ctx;
  // Shared with the sessions: a session a handler still holds keeps its
  // socket's io_context alive.
  std::shared_ptr<net::io_context> ioc;
  std::optional<tcp::acceptor> acceptor;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::vector<std::thread> threads;
  int port = 0;
  bool started = false;
  bool stopped = false;

  ~Impl() {
    for (auto& certs : core->ca_certs) {
      for (X509* c : certs) X509_free(c);
    }
  }

  void Accept() {
    acceptor->async_accept(net::make_strand(*ioc), [this](beast::error_code ec, tcp::socket socket) {
      if (ec) {
        if (ec == net::error::operation_aborted || core->stopping) return;
        PEDIA_LOG_WARNING("accept failed", {"err", ec.message()});
        return Accept();
      }
      if (core->stopping) return;
      beast::error_code ignored;
      auto endpoint = socket.remote_endpoint(ignored);
      std::string remote = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
      socket.set_option(tcp::no_delay(true), ignored);
      if (ssl_ctx) {
        using TlsStream = beast::ssl_stream<beast::tcp_stream>;
        std::make_shared<Session<TlsStream>>(ioc, TlsStream(beast::tcp_stream(std::move(socket)), *ssl_ctx), core,
                                             registry, std::move(remote))
            ->Start();
      } else {
        std::make_shared<Session<beast::tcp_stream>>(ioc, beast::tcp_stream(std::move(socket)), core, registry,
                                                     std::move(remote))
            ->Start();
      }
      Accept();
    });
  }
};

Server::Server(ServerOptions options, Handler handler) : impl_(std::make_unique<Impl>()) {
  impl_->core->options = std::move(options);
  impl_->core->handler = std::move(handler);
}

Server::~Server() { Stop(std::chrono::milliseconds(1000)); }

Status Server::Start() {
  if (impl_->started) return Status::InvalidArgument("server already started");
  const ServerOptions& o = impl_->core->options;
  if (o.tls_cert_file.empty() != o.tls_key_file.empty()) {
    return Status::InvalidArgument(
        "TLS needs both a certificate and a key file\nHINT: set both --tls-cert-file and --tls-private-key-file");
  }
  if (!o.tls_cert_file.empty()) {
    try {
      impl_->ssl_ctx.emplace(ssl::context::tls_server);
      auto& ctx = *impl_->ssl_ctx;
      ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                      ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
      ctx.use_certificate_chain_file(o.tls_cert_file);
      ctx.use_private_key_file(o.tls_key_file, ssl::context::pem);
      for (const auto& file : o.client_ca_files) {
        auto certs = ReadCaCerts(file);
        if (!certs.ok()) return certs.status();
        ctx.load_verify_file(file);
        for (X509* c : *certs) SSL_CTX_add_client_CA(ctx.native_handle(), c);
        impl_->core->ca_certs.push_back(std::move(*certs));
      }
      if (!o.client_ca_files.empty()) {
        // Requested, not required: token clients connect without one.
        ctx.set_verify_mode(ssl::verify_peer);
      }
    } catch (const boost::system::system_error& e) {
      impl_->ssl_ctx.reset();
      return Status::InvalidArgument("cannot load TLS certificate or key\nDETAIL: " + std::string(e.what()) +
                                     "\nHINT: check that " + o.tls_cert_file + " and " + o.tls_key_file +
                                     " are readable PEM files that match");
    }
  }
  int threads = o.io_threads > 0 ? o.io_threads : 1;
  impl_->ioc = std::make_shared<net::io_context>(threads);
  try {
    auto address = net::ip::make_address(o.bind_address);
    tcp::endpoint endpoint(address, static_cast<unsigned short>(o.port));
    impl_->acceptor.emplace(net::make_strand(*impl_->ioc));
    impl_->acceptor->open(endpoint.protocol());
    impl_->acceptor->set_option(net::socket_base::reuse_address(true));
    impl_->acceptor->bind(endpoint);
    impl_->acceptor->listen(net::socket_base::max_listen_connections);
    impl_->port = impl_->acceptor->local_endpoint().port();
  } catch (const boost::system::system_error& e) {
    impl_->acceptor.reset();
    return Status::Unavailable("cannot listen on " + o.bind_address + ":" + std::to_string(o.port) +
                               "\nDETAIL: " + e.what());
  }
  impl_->started = true;
  impl_->work.emplace(impl_->ioc->get_executor());
  impl_->Accept();
  for (int i = 0; i < threads; ++i) {
    impl_->threads.emplace_back([ioc = impl_->ioc.get()] { ioc->run(); });
  }
  return Status::Ok();
}

int Server::port() const { return impl_->port; }

void Server::Stop(std::chrono::milliseconds grace) {
  if (!impl_->started || impl_->stopped) return;
  impl_->stopped = true;
  impl_->core->stopping = true;
  {
    std::mutex mu;
    std::condition_variable cv;
    bool closed = false;
    net::post(impl_->acceptor->get_executor(), [&] {
      beast::error_code ignored;
      impl_->acceptor->close(ignored);
      std::lock_guard lock(mu);
      closed = true;
      cv.notify_one();
    });
    std::unique_lock lock(mu);
    cv.wait_for(lock, std::chrono::seconds(5), [&] { return closed; });
  }
  for (auto& session : impl_->registry->Live()) session->PostShutdown();
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (impl_->registry->Size() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  impl_->work.reset();
  impl_->ioc->stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
  // Sessions still open past the grace period are closed here, so that every
  // OnClosed callback runs before Stop() returns; then the handlers of their
  // cancelled operations run once, which releases them.
  for (auto& session : impl_->registry->Live()) session->CloseNow();
  {
    std::unique_lock lock(impl_->core->post_mu);
    impl_->core->io_stopped = true;
  }
  beast::error_code ignored;
  impl_->acceptor->close(ignored);
  impl_->ioc->restart();
  while (impl_->ioc->poll() > 0) {
  }
  impl_->acceptor.reset();
  impl_->ioc.reset();
}

std::string PercentDecode(std::string_view s, bool plus_as_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%' && i + 2 < s.size()) {
      int hi = HexValue(s[i + 1]), lo = HexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    if (c == '+' && plus_as_space) {
      out.push_back(' ');
      continue;
    }
    out.push_back(c);
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> ParseQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t start = 0;
  while (start <= query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    std::string_view piece = query.substr(start, end - start);
    if (!piece.empty()) {
      size_t eq = piece.find('=');
      if (eq == std::string_view::npos) {
        out.emplace_back(PercentDecode(piece), "");
      } else {
        out.emplace_back(PercentDecode(piece.substr(0, eq)), PercentDecode(piece.substr(eq + 1)));
      }
    }
    start = end + 1;
  }
  return out;
}

}  // namespace pedia::http
