#include "bench/bench_daemon.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

namespace tollgate::bench {
namespace {

// The number after `key` on the first line of `path` that starts with it.
long field_kb(const std::string& path, const std::string& key) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line))
    if (line.starts_with(key)) return std::strtol(line.c_str() + key.size(), nullptr, 10);
  return -1;
}

}  // namespace

bool supervise_has_loops_option(const std::string& tollgate) {
  auto help = capture_output({tollgate, "supervise", "--help"});
  return help && help->find("--loops") != std::string::npos;
}

std::expected<BenchDaemon, std::string> BenchDaemon::start(const std::string& tollgate, const ScratchDir& dir,
                                                           SpawnOptions options, std::optional<int> loops) {
  const std::string socket = dir.file("tollgate.sock"), control = dir.file("control.sock");
  std::error_code ec;
  std::filesystem::remove(socket, ec);
  std::filesystem::remove(control, ec);
  std::vector<std::string> argv = {tollgate,           "supervise", "--socket", socket,
                                   "--control-socket", control,     "-q"};
  const bool has_loops = supervise_has_loops_option(tollgate);
  if (has_loops && loops) {
    argv.push_back("--loops");
    argv.push_back(std::to_string(*loops));
  }
  // Its stderr goes to a file (read it when it fails), not into the benchmark's tables.
  UniqueFd err(open(dir.file("daemon.err").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (options.stderr_fd < 0) options.stderr_fd = err.get();
  auto process = ChildProcess::spawn(argv, options);
  if (!process) return std::unexpected(process.error());
  // Ready once both sockets exist (it creates the control socket after the handover socket).
  for (int i = 0; i < 1000; ++i) {
    if (!process->running())
      return std::unexpected("tollgate supervise exited at start (its stderr: " + dir.file("daemon.err") +
                             ")");
    if (std::filesystem::exists(socket) && std::filesystem::exists(control))
      return BenchDaemon(std::move(*process), tollgate, socket, control, has_loops);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return std::unexpected("tollgate supervise made no socket within 10 s");
}

std::expected<DaemonStats, std::string> BenchDaemon::stats() const {
  auto out = capture_output({tollgate_, "ctl", "--socket", control_, "--json", "stats"});
  if (!out) return std::unexpected(out.error());
  auto doc = nlohmann::json::parse(*out, nullptr, false);
  if (doc.is_discarded() || !doc.contains("stats")) return std::unexpected("ctl stats answered: " + *out);
  const auto& s = doc["stats"];
  return DaemonStats{s.value("notifications", uint64_t{0}), s.value("errors", uint64_t{0}),
                     s.value("unanswered", uint64_t{0}), s.value("listeners", uint64_t{0})};
}

std::expected<DaemonMemory, std::string> BenchDaemon::memory() const {
  const std::string proc = "/proc/" + std::to_string(pid());
  DaemonMemory m{field_kb(proc + "/smaps_rollup", "Pss:"), field_kb(proc + "/status", "VmRSS:")};
  if (m.pss_kb < 0 || m.rss_kb < 0) return std::unexpected("cannot read " + proc + " memory");
  return m;
}

long BenchDaemon::open_fds() const {
  std::error_code ec;
  long n = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/" + std::to_string(pid()) + "/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
    ++n;
  return ec ? -1 : n;
}

long BenchDaemon::nofile_limit() const {
  std::ifstream in("/proc/" + std::to_string(pid()) + "/limits");
  std::string line;
  while (std::getline(in, line))
    if (line.starts_with("Max open files")) return std::strtol(line.c_str() + 14, nullptr, 10);
  return -1;
}

int BenchDaemon::stop() {
  return process_.stop(SIGTERM, std::chrono::seconds(10));
}

}  // namespace tollgate::bench
