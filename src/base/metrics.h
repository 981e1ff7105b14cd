// Prometheus metrics: counters, gauges and histograms with labels, rendered
// in the text exposition format (version 0.0.4) for /metrics.
//
// Families are created once (at start-up) through a Registry and live as long
// as it does.  With() returns a stable pointer that hot paths should cache;
// updating a child is lock-free.  Rendering takes each family's lock briefly.
// Every registry also renders pedia_build_info and clusterpedia_build_info.
#ifndef PEDIA_BASE_METRICS_H_
#define PEDIA_BASE_METRICS_H_

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace pedia::metrics {

/// A value that only goes up (or a gauge, which may go down).
class Value {
 public:
  void Add(double v);
  void Inc() { Add(1); }
  void Set(double v) { bits_.store(Bits(v), std::memory_order_relaxed); }
  double Get() const;

 private:
  static uint64_t Bits(double v);
  std::atomic<uint64_t> bits_{0};
};

class Histogram {
 public:
  explicit Histogram(const std::vector<double>* bounds);
  void Observe(double v);
  /// Appends the _bucket/_sum/_count lines.
  void Render(std::string& out, const std::string& name, const std::string& labels) const;

 private:
  const std::vector<double>* bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // one per bound, plus +Inf
  Value sum_;
  std::atomic<uint64_t> count_{0};
};

enum class Type { kCounter, kGauge, kHistogram };

/// One metric family with a fixed list of label names.
class Family {
 public:
  Family(std::string name, std::string help, Type type, std::vector<std::string> label_names,
         std::vector<double> buckets = {});
  /// The child for these label values (one per label name, in order).
  Value* With(const std::vector<std::string>& label_values);
  Histogram* HistogramWith(const std::vector<std::string>& label_values);
  /// Drops every child whose label values start with prefix (e.g. a removed cluster).
  void Remove(const std::vector<std::string>& prefix);
  void Render(std::string& out) const;
  const std::string& name() const { return name_; }

 private:
  std::string LabelText(const std::vector<std::string>& values) const;
  std::string name_, help_;
  Type type_;
  std::vector<std::string> label_names_;
  std::vector<double> buckets_;
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<Value>> values_;
  std::map<std::vector<std::string>, std::unique_ptr<Histogram>> histograms_;
};

class Registry {
 public:
  /// The process-wide registry that /metrics renders.
  static Registry& Global();
  Family* Counter(const std::string& name, const std::string& help, std::vector<std::string> labels = {});
  Family* Gauge(const std::string& name, const std::string& help, std::vector<std::string> labels = {});
  Family* Histogram(const std::string& name, const std::string& help, std::vector<std::string> labels,
                    std::vector<double> buckets);
  /// The whole exposition text.
  std::string Render() const;

 private:
  Family* Add(std::unique_ptr<Family> family);
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Family>> families_;
};

/// Default latency buckets in seconds (Kubernetes apiserver style).
const std::vector<double>& DefaultLatencyBuckets();

}  // namespace pedia::metrics

#endif  // PEDIA_BASE_METRICS_H_
