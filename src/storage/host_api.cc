// The host API table handed to every storage layer.
#include <pedia/storage_abi.h>

#include "base/build_info.h"
#include "base/feature_gates.h"
#include "base/log.h"
#include "storage/registry.h"

namespace pedia::storage {
namespace {

void HostLog(uint32_t severity, int32_t verbosity, const char* msg, size_t len) {
  std::string_view text(msg ? msg : "", msg ? len : 0);
  switch (severity) {
    case PEDIA_STORAGE_LOG_WARNING:
      log::Write(log::Severity::kWarning, 0, "storage-plugin", 0, text);
      break;
    case PEDIA_STORAGE_LOG_ERROR:
      log::Write(log::Severity::kError, 0, "storage-plugin", 0, text);
      break;
    default:
      if (log::V(verbosity)) log::Write(log::Severity::kInfo, verbosity, "storage-plugin", 0, text);
  }
}

int HostVEnabled(int32_t level) { return log::V(level) ? 1 : 0; }
int HostFeatureEnabled(const char* name) { return name && FeatureGates::Global().Enabled(name) ? 1 : 0; }

}  // namespace

const pedia_host_api* HostApi() {
  static const pedia_host_api api = [] {
    pedia_host_api a{};
    a.struct_size = sizeof(pedia_host_api);
    a.abi_major = PEDIA_STORAGE_ABI_MAJOR;
    a.abi_minor = PEDIA_STORAGE_ABI_MINOR;
    static const std::string version = GetBuildInfo().git_version;
    a.host_version = version.c_str();
    a.log = HostLog;
    a.v_enabled = HostVEnabled;
    a.feature_enabled = HostFeatureEnabled;
    return a;
  }();
  return &api;
}

}  // namespace pedia::storage
