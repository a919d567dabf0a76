#include "tests/integration/keeper_targets.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <new>
#include <stdexcept>

#include "tests/integration/control_test_client.h"
#include "tests/integration/raw_handover_client.h"

namespace tollgate::testing {
namespace {

int64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
}

void note_wait(TargetReport* report, int64_t started) {
  if (report == nullptr) return;
  const int64_t waited = now_ns() - started;
  report->calls.fetch_add(1, std::memory_order_relaxed);
  if (waited > report->max_wait_ns.load(std::memory_order_relaxed))
    report->max_wait_ns.store(waited, std::memory_order_relaxed);
}

bool told_to_stop(int stop) {
  pollfd p{stop, POLLIN, 0};
  return poll(&p, 1, 0) == 1;  // the parent closed its end
}

// Hands this child's `listener` over with `envelope`, and closes it: the daemon's (and its keeper's) copies
// are the only ones left. Ends the child when it is refused.
void hand_over_or_exit(const std::string& socket, int listener, const std::string& envelope) {
  const std::string answer = hand_over(socket, {Chunk{envelope, {listener}}});
  close(listener);
  if (answer.find("\"ok\":true") == std::string::npos) _exit(kRefused);
}

// How many mounts this process's mount namespace has at `directory`.
int mounts_at(const std::string& directory) {
  const std::string table = read_file("/proc/self/mountinfo");
  const std::string field = " " + directory + " ";
  int n = 0;
  for (size_t at = table.find(field); at != std::string::npos; at = table.find(field, at + 1)) ++n;
  return n;
}

}  // namespace

SharedReports::SharedReports(size_t count) : bytes_(sizeof(TargetReport) * count) {
  void* memory = mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) throw std::runtime_error("mmap of the targets' reports failed");
  reports_ = static_cast<TargetReport*>(memory);
  for (size_t i = 0; i < count; ++i) new (&reports_[i]) TargetReport();
}

SharedReports::~SharedReports() {
  munmap(reports_, bytes_);
}

pid_t start_looping_target(const std::string& socket, int stop, int parents_end, TargetReport* report,
                           const std::string& name) {
  const pid_t pid = fork();
  if (pid != 0) return pid;
  close(parents_end);  // or this child would never see the end of file
  const int listener = install_notify_listener(__NR_getpriority);
  if (listener < 0) _exit(kNoListener);
  hand_over_or_exit(socket, listener, numbered_envelope(getpid(), name));
  for (long i = 0;; ++i) {
    errno = 0;
    const int64_t started = now_ns();
    const long r = syscall(SYS_getpriority, PRIO_PROCESS, static_cast<int>(i));
    note_wait(report, started);
    if (r == -1 && errno == ENOSYS) _exit(kEnosys);
    if (r != -1 || errno != kNumberedErrno) _exit(kWrongAnswer);
    if (i % 64 == 0 && told_to_stop(stop)) _exit(kAllAnswered);
  }
}

pid_t start_mounting_target(const std::string& socket, const std::string& directory, int stop,
                            int parents_end, TargetReport* report) {
  const pid_t pid = fork();
  if (pid != 0) return pid;
  close(parents_end);
  // Its own mount namespace, so that whatever is mounted goes with it.
  if (unshare(CLONE_NEWNS) != 0 || mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
    _exit(kNoListener);
  const int listener = install_notify_listener(__NR_mount);
  if (listener < 0) _exit(kNoListener);
  hand_over_or_exit(socket, listener, policy_envelope(getpid(), "mounting", tmpfs_mount_policy(directory)));
  while (!told_to_stop(stop)) {
    errno = 0;
    const int64_t started = now_ns();
    const int r = mount("none", directory.c_str(), "tmpfs", 0, nullptr);
    note_wait(report, started);
    if (r == -1 && errno == ENOSYS) _exit(kEnosys);
    const int mounted = mounts_at(directory);
    if (r == 0) {
      if (mounted != 1) _exit(mounted > 1 ? kMountedTwice : kWrongAnswer);
      // umount2 is not notified: the child undoes its own mount.
      if (umount2(directory.c_str(), 0) != 0) _exit(kWrongAnswer);
    } else if (errno == EPERM) {
      // Failed closed: an emulation that may have begun when a daemon was killed is never done again.
      if (mounted > 1) _exit(kMountedTwice);
      if (mounted == 1 && umount2(directory.c_str(), 0) != 0) _exit(kWrongAnswer);
      if (report != nullptr) {
        report->eperm.fetch_add(1, std::memory_order_relaxed);
        if (mounted == 1) report->eperm_but_done.fetch_add(1, std::memory_order_relaxed);
      }
    } else {
      _exit(kWrongAnswer);
    }
  }
  _exit(kAllAnswered);
}

std::map<int, int> reap_targets(const std::vector<pid_t>& targets) {
  std::map<int, int> endings;
  for (pid_t pid : targets) {
    int status = 0;
    // A call lost with a dead daemon would leave its target waiting for ever: bounded, and then killed.
    if (!eventually([&] { return waitpid(pid, &status, WNOHANG) == pid; })) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      ++endings[-1];
      continue;
    }
    ++endings[WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)];
  }
  return endings;
}

nlohmann::json stats(const std::string& control_socket) {
  ControlTestClient c(control_socket);
  nlohmann::json r = c.request({{"v", 1}, {"cmd", "stats"}});
  return r.is_object() && r.contains("stats") ? r["stats"] : nlohmann::json();
}

nlohmann::json pending(const std::string& control_socket) {
  ControlTestClient c(control_socket);
  nlohmann::json r = c.request({{"v", 1}, {"cmd", "pending"}});
  return r.is_object() && r.contains("pending") ? r["pending"] : nlohmann::json::array();
}

pid_t wait_for_serving_daemon(const std::string& control_socket, pid_t old) {
  pid_t now = 0;
  eventually([&] {
    const nlohmann::json s = stats(control_socket);
    now = s.is_object() ? s.value("pid", 0) : 0;
    return now != 0 && now != old && s.value("notifications", 0) > 0;
  });
  return now != old ? now : 0;
}

void install_binary(const std::string& path) {
  const std::string next = path + ".next";
  if (run_process({"/bin/cp", kTollgate, next}).status != 0 || std::rename(next.c_str(), path.c_str()) != 0)
    throw std::runtime_error("cannot install a copy of tollgate at " + path);
}

nlohmann::json stats(const SuperviseDaemon& daemon) {
  return stats(daemon.control_socket());
}

nlohmann::json pending(const SuperviseDaemon& daemon) {
  return pending(daemon.control_socket());
}

pid_t wait_for_serving_daemon(const SuperviseDaemon& daemon, pid_t old) {
  return wait_for_serving_daemon(daemon.control_socket(), old);
}

pid_t daemon_pid(const SuperviseDaemon& daemon) {
  const nlohmann::json s = stats(daemon);
  return s.is_object() ? s.value("pid", 0) : 0;
}

}  // namespace tollgate::testing
