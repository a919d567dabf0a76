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
#include <climits>
#include <cstring>
#include <map>
#include <optional>

#include "supervisor/keeper/keeper_channel.h"
#include "supervisor/keeper/kept_state_log.h"
#include "supervisor/keeper/service_manager_link.h"
#include "tollgate/unique_fd.h"

namespace tollgate {
namespace {

using Clock = std::chrono::steady_clock;

// Exit statuses that mean the daemon will not start however often it is tried (cli/exit_codes.h).
bool is_start_up_error(int status) {
  return status == 2 || status == 125;
}

// Where this keeper's binary is on disk now: an upgrade starts what is there (after `apt upgrade` replaced
// the file, /proc/self/exe names the old, deleted one).
std::string binary_on_disk() {
  char target[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", target, sizeof target);
  std::string path = n > 0 ? std::string(target, static_cast<size_t>(n)) : std::string();
  if (path.ends_with(" (deleted)")) path.resize(path.size() - 10);
  return path;
}

// One daemon process the keeper started.
struct Daemon {
  UniqueFd pidfd;
  UniqueFd channel;  // the keeper's end
  pid_t pid = 0;
  uint64_t generation = 0;
  bool ready = false;
  Clock::time_point started_at;
  explicit operator bool() const { return pidfd.valid(); }
};

class Keeper {
 public:
  Keeper(std::vector<std::string> argv, bool fd_store)
      : argv_(std::move(argv)),
        on_disk_(binary_on_disk()),
        epoll_(epoll_create1(EPOLL_CLOEXEC)),
        service_manager_(fd_store) {}

  // Takes up what a keeper before this one stored with the service manager; starts the state log.
  void restore(std::vector<std::pair<std::string, UniqueFd>> stored);
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
  // epoll tags: the current daemon's channel and pidfd, the outgoing one's (an upgrade), the signalfd; any
  // other value is a kept listener's key.
  static constexpr uint64_t kChannel = 1ull << 62, kPidfd = kChannel + 1, kOutChannel = kChannel + 2,
                            kOutPidfd = kChannel + 3, kSignals = kChannel + 4;

  bool start_daemon(const std::string& binary);
  void on_channel(Daemon& d);
  void take(Daemon& from, KeeperMessage message);
  // The current daemon ended; returns the keeper's exit status when the keeper ends too.
  std::optional<int> on_daemon_exit();
  void on_outgoing_exit();
  void begin_upgrade();
  void set_aside_current();
  void take_back_outgoing();
  void watch(int fd, uint32_t events, uint64_t tag, int op = EPOLL_CTL_ADD);
  static siginfo_t reap(Daemon& d);
  void keep_listener(uint64_t key, UniqueFd fd, nlohmann::json record);
  void drop_listener(uint64_t key);
  void start_state_log(KeptStateLog::Contents contents);
  void tell_serving(const Daemon& d);

  std::vector<std::string> argv_;
  const std::string on_disk_;
  std::string binary_ = "/proc/self/exe";  // what crash restarts start: this keeper's, or the last upgrade's
  UniqueFd epoll_;
  UniqueFd signals_;
  Daemon current_;
  Daemon outgoing_;  // an upgrade's old daemon: quiesced, stopped once the new one serves
  bool upgrading_ = false;
  uint64_t generation_ = 0;
  bool ever_ready_ = false;
  bool stopping_ = false;
  std::chrono::milliseconds backoff_{0};
  bool restart_due_ = false;
  Clock::time_point restart_at_{};
  std::map<uint64_t, KeptListener> listeners_;
  std::map<std::string, KeptSocket> sockets_;
  std::map<uint64_t, UniqueFd> rings_;
  ServiceManagerLink service_manager_;
  std::optional<KeptStateLog> state_log_;  // with --fd-store under a service manager
};

void Keeper::start_state_log(KeptStateLog::Contents contents) {
  const uint64_t number = state_log_ ? state_log_->number() + 1 : 1;
  auto log = KeptStateLog::create(number, contents);
  if (!log) {
    spdlog::error("keeper: its state for the service manager: {}", log.error());
    return;
  }
  service_manager_.store(log->fd(), stored_state_name(number));
  // Stored before the old one goes: a keeper that dies in between leaves two, and the next takes the newer.
  if (state_log_) service_manager_.remove(stored_state_name(state_log_->number()));
  state_log_ = std::move(*log);
}

void Keeper::keep_listener(uint64_t key, UniqueFd fd, nlohmann::json record) {
  // Only hang-ups are wanted: the daemon, not the keeper, receives the calls.
  watch(fd.get(), 0, key);
  if (state_log_) {
    // The record first: a listener stored without one could not be admitted again.
    state_log_->keep(key, record);
    service_manager_.store(fd.get(), stored_listener_name(key));
  }
  listeners_[key] = KeptListener{std::move(fd), std::move(record)};
}

void Keeper::drop_listener(uint64_t key) {
  if (listeners_.erase(key) == 0) return;  // closing the fd drops it from epoll
  if (!state_log_) return;
  service_manager_.remove(stored_listener_name(key));
  state_log_->forget(key);
  if (state_log_->wants_compaction()) {
    KeptStateLog::Contents live{generation_, {}};
    for (const auto& [k, l] : listeners_) live.records.emplace(k, l.record);
    start_state_log(std::move(live));
  }
}

void Keeper::restore(std::vector<std::pair<std::string, UniqueFd>> stored) {
  if (!service_manager_.storing()) {
    if (!stored.empty())
      spdlog::warn("keeper: {} fd(s) from the service manager's store closed (not started with --fd-store)",
                   stored.size());
    return;
  }
  std::map<uint64_t, UniqueFd> listener_fds, states;
  for (auto& [name, fd] : stored) {
    // Never inherited by a daemon except through its manifest.
    (void)fcntl(fd.get(), F_SETFD, FD_CLOEXEC);
    const auto what = parse_stored_fd_name(name);
    if (!what) {
      spdlog::warn("keeper: a stored fd named \"{}\" is not the keeper's: closed", name);
      service_manager_.remove(name);
    } else if (what->kind == StoredFdName::kListener) {
      listener_fds[what->number] = std::move(fd);
    } else if (what->kind == StoredFdName::kRing) {
      rings_[what->number] = std::move(fd);
      generation_ = std::max(generation_, what->number);
    } else {
      states[what->number] = std::move(fd);
    }
  }
  KeptStateLog::Contents contents;
  if (!states.empty()) {
    auto newest = std::prev(states.end());
    const uint64_t number = newest->first;
    auto adopted = KeptStateLog::adopt(std::move(newest->second), number);
    states.erase(newest);
    for (const auto& [older, fd] : states) service_manager_.remove(stored_state_name(older));
    if (adopted) {
      state_log_ = std::move(adopted->first);
      contents = std::move(adopted->second);
    } else {
      spdlog::error("keeper: its stored state ({}): {}", stored_state_name(number), adopted.error());
      service_manager_.remove(stored_state_name(number));
    }
  }
  generation_ = std::max(generation_, contents.generation);
  size_t restored = 0;
  for (auto& [key, fd] : listener_fds) {
    auto record = contents.records.find(key);
    if (record == contents.records.end()) {
      // Nothing says how it was admitted: it cannot be admitted again, so it fails closed.
      spdlog::error("keeper: a stored listener ({}) without its record: closed", stored_listener_name(key));
      service_manager_.remove(stored_listener_name(key));
      continue;
    }
    watch(fd.get(), 0, key);
    listeners_[key] = KeptListener{std::move(fd), std::move(record->second)};
    ++restored;
  }
  if (!state_log_) start_state_log({generation_, {}});
  if (!stored.empty())
    spdlog::warn(
        "keeper: took up from the service manager's store {} listener(s) and {} in-flight record(s) "
        "of an earlier keeper",
        restored, rings_.size());
}

void Keeper::tell_serving(const Daemon& d) {
  const std::string status = "STATUS=serving: daemon " + std::to_string(d.generation) + " (pid " +
                             std::to_string(d.pid) + "), " + std::to_string(listeners_.size()) +
                             " listener(s)";
  service_manager_.notify(ever_ready_ ? status : "READY=1\n" + status);
}

void Keeper::watch(int fd, uint32_t events, uint64_t tag, int op) {
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = tag;
  if (epoll_ctl(epoll_.get(), op, fd, &ev) != 0)
    spdlog::error("keeper: watching fd {}: {}", fd, std::strerror(errno));
}

bool Keeper::start_daemon(const std::string& binary) {
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) {
    spdlog::error("keeper: socketpair: {}", std::strerror(errno));
    return false;
  }
  UniqueFd ours(pair[0]), theirs(pair[1]);
  KeeperManifest manifest;
  manifest.generation = generation_ + 1;
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
    // Sockets a service manager passed are the keeper's; the daemon gets them in the manifest. The keeper
    // is the service's main process: it, not the daemon, tells the service manager (NotifyAccess=main).
    if (entry.starts_with("LISTEN_") || entry.starts_with("TOLLGATE_KEEPER_") ||
        entry.starts_with("NOTIFY_SOCKET="))
      continue;
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
    for (int fd : inherited) fcntl(fd, F_SETFD, 0);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    execve(binary.c_str(), args.data(), envp.data());
    _exit(127);
  }
  ++generation_;
  if (state_log_) state_log_->set_generation(generation_);
  current_.pidfd.reset(pidfd);
  current_.channel = std::move(ours);
  current_.pid = static_cast<pid_t>(pid);
  current_.generation = generation_;
  current_.ready = false;
  current_.started_at = Clock::now();
  watch(current_.channel.get(), EPOLLIN, kChannel);
  watch(current_.pidfd.get(), EPOLLIN, kPidfd);
  if (generation_ > 1)
    spdlog::warn("keeper: daemon {} started (pid {}, {}), handed {} listener(s) and {} in-flight record(s)",
                 generation_, current_.pid, binary, listeners_.size(), rings_.size());
  return true;
}

void Keeper::take(Daemon& from, KeeperMessage m) {
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
      keep_listener(number("key"), std::move(m.fd), b.value("record", nlohmann::json::object()));
    } else if (what == "socket") {
      sockets_[text("name")] = KeptSocket{std::move(m.fd), text("path")};
    } else if (what == "ring") {
      service_manager_.store(m.fd.get(), stored_ring_name(number("ring")));
      rings_[number("ring")] = std::move(m.fd);
    }
    return;
  }
  if (b.contains("forget")) {
    drop_listener(number("forget"));
  } else if (text("drop") == "ring") {
    if (rings_.erase(number("ring")) != 0) service_manager_.remove(stored_ring_name(number("ring")));
  } else if (b.value("ready", false)) {
    from.ready = true;
    if (&from == &current_) tell_serving(from);
    ever_ready_ = true;
    if (&from == &current_ && outgoing_) {
      // The successor serves: the old daemon goes. SIGKILL, not SIGTERM: it must not answer held calls
      // with their default or close its listeners for good, since they are the successor's now.
      syscall(SYS_pidfd_send_signal, outgoing_.pidfd.get(), SIGKILL, nullptr, 0);
      spdlog::warn("keeper: upgraded: daemon {} (pid {}) serves; daemon {} stops", current_.generation,
                   current_.pid, outgoing_.generation);
      upgrading_ = false;
      binary_ = on_disk_;  // a crash of the upgraded daemon restarts the upgraded binary
    }
  } else if (b.value("upgrade", false) && &from == &current_) {
    begin_upgrade();
  } else if (b.value("quiesced", false) && &from == &current_ && upgrading_) {
    // The old daemon receives nothing more and runs no emulation: the successor starts.
    set_aside_current();
    if (!start_daemon(on_disk_)) {
      spdlog::error("keeper: the upgrade failed: {} could not be started", on_disk_);
      take_back_outgoing();
    }
  }
}

