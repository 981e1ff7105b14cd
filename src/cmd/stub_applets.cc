// Applets a later issue fills in: kubeconfig.  Each
// parses nothing and says so; none pretends to succeed.
#include "cmd/applets.h"
#include "cmd/common_flags.h"

namespace pedia::cmd {

void DescribeKubeconfig(CLI::App* app) { app->description("Print a kubeconfig for kubectl against pedia."); }
int RunKubeconfig(int, char** argv) { return NotImplemented(argv[0], "pedia kubeconfig"); }


}  // namespace pedia::cmd
