#include "supervisor/keeper/keeper_process.h"

#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/pidfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <optional>

#include "supervisor/keeper/keeper_channel.h"
#include "tollgate/unique_fd.h"

namespace tollgate {
namespace {

using Clock = std::chrono::steady_clock;

// Exit statuses that mean the daemon will not start however often it is tried (cli/exit_codes.h).
bool is_start_up_error(int status) {
  return status == 2 || status == 125;
}

class Keeper {
 public:
  explicit Keeper(std::vector<std::string> argv) : argv_(std::move(argv)) {}

  int run();
  // The socket files of sockets a restarted daemon served (it adopted them, so it leaves them in place).
  void remove_socket_files();
  void keep_socket(const std::string& name, UniqueFd fd) { sockets_[name] = KeptSocket{std::move(fd), ""}; }

 private:
  struct KeptListener {
    UniqueFd fd;
    nlohmann::json record;
  };
  struct KeptSocket {
    UniqueFd fd;
    std::string path;
  };

  bool start_daemon();
  void on_channel();
  void take(KeeperMessage message);
  // The daemon ended; returns the keeper's exit status when the keeper ends too.
  std::optional<int> on_daemon_exit();
  void watch(int fd, uint32_t events, uint64_t tag);

  static constexpr uint64_t kChannelTag = 1ull << 62, kDaemonTag = (1ull << 62) + 1,
                            kSignalTag = (1ull << 62) + 2;

  std::vector<std::string> argv_;
  UniqueFd epoll_;
  UniqueFd signals_;
  UniqueFd channel_;  // our end
  UniqueFd daemon_;   // pidfd
  pid_t daemon_pid_ = 0;
  uint64_t generation_ = 0;
  bool serving_ = false;     // the current daemon said ready
  bool ever_ready_ = false;  // some daemon did
  bool stopping_ = false;
  std::chrono::milliseconds backoff_{0};
  Clock::time_point started_at_;
  std::map<uint64_t, KeptListener> listeners_;
  std::map<std::string, KeptSocket> sockets_;
  std::map<uint64_t, UniqueFd> rings_;
};

void Keeper::watch(int fd, uint32_t events, uint64_t tag) {
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = tag;
  if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) != 0)
    spdlog::error("keeper: watching fd {}: {}", fd, std::strerror(errno));
}

bool Keeper::start_daemon() {
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) {
    spdlog::error("keeper: socketpair: {}", std::strerror(errno));
    return false;
  }
  channel_.reset(pair[0]);
  UniqueFd theirs(pair[1]);
  ++generation_;
  KeeperManifest manifest;
  manifest.generation = generation_;
  for (const auto& [name, s] : sockets_) manifest.sockets.push_back({name, s.path, s.fd.get()});
  for (const auto& [key, l] : listeners_) manifest.listeners.push_back({key, l.fd.get(), l.record});
  for (const auto& [id, fd] : rings_) manifest.rings.push_back({id, fd.get()});
  const std::string text =
      manifest_json(manifest).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  UniqueFd manifest_fd(memfd_create("tollgate-keeper-manifest", MFD_CLOEXEC));
  if (!manifest_fd ||
      write(manifest_fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()) ||
      lseek(manifest_fd.get(), 0, SEEK_SET) != 0) {
    spdlog::error("keeper: writing the manifest: {}", std::strerror(errno));
    return false;
  }
  std::vector<int> inherited{theirs.get(), manifest_fd.get()};
  for (const auto& s : manifest.sockets) inherited.push_back(s.fd);
  for (const auto& l : manifest.listeners) inherited.push_back(l.fd);
  for (const auto& r : manifest.rings) inherited.push_back(r.fd);
  // Everything the child needs is built before it exists: after clone it may only make plain syscalls.
  std::vector<std::string> env_strings{
      std::string(kKeeperChannelEnv) + "=" + std::to_string(theirs.get()),
      std::string(kKeeperManifestEnv) + "=" + std::to_string(manifest_fd.get())};
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view entry(*e);
    // Sockets a service manager passed are the keeper's; the daemon gets them in the manifest.
    if (entry.starts_with("LISTEN_") || entry.starts_with("TOLLGATE_KEEPER_")) continue;
    env_strings.emplace_back(entry);
  }
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<char*> args;
  for (auto& a : argv_) args.push_back(a.data());
  args.push_back(nullptr);

  int pidfd = -1;
  // CLONE_PIDFD: a pid that cannot be reused under us.
  struct clone_args ca {};
  ca.flags = CLONE_PIDFD;
  ca.pidfd = reinterpret_cast<uint64_t>(&pidfd);
  ca.exit_signal = SIGCHLD;
  const long pid = syscall(SYS_clone3, &ca, sizeof ca);
  if (pid < 0) {
    spdlog::error("keeper: starting the daemon: {}", std::strerror(errno));
    return false;
  }
  if (pid == 0) {
    // The child: only async-signal-safe calls until exec.
    for (int fd : inherited) fcntl(fd, F_SETFD, 0);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    execve("/proc/self/exe", args.data(), envp.data());
    _exit(127);
  }
  daemon_.reset(pidfd);
  daemon_pid_ = static_cast<pid_t>(pid);
  serving_ = false;
  started_at_ = Clock::now();
  watch(channel_.get(), EPOLLIN, kChannelTag);
  watch(daemon_.get(), EPOLLIN, kDaemonTag);
  if (generation_ > 1)
    spdlog::warn("keeper: daemon {} started (pid {}), handed {} listener(s) and {} in-flight record(s)",
                 generation_, daemon_pid_, listeners_.size(), rings_.size());
  return true;
}

