// Build facts of this binary: what `pedia version` and /version report.
#ifndef PEDIA_BASE_BUILD_INFO_H_
#define PEDIA_BASE_BUILD_INFO_H_

#include <string>

namespace pedia {

struct BuildInfo {
  std::string git_version;     // "v0.1.0" or "v0.1.0-5-gabc1234"
  std::string git_commit;      // full hash, or "unknown" outside a git tree
  std::string git_tree_state;  // "clean" or "dirty"
  std::string build_date;      // RFC 3339, UTC
  std::string compiler;        // "gcc 12.2.0"
  std::string platform;        // "linux/amd64"
  std::string storage_abi;     // "MAJOR.MINOR"
};

const BuildInfo& GetBuildInfo();
/// {"gitVersion":...,"storageAbi":...}, the shape kubectl decodes from /version
/// plus major/minor.
std::string BuildInfoJson();
/// The human-readable lines of `pedia version` and `--version`:
/// "pedia v0.1.0", then git commit, build date, compiler, platform and
/// storage ABI, one per line, each ending in a newline.
std::string BuildInfoText();

}  // namespace pedia

#endif  // PEDIA_BASE_BUILD_INFO_H_
