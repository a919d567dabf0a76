// Facts about one notified call, gathered lazily: target memory and /proc are read at most once, only when
// a rule or an event needs them, and the context remembers that it touched the target so that the
// supervisor re-checks NOTIF_ID_VALID before acting on what it read.
#pragma once

#include <linux/seccomp.h>

#include <array>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "supervisor/caller/process_info.h"

namespace tollgate {

class CallContext {
 public:
  CallContext(const seccomp_notif& notification, std::string_view syscall_name)
      : notification_(notification), syscall_name_(syscall_name) {}
  // A context over another copy of the same notification that keeps what `facts` has read already.
  CallContext(const seccomp_notif& notification, const CallContext& facts)
      : notification_(notification),
        syscall_name_(facts.syscall_name_),
        strings_(facts.strings_),
        process_(facts.process_),
        touched_target_(facts.touched_target_),
        read_memory_(facts.read_memory_) {}
  CallContext(const CallContext&) = delete;
  CallContext& operator=(const CallContext&) = delete;

  const seccomp_notif& notification() const { return notification_; }
  std::string_view syscall_name() const { return syscall_name_; }
  pid_t pid() const { return static_cast<pid_t>(notification_.pid); }
  uint64_t arg(unsigned i) const { return notification_.data.args[i]; }

  // The NUL-terminated string argument i points to, copied into supervisor memory; error: errno.
  const std::expected<std::string, int>& string_arg(unsigned i);
  // Error: errno (ESRCH when the caller is gone).
  const std::expected<ProcessInfo, int>& process();
  // Reads what an event line shows: the string arguments of known signatures and the caller.
  void prefetch_for_event();

  bool touched_target() const { return touched_target_; }
  bool read_memory() const { return read_memory_; }
  // Only what has been read already; nullptr otherwise. For formatting after the answer was sent.
  const std::string* cached_string(unsigned i) const;
  const ProcessInfo* cached_process() const;

 private:
  const seccomp_notif& notification_;
  std::string_view syscall_name_;
  std::array<std::optional<std::expected<std::string, int>>, 6> strings_;
  std::optional<std::expected<ProcessInfo, int>> process_;
  bool touched_target_ = false;
  bool read_memory_ = false;
};

}  // namespace tollgate
