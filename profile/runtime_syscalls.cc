#include "profile/runtime_syscalls.h"

#include <array>

namespace tollgate {
namespace {

// How these were measured (Debian 12, Linux 6.18, x86_64), for both values of process.noNewPrivileges:
//   a busybox bundle from `runc spec`, profile {"defaultAction": "SCMP_ACT_ALLOW"} plus one ERRNO entry;
//   strace -f -qq -o T runc --root R run --bundle B ID      (crun: --cgroup-manager=disabled, in `unshare -m`
//                                                            with cgroup2 mounted, see docs/oci.md)
//   then the calls of the thread that installed the filter (prctl(PR_SET_SECCOMP) for runc, which does not
//   synchronise the filter to its other Go threads; seccomp(SECCOMP_SET_MODE_FILTER) for crun) up to its
//   execve of the command. runc's Go runtime may add calls of its own on that thread at any moment
//   (futex, nanosleep, rt_sigprocmask, sigaltstack, mmap, madvise, tgkill, rt_sigreturn): only the ones seen
//   are listed. With a NOTIFY profile runc 1.1.5 also reads its parent's answer on the sync pipe (read).
constexpr std::array kRunc115 = {
    RuntimeCall{"capget", false, true, "reading its capabilities before dropping them"},
    RuntimeCall{"capset", false, true, "setting the container's capabilities"},
    RuntimeCall{"chdir", false, true, "entering process.cwd"},
    RuntimeCall{"close", true, true, "closing its sync pipes and /proc/self/fd"},
    RuntimeCall{"epoll_ctl", true, true, "Go registering the /proc/self/fd directory (EPERM is tolerated)"},
    RuntimeCall{"execve", true, true, "running the container's command"},
    RuntimeCall{"faccessat2", false, true, "looking the command up in PATH"},
    RuntimeCall{"fcntl", false, true, "marking inherited fds close-on-exec"},
    RuntimeCall{"fstat", false, true, "checking inherited fds"},
    RuntimeCall{"fstatfs", true, true, "ensure /proc/self/fd is on procfs"},
    RuntimeCall{"futex", true, true, "Go runtime: waking other threads"},
    RuntimeCall{"getcwd", false, true, "checking process.cwd"},
    RuntimeCall{"getdents64", true, true, "listing /proc/self/fd to close inherited fds"},
    RuntimeCall{"getpid", true, true, "Go runtime"},
    RuntimeCall{"getppid", false, true, "checking its parent is still there"},
    RuntimeCall{"newfstatat", false, true, "finding the command"},
    RuntimeCall{"openat", true, true, "opening /proc/self/fd and its exec fifo"},
    RuntimeCall{"prctl", true, true, "dropping the bounding set, keeping caps across setuid"},
    RuntimeCall{"read", false, true, "reading /proc/self/status"},
    RuntimeCall{"setgid", false, true, "becoming process.user.gid"},
    RuntimeCall{"setgroups", false, true, "setting additionalGids"},
    RuntimeCall{"setuid", false, true, "becoming process.user.uid"},
    RuntimeCall{"write", true, true, "signalling the exec fifo"},
};

constexpr std::array kCrun181 = {
    RuntimeCall{"capset", false, true, "setting the container's capabilities"},
    RuntimeCall{"close", true, true, "closing the filter's fd and its sync socket"},
    RuntimeCall{"execve", true, true, "running the container's command"},
    RuntimeCall{"prctl", false, true, "prctl drop bounding, keep caps, ambient caps"},
    RuntimeCall{"rt_sigaction", false, true, "resetting signal handlers"},
    RuntimeCall{"rt_sigprocmask", false, true, "unblocking signals"},
    RuntimeCall{"setresgid", false, true, "becoming process.user.gid"},
    RuntimeCall{"setresuid", false, true, "becoming process.user.uid"},
    RuntimeCall{"write", false, true, "telling its parent it is about to exec"},
};

}  // namespace

std::optional<RuntimeCalls> runtime_calls(std::string_view runtime) {
  if (runtime == "runc") return RuntimeCalls{"runc", "1.1.5", kRunc115};
  if (runtime == "crun") return RuntimeCalls{"crun", "1.8.1", kCrun181};
  return std::nullopt;
}

}  // namespace tollgate
