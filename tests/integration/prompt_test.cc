// The interactive prompt through a real terminal: `tollgate supervise --interactive` runs on a pty made
// here, the test reads the question from it and types the answer, and the held target sees the result.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "tests/integration/harness.h"

namespace tollgate::testing {
namespace {

constexpr const char* kAskPolicy = R"({
  "comment": "test: settimeofday is asked about",
  "defaultAction": "SCMP_ACT_ALLOW",
  "syscalls": [{"names": ["settimeofday"], "action": "SCMP_ACT_NOTIFY", "comment": "test"}],
  "rules": [{"name": "ask-time", "syscalls": ["settimeofday"], "action": "ask", "timeout": 60}]
})";

class PtySupervisor {
 public:
  explicit PtySupervisor(const std::vector<std::string>& argv) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_ = forkpty(&master_, nullptr, nullptr, nullptr);
    if (pid_ == 0) {
      execv(args[0], args.data());
      _exit(127);
    }
  }
  ~PtySupervisor() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
    if (master_ >= 0) close(master_);
  }
  bool started() const { return pid_ > 0 && master_ >= 0; }

  // Reads the terminal until `text` shows up after what earlier waits consumed.
  bool wait_for(const std::string& text, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      if (size_t at = screen_.find(text, consumed_); at != std::string::npos) {
        consumed_ = at + text.size();
        return true;
      }
      auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{master_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[4096];
      ssize_t n = read(master_, buf, sizeof buf);
      if (n <= 0) return false;
      screen_.append(buf, static_cast<size_t>(n));
    }
  }
  void type(const std::string& keys) {
    ASSERT_EQ(write(master_, keys.data(), keys.size()), static_cast<ssize_t>(keys.size()));
  }
  const std::string& screen() const { return screen_; }

 private:
  pid_t pid_ = -1;
  int master_ = -1;
  std::string screen_;
  size_t consumed_ = 0;
};

TEST(InteractivePrompt, AnswersTypedOnTheTerminalReachTheTarget) {
  TempDir dir;
  write_file(dir.file("ask.json"), kAskPolicy);
  const std::string socket = dir.file("s.sock"), learned = dir.file("learned.json");
  PtySupervisor tty({kTollgate, "supervise", "-q", "--socket", socket, "--control-socket", dir.file("c.sock"),
                     "--learned", learned, "--interactive"});
  ASSERT_TRUE(tty.started());
  ASSERT_TRUE(tty.wait_for("asking here")) << tty.screen();
  ASSERT_TRUE(eventually([&] { return std::filesystem::exists(socket); }));

  auto run_target = [&] {
    return run_process({kTollgate, "run", "-q", "--supervisor", socket, "--policy", dir.file("ask.json"),
                        "--", kProbe, "settimeofday"},
                       std::chrono::seconds(30));
  };
  const std::pair<std::string, std::string> cases[] = {
      {"a", "settimeofday: ret=0 errno=0"},
      {"d", "settimeofday: ret=-1 errno=EPERM"},
      {"eerofs\r", "settimeofday: ret=-1 errno=EROFS"},
      {"iD", "settimeofday: ret=-1 errno=EPERM"},  // info first, then deny always
  };
  for (const auto& [keys, expected] : cases) {
    ProcessResult result;
    std::thread target([&] { result = run_target(); });
    const bool asked = tty.wait_for("tg_probe[");
    EXPECT_TRUE(asked) << tty.screen();
    EXPECT_TRUE(
        tty.wait_for("settimeofday(NULL, NULL) \u2014 [a]llow once, [A]llow always, [d]eny, [D]eny always, "
                     "[e]rrno\u2026, [i]nfo?"))
        << tty.screen();
    if (asked) tty.type(keys);
    target.join();
    EXPECT_NE(result.out.find(expected), std::string::npos)
        << keys << ": " << result.out << result.err << tty.screen();
  }
  EXPECT_TRUE(tty.wait_for("policy:  ask.json, rule ask-time")) << tty.screen();
  EXPECT_TRUE(tty.wait_for("denied with EPERM (always)")) << tty.screen();

  // "Deny always" was learned: the next identical call is answered without a question.
  ProcessResult again = run_target();
  EXPECT_NE(again.out.find("errno=EPERM"), std::string::npos) << again.out << again.err;
  EXPECT_FALSE(tty.wait_for("tg_probe[", std::chrono::milliseconds(300))) << tty.screen();
  EXPECT_NE(read_file(learned).find("\"action\": \"deny\""), std::string::npos) << read_file(learned);
}

// `tollgate run --interactive --tty PTS`: the question goes to a terminal of its own, not the command's.
TEST(InteractivePrompt, RunAsksOnTheTerminalGivenWithTty) {
  TempDir dir;
  write_file(dir.file("ask.json"), kAskPolicy);
  int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  ASSERT_GE(master, 0);
  ASSERT_EQ(grantpt(master), 0);
  ASSERT_EQ(unlockpt(master), 0);
  const std::string slave = ptsname(master);
  ProcessResult result;
  std::thread run([&] {
    result = run_process({kTollgate, "run", "-q", "--interactive", "--tty", slave, "--policy",
                          dir.file("ask.json"), "--", kProbe, "settimeofday"},
                         std::chrono::seconds(30));
  });
  std::string screen;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (screen.find("[i]nfo?") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    pollfd p{master, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    char buf[4096];
    ssize_t n = read(master, buf, sizeof buf);
    if (n > 0) screen.append(buf, static_cast<size_t>(n));
  }
  EXPECT_NE(screen.find("settimeofday(NULL, NULL) \u2014 [a]llow once"), std::string::npos) << screen;
  const std::string keys = "eEROFS\r";
  EXPECT_EQ(write(master, keys.data(), keys.size()), static_cast<ssize_t>(keys.size()));
  run.join();
  close(master);
  EXPECT_EQ(result.status, 0) << result.err;
  EXPECT_NE(result.out.find("settimeofday: ret=-1 errno=EROFS"), std::string::npos)
      << result.out << result.err;
}

TEST(InteractivePrompt, RunRefusesToAskOnTheCommandsOwnTerminal) {
  ProcessResult r = run_process({kTollgate, "run", "--interactive", "--", kProbe, "exit", "0"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--tty"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace tollgate::testing
