// `tollgate supervise --keeper`: the daemon is SIGKILLed under targets that keep calling, and every call is
// still answered once with the policy's answer (never ENOSYS); a call held by an "ask" rule stays held,
// with its age, and is answered by `ctl allow` after the restart.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

#include "tests/integration/control_test_client.h"
#include "tests/integration/fake_service_manager.h"
#include "tests/integration/fuse_stall.h"
#include "tests/integration/harness.h"
#include "tests/integration/keeper_targets.h"
#include "tests/integration/raw_handover_client.h"
#include "tollgate/unique_fd.h"

namespace tollgate::testing {
namespace {

TEST(Keeper, KillingTheDaemonRepeatedlyLosesNoCall) {
  constexpr int kTargets = 40;
  constexpr int kKills = 6;
  TempDir dir;
  SuperviseDaemon daemon(dir, /*with_events=*/false, {"--keeper", "--loops", "2"});
  int stop_pipe[2];
  ASSERT_EQ(pipe2(stop_pipe, O_CLOEXEC), 0);
  UniqueFd stop_read(stop_pipe[0]), stop_write(stop_pipe[1]);
  std::vector<pid_t> targets;
  for (int i = 0; i < kTargets; ++i) {
    const pid_t pid = start_looping_target(daemon.socket(), stop_read.get(), stop_write.get());
    ASSERT_GT(pid, 0);
    targets.push_back(pid);
  }
  pid_t serving = wait_for_serving_daemon(daemon, 0);
  ASSERT_NE(serving, 0) << daemon.stderr_text();
  ASSERT_NE(serving, daemon.pid());  // the keeper is another process
  // Every target handed over (a handover in progress when a daemon dies fails, and its peer is told so).
  ASSERT_TRUE(eventually([&] { return stats(daemon).value("listeners", 0) == kTargets; }))
      << stats(daemon).dump();
  for (int k = 0; k < kKills; ++k) {
    // Killed while every target has calls in flight: some received and unanswered, most not yet received.
    ASSERT_EQ(kill(serving, SIGKILL), 0);
    const pid_t next = wait_for_serving_daemon(daemon, serving);
    ASSERT_NE(next, 0) << "no daemon serves after kill " << k << "\n" << daemon.stderr_text();
    serving = next;
  }
  // Every listener taken over by the last daemon (its loops add them as it starts serving).
  EXPECT_TRUE(eventually([&] { return stats(daemon).value("listeners", 0) == kTargets; }))
      << stats(daemon).dump();
  stop_write.reset();
  std::map<int, int> statuses = reap_targets(targets);
  EXPECT_EQ(statuses[kAllAnswered], kTargets)
      << "hung: " << statuses[-1] << ", ENOSYS: " << statuses[kEnosys]
      << ", wrong: " << statuses[kWrongAnswer] << ", refused: " << statuses[kRefused] << "\n"
      << daemon.stderr_text();
  const std::string log = daemon.stderr_text();
  EXPECT_NE(log.find("killed by signal 9"), std::string::npos) << log;
  EXPECT_TRUE(daemon.alive());
  EXPECT_EQ(daemon.stop(), 0);
}

// A record too large for one message on the keeper's channel (here a 600 KB command line; a large policy
// inline in the envelope does the same) is kept like any other: the target is taken over after a kill.
TEST(Keeper, AListenerWithALargeAdmissionRecordIsKeptToo) {
  TempDir dir;
  SuperviseDaemon daemon(dir, /*with_events=*/false, {"--keeper", "--loops", "1"});
  int stop_pipe[2];
  ASSERT_EQ(pipe2(stop_pipe, O_CLOEXEC), 0);
  UniqueFd stop_read(stop_pipe[0]), stop_write(stop_pipe[1]);
  const pid_t looping = start_looping_target(daemon.socket(), stop_read.get(), stop_write.get(), nullptr,
                                             std::string(600 * 1024, 'a'));
  ASSERT_GT(looping, 0);
  const pid_t first = wait_for_serving_daemon(daemon, 0);
  ASSERT_NE(first, 0) << daemon.stderr_text();
  ASSERT_TRUE(eventually([&] { return stats(daemon).value("listeners", 0) == 1; })) << stats(daemon).dump();
  ASSERT_EQ(kill(first, SIGKILL), 0);
  ASSERT_NE(wait_for_serving_daemon(daemon, first), 0) << daemon.stderr_text();
  EXPECT_TRUE(eventually([&] { return stats(daemon).value("listeners", 0) == 1; })) << daemon.stderr_text();
  EXPECT_NE(daemon.stderr_text().find("took over 1 of 1 listener(s)"), std::string::npos)
      << daemon.stderr_text();
  stop_write.reset();
  int status = 0;
  ASSERT_TRUE(eventually([&] { return waitpid(looping, &status, WNOHANG) == looping; }));
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == kAllAnswered) << status;
  EXPECT_EQ(daemon.stop(), 0);
}

// A user let in with --allow-uid is taken over too, and still under the daemon's own policy: the record
// the daemon kept is admitted again through the same checks as the first handover.
TEST(Keeper, AnAllowedUsersTargetIsTakenOverAcrossARestart) {
  TempDir dir;
  chmod(dir.path().c_str(), 0755);
  const std::string fifo = dir.file("go");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0666), 0);
  chmod(fifo.c_str(), 0666);  // whatever the umask
  SuperviseDaemon daemon(dir, /*with_events=*/false, {"--keeper", "--loops", "1", "--allow-uid", "nobody"});
  const std::string mount_once = kProbe + " mount none " + dir.file("x") + " tmpfs";
  BackgroundProcess user({"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", kTollgate,
                          "run", "-q", "--supervisor", daemon.socket(), "--", "/bin/sh", "-c",
                          mount_once + "; read line < " + fifo + "; " + mount_once},
                         dir.file("u.out"), dir.file("u.err"));
  ASSERT_TRUE(eventually([&] {
    return read_file(dir.file("u.out")).find("errno=EPERM") != std::string::npos;
  })) << read_file(dir.file("u.out"))
      << read_file(dir.file("u.err")) << daemon.stderr_text();
  const pid_t first = daemon_pid(daemon);
  ASSERT_NE(first, 0);
  ASSERT_EQ(kill(first, SIGKILL), 0);
  // The next daemon serves the control socket (it has no call to answer until the target makes one).
  ASSERT_TRUE(eventually([&] {
    const pid_t now = daemon_pid(daemon);
    return now != 0 && now != first && stats(daemon).value("listeners", 0) == 1;
  })) << daemon.stderr_text();
  {
    UniqueFd go(open(fifo.c_str(), O_WRONLY | O_CLOEXEC));
    ASSERT_TRUE(go.valid());
    ASSERT_EQ(write(go.get(), "\n", 1), 1);
  }
  EXPECT_EQ(user.wait(), 0);
  const std::string out = read_file(dir.file("u.out"));
  // Both calls answered by the daemon's default policy, before and after the restart: never ENOSYS.
  EXPECT_EQ(out.find("ENOSYS"), std::string::npos) << out << daemon.stderr_text();
  EXPECT_NE(out.find("errno=EPERM", out.find("errno=EPERM") + 1), std::string::npos)
      << out << daemon.stderr_text();
  EXPECT_EQ(daemon.stop(), 0);
}

