#include "kube/rest_client.h"

#include <curl/curl.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "base/log.h"
#include "base/json_scan.h"

namespace pedia::kube {
namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kMaxBody = size_t{1} << 30;    // a list page never gets near this
constexpr size_t kMaxLine = size_t{256} << 20;  // one watch event

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

const char* ReasonPhrase(int code) {
  switch (code) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 422:
      return "Unprocessable Entity";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "";
  }
}

}  // namespace

Status StatusFromHttp(int http_status, std::string_view body, std::string_view what) {
  // A Kubernetes Status body carries the server's own explanation.
  std::string server_message;
  if (auto doc = json::ScanDocument(body); doc.ok() && json::TypeOf(body, doc.value()) == json::Type::kObject) {
    if (auto m = json::FindMember(body, doc.value(), "message"); m.ok() && !m.value().empty()) {
      if (auto s = json::DecodeString(body, m.value()); s.ok()) server_message = std::move(s.value());
    }
  }
  if (server_message.empty()) {
    std::string_view snippet = body.substr(0, 200);
    bool printable = true;
    for (char c : snippet) printable = printable && (c >= 0x20 || c == '\n' || c == '\t');
    if (printable) server_message = std::string(snippet);
  }
  std::string m = std::string(what) + ": the server answered HTTP " + std::to_string(http_status);
  if (const char* phrase = ReasonPhrase(http_status); *phrase) m += std::string(" ") + phrase;
  if (!server_message.empty()) m += "\nDETAIL: " + server_message;
  if (http_status == 401) m += "\nHINT: check the cluster's credentials (token or client certificate)";
  if (http_status == 403) m += "\nHINT: the credentials lack permission to list and watch this resource";
  Status::Code code = Status::kInvalidArgument;
  if (http_status == 404)
    code = Status::kNotFound;
  else if (http_status == 409)
    code = Status::kConflict;
  else if (http_status == 410)
    code = Status::kExpired;
  else if (http_status == 429 || http_status >= 500)
    code = Status::kUnavailable;
  return Status(code, std::move(m));
}

struct Transport::Impl {
  struct Request {
    RequestId id = 0;
    CURL* easy = nullptr;
    curl_slist* headers = nullptr;
    std::shared_ptr<const ConnectionConfig> config;
    std::string method, path, request_body;
    Completion done;
    std::shared_ptr<StreamHandler> handler;
    std::string body;      // whole body (GET) or error body (stream)
    std::string line_buf;  // partial line of a stream
    int http_status = 0;
    bool overflow = false;
    char errbuf[CURL_ERROR_SIZE] = {0};
  };

  CURLM* multi = nullptr;
  std::thread thread;
  std::thread::id loop_id;
  std::atomic<bool> stopping{false};
  std::atomic<uint64_t> next_id{1};

  std::mutex mu;  // guards posted
  std::deque<std::function<void()>> posted;

  // Loop-thread only.
  std::unordered_map<RequestId, std::unique_ptr<Request>> active;
  std::multimap<Clock::time_point, TimerId> timer_order;
  std::unordered_map<TimerId, std::pair<Clock::time_point, std::function<void()>>> timers;

