// Reading the caller's memory. Strings are read page by page (a string can end right before an unmapped
// page) into supervisor memory; callers decide only on that copy. Reads use process_vm_readv, and
// /proc/PID/mem where process_vm_readv is refused to the supervisor (EPERM, ENOSYS: a supervisor that runs
// under Docker's default profile itself). Callers re-check SECCOMP_IOCTL_NOTIF_ID_VALID after reading.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <expected>
#include <string>

namespace tollgate {

inline constexpr size_t kMaxTargetString = 4096;  // PATH_MAX, and more than any fstype or mount data we decode

// Error: errno (EFAULT for a bad pointer, ESRCH for a departed process, ENAMETOOLONG past max_len).
std::expected<std::string, int> read_target_string(pid_t pid, uint64_t address, size_t max_len = kMaxTargetString);

}  // namespace tollgate

namespace tollgate {

// Exactly `len` bytes at `address` into `out`. Error: errno (EFAULT for a short or bad read).
std::expected<void, int> read_target_bytes(pid_t pid, uint64_t address, void* out, size_t len);
// Writes a result back into the caller's memory (adjtimex's struct). Error: errno.
std::expected<void, int> write_target_bytes(pid_t pid, uint64_t address, const void* data, size_t len);

}  // namespace tollgate
