#include "base/metrics.h"

#include "catch.h"

namespace pedia::metrics {

TEST_CASE("metrics render in Prometheus text format with labels", "[base]") {
  Registry r;
  Family* requests = r.Counter("pedia_test_requests_total", "requests served", {"verb", "code"});
  requests->With({"list", "200"})->Inc();
  requests->With({"list", "200"})->Add(2);
  requests->With({"get", "404"})->Inc();
  std::string text = r.Render();
  CHECK(text.find("# TYPE pedia_test_requests_total counter\n") != std::string::npos);
  CHECK(text.find("pedia_test_requests_total{verb=\"list\",code=\"200\"} 3\n") != std::string::npos);
  CHECK(text.find("pedia_test_requests_total{verb=\"get\",code=\"404\"} 1\n") != std::string::npos);
  CHECK(text.find("pedia_build_info{") != std::string::npos);
  CHECK(text.find("clusterpedia_build_info{") != std::string::npos);
}

TEST_CASE("histograms count observations into cumulative buckets", "[base]") {
  Registry r;
  Family* latency = r.Histogram("pedia_test_seconds", "latency", {"verb"}, {0.1, 1});
  auto* h = latency->HistogramWith({"list"});
  h->Observe(0.05);
  h->Observe(0.5);
  h->Observe(3);
  std::string text = r.Render();
  CHECK(text.find("pedia_test_seconds_bucket{verb=\"list\",le=\"0.1\"} 1\n") != std::string::npos);
  CHECK(text.find("pedia_test_seconds_bucket{verb=\"list\",le=\"1\"} 2\n") != std::string::npos);
  CHECK(text.find("pedia_test_seconds_bucket{verb=\"list\",le=\"+Inf\"} 3\n") != std::string::npos);
  CHECK(text.find("pedia_test_seconds_count{verb=\"list\"} 3\n") != std::string::npos);
}

TEST_CASE("removing children by label prefix drops a cluster's series", "[base]") {
  Registry r;
  Family* g = r.Gauge("pedia_test_objects", "objects", {"cluster", "resource"});
  g->With({"a", "pods"})->Set(5);
  g->With({"b", "pods"})->Set(7);
  g->Remove({"a"});
  std::string text = r.Render();
  CHECK(text.find("cluster=\"a\"") == std::string::npos);
  CHECK(text.find("pedia_test_objects{cluster=\"b\",resource=\"pods\"} 7\n") != std::string::npos);
}

}  // namespace pedia::metrics