  Impl() {
    GlobalInit();
    multi = curl_multi_init();
    curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, 0L);
    thread = std::thread([this] { Run(); });
  }

  ~Impl() {
    stopping = true;
    curl_multi_wakeup(multi);
    thread.join();
    for (auto& [id, r] : active) Cleanup(r.get());
    active.clear();
    curl_multi_cleanup(multi);
  }

  void Post(std::function<void()> fn) {
    {
      std::lock_guard<std::mutex> l(mu);
      posted.push_back(std::move(fn));
    }
    curl_multi_wakeup(multi);
  }

  void Cleanup(Request* r) {
    curl_multi_remove_handle(multi, r->easy);
    curl_easy_cleanup(r->easy);
    curl_slist_free_all(r->headers);
  }

  static size_t OnWrite(char* data, size_t size, size_t n, void* user) {
    auto* r = static_cast<Request*>(user);
    size_t len = size * n;
    if (r->http_status == 0) {
      long code = 0;
      curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &code);
      r->http_status = static_cast<int>(code);
    }
    bool ok_status = r->http_status >= 200 && r->http_status < 300;
    if (!r->handler || !ok_status) {
      if (r->body.size() + len > kMaxBody) {
        r->overflow = true;
        return 0;  // aborts the transfer
      }
      r->body.append(data, len);
      return len;
    }
    std::string_view chunk(data, len);
    while (!chunk.empty()) {
      size_t nl = chunk.find('\n');
      if (nl == std::string_view::npos) {
        if (r->line_buf.size() + chunk.size() > kMaxLine) {
          r->overflow = true;
          return 0;
        }
        r->line_buf.append(chunk);
        break;
      }
      if (r->line_buf.empty()) {
        if (nl > 0) r->handler->OnLine(chunk.substr(0, nl));
      } else {
        r->line_buf.append(chunk.substr(0, nl));
        r->handler->OnLine(r->line_buf);
        r->line_buf.clear();
      }
      chunk.remove_prefix(nl + 1);
    }
    return len;
  }

  void StartRequest(std::unique_ptr<Request> r, std::chrono::milliseconds timeout,
                    std::chrono::milliseconds idle_timeout) {
    CURL* e = curl_easy_init();
    r->easy = e;
    const ConnectionConfig& c = *r->config;
    std::string url = c.server + r->path;
    curl_easy_setopt(e, CURLOPT_URL, url.c_str());
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PRIVATE, r.get());
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &Impl::OnWrite);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, r.get());
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    if (timeout.count() > 0) curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
    if (idle_timeout.count() > 0) {
      curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
      curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, static_cast<long>(std::max<int64_t>(1, idle_timeout.count() / 1000)));
    }
    r->headers = curl_slist_append(r->headers, "Accept: application/json");
    r->headers = curl_slist_append(r->headers, "User-Agent: pedia-clustersynchro-manager");
    if (!c.bearer_token.empty()) {
      std::string h = "Authorization: Bearer " + c.bearer_token;
      r->headers = curl_slist_append(r->headers, h.c_str());
    }
    if (r->method != "GET") {
      curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r->method.c_str());
      curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->request_body.c_str());
      curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, static_cast<long>(r->request_body.size()));
      std::string ct =
          "Content-Type: " + std::string(r->method == "PATCH" ? "application/merge-patch+json" : "application/json");
      r->headers = curl_slist_append(r->headers, ct.c_str());
    }
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->headers);
    if (c.insecure_skip_tls_verify) {
      curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
    } else if (!c.ca_pem.empty()) {
      curl_blob ca{const_cast<char*>(c.ca_pem.data()), c.ca_pem.size(), CURL_BLOB_COPY};
      curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &ca);
    }
    if (!c.client_cert_pem.empty()) {
      curl_blob cert{const_cast<char*>(c.client_cert_pem.data()), c.client_cert_pem.size(), CURL_BLOB_COPY};
      curl_blob key{const_cast<char*>(c.client_key_pem.data()), c.client_key_pem.size(), CURL_BLOB_COPY};
      curl_easy_setopt(e, CURLOPT_SSLCERT_BLOB, &cert);
      curl_easy_setopt(e, CURLOPT_SSLCERTTYPE, "PEM");
      curl_easy_setopt(e, CURLOPT_SSLKEY_BLOB, &key);
      curl_easy_setopt(e, CURLOPT_SSLKEYTYPE, "PEM");
    }
    RequestId id = r->id;
    curl_multi_add_handle(multi, e);
    active.emplace(id, std::move(r));
  }

  void Finish(CURL* easy, CURLcode result) {
    Request* raw = nullptr;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, reinterpret_cast<char**>(&raw));
    auto it = active.find(raw->id);
    if (it == active.end()) return;
    std::unique_ptr<Request> r = std::move(it->second);
    active.erase(it);
    long code = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
    r->http_status = static_cast<int>(code);
    std::string what = r->method + " " + r->path.substr(0, r->path.find('?'));
    Status status;
    if (r->overflow) {
      status = Status::InvalidArgument(what + ": response too large");
    } else if (result != CURLE_OK) {
      std::string detail = r->errbuf[0] ? r->errbuf : curl_easy_strerror(result);
      status = Status::Unavailable(what + ": request to " + r->config->server + " failed\nDETAIL: " + detail);
    } else if (code < 200 || code >= 300) {
      status = StatusFromHttp(static_cast<int>(code), r->body, what);
    }
    Cleanup(r.get());
    if (r->handler) {
      if (status.ok() && !r->line_buf.empty()) r->handler->OnLine(r->line_buf);
      r->handler->OnEnd(status, r->http_status);
    } else if (r->done) {
      HttpResponse resp{r->http_status, std::move(r->body)};
      r->done(status, std::move(resp));
    }
  }

  void RunTimers() {
    auto now = Clock::now();
    while (!timer_order.empty() && timer_order.begin()->first <= now) {
      TimerId id = timer_order.begin()->second;
      timer_order.erase(timer_order.begin());
      auto it = timers.find(id);
      if (it == timers.end()) continue;
      auto fn = std::move(it->second.second);
      timers.erase(it);
      fn();
    }
  }

  void Run() {
    loop_id = std::this_thread::get_id();
    while (!stopping) {
      std::deque<std::function<void()>> batch;
      {
        std::lock_guard<std::mutex> l(mu);
        batch.swap(posted);
      }
      for (auto& fn : batch) fn();
      RunTimers();
      int running = 0;
      curl_multi_perform(multi, &running);
      int left = 0;
      while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
        if (msg->msg == CURLMSG_DONE) Finish(msg->easy_handle, msg->data.result);
      }
      int wait_ms = 1000;
      if (!timer_order.empty()) {
        auto until = std::chrono::duration_cast<std::chrono::milliseconds>(timer_order.begin()->first - Clock::now());
        wait_ms = static_cast<int>(std::clamp<int64_t>(until.count(), 0, 1000));
      }
      {
        std::lock_guard<std::mutex> l(mu);
        if (!posted.empty()) wait_ms = 0;
      }
      curl_multi_poll(multi, nullptr, 0, wait_ms, nullptr);
    }
  }
};