TEST(Keeper, AHeldCallStaysHeldWithItsAgeAcrossARestart) {
  TempDir dir;
  write_file(dir.file("ask.json"), kAskPolicy);
  SuperviseDaemon daemon(dir, /*with_events=*/false, {"--keeper", "--loops", "1"});
  BackgroundProcess target({kTollgate, "run", "-q", "--supervisor", daemon.socket(), "--policy",
                            dir.file("ask.json"), "--", kProbe, "settimeofday"},
                           dir.file("t.out"), dir.file("t.err"));
  nlohmann::json held;
  ASSERT_TRUE(eventually([&] { return (held = pending(daemon)).size() == 1; })) << daemon.stderr_text();
  const uint64_t age_before = held[0]["age_ms"].get<uint64_t>();
  const pid_t first = daemon_pid(daemon);
  ASSERT_NE(first, 0);
  ASSERT_EQ(kill(first, SIGKILL), 0);
  nlohmann::json again;
  ASSERT_TRUE(eventually([&] {
    const pid_t now = daemon_pid(daemon);
    return now != 0 && now != first && (again = pending(daemon)).size() == 1;
  })) << daemon.stderr_text();
  // Its age counts from when the first daemon received it, not from the restart.
  EXPECT_GE(again[0]["age_ms"].get<uint64_t>(), age_before) << again.dump();
  EXPECT_EQ(again[0]["syscall"], "settimeofday") << again.dump();
  ProcessResult r = run_process({kTollgate, "ctl", "--socket", daemon.control_socket(), "allow",
                                 std::to_string(again[0]["id"].get<uint64_t>())});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(target.wait(), 0);
  EXPECT_NE(read_file(dir.file("t.out")).find("settimeofday: ret=0 errno=0"), std::string::npos)
      << read_file(dir.file("t.out")) << read_file(dir.file("t.err"));
  EXPECT_EQ(daemon.stop(), 0);
}

