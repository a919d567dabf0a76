// A notified call whose answer is not known yet (an emulation handler is working on it, or a person is
// being asked). It owns copies of everything read from the caller, so whoever finishes it acts only on
// what was checked. It is completed exactly once, through Supervisor::complete, from any thread (the
// bookkeeping follows on its serving loop).
#pragma once

#include <linux/seccomp.h>

#include <atomic>
#include <cstdint>
#include <memory>

#include "supervisor/caller/call_context.h"
#include "supervisor/decider.h"
#include "supervisor/target_info.h"
#include "tollgate/decision.h"

namespace tollgate {

class Listener;
class LoopInflight;
struct InflightSlot;

class PendingCall {
 public:
  PendingCall(std::shared_ptr<Listener> listener, const seccomp_notif& notification, const CallContext& facts,
              Decision decision, uint64_t started_ns);
  ~PendingCall();  // frees its slot in the in-flight record (the call was answered by then)
  PendingCall(const PendingCall&) = delete;
  PendingCall& operator=(const PendingCall&) = delete;

  // The call as received; strings and caller facts already read are in it, more can be read (once each).
  // Whoever reads more must re-check still_waiting() before acting on it.
  CallContext& call() { return call_; }
  const CallContext& call() const { return call_; }
  const Decision& decision() const { return decision_; }  // the rule's decision that made it pending
  const TargetInfo& target() const;
  uint64_t id() const { return notification_.id; }
  uint64_t started_ns() const { return started_ns_; }
  int listener_fd() const;
  const Listener* listener() const { return listener_.get(); }
  // True while the caller still waits in this very call (SECCOMP_IOCTL_NOTIF_ID_VALID). Any thread.
  bool still_waiting() const;
  bool completed() const { return completed_.load(); }

 private:
  friend class ServingLoop;
  std::shared_ptr<Listener> listener_;      // keeps the fd open until the answer is sent
  std::shared_ptr<const Decider> decider_;  // keeps decision_.rule alive across a policy reload
  seccomp_notif notification_;
  CallContext call_;
  Decision decision_;
  uint64_t started_ns_;
  std::atomic<bool> completed_{false};
  // Where the keeper's in-flight record describes this call (supervisor/inflight_ring.h), if anywhere.
  LoopInflight* inflight_ = nullptr;
  InflightSlot* inflight_slot_ = nullptr;
};

using PendingCallPtr = std::shared_ptr<PendingCall>;

// Something that finishes pending calls: the emulation dispatcher (begin() on the serving loop that received
// the call), the interactive asker (begin() on the main loop). begin() must not block; the call must
// eventually be completed with Supervisor::complete.
class AsyncDecider {
 public:
  virtual ~AsyncDecider() = default;
  virtual void begin(PendingCallPtr call) = 0;
};

}  // namespace tollgate
