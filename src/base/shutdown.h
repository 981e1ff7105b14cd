// Clean shutdown on SIGTERM and SIGINT.
//
// Install() blocks both signals in the calling thread (call it in main()
// before any thread starts, so every thread inherits the mask) and starts a
// watcher thread that waits for them.  The first signal runs the registered
// callbacks, in registration order, on the watcher thread; a second one exits
// at once with status 130.
#ifndef PEDIA_BASE_SHUTDOWN_H_
#define PEDIA_BASE_SHUTDOWN_H_

#include <chrono>
#include <functional>

namespace pedia::shutdown {

void Install();
/// cb runs once when shutdown starts (must not block for long).
void OnShutdown(std::function<void()> cb);
bool Requested();
/// Blocks until shutdown is requested.
void Wait();
/// Like Wait(), but returns false after timeout.
bool WaitFor(std::chrono::milliseconds timeout);
/// Requests shutdown from inside the process (tests, fatal errors).
void Request();

}  // namespace pedia::shutdown

#endif  // PEDIA_BASE_SHUTDOWN_H_
