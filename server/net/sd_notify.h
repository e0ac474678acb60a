// Telling a service manager that the server is ready, as redis-server's `supervised` parameter
// does. With `supervised systemd` (or `auto` under systemd, which sets $NOTIFY_SOCKET) the server
// sends "READY=1" over systemd's notify socket once it accepts connections, its data loaded, so
// that a unit with Type=notify starts the units after it only then. With `supervised upstart`
// (or `auto` with $UPSTART_JOB) it stops itself with SIGSTOP, which is how upstart's "expect
// stop" learns the same. The notify protocol is one datagram of "KEY=value" lines to a Unix
// socket (sd_notify(3), declared stable by systemd), so no libsystemd is linked.
#pragma once

#include <string>
#include <string_view>

namespace rill {

class Config;

enum class Supervisor { kNone, kUpstart, kSystemd };

// The supervisor the `supervised` value ("no", "upstart", "systemd", "auto") names; "auto"
// looks at the environment as Redis does ($UPSTART_JOB first, then $NOTIFY_SOCKET).
Supervisor DetectSupervisor(std::string_view supervised);

// Sends `state` (newline-separated "KEY=value" lines) to the socket named by $NOTIFY_SOCKET: a
// path, or an abstract socket when it starts with '@'. Returns false with the reason in *error
// when the variable is unset or the datagram cannot be sent.
bool SdNotify(std::string_view state, std::string* error);

// Called once the server accepts connections: signals readiness to the supervisor `supervised`
// names, if any, logging what it did or why it could not.
void NotifySupervisorReady(const Config& config);

}  // namespace rill
