#include "cmd/applets.h"

#include <cstdio>
#include <cstring>
#include <string>

#include "base/exit_status.h"
#include "base/string_util.h"

namespace pedia::cmd {
namespace {

// Runs a after rewriting argv so the applet sees "pedia <name>" as argv[0].
int RunApplet(const Applet& a, int argc, char** argv) {
  std::string program = std::string("pedia ") + a.name;
  std::vector<char*> args;
  args.push_back(program.data());
  for (int i = 0; i < argc; ++i) args.push_back(argv[i]);
  args.push_back(nullptr);
  return a.run(argc + 1, args.data());
}

void PrintUsage(FILE* out) {
  std::fprintf(out,
               "pedia searches many Kubernetes clusters at once: it syncs their objects into a\n"
               "pluggable storage layer and serves them back through a Kubernetes-compatible API.\n\n"
               "Usage:\n  pedia <command> [flags]\n  <command> [flags]        (through a symlink named after the command)\n\n"
               "Commands:\n");
  for (const Applet& a : Applets())
    if (!a.hidden) std::fprintf(out, "  %-24s %s\n", a.name, a.summary);
  std::fprintf(out, "\nRun 'pedia <command> --help' for the flags of one command.\n");
}

const Applet* Find(std::string_view name) {
  for (const Applet& a : Applets())
    if (name == a.name) return &a;
  return nullptr;
}

}  // namespace

const std::vector<Applet>& Applets() {
  static const std::vector<Applet> applets = {
      {"apiserver", "serve the multi-cluster search API from storage", RunApiserver, DescribeApiserver},
      {"clustersynchro-manager", "sync member clusters into storage", RunClustersynchroManager, DescribeClustersynchroManager},
      {"controller-manager", "run the ClusterImportPolicy and PediaClusterLifecycle controllers",
       RunControllerManager, DescribeControllerManager},
      {"binding-apiserver", "apiserver and synchro in one process (memory storage)", RunBindingApiserver, DescribeBindingApiserver},
      {"plugin", "list, inspect and validate storage plugins", RunPlugin, DescribePlugin},
      {"kubeconfig", "print a kubeconfig for kubectl against pedia", RunKubeconfig, DescribeKubeconfig},
      {"completion", "print a shell completion script (bash, zsh, fish)", RunCompletion, DescribeCompletion},
      {"version", "print version and build information", RunVersion, DescribeVersion},
      {"__man", "write the man pages into a directory", RunManPages, DescribeManPages, /*hidden=*/true},
      {"__complete", "print completion candidates", RunDynamicCompletion, DescribeDynamicCompletion,
       /*hidden=*/true},
  };
  return applets;
}

int Dispatch(int argc, char** argv) {
  // 1. argv[0] named after an applet: "apiserver", "pedia-apiserver", "clusterpedia-apiserver".
  std::string_view base = argv[0];
  if (size_t slash = base.rfind('/'); slash != std::string_view::npos) base = base.substr(slash + 1);
  for (std::string_view prefix : {"pedia-", "clusterpedia-"})
    if (StartsWith(base, prefix)) base = base.substr(prefix.size());
  if (const Applet* a = Find(base)) return RunApplet(*a, argc - 1, argv + 1);

  // 2. The first argument names the applet.
  if (argc < 2) {
    PrintUsage(stderr);
    return kExitUsage;
  }
  std::string_view first = argv[1];
  if (first == "--help" || first == "-h" || first == "help") {
    PrintUsage(stdout);
    return kExitSuccess;
  }
  // "pedia --version[=raw]" is the version applet's own --version flag.
  if (first == "--version" || StartsWith(first, "--version=")) return RunApplet(*Find("version"), argc - 1, argv + 1);
  if (const Applet* a = Find(first)) return RunApplet(*a, argc - 2, argv + 2);

  std::vector<std::string> names;
  for (const Applet& a : Applets())
    if (!a.hidden) names.push_back(a.name);
  std::string hint = SuggestClosest(first, names);
  std::fprintf(stderr, "pedia: unknown command \"%.*s\"\n", static_cast<int>(first.size()), first.data());
  if (!hint.empty()) std::fprintf(stderr, "\nDid you mean this?\n\t%s\n", hint.c_str());
  std::fprintf(stderr, "\nRun 'pedia --help' for the list of commands.\n");
  return kExitUnknownCommand;
}

}  // namespace pedia::cmd
