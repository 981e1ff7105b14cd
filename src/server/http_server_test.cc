#include "server/http_server.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "catch.h"

namespace pedia::http {
namespace {

struct CurlResult {
  CURLcode code = CURLE_OK;
  long status = 0;
  std::string body;
  long new_connections = 0;
};

size_t AppendBody(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

struct CurlOptions {
  std::string ca_file, cert_file, key_file;
  std::vector<std::string> headers;
};

CurlResult Get(CURL* curl, const std::string& url, const CurlOptions& o = {}) {
  CurlResult r;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
  if (!o.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, o.ca_file.c_str());
  curl_easy_setopt(curl, CURLOPT_SSLCERT, o.cert_file.empty() ? nullptr : o.cert_file.c_str());
  curl_easy_setopt(curl, CURLOPT_SSLKEY, o.key_file.empty() ? nullptr : o.key_file.c_str());
  curl_slist* list = nullptr;
  for (const auto& h : o.headers) list = curl_slist_append(list, h.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  r.code = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.status);
  curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &r.new_connections);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  curl_slist_free_all(list);
  return r;
}

CurlResult GetOnce(const std::string& url, const CurlOptions& o = {}) {
  CURL* curl = curl_easy_init();
  CurlResult r = Get(curl, url, o);
  curl_easy_cleanup(curl);
  return r;
}

std::string Url(const Server& s, const std::string& path, bool tls = false) {
  return std::string(tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(s.port()) + path;
}

// Waits for a flag set from another thread.
struct Flag {
  std::mutex mu;
  std::condition_variable cv;
  bool set = false;
  void Set() {
    std::lock_guard lock(mu);
    set = true;
    cv.notify_all();
  }
  bool WaitFor(std::chrono::milliseconds d) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, d, [&] { return set; });
  }
};

Response Text(std::string body) {
  Response r;
  r.headers.emplace_back("Content-Type", "text/plain");
  r.body = std::move(body);
  return r;
}

}  // namespace

TEST_CASE("ParseQuery decodes and keeps order", "[server]") {
  auto q = ParseQuery("a=1&a=2&b&labelSelector=app%3Dweb%2Cx+in+%28a%29&empty=&&c=%zz");
  REQUIRE(q.size() == 6);
  CHECK(q[0] == std::pair<std::string, std::string>("a", "1"));
  CHECK(q[1] == std::pair<std::string, std::string>("a", "2"));
  CHECK(q[2] == std::pair<std::string, std::string>("b", ""));
  CHECK(q[3].second == "app=web,x in (a)");
  CHECK(q[4] == std::pair<std::string, std::string>("empty", ""));
  CHECK(q[5].second == "%zz");  // invalid escapes stay as sent
  CHECK(ParseQuery("").empty());
}

TEST_CASE("PercentDecode handles plus and truncated escapes", "[server]") {
  CHECK(PercentDecode("a+b%20c") == "a b c");
  CHECK(PercentDecode("a+b", false) == "a+b");
  CHECK(PercentDecode("%2") == "%2");
  CHECK(PercentDecode("%") == "%");
  CHECK(PercentDecode("%41%62") == "Ab");
  CHECK(PercentDecode("/api/v1/namespaces/a%2Fb", false) == "/api/v1/namespaces/a/b");
}

