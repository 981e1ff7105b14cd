#include "base/build_info.h"

#include <pedia/storage_abi.h>

#include "base/build_info_gen.h"
#include "base/json_text.h"

#define PEDIA_STR2(x) #x
#define PEDIA_STR(x) PEDIA_STR2(x)

namespace pedia {

const BuildInfo& GetBuildInfo() {
  static const BuildInfo info = [] {
    BuildInfo b;
    b.git_version = PEDIA_GIT_VERSION;
    b.git_commit = PEDIA_GIT_COMMIT;
    b.git_tree_state = PEDIA_GIT_TREE_STATE;
    b.build_date = PEDIA_BUILD_DATE;
#if defined(__clang__)
    b.compiler = "clang " __clang_version__;
#elif defined(__GNUC__)
    b.compiler = "gcc " PEDIA_STR(__GNUC__) "." PEDIA_STR(__GNUC_MINOR__) "." PEDIA_STR(__GNUC_PATCHLEVEL__);
#else
    b.compiler = "unknown";
#endif
#if defined(__x86_64__)
    b.platform = "linux/amd64";
#elif defined(__aarch64__)
    b.platform = "linux/arm64";
#else
    b.platform = "linux/unknown";
#endif
    b.storage_abi = PEDIA_STR(PEDIA_STORAGE_ABI_MAJOR) "." PEDIA_STR(PEDIA_STORAGE_ABI_MINOR);
    return b;
  }();
  return info;
}

std::string BuildInfoJson() {
  const BuildInfo& b = GetBuildInfo();
  std::string out = "{\"major\":\"0\",\"minor\":\"1\",\"gitVersion\":" + JsonQuote(b.git_version) +
                    ",\"gitCommit\":" + JsonQuote(b.git_commit) + ",\"gitTreeState\":" + JsonQuote(b.git_tree_state) +
                    ",\"buildDate\":" + JsonQuote(b.build_date) + ",\"compiler\":" + JsonQuote(b.compiler) +
                    ",\"platform\":" + JsonQuote(b.platform) + ",\"storageAbi\":" + JsonQuote(b.storage_abi) + "}";
  return out;
}

std::string BuildInfoText() {
  const BuildInfo& b = GetBuildInfo();
  return "pedia " + b.git_version + "\n  git commit:   " + b.git_commit + " (" + b.git_tree_state +
         ")\n  build date:   " + b.build_date + "\n  compiler:     " + b.compiler + "\n  platform:     " + b.platform +
         "\n  storage ABI:  " + b.storage_abi + "\n";
}

}  // namespace pedia
