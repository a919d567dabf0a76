// Signals for explain mode's KILL and TRAP: the kernel would have sent SIGSYS itself; the supervisor sends it
// through a pidfd opened before, and validated against, the still-pending notification (so a reused pid can
// never receive it).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <expected>

#include "tollgate/unique_fd.h"

namespace tollgate {

// A pidfd for the process of thread `tid` (the caller of notification `id`), opened and then confirmed with
// NOTIF_ID_VALID. Error: errno (ESRCH when the caller is gone).
std::expected<UniqueFd, int> open_caller_pidfd(int listener_fd, uint64_t id, pid_t tid);

// SIGSYS, as the kernel's kill would deliver; SIGKILL when the caller blocks, ignores or catches SIGSYS,
// since then SIGSYS would not kill it (the kernel's kill cannot be caught).
int fatal_signal_for(pid_t tid);

bool send_signal(const UniqueFd& pidfd, int sig);

}  // namespace tollgate
