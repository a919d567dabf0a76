// Input from peers that once crashed or misled the daemon (issue 12): documents nested deeper than the stack,
// bytes that are not UTF-8 in text the daemon sends back, numbers out of range, and paths in a peer's
// message. Each test shows the daemon alive and answering afterwards.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>

#include "include/tollgate/unique_fd.h"
#include "tests/integration/harness.h"
#include "tests/integration/raw_handover_client.h"

namespace tollgate::testing {
namespace {

// A forked child (as root) with a filter that notifies reboot(2): it sends `message(its pid)` with its
// listener to the daemon, passes the answer back, and stays alive (so the daemon keeps its listener) until
// this object goes away.
class ListenerChild {
 public:
  ListenerChild(const std::string& socket, const std::function<std::string(pid_t)>& message) {
    int answer[2], hold[2];
    if (pipe2(answer, O_CLOEXEC) != 0 || pipe2(hold, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
    answer_.reset(answer[0]);
    hold_.reset(hold[1]);
    pid_ = fork();
    if (pid_ == 0) {
      // Only our own ends: a copy of another child's (or the parent's) would keep its pipe from closing.
      for (int fd = 3; fd < 1024; ++fd)
        if (fd != answer[1] && fd != hold[0]) close(fd);
      run(socket, message, answer[1], hold[0]);
    }
    close(answer[1]);
    close(hold[0]);
  }
  ~ListenerChild() {
    hold_.reset();
    answer_.reset();
    if (pid_ > 0) waitpid(pid_, nullptr, 0);
  }
  // Everything the daemon answered (read until the child closes its end).
  std::string answer() {
    std::string all;
    pollfd p{answer_.get(), POLLIN, 0};
    while (poll(&p, 1, 30000) == 1) {
      char buf[4096];
      ssize_t n = read(answer_.get(), buf, sizeof buf);
      if (n <= 0) break;
      all.append(buf, static_cast<size_t>(n));
    }
    return all;
  }

 private:
  [[noreturn]] static void run(const std::string& socket, const std::function<std::string(pid_t)>& message,
                               int answer, int hold) {
    const int listener = install_reboot_listener();
    if (listener < 0) _exit(8);
    const std::string text = hand_over(socket, {{message(getpid()), {listener}}});
    close(listener);
    if (write(answer, text.data(), text.size()) < 0) _exit(9);
    close(answer);
    char c;
    while (read(hold, &c, 1) > 0) {
    }
    _exit(0);
  }

  UniqueFd answer_, hold_;
  pid_t pid_ = -1;
};

std::string oci_message(pid_t pid, const std::string& listener_metadata) {
  nlohmann::json j = {{"ociVersion", "1.0.2"},
                      {"fds", nlohmann::json::array({"seccompFd"})},
                      {"pid", pid},
                      {"metadata", listener_metadata},
                      {"state",
                       {{"ociVersion", "1.0.2"},
                        {"id", "c" + std::to_string(pid)},
                        {"status", "creating"},
                        {"pid", pid},
                        {"bundle", "/nowhere"}}}};
  return j.dump();
}

ProcessResult ctl(const SuperviseDaemon& daemon, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {kTollgate, "ctl", "--socket", daemon.control_socket()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, std::chrono::seconds(20));
}

// B1: a 300 KB handover whose policy document is nested 150,000 levels deep.
TEST(HostileInput, ADeeplyNestedHandoverIsRefusedAndTheDaemonLives) {
  TempDir dir;
  SuperviseDaemon daemon(dir);
  std::string deep = std::string(150000, '[') + std::string(150000, ']');
  ListenerChild child(daemon.socket(), [&](pid_t pid) {
    return R"({"tollgateEnvelope":1,"pid":)" + std::to_string(pid) +
           R"(,"argv":["x"],"policy":{"name":"t.json","flavor":"tollgate","document":{"defaultAction":)" +
           deep + "}}}";
  });
  const std::string answer = child.answer();
  EXPECT_NE(answer.find("nested deeper than"), std::string::npos) << answer.substr(0, 500);
  EXPECT_TRUE(daemon.alive()) << daemon.stderr_text();
  ProcessResult r =
      run_process({kTollgate, "run", "-q", "--supervisor", daemon.socket(), "--", kProbe, "reboot"});
  EXPECT_NE(r.out.find("reboot: ret=-1 errno=EPERM"), std::string::npos) << r.out << r.err;
}

// B1 on the control socket: the same nesting in a request line.
TEST(HostileInput, ADeeplyNestedControlRequestIsAnsweredAndTheDaemonLives) {
  TempDir dir;
  SuperviseDaemon daemon(dir);
  const std::string deep =
      R"({"v":1,"cmd":"stats","x":)" + std::string(30000, '[') + std::string(30000, ']') + "}";
  const std::string answer = hand_over(daemon.control_socket(), {{deep + "\n", {}}});
  EXPECT_NE(answer.find("nested deeper than"), std::string::npos) << answer.substr(0, 500);
  EXPECT_TRUE(daemon.alive()) << daemon.stderr_text();
  EXPECT_EQ(ctl(daemon, {"stats"}).status, 0);
}

// B2: a policy in --policy-dir that does not parse and quotes a Latin-1 byte in its error.
TEST(HostileInput, APolicyErrorWithBytesThatAreNotUtf8IsAnsweredAndTheDaemonLives) {
  TempDir dir;
  std::filesystem::create_directories(dir.file("policies"));
  write_file(dir.file("policies/default.json"), read_file(kPolicyDir + "/default.json"));
  write_file(dir.file("policies/latin1.json"), "{\"comment\":\"caf\xe9\", \"defaultAction\": }");
  SuperviseDaemon daemon(dir, true, {"--policy-dir", dir.file("policies")});
  ListenerChild child(daemon.socket(), [](pid_t pid) { return oci_message(pid, "policy=latin1"); });
  const std::string answer = child.answer();
  EXPECT_NE(answer.find("\"ok\":false"), std::string::npos) << answer;
  EXPECT_NE(answer.find("latin1.json"), std::string::npos) << answer;
  EXPECT_TRUE(daemon.alive()) << daemon.stderr_text();
}

// B4: a path in a runtime's listenerMetadata is never opened, not even by `ctl reload`.
TEST(HostileInput, APathInListenerMetadataIsNeverReadOnReload) {
  TempDir dir;
  std::filesystem::create_directories(dir.file("policies"));
  write_file(dir.file("policies/default.json"), read_file(kPolicyDir + "/default.json"));
  // Not a policy at all: if reload opened it, reload would fail and name it.
  write_file(dir.file("secret"), "root's secret, not JSON");
  SuperviseDaemon daemon(dir, true, {"--policy-dir", dir.file("policies")});
  ListenerChild child(daemon.socket(), [&](pid_t pid) {
    return oci_message(
        pid, "tollgate.policy_path=" + dir.file("secret") + "\ntollgate.profile_path=" + dir.file("secret"));
  });
  ASSERT_NE(child.answer().find("\"ok\":true"), std::string::npos);
  ProcessResult r = ctl(daemon, {"--json", "reload"});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(r.out.find("secret"), std::string::npos) << r.out;
  EXPECT_EQ(r.err.find("secret"), std::string::npos) << r.err;
  EXPECT_EQ(daemon.stderr_text().find("secret"), std::string::npos) << daemon.stderr_text();
  EXPECT_NE(r.out.find("policies/default.json"), std::string::npos) << r.out;  // the daemon's own file
}

// B6: arguments that are not UTF-8 travel in the envelope without aborting `tollgate run`.
TEST(HostileInput, ArgumentsThatAreNotUtf8AreHandedOver) {
  TempDir dir;
  SuperviseDaemon daemon(dir);
  ProcessResult r =
      run_process({kTollgate, "run", "-q", "--supervisor", daemon.socket(), "--", "/bin/echo", "caf\xe9"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "caf\xe9\n");
  EXPECT_TRUE(daemon.alive()) << daemon.stderr_text();
}

// B3: a number no double holds, in a policy file given to `run` and `lint`.
TEST(HostileInput, ANumberOutOfRangeInAPolicyIsAUsageErrorNamingFileAndField) {
  TempDir dir;
  write_file(dir.file("huge.json"), R"({"defaultAction":"SCMP_ACT_ALLOW","defaultErrnoRet":1e309})");
  for (const std::vector<std::string>& argv :
       {std::vector<std::string>{kTollgate, "lint", dir.file("huge.json")},
        std::vector<std::string>{kTollgate, "run", "--policy", dir.file("huge.json"), "--", "/bin/true"}}) {
    ProcessResult r = run_process(argv);
    EXPECT_EQ(r.status, 2) << argv[1] << ": " << r.err;
    const std::string said = r.out + r.err;  // lint reports on stdout, run on stderr
    EXPECT_NE(said.find("huge.json"), std::string::npos) << argv[1] << ": " << said;
    EXPECT_NE(said.find("/defaultErrnoRet"), std::string::npos) << argv[1] << ": " << said;
  }
}

// Lowers RLIMIT_NOFILE (soft and hard, so the daemon cannot raise it) for the processes started meanwhile.
// B8: at its open-file limit the daemon tells each peer so, logs it a bounded number of times (no busy
// accept loop), and serves again once fds are free.
TEST(HostileInput, AtItsOpenFileLimitTheDaemonRefusesClearlyAndQuietly) {
  TempDir dir;
  auto daemon = std::make_unique<SuperviseDaemon>(dir, /*with_events=*/false);
  const auto open_fds = [&] {
    size_t n = 0;
    std::error_code ec;
    for (auto it = std::filesystem::directory_iterator("/proc/" + std::to_string(daemon->pid()) + "/fd", ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
      ++n;
    return n;
  };
  const size_t idle_fds = open_fds();
  // A few fds above what the daemon holds at rest (more under the sanitizers): enough for one handover and
  // for UBSan, which checks memory through a pipe and halts with a false report when it cannot make one.
  const std::string limit = std::to_string(idle_fds + 10);
  // Only the daemon's limit is lowered (prlimit on its pid): the test itself keeps its fds for the peers.
  ProcessResult lowered = run_process(
      {"/usr/bin/prlimit", "--pid", std::to_string(daemon->pid()), "--nofile=" + limit + ":" + limit});
  ASSERT_EQ(lowered.status, 0) << lowered.err;
  // Silent peers: the first ones take the daemon's last fds (until its read timeout), the rest meet the
  // limit.
  std::vector<UniqueFd> peers;
  for (int i = 0; i < 60; ++i) {
    UniqueFd s(connect_to(daemon->socket()));
    ASSERT_TRUE(s.valid()) << "connect " << i;
    peers.push_back(std::move(s));
  }
  int told = 0, unanswered = 0;
  for (UniqueFd& s : peers) {
    const std::string answer = read_answer(s.get(), 30000);
    if (answer.find("open-file limit") != std::string::npos) ++told;
    if (answer.empty()) ++unanswered;
  }
  std::printf("at the open-file limit: %d of %zu peers told so, %d unanswered\n", told, peers.size(),
              unanswered);
  EXPECT_GT(told, 0);
  EXPECT_EQ(unanswered, 0);
  const std::string log = daemon->stderr_text();
  EXPECT_LT(std::count(log.begin(), log.end(), '\n'), 100) << log.substr(0, 2000);
  peers.clear();
  // "Once fds are free": peers that never sent a whole message hold theirs until the read timeout.
  ASSERT_TRUE(eventually([&] { return open_fds() <= idle_fds + 2; }))
      << open_fds() << " fds open, " << idle_fds << " at rest";
  ProcessResult r =
      run_process({kTollgate, "run", "-q", "--supervisor", daemon->socket(), "--", kProbe, "reboot"});
  EXPECT_NE(r.out.find("reboot: ret=-1 errno=EPERM"), std::string::npos) << r.out << r.err;
  EXPECT_TRUE(daemon->alive()) << daemon->stderr_text();
}

// B8: `supervise` and `run` start with their soft open-file limit raised to the hard one.
TEST(HostileInput, TheOpenFileLimitIsRaisedToTheHardLimitAtStart) {
  TempDir dir;
  rlimit saved{};
  getrlimit(RLIMIT_NOFILE, &saved);
  rlimit low{64, saved.rlim_max};
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  SuperviseDaemon daemon(dir);
  const std::string fifo = dir.file("go");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  BackgroundProcess run({kTollgate, "run", "-q", "--", "/bin/sh", "-c", "read x < " + fifo},
                        dir.file("run.out"), dir.file("run.err"));
  setrlimit(RLIMIT_NOFILE, &saved);
  const auto soft_limit = [](pid_t pid) {
    const std::string limits = read_file("/proc/" + std::to_string(pid) + "/limits");
    const size_t at = limits.find("Max open files");
    return at == std::string::npos ? std::string() : limits.substr(at + 26, 20);
  };
  const std::string hard = std::to_string(saved.rlim_max);
  EXPECT_EQ(soft_limit(daemon.pid()).find(hard), 0u) << soft_limit(daemon.pid());
  EXPECT_TRUE(eventually([&] { return soft_limit(run.pid()).find(hard) == 0u; })) << soft_limit(run.pid());
  write_file(fifo, "go\n");
  EXPECT_EQ(run.wait(), 0);
}

}  // namespace
}  // namespace tollgate::testing