void Keeper::set_aside_current() {
  outgoing_ = std::move(current_);
  current_ = Daemon{};
  watch(outgoing_.channel.get(), EPOLLIN, kOutChannel, EPOLL_CTL_MOD);
  watch(outgoing_.pidfd.get(), EPOLLIN, kOutPidfd, EPOLL_CTL_MOD);
}

void Keeper::take_back_outgoing() {
  // The successor never served: the old daemon, quiesced but alive, takes up again.
  current_ = std::move(outgoing_);
  outgoing_ = Daemon{};
  watch(current_.channel.get(), EPOLLIN, kChannel, EPOLL_CTL_MOD);
  watch(current_.pidfd.get(), EPOLLIN, kPidfd, EPOLL_CTL_MOD);
  upgrading_ = false;
  if (auto sent = send_keeper_message(current_.channel.get(), {{"resume", true}}); !sent)
    spdlog::error("keeper: telling daemon {} to resume: {}", current_.generation,
                  std::strerror(sent.error()));
  spdlog::error("keeper: daemon {} (pid {}) serves on", current_.generation, current_.pid);
}

void Keeper::begin_upgrade() {
  if (upgrading_ || !current_ || !current_.ready || stopping_) {
    spdlog::warn("keeper: upgrade not started: {}", upgrading_ ? "one is under way" : "no daemon is serving");
    return;
  }
  if (access(on_disk_.c_str(), X_OK) != 0) {
    spdlog::error("keeper: upgrade not started: {}: {}", on_disk_, std::strerror(errno));
    return;
  }
  spdlog::warn("keeper: upgrading daemon {} (pid {}) to {}", current_.generation, current_.pid, on_disk_);
  upgrading_ = true;
  if (auto sent = send_keeper_message(current_.channel.get(), {{"quiesce", true}}); !sent) {
    spdlog::error("keeper: upgrade not started: telling the daemon: {}", std::strerror(sent.error()));
    upgrading_ = false;
  }
}

