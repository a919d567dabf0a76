// One seccomp listener fd and its libuv poll handle. The uv handle is closed through the loop (the
// node/uvw rule) and nothing throws across the C callback. The object itself is shared with the calls it
// has pending, so that the fd stays open until each of them is answered.
#pragma once

#include <uv.h>

#include <atomic>
#include <memory>

#include "supervisor/decider.h"
#include "supervisor/decision_stats.h"
#include "supervisor/denial_notice.h"
#include "supervisor/seccomp_notify.h"
#include "supervisor/target_info.h"
#include "tollgate/unique_fd.h"

namespace tollgate {

class ServingLoop;

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(ServingLoop& owner, UniqueFd fd, TargetInfo target, std::shared_ptr<const Decider> decider);
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  // Error: libuv's error code.
  int start(uv_loop_t* loop);
  // Loop thread: stops and restarts receiving its calls (an upgrade's hand-over; the calls wait meanwhile).
  void pause();
  void resume();
  // Idempotent. The owner is told (and drops its reference) from the close callback.
  void close();
  bool closing() const { return closing_; }

  int fd() const { return fd_.get(); }
  const TargetInfo& target() const { return target_; }
  const Decider& decider() const { return *decider_; }
  const std::shared_ptr<const Decider>& decider_ptr() const { return decider_; }
  ServingLoop& owner() const { return owner_; }
  uint64_t added_ns() const { return added_ns_; }  // monotonic: when the supervisor took it over
  NotificationBuffers& buffers() { return buffers_; }
  // Its rows in the decision statistics (per policy, per container), chosen when it was added.
  StatsRows stats_rows() const { return stats_rows_; }
  void set_stats_rows(StatsRows rows) { stats_rows_ = rows; }
  // Explain mode: how many more denials this listener's callers may be shown in their own terminal.
  NoticeBudget& notice_budget() { return notice_budget_; }

 private:
  friend class ServingLoop;
  // A reloaded policy, on the loop thread: calls already held keep the decider they were decided by
  // (PendingCall holds it).
  void set_decider(std::shared_ptr<const Decider> decider) { decider_ = std::move(decider); }
  static void on_poll(uv_poll_t* handle, int status, int events);
  static void on_closed(uv_handle_t* handle);

  ServingLoop& owner_;
  UniqueFd fd_;
  TargetInfo target_;
  std::shared_ptr<const Decider> decider_;
  NotificationBuffers buffers_;
  uv_poll_t poll_{};
  bool started_ = false;
  bool closing_ = false;
  uint64_t added_ns_;
  StatsRows stats_rows_;
  NoticeBudget notice_budget_;
  // A decider `ctl reload` offered from another thread (under the loop's listener lock), taken before the
  // next notification.
  std::shared_ptr<const Decider> replacement_;
  std::atomic<bool> replaced_{false};
};

}  // namespace tollgate
