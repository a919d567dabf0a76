// Starts a program under a seccomp filter and takes its listener, without the program's own filter ever
// applying to the agent's work (see launcher.cc for how).
#pragma once

#include <linux/filter.h>
#include <signal.h>
#include <sys/types.h>

#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/id_mapping.h"
#include "tollgate/unique_fd.h"

namespace tollgate {

struct LaunchRequest {
  std::string executable;  // absolute path (see find_executable)
  std::vector<std::string> argv;
  std::vector<sock_filter> program;
  bool set_no_new_privs = false;  // required when the caller lacks CAP_SYS_ADMIN
  // The signal mask the program starts with; default: the caller's mask at launch time.
  std::optional<sigset_t> signal_mask;
  // New user and mount namespaces, the caller's uid/gid mapped to root inside (like `unshare -Urm`), and
  // its subordinate ids after them when it has some (id_mapping.h). The maps are written from outside
  // before the child installs the filter.
  bool rootless = false;
  IdMapPlan id_maps;  // with rootless
  bool new_pid_namespace = false;  // with rootless: the program is pid 1 of a new pid namespace
  bool new_net_namespace = false;  // with rootless: a new network namespace (loopback only)
};

struct LaunchState;  // shared with the child until it has exec'd; lives until the target is reaped

class LaunchedTarget {
 public:
  LaunchedTarget(pid_t pid, UniqueFd pidfd, UniqueFd listener, std::unique_ptr<LaunchState> state);
  LaunchedTarget(LaunchedTarget&&) noexcept;
  LaunchedTarget& operator=(LaunchedTarget&&) noexcept;
  ~LaunchedTarget();

  pid_t pid() const { return pid_; }
  int pidfd() const { return pidfd_.get(); }
  UniqueFd take_listener() { return std::move(listener_); }
  // After the target has exited: the errno of a failed execve(2), if that is why it exited.
  std::optional<int> exec_error() const;

 private:
  pid_t pid_;
  UniqueFd pidfd_;
  UniqueFd listener_;
  std::unique_ptr<LaunchState> state_;
};

std::expected<LaunchedTarget, std::string> launch_under_filter(const LaunchRequest& request);

// PATH lookup the way execvp(3) does it, done before the child exists. Error: errno (ENOENT, EACCES).
std::expected<std::string, int> find_executable(std::string_view name);

}  // namespace tollgate
