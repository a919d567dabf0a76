// One `tollgate supervise` started by a benchmark: its sockets in the benchmark's scratch directory, stopped
// by its pid (SIGTERM, then SIGKILL) when the benchmark is done with it or fails.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>

#include "bench/bench_process.h"
#include "bench/scratch_dir.h"

namespace tollgate::bench {

// What the daemon's control socket counts (`tollgate ctl --json stats`).
struct DaemonStats {
  uint64_t notifications = 0, errors = 0, unanswered = 0, listeners = 0;
};

struct DaemonMemory {
  long pss_kb = 0, rss_kb = 0;  // /proc/PID/smaps_rollup Pss, /proc/PID/status VmRSS
};

class BenchDaemon {
 public:
  // `loops`: passed as --loops when this tollgate has the option (the multi-loop daemon), else ignored.
  static std::expected<BenchDaemon, std::string> start(const std::string& tollgate, const ScratchDir& dir,
                                                       SpawnOptions options, std::optional<int> loops);
  pid_t pid() const { return process_.pid(); }
  const std::string& socket() const { return socket_; }
  bool alive() { return process_.running(); }
  bool has_loops_option() const { return loops_option_; }
  std::expected<DaemonStats, std::string> stats() const;
  std::expected<DaemonMemory, std::string> memory() const;
  long open_fds() const;
  long nofile_limit() const;  // its soft RLIMIT_NOFILE, -1 if unreadable
  // SIGTERM, then SIGKILL after 10 s; the wait status.
  int stop();

 private:
  BenchDaemon(ChildProcess process, std::string tollgate, std::string socket, std::string control, bool loops)
      : process_(std::move(process)),
        tollgate_(std::move(tollgate)),
        socket_(std::move(socket)),
        control_(std::move(control)),
        loops_option_(loops) {}

  ChildProcess process_;
  std::string tollgate_, socket_, control_;
  bool loops_option_ = false;
};

// Whether `tollgate supervise` takes --loops N (listeners served on several loops).
bool supervise_has_loops_option(const std::string& tollgate);

}  // namespace tollgate::bench
