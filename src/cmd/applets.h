// The applet table of the multi-call binary, and each applet's entry point.
// Every entry receives argv with argv[0] set to "pedia <applet>".
#ifndef PEDIA_CMD_APPLETS_H_
#define PEDIA_CMD_APPLETS_H_

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace pedia::cmd {

struct Applet {
  const char* name;
  const char* summary;
  int (*run)(int argc, char** argv);
  /// Adds the applet's flags and subcommands to app (for completion and man
  /// pages); the same definition run() parses with.
  void (*describe)(CLI::App* app);
  /// Left out of --help, suggestions, completions and man pages.
  bool hidden = false;
};

const std::vector<Applet>& Applets();

/// Resolves the applet from argv[0] or argv[1] and runs it; main()'s body.
int Dispatch(int argc, char** argv);

// Each applet: run() and describe().
int RunApiserver(int argc, char** argv);
void DescribeApiserver(CLI::App* app);
int RunBindingApiserver(int argc, char** argv);
void DescribeBindingApiserver(CLI::App* app);
int RunClustersynchroManager(int argc, char** argv);
void DescribeClustersynchroManager(CLI::App* app);
int RunControllerManager(int argc, char** argv);
void DescribeControllerManager(CLI::App* app);
int RunPlugin(int argc, char** argv);
void DescribePlugin(CLI::App* app);
int RunVersion(int argc, char** argv);
void DescribeVersion(CLI::App* app);
int RunCompletion(int argc, char** argv);
void DescribeCompletion(CLI::App* app);
int RunDynamicCompletion(int argc, char** argv);
void DescribeDynamicCompletion(CLI::App* app);
int RunManPages(int argc, char** argv);
void DescribeManPages(CLI::App* app);
int RunKubeconfig(int argc, char** argv);
void DescribeKubeconfig(CLI::App* app);

}  // namespace pedia::cmd

#endif  // PEDIA_CMD_APPLETS_H_
