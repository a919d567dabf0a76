// tollgate-command-agent FILTER -- COMMAND [ARGS...]
//
// The container's first program in tollgate's command-only mode. The runtime shim took linux.seccomp out of
// config.json (so runc or crun set the container up without the profile), compiled the profile on the host,
// bind-mounted this binary and the compiled filter read-only into the container, and put both in front of
// process.args. Here: read the filter, find the command, install the filter, exec the command. Static, so
// that it runs in any image; it needs no libseccomp, only seccomp(2).
//
// Exit status when the command does not start: 125 the agent itself failed (bad filter, seccomp refused),
// 126 the command cannot be run, 127 it was not found (as env(1) and shells report them).
#include <errno.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "command_agent/executable_lookup.h"
#include "command_agent/filter_file.h"

extern char** environ;

namespace {

constexpr int kAgentFailed = 125;
constexpr int kCannotRun = 126;
constexpr int kNotFound = 127;

void say(std::string_view message) {
  std::string line = "tollgate-command-agent: " + std::string(message) + "\n";
  for (std::string_view rest = line; !rest.empty();) {
    ssize_t n = ::write(STDERR_FILENO, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    rest.remove_prefix(static_cast<size_t>(n));
  }
}

long set_filter(const sock_fprog* program) {
  return ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, program);
}

// Without CAP_SYS_ADMIN the kernel accepts a filter only from a thread with no_new_privs (EACCES
// otherwise). runc avoids that by installing the profile while it still holds the capability, which is
// what puts its own last steps under the profile. Here the capability is usually gone already, so
// no_new_privs is set then, and only then: setuid programs and file capabilities in the container stop
// raising privileges, exactly as with noNewPrivileges in config.json.
int install_filter(const sock_fprog* program) {
  if (set_filter(program) == 0) return 0;
  if (errno != EACCES) return errno;
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return errno;
  return set_filter(program) == 0 ? 0 : errno;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4 || std::string_view(argv[2]) != "--") {
    say("usage: tollgate-command-agent FILTER -- COMMAND [ARGS...] (the tollgate runtime shim writes this "
        "command line; it is not meant to be run by hand)");
    return kAgentFailed;
  }
  tollgate::FilterProgram filter = tollgate::read_filter_file(argv[1]);
  if (!filter.error.empty()) {
    say("cannot read the container's seccomp filter: " + filter.error);
    return kAgentFailed;
  }
  char** command = argv + 3;
  tollgate::LookupResult found = tollgate::find_command(command[0], std::getenv("PATH"));
  if (found.error != 0) {
    say(std::string(command[0]) + ": " +
        (found.error == ENOENT && std::string_view(command[0]).find('/') == std::string_view::npos
             ? std::string("executable file not found in $PATH")
             : std::string(std::strerror(found.error))));
    return found.error == ENOENT ? kNotFound : kCannotRun;
  }
  // Composed now: after the filter is in place the only call made here is execve (and, if that fails, the
  // write of this message, which the profile may deny).
  const std::string exec_failed = "cannot run " + found.path + " under the container's seccomp profile: ";

  sock_fprog program{};
  program.len = static_cast<unsigned short>(filter.instructions.size());
  program.filter = filter.instructions.data();
  if (int error = install_filter(&program); error != 0) {
    say(std::string("cannot install the container's seccomp filter: ") + std::strerror(error));
    return kAgentFailed;
  }
  ::execve(found.path.c_str(), command, environ);
  const int error = errno;
  say(exec_failed + std::strerror(error));
  return error == ENOENT ? kNotFound : kCannotRun;
}
