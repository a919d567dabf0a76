// Targets and probes for the keeper's tests (keeper_test.cc, keeper_soak_test.cc): forked children that
// hand their own listener to the daemon and call in a loop until told to stop, each checking every answer
// and reporting how long its slowest call waited; and what the control socket says about the daemon
// serving now.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/integration/harness.h"

namespace tollgate::testing {

// Exit statuses of a looping target.
inline constexpr int kAllAnswered = 0, kWrongAnswer = 1, kNoListener = 2, kRefused = 3, kEnosys = 4,
                     kMountedTwice = 5;

// What one target saw, written by the target into memory shared with the test.
struct TargetReport {
  std::atomic<uint64_t> calls{0};
  std::atomic<uint64_t> eperm{0};  // emulated calls failed closed (an emulation under way at a kill)
  // ... of which the mount had been done: the kill came after the handler's mount(2) and before it could
  // record its answer (inside the syscall, typically). Done once, answered EPERM: the price of never
  // doing it twice.
  std::atomic<uint64_t> eperm_but_done{0};
  std::atomic<int64_t> max_wait_ns{0};  // the slowest call, entry to return
};

// Reports for `count` targets in a shared anonymous mapping, which forked targets inherit.
class SharedReports {
 public:
  explicit SharedReports(size_t count);
  ~SharedReports();
  SharedReports(const SharedReports&) = delete;
  SharedReports& operator=(const SharedReports&) = delete;
  TargetReport& operator[](size_t i) { return reports_[i]; }

 private:
  TargetReport* reports_;
  size_t bytes_;
};

// A forked child that hands its own listener to the daemon at `socket` and calls getpriority until `stop`
// reads end of file; each call must get the rule's errno (kNumberedErrno). The parent keeps the write end
// of `stop` (`parents_end`, which the child closes). `report` may be null.
// `name`: the command line its envelope names (a long one makes a large admission record).
pid_t start_looping_target(const std::string& socket, int stop, int parents_end,
                           TargetReport* report = nullptr, const std::string& name = "looping");

// The same with mount(2) of a tmpfs onto `directory`, emulated by the daemon (tmpfs_mount_policy), in a
// mount namespace of the child's own. Each call must either mount exactly once (then the child unmounts it)
// or fail with EPERM, having mounted once at most (counted in eperm_but_done); mounting twice ends the child
// with kMountedTwice.
pid_t start_mounting_target(const std::string& socket, const std::string& directory, int stop,
                            int parents_end, TargetReport* report);

// Waits for each target (after the parent closed its end of `stop`) and counts how they ended, by exit
// status (128+N for a signal); a target that never ends (a call lost) is killed and counted under -1.
std::map<int, int> reap_targets(const std::vector<pid_t>& targets);

// The control socket's "stats" or "pending", or null / [] while no daemon serves it.
nlohmann::json stats(const std::string& control_socket);
nlohmann::json pending(const std::string& control_socket);
// Waits until a daemon other than `old` serves the control socket and has answered calls; its pid (0 if
// none comes).
pid_t wait_for_serving_daemon(const std::string& control_socket, pid_t old);
// The same on a SuperviseDaemon's control socket.
nlohmann::json stats(const SuperviseDaemon& daemon);
nlohmann::json pending(const SuperviseDaemon& daemon);
pid_t wait_for_serving_daemon(const SuperviseDaemon& daemon, pid_t old);
// The pid of the daemon serving now, or 0.
pid_t daemon_pid(const SuperviseDaemon& daemon);

// Puts a fresh copy of the tollgate binary at `path` (a new file, as a rebuild or a package upgrade leaves).
void install_binary(const std::string& path);

// settimeofday(NULL, NULL) changes nothing when it runs: "allow" is harmless and shows as ret=0.
inline constexpr const char* kAskPolicy = R"({
  "defaultAction": "SCMP_ACT_ALLOW",
  "syscalls": [{"names": ["settimeofday"], "action": "SCMP_ACT_NOTIFY"}],
  "rules": [{"name": "ask-time", "syscalls": ["settimeofday"], "action": "ask", "timeout": 600,
             "default": "deny"}]
})";

}  // namespace tollgate::testing
