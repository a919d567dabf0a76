// How the handover avoids the profile it installs:
//
// The child is cloned with CLONE_VM | CLONE_FILES: it shares our memory and our fd table. It installs the
// filter with SECCOMP_FILTER_FLAG_NEW_LISTENER, stores the listener's number in shared memory (a plain store,
// no syscall) and calls execve. Its only syscall under the filter is execve itself. We wait for the store,
// and find the listener in the still-shared fd table; execve gives the child a private copy of the table and
// closes the listener there (it is O_CLOEXEC), so the program never holds it. All our own work (sendmsg,
// write, close) happens in this process, which no filter covers.
//
// Unlike vfork we do not wait for the exec: a policy may notify execve, and then the supervisor must be free
// to answer it. Everything the child reads (argv, the filter) stays alive until the target is reaped.
#include "agent/launcher.h"

#include "agent/id_mapping.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>

extern char** environ;

namespace tollgate {

enum class LaunchStage : int { Started, ListenerReady, FilterFailed, ExecFailed };

struct LaunchState {
  std::string executable;
  std::vector<std::string> argv_storage;
  std::vector<char*> argv;
  std::vector<sock_filter> program;
  sock_fprog fprog{};
  bool set_no_new_privs = false;
  sigset_t parent_mask{};
  sigset_t child_mask{};

  // Rootless: the child waits (before its filter exists) until we have written its id maps.
  enum class Maps : int { Pending, Ready, Failed };
  std::atomic<Maps> maps{Maps::Pending};

  std::atomic<LaunchStage> stage{LaunchStage::Started};
  std::atomic<int> listener{-1};
  std::atomic<int> error{0};

  static constexpr size_t kStackSize = 256 * 1024;
  void* stack = MAP_FAILED;

  ~LaunchState() {
    if (stack != MAP_FAILED) munmap(stack, kStackSize);
  }
};

namespace {

long install_filter(const sock_fprog* prog) {
  // WAIT_KILLABLE_RECV (Linux 5.19) keeps a call the supervisor has already received from being
  // interrupted by an ordinary signal and re-notified, which matters for emulated calls that are not
  // idempotent. Older kernels reject the flag: fall back.
  long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
                    SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, prog);
  if (fd < 0 && errno == EINVAL) fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, prog);
  return fd;
}

// Runs in the cloned child, on its own stack but in our address space: only async-signal-safe calls.
int child_main(void* arg) {
  auto* s = static_cast<LaunchState*>(arg);
  // Our new user namespace has no id maps until the parent writes them; nothing here may depend on ids
  // before that, and the filter comes only afterwards.
  while (s->maps.load(std::memory_order_acquire) == LaunchState::Maps::Pending) sched_yield();
  if (s->maps.load(std::memory_order_acquire) == LaunchState::Maps::Failed) _exit(125);
  // Our signal handlers (libuv's) must not run here; exec would reset them anyway, but a signal could
  // arrive before it. Reset every disposition, then install the mask the program is to start with.
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) sigaction(sig, &dfl, nullptr);
  sigprocmask(SIG_SETMASK, &s->child_mask, nullptr);
  if (s->set_no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    s->error.store(errno);
    s->stage.store(LaunchStage::FilterFailed, std::memory_order_release);
    _exit(125);
  }
  long fd = install_filter(&s->fprog);
  if (fd < 0) {
    s->error.store(errno);
    s->stage.store(LaunchStage::FilterFailed, std::memory_order_release);
    _exit(125);
  }
  s->listener.store(static_cast<int>(fd));
  s->stage.store(LaunchStage::ListenerReady, std::memory_order_release);
  // From here on the profile applies: nothing but execve.
  execve(s->executable.c_str(), s->argv.data(), environ);
  s->error.store(errno);
  s->stage.store(LaunchStage::ExecFailed, std::memory_order_release);
  _exit(errno == ENOENT ? 127 : 126);
}

// The child dies without storing anything only if something killed it; check now and then.
bool child_exited(int pidfd) {
  siginfo_t info{};
  return waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
         info.si_pid != 0;
}

}  // namespace

LaunchedTarget::LaunchedTarget(pid_t pid, UniqueFd pidfd, UniqueFd listener, std::unique_ptr<LaunchState> state)
    : pid_(pid), pidfd_(std::move(pidfd)), listener_(std::move(listener)), state_(std::move(state)) {}
LaunchedTarget::LaunchedTarget(LaunchedTarget&&) noexcept = default;
LaunchedTarget& LaunchedTarget::operator=(LaunchedTarget&&) noexcept = default;
LaunchedTarget::~LaunchedTarget() = default;

