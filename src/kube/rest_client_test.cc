#include "kube/rest_client.h"

#include <atomic>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "catch.h"
#include "server/http_server.h"

namespace pedia::kube {
namespace {

using namespace std::chrono_literals;

// A local server whose handler the test chooses.
struct TestServer {
  std::function<void(http::Request&&, std::shared_ptr<http::Responder>)> handle;
  http::Server server{http::ServerOptions{}, [this](http::Request&& r, std::shared_ptr<http::Responder> resp) {
                        handle(std::move(r), std::move(resp));
                      }};
  TestServer() { REQUIRE(server.Start().ok()); }
  std::shared_ptr<const ConnectionConfig> Config(std::string token = "") {
    auto c = std::make_shared<ConnectionConfig>();
    c->server = "http://127.0.0.1:" + std::to_string(server.port());
    c->bearer_token = std::move(token);
    return c;
  }
};

using http::JsonResponse;

TEST_CASE("rest client: GET with the bearer token", "[kube]") {
  TestServer s;
  std::string seen_auth;
  s.handle = [&](http::Request&& r, std::shared_ptr<http::Responder> resp) {
    seen_auth = std::string(r.Header("authorization"));
    resp->Send(JsonResponse(200, R"({"ok":true})"));
  };
  Transport t;
  auto r = t.GetSync(s.Config("tok"), "/version", 5s);
  REQUIRE(r.ok());
  CHECK(r->status == 200);
  CHECK(r->body == R"({"ok":true})");
  CHECK(seen_auth == "Bearer tok");
}

TEST_CASE("rest client: HTTP errors carry the Kubernetes Status message, not credentials", "[kube]") {
  TestServer s;
  int code = 0;
  s.handle = [&](http::Request&&, std::shared_ptr<http::Responder> resp) {
    resp->Send(JsonResponse(code, R"({"kind":"Status","status":"Failure","message":"pods is forbidden: nope","code":)" +
                               std::to_string(code) + "}"));
  };
  Transport t;
  for (auto [http_code, want] :
       {std::pair{401, Status::kInvalidArgument}, std::pair{403, Status::kInvalidArgument},
        std::pair{404, Status::kNotFound}, std::pair{409, Status::kConflict}, std::pair{410, Status::kExpired},
        std::pair{429, Status::kUnavailable}, std::pair{503, Status::kUnavailable}}) {
    code = http_code;
    auto r = t.GetSync(s.Config("secret-token-value"), "/api/v1/pods?limit=1", 5s);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == want);
    CHECK(r.status().message().find("HTTP " + std::to_string(http_code)) != std::string::npos);
    CHECK(r.status().message().find("pods is forbidden: nope") != std::string::npos);
    CHECK(r.status().message().find("secret-token-value") == std::string::npos);
    CHECK(r.status().message().find("?limit") == std::string::npos);
  }
}

TEST_CASE("rest client: transport failures are Unavailable", "[kube]") {
  Transport t;
  auto c = std::make_shared<ConnectionConfig>();
  c->server = "http://127.0.0.1:1";  // nothing listens on port 1
  auto r = t.GetSync(c, "/readyz", 2s);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().IsUnavailable());
}

TEST_CASE("rest client: a slow server times out", "[kube]") {
  TestServer s;
  std::vector<std::shared_ptr<http::Responder>> parked;
  std::mutex mu;
  s.handle = [&](http::Request&&, std::shared_ptr<http::Responder> resp) {
    std::lock_guard<std::mutex> l(mu);
    parked.push_back(resp);  // never answered
  };
  Transport t;
  auto start = std::chrono::steady_clock::now();
  auto r = t.GetSync(s.Config(), "/slow", 300ms);
  CHECK_FALSE(r.ok());
  CHECK(r.status().IsUnavailable());
  CHECK(std::chrono::steady_clock::now() - start < 5s);
  std::lock_guard<std::mutex> l(mu);
  for (auto& p : parked) p->Send(JsonResponse(200, "{}"));
}

class Collector : public StreamHandler {
 public:
  void OnLine(std::string_view line) override {
    std::lock_guard<std::mutex> l(mu);
    lines.emplace_back(line);
  }
  void OnEnd(const Status& status, int http) override { end.set_value({status, http}); }
  std::mutex mu;
  std::vector<std::string> lines;
  std::promise<std::pair<Status, int>> end;
};

TEST_CASE("rest client: watch streams are split into lines across chunks", "[kube]") {
  TestServer s;
  s.handle = [&](http::Request&&, std::shared_ptr<http::Responder> resp) {
    auto stream = resp->Stream(200, {{"Content-Type", "application/json"}});
    std::thread([stream] {
      for (const char* chunk : {"{\"type\":\"ADD", "ED\"}\n{\"a\":1}\n", "\n{\"b\":", "2}\n{\"tail\":true}"}) {
        stream->Write(chunk);
        std::this_thread::sleep_for(20ms);
      }
      stream->Close();
    }).detach();
  };
  Transport t;
  auto c = std::make_shared<Collector>();
  auto end = c->end.get_future();
  t.Stream(s.Config(), "/watch", 5s, 0ms, c);
  REQUIRE(end.wait_for(5s) == std::future_status::ready);
  auto [status, http] = end.get();
  CHECK(status.ok());
  CHECK(http == 200);
  CHECK(c->lines == std::vector<std::string>{R"({"type":"ADDED"})", R"({"a":1})", R"({"b":2})", R"({"tail":true})"});
}

TEST_CASE("rest client: a cancelled stream calls nothing more; timers fire in order", "[kube]") {
  TestServer s;
  std::shared_ptr<http::ResponseStream> open;
  s.handle = [&](http::Request&&, std::shared_ptr<http::Responder> resp) {
    open = resp->Stream(200, {});
    open->Write("{\"first\":1}\n");
  };
  Transport t;
  auto c = std::make_shared<Collector>();
  RequestId id = t.Stream(s.Config(), "/watch", 10s, 0ms, c);
  for (int i = 0; i < 200; ++i) {
    {
      std::lock_guard<std::mutex> l(c->mu);
      if (!c->lines.empty()) break;
    }
    std::this_thread::sleep_for(10ms);
  }
  t.Cancel(id);
  std::promise<void> barrier;
  t.Post([&] { barrier.set_value(); });
  barrier.get_future().wait();
  if (open) open->Write("{\"second\":2}\n");
  std::this_thread::sleep_for(100ms);
  std::lock_guard<std::mutex> l(c->mu);
  CHECK(c->lines == std::vector<std::string>{R"({"first":1})"});

  std::vector<int> order;
  std::promise<void> done;
  t.After(60ms, [&] {
    order.push_back(2);
    done.set_value();
  });
  t.After(10ms, [&] { order.push_back(1); });
  TimerId cancelled = t.After(30ms, [&] { order.push_back(99); });
  t.CancelTimer(cancelled);
  done.get_future().wait();
  CHECK(order == std::vector<int>{1, 2});
  if (open) open->Close();
}

}  // namespace
}  // namespace pedia::kube
