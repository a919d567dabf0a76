// Shared pieces of the integration tests: running real processes, temporary directories, a supervise daemon.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tollgate::testing {

inline const std::string kTollgate = TOLLGATE_BIN;
inline const std::string kProbe = PROBE_BIN;
inline const std::string kStaticProbe = STATIC_PROBE_BIN;
inline const std::string kPolicyDir = TOLLGATE_SOURCE_POLICY_DIR;
inline const std::string kPodmanProfile = "/usr/share/containers/seccomp.json";

// getppid goes to the supervisor, which answers EADDRNOTAVAIL (99): a value nothing else produces.
// Load tests run `tg_probe getppid-loop N 99` under it.
inline constexpr const char* kGetppidPolicy = R"({
  "comment": "test: getppid is decided by the supervisor",
  "defaultAction": "SCMP_ACT_ALLOW",
  "syscalls": [{"names": ["getppid"], "action": "SCMP_ACT_NOTIFY", "comment": "test"}],
  "rules": [{"name": "getppid-99", "syscalls": ["getppid"], "action": "deny", "errno": 99, "log": "none"}]
})";

struct ProcessResult {
  int status = -1;  // exit code, or 128+signal
  std::string out;
  std::string err;
};

// Runs argv to completion, capturing stdout and stderr; kills it (and fails the status) after `timeout`.
ProcessResult run_process(const std::vector<std::string>& argv,
                          std::chrono::milliseconds timeout = std::chrono::seconds(60));

// A process running in the background with its output sent to files.
class BackgroundProcess {
 public:
  BackgroundProcess(const std::vector<std::string>& argv, const std::filesystem::path& out_file,
                    const std::filesystem::path& err_file);
  ~BackgroundProcess();  // SIGKILLs and reaps a process still running
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int sig) const;
  // Exit status as in ProcessResult, or nullopt on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout = std::chrono::seconds(60));

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
};

class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

void write_file(const std::string& path, const std::string& content);
std::string read_file(const std::string& path);
// Lines of a JSON-lines file, parsed.
size_t count_lines(const std::string& path);
size_t count_open_fds(pid_t pid);
// The fd count once it has stopped changing: a baseline that in-flight closes cannot skew.
size_t stable_fd_count(pid_t pid);

// `tollgate supervise` on a socket in a temporary directory, ready (both sockets accepting) when the
// constructor returns; throws std::runtime_error when it exits or does not come up.
// A tollgate policy whose one rule emulates tmpfs mounts onto `target` (the mount handler).
std::string tmpfs_mount_policy(const std::string& target);

class SuperviseDaemon {
 public:
  // Without events, the daemon writes nothing per decision (for load tests). Its control socket is in `dir`
  // too; `extra_args` go to `tollgate supervise` as they are.
  // `binary`: the tollgate to start (a copy, for upgrades).
  explicit SuperviseDaemon(const TempDir& dir, bool with_events = true,
                           const std::vector<std::string>& extra_args = {},
                           const std::string& binary = kTollgate);
  const std::string& socket() const { return socket_; }
  const std::string& control_socket() const { return control_; }
  const std::string& events() const { return events_; }
  pid_t pid() const { return process_->pid(); }
  bool alive() const;
  std::string stderr_text() const;
  // Stops it with SIGTERM; returns its exit status.
  std::optional<int> stop();

 private:
  std::string socket_, control_, events_, err_;
  std::unique_ptr<BackgroundProcess> process_;
};

// Polls `predicate` until it holds or `timeout` passes. The timeout only guards against a condition that
// never comes: it is generous because the suite also runs on loaded machines, under the sanitizers.
bool eventually(const std::function<bool()>& predicate,
                std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace tollgate::testing
