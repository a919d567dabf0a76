// A caller's credentials as its kernel task has them (/proc/PID/status), read by the supervisor: ids as
// seen from the supervisor's user namespace, capabilities as held in the caller's own user namespace.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <expected>

namespace tollgate {

struct CallerCredentials {
  uint32_t euid = UINT32_MAX, egid = UINT32_MAX;
  uint32_t fsuid = UINT32_MAX, fsgid = UINT32_MAX;  // who owns the files it creates
  uint64_t cap_effective = 0;
  mode_t umask = 022;
  bool has_cap(int cap) const { return cap >= 0 && cap < 64 && ((cap_effective >> cap) & 1) != 0; }
};

// Error: errno (ESRCH when the caller is gone, EINVAL when the file is not as expected).
std::expected<CallerCredentials, int> read_caller_credentials(pid_t pid);

// Only the effective capabilities (capget(2) on the caller's thread: one system call instead of reading
// /proc/PID/status). Error: errno (ESRCH when the caller is gone).
std::expected<uint64_t, int> read_caller_capabilities(pid_t pid);

}  // namespace tollgate
