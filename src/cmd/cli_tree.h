// The CLI as data: every applet's flags and subcommands, read from the
// CLI::App tree each applet's describe() builds (the same definition its
// run() parses with).  Completion scripts and man pages are generated from
// this, so they cannot drift from the real flags (anchors §3.6).
// Free of CLI11 so that generators need not include it.
#ifndef PEDIA_CMD_CLI_TREE_H_
#define PEDIA_CMD_CLI_TREE_H_

#include <string>
#include <vector>

namespace pedia::cmd {

struct CliOption {
  enum class Value { kNone, kText, kFile, kDirectory };
  std::vector<std::string> long_names;   // without dashes: "storage-name"
  std::vector<std::string> short_names;  // without the dash: "o"
  std::string positional_name;           // set for a positional argument
  Value value = Value::kNone;
  std::string value_name;            // "TEXT", "INT", "FILE"
  std::vector<std::string> choices;  // from an IsMember check
  /// Values known only at run time: the argument of `pedia __complete`
  /// that prints them ("storage-names"), or empty.
  std::string dynamic_values;
  std::string description;           // may span lines
  std::string group;
  std::string default_value;  // empty when none is shown
  bool required = false;
};

struct CliCommand {
  std::string name;         // "list"; "pedia" for the root
  std::string path;         // "pedia plugin list"
  std::string summary;      // one line
  std::string description;  // the full text
  std::vector<CliOption> options;
  std::vector<CliCommand> subcommands;
};

/// The whole tree: "pedia" with one subcommand per visible applet.
CliCommand BuildCliTree();

/// The first line of a description, without a trailing period.
std::string FirstLine(const std::string& text);

}  // namespace pedia::cmd

#endif  // PEDIA_CMD_CLI_TREE_H_