TEST_CASE("plain server answers, keeps connections alive and streams", "[server]") {
  std::atomic<int> closed_callbacks{0};
  Flag stream_closed;
  Server server({}, [&](Request&& req, std::shared_ptr<Responder> responder) {
    if (req.path == "/stream") {
      auto stream = responder->Stream(200, {{"Content-Type", "application/json"}});
      stream->OnClosed([&] {
        ++closed_callbacks;
        stream_closed.Set();
      });
      // Written from another thread, as watch fan-out does.
      std::thread([stream] {
        for (int i = 0; i < 3; ++i) stream->Write("{\"n\":" + std::to_string(i) + "}\n");
        stream->Close();
        stream->Close();  // idempotent
        CHECK_FALSE(stream->Write("late"));
      }).detach();
      return;
    }
    if (req.path == "/late") {
      std::thread([responder] {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        responder->Send(Text("late"));
      }).detach();
      return;
    }
    if (req.path == "/none") return;  // the responder answers 500 itself
    responder->Send(
        Text(req.method + " " + req.path + " ? " + req.query + " ua=" + std::string(req.Header("user-agent"))));
  });
  REQUIRE(server.Start().ok());
  REQUIRE(server.port() > 0);

  CURL* curl = curl_easy_init();
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "unit");
  auto first = Get(curl, Url(server, "/a%20b?x=1"));
  CHECK(first.code == CURLE_OK);
  CHECK(first.status == 200);
  CHECK(first.body == "GET /a b ? x=1 ua=unit");
  CHECK(first.new_connections == 1);
  auto second = Get(curl, Url(server, "/late"));
  CHECK(second.body == "late");
  CHECK(second.new_connections == 0);  // keep-alive reused the connection
  curl_easy_cleanup(curl);

  auto none = GetOnce(Url(server, "/none"));
  CHECK(none.status == 500);
  CHECK(none.body.find("\"kind\":\"Status\"") != std::string::npos);

  auto streamed = GetOnce(Url(server, "/stream"));
  CHECK(streamed.code == CURLE_OK);
  CHECK(streamed.status == 200);
  CHECK(streamed.body == "{\"n\":0}\n{\"n\":1}\n{\"n\":2}\n");
  CHECK(stream_closed.WaitFor(std::chrono::seconds(5)));
  CHECK(closed_callbacks == 1);
  server.Stop();
}

TEST_CASE("a client disconnect ends the stream and runs OnClosed", "[server]") {
  Flag closed;
  std::shared_ptr<ResponseStream> kept;
  std::mutex kept_mu;
  Server server({}, [&](Request&&, std::shared_ptr<Responder> responder) {
    auto stream = responder->Stream(200, {});
    stream->OnClosed([&] { closed.Set(); });
    stream->Write("hello\n");
    std::lock_guard lock(kept_mu);
    kept = stream;  // never closed by the server
  });
  REQUIRE(server.Start().ok());
  CURL* curl = curl_easy_init();
  curl_easy_setopt(curl, CURLOPT_URL, Url(server, "/watch").c_str());
  // Returning 0 from the write callback aborts the transfer: the client goes away.
  curl_easy_setopt(
      curl, CURLOPT_WRITEFUNCTION, +[](char*, size_t, size_t, void*) -> size_t { return 0; });
  CHECK(curl_easy_perform(curl) == CURLE_WRITE_ERROR);
  curl_easy_cleanup(curl);
  CHECK(closed.WaitFor(std::chrono::seconds(5)));
  std::lock_guard lock(kept_mu);
  REQUIRE(kept);
  CHECK(kept->IsClosed());
  CHECK_FALSE(kept->Write("more"));
  server.Stop();
}

TEST_CASE("Stop ends open streams and OnClosed set after the end runs at once", "[server]") {
  std::shared_ptr<ResponseStream> kept;
  std::mutex kept_mu;
  Flag streaming;
  std::atomic<int> closed{0};
  Server server({}, [&](Request&&, std::shared_ptr<Responder> responder) {
    auto stream = responder->Stream(200, {});
    stream->OnClosed([&] { ++closed; });
    stream->Write("x\n");
    std::lock_guard lock(kept_mu);
    kept = stream;
    streaming.Set();
  });
  REQUIRE(server.Start().ok());
  std::thread client([&] { GetOnce(Url(server, "/watch")); });
  REQUIRE(streaming.WaitFor(std::chrono::seconds(5)));
  server.Stop(std::chrono::milliseconds(2000));
  client.join();
  CHECK(closed == 1);
  bool ran = false;
  std::lock_guard lock(kept_mu);
  kept->OnClosed([&] { ran = true; });
  CHECK(ran);
}

