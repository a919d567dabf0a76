#include "supervisor/pending_call.h"

#include "supervisor/inflight_ring.h"
#include "supervisor/listener.h"
#include "supervisor/seccomp_notify.h"

namespace tollgate {

PendingCall::PendingCall(std::shared_ptr<Listener> listener, const seccomp_notif& notification,
                         const CallContext& facts, Decision decision, uint64_t started_ns)
    : listener_(std::move(listener)),
      decider_(listener_->decider_ptr()),
      notification_(notification),
      call_(notification_, facts),
      decision_(decision),
      started_ns_(started_ns) {}

PendingCall::~PendingCall() {
  if (inflight_slot_ != nullptr) inflight_->release(inflight_slot_);
}

const TargetInfo& PendingCall::target() const {
  return listener_->target();
}

int PendingCall::listener_fd() const {
  return listener_->fd();
}

bool PendingCall::still_waiting() const {
  return notify_id_valid(listener_->fd(), notification_.id);
}

}  // namespace tollgate