std::optional<int> LaunchedTarget::exec_error() const {
  if (state_ && state_->stage.load() == LaunchStage::ExecFailed) return state_->error.load();
  return std::nullopt;
}


std::expected<LaunchedTarget, std::string> launch_under_filter(const LaunchRequest& request) {
  auto state = std::make_unique<LaunchState>();
  state->executable = request.executable;
  state->argv_storage = request.argv;
  for (auto& a : state->argv_storage) state->argv.push_back(a.data());
  state->argv.push_back(nullptr);
  state->program = request.program;
  state->fprog.len = static_cast<unsigned short>(state->program.size());
  state->fprog.filter = state->program.data();
  state->set_no_new_privs = request.set_no_new_privs;
  state->stack = mmap(nullptr, LaunchState::kStackSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK,
                      -1, 0);
  if (state->stack == MAP_FAILED) return std::unexpected(std::string("mmap: ") + std::strerror(errno));

  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &state->parent_mask);
  state->child_mask = request.signal_mask.value_or(state->parent_mask);
  int pidfd = -1;
  char* stack_top = static_cast<char*>(state->stack) + LaunchState::kStackSize;
  int flags = CLONE_VM | CLONE_FILES | CLONE_PIDFD | SIGCHLD;
  if (request.rootless) {
    flags |= CLONE_NEWUSER | CLONE_NEWNS;
    if (request.new_pid_namespace) flags |= CLONE_NEWPID;
    if (request.new_net_namespace) flags |= CLONE_NEWNET;
  } else {
    state->maps.store(LaunchState::Maps::Ready);
  }
  pid_t pid = clone(child_main, stack_top, flags, state.get(), &pidfd);
  const int clone_errno = errno;
  pthread_sigmask(SIG_SETMASK, &state->parent_mask, nullptr);
  if (pid < 0) return std::unexpected(std::string("clone: ") + std::strerror(clone_errno));
  UniqueFd pidfd_owner(pidfd);
  if (request.rootless) {
    auto failed = apply_id_maps(pid, request.id_maps);
    state->maps.store(failed ? LaunchState::Maps::Failed : LaunchState::Maps::Ready, std::memory_order_release);
    if (failed) {
      waitpid(pid, nullptr, 0);
      return std::unexpected("rootless: writing the id maps: " + *failed);
    }
  }

  // Usually a few microseconds: the child runs prctl and seccomp.
  for (unsigned spins = 1; state->stage.load(std::memory_order_acquire) == LaunchStage::Started; ++spins) {
    sched_yield();
    if (spins % 1024 == 0 && child_exited(pidfd)) break;
  }
  const LaunchStage stage = state->stage.load(std::memory_order_acquire);
  if (stage == LaunchStage::FilterFailed || stage == LaunchStage::Started) {
    waitpid(pid, nullptr, 0);
    if (stage == LaunchStage::Started) return std::unexpected("the child died before installing the filter");
    return std::unexpected(std::string("installing the seccomp filter: ") + std::strerror(state->error.load()));
  }
  // ListenerReady or ExecFailed: the listener is in our table either way.
  UniqueFd listener(state->listener.load());
  return LaunchedTarget(pid, std::move(pidfd_owner), std::move(listener), std::move(state));
}

std::expected<std::string, int> find_executable(std::string_view name) {
  auto check = [](const std::string& path) -> int {
    struct stat st {};
    if (stat(path.c_str(), &st) != 0) return errno;
    if (S_ISDIR(st.st_mode)) return EACCES;
    return access(path.c_str(), X_OK) == 0 ? 0 : errno;
  };
  if (name.empty()) return std::unexpected(ENOENT);
  if (name.find('/') != std::string_view::npos) {
    std::string path(name);
    if (int e = check(path); e != 0) return std::unexpected(e);
    return path;
  }
  const char* env_path = getenv("PATH");
  std::string_view dirs = env_path != nullptr ? env_path : "/usr/local/bin:/usr/bin:/bin";
  int first_error = ENOENT;
  while (true) {
    auto colon = dirs.find(':');
    std::string_view dir = dirs.substr(0, colon);
    std::string path = (dir.empty() ? std::string(".") : std::string(dir)) + "/" + std::string(name);
    int e = check(path);
    if (e == 0) return path;
    if (e != ENOENT && e != ENOTDIR && first_error == ENOENT) first_error = e;
    if (colon == std::string_view::npos) break;
    dirs.remove_prefix(colon + 1);
  }
  return std::unexpected(first_error);
}

}  // namespace tollgate
