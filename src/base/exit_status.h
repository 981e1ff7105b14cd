// Process exit codes shared by every applet (ninja's ExitStatus, toybox's 127).
#ifndef PEDIA_BASE_EXIT_STATUS_H_
#define PEDIA_BASE_EXIT_STATUS_H_

namespace pedia {

enum ExitStatus {
  kExitSuccess = 0,
  kExitFailure = 1,         // the command ran and failed
  kExitUsage = 2,           // bad flags or arguments
  kExitUnknownCommand = 127,
  kExitInterrupted = 130,
};

}  // namespace pedia

#endif  // PEDIA_BASE_EXIT_STATUS_H_