ProcessResult ctl_upgrade(const SuperviseDaemon& daemon) {
  return run_process({kTollgate, "ctl", "--socket", daemon.control_socket(), "upgrade"});
}

TEST(Keeper, TenUpgradesInARowLoseNoCall) {
  constexpr int kTargets = 20;
  constexpr int kUpgrades = 10;
  TempDir dir;
  const std::string binary = dir.file("tollgate");
  install_binary(binary);
  SuperviseDaemon daemon(dir, /*with_events=*/false, {"--keeper", "--loops", "2"}, binary);
  int stop_pipe[2];
  ASSERT_EQ(pipe2(stop_pipe, O_CLOEXEC), 0);
  UniqueFd stop_read(stop_pipe[0]), stop_write(stop_pipe[1]);
  std::vector<pid_t> targets;
  for (int i = 0; i < kTargets; ++i)
    targets.push_back(start_looping_target(daemon.socket(), stop_read.get(), stop_write.get()));
  pid_t serving = wait_for_serving_daemon(daemon, 0);
  ASSERT_NE(serving, 0) << daemon.stderr_text();
  ASSERT_TRUE(eventually([&] { return stats(daemon).value("listeners", 0) == kTargets; }))
      << stats(daemon).dump();
  for (int u = 0; u < kUpgrades; ++u) {
    install_binary(binary);
    ProcessResult r = ctl_upgrade(daemon);
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("upgrade started"), std::string::npos) << r.out;
    const pid_t next = wait_for_serving_daemon(daemon, serving);
    ASSERT_NE(next, 0) << "no new daemon after upgrade " << u << "\n" << daemon.stderr_text();
    // The old one is gone (the keeper reaps it: until then it is a zombie).
    EXPECT_TRUE(eventually([&] { return kill(serving, 0) == -1; }))
        << "the old daemon still runs after upgrade " << u;
    serving = next;
  }
  EXPECT_TRUE(eventually([&] { return stats(daemon).value("listeners", 0) == kTargets; }))
      << stats(daemon).dump();
  stop_write.reset();
  const int all_answered = reap_targets(targets)[kAllAnswered];
  EXPECT_EQ(all_answered, kTargets) << daemon.stderr_text();
  EXPECT_NE(daemon.stderr_text().find("upgraded: daemon 11"), std::string::npos) << daemon.stderr_text();
  EXPECT_EQ(daemon.stop(), 0);
}

