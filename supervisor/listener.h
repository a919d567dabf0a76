// One seccomp listener fd and its libuv poll handle. The C++ object is freed in the uv_close callback,
// never before (the node/uvw rule), and nothing throws across the C callback.
#pragma once

#include <uv.h>

#include <memory>

#include "supervisor/rule_set.h"
#include "supervisor/seccomp_notify.h"
#include "supervisor/target_info.h"
#include "tollgate/unique_fd.h"

namespace tollgate {

class Supervisor;

class Listener {
 public:
  Listener(Supervisor& owner, UniqueFd fd, TargetInfo target, std::shared_ptr<const RuleSet> rules);
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  // Error: libuv's error code.
  int start(uv_loop_t* loop);
  // Idempotent. The owner is told (and drops this object) from the close callback.
  void close();

  int fd() const { return fd_.get(); }
  const TargetInfo& target() const { return target_; }
  const RuleSet& rules() const { return *rules_; }
  NotificationBuffers& buffers() { return buffers_; }

 private:
  static void on_poll(uv_poll_t* handle, int status, int events);
  static void on_closed(uv_handle_t* handle);

  Supervisor& owner_;
  UniqueFd fd_;
  TargetInfo target_;
  std::shared_ptr<const RuleSet> rules_;
  NotificationBuffers buffers_;
  uv_poll_t poll_{};
  bool started_ = false;
  bool closing_ = false;
};

}  // namespace tollgate