TEST_CASE("limits: max in-flight answers 429, big headers 431, big bodies 413", "[server]") {
  ServerOptions options;
  options.max_requests_inflight = 1;
  options.max_header_bytes = 2048;
  options.max_body_bytes = 16;
  Flag holding, release;
  Server server(options, [&](Request&& req, std::shared_ptr<Responder> responder) {
    if (req.path == "/hold") {
      std::thread([&, responder] {
        holding.Set();
        release.WaitFor(std::chrono::seconds(10));
        responder->Send(Text("held"));
      }).detach();
      return;
    }
    responder->Send(Text("ok"));
  });
  REQUIRE(server.Start().ok());
  CurlResult held;
  std::thread holder([&] { held = GetOnce(Url(server, "/hold")); });
  REQUIRE(holding.WaitFor(std::chrono::seconds(5)));
  auto refused = GetOnce(Url(server, "/other"));
  CHECK(refused.status == 429);
  CHECK(refused.body.find("\"reason\":\"TooManyRequests\"") != std::string::npos);
  release.Set();
  holder.join();
  CHECK(held.body == "held");
  CHECK(GetOnce(Url(server, "/other")).status == 200);  // the slot was given back

  CurlOptions big;
  big.headers.push_back("X-Big: " + std::string(4096, 'a'));
  CHECK(GetOnce(Url(server, "/x"), big).status == 431);

  CURL* curl = curl_easy_init();
  std::string sink;
  curl_easy_setopt(curl, CURLOPT_URL, Url(server, "/post").c_str());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "this body is longer than sixteen bytes");
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
  curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  CHECK(status == 413);
  curl_easy_cleanup(curl);
  server.Stop();
}

TEST_CASE("Start reports a taken port and unreadable certificates", "[server]") {
  Server first({}, [](Request&&, std::shared_ptr<Responder> r) { r->Send({}); });
  REQUIRE(first.Start().ok());
  ServerOptions same;
  same.port = first.port();
  Server second(same, [](Request&&, std::shared_ptr<Responder> r) { r->Send({}); });
  // SO_REUSEADDR does not allow two listeners on one port.
  Status taken = second.Start();
  CHECK(taken.code() == Status::kUnavailable);

  ServerOptions bad;
  bad.tls_cert_file = "/nonexistent/cert.pem";
  bad.tls_key_file = "/nonexistent/key.pem";
  Server third(bad, [](Request&&, std::shared_ptr<Responder> r) { r->Send({}); });
  CHECK(third.Start().code() == Status::kInvalidArgument);
}

namespace {

// Certificates made with the openssl CLI in a fresh temporary directory.
struct Pki {
  std::filesystem::path dir;

  Pki() {
    char tmpl[] = "/tmp/pedia-http-test-XXXXXX";
    dir = mkdtemp(tmpl);
    std::string d = dir.string();
    std::string script =
        "set -e; cd '" + d +
        "';"
        "q() { \"$@\" >/dev/null 2>&1; };"
        "mkca() { q openssl req -x509 -newkey rsa:2048 -nodes -keyout $1.key -out $1.crt -days 1 -subj /CN=$1; };"
        "mkca ca-a; mkca ca-b; mkca rogue;"
        "printf 'subjectAltName=IP:127.0.0.1\\n' > san.ext;"
        "q openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=server;"
        "q openssl x509 -req -in server.csr -CA ca-a.crt -CAkey ca-a.key -CAcreateserial -out server.crt "
        "-days 1 -extfile san.ext;"
        "q openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr "
        "-subj '/O=dev/O=system:masters/CN=alice';"
        "q openssl x509 -req -in client.csr -CA ca-b.crt -CAkey ca-b.key -CAcreateserial -out client.crt -days 1;"
        "q openssl req -newkey rsa:2048 -nodes -keyout bad.key -out bad.csr -subj /CN=mallory;"
        "q openssl x509 -req -in bad.csr -CA rogue.crt -CAkey rogue.key -CAcreateserial -out bad.crt -days 1;";
    ok = std::system(("bash -c \"" + Escape(script) + "\"").c_str()) == 0;
  }
  ~Pki() { std::filesystem::remove_all(dir); }
  std::string File(const char* name) const { return (dir / name).string(); }
  bool ok = false;

