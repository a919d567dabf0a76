#include "tests/integration/raw_handover_client.h"

#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <iterator>

#include "tests/integration/harness.h"

namespace tollgate::testing {

int install_notify_listener(int nr) {
  sock_filter notify_one[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, static_cast<uint32_t>(nr), 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  sock_fprog prog{static_cast<unsigned short>(std::size(notify_one)), notify_one};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
  return static_cast<int>(
      syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog));
}

int install_reboot_listener() {
  return install_notify_listener(__NR_reboot);
}

int connect_to(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (connect(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(s);
    return -1;
  }
  return s;
}

void send_chunk(int s, const Chunk& c) {
  iovec iov{const_cast<char*>(c.data.data()), c.data.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  std::vector<char> control(CMSG_SPACE(sizeof(int) * std::max<size_t>(c.fds.size(), 1)));
  if (!c.fds.empty()) {
    msg.msg_control = control.data();
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * c.fds.size());
    cmsghdr* h = CMSG_FIRSTHDR(&msg);
    h->cmsg_level = SOL_SOCKET;
    h->cmsg_type = SCM_RIGHTS;
    h->cmsg_len = CMSG_LEN(sizeof(int) * c.fds.size());
    std::memcpy(CMSG_DATA(h), c.fds.data(), sizeof(int) * c.fds.size());
  }
  size_t sent = 0;
  while (sent < c.data.size()) {
    ssize_t n = sendmsg(s, &msg, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<size_t>(n);
    iov.iov_base = const_cast<char*>(c.data.data()) + sent;
    iov.iov_len = c.data.size() - sent;
    msg.msg_control = nullptr;
    msg.msg_controllen = 0;
  }
}

std::string read_answer(int s, int timeout_ms) {
  std::string answer;
  pollfd p{s, POLLIN, 0};
  while (poll(&p, 1, timeout_ms) > 0) {
    char buf[4096];
    ssize_t n = recv(s, buf, sizeof buf, 0);
    if (n <= 0) break;
    answer.append(buf, static_cast<size_t>(n));
  }
  return answer;
}

std::string hand_over(const std::string& path, const std::vector<Chunk>& chunks) {
  int s = connect_to(path);
  if (s < 0) return "connect failed";
  for (const auto& c : chunks) send_chunk(s, c);
  shutdown(s, SHUT_WR);
  std::string answer = read_answer(s);
  close(s);
  return answer;
}

bool write_end_closed_everywhere(int read_end) {
  return eventually([&] {
    pollfd p{read_end, POLLIN, 0};
    return poll(&p, 1, 0) == 1 && (p.revents & POLLHUP) != 0;
  });
}

TwoPipesResult hand_over_with_two_pipes(const std::string& path, const std::string& message) {
  int a[2], b[2];
  if (pipe2(a, O_CLOEXEC) != 0) return {"pipe2 failed", false};
  if (pipe2(b, O_CLOEXEC) != 0) {
    close(a[0]);
    close(a[1]);
    return {"pipe2 failed", false};
  }
  TwoPipesResult result;
  result.answer = hand_over(path, {{message, {a[1], b[1]}}});
  close(a[1]);
  close(b[1]);
  const bool a_closed = write_end_closed_everywhere(a[0]);
  result.both_closed = write_end_closed_everywhere(b[0]) && a_closed;
  close(a[0]);
  close(b[0]);
  return result;
}

std::string policy_envelope(pid_t pid, const std::string& name, const std::string& document) {
  return R"({"tollgateEnvelope": 1, "pid": )" + std::to_string(pid) + R"(, "argv": [")" + name +
         R"("], "policy": {"name": "test.json", "flavor": "tollgate", "document": )" + document + "}}";
}

std::string numbered_envelope(pid_t pid, const std::string& name) {
  static const std::string policy =
      R"({"defaultAction": "SCMP_ACT_ALLOW",
        "syscalls": [{"names": ["getpriority"], "action": "SCMP_ACT_NOTIFY"}],
        "rules": [{"name": "numbered", "syscalls": ["getpriority"], "action": "deny", "errno": )" +
      std::to_string(kNumberedErrno) + "}]}";
  return policy_envelope(pid, name, policy);
}

}  // namespace tollgate::testing
