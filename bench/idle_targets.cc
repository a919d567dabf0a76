// bench_idle_targets: N idle but real targets for bench_listeners, as cheap as a process can be. It forks N
// children; each installs a filter that notifies reboot(2) (which it never calls), hands its listener to
// `tollgate supervise` over the handover socket itself (docs/handover.md), and then sleeps in pause(). So
// the daemon holds N live listeners, each with a target behind it, and the targets cost it nothing but memory.
//
//   bench_idle_targets SOCKET COUNT POLICY_FILE
//
// POLICY_FILE is the policy each envelope carries, as `tollgate run --supervisor` would send it. When every
// child has been answered (or the daemon refused one: then no more are started) it prints one line,
//   handed=H refused=R first_error=TEXT
// and waits for SIGTERM or SIGINT, on which it kills its children by pid, reaps them and exits 0. Children die
// with it too (PR_SET_PDEATHSIG). Static and free of the C++ library, so that 10,000 of them stay small.
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

// At most this many children waiting for the daemon's answer at once: the handover socket's backlog and the
// daemon's 5 s read timeout stay out of the picture.
constexpr int kInFlight = 32;

// What a child tells the spawner, in one write (smaller than PIPE_BUF, so never interleaved with another's).
struct Report {
  int ok;
  char error[240];
};

int install_listener() {
  sock_filter code[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_reboot, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  sock_fprog prog{sizeof code / sizeof code[0], code};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
  return static_cast<int>(syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog));
}

// Sends the envelope with the listener on its first byte, then reads the daemon's answer to EOF.
bool hand_over(const char* socket_path, const char* envelope, size_t size, int listener, Report& report) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  strncpy(addr.sun_path, socket_path, sizeof addr.sun_path - 1);
  const int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0 || connect(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    snprintf(report.error, sizeof report.error, "connect: %s", strerror(errno));
    return false;
  }
  char control[CMSG_SPACE(sizeof(int))] = {};
  size_t sent = 0;
  while (sent < size) {
    iovec iov{const_cast<char*>(envelope) + sent, size - sent};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    if (sent == 0) {
      msg.msg_control = control;
      msg.msg_controllen = sizeof control;
      cmsghdr* c = CMSG_FIRSTHDR(&msg);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN(sizeof(int));
      memcpy(CMSG_DATA(c), &listener, sizeof listener);
    }
    const ssize_t n = sendmsg(s, &msg, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      snprintf(report.error, sizeof report.error, "sendmsg: %s", strerror(errno));
      return false;
    }
    sent += static_cast<size_t>(n);
  }
  shutdown(s, SHUT_WR);
  char answer[512];
  size_t got = 0;
  pollfd p{s, POLLIN, 0};
  while (got < sizeof answer - 1 && poll(&p, 1, 30000) > 0) {
    const ssize_t n = read(s, answer + got, sizeof answer - 1 - got);
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  answer[got] = '\0';
  close(s);
  if (strstr(answer, "\"ok\":true") != nullptr) return true;
  snprintf(report.error, sizeof report.error, "%.200s", got == 0 ? "no answer (connection closed)" : answer);
  for (char* c = report.error; *c != '\0'; ++c)
    if (*c == '\n') *c = ' ';
  return false;
}

[[noreturn]] void child_main(pid_t spawner, const char* socket_path, const char* policy, const char* policy_name,
                             int report_fd) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != spawner) _exit(1);  // the spawner died before PDEATHSIG was armed
  Report report{};
  const int listener = install_listener();
  if (listener < 0) {
    snprintf(report.error, sizeof report.error, "seccomp: %s", strerror(errno));
  } else {
    // A tollgate-flavoured envelope, as `tollgate run --supervisor` sends one (docs/handover.md).
    const size_t size = strlen(policy) + strlen(policy_name) + 200;
    char* envelope = static_cast<char*>(malloc(size));
    const int n = snprintf(envelope, size,
                           "{\"tollgateEnvelope\":1,\"pid\":%d,\"argv\":[\"bench_idle_target\"],"
                           "\"policy\":{\"name\":\"%s\",\"flavor\":\"tollgate\",\"document\":%s}}",
                           getpid(), policy_name, policy);
    report.ok = hand_over(socket_path, envelope, static_cast<size_t>(n), listener, report);
    free(envelope);
    close(listener);  // the daemon holds it now; ours would keep it alive after the daemon lets go
  }
  (void)!write(report_fd, &report, sizeof report);
  close(report_fd);
  if (!report.ok) _exit(1);
  for (;;) pause();
}

char* read_file(const char* path) {
  FILE* f = fopen(path, "re");
  if (f == nullptr) return nullptr;
  size_t size = 0, cap = 4096;
  char* text = static_cast<char*>(malloc(cap));
  size_t n;
  while ((n = fread(text + size, 1, cap - size - 1, f)) > 0) {
    size += n;
    if (cap - size < 2) text = static_cast<char*>(realloc(text, cap *= 2));
  }
  fclose(f);
  text[size] = '\0';
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s SOCKET COUNT POLICY_FILE\n", argv[0]);
    return 2;
  }
  const long count = strtol(argv[2], nullptr, 10);
  char* policy = read_file(argv[3]);
  if (count < 0 || policy == nullptr) {
    fprintf(stderr, "%s: bad COUNT or unreadable %s\n", argv[0], argv[3]);
    return 2;
  }
  const char* slash = strrchr(argv[3], '/');
  const char* policy_name = slash != nullptr ? slash + 1 : argv[3];

  // SIGTERM and SIGINT wait for sigwait below: they must not kill the spawner before it kills its children.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  sigprocmask(SIG_BLOCK, &stop, nullptr);

  int reports[2];
  if (pipe2(reports, O_CLOEXEC) != 0) return 1;
  pid_t* pids = static_cast<pid_t*>(calloc(static_cast<size_t>(count) + 1, sizeof(pid_t)));
  const pid_t self = getpid();
  long started = 0, answered = 0, handed = 0, refused = 0;
  char first_error[sizeof Report::error] = "";
  auto collect = [&] {
    Report r{};
    if (read(reports[0], &r, sizeof r) != static_cast<ssize_t>(sizeof r)) return false;
    ++answered;
    if (r.ok) {
      ++handed;
    } else if (refused++ == 0) {
      memcpy(first_error, r.error, sizeof first_error);
      first_error[sizeof first_error - 1] = '\0';
    }
    return true;
  };
  while (started < count && refused == 0) {
    if (started - answered >= kInFlight) {
      if (!collect()) break;
      continue;
    }
    const pid_t pid = fork();
    if (pid < 0) {
      snprintf(first_error, sizeof first_error, "fork: %s", strerror(errno));
      ++refused;
      break;
    }
    if (pid == 0) {
      sigprocmask(SIG_UNBLOCK, &stop, nullptr);
      close(reports[0]);
      child_main(self, argv[1], policy, policy_name, reports[1]);
    }
    pids[started++] = pid;
  }
  while (answered < started && collect()) {
  }
  printf("handed=%ld refused=%ld first_error=%s\n", handed, refused, first_error[0] ? first_error : "-");
  fflush(stdout);

  int sig = 0;
  sigwait(&stop, &sig);
  for (long i = 0; i < started; ++i) kill(pids[i], SIGKILL);
  for (long i = 0; i < started; ++i)
    while (waitpid(pids[i], nullptr, 0) < 0 && errno == EINTR) {
    }
  return 0;
}