 private:
  static std::string Escape(const std::string& s) {
    std::string out;
    for (char c : s) {
      if (c == '"' || c == '\\' || c == '$' || c == '`') out.push_back('\\');
      out.push_back(c);
    }
    return out;
  }
};

}  // namespace

TEST_CASE("TLS server verifies optional client certificates and names the CA", "[server]") {
  Pki pki;
  REQUIRE(pki.ok);
  ServerOptions options;
  options.tls_cert_file = pki.File("server.crt");
  options.tls_key_file = pki.File("server.key");
  options.client_ca_files = {pki.File("ca-a.crt"), pki.File("ca-b.crt")};
  Server server(options, [](Request&& req, std::shared_ptr<Responder> responder) {
    std::string who = req.client_cert.verified ? "verified" : "anonymous";
    who += " ca=" + std::to_string(req.client_cert.ca_index) + " cn=" + req.client_cert.common_name;
    for (const auto& o : req.client_cert.organizations) who += " o=" + o;
    responder->Send(Text(who));
  });
  REQUIRE(server.Start().ok());

  CurlOptions anonymous;
  anonymous.ca_file = pki.File("ca-a.crt");
  auto r = GetOnce(Url(server, "/", true), anonymous);
  CHECK(r.code == CURLE_OK);
  CHECK(r.body == "anonymous ca=-1 cn=");

  CurlOptions with_cert = anonymous;
  with_cert.cert_file = pki.File("client.crt");
  with_cert.key_file = pki.File("client.key");
  r = GetOnce(Url(server, "/", true), with_cert);
  CHECK(r.code == CURLE_OK);
  CHECK(r.body == "verified ca=1 cn=alice o=dev o=system:masters");

  CurlOptions rogue = anonymous;
  rogue.cert_file = pki.File("bad.crt");
  rogue.key_file = pki.File("bad.key");
  r = GetOnce(Url(server, "/", true), rogue);
  CHECK(r.code != CURLE_OK);  // handshake refused
  CHECK(r.body.empty());

  // Plain HTTP against the TLS port is not answered as HTTP.
  CHECK(GetOnce(Url(server, "/")).status != 200);
  server.Stop();
}

}  // namespace pedia::http

namespace pedia::http {

TEST_CASE("a responder or stream kept past Stop() is harmless", "[server]") {
  std::shared_ptr<Responder> kept_responder;
  std::shared_ptr<ResponseStream> kept_stream;
  std::mutex mu;
  Flag both;
  Server server({}, [&](Request&& req, std::shared_ptr<Responder> responder) {
    std::lock_guard lock(mu);
    if (req.path == "/stream") {
      kept_stream = responder->Stream(200, {});
    } else {
      kept_responder = responder;  // never answered before Stop()
    }
    if (kept_stream && kept_responder) both.Set();
  });
  REQUIRE(server.Start().ok());
  std::string url = "http://127.0.0.1:" + std::to_string(server.port());
  std::thread a([&] { GetOnce(url + "/stream"); });
  std::thread b([&] { GetOnce(url + "/plain"); });
  REQUIRE(both.WaitFor(std::chrono::seconds(5)));
  server.Stop(std::chrono::milliseconds(100));
  a.join();
  b.join();
  std::lock_guard lock(mu);
  CHECK(kept_stream->IsClosed());
  CHECK_FALSE(kept_stream->Write("after stop"));
  kept_responder->Send({});  // dropped, no crash
  kept_responder.reset();
  kept_stream.reset();
}

}  // namespace pedia::http

