// RFC 3339 timestamps, as Kubernetes writes metav1.Time and MicroTime
// ("2024-05-01T10:00:00Z", "2024-05-01T10:00:00.123456Z",
// "2024-05-01T12:00:00+02:00").  One parser for the sync path (object
// creation/deletion times, lease renewals) and the apiserver (table ages,
// since/before), which used to carry a copy each.
#ifndef PEDIA_BASE_RFC3339_H_
#define PEDIA_BASE_RFC3339_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace pedia {

/// Parses an RFC 3339 date-time, YYYY-MM-DDTHH:MM:SS[.fraction](Z|+hh:mm|-hh:mm),
/// into milliseconds since the Unix epoch.  The whole text must match: no
/// surrounding whitespace.  Also accepted, as RFC 3339 §5.6 allows: a
/// lowercase 't' or a space for the 'T', a lowercase 'z', and second 60 (a
/// leap second, counted as the first second of the next minute).  The
/// fraction may have any number of digits and is truncated to milliseconds,
/// so the result never rounds into the next second.  Rejects a day the month
/// does not have (Feb 29 outside leap years), fields out of range, an offset
/// beyond 23:59, and a missing zone.  On failure *unix_ms is unchanged.
bool ParseRfc3339(std::string_view text, int64_t* unix_ms);

/// ParseRfc3339 in whole seconds since the Unix epoch, rounded down (so a
/// fraction never changes the second, before 1970 too).
bool ParseRfc3339Seconds(std::string_view text, int64_t* unix_seconds);

/// The current time as RFC 3339 with second precision ("2024-01-02T03:04:05Z"),
/// as Kubernetes writes conditions and timestamps.
std::string NowRfc3339();

}  // namespace pedia

#endif  // PEDIA_BASE_RFC3339_H_
