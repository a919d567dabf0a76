// Each peer gets its own share of the daemon's sockets: an unprivileged user let in with --allow-uid who
// opens every connection it can does not stop root's handovers, and a burst of genuine handovers from root
// is served whole.
#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "include/tollgate/unique_fd.h"
#include "tests/integration/harness.h"
#include "tests/integration/raw_handover_client.h"

namespace tollgate::testing {
namespace {

// A nonblocking connect; -1 when the daemon's backlog is full (or anything else fails).
int try_connect(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (s < 0) return -1;
  if (connect(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(s);
    return -1;
  }
  return s;
}

// In a child running as nobody: keeps up to `max` connections to `path` open, replacing each one the daemon
// closes, and sends nothing on them. Writes one byte to `ready` once it has opened its first `max` (or all
// it could), and stops when `stop` becomes readable. Exits 0.
[[noreturn]] void flood(const std::string& path, size_t max, int ready, int stop) {
  if (setgroups(0, nullptr) != 0 || setgid(65534) != 0 || setuid(65534) != 0) _exit(3);
  std::vector<pollfd> fds;
  fds.push_back({stop, POLLIN, 0});
  bool told = false;
  for (;;) {
    while (fds.size() - 1 < max) {
      int s = try_connect(path);
      if (s < 0) break;
      fds.push_back({s, POLLIN, 0});
    }
    if (!told) {
      told = true;
      if (write(ready, "r", 1) != 1) _exit(4);
    }
    // The pause when the backlog is full is the flooder's pacing, not a wait for a condition.
    if (poll(fds.data(), fds.size(), 5) < 0) _exit(5);
    if (fds[0].revents != 0) break;
    for (size_t i = fds.size() - 1; i >= 1; --i) {
      if (fds[i].revents == 0) continue;
      close(fds[i].fd);  // the daemon refused or timed it out: open another
      fds[i] = fds.back();
      fds.pop_back();
    }
  }
  _exit(0);
}

class Flooder {
 public:
  Flooder(const std::string& path, size_t max) {
    int ready[2], stop[2];
    if (pipe2(ready, O_CLOEXEC) != 0 || pipe2(stop, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
    ready_.reset(ready[0]);
    stop_.reset(stop[1]);
    pid_ = fork();
    if (pid_ == 0) {
      close(ready[0]);
      close(stop[1]);
      flood(path, max, ready[1], stop[0]);
    }
    close(ready[1]);
    close(stop[0]);
  }
  // True once the flooder holds its connections.
  bool wait_ready() {
    pollfd p{ready_.get(), POLLIN, 0};
    char c;
    return poll(&p, 1, 60000) == 1 && read(ready_.get(), &c, 1) == 1;
  }
  ~Flooder() {
    stop_.reset();  // EOF on its stop pipe
    int status = 0;
    if (pid_ > 0) waitpid(pid_, &status, 0);
  }

 private:
  UniqueFd ready_, stop_;
  pid_t pid_ = -1;
};

TEST(PeerShares, RootIsServedWhileAnAllowedUserHoldsEveryConnectionItCan) {
  TempDir dir;
  chmod(dir.path().c_str(), 0755);
  write_file(dir.file("getppid.json"), kGetppidPolicy);
  SuperviseDaemon daemon(dir, /*with_events=*/false, {"--allow-uid", "65534"});
  Flooder flooder(daemon.socket(), 2000);
  ASSERT_TRUE(flooder.wait_ready());
  // A few runs at a time: root's handovers meet each other in the flood too, and the flooder and the
  // daemon refusing it (each a busy CPU) do not get most of a loaded machine's time between two runs.
  constexpr int kRuns = 100, kAtOnce = 4;
  int served = 0;
  for (int first = 0; first < kRuns; first += kAtOnce) {
    std::vector<std::unique_ptr<BackgroundProcess>> runs;
    const auto out = [&](int i) { return dir.file("run" + std::to_string(i) + ".out"); };
    const auto err = [&](int i) { return dir.file("run" + std::to_string(i) + ".err"); };
    for (int i = first; i < first + kAtOnce; ++i)
      runs.push_back(std::make_unique<BackgroundProcess>(
          std::vector<std::string>{kTollgate, "run", "-q", "--supervisor", daemon.socket(), "--policy",
                                   dir.file("getppid.json"), "--", kProbe, "getppid"},
          out(i), err(i)));
    for (int i = first; i < first + kAtOnce; ++i) {
      const std::optional<int> status = runs[i - first]->wait();
      const std::string output = read_file(out(i));
      if (status == 0 && output.find("errno=EADDRNOTAVAIL") != std::string::npos) {
        ++served;
      } else {
        ADD_FAILURE() << "run " << i << ": status " << (status ? std::to_string(*status) : "(timed out)")
                      << "\n" << output << read_file(err(i));
      }
    }
  }
  std::printf("root's handovers served while a user floods: %d of %d\n", served, kRuns);
  EXPECT_EQ(served, kRuns);
  EXPECT_TRUE(daemon.alive()) << daemon.stderr_text();
  // The flood was refused over its share thousands of times (and, on a slow run, its connections timed
  // out by the hundred): the log says so in a few lines, not a line each.
  const std::string log = daemon.stderr_text();
  EXPECT_NE(log.find("(its share)"), std::string::npos) << log.substr(0, 2000);
  EXPECT_LT(std::count(log.begin(), log.end(), '\n'), 100) << log.substr(0, 2000);
}

// An allowed user who sends garbage as fast as it can reconnect is rejected every time, and the log says
// so in a few counted lines, not a line each.
TEST(PeerShares, AnAllowedUserSendingGarbageDoesNotFillTheLog) {
  TempDir dir;
  chmod(dir.path().c_str(), 0755);
  SuperviseDaemon daemon(dir, /*with_events=*/false, {"--allow-uid", "65534"});
  constexpr int kGarbage = 2000;
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (setgroups(0, nullptr) != 0 || setgid(65534) != 0 || setuid(65534) != 0) _exit(3);
    int answered = 0;
    for (int i = 0; i < kGarbage; ++i) {
      UniqueFd s(connect_to(daemon.socket()));
      if (!s) _exit(4);
      if (write(s.get(), "not json\n", 9) != 9) _exit(5);
      shutdown(s.get(), SHUT_WR);
      if (read_answer(s.get(), 30000).find("\"ok\":false") != std::string::npos) ++answered;
    }
    _exit(answered == kGarbage ? 0 : 6);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0) << "3-5: could not connect or send; 6: a message was not answered";
  const std::string log = daemon.stderr_text();
  EXPECT_NE(log.find("(uid 65534) rejected"), std::string::npos) << log.substr(0, 2000);
  EXPECT_LT(std::count(log.begin(), log.end(), '\n'), 100) << log.substr(0, 2000);
  EXPECT_TRUE(daemon.alive()) << log.substr(0, 2000);
}

// As root, in a forked child: installs a filter that notifies reboot(2), waits on `go`, hands the listener
// over with its own pid and exits 0 when the daemon answered ok.
[[noreturn]] void hand_over_own_listener(const std::string& path, int go) {
  const int listener = install_reboot_listener();
  if (listener < 0) _exit(8);
  char c;
  if (read(go, &c, 1) != 0) _exit(9);  // EOF: everyone goes at once
  const std::string envelope = R"({"tollgateEnvelope":1,"pid":)" + std::to_string(getpid()) +
                               R"(,"argv":["burst"],"policy":{"name":"t.json","flavor":"tollgate",)"
                               R"("document":{"defaultAction":"SCMP_ACT_ALLOW"}}})";
  const std::string answer = hand_over(path, {{envelope, {listener}}});
  _exit(answer.find("\"ok\":true") != std::string::npos ? 0 : 6);
}

TEST(PeerShares, ABurstOfAThousandHandoversFromRootLosesNone) {
  TempDir dir;
  SuperviseDaemon daemon(dir, /*with_events=*/false);
  int go[2];
  ASSERT_EQ(pipe2(go, O_CLOEXEC), 0);
  UniqueFd go_read(go[0]), go_write(go[1]);
  constexpr int kBurst = 1000;
  std::vector<pid_t> children;
  for (int i = 0; i < kBurst; ++i) {
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      go_write.reset();
      hand_over_own_listener(daemon.socket(), go_read.get());
    }
    children.push_back(child);
  }
  go_write.reset();  // release them all
  int served = 0;
  for (pid_t child : children) {
    int status = 0;
    waitpid(child, &status, 0);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) ++served;
  }
  std::printf("handovers served in a burst of %d from root: %d\n", kBurst, served);
  EXPECT_EQ(served, kBurst);
  EXPECT_TRUE(daemon.alive()) << daemon.stderr_text();
}

}  // namespace
}  // namespace tollgate::testing