TEST(Keeper, AnUpgradeToABinaryThatCannotStartLeavesTheOldDaemonServing) {
  TempDir dir;
  const std::string binary = dir.file("tollgate");
  install_binary(binary);
  SuperviseDaemon daemon(dir, /*with_events=*/false, {"--keeper"}, binary);
  pid_t serving = 0;
  ASSERT_TRUE(eventually([&] { return (serving = daemon_pid(daemon)) != 0; })) << daemon.stderr_text();
  // A "new version" that exits at once, as one built for another system or missing a library would.
  write_file(dir.file("broken"), "#!/bin/sh\nexit 1\n");
  chmod(dir.file("broken").c_str(), 0755);
  ASSERT_EQ(std::rename(dir.file("broken").c_str(), binary.c_str()), 0);
  ProcessResult r = ctl_upgrade(daemon);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  ASSERT_TRUE(eventually([&] { return daemon.stderr_text().find("serves on") != std::string::npos; }))
      << daemon.stderr_text();
  EXPECT_EQ(daemon_pid(daemon), serving);
  // The old daemon took up again: it accepts handovers and answers calls.
  ProcessResult after =
      run_process({kTollgate, "run", "-q", "--supervisor", daemon.socket(), "--", kProbe, "reboot"});
  EXPECT_NE(after.out.find("reboot: ret=-1 errno=EPERM"), std::string::npos) << after.out << after.err;
  EXPECT_EQ(daemon_pid(daemon), serving);
  EXPECT_EQ(daemon.stop(), 0);
}

TEST(Keeper, UpgradeWithoutAKeeperIsRefusedClearly) {
  TempDir dir;
  SuperviseDaemon daemon(dir, /*with_events=*/false);
  ProcessResult r = ctl_upgrade(daemon);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("--keeper"), std::string::npos) << r.err;
}

TEST(Keeper, AMountEmulationInProgressAtTheKillFailsClosedAndIsNeverDoneTwice) {
  TempDir dir;
  FuseStall stall(dir.file("stalled"));
  const std::string target = stall.path() + "/x";
  write_file(dir.file("mount.json"), tmpfs_mount_policy(target));
  SuperviseDaemon daemon(dir, /*with_events=*/false, {"--keeper", "--loops", "1"});
  BackgroundProcess mounting({kTollgate, "run", "-q", "--supervisor", daemon.socket(), "--policy",
                              dir.file("mount.json"), "--", kProbe, "mount", "none", target, "tmpfs"},
                             dir.file("m.out"), dir.file("m.err"));
  // The daemon has begun the emulation: it is resolving the target inside the hung file system.
  ASSERT_TRUE(eventually([&] {
    const nlohmann::json s = stats(daemon);
    return s.is_object() && s.value("unanswered", 0) == 1;
  })) << stats(daemon).dump();
  const pid_t first = daemon_pid(daemon);
  ASSERT_EQ(kill(first, SIGKILL), 0);
  // The next daemon cannot know how far the emulation got: the call fails closed.
  const auto status = mounting.wait(std::chrono::seconds(60));
  ASSERT_TRUE(status.has_value()) << "the mount was never answered\n" << daemon.stderr_text();
  const std::string out = read_file(dir.file("m.out"));
  EXPECT_NE(out.find("mount: ret=-1 errno=EPERM"), std::string::npos) << out << read_file(dir.file("m.err"));
  EXPECT_TRUE(eventually([&] {
    return daemon.stderr_text().find("answered or held again 1 call") != std::string::npos;
  })) << daemon.stderr_text();
  stall.abort();
  // Never mounted (let alone twice): no tmpfs anywhere below the stalled file system.
  EXPECT_EQ(read_file("/proc/self/mountinfo").find(stall.path() + "/x"), std::string::npos);
  EXPECT_EQ(daemon.stop(), 0);
}

