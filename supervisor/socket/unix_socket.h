// A listening Unix stream socket for the supervisor's sockets (handover, control): a stale socket file left
// by a supervisor that died is replaced, a live one is never taken over, and the file gets `mode` from the
// start (umask during bind), so there is no window in which others could connect.
#pragma once

#include <sys/types.h>

#include <expected>
#include <string>

#include "tollgate/unique_fd.h"

namespace tollgate {

// Non-blocking, close-on-exec, listening with `backlog` (capped by the kernel at net.core.somaxconn).
// Error: a message naming the path.
std::expected<UniqueFd, std::string> listen_unix_socket(const std::string& path, mode_t mode, int backlog);

}  // namespace tollgate
