// A tiny in-process member cluster for the synchro's tests: /version,
// discovery for core/v1 pods and (optionally) one CRD group, chunked lists,
// watch streams with bookmarks, 410 Gone after Compact(), bearer-token auth
// and a switchable /readyz.  Only what the synchro's tests need; the real
// simulator is tests/kubesim.  Thread-safe.
#ifndef PEDIA_SYNC_FAKE_MEMBER_FOR_TEST_H_
#define PEDIA_SYNC_FAKE_MEMBER_FOR_TEST_H_

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "server/http_server.h"

namespace pedia::sync::testing {

class FakeMember {
 public:
  explicit FakeMember(std::string token);
  ~FakeMember();
  int port() const { return server_->port(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port()); }

  void Upsert(const std::string& resource, const std::string& ns, const std::string& name,
              const std::string& extra_metadata = "");
  void Delete(const std::string& resource, const std::string& ns, const std::string& name);
  /// Ends every open watch stream.
  void DropWatches();
  /// Forgets old events: watches from an older resourceVersion get 410.
  void Compact();
  void SetHealthy(bool healthy);
  /// Serves the CRD group "ex.io/v1" with resource "widgets".
  void AddWidgetCrd();
  /// name -> resourceVersion of a resource's objects ("ns/name" keys).
  std::map<std::string, std::string> Snapshot(const std::string& resource);
  int list_requests() const;

 private:
  struct Event {
    int64_t rv;
    std::string type, resource, object;
  };
  struct Watcher {
    std::string resource;
    std::shared_ptr<http::ResponseStream> stream;
  };
  void Handle(http::Request&& req, std::shared_ptr<http::Responder> r);
  void Emit(const Event& e);

  std::string token_;
  mutable std::mutex mu_;
  int64_t rv_ = 100;
  int64_t compacted_ = 0;
  bool healthy_ = true;
  bool widgets_ = false;
  int list_requests_ = 0;
  std::map<std::string, std::map<std::string, std::pair<int64_t, std::string>>> objects_;  // resource -> key
  std::vector<Event> events_;
  std::vector<Watcher> watchers_;
  std::unique_ptr<http::Server> server_;
};

}  // namespace pedia::sync::testing

#endif  // PEDIA_SYNC_FAKE_MEMBER_FOR_TEST_H_