TEST(Keeper, KillingTheKeeperLeavesTheDaemonServingAndThenItsDeathFailsClosed) {
  TempDir dir;
  SuperviseDaemon daemon(dir, /*with_events=*/false, {"--keeper", "--loops", "1"});
  int stop_pipe[2];
  ASSERT_EQ(pipe2(stop_pipe, O_CLOEXEC), 0);
  UniqueFd stop_read(stop_pipe[0]), stop_write(stop_pipe[1]);
  const pid_t looping = start_looping_target(daemon.socket(), stop_read.get(), stop_write.get());
  ASSERT_GT(looping, 0);
  const pid_t serving = wait_for_serving_daemon(daemon, 0);
  ASSERT_NE(serving, 0) << daemon.stderr_text();
  ASSERT_EQ(kill(daemon.pid(), SIGKILL), 0);  // the keeper
  ASSERT_TRUE(eventually([&] {
    return daemon.stderr_text().find("the keeper has gone away") != std::string::npos;
  })) << daemon.stderr_text();
  // The daemon serves on: the looping target's calls and a new target's.
  ProcessResult r =
      run_process({kTollgate, "run", "-q", "--supervisor", daemon.socket(), "--", kProbe, "reboot"});
  EXPECT_NE(r.out.find("reboot: ret=-1 errno=EPERM"), std::string::npos) << r.out << r.err;
  // With both gone, the looping target's next notified call fails with ENOSYS: closed, never allowed.
  ASSERT_EQ(kill(serving, SIGKILL), 0);
  int status = 0;
  ASSERT_TRUE(eventually([&] { return waitpid(looping, &status, WNOHANG) == looping; }));
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == kEnosys) << status;
}

