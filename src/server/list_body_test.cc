#include "server/list_body.h"

#include <nlohmann/json.hpp>

#include "catch.h"
#include "server/health.h"

namespace pedia::server {
namespace {

storage::Row PodRow(std::string_view object) {
  storage::Row r;
  r.cluster = "c1";
  r.gvr = {"", "v1", "pods"};
  r.kind = "Pod";
  r.namespace_name = "ns";
  r.name = "p";
  r.resource_version = "42";
  r.object = object;
  return r;
}

constexpr std::string_view kPod =
    R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"ns","resourceVersion":"7"},"spec":{}})";

}  // namespace

TEST_CASE("WithResourceVersion replaces or inserts metadata.resourceVersion", "[server]") {
  auto j = nlohmann::json::parse(WithResourceVersion(kPod, "42"));
  CHECK(j["metadata"]["resourceVersion"] == "42");
  CHECK(j["metadata"]["name"] == "p");
  j = nlohmann::json::parse(WithResourceVersion(R"({"metadata":{"name":"x"}})", "9"));
  CHECK(j["metadata"]["resourceVersion"] == "9");
  j = nlohmann::json::parse(WithResourceVersion(R"({"metadata":{}})", "9"));
  CHECK(j["metadata"]["resourceVersion"] == "9");
  CHECK(WithResourceVersion("not json", "9") == "not json");
}

TEST_CASE("list bodies are valid JSON in every format, metadata last", "[server]") {
  storage::ListSummary summary;
  summary.continue_token = "tok";
  summary.has_remaining_count = true;
  summary.remaining_count = 3;
  summary.resource_version = "100";
  for (auto kind : {OutputFormat::kJson, OutputFormat::kTable, OutputFormat::kPartialMetadata}) {
    BodyShape shape;
    shape.format.kind = kind;
    shape.api_version = "v1";
    shape.kind = "Pod";
    shape.printer = BuiltinPrinter("", "pods");
    ListBody body(shape);
    std::string out;
    body.Begin(&out);
    body.Row(PodRow(kPod), &out);
    body.Row(PodRow(kPod), &out);
    body.End(summary, true, &out);
    auto j = nlohmann::json::parse(out);
    CHECK(j["metadata"]["continue"] == "tok");
    CHECK(j["metadata"]["remainingItemCount"] == 3);
    CHECK(j["metadata"]["resourceVersion"] == "100");
    if (kind == OutputFormat::kJson) {
      CHECK(j["kind"] == "PodList");
      CHECK(j["items"].size() == 2);
    } else if (kind == OutputFormat::kTable) {
      CHECK(j["kind"] == "Table");
      CHECK(j["rows"].size() == 2);
      CHECK(j["rows"][0]["object"]["metadata"]["name"] == "p");
    } else {
      CHECK(j["kind"] == "PartialObjectMetadataList");
      CHECK(j["items"][1]["kind"] == "PartialObjectMetadata");
    }
    ListBody no_continue(shape);
    std::string out2;
    no_continue.Begin(&out2);
    no_continue.End(summary, false, &out2);
    CHECK_FALSE(nlohmann::json::parse(out2)["metadata"].contains("continue"));
  }
}

TEST_CASE("watch frames carry the watch resourceVersion", "[server]") {
  BodyShape shape;
  shape.api_version = "v1";
  shape.kind = "Pod";
  std::string frame = WatchFrame(shape, PEDIA_STORAGE_EVENT_MODIFIED, PodRow(kPod));
  REQUIRE(frame.back() == '\n');
  auto j = nlohmann::json::parse(frame);
  CHECK(j["type"] == "MODIFIED");
  CHECK(j["object"]["metadata"]["resourceVersion"] == "42");
  auto b = nlohmann::json::parse(WatchFrame(shape, PEDIA_STORAGE_EVENT_BOOKMARK, PodRow("")));
  CHECK(b["type"] == "BOOKMARK");
  CHECK(b["object"]["kind"] == "Pod");
  CHECK(b["object"]["metadata"]["resourceVersion"] == "42");
  shape.format.kind = OutputFormat::kTable;
  shape.printer = BuiltinPrinter("", "pods");
  auto t = nlohmann::json::parse(WatchFrame(shape, PEDIA_STORAGE_EVENT_DELETED, PodRow(kPod)));
  CHECK(t["type"] == "DELETED");
  CHECK(t["object"]["kind"] == "Table");
  CHECK(t["object"]["rows"][0]["cells"][1] == "p");
  auto e = nlohmann::json::parse(WatchErrorFrame(R"({"kind":"Status","code":410})"));
  CHECK(e["type"] == "ERROR");
  CHECK(e["object"]["code"] == 410);
}

TEST_CASE("health endpoints: plain, verbose, excluded and single checks", "[server]") {
  std::vector<HealthCheck> checks = {{"ping", [] { return Status::Ok(); }},
                                     {"storage", [] { return Status::Unavailable("db down: secret detail"); }}};
  HealthResult r = RunHealthChecks("readyz", "", {}, checks);
  CHECK(r.code == 500);
  CHECK(r.body.find("[-]storage failed: reason withheld") != std::string::npos);
  CHECK(r.body.find("secret detail") == std::string::npos);
  CHECK(r.body.find("readyz check failed") != std::string::npos);
  r = RunHealthChecks("readyz", "", {{"exclude", "storage"}}, checks);
  CHECK(r.code == 200);
  CHECK(r.body == "ok");
  r = RunHealthChecks("readyz", "", {{"verbose", ""}, {"exclude", "storage"}, {"exclude", "nope"}}, checks);
  CHECK(r.body.find("[+]storage excluded: ok") != std::string::npos);
  CHECK(r.body.find("no matches for \"nope\"") != std::string::npos);
  CHECK(r.body.find("readyz check passed") != std::string::npos);
  CHECK(RunHealthChecks("readyz", "ping", {}, checks).code == 200);
  CHECK(RunHealthChecks("readyz", "storage", {}, checks).code == 500);
  CHECK(RunHealthChecks("readyz", "nope", {}, checks).code == 404);
}

}  // namespace pedia::server
