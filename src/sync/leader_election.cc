#include "sync/leader_election.h"

#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>
#include <random>

#include "base/log.h"
#include "base/rfc3339.h"

namespace pedia::sync {
namespace {

using nlohmann::json;
using Clock = std::chrono::system_clock;

std::string MicroTime(Clock::time_point t) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(us / 1000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[48];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[64];
  std::snprintf(out, sizeof out, "%s.%06lldZ", buf, static_cast<long long>(us % 1000000));
  return out;
}

}  // namespace

std::string DefaultLeaderIdentity() {
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  std::mt19937_64 rng{std::random_device{}()};
  char id[40];
  std::snprintf(id, sizeof id, "%016llx", static_cast<unsigned long long>(rng()));
  return std::string(host) + "_" + id;
}

LeaderElector::LeaderElector(kube::Transport* transport, std::shared_ptr<const kube::ConnectionConfig> host,
                             LeaderElectionConfig config)
    : transport_(transport), host_(std::move(host)), config_(std::move(config)) {}

LeaderElector::~LeaderElector() { Stop(); }

void LeaderElector::Run(std::function<void()> on_started, std::function<void()> on_lost) {
  on_started_ = std::move(on_started);
  on_lost_ = std::move(on_lost);
  thread_ = std::thread([this] { Loop(); });
}

void LeaderElector::Stop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (leading_) {
    // Release: an empty holder lets another replica take over at once.
    std::string path = "/apis/coordination.k8s.io/v1/namespaces/" + config_.namespace_name + "/leases/" + config_.name;
    json patch = {{"spec", {{"holderIdentity", nullptr}}}};
    transport_->SendSync(host_, "PATCH", path, patch.dump(), std::chrono::seconds(5));
    leading_ = false;
  }
}

bool LeaderElector::TryAcquireOrRenew() {
  const std::string base = "/apis/coordination.k8s.io/v1/namespaces/" + config_.namespace_name + "/leases";
  const auto now = Clock::now();
  const int duration_s = static_cast<int>(config_.lease_duration.count() / 1000);
  auto got = transport_->GetSync(host_, base + "/" + config_.name, std::chrono::seconds(5));
  if (!got.ok() && got.status().IsNotFound()) {
    json lease = {{"apiVersion", "coordination.k8s.io/v1"},
                  {"kind", "Lease"},
                  {"metadata", {{"name", config_.name}, {"namespace", config_.namespace_name}}},
                  {"spec",
                   {{"holderIdentity", config_.identity},
                    {"leaseDurationSeconds", duration_s},
                    {"acquireTime", MicroTime(now)},
                    {"renewTime", MicroTime(now)},
                    {"leaseTransitions", 0}}}};
    return transport_->SendSync(host_, "POST", base, lease.dump(), std::chrono::seconds(5)).ok();
  }
  if (!got.ok()) return false;
  json lease = json::parse(got->body, nullptr, false);
  if (lease.is_discarded() || !lease.contains("spec")) return false;
  json& spec = lease["spec"];
  std::string holder = spec.value("holderIdentity", std::string());
  if (spec.contains("holderIdentity") && spec["holderIdentity"].is_null()) holder.clear();
  if (!holder.empty() && holder != config_.identity) {
    int64_t renew_ms = 0;
    std::string renew = spec.value("renewTime", std::string());
    int held_for_s = spec.value("leaseDurationSeconds", duration_s);
    if (!renew.empty() && ParseRfc3339(renew, &renew_ms)) {
      auto expires = std::chrono::milliseconds(renew_ms) + std::chrono::seconds(held_for_s);
      if (now.time_since_epoch() < expires) return false;  // someone else holds a live lease
    }
  }
  if (holder != config_.identity) {
    spec["acquireTime"] = MicroTime(now);
    spec["leaseTransitions"] = spec.value("leaseTransitions", 0) + 1;
  }
  spec["holderIdentity"] = config_.identity;
  spec["leaseDurationSeconds"] = duration_s;
  spec["renewTime"] = MicroTime(now);
  // The resourceVersion in the body makes this a compare-and-swap.
  return transport_->SendSync(host_, "PUT", base + "/" + config_.name, lease.dump(), std::chrono::seconds(5)).ok();
}

void LeaderElector::Loop() {
  auto last_renew = std::chrono::steady_clock::now();
  while (true) {
    bool ok = TryAcquireOrRenew();
    auto now = std::chrono::steady_clock::now();
    if (ok) {
      last_renew = now;
      if (!leading_.exchange(true)) {
        PEDIA_LOG_INFO("became the leader", {"lease", config_.namespace_name + "/" + config_.name},
                       {"identity", config_.identity});
        if (on_started_) on_started_();
      }
    } else if (leading_ && now - last_renew > config_.renew_deadline) {
      leading_ = false;
      PEDIA_LOG_ERROR("leader election lost", {"lease", config_.namespace_name + "/" + config_.name});
      if (on_lost_) on_lost_();
      return;
    }
    std::unique_lock<std::mutex> l(mu_);
    if (cv_.wait_for(l, config_.retry_period, [&] { return stopping_; })) return;
  }
}

}  // namespace pedia::sync