// Under systemd with --fd-store (tollgate.service), even the keeper's death loses nothing: the listeners,
// the in-flight record and the keeper's state are in the fd store, so the targets' calls wait instead of
// failing with ENOSYS, and the keeper systemd starts next takes all of it up. systemd's part is played by
// FakeServiceManager; as KillMode=mixed does, the daemon is SIGKILLed when the keeper dies.
TEST(Keeper, UnderSystemdTheFdStoreCarriesEveryTargetAcrossTheKeepersDeath) {
  constexpr int kTargets = 8;
  TempDir dir;
  write_file(dir.file("ask.json"), kAskPolicy);
  FakeServiceManager systemd(dir);
  const std::string handover_path = dir.file("handover.sock"), control_path = dir.file("control.sock");
  UniqueFd handover = listening_socket(handover_path), control = listening_socket(control_path);
  const std::vector<std::pair<std::string, int>> sockets = {{"handover", handover.get()},
                                                            {"control", control.get()}};
  const std::vector<std::string> argv = {kTollgate, "supervise", "--keeper",     "--fd-store",       "-q",
                                         "--loops", "1",         "--report-dir", dir.file("reports")};
  auto keeper = systemd.start(argv, sockets, dir.file("k1.out"), dir.file("k1.err"));
  ASSERT_TRUE(eventually([&] {
    systemd.drain();
    return systemd.ready_count() == 1;
  })) << read_file(dir.file("k1.err"));
  // The keeper, not the daemon, told readiness: the service's main process (NotifyAccess=main).
  EXPECT_NE(systemd.last_status().find("serving: daemon 1"), std::string::npos) << systemd.last_status();

  int stop_pipe[2];
  ASSERT_EQ(pipe2(stop_pipe, O_CLOEXEC), 0);
  UniqueFd stop_read(stop_pipe[0]), stop_write(stop_pipe[1]);
  std::vector<pid_t> targets;
  for (int i = 0; i < kTargets; ++i) {
    const pid_t pid = start_looping_target(handover_path, stop_read.get(), stop_write.get());
    ASSERT_GT(pid, 0);
    targets.push_back(pid);
  }
  BackgroundProcess held({kTollgate, "run", "-q", "--supervisor", handover_path, "--policy",
                          dir.file("ask.json"), "--", kProbe, "settimeofday"},
                         dir.file("t.out"), dir.file("t.err"));
  nlohmann::json before;
  ASSERT_TRUE(eventually([&] { return (before = pending(control_path)).size() == 1; }))
      << read_file(dir.file("k1.err"));
  ASSERT_TRUE(eventually([&] { return stats(control_path).value("listeners", 0) == kTargets + 1; }))
      << stats(control_path).dump();
  // Everything the keeper holds is in the store too.
  ASSERT_TRUE(eventually([&] {
    systemd.drain();
    return systemd.stored("kept-listener-") == kTargets + 1 && systemd.stored("kept-ring-") == 1 &&
           systemd.stored("kept-state-") == 1;
  })) << systemd.stored("kept-listener-")
      << " listeners, " << systemd.stored("kept-ring-") << " rings, " << systemd.stored("kept-state-")
      << " states";

  // The keeper dies, and with it (KillMode=mixed) the daemon.
  const pid_t daemon = stats(control_path).value("pid", 0);
  ASSERT_GT(daemon, 0);
  UniqueFd daemon_pidfd(static_cast<int>(syscall(SYS_pidfd_open, daemon, 0)));
  ASSERT_TRUE(daemon_pidfd.valid());
  ASSERT_EQ(kill(keeper->pid(), SIGKILL), 0);
  ASSERT_EQ(keeper->wait(), 128 + SIGKILL);
  ASSERT_EQ(syscall(SYS_pidfd_send_signal, daemon_pidfd.get(), SIGKILL, nullptr, 0), 0);
  pollfd gone{daemon_pidfd.get(), POLLIN, 0};
  ASSERT_EQ(poll(&gone, 1, -1), 1);
  // With no keeper and no daemon, every target is still alive and waiting: not one call failed.
  for (pid_t pid : targets) EXPECT_EQ(waitpid(pid, nullptr, WNOHANG), 0) << "target " << pid << " ended";

  // systemd starts the service again, handing back the sockets and the store.
  auto second = systemd.start(argv, sockets, dir.file("k2.out"), dir.file("k2.err"));
  ASSERT_TRUE(eventually([&] {
    systemd.drain();
    return systemd.ready_count() == 2;
  })) << read_file(dir.file("k2.err"));
  EXPECT_NE(
      read_file(dir.file("k2.err"))
          .find("took up from the service manager's store " + std::to_string(kTargets + 1) + " listener(s)"),
      std::string::npos)
      << read_file(dir.file("k2.err"));
  ASSERT_TRUE(eventually([&] { return stats(control_path).value("listeners", 0) == kTargets + 1; }))
      << stats(control_path).dump() << read_file(dir.file("k2.err"));
  // The held call is held still, with its age.
  nlohmann::json after;
  ASSERT_TRUE(eventually([&] { return (after = pending(control_path)).size() == 1; }))
      << read_file(dir.file("k2.err"));
  EXPECT_GE(after[0]["age_ms"].get<uint64_t>(), before[0]["age_ms"].get<uint64_t>()) << after.dump();
  ProcessResult allow = run_process(
      {kTollgate, "ctl", "--socket", control_path, "allow", std::to_string(after[0]["id"].get<uint64_t>())});
  EXPECT_EQ(allow.status, 0) << allow.out << allow.err;
  EXPECT_EQ(held.wait(), 0);
  EXPECT_NE(read_file(dir.file("t.out")).find("settimeofday: ret=0 errno=0"), std::string::npos)
      << read_file(dir.file("t.out")) << read_file(dir.file("t.err"));
  // Every call of every looping target got the rule's answer, before and after.
  stop_write.reset();
  const int all_answered = reap_targets(targets)[kAllAnswered];
  EXPECT_EQ(all_answered, kTargets) << read_file(dir.file("k2.err"));
  // A stop, as `systemctl stop` sends it: SIGTERM to the keeper, which stops its daemon and says so.
  ASSERT_EQ(kill(second->pid(), SIGTERM), 0);
  EXPECT_EQ(second->wait(), 0);
  systemd.drain();
  EXPECT_EQ(systemd.last_status(), "stopping");
}

}  // namespace
}  // namespace tollgate::testing
