#include "supervisor/seccomp_notify.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <new>

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP 1UL
#endif

namespace tollgate {
namespace {

seccomp_notif_sizes kernel_sizes() {
  static const seccomp_notif_sizes sizes = [] {
    seccomp_notif_sizes s{};
    if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &s) != 0) {
      s.seccomp_notif = sizeof(seccomp_notif);
      s.seccomp_notif_resp = sizeof(seccomp_notif_resp);
      s.seccomp_data = sizeof(seccomp_data);
    }
    // A newer kernel may have larger structures than our headers; never smaller than ours.
    s.seccomp_notif = std::max<uint16_t>(s.seccomp_notif, sizeof(seccomp_notif));
    s.seccomp_notif_resp = std::max<uint16_t>(s.seccomp_notif_resp, sizeof(seccomp_notif_resp));
    return s;
  }();
  return sizes;
}

void* zeroed(size_t size) {
  void* p = calloc(1, size);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

NotifyFailure failure_from_errno(int e) {
  return {(e == ENOENT || e == EINTR) ? NotifyError::TargetGone : NotifyError::Failed, e};
}

}  // namespace

void NotificationBuffers::FreeDeleter::operator()(void* p) const { free(p); }

NotificationBuffers::NotificationBuffers()
    : request_(static_cast<seccomp_notif*>(zeroed(kernel_sizes().seccomp_notif))),
      response_(static_cast<seccomp_notif_resp*>(zeroed(kernel_sizes().seccomp_notif_resp))) {}

std::expected<void, NotifyFailure> notify_receive(int listener, seccomp_notif& request) {
  // The kernel insists on a zeroed buffer.
  memset(&request, 0, kernel_sizes().seccomp_notif);
  if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &request) == 0) return {};
  return std::unexpected(failure_from_errno(errno));
}

std::expected<void, NotifyFailure> notify_send(int listener, seccomp_notif_resp& response) {
  if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &response) == 0) return {};
  return std::unexpected(failure_from_errno(errno));
}

bool kernel_notification_fits_our_struct() {
  return kernel_sizes().seccomp_notif == sizeof(seccomp_notif);
}

bool notify_id_valid(int listener, uint64_t id) {
  return ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

bool notify_set_sync_wakeup(int listener) {
  return ioctl(listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP, 0) == 0;
}

}  // namespace tollgate
