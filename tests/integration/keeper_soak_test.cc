// Issue 14's acceptance run: 200 targets looping on notified calls (most decided by a rule, some emulated
// mounts, two held by an "ask" rule) while the deciding daemon is SIGKILLed every second for 30 seconds,
// and then upgraded (`ctl upgrade` to a rebuilt binary) ten times in a row.
// Every call of every target must be answered once with the policy's answer: no ENOSYS, no wrong answer,
// no mount done twice (an emulation under way at a kill fails closed with EPERM), and the held calls are
// still held afterwards, with their age, and can be allowed. An upgrade lets emulations finish first, so
// none fails closed during the upgrades. The slowest call's wait is measured and
// reported, not asserted: bench/keeper_soak runs this test and checks it against the 2 s the issue sets.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <thread>

#include "tests/integration/harness.h"
#include "tests/integration/keeper_targets.h"
#include "tollgate/unique_fd.h"

namespace tollgate::testing {
namespace {

using Clock = std::chrono::steady_clock;

uint64_t failed_closed(SharedReports& reports, size_t count) {
  uint64_t n = 0;
  for (size_t i = 0; i < count; ++i) n += reports[i].eperm.load();
  return n;
}

TEST(KeeperSoak,
     TwoHundredTargetsLoseNoCallWithTheDaemonKilledEverySecondForThirtySecondsThenUpgradedTenTimes) {
  constexpr int kLooping = 198;    // 2 more are held by the ask rule
  constexpr int kMountEvery = 10;  // every tenth looping target mounts (emulated) instead
  constexpr int kKills = 30;
  constexpr int kUpgrades = 10;
  TempDir dir;
  write_file(dir.file("ask.json"), kAskPolicy);
  const std::string binary = dir.file("tollgate");
  install_binary(binary);
  SuperviseDaemon daemon(dir, /*with_events=*/false, {"--keeper", "--loops", "2"}, binary);
  const std::string control = daemon.control_socket();
  int stop_pipe[2];
  ASSERT_EQ(pipe2(stop_pipe, O_CLOEXEC), 0);
  UniqueFd stop_read(stop_pipe[0]), stop_write(stop_pipe[1]);
  SharedReports reports(kLooping);
  std::vector<pid_t> targets;
  int mounting = 0;
  for (int i = 0; i < kLooping; ++i) {
    pid_t pid;
    if (i % kMountEvery == 0) {
      const std::string target = dir.file("m" + std::to_string(i));
      ASSERT_EQ(mkdir(target.c_str(), 0755), 0);
      pid = start_mounting_target(daemon.socket(), target, stop_read.get(), stop_write.get(), &reports[i]);
      ++mounting;
    } else {
      pid = start_looping_target(daemon.socket(), stop_read.get(), stop_write.get(), &reports[i]);
    }
    ASSERT_GT(pid, 0);
    targets.push_back(pid);
  }
  std::vector<std::unique_ptr<BackgroundProcess>> held;
  for (int i = 0; i < 2; ++i)
    held.push_back(std::make_unique<BackgroundProcess>(
        std::vector<std::string>{kTollgate, "run", "-q", "--supervisor", daemon.socket(), "--policy",
                                 dir.file("ask.json"), "--", kProbe, "settimeofday"},
        dir.file("held" + std::to_string(i) + ".out"), dir.file("held" + std::to_string(i) + ".err")));
  ASSERT_TRUE(eventually([&] { return stats(control).value("listeners", 0) == kLooping + 2; }))
      << stats(control).dump() << daemon.stderr_text();
  nlohmann::json before;
  ASSERT_TRUE(eventually([&] { return (before = pending(control)).size() == 2; })) << before.dump();
  const Clock::time_point before_taken = Clock::now();
  std::map<uint64_t, uint64_t> age_before;  // by the held call's pid
  for (const auto& call : before) age_before[call["pid"].get<uint64_t>()] = call["age_ms"].get<uint64_t>();

  pid_t serving = wait_for_serving_daemon(control, 0);
  ASSERT_NE(serving, 0) << daemon.stderr_text();
  // A kill every second: the next one once a second has passed since the last and the new daemon serves (a
  // loaded machine may take longer than a second to start one; it is never killed before it serves).
  Clock::time_point last_kill = Clock::now();
  for (int k = 0; k < kKills; ++k) {
    std::this_thread::sleep_until(last_kill + std::chrono::seconds(1));
    ASSERT_EQ(kill(serving, SIGKILL), 0);
    last_kill = Clock::now();
    const pid_t next = wait_for_serving_daemon(control, serving);
    ASSERT_NE(next, 0) << "no daemon serves after kill " << k << "\n" << daemon.stderr_text();
    serving = next;
  }
  EXPECT_TRUE(eventually([&] { return stats(control).value("listeners", 0) == kLooping + 2; }))
      << stats(control).dump();

  // Ten upgrades in a row, each to a binary rebuilt since: no emulation is cut short (the old daemon lets
  // them finish before the new one starts), so none fails closed.
  // What the kills failed closed is counted first. The last kill's call may be answered late (the new daemon
  // serves while it still recovers) and is counted by its target after it returns: once every mounting
  // target has returned from two more calls, its count includes that one.
  std::vector<uint64_t> calls_after_kills(kLooping);
  for (size_t i = 0; i < targets.size(); i += kMountEvery) calls_after_kills[i] = reports[i].calls.load();
  for (size_t i = 0; i < targets.size(); i += kMountEvery)
    ASSERT_TRUE(eventually([&] { return reports[i].calls.load() >= calls_after_kills[i] + 2; }))
        << "mounting target " << i << " made no call since the last kill\n" << daemon.stderr_text();
  const uint64_t failed_before_upgrades = failed_closed(reports, kLooping);
  for (int u = 0; u < kUpgrades; ++u) {
    install_binary(binary);
    ProcessResult r = run_process({kTollgate, "ctl", "--socket", control, "upgrade"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    const pid_t next = wait_for_serving_daemon(control, serving);
    ASSERT_NE(next, 0) << "no new daemon after upgrade " << u << "\n" << daemon.stderr_text();
    EXPECT_TRUE(eventually([&] { return kill(serving, 0) == -1; }))
        << "the old daemon runs on after upgrade " << u;
    serving = next;
  }
  EXPECT_EQ(failed_closed(reports, kLooping), failed_before_upgrades);
  EXPECT_TRUE(eventually([&] { return stats(control).value("listeners", 0) == kLooping + 2; }))
      << stats(control).dump();

  // The held calls are held still, each aged by at least the time that passed (their age counts from when
  // the first daemon received them, through every restart), and `ctl allow` lets them run.
  nlohmann::json after;
  const Clock::time_point after_asked = Clock::now();
  ASSERT_TRUE(eventually([&] { return (after = pending(control)).size() == 2; })) << after.dump();
  const auto passed_ms = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(after_asked - before_taken).count());
  for (const auto& call : after) {
    const uint64_t pid = call["pid"].get<uint64_t>();
    ASSERT_TRUE(age_before.contains(pid)) << after.dump() << before.dump();
    // +1: both ages are whole milliseconds, rounded down.
    EXPECT_GE(call["age_ms"].get<uint64_t>() + 1, age_before[pid] + passed_ms) << after.dump();
    ProcessResult r = run_process(
        {kTollgate, "ctl", "--socket", control, "allow", std::to_string(call["id"].get<uint64_t>())});
    EXPECT_EQ(r.status, 0) << r.out << r.err;
  }
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(held[i]->wait(), 0);
    const std::string out = read_file(dir.file("held" + std::to_string(i) + ".out"));
    EXPECT_NE(out.find("settimeofday: ret=0 errno=0"), std::string::npos) << out;
  }

  stop_write.reset();
  std::map<int, int> statuses = reap_targets(targets);
  uint64_t calls = 0, eperm = 0, eperm_but_done = 0;
  int64_t max_wait_ns = 0;
  for (size_t i = 0; i < targets.size(); ++i) {
    calls += reports[i].calls.load();
    eperm += reports[i].eperm.load();
    eperm_but_done += reports[i].eperm_but_done.load();
    max_wait_ns = std::max(max_wait_ns, reports[i].max_wait_ns.load());
  }
  EXPECT_EQ(statuses[kAllAnswered], kLooping)
      << "hung: " << statuses[-1] << ", ENOSYS: " << statuses[kEnosys]
      << ", wrong: " << statuses[kWrongAnswer] << ", mounted twice: " << statuses[kMountedTwice]
      << ", refused: " << statuses[kRefused] << "\n"
      << daemon.stderr_text();
  // Every mounting target mounted (and unmounted) many times, not only failed closed.
  for (size_t i = 0; i < targets.size(); i += kMountEvery)
    EXPECT_GT(reports[i].calls.load(), reports[i].eperm.load());
  EXPECT_EQ(daemon.stop(), 0);

  const double max_wait_ms = static_cast<double>(max_wait_ns) / 1e6;
  std::cout << "keeper soak: " << kLooping + 2 << " targets (" << mounting << " mounting, 2 held), " << kKills
            << " kills and " << kUpgrades << " upgrades, " << calls << " calls answered, " << eperm
            << " emulations failed closed at a kill (" << eperm_but_done
            << " of them done once), slowest call " << max_wait_ms << " ms\n";
  RecordProperty("calls", std::to_string(calls));
  RecordProperty("max_wait_ms", std::to_string(max_wait_ms));
  // For bench/keeper_soak, which holds the slowest wait to the bound.
  if (const char* report = std::getenv("TOLLGATE_KEEPER_SOAK_REPORT")) {
    std::ofstream(report) << nlohmann::json{{"targets", kLooping + 2},
                                            {"mounting", mounting},
                                            {"held", 2},
                                            {"kills", kKills},
                                            {"upgrades", kUpgrades},
                                            {"calls", calls},
                                            {"eperm", eperm},
                                            {"eperm_but_done", eperm_but_done},
                                            {"max_wait_ms", max_wait_ms}}
                                 .dump()
                          << "\n";
  }
}

}  // namespace
}  // namespace tollgate::testing
