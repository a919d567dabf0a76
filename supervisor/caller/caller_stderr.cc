#include "supervisor/caller/caller_stderr.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string>

#include "core/host_dirs.h"

namespace tollgate {
namespace {

// write(2) to a pipe nobody reads raises SIGPIPE, and an anonymous pipe opens for writing even with no
// reader left (the ENXIO rule is for named FIFOs). The signal is blocked on this thread for the write and a
// SIGPIPE it raised is taken back, so the result is EPIPE whatever the process does with SIGPIPE.
ssize_t write_without_sigpipe(int fd, std::string_view line) {
  sigset_t pipe_only, previous;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  sigset_t pending;
  sigpending(&pending);
  const bool was_pending = sigismember(&pending, SIGPIPE) == 1;
  pthread_sigmask(SIG_BLOCK, &pipe_only, &previous);
  const ssize_t put = ::write(fd, line.data(), line.size());
  const int saved = errno;
  if (put < 0 && saved == EPIPE && !was_pending) {
    const timespec now{0, 0};
    sigtimedwait(&pipe_only, nullptr, &now);
  }
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  errno = saved;
  return put;
}

std::expected<void, int> write_all_or_nothing(int fd, std::string_view line, bool is_socket) {
  const ssize_t put = is_socket ? ::send(fd, line.data(), line.size(), MSG_DONTWAIT | MSG_NOSIGNAL)
                                : write_without_sigpipe(fd, line);
  if (put < 0) return std::unexpected(errno);
  // Lines are shorter than PIPE_BUF, so a pipe takes all of one or none; a short write to a terminal or a
  // stream socket leaves the rest unsaid rather than waiting for room.
  return {};
}

}  // namespace

std::expected<void, int> write_to_caller_stderr(const UniqueFd& caller, std::string_view line) {
  UniqueFd theirs(static_cast<int>(syscall(SYS_pidfd_getfd, caller.get(), STDERR_FILENO, 0)));
  if (!theirs) return std::unexpected(errno);
  const int flags = fcntl(theirs.get(), F_GETFL);
  if (flags < 0) return std::unexpected(errno);
  if ((flags & O_ACCMODE) == O_RDONLY) return std::unexpected(EBADF);
  struct stat st {};
  if (fstat(theirs.get(), &st) != 0) return std::unexpected(errno);

  // The caller's own file description: only send() can be made non-blocking per call without changing it.
  if (S_ISSOCK(st.st_mode)) return write_all_or_nothing(theirs.get(), line, true);
  const bool terminal = S_ISCHR(st.st_mode) && isatty(theirs.get());
  if (!S_ISFIFO(st.st_mode) && !terminal) return std::unexpected(ENOTTY);

  // A description of our own on the same pipe or terminal, opened through our copy (not the caller's fd
  // table, which another of its threads could change meanwhile), so O_NONBLOCK is ours alone. Through the
  // daemon's own /proc: this thread may be inside a container's root, whose /proc knows nothing of us.
  const std::string own_copy = "thread-self/fd/" + std::to_string(theirs.get());
  UniqueFd ours(::openat(host_proc(), own_copy.c_str(), O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (!ours) return std::unexpected(errno);
  struct stat reopened {};
  if (fstat(ours.get(), &reopened) != 0) return std::unexpected(errno);
  if (reopened.st_dev != st.st_dev || reopened.st_ino != st.st_ino) return std::unexpected(ESTALE);
  return write_all_or_nothing(ours.get(), line, false);
}

}  // namespace tollgate
