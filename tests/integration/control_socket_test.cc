// The control socket under hostile or careless clients: strangers are refused, bad messages are answered
// and never crash or stall the daemon, and nothing a client does leaves fds behind.
#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "tests/integration/control_test_client.h"
#include "tests/integration/harness.h"

namespace tollgate::testing {
namespace {

// In a forked child: become uid/gid 65534, optionally keeping CAP_DAC_OVERRIDE so that file permissions
// (the socket's mode, the test directory's) do not stop it and only the daemon's peer check can.
bool become_nobody(bool keep_dac_override) {
  if (keep_dac_override && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) return false;
  if (setgroups(0, nullptr) != 0 || setgid(65534) != 0 || setuid(65534) != 0) return false;
  if (!keep_dac_override) return true;
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  data[0].effective = data[0].permitted = 1u << CAP_DAC_OVERRIDE;
  return syscall(SYS_capset, &header, data) == 0;
}

// Runs fn in a child as nobody; its exit code is the result.
int as_nobody(bool keep_dac_override, const std::function<int()>& fn) {
  pid_t child = fork();
  if (child == 0) {
    if (!become_nobody(keep_dac_override)) _exit(90);
    _exit(fn());
  }
  int status = 0;
  waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
}

class ControlSocket : public ::testing::Test {
 protected:
  void start(const std::vector<std::string>& extra = {}) {
    daemon_ = std::make_unique<SuperviseDaemon>(dir_, false, extra);
    baseline_ = stable_fd_count(daemon_->pid());
  }
  void TearDown() override {
    if (!daemon_) return;
    // Whatever happened, the daemon is alive, answers, serves targets, and holds no stray fds.
    EXPECT_TRUE(daemon_->alive()) << daemon_->stderr_text();
    ControlTestClient c(daemon_->control_socket());
    EXPECT_EQ(c.request({{"v", 1}, {"cmd", "stats"}})["ok"], true);
    ProcessResult r =
        run_process({kTollgate, "run", "-q", "--supervisor", daemon_->socket(), "--", kProbe, "reboot"});
    EXPECT_NE(r.out.find("reboot: ret=-1 errno=EPERM"), std::string::npos) << r.out << r.err;
    EXPECT_TRUE(eventually([&] { return count_open_fds(daemon_->pid()) <= baseline_ + 1; }))
        << count_open_fds(daemon_->pid()) << " fds, baseline " << baseline_;
  }
  TempDir dir_;
  std::unique_ptr<SuperviseDaemon> daemon_;
  size_t baseline_ = 0;
};

TEST_F(ControlSocket, IsCreatedForRootOnly) {
  start();
  struct stat st {};
  ASSERT_EQ(stat(daemon_->control_socket().c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_uid, 0u);
}

TEST_F(ControlSocket, CtlWithoutASupervisorSaysSo) {
  ProcessResult r = run_process({kTollgate, "ctl", "--socket", dir_.file("nobody.sock"), "pending"});
  EXPECT_EQ(r.status, 125);
  EXPECT_NE(r.err.find("nobody.sock"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("is `tollgate supervise` running?"), std::string::npos) << r.err;
}

TEST_F(ControlSocket, AnExplicitSocketInUseIsAStartError) {
  start();
  ProcessResult r = run_process({kTollgate, "supervise", "--socket", dir_.file("second.sock"),
                                 "--control-socket", daemon_->control_socket()},
                                std::chrono::seconds(20));
  EXPECT_EQ(r.status, 125);
  EXPECT_NE(r.err.find("another supervisor is listening there"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir_.file("second.sock")));
}

TEST_F(ControlSocket, NonRootPeerIsRefusedEvenPastTheFileMode) {
  start();
  const std::string path = daemon_->control_socket();
  // Without privileges, the socket's mode stops nobody at connect(2).
  EXPECT_EQ(as_nobody(false,
                      [&] {
                        ControlTestClient c(path);
                        return c.connected() ? 1 : (c.connect_errno() == EACCES ? 0 : 2);
                      }),
            0);
  // With CAP_DAC_OVERRIDE the file mode no longer protects; the SO_PEERCRED check must.
  EXPECT_EQ(as_nobody(true,
                      [&] {
                        ControlTestClient c(path);
                        if (!c.connected()) return 3;
                        auto line = c.read_line(std::chrono::seconds(5));  // refused before any request
                        if (!line || line->find("uid 65534 is not allowed") == std::string::npos) return 4;
                        c.send_raw("{\"v\":1,\"cmd\":\"pending\"}\n");
                        return c.closed_by_peer() ? 0 : 5;
                      }),
            0);
}

TEST_F(ControlSocket, AConfiguredGroupMayConnect) {
  ASSERT_EQ(chmod(dir_.path().c_str(), 0711), 0);  // let nobody reach the socket inside
  start({"--control-group", "65534"});
  struct stat st {};
  ASSERT_EQ(stat(daemon_->control_socket().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0660u);
  EXPECT_EQ(st.st_gid, 65534u);
  const std::string path = daemon_->control_socket();
  EXPECT_EQ(as_nobody(false,
                      [&] {
                        ControlTestClient c(path);
                        if (!c.connected()) return 1;
                        nlohmann::json r = c.request({{"v", 1}, {"cmd", "pending"}});
                        return !r.is_discarded() && r["ok"] == true ? 0 : 2;
                      }),
            0);
}

TEST_F(ControlSocket, MalformedMessagesAreAnsweredAndTheConnectionGoesOn) {
  start();
  ControlTestClient c(daemon_->control_socket());
  ASSERT_TRUE(c.connected());
  const std::pair<std::string, std::string> cases[] = {
      {"\x01\x02{{{ not json", "not JSON"},
      {"[1,2,3]", "a request is a JSON object"},
      {"{\"v\":1}", "missing \\\"cmd\\\""},
      {"{\"v\":2,\"cmd\":\"pending\"}", "unsupported protocol version"},
      {"{\"v\":1,\"cmd\":\"format-disk\"}", "unknown command"},
      {"{\"v\":1,\"cmd\":\"allow\"}", "missing \\\"id\\\""},
      {"{\"v\":1,\"cmd\":\"allow\",\"id\":\"7\"}", "positive integer"},
      {"{\"v\":1,\"cmd\":\"allow\",\"id\":-7}", "positive integer"},
      {"{\"v\":1,\"cmd\":\"deny\",\"id\":7,\"errno\":99999}", "errno"},
      {"{\"v\":1,\"cmd\":\"deny\",\"id\":7,\"always\":\"yes\"}", "true or false"},
      {"{\"v\":1,\"cmd\":\"allow\",\"id\":18446744073709551615}", "no held call"},
  };
  for (const auto& [message, expected] : cases) {
    ASSERT_TRUE(c.send_raw(message + "\n"));
    auto line = c.read_line();
    ASSERT_TRUE(line.has_value()) << message;
    EXPECT_NE(line->find("\"ok\":false"), std::string::npos) << message << " -> " << *line;
    EXPECT_NE(line->find(expected), std::string::npos) << message << " -> " << *line;
  }
  EXPECT_EQ(c.request({{"v", 1}, {"cmd", "pending"}})["ok"], true);
}

TEST_F(ControlSocket, OversizedMessageIsRefusedAndTheClientDropped) {
  start();
  ControlTestClient c(daemon_->control_socket());
  ASSERT_TRUE(c.connected());
  c.send_raw(std::string(200 * 1024, 'x'));  // no newline: one endless line
  auto line = c.read_line();
  ASSERT_TRUE(line.has_value());
  EXPECT_NE(line->find("larger than"), std::string::npos) << *line;
  EXPECT_TRUE(c.closed_by_peer());

  ControlTestClient huge_line(daemon_->control_socket());
  huge_line.send_raw("{\"v\":1,\"cmd\":\"pending\",\"pad\":\"" + std::string(100 * 1024, 'y') + "\"}\n");
  auto l2 = huge_line.read_line();
  ASSERT_TRUE(l2.has_value());
  EXPECT_NE(l2->find("larger than"), std::string::npos) << *l2;
}

TEST_F(ControlSocket, FloodingAndHangingClientsDoNotStallTargets) {
  write_file(dir_.file("getppid.json"), kGetppidPolicy);
  start();
  // The target's calls are all answered while the flood goes on (getppid-loop checks each answer); how much
  // slower they run is a measurement for bench/, not a test. Bounds only guard against a hang.
  auto supervised_loop = [&] {
    return run_process({kTollgate, "run", "-q", "--supervisor", daemon_->socket(), "--policy",
                        dir_.file("getppid.json"), "--", kProbe, "getppid-loop", "100000", "99"},
                       std::chrono::seconds(300));
  };
  // A client that connects and says nothing, one that sends half a line, and one that floods requests
  // without ever reading a reply.
  ControlTestClient silent(daemon_->control_socket());
  ControlTestClient half(daemon_->control_socket());
  half.send_raw("{\"v\":1,\"cmd\":\"pen");
  std::atomic<bool> stop{false};
  std::atomic<size_t> flooded{0}, drops{0};
  std::thread flooder([&] {
    std::string burst;
    for (int i = 0; i < 1000; ++i) burst += "{\"v\":1,\"cmd\":\"stats\"}\n";
    while (!stop) {  // reconnects each time it is dropped, so the flood lasts as long as the target runs
      ControlTestClient f(daemon_->control_socket());
      size_t offset = 0;
      while (!stop) {
        ssize_t n = send(f.fd(), burst.data() + offset, burst.size() - offset, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
          continue;
        }
        if (n <= 0) {
          ++drops;  // the daemon hung up on it
          break;
        }
        flooded += static_cast<size_t>(n);
        offset = (offset + static_cast<size_t>(n)) % burst.size();
      }
    }
  });
  EXPECT_TRUE(eventually([&] { return flooded > 64 * 1024; })) << "the flood never got going";
  ProcessResult r = supervised_loop();
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("calls=100000 wrong=0"), std::string::npos) << r.out << r.err;
  // Another client is still answered.
  ControlTestClient other(daemon_->control_socket());
  EXPECT_EQ(other.request({{"v", 1}, {"cmd", "targets"}}, std::chrono::seconds(30))["ok"], true);
  stop = true;
  flooder.join();
  // It asked without reading: each time its unread replies passed the limit, the daemon dropped it.
  std::printf(
      "100000 rule-decided calls under a control flood (%zu bytes of requests, flooder dropped %zu times)\n",
      flooded.load(), drops.load());
}

}  // namespace
}  // namespace tollgate::testing
