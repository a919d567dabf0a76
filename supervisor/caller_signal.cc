#include "supervisor/caller_signal.h"

#include <errno.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string>

#include "core/proc_status.h"
#include "supervisor/seccomp_notify.h"

namespace tollgate {
namespace {

// The hex masks of /proc/TID/status (SigBlk, SigIgn, SigCgt) OR-ed together, and the thread group id.
struct SignalState {
  uint64_t not_default = 0;
  pid_t tgid = 0;
};

SignalState read_signal_state(pid_t tid) {
  SignalState s;
  auto status = ProcStatus::of(tid);
  if (!status) return s;
  s.tgid = static_cast<pid_t>(status->number("Tgid").value_or(0));
  for (const char* key : {"SigBlk", "SigIgn", "SigCgt"}) s.not_default |= status->mask(key).value_or(0);
  return s;
}

}  // namespace

std::expected<UniqueFd, int> open_caller_pidfd(int listener_fd, uint64_t id, pid_t tid) {
  const pid_t tgid = read_signal_state(tid).tgid;
  if (tgid <= 0) return std::unexpected(ESRCH);
  UniqueFd pidfd(static_cast<int>(syscall(SYS_pidfd_open, tgid, 0)));
  if (!pidfd) return std::unexpected(errno);
  if (!notify_id_valid(listener_fd, id)) return std::unexpected(ESRCH);
  return pidfd;
}

int fatal_signal_for(pid_t tid) {
  const uint64_t bit = uint64_t{1} << (SIGSYS - 1);
  return (read_signal_state(tid).not_default & bit) != 0 ? SIGKILL : SIGSYS;
}

bool send_signal(const UniqueFd& pidfd, int sig) {
  return syscall(SYS_pidfd_send_signal, pidfd.get(), sig, nullptr, 0) == 0;
}

}  // namespace tollgate
