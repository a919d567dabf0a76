// Which optional seccomp user-notification features the running kernel has, found by trying them (a kernel
// version number says nothing about backports or a distribution's config). For `tollgate --version`.
#pragma once

#include <expected>
#include <string>

namespace tollgate {

struct NotifyFeatures {
  bool wait_killable_recv = false;  // SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (Linux 5.19)
  bool sync_wake_up = false;  // SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP via SECCOMP_IOCTL_NOTIF_SET_FLAGS (6.6)
  bool addfd_send = false;    // SECCOMP_ADDFD_FLAG_SEND (5.14)
};

// Installs a filter in a forked child (so this process keeps none) and tries each feature on its listener.
// Error: why no listener could be made at all (e.g. seccomp disabled, or already under a strict filter).
std::expected<NotifyFeatures, std::string> probe_notify_features();

}  // namespace tollgate