Transport::Transport() : impl_(std::make_unique<Impl>()) {}
Transport::~Transport() = default;

RequestId Transport::Get(std::shared_ptr<const ConnectionConfig> config, std::string path,
                         std::chrono::milliseconds timeout, Completion done) {
  return Send(std::move(config), "GET", std::move(path), "", "", timeout, std::move(done));
}

RequestId Transport::Send(std::shared_ptr<const ConnectionConfig> config, std::string method, std::string path,
                          std::string body, std::string, std::chrono::milliseconds timeout, Completion done) {
  auto r = std::make_unique<Impl::Request>();
  r->id = impl_->next_id++;
  r->config = std::move(config);
  r->method = std::move(method);
  r->path = std::move(path);
  r->request_body = std::move(body);
  r->done = std::move(done);
  RequestId id = r->id;
  impl_->Post([impl = impl_.get(), r = std::shared_ptr<Impl::Request>(r.release()), timeout]() mutable {
    impl->StartRequest(std::unique_ptr<Impl::Request>(new Impl::Request(std::move(*r))), timeout,
                       std::chrono::milliseconds(0));
  });
  return id;
}

RequestId Transport::Stream(std::shared_ptr<const ConnectionConfig> config, std::string path,
                            std::chrono::milliseconds timeout, std::chrono::milliseconds idle_timeout,
                            std::shared_ptr<StreamHandler> handler) {
  auto r = std::make_shared<Impl::Request>();
  r->id = impl_->next_id++;
  r->config = std::move(config);
  r->method = "GET";
  r->path = std::move(path);
  r->handler = std::move(handler);
  RequestId id = r->id;
  impl_->Post([impl = impl_.get(), r, timeout, idle_timeout]() mutable {
    impl->StartRequest(std::unique_ptr<Impl::Request>(new Impl::Request(std::move(*r))), timeout, idle_timeout);
  });
  return id;
}

void Transport::Cancel(RequestId id) {
  impl_->Post([impl = impl_.get(), id] {
    auto it = impl->active.find(id);
    if (it == impl->active.end()) return;
    impl->Cleanup(it->second.get());
    impl->active.erase(it);
  });
}

void Transport::Post(std::function<void()> fn) { impl_->Post(std::move(fn)); }

TimerId Transport::After(std::chrono::milliseconds delay, std::function<void()> fn) {
  TimerId id = impl_->next_id++;
  auto when = Clock::now() + delay;
  impl_->Post([impl = impl_.get(), id, when, fn = std::move(fn)]() mutable {
    impl->timers.emplace(id, std::make_pair(when, std::move(fn)));
    impl->timer_order.emplace(when, id);
  });
  return id;
}

void Transport::CancelTimer(TimerId id) {
  impl_->Post([impl = impl_.get(), id] { impl->timers.erase(id); });
}

bool Transport::InLoopThread() const { return std::this_thread::get_id() == impl_->loop_id; }

Result<HttpResponse> Transport::GetSync(std::shared_ptr<const ConnectionConfig> config, std::string path,
                                        std::chrono::milliseconds timeout) {
  return SendSync(std::move(config), "GET", std::move(path), "", timeout);
}

Result<HttpResponse> Transport::SendSync(std::shared_ptr<const ConnectionConfig> config, std::string method,
                                         std::string path, std::string body, std::chrono::milliseconds timeout) {
  if (InLoopThread()) return Status::Internal("blocking request on the HTTP loop thread");
  auto promise = std::make_shared<std::promise<std::pair<Status, HttpResponse>>>();
  auto future = promise->get_future();
  Send(std::move(config), std::move(method), std::move(path), std::move(body), "", timeout,
       [promise](const Status& s, HttpResponse r) {
         promise->set_value({s, std::move(r)});
       });
  try {
    auto [status, response] = future.get();
    if (!status.ok()) return status;
    return response;
  } catch (const std::future_error&) {
    return Status::Unavailable("request abandoned: the HTTP client is shutting down");
  }
}

}  // namespace pedia::kube
