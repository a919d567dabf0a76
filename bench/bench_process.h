// The processes a benchmark starts: each is owned by a ChildProcess, which kills and reaps it if the
// benchmark gives up on it, so that a failed or interrupted run leaves no process behind.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "tollgate/unique_fd.h"

namespace tollgate::bench {

struct SpawnOptions {
  std::vector<int> cpus;           // the CPUs the child (and whatever it starts) may run on; empty: ours
  int stdout_fd = -1;              // -1: ours
  int stderr_fd = -1;              // -1: ours
  std::vector<int> inherited_fds;  // fds the program keeps across execve (close-on-exec cleared in the child)
  std::optional<rlim_t> nofile;    // the child's RLIMIT_NOFILE, soft and hard (so it cannot raise it)
};

class ChildProcess {
 public:
  // Forks and execs argv[0] (a path). Fails when the program cannot be executed.
  static std::expected<ChildProcess, std::string> spawn(const std::vector<std::string>& argv,
                                                        const SpawnOptions& options = {});
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&&) = delete;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();  // stops (SIGTERM, then SIGKILL) and reaps it, unless already reaped

  pid_t pid() const { return pid_; }
  // Still running (not yet exited). Reaps it if it has exited.
  bool running();
  // Its wait status once it exits within `timeout`; nullopt if it is still running then.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  // Sends `signal`, then waits up to `grace` before SIGKILL; returns the wait status.
  int stop(int signal, std::chrono::milliseconds grace);

 private:
  ChildProcess(pid_t pid, UniqueFd pidfd) : pid_(pid), pidfd_(std::move(pidfd)) {}
  bool reap(int flags);

  pid_t pid_ = -1;
  UniqueFd pidfd_;  // readable once the child exits: waits with a timeout without SIGCHLD handlers
  std::optional<int> status_;
};

// A pipe whose ends are both close-on-exec (hand one to a child through SpawnOptions::inherited_fds).
struct Pipe {
  UniqueFd read_end, write_end;
  static std::expected<Pipe, std::string> make();
};

// Everything until EOF.
std::string read_all(int fd);
// One line (without its newline) from a pipe, read byte by byte so nothing after it is consumed; nullopt at
// EOF or when `timeout` passes first.
std::optional<std::string> read_line(int fd, std::chrono::milliseconds timeout);
// "exit status 3", "killed by Killed".
std::string describe_status(int status);
// The directory of the running program: the other bench programs live beside it.
std::string self_dir();
// The 1-minute load average: on a machine this small a compiler next door shows up in every mean.
double load_average();
// How often the threads of process `pid` have blocked so far: the sum of voluntary_ctxt_switches over
// /proc/PID/task/*/status. For a serving daemon, each is a loop that found nothing to do and slept, so the
// calls it answered over the difference of two readings is how many calls one wake-up served.
std::expected<uint64_t, std::string> voluntary_switches(pid_t pid);
// The standard output of a command (argv[0] a path) that must exit 0 within `timeout`, or an error naming it.
// Its stderr goes to `stderr_fd` (-1: ours).
std::expected<std::string, std::string> capture_output(
    const std::vector<std::string>& argv, std::chrono::seconds timeout = std::chrono::seconds(60),
    int stderr_fd = -1);

}  // namespace tollgate::bench
