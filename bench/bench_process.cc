#include "bench/bench_process.h"

#include <errno.h>
#include <fcntl.h>
#include <fmt/core.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace tollgate::bench {
namespace {

// Runs in the forked child: only async-signal-safe calls until execv. Reports a failure's errno on `report`.
[[noreturn]] void exec_child(char* const* argv, const SpawnOptions& o, const cpu_set_t* cpus, int report) {
  int err = 0;
  if (cpus != nullptr && sched_setaffinity(0, sizeof *cpus, cpus) != 0) err = errno;
  if (err == 0 && o.stdout_fd >= 0 && dup2(o.stdout_fd, STDOUT_FILENO) < 0) err = errno;
  if (err == 0 && o.stderr_fd >= 0 && dup2(o.stderr_fd, STDERR_FILENO) < 0) err = errno;
  for (int fd : o.inherited_fds)
    if (err == 0 && fcntl(fd, F_SETFD, 0) != 0) err = errno;
  if (err == 0 && o.nofile) {
    const rlimit limit{*o.nofile, *o.nofile};
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) err = errno;
  }
  if (err == 0) {
    execv(argv[0], argv);
    err = errno;
  }
  (void)!write(report, &err, sizeof err);
  _exit(127);
}

}  // namespace

std::expected<ChildProcess, std::string> ChildProcess::spawn(const std::vector<std::string>& args,
                                                             const SpawnOptions& options) {
  if (args.empty()) return std::unexpected("nothing to run");
  std::vector<std::string> copy = args;
  std::vector<char*> argv;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  for (int cpu : options.cpus) CPU_SET(cpu, &cpus);

  // The exec report pipe closes on a successful execv, so an empty read means the program runs.
  auto report = Pipe::make();
  if (!report) return std::unexpected(report.error());
  const pid_t pid = fork();
  if (pid < 0) return std::unexpected(std::string("fork: ") + strerror(errno));
  if (pid == 0)
    exec_child(argv.data(), options, options.cpus.empty() ? nullptr : &cpus, report->write_end.get());
  report->write_end.reset();
  UniqueFd pidfd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
  ChildProcess child(pid, std::move(pidfd));
  int err = 0;
  ssize_t n;
  do n = read(report->read_end.get(), &err, sizeof err);
  while (n < 0 && errno == EINTR);
  if (n > 0) {
    child.wait(std::chrono::seconds(10));
    return std::unexpected(args[0] + ": " + strerror(err));
  }
  if (!child.pidfd_) return std::unexpected(std::string("pidfd_open: ") + strerror(errno));
  return child;
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), pidfd_(std::move(other.pidfd_)), status_(other.status_) {}

ChildProcess::~ChildProcess() {
  // SIGTERM first: `tollgate run` forwards it to its target, which SIGKILL of tollgate run would orphan.
  if (pid_ > 0 && !status_) stop(SIGTERM, std::chrono::seconds(2));
}

bool ChildProcess::reap(int flags) {
  if (status_) return true;
  int status = 0;
  pid_t r;
  do r = waitpid(pid_, &status, flags);
  while (r < 0 && errno == EINTR);
  if (r == pid_) status_ = status;
  return status_.has_value();
}

bool ChildProcess::running() {
  return !reap(WNOHANG);
}

std::optional<int> ChildProcess::wait(std::chrono::milliseconds timeout) {
  if (status_) return status_;
  pollfd p{pidfd_.get(), POLLIN, 0};
  int r;
  do r = poll(&p, 1, static_cast<int>(timeout.count()));
  while (r < 0 && errno == EINTR);
  reap(r > 0 ? 0 : WNOHANG);
  return status_;
}

int ChildProcess::stop(int signal, std::chrono::milliseconds grace) {
  if (!status_) kill(pid_, signal);
  if (!wait(grace)) {
    kill(pid_, SIGKILL);
    reap(0);
  }
  return *status_;
}

std::expected<Pipe, std::string> Pipe::make() {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return std::unexpected(std::string("pipe2: ") + strerror(errno));
  return Pipe{UniqueFd(p[0]), UniqueFd(p[1])};
}

std::string read_all(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) {
      out.append(buf, static_cast<size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      return out;
    }
  }
}

std::optional<std::string> read_line(int fd, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string line;
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    const int r = poll(&p, 1, static_cast<int>(std::max<long>(left.count(), 0)));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return std::nullopt;
    char c;
    const ssize_t n = read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;
    if (c == '\n') return line;
    line += c;
  }
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("killed by ") + strsignal(WTERMSIG(status));
  return "status " + std::to_string(status);
}

std::string self_dir() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string(".") : exe.parent_path().string();
}

double load_average() {
  std::ifstream in("/proc/loadavg");
  double load = -1;
  in >> load;
  return load;
}

std::expected<uint64_t, std::string> voluntary_switches(pid_t pid) {
  const std::filesystem::path tasks = fmt::format("/proc/{}/task", pid);
  std::error_code error;
  uint64_t total = 0;
  for (const auto& task : std::filesystem::directory_iterator(tasks, error)) {
    std::ifstream status(task.path() / "status");
    std::string line;
    while (std::getline(status, line))
      if (line.starts_with("voluntary_ctxt_switches:")) total += std::stoull(line.substr(line.find(':') + 1));
  }
  if (error) return std::unexpected(fmt::format("cannot list {}: {}", tasks.string(), error.message()));
  return total;
}

std::expected<std::string, std::string> capture_output(const std::vector<std::string>& argv,
                                                       std::chrono::seconds timeout, int stderr_fd) {
  auto out = Pipe::make();
  if (!out) return std::unexpected(out.error());
  auto child = ChildProcess::spawn(argv, {.stdout_fd = out->write_end.get(), .stderr_fd = stderr_fd});
  if (!child) return std::unexpected(child.error());
  out->write_end.reset();
  std::string text = read_all(out->read_end.get());
  auto status = child->wait(timeout);
  if (!status)
    return std::unexpected(argv[0] + ": still running after " + std::to_string(timeout.count()) + " s");
  if (!WIFEXITED(*status) || WEXITSTATUS(*status) != 0)
    return std::unexpected(argv[0] + ": " + describe_status(*status) + ", output: " + text);
  return text;
}

}  // namespace tollgate::bench
