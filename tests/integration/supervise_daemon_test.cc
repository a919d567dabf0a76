// `tollgate supervise` as a daemon: many targets at once, targets dying mid-run, and hostile handovers.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/sockios.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <thread>

#include "tests/integration/harness.h"
#include "tests/integration/raw_handover_client.h"

namespace tollgate::testing {
namespace {

std::vector<std::string> supervised(const SuperviseDaemon& d, const std::string& policy,
                                    std::vector<std::string> probe) {
  std::vector<std::string> argv = {kTollgate,  "run",  "-q", "--supervisor", d.socket(),
                                   "--policy", policy, "--", kProbe};
  argv.insert(argv.end(), probe.begin(), probe.end());
  return argv;
}

TEST(SuperviseDaemon, ServesAHandedOverTarget) {
  TempDir dir;
  SuperviseDaemon daemon(dir);
  ProcessResult r = run_process({kTollgate, "run", "--supervisor", daemon.socket(), "--", kProbe, "mount",
                                 "none", dir.file("x"), "tmpfs"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("mount: ret=-1 errno=EPERM"), std::string::npos) << r.out;
  EXPECT_TRUE(eventually([&] { return count_lines(daemon.events()) == 1; }));
  EXPECT_NE(read_file(daemon.events()).find("\"rule\":\"deny-mount\""), std::string::npos);
}

TEST(SuperviseDaemon, StopsCleanlyOnSigtermAndRemovesItsSocket) {
  TempDir dir;
  SuperviseDaemon daemon(dir);
  auto status = daemon.stop();
  ASSERT_TRUE(status.has_value()) << "tollgate supervise ignored SIGTERM";
  EXPECT_EQ(*status, 0);
  EXPECT_FALSE(std::filesystem::exists(daemon.socket()));
}

TEST(SuperviseDaemon, UnreachableSupervisorIsAnInternalError) {
  TempDir dir;
  ProcessResult r =
      run_process({kTollgate, "run", "--supervisor", dir.file("nobody.sock"), "--", kProbe, "exit", "0"});
  EXPECT_EQ(r.status, 125);
  EXPECT_NE(r.err.find("nobody.sock"), std::string::npos) << r.err;
}

TEST(SuperviseDaemon, TwoHundredTargetsAndHalfOfThemKilledMidRun) {
  TempDir dir;
  write_file(dir.file("getppid.json"), kGetppidPolicy);
  SuperviseDaemon daemon(dir, /*with_events=*/false);
  const size_t baseline_fds = stable_fd_count(daemon.pid());

  std::vector<std::unique_ptr<BackgroundProcess>> doomed, finishing;
  for (int i = 0; i < 100; ++i) {
    // Calls forever, until killed below while blocked in (or between) notified calls.
    doomed.push_back(std::make_unique<BackgroundProcess>(
        supervised(daemon, dir.file("getppid.json"), {"getppid-loop", "-1", "99"}), "/dev/null",
        dir.file("doomed" + std::to_string(i) + ".err")));
  }
  for (int i = 0; i < 100; ++i) {
    finishing.push_back(std::make_unique<BackgroundProcess>(
        supervised(daemon, dir.file("getppid.json"), {"getppid-loop", "1000", "99"}),
        dir.file("finishing" + std::to_string(i) + ".out"),
        dir.file("finishing" + std::to_string(i) + ".err")));
  }
  ASSERT_TRUE(eventually([&] { return count_open_fds(daemon.pid()) >= baseline_fds + 100; }))
      << "the daemon never held the doomed targets' listeners";
  for (auto& p : doomed) p->signal(SIGTERM);  // forwarded by tollgate run to the target
  for (auto& p : doomed) {
    auto status = p->wait(std::chrono::seconds(60));
    ASSERT_TRUE(status.has_value());
    EXPECT_EQ(*status, 128 + SIGTERM);
  }
  for (size_t i = 0; i < finishing.size(); ++i) {
    auto status = finishing[i]->wait(std::chrono::seconds(120));
    ASSERT_TRUE(status.has_value()) << "target " << i << " hung";
    // getppid-loop exits 0 only when all 1000 calls got exactly the supervisor's answer.
    EXPECT_EQ(*status, 0) << read_file(dir.file("finishing" + std::to_string(i) + ".out"))
                          << read_file(dir.file("finishing" + std::to_string(i) + ".err"));
  }
  EXPECT_TRUE(daemon.alive());
  EXPECT_TRUE(eventually([&] { return count_open_fds(daemon.pid()) == baseline_fds; }))
      << "fds: " << count_open_fds(daemon.pid()) << " baseline " << baseline_fds;
}

// ---- hostile handovers ----

constexpr const char* kValidEnvelope =
    R"({"tollgateEnvelope":1,"pid":1,"argv":["x"],"policy":{"name":"t.json","flavor":"tollgate","document":{"defaultAction":"SCMP_ACT_ALLOW"}}})";

class HostileHandover : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_ = std::make_unique<SuperviseDaemon>(dir_);
    baseline_ = stable_fd_count(daemon_->pid());
  }
  void TearDown() override {
    if (!daemon_) return;  // it never started: SetUp has already failed the test
    // Whatever happened, the daemon is alive, still serves a real target, and holds no stray fds.
    EXPECT_TRUE(daemon_->alive()) << daemon_->stderr_text();
    ProcessResult r =
        run_process({kTollgate, "run", "-q", "--supervisor", daemon_->socket(), "--", kProbe, "reboot"});
    EXPECT_NE(r.out.find("reboot: ret=-1 errno=EPERM"), std::string::npos)
        << "status " << r.status << "\n" << r.out << r.err << "daemon:\n" << daemon_->stderr_text();
    EXPECT_TRUE(eventually([&] { return count_open_fds(daemon_->pid()) == baseline_; }))
        << count_open_fds(daemon_->pid()) << " fds, baseline " << baseline_;
  }
  TempDir dir_;
  std::unique_ptr<SuperviseDaemon> daemon_;
  size_t baseline_ = 0;
};

TEST_F(HostileHandover, Garbage) {
  std::string answer = hand_over(daemon_->socket(), {{"\x01\x02 not json at all {{{", {}}});
  EXPECT_NE(answer.find("\"ok\":false"), std::string::npos) << answer;
}

TEST_F(HostileHandover, NoFd) {
  std::string answer = hand_over(daemon_->socket(), {{kValidEnvelope, {}}});
  EXPECT_NE(answer.find("expected exactly one file descriptor"), std::string::npos) << answer;
}

TEST_F(HostileHandover, TwoFdsAreBothClosed) {
  TwoPipesResult r = hand_over_with_two_pipes(daemon_->socket(), kValidEnvelope);
  EXPECT_NE(r.answer.find("got 2"), std::string::npos) << r.answer;
  EXPECT_TRUE(r.both_closed);
}

TEST_F(HostileHandover, AnFdThatIsNotAListenerIsClosed) {
  int p[2];
  ASSERT_EQ(pipe2(p, O_CLOEXEC), 0);
  std::string answer = hand_over(daemon_->socket(), {{kValidEnvelope, {p[1]}}});
  EXPECT_NE(answer.find("not a seccomp listener"), std::string::npos) << answer;
  close(p[1]);
  EXPECT_TRUE(write_end_closed_everywhere(p[0]));
  close(p[0]);
}

TEST_F(HostileHandover, FdsAfterTheFirstMessageAreClosed) {
  int p[2];
  ASSERT_EQ(pipe2(p, O_CLOEXEC), 0);
  int s = connect_to(daemon_->socket());
  ASSERT_GE(s, 0);
  send_chunk(s, {std::string(kValidEnvelope).substr(0, 10), {}});
  // The second chunk must arrive in a later read than the first: wait until the daemon has taken the first
  // off the socket (SIOCOUTQ counts the bytes the peer has not read yet).
  EXPECT_TRUE(eventually([&] {
    int unread = -1;
    return ioctl(s, SIOCOUTQ, &unread) == 0 && unread == 0;
  })) << "the daemon never read the first chunk";
  send_chunk(s, {std::string(kValidEnvelope).substr(10), {p[1]}});
  shutdown(s, SHUT_WR);
  std::string answer = read_answer(s);
  close(s);
  EXPECT_NE(answer.find("\"ok\":false"), std::string::npos) << answer;
  close(p[1]);
  EXPECT_TRUE(write_end_closed_everywhere(p[0]));
  close(p[0]);
}

TEST_F(HostileHandover, Truncated) {
  std::string half = std::string(kValidEnvelope).substr(0, 40);
  std::string answer = hand_over(daemon_->socket(), {{half, {}}});
  EXPECT_NE(answer.find("\"ok\":false"), std::string::npos) << answer;
}

TEST_F(HostileHandover, Oversized) {
  std::string huge(5 * 1024 * 1024, ' ');
  std::string answer = hand_over(daemon_->socket(), {{huge, {}}});
  EXPECT_NE(answer.find("larger than"), std::string::npos) << answer;
}

TEST_F(HostileHandover, SilentConnectionTimesOutWithoutStallingOthers) {
  int silent = connect_to(daemon_->socket());
  ASSERT_GE(silent, 0);
  // Meanwhile real targets are served, while the silent connection is still pending: a daemon stuck on it
  // would serve them only once it gives up on it (after 5 s), and would have answered it by then. (No
  // per-run time limit: with the sanitizers and other tests loading both cores, a run takes seconds.)
  for (int i = 0; i < 3; ++i) {
    ProcessResult r =
        run_process({kTollgate, "run", "-q", "--supervisor", daemon_->socket(), "--", kProbe, "settimeofday"},
                    std::chrono::seconds(30));
    EXPECT_NE(r.out.find("errno=EPERM"), std::string::npos) << r.out << r.err;
    if (i == 0) {
      pollfd pending{silent, POLLIN, 0};
      EXPECT_EQ(poll(&pending, 1, 0), 0)
          << "the first target was served only after the silent connection's timeout";
    }
  }
  std::string answer = read_answer(silent, 15000);  // the daemon gives up after 5 s
  EXPECT_NE(answer.find("timed out"), std::string::npos) << answer;
  close(silent);
}

TEST_F(HostileHandover, NonRootPeerIsRefused) {
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
  pid_t child = fork();
  if (child == 0) {
    if (setgid(65534) != 0 || setuid(65534) != 0) _exit(3);
    int s = connect_to(daemon_->socket());
    if (s < 0) _exit(4);  // refused at connect (socket mode 0600) is the expected outcome
    send_chunk(s, {kValidEnvelope, {}});
    shutdown(s, SHUT_WR);
    std::string answer = read_answer(s);
    _exit(answer.find("may not hand over") != std::string::npos ? 5 : 6);
  }
  int status = 0;
  waitpid(child, &status, 0);
  close(fds[0]);
  close(fds[1]);
  ASSERT_TRUE(WIFEXITED(status));
  // Either the socket's 0600 mode stops nobody at connect(2), or the peer-credential check answers it.
  EXPECT_TRUE(WEXITSTATUS(status) == 4 || WEXITSTATUS(status) == 5) << "exit " << WEXITSTATUS(status);
}

// As nobody, with a real listener of its own (reboot(2) notifies, nothing else does): hands `message` over
// and exits 5 when the daemon's answer contains `expected`.
int hand_over_as_nobody(const std::string& socket, const std::string& message, const std::string& expected) {
  pid_t child = fork();
  if (child == 0) {
    if (setgid(65534) != 0 || setuid(65534) != 0) _exit(3);
    const int listener = install_reboot_listener();
    if (listener < 0) _exit(8);
    int s = connect_to(socket);
    if (s < 0) _exit(4);
    send_chunk(s, {message, {listener}});
    shutdown(s, SHUT_WR);
    std::string answer = read_answer(s);
    _exit(answer.find(expected) != std::string::npos ? 5 : 6);
  }
  int status = 0;
  waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// A user let in with --allow-uid still cannot name a process it did not start (pid 1 here): the pid aims
// reboot's "exit" kill. Neither as an agent nor as an OCI runtime.
TEST(AllowedUsers, APidThePeerDidNotStartIsRefused) {
  TempDir dir;
  chmod(dir.path().c_str(), 0755);
  SuperviseDaemon daemon(dir, false, {"--allow-uid", "65534"});
  EXPECT_EQ(hand_over_as_nobody(daemon.socket(), kValidEnvelope, "pid 1 is not a process the peer started"),
            5);
  const std::string oci =
      R"({"ociVersion":"1.0.2","fds":["seccompFd"],"pid":1,"metadata":"","state":{"ociVersion":"1.0.2",)"
      R"("id":"x","status":"creating","pid":1,"bundle":"/nowhere"}})";
  EXPECT_EQ(hand_over_as_nobody(daemon.socket(), oci, "pid 1 does not run as uid 65534"), 5);
  EXPECT_TRUE(daemon.alive());
}

TEST(AllowedUsers, AnUnknownUserNameIsAStartUpError) {
  ProcessResult r =
      run_process({kTollgate, "supervise", "--socket", "/nonexistent/s", "--allow-uid", "no-such-user-x"});
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("--allow-uid no-such-user-x: no such user"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace tollgate::testing
