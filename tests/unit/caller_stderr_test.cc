// write_to_caller_stderr against real processes: a child whose fd 2 is a pipe, a full pipe, a socket, a
// terminal, a regular file, or read-only. What is checked is what arrives (or does not) at the other end, and
// that nothing ever blocks.
#include "supervisor/caller/caller_stderr.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <pty.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/close_range.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace tollgate {
namespace {

// A child that holds `stderr_fd` as its fd 2 (and no other file of ours) and waits until it is killed; killed
// and reaped on destruction. Ready when the constructor returns.
class ChildWithStderr {
 public:
  explicit ChildWithStderr(int stderr_fd) {
    int ready[2];
    if (pipe(ready) != 0) std::abort();
    pid_ = fork();
    if (pid_ == 0) {
      dup2(stderr_fd, STDERR_FILENO);
      const unsigned keep = static_cast<unsigned>(ready[1]);
      if (keep > 3) close_range(3, keep - 1, 0);
      close_range(keep + 1, ~0U, 0);
      if (write(ready[1], "r", 1) != 1) _exit(1);
      close(ready[1]);
      for (;;) pause();
    }
    close(ready[1]);
    char byte;
    if (read(ready[0], &byte, 1) != 1) std::abort();
    close(ready[0]);
    pidfd_ = UniqueFd(static_cast<int>(syscall(SYS_pidfd_open, pid_, 0)));
  }
  ~ChildWithStderr() {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  const UniqueFd& pidfd() const { return pidfd_; }

 private:
  pid_t pid_;
  UniqueFd pidfd_;
};

struct Pipe {
  Pipe() {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) == 0) {
      read_end = UniqueFd(fds[0]);
      write_end = UniqueFd(fds[1]);
    }
  }
  std::string drain() const {
    fcntl(read_end.get(), F_SETFL, O_NONBLOCK);
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = read(read_end.get(), buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
    return out;
  }
  UniqueFd read_end, write_end;
};

// The errno of writing a line to a child holding `stderr_fd` as its fd 2; 0 when the line was written.
int error_writing_to_child_with(int stderr_fd) {
  ChildWithStderr child(stderr_fd);
  auto r = write_to_caller_stderr(child.pidfd(), "tollgate: a line\n");
  return r ? 0 : r.error();
}

TEST(CallerStderr, APipeGetsTheLine) {
  Pipe p;
  ChildWithStderr child(p.write_end.get());
  ASSERT_TRUE(write_to_caller_stderr(child.pidfd(), "tollgate: hello\n"));
  EXPECT_EQ(p.drain(), "tollgate: hello\n");
  // The caller's own file stays blocking: our O_NONBLOCK was on a description of our own.
  EXPECT_EQ(fcntl(p.write_end.get(), F_GETFL) & O_NONBLOCK, 0);
}

TEST(CallerStderr, AFullPipeIsEagainNotAWait) {
  Pipe p;
  fcntl(p.write_end.get(), F_SETFL, O_NONBLOCK);
  const std::string block(4096, 'x');
  while (write(p.write_end.get(), block.data(), block.size()) > 0) {
  }
  fcntl(p.write_end.get(), F_SETFL, 0);
  EXPECT_EQ(error_writing_to_child_with(p.write_end.get()), EAGAIN);
}

TEST(CallerStderr, APipeNobodyReadsIsAnErrorNotASignal) {
  Pipe p;
  ChildWithStderr child(p.write_end.get());
  p.read_end.reset();
  // This test process has SIGPIPE's default action: had one been raised, it would be dead.
  auto r = write_to_caller_stderr(child.pidfd(), "tollgate: nobody\n");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), EPIPE);
  sigset_t pending;
  sigpending(&pending);
  EXPECT_EQ(sigismember(&pending, SIGPIPE), 0);
}

TEST(CallerStderr, ASocketGetsTheLine) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  UniqueFd ours(sv[0]), theirs(sv[1]);
  ChildWithStderr child(theirs.get());
  ASSERT_TRUE(write_to_caller_stderr(child.pidfd(), "tollgate: over a socket\n"));
  char buf[64] = {};
  EXPECT_EQ(recv(ours.get(), buf, sizeof buf - 1, MSG_DONTWAIT), 24);
  EXPECT_STREQ(buf, "tollgate: over a socket\n");
}

TEST(CallerStderr, ATerminalGetsTheLine) {
  int master = -1, slave = -1;
  ASSERT_EQ(openpty(&master, &slave, nullptr, nullptr, nullptr), 0);
  UniqueFd m(master), s(slave);
  ChildWithStderr child(s.get());
  ASSERT_TRUE(write_to_caller_stderr(child.pidfd(), "tollgate: on a tty\n"));
  char buf[64] = {};
  fcntl(m.get(), F_SETFL, O_NONBLOCK);
  const ssize_t n = read(m.get(), buf, sizeof buf - 1);
  ASSERT_GT(n, 0);
  EXPECT_NE(std::string(buf, static_cast<size_t>(n)).find("tollgate: on a tty"), std::string::npos);
}

TEST(CallerStderr, ARegularFileIsLeftAlone) {
  char path[] = "/tmp/tollgate-stderr-XXXXXX";
  UniqueFd file(mkstemp(path));
  ASSERT_TRUE(file);
  EXPECT_EQ(error_writing_to_child_with(file.get()), ENOTTY);
  EXPECT_EQ(std::filesystem::file_size(path), 0u);
  unlink(path);
}

TEST(CallerStderr, AReadOnlyStderrIsNeverWrittenThroughAFreshOpen) {
  Pipe p;
  // The caller holds the pipe's read end as its stderr: reopening it for writing as root would give it
  // something it did not have.
  EXPECT_EQ(error_writing_to_child_with(p.read_end.get()), EBADF);
}

TEST(CallerStderr, AGoneCallerIsAnError) {
  Pipe p;
  UniqueFd pidfd;
  {
    ChildWithStderr child(p.write_end.get());
    pidfd = UniqueFd(dup(child.pidfd().get()));
  }
  EXPECT_FALSE(write_to_caller_stderr(pidfd, "tollgate: gone\n"));
}

}  // namespace
}  // namespace tollgate
