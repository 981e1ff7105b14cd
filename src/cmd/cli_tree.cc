#include "cmd/cli_tree.h"

#include <CLI/CLI.hpp>

#include "cmd/applets.h"

namespace pedia::cmd {
namespace {

// Splits "{a,b,c}" out of a CLI11 type name such as "TEXT:{a,b,c}".
std::vector<std::string> Choices(const std::string& type_name) {
  std::vector<std::string> out;
  size_t open = type_name.find('{');
  size_t close = type_name.find('}', open);
  if (open == std::string::npos || close == std::string::npos) return out;
  std::string list = type_name.substr(open + 1, close - open - 1);
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    std::string item = list.substr(start, comma - start);
    if (!item.empty()) out.push_back(item);
    start = comma + 1;
  }
  return out;
}

CliOption ReadOption(const CLI::Option* o) {
  CliOption out;
  out.long_names = o->get_lnames();
  out.short_names = o->get_snames();
  if (!o->nonpositional()) out.positional_name = o->get_name();
  out.description = o->get_description();
  out.group = o->get_group();
  out.required = o->get_required();
  if (o->get_expected_max() > 0 && o->get_type_size_max() > 0) {
    const std::string type = o->get_type_name();
    out.value_name = type.substr(0, type.find(':'));
    out.choices = Choices(type);
    if (type.find(":FILE") != std::string::npos)
      out.value = CliOption::Value::kFile;
    else if (type.find(":DIR") != std::string::npos)
      out.value = CliOption::Value::kDirectory;
    else
      out.value = CliOption::Value::kText;
    if (out.value == CliOption::Value::kFile) out.value_name = "FILE";
    if (out.value == CliOption::Value::kDirectory) out.value_name = "DIR";
    out.default_value = o->get_default_str();
    if (o->check_lname("storage-name")) out.dynamic_values = "storage-names";
  }
  return out;
}

CliCommand ReadCommand(const CLI::App* app, const std::string& path, const std::string& summary) {
  CliCommand out;
  out.name = app->get_name();
  out.path = path;
  out.description = app->get_description();
  out.summary = summary.empty() ? FirstLine(out.description) : summary;
  for (const CLI::Option* o : app->get_options()) out.options.push_back(ReadOption(o));
  for (const CLI::App* sub : app->get_subcommands([](const CLI::App* a) { return !a->get_name().empty(); }))
    out.subcommands.push_back(ReadCommand(sub, path + " " + sub->get_name(), ""));
  return out;
}

}  // namespace

std::string FirstLine(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  while (!line.empty() && (line.back() == '.' || line.back() == ' ')) line.pop_back();
  return line;
}

CliCommand BuildCliTree() {
  CliCommand root;
  root.name = "pedia";
  root.path = "pedia";
  root.summary = "search many Kubernetes clusters at once";
  root.description =
      "pedia syncs the objects of many Kubernetes clusters into a pluggable storage layer and serves them back "
      "through a Kubernetes-compatible search API. One binary plays every component: the applet is chosen by the "
      "first argument, or by the name the binary is invoked under (a symlink named after the applet, or "
      "pedia-<applet>).";
  CliOption help;
  help.long_names = {"help"};
  help.short_names = {"h"};
  help.description = "print the list of applets and exit";
  CliOption version;
  version.long_names = {"version"};
  version.description = "print the version, git commit, build date, compiler, platform and storage ABI, and exit";
  root.options = {help, version};
  for (const Applet& a : Applets()) {
    if (a.hidden) continue;
    CLI::App app{"", a.name};
    a.describe(&app);
    root.subcommands.push_back(ReadCommand(&app, std::string("pedia ") + a.name, a.summary));
  }
  return root;
}

}  // namespace pedia::cmd
