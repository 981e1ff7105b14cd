// pedia: one binary, many components.  See src/cmd/applets.cc for the table.
#include "cmd/applets.h"

int main(int argc, char** argv) { return pedia::cmd::Dispatch(argc, argv); }
