#include "base/metrics.h"

#include <cmath>
#include <cstdio>
#include <cstring>

#include "base/build_info.h"

namespace pedia::metrics {
namespace {

std::string FormatNumber(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

void AppendEscaped(std::string& out, const std::string& v) {
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out.push_back(c);
  }
}

}  // namespace

uint64_t Value::Bits(double v) {
  uint64_t b;
  std::memcpy(&b, &v, sizeof b);
  return b;
}

void Value::Add(double v) {
  uint64_t old = bits_.load(std::memory_order_relaxed);
  while (true) {
    double cur;
    std::memcpy(&cur, &old, sizeof cur);
    if (bits_.compare_exchange_weak(old, Bits(cur + v), std::memory_order_relaxed)) return;
  }
}

double Value::Get() const {
  uint64_t b = bits_.load(std::memory_order_relaxed);
  double v;
  std::memcpy(&v, &b, sizeof v);
  return v;
}

Histogram::Histogram(const std::vector<double>* bounds)
    : bounds_(bounds), counts_(new std::atomic<uint64_t>[bounds->size() + 1]) {
  for (size_t i = 0; i <= bounds_->size(); ++i) counts_[i] = 0;
}

void Histogram::Observe(double v) {
  size_t i = 0;
  while (i < bounds_->size() && v > (*bounds_)[i]) ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.Add(v);
  count_.fetch_add(1, std::memory_order_relaxed);
}

void Histogram::Render(std::string& out, const std::string& name, const std::string& labels) const {
  uint64_t cumulative = 0;
  std::string sep = labels.empty() ? "" : labels + ",";
  for (size_t i = 0; i <= bounds_->size(); ++i) {
    cumulative += counts_[i].load(std::memory_order_relaxed);
    std::string le = i < bounds_->size() ? FormatNumber((*bounds_)[i]) : "+Inf";
    out += name + "_bucket{" + sep + "le=\"" + le + "\"} " + std::to_string(cumulative) + "\n";
  }
  std::string braces = labels.empty() ? "" : "{" + labels + "}";
  out += name + "_sum" + braces + " " + FormatNumber(sum_.Get()) + "\n";
  out += name + "_count" + braces + " " + std::to_string(count_.load(std::memory_order_relaxed)) + "\n";
}

Family::Family(std::string name, std::string help, Type type, std::vector<std::string> label_names,
               std::vector<double> buckets)
    : name_(std::move(name)),
      help_(std::move(help)),
      type_(type),
      label_names_(std::move(label_names)),
      buckets_(std::move(buckets)) {}

Value* Family::With(const std::vector<std::string>& label_values) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot = values_[label_values];
  if (!slot) slot = std::make_unique<Value>();
  return slot.get();
}

Histogram* Family::HistogramWith(const std::vector<std::string>& label_values) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot = histograms_[label_values];
  if (!slot) slot = std::make_unique<Histogram>(&buckets_);
  return slot.get();
}

void Family::Remove(const std::vector<std::string>& prefix) {
  std::lock_guard<std::mutex> lock(mu_);
  auto matches = [&](const std::vector<std::string>& key) {
    if (key.size() < prefix.size()) return false;
    for (size_t i = 0; i < prefix.size(); ++i)
      if (key[i] != prefix[i]) return false;
    return true;
  };
  for (auto it = values_.begin(); it != values_.end();) it = matches(it->first) ? values_.erase(it) : std::next(it);
  for (auto it = histograms_.begin(); it != histograms_.end();)
    it = matches(it->first) ? histograms_.erase(it) : std::next(it);
}

std::string Family::LabelText(const std::vector<std::string>& values) const {
  std::string out;
  for (size_t i = 0; i < label_names_.size() && i < values.size(); ++i) {
    if (i) out.push_back(',');
    out += label_names_[i] + "=\"";
    AppendEscaped(out, values[i]);
    out.push_back('"');
  }
  return out;
}

void Family::Render(std::string& out) const {
  static const char* kTypes[] = {"counter", "gauge", "histogram"};
  out += "# HELP " + name_ + " " + help_ + "\n# TYPE " + name_ + " " + kTypes[static_cast<int>(type_)] + "\n";
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [labels, value] : values_) {
    std::string text = LabelText(labels);
    out += name_ + (text.empty() ? "" : "{" + text + "}") + " " + FormatNumber(value->Get()) + "\n";
  }
  for (const auto& [labels, h] : histograms_) h->Render(out, name_, LabelText(labels));
}

Registry& Registry::Global() {
  static Registry registry;
  return registry;
}

Family* Registry::Add(std::unique_ptr<Family> family) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& f : families_)
    if (f->name() == family->name()) return f.get();  // idempotent: same name, same family
  families_.push_back(std::move(family));
  return families_.back().get();
}

Family* Registry::Counter(const std::string& name, const std::string& help, std::vector<std::string> labels) {
  return Add(std::make_unique<Family>(name, help, Type::kCounter, std::move(labels)));
}

Family* Registry::Gauge(const std::string& name, const std::string& help, std::vector<std::string> labels) {
  return Add(std::make_unique<Family>(name, help, Type::kGauge, std::move(labels)));
}

Family* Registry::Histogram(const std::string& name, const std::string& help, std::vector<std::string> labels,
                            std::vector<double> buckets) {
  return Add(std::make_unique<Family>(name, help, Type::kHistogram, std::move(labels), std::move(buckets)));
}

std::string Registry::Render() const {
  std::string out;
  const BuildInfo& b = GetBuildInfo();
  for (const char* name : {"pedia_build_info", "clusterpedia_build_info"}) {
    out += std::string("# HELP ") + name + " build information of this binary, value 1\n# TYPE " + name + " gauge\n";
    out += std::string(name) + "{git_version=\"" + b.git_version + "\",git_commit=\"" + b.git_commit +
           "\",git_tree_state=\"" + b.git_tree_state + "\",build_date=\"" + b.build_date + "\",compiler=\"" +
           b.compiler + "\",platform=\"" + b.platform + "\"} 1\n";
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& f : families_) f->Render(out);
  return out;
}

const std::vector<double>& DefaultLatencyBuckets() {
  static const std::vector<double> buckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 2, 5, 10, 30, 60};
  return buckets;
}

}  // namespace pedia::metrics
