#include "sync/manifest_source.h"

#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/log.h"

namespace pedia::sync {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> ManifestFiles(const std::string& path) {
  std::vector<std::string> files;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    for (const auto& entry : fs::directory_iterator(path, ec)) {
      std::string name = entry.path().filename().string();
      if (name.empty() || name[0] == '.') continue;  // editors' swap files, ConfigMap ..data
      auto ext = entry.path().extension().string();
      if ((ext == ".yaml" || ext == ".yml" || ext == ".json") && fs::is_regular_file(entry.path(), ec)) {
        files.push_back(entry.path().string());
      }
    }
    std::sort(files.begin(), files.end());
  } else {
    files.push_back(path);
  }
  return files;
}

std::string FileOf(const std::string& origin) { return origin.substr(0, origin.rfind(':')); }

}  // namespace

ManifestSource::ManifestSource(std::string path, std::chrono::milliseconds poll)
    : path_(std::move(path)), poll_(poll) {}

ManifestSource::~ManifestSource() { Stop(); }

SourceSnapshot ManifestSource::Read(const std::string& path, const SourceSnapshot& previous,
                                    std::vector<std::string>* errors) {
  SourceSnapshot snap;
  for (const auto& file : ManifestFiles(path)) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    std::vector<YAML::Node> docs;
    try {
      if (!in) throw YAML::Exception(YAML::Mark::null_mark(), "cannot read the file");
      docs = YAML::LoadAll(ss.str());
    } catch (const YAML::Exception& e) {
      std::string where = file + (e.mark.is_null() ? "" : ":" + std::to_string(e.mark.line + 1));
      errors->push_back(where + ": " + e.msg);
      // The file's clusters are unknown now: keep what it held before.
      for (const auto& [name, origin] : previous.origin) {
        if (FileOf(origin) != file) continue;
        if (auto c = previous.clusters.find(name); c != previous.clusters.end()) snap.clusters[name] = c->second;
        if (auto r = previous.sync_resources.find(name); r != previous.sync_resources.end()) {
          snap.sync_resources[name] = r->second;
        }
        snap.origin[name] = origin;
        snap.invalid[name] = where + ": " + e.msg;
      }
      continue;
    }
    for (const auto& doc : docs) {
      if (!doc || doc.IsNull()) continue;
      std::string where = file + ":" + std::to_string(doc.Mark().line + 1);
      auto m = ParseManifest(doc);
      if (!m.ok()) {
        errors->push_back(where + ": " + m.status().message());
        // A named PediaCluster keeps its last valid spec and shows the problem.
        std::string name, kind;
        try {
          if (doc.IsMap() && doc["metadata"] && doc["metadata"].IsMap() && doc["metadata"]["name"]) {
            name = doc["metadata"]["name"].as<std::string>();
          }
          if (doc.IsMap() && doc["kind"]) kind = doc["kind"].as<std::string>();
        } catch (const YAML::Exception&) {
        }
        if (kind == "PediaCluster" && !name.empty()) {
          if (auto c = previous.clusters.find(name); c != previous.clusters.end()) snap.clusters[name] = c->second;
          snap.invalid[name] = m.status().message();
          snap.origin[name] = where;
        }
        continue;
      }
      std::string name = m->kind == Manifest::kPediaCluster ? m->cluster.name : m->sync_resources.name;
      bool duplicate =
          m->kind == Manifest::kPediaCluster ? snap.clusters.count(name) > 0 : snap.sync_resources.count(name) > 0;
      if (duplicate) {
        errors->push_back(where + ": duplicate " +
                          std::string(m->kind == Manifest::kPediaCluster ? "PediaCluster" : "ClusterSyncResources") +
                          " \"" + name + "\"\nDETAIL: it is also defined at " + snap.origin[name] +
                          "\nHINT: the first definition is used");
        continue;
      }
      if (m->kind == Manifest::kPediaCluster) {
        snap.clusters[name] = std::move(m->cluster);
      } else {
        snap.sync_resources[name] = std::move(m->sync_resources);
      }
      snap.origin[name] = where;
    }
  }
  return snap;
}

std::string ManifestSource::Signature() const {
  std::string sig;
  for (const auto& file : ManifestFiles(path_)) {
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) {
      sig += file + ":missing\n";
      continue;
    }
    sig += file + ":" + std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) + "." +
           std::to_string(st.st_mtim.tv_nsec) + ":" + std::to_string(st.st_ino) + "\n";
  }
  return sig;
}

Status ManifestSource::Start(Listener listener) {
  std::error_code ec;
  if (!fs::exists(path_, ec)) {
    return Status::NotFound("cluster config \"" + path_ +
                            "\" does not exist\nHINT: pass a YAML file or a directory of "
                            "PediaCluster and ClusterSyncResources manifests to --cluster-config");
  }
  listener_ = std::move(listener);
  last_signature_ = Signature();
  std::vector<std::string> errors;
  last_ = Read(path_, SourceSnapshot{}, &errors);
  for (const auto& e : errors) PEDIA_LOG_ERROR("invalid cluster manifest", {"err", e});
  listener_(last_);
  thread_ = std::thread([this] { Poll(); });
  return Status::Ok();
}

void ManifestSource::Stop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ManifestSource::Poll() {
  while (true) {
    {
      std::unique_lock<std::mutex> l(mu_);
      if (cv_.wait_for(l, poll_, [&] { return stopping_; })) return;
    }
    std::string sig = Signature();
    if (sig == last_signature_) continue;
    last_signature_ = sig;
    std::vector<std::string> errors;
    last_ = Read(path_, last_, &errors);
    for (const auto& e : errors) PEDIA_LOG_ERROR("invalid cluster manifest", {"err", e});
    PEDIA_LOG_INFO("cluster config changed; reconciling", {"path", path_}, {"clusters", last_.clusters.size()});
    listener_(last_);
  }
}

}  // namespace pedia::sync
