// bench_idle_targets: N idle but real targets for bench_listeners, as cheap as a target can be. It compiles
// the policy's filter once, then forks N children; each installs that filter (with a listener), hands the
// listener to `tollgate supervise` through the agent's own client (hand_over_listener, as `tollgate run
// --supervisor` does, but without a `tollgate run` process per target) and then sleeps in pause(), never
// making a call the filter notifies. So the daemon holds N live listeners, each with a target behind it.
//
//   bench_idle_targets SOCKET COUNT POLICY_FILE
//
// When every child has been answered (or the daemon refused one: then no more are started) it prints one
// line,
//   handed=H refused=R first_error=TEXT
// and waits for SIGTERM or SIGINT, on which it kills its children by pid, reaps them and exits 0. The
// children die with it too (PR_SET_PDEATHSIG). The children are forks that never exec: they share every page
// with the spawner but the few they write, so a target costs little more than the kernel's own process
// structures.
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "agent/handover_client.h"
#include "core/policy_parser.h"
#include "profile/filter_compiler.h"
#include "tollgate/unique_fd.h"

namespace tollgate::bench {
namespace {

// At most this many children waiting for the daemon's answer at once: the handover socket's backlog and the
// daemon's read timeout stay out of the picture.
constexpr long kInFlight = 32;

// What a child tells the spawner, in one write (smaller than PIPE_BUF, so never interleaved with another's).
struct Report {
  int ok;
  char error[240];
};

struct Setup {
  const char* socket;
  std::vector<sock_filter> program;
  HandoverEnvelope envelope;  // the pid is each child's own
};

[[noreturn]] void child_main(pid_t spawner, Setup& setup, int report_fd) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != spawner) _exit(1);  // the spawner died before PDEATHSIG was armed
  Report report{};
  const sock_fprog prog{static_cast<unsigned short>(setup.program.size()), setup.program.data()};
  UniqueFd listener;
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0)
    listener.reset(static_cast<int>(
        syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog)));
  if (!listener) {
    std::snprintf(report.error, sizeof report.error, "seccomp: %s", std::strerror(errno));
  } else {
    setup.envelope.pid = getpid();
    auto handed = hand_over_listener(setup.socket, setup.envelope, listener.get(), std::chrono::seconds(30));
    report.ok = handed.has_value();
    if (!handed) std::snprintf(report.error, sizeof report.error, "%.200s", handed.error().c_str());
    listener.reset();  // the daemon holds it now; ours would keep it alive after the daemon lets go
  }
  (void)!write(report_fd, &report, sizeof report);
  close(report_fd);
  if (!report.ok) _exit(1);
  for (;;) pause();
}

std::expected<Setup, std::string> prepare(const char* socket, const std::string& policy_path) {
  std::ifstream in(policy_path);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) return std::unexpected("cannot read " + policy_path);
  const std::string name = policy_path.substr(policy_path.rfind('/') + 1);
  // Only the filter matters here; the daemon judges the rules (and their handlers) when it admits a listener.
  PolicyParseOptions options;
  options.handler_exists = [](std::string_view) { return true; };
  auto policy = parse_policy_text(text.str(), name, options);
  if (!policy) return std::unexpected(policy.error().to_string());
  auto compiled = compile_filter((*policy)->filter, FilterEnvironment::of_this_process());
  if (!compiled) return std::unexpected("compiling the filter: " + compiled.error());
  Setup setup{socket, std::move(compiled->program), {}};
  setup.envelope.argv = {"bench_idle_target"};
  setup.envelope.policy_name = name;
  setup.envelope.policy_document = nlohmann::json::parse(text.str());
  return setup;
}

}  // namespace
}  // namespace tollgate::bench

int main(int argc, char** argv) {
  using namespace tollgate::bench;
  const long count = argc == 4 ? std::strtol(argv[2], nullptr, 10) : -1;
  if (count < 0) {
    std::fprintf(stderr, "usage: %s SOCKET COUNT POLICY_FILE\n", argv[0]);
    return 2;
  }
  auto setup = prepare(argv[1], argv[3]);
  if (!setup) {
    std::fprintf(stderr, "%s: %s\n", argv[0], setup.error().c_str());
    return 2;
  }
  // SIGTERM and SIGINT wait for sigwait below: they must not kill the spawner before it kills its children.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  sigprocmask(SIG_BLOCK, &stop, nullptr);

  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return 1;
  tollgate::UniqueFd reports(fds[0]), report_end(fds[1]);
  std::vector<pid_t> pids;
  pids.reserve(static_cast<size_t>(count));  // no reallocation between forks: children share the pages
  const pid_t self = getpid();
  long answered = 0, handed = 0, refused = 0;
  std::string first_error;
  auto collect = [&] {
    Report r{};
    if (read(reports.get(), &r, sizeof r) != static_cast<ssize_t>(sizeof r)) return false;
    ++answered;
    if (r.ok)
      ++handed;
    else if (refused++ == 0)
      first_error = r.error;
    return true;
  };
  while (static_cast<long>(pids.size()) < count && refused == 0) {
    if (static_cast<long>(pids.size()) - answered >= kInFlight) {
      if (!collect()) break;
      continue;
    }
    const pid_t pid = fork();
    if (pid < 0) {
      first_error = std::string("fork: ") + std::strerror(errno);
      ++refused;
      break;
    }
    if (pid == 0) {
      sigprocmask(SIG_UNBLOCK, &stop, nullptr);
      reports.reset();
      child_main(self, *setup, report_end.get());
    }
    pids.push_back(pid);
  }
  while (answered < static_cast<long>(pids.size()) && collect()) {
  }
  std::printf("handed=%ld refused=%ld first_error=%s\n", handed, refused,
              first_error.empty() ? "-" : first_error.c_str());
  std::fflush(stdout);

  int sig = 0;
  sigwait(&stop, &sig);
  for (pid_t pid : pids) kill(pid, SIGKILL);
  for (pid_t pid : pids)
    while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
  return 0;
}
