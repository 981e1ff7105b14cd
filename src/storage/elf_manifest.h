// Reads a storage plugin file without running it.
//
// `pedia plugin list` and `pedia plugin inspect` must never dlopen() a
// plugin, because glibc runs a library's constructors during dlopen.  This
// reader maps the file read-only and walks its ELF program headers (<elf.h>
// only, no libelf): the PT_NOTE segments for the .note.pedia.storage
// manifest and the GNU build-id, and PT_DYNAMIC for DT_NEEDED, DT_SONAME and
// the exported dynamic symbols.  Program headers survive `strip
// --strip-all` and section-header removal, so nothing here reads sections.
//
// Errors.  Every offset and size read from the file is bounds-checked:
// truncated or garbage files give a Status, never a crash.  Messages follow
// PostgreSQL's style and name the file as `plugin "PATH"`.
//
// Threading: the functions are reentrant; they share no state.
#ifndef PEDIA_STORAGE_ELF_MANIFEST_H_
#define PEDIA_STORAGE_ELF_MANIFEST_H_

#include <pedia/storage_abi.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace pedia::storage {

/// The manifest of a plugin, copied out of the file.
struct PluginManifest {
  uint32_t manifest_size = 0;
  uint16_t abi_major = 0;
  uint16_t abi_minor = 0;
  uint32_t flags = 0;
  std::string name;
  std::string version;
  std::string build_info;  // a JSON object, as the plugin wrote it

  /// "MAJOR.MINOR".
  std::string AbiString() const;
};

/// Everything `pedia plugin inspect` shows about a file.
struct PluginFileInfo {
  std::string path;
  uint64_t file_size = 0;
  std::string soname;                         // empty when absent
  std::string build_id;                       // hex of .note.gnu.build-id, empty when absent
  std::vector<std::string> needed;            // DT_NEEDED, in file order
  std::vector<std::string> exported_symbols;  // defined, global or weak, default or protected; sorted
  /// OK when the manifest was found and is well-formed (then manifest is
  /// valid); otherwise why not: missing, or malformed with a DETAIL line.
  Status manifest_status;
  PluginManifest manifest;
};

/// Reads path.  Fails only when the file cannot be read or is not an ELF64
/// shared object for this machine ('plugin "x.so": not a shared object for
/// this platform', with a DETAIL line saying what it is instead) or when its
/// program headers or dynamic section are truncated or corrupt.  A missing or
/// malformed manifest is reported in manifest_status, so inspect can still
/// show the rest.
Result<PluginFileInfo> ReadPluginFile(const std::string& path);

/// The same, for a file image already in memory (tests, fuzzing).
Result<PluginFileInfo> ParsePluginImage(std::string_view image, const std::string& path);

/// Check 3 and 4 of the loader: the manifest's ABI against this host's.
/// InvalidArgument 'plugin "x.so": storage ABI version mismatch' or
/// '... requires a newer pedia', with DETAIL and HINT lines.
Status CheckAbiCompatible(const PluginManifest& manifest, const std::string& path);

/// The message for a missing manifest, shared by reader and loader.
Status MissingManifest(const std::string& path);

/// 'plugin "path"', how every reader and loader message names the file.
std::string QuotedPlugin(const std::string& path);

}  // namespace pedia::storage

#endif  // PEDIA_STORAGE_ELF_MANIFEST_H_
