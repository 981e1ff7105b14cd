// Applets a later issue fills in: plugin, completion.  Each
// parses nothing and says so; none pretends to succeed.
#include "cmd/applets.h"
#include "cmd/common_flags.h"

namespace pedia::cmd {

void DescribePlugin(CLI::App* app) { app->description("List, inspect and validate storage plugins."); }
int RunPlugin(int, char** argv) { return NotImplemented(argv[0], "pedia plugin"); }

void DescribeCompletion(CLI::App* app) { app->description("Print a shell completion script."); }
int RunCompletion(int, char** argv) { return NotImplemented(argv[0], "pedia completion"); }

}  // namespace pedia::cmd
