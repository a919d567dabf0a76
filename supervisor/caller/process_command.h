// The command line of a supervised process as /proc shows it now: what `ctl targets` names when nothing a
// peer sent does (a container started with a bare listenerPath: the OCI state has no process, and at
// hand-over its init is still the runtime's `runc init`).
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "tollgate/unique_fd.h"

namespace tollgate {

// One process held by a pidfd, so that its pid can be read from /proc later without reading whichever
// process has the pid by then.
struct PinnedProcess {
  pid_t pid = 0;
  UniqueFd pidfd;
};

// Null when the process cannot be opened (gone already, or pid 0).
std::shared_ptr<const PinnedProcess> pin_process(pid_t pid);

// Its /proc/PID/cmdline split at the NULs, or "[comm]" (as ps shows it) when that is empty (a zombie, a
// kernel thread). Empty only when the process is gone: the pidfd is checked after reading, so a reused pid
// is never shown. Reads /proc: not for the call path.
std::vector<std::string> current_command(const PinnedProcess& process);

}  // namespace tollgate