void Keeper::on_channel(Daemon& d) {
  while (d.channel) {
    auto m = receive_keeper_message(d.channel.get());
    if (m) {
      take(d, std::move(*m));
      continue;
    }
    if (m.error() == EAGAIN) return;
    if (m.error() == EBADMSG || m.error() == EMSGSIZE) {
      spdlog::error("keeper: a message from the daemon it cannot read ({})", std::strerror(m.error()));
      continue;
    }
    d.channel.reset();  // the daemon is gone (or going): its pidfd says how
  }
}

siginfo_t Keeper::reap(Daemon& d) {
  siginfo_t info{};
  if (waitid(P_PIDFD, static_cast<id_t>(d.pidfd.get()), &info, WEXITED) != 0) info.si_code = 0;
  return info;
}

void Keeper::on_outgoing_exit() {
  reap(outgoing_);
  outgoing_ = Daemon{};
}

std::optional<int> Keeper::on_daemon_exit() {
  // Whatever it sent before it died is still in the channel.
  on_channel(current_);
  const siginfo_t info = reap(current_);
  const bool killed = info.si_code == CLD_KILLED || info.si_code == CLD_DUMPED;
  const int status = killed ? 128 + info.si_status : info.si_status;
  const Daemon gone = std::move(current_);
  current_ = Daemon{};
  if (outgoing_ && upgrading_) {
    spdlog::error("keeper: the upgrade failed: {} ended with status {} before serving", on_disk_, status);
    take_back_outgoing();
    return std::nullopt;
  }
  if (stopping_) return killed ? 0 : status;
  if (!killed && (status == 0 || (is_start_up_error(status) && !ever_ready_))) return status;
  // A crash: restart, at once after a stable run, then backing off while crashes keep coming.
  const bool was_stable = gone.ready && Clock::now() - gone.started_at > std::chrono::seconds(10);
  if (was_stable)
    backoff_ = std::chrono::milliseconds(0);
  else
    backoff_ = backoff_.count() == 0 ? std::chrono::milliseconds(50) : std::min(backoff_ * 2, kMaxBackoff);
  if (killed)
    spdlog::error("keeper: daemon {} (pid {}) killed by signal {} ({}); starting another in {} ms",
                  gone.generation, gone.pid, info.si_status, strsignal(info.si_status), backoff_.count());
  else
    spdlog::error("keeper: daemon {} (pid {}) exited with status {}; starting another in {} ms",
                  gone.generation, gone.pid, status, backoff_.count());
  restart_due_ = true;
  restart_at_ = Clock::now() + backoff_;
  return std::nullopt;
}

