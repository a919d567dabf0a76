// The seccomp user-notification ioctls, with errors as values. Sizes come from the kernel once
// (SECCOMP_GET_NOTIF_SIZES); buffers are allocated once per listener and zeroed per call.
#pragma once

#include <linux/seccomp.h>

#include <cstdint>
#include <expected>
#include <memory>

namespace tollgate {

enum class NotifyError {
  TargetGone,  // ENOENT/EINTR: the caller died or was interrupted; harmless
  Failed,      // anything else; errno is kept alongside
};

struct NotifyFailure {
  NotifyError kind;
  int error = 0;
};

// Buffers sized by the running kernel, reused for every notification on one listener.
class NotificationBuffers {
 public:
  NotificationBuffers();
  seccomp_notif& request() { return *request_; }
  seccomp_notif_resp& response() { return *response_; }

 private:
  struct FreeDeleter {
    void operator()(void* p) const;
  };
  std::unique_ptr<seccomp_notif, FreeDeleter> request_;
  std::unique_ptr<seccomp_notif_resp, FreeDeleter> response_;
};

std::expected<void, NotifyFailure> notify_receive(int listener, seccomp_notif& request);
// True when RECV writes no more than our struct seccomp_notif (a newer kernel's may be larger): a buffer of
// exactly that size, such as an in-flight record's slot, can then take it.
bool kernel_notification_fits_our_struct();
std::expected<void, NotifyFailure> notify_send(int listener, seccomp_notif_resp& response);
// True while the notification's caller is still blocked in that very call (guards against pid reuse).
bool notify_id_valid(int listener, uint64_t id);
// SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (Linux 6.6): the kernel wakes the supervisor on the caller's CPU.
// Returns false on older kernels; nothing else changes.
bool notify_set_sync_wakeup(int listener);

}  // namespace tollgate
