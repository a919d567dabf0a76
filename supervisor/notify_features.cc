#include "supervisor/notify_features.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "supervisor/seccomp_notify.h"

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif
#ifndef SECCOMP_ADDFD_FLAG_SEND
#define SECCOMP_ADDFD_FLAG_SEND (1UL << 1)
#endif

namespace tollgate {
namespace {

// The child's exit status: one bit per feature, or kNoListener.
constexpr int kWaitKillable = 1 << 0;
constexpr int kSyncWakeUp = 1 << 1;
constexpr int kAddfdSend = 1 << 2;
constexpr int kNoListener = 1 << 6;

long install_allow_all_filter(unsigned long flags) {
  // Allows everything: the probe only needs the listener, never a notification.
  sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  sock_fprog prog{1, &allow};
  return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
}

[[noreturn]] void probe_in_child() {
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) _exit(kNoListener);
  int status = 0;
  long listener =
      install_allow_all_filter(SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV);
  if (listener >= 0) {
    status |= kWaitKillable;
  } else {
    // Unknown filter flags are EINVAL; anything else means no listener at all.
    if (errno != EINVAL) _exit(kNoListener);
    listener = install_allow_all_filter(SECCOMP_FILTER_FLAG_NEW_LISTENER);
    if (listener < 0) _exit(kNoListener);
  }
  const int fd = static_cast<int>(listener);
  if (notify_set_sync_wakeup(fd)) status |= kSyncWakeUp;
  // The kernel checks the flags before looking the notification up: with no notification pending, a known
  // flag gets ENOENT and an unknown one EINVAL.
  seccomp_notif_addfd addfd{};
  addfd.id = 0;
  addfd.flags = SECCOMP_ADDFD_FLAG_SEND;
  addfd.srcfd = static_cast<__u32>(fd);
  if (ioctl(fd, SECCOMP_IOCTL_NOTIF_ADDFD, &addfd) != 0 && errno == ENOENT) status |= kAddfdSend;
  _exit(status);
}

}  // namespace

std::expected<NotifyFeatures, std::string> probe_notify_features() {
  const pid_t child = fork();
  if (child < 0) return std::unexpected(std::string("fork: ") + strerror(errno));
  if (child == 0) probe_in_child();
  int status = 0;
  while (waitpid(child, &status, 0) < 0)
    if (errno != EINTR) return std::unexpected(std::string("waitpid: ") + strerror(errno));
  if (!WIFEXITED(status))
    return std::unexpected("the probe process was killed by signal " + std::to_string(WTERMSIG(status)));
  const int bits = WEXITSTATUS(status);
  if (bits & kNoListener) return std::unexpected("no seccomp listener can be created here");
  return NotifyFeatures{
      .wait_killable_recv = (bits & kWaitKillable) != 0,
      .sync_wake_up = (bits & kSyncWakeUp) != 0,
      .addfd_send = (bits & kAddfdSend) != 0,
  };
}

}  // namespace tollgate