int Keeper::run() {
  sigset_t handled;
  sigemptyset(&handled);
  for (int sig : {SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR2, SIGCHLD}) sigaddset(&handled, sig);
  sigprocmask(SIG_BLOCK, &handled, nullptr);
  signal(SIGPIPE, SIG_IGN);
  signals_.reset(signalfd(-1, &handled, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!epoll_ || !signals_) {
    spdlog::error("keeper: {}", std::strerror(errno));
    return 125;
  }
  watch(signals_.get(), EPOLLIN, kSignals);
  if (!start_daemon(binary_)) return 125;
  while (true) {
    int timeout = -1;
    if (restart_due_)
      timeout = static_cast<int>(std::max<int64_t>(
          0, std::chrono::duration_cast<std::chrono::milliseconds>(restart_at_ - Clock::now()).count()));
    epoll_event events[64];
    const int n = epoll_wait(epoll_.get(), events, 64, timeout);
    if (n < 0 && errno != EINTR) {
      spdlog::error("keeper: epoll_wait: {}", std::strerror(errno));
      return 125;
    }
    for (int i = 0; i < n; ++i) {
      const uint64_t tag = events[i].data.u64;
      if (tag == kChannel) {
        on_channel(current_);
      } else if (tag == kOutChannel) {
        on_channel(outgoing_);
      } else if (tag == kSignals) {
        signalfd_siginfo si{};
        while (read(signals_.get(), &si, sizeof si) == sizeof si) {
          if (si.ssi_signo == SIGCHLD) continue;  // the pidfds tell
          if (si.ssi_signo == SIGUSR2) {
            begin_upgrade();
            continue;
          }
          if (si.ssi_signo != SIGHUP && !stopping_) {
            stopping_ = true;
            service_manager_.notify("STOPPING=1\nSTATUS=stopping");
          }
          if (stopping_ && outgoing_)
            syscall(SYS_pidfd_send_signal, outgoing_.pidfd.get(), SIGKILL, nullptr, 0);
          if (current_)
            syscall(SYS_pidfd_send_signal, current_.pidfd.get(), si.ssi_signo, nullptr, 0);
          else if (stopping_)
            return 0;
        }
      } else if (tag == kPidfd) {
        if (!current_) continue;
        if (auto done = on_daemon_exit()) return *done;
      } else if (tag == kOutPidfd) {
        if (outgoing_) on_outgoing_exit();
      } else if ((events[i].events & (EPOLLHUP | EPOLLERR)) != 0) {
        drop_listener(tag);  // no process uses that filter any more
      }
    }
    if (restart_due_ && Clock::now() >= restart_at_) {
      restart_due_ = false;
      if (!start_daemon(binary_)) {
        restart_due_ = true;
        restart_at_ = Clock::now() + kMaxBackoff;
      }
    }
  }
}

void Keeper::remove_socket_files() {
  if (generation_ < 2) return;  // the first daemon bound them and removed them as it stopped
  for (const auto& [name, s] : sockets_) {
    struct stat st {};
    if (!s.path.empty() && lstat(s.path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) unlink(s.path.c_str());
  }
}

}  // namespace

int run_keeper(const std::vector<std::string>& daemon_argv,
               std::map<std::string, UniqueFd, std::less<>> sockets, KeeperOptions options) {
  Keeper keeper(daemon_argv, options.fd_store);
  for (auto& [name, fd] : sockets) keeper.keep_socket(name, std::move(fd));
  keeper.restore(std::move(options.stored));
  const int status = keeper.run();
  keeper.remove_socket_files();
  return status;
}

}  // namespace tollgate
