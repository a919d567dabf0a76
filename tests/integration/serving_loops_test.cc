// A daemon with several serving loops (`supervise --loops N`): every call of every target answered exactly
// once and logged in the order its target made it, a stalled emulation that holds up nobody else, and the
// control socket's view (stats, targets, pending) summed over the loops.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "tests/integration/control_test_client.h"
#include "tests/integration/fuse_stall.h"
#include "tests/integration/harness.h"
#include "tests/integration/raw_handover_client.h"

namespace tollgate::testing {
namespace {

constexpr int kAnswerErrno = kNumberedErrno;  // getpriority(PRIO_PROCESS, i): `i` numbers the calls

// A forked child that hands its own listener to the daemon, then makes `calls` numbered calls. Its exit
// status: 0 when every call got the daemon's answer, 1 when one did not, 2 or 3 when the handover failed.
pid_t start_numbered_target(const std::string& socket, int calls) {
  const pid_t pid = fork();
  if (pid != 0) return pid;
  const int listener = install_notify_listener(__NR_getpriority);
  if (listener < 0) _exit(2);
  const std::string envelope = numbered_envelope(getpid(), "numbered");
  const std::string answer = hand_over(socket, {Chunk{envelope, {listener}}});
  close(listener);  // the daemon's copy is the only one left
  if (answer.find("\"ok\":true") == std::string::npos) _exit(3);
  int wrong = 0;
  for (int i = 0; i < calls; ++i) {
    errno = 0;
    if (syscall(SYS_getpriority, PRIO_PROCESS, i) != -1 || errno != kAnswerErrno) ++wrong;
  }
  _exit(wrong == 0 ? 0 : 1);
}

nlohmann::json control(const SuperviseDaemon& daemon, const std::string& cmd) {
  ControlTestClient c(daemon.control_socket());
  return c.request({{"v", 1}, {"cmd", cmd}});
}

std::vector<std::string> supervised(const SuperviseDaemon& d, const std::string& policy,
                                    const std::vector<std::string>& probe) {
  std::vector<std::string> argv = {kTollgate,  "run",  "-q", "--supervisor", d.socket(),
                                   "--policy", policy, "--", kProbe};
  argv.insert(argv.end(), probe.begin(), probe.end());
  return argv;
}

TEST(ServingLoops, AThousandTargetsOnFourLoopsAreEachAnsweredOnceAndLoggedInOrder) {
  constexpr int kTargets = 1000;
  constexpr int kCalls = 20;
  TempDir dir;
  SuperviseDaemon daemon(dir, /*with_events=*/true, {"--loops", "4"});

  std::vector<pid_t> targets;
  for (int i = 0; i < kTargets; ++i) {
    const pid_t pid = start_numbered_target(daemon.socket(), kCalls);
    ASSERT_GT(pid, 0) << "fork: " << std::strerror(errno);
    targets.push_back(pid);
  }
  std::map<int, int> statuses;
  for (pid_t pid : targets) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ++statuses[WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)];
  }
  EXPECT_EQ(statuses[0], kTargets) << "exit statuses (1: a wrong answer, 3: handover refused): "
                                   << nlohmann::json(statuses).dump();

  // Every call answered once: as many answers as calls, and no call still waiting.
  const uint64_t expected = uint64_t{kTargets} * kCalls;
  ASSERT_TRUE(eventually([&] { return count_lines(daemon.events()) >= expected; }))
      << count_lines(daemon.events()) << " events for " << expected << " calls";
  nlohmann::json stats = control(daemon, "stats")["stats"];
  EXPECT_EQ(stats["answered"], expected) << stats.dump();
  EXPECT_EQ(stats["notifications"], expected) << stats.dump();
  EXPECT_EQ(stats["unanswered"], 0) << stats.dump();
  EXPECT_EQ(stats["loops"], 4) << stats.dump();