void Keeper::take(KeeperMessage m) {
  const nlohmann::json& b = m.body;
  auto text = [&](const char* key) {
    auto it = b.find(key);
    return it != b.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  auto number = [&](const char* key) {
    auto it = b.find(key);
    return it != b.end() && it->is_number_unsigned() ? it->get<uint64_t>() : uint64_t{0};
  };
  if (const std::string what = text("keep"); !what.empty() && m.fd) {
    if (what == "listener" && number("key") != 0) {
      const uint64_t key = number("key");
      // Only hang-ups are wanted: the daemon, not the keeper, receives the calls.
      watch(m.fd.get(), 0, key);
      listeners_[key] = KeptListener{std::move(m.fd), b.value("record", nlohmann::json::object())};
    } else if (what == "socket") {
      sockets_[text("name")] = KeptSocket{std::move(m.fd), text("path")};
    } else if (what == "ring") {
      rings_[number("ring")] = std::move(m.fd);
    }
    return;
  }
  if (b.contains("forget")) {
    listeners_.erase(number("forget"));  // closing the fd drops it from epoll
  } else if (text("drop") == "ring") {
    rings_.erase(number("ring"));
  } else if (b.value("ready", false)) {
    serving_ = true;
    ever_ready_ = true;
  }
}

void Keeper::on_channel() {
  while (channel_) {
    auto m = receive_keeper_message(channel_.get());
    if (m) {
      take(std::move(*m));
      continue;
    }
    if (m.error() == EAGAIN) return;
    if (m.error() == EBADMSG || m.error() == EMSGSIZE) {
      spdlog::error("keeper: a message from the daemon it cannot read ({})", std::strerror(m.error()));
      continue;
    }
    channel_.reset();  // the daemon is gone (or going): its pidfd says how
  }
}

std::optional<int> Keeper::on_daemon_exit() {
  siginfo_t info{};
  if (waitid(P_PIDFD, static_cast<id_t>(daemon_.get()), &info, WEXITED) != 0) info.si_code = 0;
  // Whatever it sent before it died is still in the channel.
  on_channel();
  channel_.reset();
  daemon_.reset();
  const bool killed = info.si_code == CLD_KILLED || info.si_code == CLD_DUMPED;
  const int status = killed ? 128 + info.si_status : info.si_status;
  if (stopping_) return killed ? 0 : status;
  if (!killed && (status == 0 || (is_start_up_error(status) && !ever_ready_))) return status;
  // A crash: restart, at once the first time, then backing off while it keeps happening.
  const bool was_stable = serving_ && Clock::now() - started_at_ > std::chrono::seconds(10);
  if (was_stable)
    backoff_ = std::chrono::milliseconds(0);
  else
    backoff_ = backoff_.count() == 0 ? std::chrono::milliseconds(50) : std::min(backoff_ * 2, kMaxBackoff);
  if (killed)
    spdlog::error("keeper: daemon {} (pid {}) killed by signal {} ({}); starting another in {} ms",
                  generation_, daemon_pid_, info.si_status, strsignal(info.si_status), backoff_.count());
  else
    spdlog::error("keeper: daemon {} (pid {}) exited with status {}; starting another in {} ms", generation_,
                  daemon_pid_, status, backoff_.count());
  return std::nullopt;
}

int Keeper::run() {
  epoll_.reset(epoll_create1(EPOLL_CLOEXEC));
  sigset_t handled;
  sigemptyset(&handled);
  for (int sig : {SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGCHLD}) sigaddset(&handled, sig);
  sigprocmask(SIG_BLOCK, &handled, nullptr);
  signal(SIGPIPE, SIG_IGN);
  signals_.reset(signalfd(-1, &handled, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!epoll_ || !signals_) {
    spdlog::error("keeper: {}", std::strerror(errno));
    return 125;
  }
  watch(signals_.get(), EPOLLIN, kSignalTag);
  if (!start_daemon()) return 125;
  bool restart_due = false;
  Clock::time_point restart_at{};
  while (true) {
    int timeout = -1;
    if (restart_due)
      timeout = static_cast<int>(std::max<int64_t>(
          0, std::chrono::duration_cast<std::chrono::milliseconds>(restart_at - Clock::now()).count()));
    epoll_event events[64];
    const int n = epoll_wait(epoll_.get(), events, 64, timeout);
    if (n < 0 && errno != EINTR) {
      spdlog::error("keeper: epoll_wait: {}", std::strerror(errno));
      return 125;
    }
    for (int i = 0; i < n; ++i) {
      const uint64_t tag = events[i].data.u64;
      if (tag == kChannelTag) {
        on_channel();
      } else if (tag == kSignalTag) {
        signalfd_siginfo si{};
        while (read(signals_.get(), &si, sizeof si) == sizeof si) {
          if (si.ssi_signo == SIGCHLD) continue;  // the pidfd tells
          if (si.ssi_signo != SIGHUP) stopping_ = true;
          if (daemon_)
            syscall(SYS_pidfd_send_signal, daemon_.get(), si.ssi_signo, nullptr, 0);
          else if (stopping_)
            return 0;
        }
      } else if (tag == kDaemonTag) {
        if (!daemon_) continue;
        if (auto done = on_daemon_exit()) return *done;
        restart_due = true;
        restart_at = Clock::now() + backoff_;
      } else if ((events[i].events & (EPOLLHUP | EPOLLERR)) != 0) {
        listeners_.erase(tag);  // no process uses that filter any more
      }
    }
    if (restart_due && Clock::now() >= restart_at) {
      restart_due = false;
      if (!start_daemon()) {
        restart_due = true;
        restart_at = Clock::now() + kMaxBackoff;
      }
    }
  }
}

}  // namespace

void Keeper::remove_socket_files() {
  if (generation_ < 2) return;  // the first daemon bound them and removed them as it stopped
  for (const auto& [name, s] : sockets_) {
    struct stat st {};
    if (!s.path.empty() && lstat(s.path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) unlink(s.path.c_str());
  }
}

int run_keeper(const std::vector<std::string>& daemon_argv,
               std::map<std::string, UniqueFd, std::less<>> sockets) {
  Keeper keeper(daemon_argv);
  for (auto& [name, fd] : sockets) keeper.keep_socket(name, std::move(fd));
  const int status = keeper.run();
  keeper.remove_socket_files();
  return status;
}

}  // namespace tollgate