namespace pedia::http {
namespace {

// A raw loopback connection, for requests curl will not send.
int Connect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

// Reads until the peer closes (true) or the 5 s receive timeout (false).
bool ReadUntilClosed(int fd, std::string* got) {
  char buf[4096];
  while (true) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n == 0) return true;
    if (n < 0) return false;
    got->append(buf, static_cast<size_t>(n));
  }
}

}  // namespace

TEST_CASE("a half-sent request is dropped after the request timeout", "[server]") {
  ServerOptions options;
  options.request_timeout = std::chrono::seconds(1);
  Server server(options, [](Request&&, std::shared_ptr<Responder> r) { r->Send({}); });
  REQUIRE(server.Start().ok());
  int fd = Connect(server.port());
  REQUIRE(fd >= 0);
  std::string partial = "GET / HTTP/1.1\r\nHost: x\r\n";  // headers never end
  REQUIRE(::send(fd, partial.data(), partial.size(), 0) == static_cast<ssize_t>(partial.size()));
  auto start = std::chrono::steady_clock::now();
  std::string got;
  CHECK(ReadUntilClosed(fd, &got));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(4));
  CHECK(got.empty());
  ::close(fd);
  server.Stop();
}

TEST_CASE("garbage is answered 400 and pipelined requests are answered in order", "[server]") {
  Server server({}, [](Request&& req, std::shared_ptr<Responder> r) {
    Response resp;
    resp.body = req.path;
    r->Send(std::move(resp));
  });
  REQUIRE(server.Start().ok());
  int fd = Connect(server.port());
  REQUIRE(fd >= 0);
  std::string two = "GET /one HTTP/1.1\r\nHost: x\r\n\r\nGET /two HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  REQUIRE(::send(fd, two.data(), two.size(), 0) == static_cast<ssize_t>(two.size()));
  std::string got;
  CHECK(ReadUntilClosed(fd, &got));
  size_t one = got.find("/one"), second = got.find("/two");
  CHECK(one != std::string::npos);
  CHECK(second != std::string::npos);
  CHECK(one < second);
  ::close(fd);

  fd = Connect(server.port());
  REQUIRE(fd >= 0);
  std::string garbage = "NOT HTTP AT ALL\r\n\r\n";
  REQUIRE(::send(fd, garbage.data(), garbage.size(), 0) == static_cast<ssize_t>(garbage.size()));
  got.clear();
  CHECK(ReadUntilClosed(fd, &got));
  CHECK(got.rfind("HTTP/1.1 400", 0) == 0);
  ::close(fd);
  server.Stop();
}

}  // namespace pedia::http

namespace pedia::http {
namespace {

// Collects the answers the transport gave itself.
struct TransportLog {
  std::mutex mu;
  std::vector<TransportAnswer> answers;
  void Add(const TransportAnswer& a) {
    std::lock_guard lock(mu);
    answers.push_back(a);
  }
  bool Has(int status) {
    std::lock_guard lock(mu);
    for (const auto& a : answers) {
      if (a.status == status) return true;
    }
    return false;
  }
};

}  // namespace

TEST_CASE("the request deadline answers 504 and drops the handler's late answer", "[server]") {
  ServerOptions options;
  options.request_timeout = std::chrono::milliseconds(300);
  options.handling_deadline = true;
  options.long_running = [](const Request& r) { return r.path == "/watch"; };
  TransportLog log;
  options.on_transport_answer = [&](const TransportAnswer& a) { log.Add(a); };
  Flag release, late_done, watch_started, slow_stream_closed;
  std::atomic<bool> late_taken{true};
  std::shared_ptr<ResponseStream> watch;
  std::mutex mu;
  Server server(options, [&](Request&& req, std::shared_ptr<Responder> responder) {
    if (req.path == "/block") {
      // A storage call that cannot be cancelled: it ends when released, long
      // after the deadline, and its answer must be dropped safely.
      std::thread([&, responder] {
        release.WaitFor(std::chrono::seconds(10));
        late_taken = responder->TrySend(Text("too late"));
        late_done.Set();
      }).detach();
      return;
    }
    if (req.path == "/watch") {
      std::lock_guard lock(mu);
      watch = responder->Stream(200, {});
      watch->Write("{}\n");
      watch_started.Set();
      return;
    }
    if (req.path == "/slow-stream") {
      auto stream = responder->Stream(200, {});
      stream->OnClosed([&] { slow_stream_closed.Set(); });
      stream->Write("partial");  // never closed by the handler
      return;
    }
    responder->Send(Text("ok"));
  });
  REQUIRE(server.Start().ok());
  // A long-running stream has no deadline.
  std::thread watcher([&] { GetOnce(Url(server, "/watch")); });
  REQUIRE(watch_started.WaitFor(std::chrono::seconds(5)));

  auto start = std::chrono::steady_clock::now();
  auto timed_out = GetOnce(Url(server, "/block"));
  CHECK(timed_out.status == 504);
  CHECK(timed_out.body.find("\"reason\":\"Timeout\"") != std::string::npos);
  CHECK(timed_out.body.find("\"code\":504") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));  // liveness only
  CHECK(log.Has(504));
  release.Set();
  REQUIRE(late_done.WaitFor(std::chrono::seconds(5)));
  CHECK_FALSE(late_taken);  // dropped: the transport answered