  // Each target's calls in the events in the order it made them: 0, 1, 2, ...
  std::map<int64_t, std::vector<uint64_t>> numbers;
  std::ifstream events(daemon.events());
  for (std::string line; std::getline(events, line);) {
    const nlohmann::json e = nlohmann::json::parse(line);
    ASSERT_EQ(e["syscall"], "getpriority") << line;
    ASSERT_EQ(e["errno"], "EADDRNOTAVAIL") << line;
    numbers[e["pid"].get<int64_t>()].push_back(std::stoull(e["args"][1].get<std::string>(), nullptr, 16));
  }
  EXPECT_EQ(numbers.size(), size_t{kTargets});
  for (const auto& [pid, seen] : numbers) {
    std::vector<uint64_t> in_order(kCalls);
    for (int i = 0; i < kCalls; ++i) in_order[i] = static_cast<uint64_t>(i);
    EXPECT_EQ(seen, in_order) << "pid " << pid;
  }
  EXPECT_TRUE(daemon.alive());
}


size_t occurrences(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// A daemon with one loop, so that a stalled emulation and everyone else's calls share it, and a mount target
// inside a FUSE file system whose server never answers.
class StalledMount : public ::testing::Test {
 protected:
  StalledMount() {
    write_file(dir_.file("mount.json"), tmpfs_mount_policy(target_));
    write_file(dir_.file("getppid.json"), kGetppidPolicy);
  }
  TempDir dir_;
  FuseStall stall_{dir_.file("stalled")};
  const std::string target_ = stall_.path() + "/x";
  SuperviseDaemon daemon_{dir_, /*with_events=*/false, {"--loops", "1"}};
};

TEST_F(StalledMount, AMountStalledOnAHungFileSystemHoldsUpNoOtherTarget) {
  BackgroundProcess stalled(supervised(daemon_, dir_.file("mount.json"), {"mount", "none", target_, "tmpfs"}),
                            dir_.file("stalled.out"), dir_.file("stalled.err"));
  // The daemon has taken the mount and is resolving its target inside the hung file system.
  ASSERT_TRUE(eventually([&] { return control(daemon_, "stats")["stats"]["unanswered"] == 1; }))
      << control(daemon_, "stats").dump();

  // Another target's rule-decided calls on the same loop are all answered meanwhile.
  ProcessResult other =
      run_process(supervised(daemon_, dir_.file("getppid.json"), {"getppid-loop", "1000", "99"}));
  EXPECT_EQ(other.status, 0) << other.out << other.err;
  EXPECT_NE(other.out.find("getppid-loop: calls=1000 wrong=0"), std::string::npos) << other.out;
  // ... while the mount is still stalled.
  EXPECT_FALSE(stalled.wait(std::chrono::milliseconds(0)).has_value());
  EXPECT_EQ(control(daemon_, "stats")["stats"]["unanswered"], 1);

  stall_.abort();
  const auto status = stalled.wait(std::chrono::seconds(60));
  ASSERT_TRUE(status.has_value()) << "the stalled mount never returned after the abort";
  const std::string out = read_file(dir_.file("stalled.out"));
  EXPECT_NE(out.find("mount: ret=-1"), std::string::npos) << out;
  EXPECT_TRUE(eventually([&] { return control(daemon_, "stats")["stats"]["unanswered"] == 0; }));
  EXPECT_TRUE(daemon_.alive()) << daemon_.stderr_text();
}

TEST_F(StalledMount, ATargetWhoseMountsAllHangHoldsAtMostFourThreads) {
  constexpr int kMaxRunning = 4;  // EmulationDispatcher::kMaxRunningPerPeer

  BackgroundProcess mounts(
      supervised(daemon_, dir_.file("mount.json"),
                 {"mount-threads", std::to_string(kMaxRunning + 1), "none", target_, "tmpfs"}),
      dir_.file("mounts.out"), dir_.file("mounts.err"));
  // Four mounts hang in the file system; the fifth is refused at once.
  ASSERT_TRUE(eventually([&] {
    return read_file(dir_.file("mounts.out")).find("errno=EPERM") != std::string::npos;
  })) << read_file(dir_.file("mounts.out"))
      << read_file(dir_.file("mounts.err"));
  ASSERT_TRUE(eventually([&] { return control(daemon_, "stats")["stats"]["unanswered"] == kMaxRunning; }))
      << control(daemon_, "stats").dump();
  EXPECT_EQ(occurrences(read_file(dir_.file("mounts.out")), "mount-thread:"), 1u)
      << read_file(dir_.file("mounts.out"));
  const nlohmann::json stats = control(daemon_, "stats")["stats"];
  // The four stalled threads, the one serving the loop, at most one standby.
  EXPECT_LE(stats["serving_threads"].get<int>(), kMaxRunning + 2) << stats.dump();
  ProcessResult other =
      run_process(supervised(daemon_, dir_.file("getppid.json"), {"getppid-loop", "100", "99"}));
  EXPECT_EQ(other.status, 0) << other.out << other.err;

  stall_.abort();
  ASSERT_TRUE(mounts.wait(std::chrono::seconds(60)).has_value());
  EXPECT_EQ(occurrences(read_file(dir_.file("mounts.out")), "mount-thread:"), size_t{kMaxRunning + 1});
  EXPECT_TRUE(daemon_.alive()) << daemon_.stderr_text();
}

TEST(ServingLoops, StatsTargetsAndPendingAddUpOverThreeLoops) {
  constexpr int kHeld = 6;
  constexpr int kBusy = 3;
  TempDir dir;
  write_file(dir.file("ask.json"), R"({"defaultAction": "SCMP_ACT_ALLOW",
      "syscalls": [{"names": ["settimeofday"], "action": "SCMP_ACT_NOTIFY"}],
      "rules": [{"name": "ask-time", "syscalls": ["settimeofday"], "action": "ask", "timeout": 600,
                 "default": "deny"}]})");
  write_file(dir.file("getppid.json"), kGetppidPolicy);
  SuperviseDaemon daemon(dir, /*with_events=*/false, {"--loops", "3"});

  std::vector<std::unique_ptr<BackgroundProcess>> held;
  for (int i = 0; i < kHeld; ++i)
    held.push_back(std::make_unique<BackgroundProcess>(
        supervised(daemon, dir.file("ask.json"), {"settimeofday"}),
        dir.file("held" + std::to_string(i) + ".out"), dir.file("held" + std::to_string(i) + ".err")));
  ASSERT_TRUE(eventually([&] { return control(daemon, "pending")["pending"].size() == size_t{kHeld}; }))
      << control(daemon, "pending").dump();
  for (int i = 0; i < kBusy; ++i) {
    ProcessResult r =
        run_process(supervised(daemon, dir.file("getppid.json"), {"getppid-loop", "100", "99"}));
    EXPECT_EQ(r.status, 0) << r.out << r.err;
  }

  const nlohmann::json targets = control(daemon, "targets")["targets"];
  EXPECT_EQ(targets.size(), size_t{kHeld}) << targets.dump();
  for (const auto& t : targets) EXPECT_EQ(t["held"], 1) << t.dump();
  ASSERT_TRUE(eventually([&] { return control(daemon, "stats")["stats"]["answered"] == kBusy * 100; }))
      << control(daemon, "stats").dump();
  nlohmann::json stats = control(daemon, "stats")["stats"];
  EXPECT_EQ(stats["notifications"], kBusy * 100 + kHeld) << stats.dump();
  EXPECT_EQ(stats["unanswered"], kHeld) << stats.dump();
  EXPECT_EQ(stats["held"], kHeld) << stats.dump();
  EXPECT_EQ(stats["listeners"], kHeld) << stats.dump();
  EXPECT_EQ(stats["listeners_opened"], kHeld + kBusy) << stats.dump();

  // Answered from the main loop, each on the loop its target lives on.
  const nlohmann::json pending = control(daemon, "pending")["pending"];
  ASSERT_EQ(pending.size(), size_t{kHeld}) << pending.dump();
  for (const auto& p : pending) {
    ControlTestClient c(daemon.control_socket());
    EXPECT_EQ(c.request({{"v", 1}, {"cmd", "deny"}, {"id", p["id"]}})["ok"], true);
  }
  for (int i = 0; i < kHeld; ++i) {
    ASSERT_TRUE(held[i]->wait().has_value());
    EXPECT_NE(read_file(dir.file("held" + std::to_string(i) + ".out")).find("errno=EPERM"),
              std::string::npos);
  }
  ASSERT_TRUE(
      eventually([&] { return control(daemon, "stats")["stats"]["answered"] == kBusy * 100 + kHeld; }));
  stats = control(daemon, "stats")["stats"];
  EXPECT_EQ(stats["unanswered"], 0) << stats.dump();
  EXPECT_EQ(stats["by_verdict"]["deny"], kBusy * 100 + kHeld) << stats.dump();
  EXPECT_TRUE(eventually([&] { return control(daemon, "stats")["stats"]["listeners"] == 0; }));
}

}  // namespace
}  // namespace tollgate::testing
