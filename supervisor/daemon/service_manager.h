// What a service manager (systemd) hands the daemon and hears from it: listening sockets passed by socket
// activation (LISTEN_FDS, LISTEN_PID, LISTEN_FDNAMES), and readiness and shutdown notifications
// (NOTIFY_SOCKET). Without a service manager both are no-ops, so the daemon behaves the same when started
// by hand.
#pragma once

#include <expected>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tollgate/unique_fd.h"

namespace tollgate {

// The sockets the daemon knows by name: "handover" (agents and OCI runtimes), "oci" (OCI runtimes only,
// like --oci-socket) and "control" (`tollgate ctl`). Set with FileDescriptorName= in the .socket units.
struct ActivatedSockets {
  std::map<std::string, UniqueFd, std::less<>> by_name;
  // Passed fds whose name starts with the `stored_prefix` given: what a keeper put in the fd store, in the
  // order passed. Not checked here: they are not sockets.
  std::vector<std::pair<std::string, UniqueFd>> stored;
  // Gives up the socket with that name; an empty UniqueFd when none was passed.
  UniqueFd take(std::string_view name);
};

// Takes the sockets passed to this process, if any, and unsets LISTEN_* so that no child inherits them.
// Every one must be a listening Unix stream socket with one of the known names, or have a name that starts
// with `stored_prefix` (when not empty). Error: a message for the user (the unit files do not match what
// the daemon expects).
std::expected<ActivatedSockets, std::string> take_activated_sockets(std::string_view stored_prefix = {});

// READY=1 once every socket is served; STOPPING=1 when shutting down. `status` is shown by `systemctl
// status`. Failures are ignored: a service manager that cannot be told is not a reason to stop serving.
void notify_ready(std::string_view status);
void notify_stopping();

}  // namespace tollgate
