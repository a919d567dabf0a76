#include "tests/integration/harness.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace tollgate::testing {
namespace {

std::vector<char*> c_argv(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  for (const auto& a : argv) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
  auto args = c_argv(argv);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    execv(args[0], args.data());
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  ProcessResult result;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  auto deadline = std::chrono::steady_clock::now() + timeout;
  bool timed_out = false;
  int open_pipes = 2;
  while (open_pipes > 0) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      kill(pid, SIGKILL);
      break;
    }
    if (poll(fds, 2, static_cast<int>(left.count())) <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP)) == 0) continue;
      char buf[4096];
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_pipes;
      } else {
        (i == 0 ? result.out : result.err).append(buf, static_cast<size_t>(n));
      }
    }
  }
  for (auto& f : fds)
    if (f.fd >= 0) close(f.fd);
  int status = 0;
  waitpid(pid, &status, 0);
  result.status = timed_out ? -1 : decode_status(status);
  return result;
}

BackgroundProcess::BackgroundProcess(const std::vector<std::string>& argv,
                                     const std::filesystem::path& out_file,
                                     const std::filesystem::path& err_file) {
  auto args = c_argv(argv);
  pid_ = fork();
  if (pid_ == 0) {
    int out = open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    dup2(out, 1);
    dup2(err, 2);
    execv(args[0], args.data());
    _exit(127);
  }
  if (pid_ < 0) throw std::runtime_error("fork");
}

BackgroundProcess::~BackgroundProcess() {
  if (reaped_) return;
  // SIGTERM first: `tollgate run` forwards it to its target, whereas a SIGKILL would leave the target
  // running without it. Then SIGKILL whatever is still there.
  kill(pid_, SIGTERM);
  if (!wait(std::chrono::seconds(2))) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

void BackgroundProcess::signal(int sig) const {
  if (!reaped_) kill(pid_, sig);
}

std::optional<int> BackgroundProcess::wait(std::chrono::milliseconds timeout) {
  if (reaped_) return std::nullopt;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      reaped_ = true;
      return decode_status(status);
    }
    if (std::chrono::steady_clock::now() > deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

TempDir::TempDir() {
  char templ[] = "/tmp/tollgate-test-XXXXXX";
  if (mkdtemp(templ) == nullptr) throw std::runtime_error("mkdtemp");
  path_ = templ;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::trunc);
  out << content;
  if (!out) throw std::runtime_error("cannot write " + path);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

size_t count_lines(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  size_t n = 0;
  while (std::getline(in, line))
    if (!line.empty()) ++n;
  return n;
}

size_t count_open_fds(pid_t pid) {
  std::string dir = "/proc/" + std::to_string(pid) + "/fd";
  size_t n = 0;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(dir, ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
    ++n;
  return n;
}

size_t stable_fd_count(pid_t pid) {
  size_t last = count_open_fds(pid);
  for (int i = 0; i < 50; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    size_t now = count_open_fds(pid);
    if (now == last) return now;
    last = now;
  }
  return last;
}

namespace {

// How long a daemon may take to come up before the test fails.
constexpr std::chrono::seconds kStartupTimeout{60};

// Whether something accepts connections on the Unix socket at `path`.
bool accepts_connections(const std::string& path, bool finish_handover) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  int s = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) return false;
  bool ok = connect(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  if (ok && finish_handover) {
    // Finish the exchange (the daemon refuses an empty handover and hangs up) so that the probe leaves
    // nothing open in the daemon.
    shutdown(s, SHUT_WR);
    char buf[256];
    while (read(s, buf, sizeof buf) > 0) {
    }
  }
  close(s);
  return ok;
}

}  // namespace

bool eventually(const std::function<bool()>& predicate, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return predicate();
}

std::string tmpfs_mount_policy(const std::string& target) {
  return R"({"defaultAction": "SCMP_ACT_ALLOW",
             "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_NOTIFY"}],
             "rules": [{"name": "mount-tmpfs", "syscalls": ["mount"], "action": "emulate", "handler": "mount",
                        "options": {"fstypes": {"tmpfs": []}, "targets": [")" +
         target + R"("]}}]})";
}

SuperviseDaemon::SuperviseDaemon(const TempDir& dir, bool with_events,
                                 const std::vector<std::string>& extra_args, const std::string& binary)
    : socket_(dir.file("supervise.sock")),
      control_(dir.file("control.sock")),
      events_(dir.file("events.jsonl")),
      err_(dir.file("supervise.err")) {
  std::vector<std::string> argv = {binary,             "supervise", "--socket", socket_,
                                   "--control-socket", control_,    "-q"};
  if (with_events) {
    argv.push_back("--events");
    argv.push_back(events_);
  }
  // Reports of audited and learned containers stay in the test's directory, not the host's default.
  if (std::find(extra_args.begin(), extra_args.end(), "--report-dir") == extra_args.end()) {
    argv.push_back("--report-dir");
    argv.push_back(dir.file("reports"));
  }
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  process_ = std::make_unique<BackgroundProcess>(argv, dir.file("supervise.out"), err_);
  // Ready once both sockets accept connections (the control socket is bound after the handover socket).
  // The bound only guards against a daemon that never comes up: a loaded machine (sanitizers, other test
  // processes) can take seconds to start it. A daemon that exited is not waited for.
  bool exited = false;
  bool ready = eventually(
      [&] {
        exited = !alive();
        return exited || (accepts_connections(socket_, /*finish_handover=*/true) &&
                          accepts_connections(control_, /*finish_handover=*/false));
      },
      kStartupTimeout);
  if (exited || !ready)
    throw std::runtime_error(std::string("tollgate supervise ") + (exited ? "exited" : "did not start") +
                             ": " + read_file(err_));
}

bool SuperviseDaemon::alive() const {
  return kill(process_->pid(), 0) == 0 && !process_->wait(std::chrono::milliseconds(0));
}

std::string SuperviseDaemon::stderr_text() const {
  return read_file(err_);
}

std::optional<int> SuperviseDaemon::stop() {
  process_->signal(SIGTERM);
  return process_->wait(std::chrono::seconds(10));
}

}  // namespace tollgate::testing