  // Past the deadline a non-long-running stream is cut; the watch is not.
  GetOnce(Url(server, "/slow-stream"));
  CHECK(slow_stream_closed.WaitFor(std::chrono::seconds(5)));
  {
    std::lock_guard lock(mu);
    CHECK_FALSE(watch->IsClosed());
    watch->Close();
  }
  watcher.join();
  CHECK(GetOnce(Url(server, "/fast")).status == 200);
  server.Stop();
}

TEST_CASE("in-flight slots: a streaming response holds one, a watch does not; refusals are reported",
          "[server]") {
  ServerOptions options;
  options.max_requests_inflight = 1;
  options.max_header_bytes = 2048;
  options.max_body_bytes = 16;
  options.long_running = [](const Request& r) { return r.path == "/watch"; };
  TransportLog log;
  options.on_transport_answer = [&](const TransportAnswer& a) { log.Add(a); };
  Flag streaming;
  std::shared_ptr<ResponseStream> held;
  std::mutex mu;
  Server server(options, [&](Request&& req, std::shared_ptr<Responder> responder) {
    if (req.path == "/list" || req.path == "/watch") {
      std::lock_guard lock(mu);
      held = responder->Stream(200, {});
      held->Write("[");
      streaming.Set();
      return;
    }
    responder->Send(Text("ok"));
  });
  REQUIRE(server.Start().ok());
  std::thread lister([&] { GetOnce(Url(server, "/list")); });
  REQUIRE(streaming.WaitFor(std::chrono::seconds(5)));
  auto refused = GetOnce(Url(server, "/other"));
  CHECK(refused.status == 429);  // the streaming list still holds the only slot
  CHECK(log.Has(429));
  {
    std::lock_guard lock(mu);
    held->Write("]");
    held->Close();
  }
  lister.join();
  // A watch holds no slot.
  {
    std::lock_guard lock(streaming.mu);
    streaming.set = false;
  }
  std::thread watcher([&] { GetOnce(Url(server, "/watch")); });
  REQUIRE(streaming.WaitFor(std::chrono::seconds(5)));
  CHECK(GetOnce(Url(server, "/other")).status == 200);
  {
    std::lock_guard lock(mu);
    held->Close();
  }
  watcher.join();

  CurlOptions big;
  big.headers.push_back("X-Big: " + std::string(4096, 'a'));
  CHECK(GetOnce(Url(server, "/x"), big).status == 431);
  CHECK(log.Has(431));
  int fd = Connect(server.port());
  REQUIRE(fd >= 0);
  std::string garbage = "NOT HTTP AT ALL\r\n\r\n";
  REQUIRE(::send(fd, garbage.data(), garbage.size(), 0) == static_cast<ssize_t>(garbage.size()));
  std::string got;
  CHECK(ReadUntilClosed(fd, &got));
  ::close(fd);
  CHECK(log.Has(400));
  {
    std::lock_guard lock(log.mu);
    for (const auto& a : log.answers) {
      if (a.status == 429) {
        CHECK(a.method == "GET");
        CHECK(a.target == "/other");
        CHECK(a.reason == "TooManyRequests");
      }
    }
  }
  server.Stop();
}

