// pedia plugin list | inspect | validate: flags and the two read-only
// subcommands.  Neither list nor inspect ever calls dlopen(): glibc runs a
// library's constructors during dlopen (anchors §2.3).

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/exit_status.h"
#include "base/json_text.h"
#include "base/string_util.h"
#include "cmd/applets.h"
#include "cmd/common_flags.h"
#include "cmd/plugin_commands.h"
#include "storage/elf_manifest.h"
#include "storage/registry.h"

namespace pedia::cmd {
namespace {

struct Options {
  CommonOptions common;
  PluginListOptions list;
  PluginInspectOptions inspect;
  PluginValidateOptions validate;
};

void Define(CLI::App* app, Options* o) {
  app->description("List, inspect and validate storage plugins.");
  app->require_subcommand(1);
  app->fallthrough();
  AddCommonFlags(app, &o->common);

  CLI::App* list = app->add_subcommand("list", "list the storage plugins of a directory (reads manifests only)");
  list->add_option("--dir", o->list.dir, "plugin directory (default: $STORAGE_PLUGINS)")->check(CLI::ExistingDirectory);
  o->list.output = "table";
  list->add_option("-o,--output", o->list.output, "output format: table or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();

  CLI::App* inspect = app->add_subcommand("inspect", "show a plugin's manifest, build and linkage without loading it");
  inspect->add_option("file", o->inspect.file, "the plugin's .so file")->required()->check(CLI::ExistingFile);
  o->inspect.output = "text";
  inspect->add_option("-o,--output", o->inspect.output, "output format: text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();

  CLI::App* validate = app->add_subcommand(
      "validate", "load a plugin in a child process, open it and run the storage conformance suite");
  validate->add_option("file", o->validate.file, "the plugin's .so file")->required()->check(CLI::ExistingFile);
  validate
      ->add_option("--storage-config", o->validate.storage_config,
                   "configuration file passed to the layer's open (default: empty)")
      ->check(CLI::ExistingFile);
  validate
      ->add_option("--timeout", o->validate.timeout, "how long one check may run before it is killed (e.g. 60s, 2m)")
      ->capture_default_str();
}

std::string Pad(const std::string& s, size_t width) {
  return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

// The first line of a Status message: its primary text.
std::string Primary(const Status& s) { return s.message().substr(0, s.message().find('\n')); }

struct ListRow {
  std::string name, version, abi, status, path, reason;
};

ListRow ListRowFor(const std::string& path) {
  ListRow row{"-", "-", "-", "invalid", path, ""};
  Result<storage::PluginFileInfo> info = storage::ReadPluginFile(path);
  if (!info.ok()) {
    row.reason = Primary(info.status());
    return row;
  }
  if (!info->manifest_status.ok()) {
    row.reason = Primary(info->manifest_status);
    return row;
  }
  row.name = info->manifest.name;
  row.version = info->manifest.version.empty() ? "-" : info->manifest.version;
  row.abi = info->manifest.AbiString();
  Status compatible = storage::CheckAbiCompatible(info->manifest, path);
  row.status = compatible.ok() ? "ok" : "incompatible";
  row.reason = compatible.ok() ? "" : Primary(compatible);
  return row;
}

void AppendJsonStringArray(std::string& out, const std::vector<std::string>& items) {
  out += '[';
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    AppendJsonQuoted(out, items[i]);
  }
  out += ']';
}

// Indents every line after the first by width spaces.
std::string Indent(const std::string& text, size_t width) {
  std::string out;
  for (char c : text) {
    out += c;
    if (c == '\n') out.append(width, ' ');
  }
  return out;
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ", ") + s;
  return out.empty() ? "(none)" : out;
}

}  // namespace

int PluginList(const PluginListOptions& o, const char* applet) {
  std::string dir = o.dir;
  if (dir.empty()) {
    const char* env = std::getenv("STORAGE_PLUGINS");
    dir = env ? env : "";
  }
  if (dir.empty()) {
    PrintError(applet,
               Status::InvalidArgument("no plugin directory given\nHINT:  Pass --dir DIR or set STORAGE_PLUGINS."));
    return kExitUsage;
  }
  Result<std::vector<std::string>> listed = storage::PluginFiles(dir);
  if (!listed.ok()) {
    PrintError(applet, listed.status());
    return kExitFailure;
  }
  const std::vector<std::string>& files = listed.value();

  std::vector<ListRow> rows;
  rows.reserve(files.size());
  for (const std::string& f : files) rows.push_back(ListRowFor(f));

  std::string out;
  if (o.output == "json") {
    out = "{\"directory\":" + JsonQuote(dir) + ",\"plugins\":[";
    for (size_t i = 0; i < rows.size(); ++i) {
      const ListRow& r = rows[i];
      if (i) out += ',';
      out += "{\"name\":" + JsonQuote(r.name == "-" ? "" : r.name) +
             ",\"version\":" + JsonQuote(r.version == "-" ? "" : r.version) +
             ",\"abi\":" + JsonQuote(r.abi == "-" ? "" : r.abi) + ",\"status\":" + JsonQuote(r.status) +
             ",\"path\":" + JsonQuote(r.path);
      if (!r.reason.empty()) out += ",\"reason\":" + JsonQuote(r.reason);
      out += '}';
    }
    out += "]}\n";
  } else {
    size_t w[4] = {4, 7, 3, 6};  // NAME VERSION ABI STATUS
    for (const ListRow& r : rows) {
      w[0] = std::max(w[0], r.name.size());
      w[1] = std::max(w[1], r.version.size());
      w[2] = std::max(w[2], r.abi.size());
      w[3] = std::max(w[3], r.status.size());
    }
    auto line = [&](const std::string& a, const std::string& b, const std::string& c, const std::string& s,
                    const std::string& p) {
      out += Pad(a, w[0] + 3) + Pad(b, w[1] + 3) + Pad(c, w[2] + 3) + Pad(s, w[3] + 3) + p + "\n";
    };
    line("NAME", "VERSION", "ABI", "STATUS", "PATH");
    for (const ListRow& r : rows) line(r.name, r.version, r.abi, r.status, r.path);
    if (rows.empty()) out = "No storage plugins in \"" + dir + "\".\n";
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitSuccess;
}

int PluginInspect(const PluginInspectOptions& o, const char* applet) {
  Result<storage::PluginFileInfo> info = storage::ReadPluginFile(o.file);
  if (!info.ok()) {
    PrintError(applet, info.status());
    return kExitFailure;
  }
  Status verdict = info->manifest_status;
  if (verdict.ok()) verdict = storage::CheckAbiCompatible(info->manifest, o.file);
  const storage::PluginManifest& m = info->manifest;
  const bool has_manifest = info->manifest_status.ok();

  std::string out;
  if (o.output == "json") {
    out = "{\"path\":" + JsonQuote(o.file) + ",\"fileSize\":" + std::to_string(info->file_size);
    out += ",\"manifest\":" + std::string(has_manifest ? "true" : "false");
    if (has_manifest) {
      out += ",\"name\":" + JsonQuote(m.name) + ",\"version\":" + JsonQuote(m.version) +
             ",\"abi\":" + JsonQuote(m.AbiString()) + ",\"abiMajor\":" + std::to_string(m.abi_major) +
             ",\"abiMinor\":" + std::to_string(m.abi_minor) + ",\"manifestSize\":" + std::to_string(m.manifest_size) +
             ",\"flags\":" + std::to_string(m.flags) + ",\"buildInfo\":";
      // Embedded as an object when it is one, else as the string it is.
      out += nlohmann::json::accept(m.build_info) ? m.build_info : JsonQuote(m.build_info);
    }
    out += ",\"buildId\":" + JsonQuote(info->build_id) + ",\"soname\":" + JsonQuote(info->soname) + ",\"needed\":";
    AppendJsonStringArray(out, info->needed);
    out += ",\"exportedSymbols\":";
    AppendJsonStringArray(out, info->exported_symbols);
    out += ",\"compatible\":" + std::string(verdict.ok() ? "true" : "false");
    if (!verdict.ok()) out += ",\"reason\":" + JsonQuote(verdict.message());
    out += "}\n";
  } else {
    auto field = [&](const char* label, const std::string& value) { out += Pad(label, 18) + value + "\n"; };
    field("File:", o.file + " (" + std::to_string(info->file_size) + " bytes)");
    if (has_manifest) {
      field("Name:", m.name);
      field("Version:", m.version);
      field("Storage ABI:", m.AbiString());
      field("Manifest size:", std::to_string(m.manifest_size) + " bytes");
      field("Flags:", std::to_string(m.flags));
      field("Build info:", m.build_info.empty() ? "(none)" : m.build_info);
    } else {
      field("Manifest:", "(none)");
    }
    field("Build ID:", info->build_id.empty() ? "(none)" : info->build_id);
    field("SONAME:", info->soname.empty() ? "(none)" : info->soname);
    field("Needed:", Join(info->needed));
    const std::vector<std::string>& symbols = info->exported_symbols;
    constexpr size_t kShown = 20;  // -o json lists them all
    std::string exported = Join({symbols.begin(), symbols.begin() + std::min(symbols.size(), kShown)});
    if (symbols.size() > kShown) exported += " ... and " + std::to_string(symbols.size() - kShown) + " more";
    field("Exported symbols:", exported);
    if (verdict.ok() && info->exported_symbols != std::vector<std::string>{PEDIA_STORAGE_ENTRY_SYMBOL})
      field("Warning:", "a plugin should export only " PEDIA_STORAGE_ENTRY_SYMBOL " (link with a version script)");
    field("Compatible:", verdict.ok() ? "yes (storage ABI " + std::to_string(PEDIA_STORAGE_ABI_MAJOR) + "." +
                                            std::to_string(PEDIA_STORAGE_ABI_MINOR) + " host)"
                                      : "no");
    if (!verdict.ok()) field("Reason:", Indent(verdict.message(), 18));
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return verdict.ok() ? kExitSuccess : kExitFailure;
}

void DescribePlugin(CLI::App* app) {
  static Options o;
  Define(app, &o);
}

int RunPlugin(int argc, char** argv) {
  Options o;
  CLI::App app{"", argv[0]};
  Define(&app, &o);
  if (int rc = Parse(app, argc, argv); rc >= 0) return rc;
  if (int rc = ApplyCommon(o.common, argv[0]); rc >= 0) return rc;
  if (app.got_subcommand("list")) return PluginList(o.list, argv[0]);
  if (app.got_subcommand("inspect")) return PluginInspect(o.inspect, argv[0]);
  return PluginValidate(o.validate, argv[0]);
}

}  // namespace pedia::cmd