TEST_CASE("WaitWritable holds a producer while a slow client has too much queued", "[server]") {
  constexpr size_t kChunk = 64 * 1024, kBound = 256 * 1024, kTotal = 4 * 1024 * 1024;
  std::atomic<size_t> max_pending{0};
  Flag blocked, done;
  Server server({}, [&](Request&&, std::shared_ptr<Responder> responder) {
    std::thread([&, responder] {
      auto stream = responder->Stream(200, {});
      for (size_t sent = 0; sent < kTotal; sent += kChunk) {
        if (stream->PendingBytes() > kBound) blocked.Set();  // the client is not reading
        if (!stream->WaitWritable(kBound)) break;
        stream->Write(std::string(kChunk, 'x'));
        max_pending = std::max<size_t>(max_pending, stream->PendingBytes());
      }
      stream->Close();
      done.Set();
    }).detach();
  });
  REQUIRE(server.Start().ok());
  int fd = Connect(server.port());
  REQUIRE(fd >= 0);
  std::string req = "GET /big HTTP/1.1\r\nHost: x\r\n\r\n";
  REQUIRE(::send(fd, req.data(), req.size(), 0) == static_cast<ssize_t>(req.size()));
  // Read nothing until the producer had to wait: then read it all.
  REQUIRE(blocked.WaitFor(std::chrono::seconds(10)));
  std::string got;
  CHECK(ReadUntilClosed(fd, &got));
  ::close(fd);
  REQUIRE(done.WaitFor(std::chrono::seconds(5)));
  CHECK(max_pending <= kBound + kChunk + 64);  // + one chunk's framing and the head
  CHECK(got.size() > kTotal);                  // all of it arrived, chunk-framed
  server.Stop();
}

}  // namespace pedia::http

namespace pedia::http {

TEST_CASE("Stop lets a deadline-bounded streaming response finish and ends a watch", "[server]") {
  ServerOptions options;
  options.handling_deadline = true;
  options.long_running = [](const Request& r) { return r.path == "/watch"; };
  Flag list_started, watch_started;
  std::shared_ptr<ResponseStream> list, watch;
  std::mutex mu;
  Server server(options, [&](Request&& req, std::shared_ptr<Responder> responder) {
    std::lock_guard lock(mu);
    if (req.path == "/watch") {
      watch = responder->Stream(200, {});
      watch->Write("w");
      watch_started.Set();
    } else {
      list = responder->Stream(200, {});
      list->Write("[1,");
      list_started.Set();
    }
  });
  REQUIRE(server.Start().ok());
  int port = server.port();
  CurlResult list_result, watch_result;
  std::thread lister([&] { list_result = GetOnce(Url(server, "/list")); });
  std::thread watcher([&] { watch_result = GetOnce(Url(server, "/watch")); });
  REQUIRE(list_started.WaitFor(std::chrono::seconds(5)));
  REQUIRE(watch_started.WaitFor(std::chrono::seconds(5)));
  std::thread stopper([&] { server.Stop(std::chrono::seconds(10)); });
  // Once nothing is accepted any more the shutdown is under way: the list
  // still gets to finish.
  for (int i = 0; i < 500; ++i) {
    int fd = Connect(port);
    if (fd < 0) break;
    ::close(fd);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  {
    std::lock_guard lock(mu);
    CHECK(list->Write("2]"));
    list->Close();
  }
  stopper.join();
  lister.join();
  watcher.join();
  CHECK(list_result.body == "[1,2]");
  CHECK(watch_result.body == "w");
  std::lock_guard lock(mu);
  CHECK(watch->IsClosed());
}

}  // namespace pedia::http
