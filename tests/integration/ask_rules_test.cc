// "ask" rules through `tollgate supervise` and `tollgate ctl`: held calls are listed, answered once, time out
// to their default, drop out when their caller is killed, and "always" answers are learned for good.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <thread>

#include "tests/integration/control_test_client.h"
#include "tests/integration/harness.h"

namespace tollgate::testing {
namespace {

// settimeofday(NULL, NULL) does nothing when it runs, so "allow" is harmless and shows as ret=0.
std::string ask_policy(double timeout_s, const std::string& default_answer) {
  return R"({
  "comment": "test: settimeofday is asked about",
  "defaultAction": "SCMP_ACT_ALLOW",
  "syscalls": [{"names": ["settimeofday"], "action": "SCMP_ACT_NOTIFY", "comment": "test"}],
  "rules": [{"name": "ask-time", "syscalls": ["settimeofday"], "action": "ask", "timeout": )" +
         std::to_string(timeout_s) + R"(, "default": ")" + default_answer + R"("}]
})";
}

class Ask : public ::testing::Test {
 protected:
  void start_daemon(const std::vector<std::string>& extra = {}) {
    daemon_ = std::make_unique<SuperviseDaemon>(dir_, true, extra);
  }
  void write_policy(double timeout_s = 60, const std::string& default_answer = "deny") {
    write_file(dir_.file("ask.json"), ask_policy(timeout_s, default_answer));
  }
  std::vector<std::string> probe_argv(const std::string& action = "settimeofday") const {
    return {kTollgate, "run",  "-q",  "--supervisor", daemon_->socket(), "--policy", dir_.file("ask.json"),
            "--",      kProbe, action};
  }
  // The usual setup: the ask policy, a daemon, one target ("t") whose call is held. Returns the held call
  // (null when it never showed up).
  nlohmann::json hold_one(const std::vector<std::string>& daemon_args = {}) {
    write_policy();
    start_daemon(daemon_args);
    target_ = start_target("t");
    nlohmann::json list = wait_pending(1);
    return list.size() == 1 ? list[0] : nlohmann::json();
  }
  static std::string id_of(const nlohmann::json& held) { return std::to_string(held["id"].get<uint64_t>()); }
  std::unique_ptr<BackgroundProcess> start_target(const std::string& name) {
    return std::make_unique<BackgroundProcess>(probe_argv(), dir_.file(name + ".out"),
                                               dir_.file(name + ".err"));
  }
  nlohmann::json pending() {
    ControlTestClient c(daemon_->control_socket());
    nlohmann::json r = c.request({{"v", 1}, {"cmd", "pending"}});
    return r.is_discarded() ? nlohmann::json::array() : r["pending"];
  }
  // Waits until `n` calls are held; returns them.
  nlohmann::json wait_pending(size_t n) {
    nlohmann::json list;
    EXPECT_TRUE(eventually([&] { return (list = pending()).size() == n; })) << list.dump();
    return list;
  }
  ProcessResult ctl(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {kTollgate, "ctl", "--socket", daemon_->control_socket()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv, std::chrono::seconds(20));
  }
  std::string output_of(BackgroundProcess& p, const std::string& name) {
    auto status = p.wait(std::chrono::seconds(30));
    EXPECT_TRUE(status.has_value()) << name << " still running";
    return read_file(dir_.file(name + ".out")) + read_file(dir_.file(name + ".err"));
  }

  TempDir dir_;
  std::unique_ptr<SuperviseDaemon> daemon_;
  std::unique_ptr<BackgroundProcess> target_;
};

TEST_F(Ask, PendingShowsTheHeldCallAndDenyDeliversTheChosenErrno) {
  const nlohmann::json c = hold_one();
  ASSERT_FALSE(c.is_null());
  EXPECT_EQ(c["call"], "settimeofday(NULL, NULL)");
  EXPECT_EQ(c["comm"], "tg_probe");
  EXPECT_EQ(c["rule"], "ask-time");
  EXPECT_EQ(c["policy"], "ask.json");
  EXPECT_EQ(c["target"]["argv"].back(), "settimeofday");
  EXPECT_GT(c["pid"].get<int>(), 0);

  ProcessResult human = ctl({"pending"});
  EXPECT_EQ(human.status, 0) << human.err;
  EXPECT_NE(human.out.find("#" + std::to_string(c["id"].get<uint64_t>()) + "  tg_probe["), std::string::npos)
      << human.out;
  EXPECT_NE(human.out.find("settimeofday(NULL, NULL)"), std::string::npos) << human.out;

  ProcessResult r = ctl({"deny", std::to_string(c["id"].get<uint64_t>()), "--errno", "EACCES"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(output_of(*target_, "t").find("settimeofday: ret=-1 errno=EACCES"), std::string::npos);
  EXPECT_TRUE(pending().empty());
  EXPECT_TRUE(
      eventually([&] { return read_file(daemon_->events()).find("denied by ctl") != std::string::npos; }));
}

TEST_F(Ask, AllowLetsTheCallRun) {
  const nlohmann::json held = hold_one();
  ASSERT_FALSE(held.is_null());
  ProcessResult r = ctl({"allow", id_of(held)});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(output_of(*target_, "t").find("settimeofday: ret=0 errno=0"), std::string::npos);
}

TEST_F(Ask, WrongAndStaleIdsAreClearErrors) {
  const nlohmann::json held = hold_one();
  ASSERT_FALSE(held.is_null());
  ProcessResult wrong = ctl({"allow", "4242"});
  EXPECT_EQ(wrong.status, 1);
  EXPECT_NE(wrong.err.find("no held call with id 4242"), std::string::npos) << wrong.err;

  const std::string id = id_of(held);
  EXPECT_EQ(ctl({"deny", id}).status, 0);
  ProcessResult stale = ctl({"allow", id});
  EXPECT_EQ(stale.status, 1);
  EXPECT_NE(stale.err.find("no held call with id " + id), std::string::npos) << stale.err;
  // The first answer stands.
  EXPECT_NE(output_of(*target_, "t").find("settimeofday: ret=-1 errno=EPERM"), std::string::npos);

  EXPECT_EQ(ctl({"deny", "x"}).status, 2);  // not a number: a usage error, nothing sent
  ProcessResult bad_errno = ctl({"deny", id, "--errno", "ENOTANERRNO"});
  EXPECT_EQ(bad_errno.status, 1);
  EXPECT_NE(bad_errno.err.find("unknown errno name"), std::string::npos) << bad_errno.err;
}

TEST_F(Ask, AlwaysIsLearnedAppliedAtOnceAndSurvivesARestart) {
  write_policy();
  const std::string learned = dir_.file("learned.json");
  start_daemon({"--learned", learned});
  auto first = start_target("first");
  auto second = start_target("second");  // an identical call already waiting: the learned rule answers it too
  nlohmann::json list = wait_pending(2);
  ASSERT_EQ(list.size(), 2u);
  ProcessResult r = ctl({"deny", id_of(list[0]), "--errno", "EACCES", "--always"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(output_of(*first, "first").find("errno=EACCES"), std::string::npos);
  EXPECT_NE(output_of(*second, "second").find("errno=EACCES"), std::string::npos);

  nlohmann::json file = nlohmann::json::parse(read_file(learned));
  ASSERT_EQ(file["rules"].size(), 1u) << file.dump();
  EXPECT_EQ(file["rules"][0]["action"], "deny");
  EXPECT_EQ(file["rules"][0]["errno"], "EACCES");

  // The next identical call is decided without asking: EACCES comes only from the learned rule (asking
  // would hold the call for a minute, then deny it with EPERM), and nothing is held meanwhile.
  ProcessResult again = run_process(probe_argv(), std::chrono::seconds(30));
  EXPECT_NE(again.out.find("errno=EACCES"), std::string::npos) << again.out << again.err;
  EXPECT_TRUE(pending().empty());

  // A new supervisor reads the file.
  ASSERT_EQ(daemon_->stop(), 0);
  daemon_.reset();
  start_daemon({"--learned", learned});
  ProcessResult after_restart = run_process(probe_argv(), std::chrono::seconds(20));
  EXPECT_NE(after_restart.out.find("errno=EACCES"), std::string::npos)
      << after_restart.out << after_restart.err;
  EXPECT_TRUE(pending().empty());
}

TEST_F(Ask, AllowAlwaysLetsTheNextIdenticalCallRunWithoutAsking) {
  const nlohmann::json held = hold_one({"--learned", dir_.file("learned.json")});
  ASSERT_FALSE(held.is_null());
  EXPECT_EQ(ctl({"allow", id_of(held), "--always"}).status, 0);
  EXPECT_NE(output_of(*target_, "t").find("ret=0 errno=0"), std::string::npos);
  ProcessResult again = run_process(probe_argv(), std::chrono::seconds(20));
  EXPECT_NE(again.out.find("settimeofday: ret=0 errno=0"), std::string::npos) << again.out << again.err;
}

TEST_F(Ask, AlwaysWithoutALearnedFileIsRefusedAndTheCallStaysHeld) {
  const nlohmann::json held = hold_one();
  ASSERT_FALSE(held.is_null());
  const std::string id = id_of(held);
  ProcessResult r = ctl({"allow", id, "--always"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("--learned"), std::string::npos) << r.err;
  EXPECT_EQ(pending().size(), 1u);
  EXPECT_EQ(ctl({"deny", id}).status, 0);
  EXPECT_NE(output_of(*target_, "t").find("errno=EPERM"), std::string::npos);
}

// Issue 12, B7: JSON cannot hold a path that is not UTF-8 exactly, so no rule can be learned for it. --always
// is refused with that reason, the call stays held, nothing is written (not even a temporary file), and a
// later --always still works.
TEST_F(Ask, AlwaysForAPathThatIsNotUtf8IsRefusedAndChangesNothing) {
  write_file(dir_.file("ask.json"), R"({
  "comment": "test: mknod is asked about",
  "defaultAction": "SCMP_ACT_ALLOW",
  "syscalls": [{"names": ["mknod", "mknodat"], "action": "SCMP_ACT_NOTIFY", "comment": "test"}],
  "rules": [{"name": "ask-mknod", "syscalls": ["mknod", "mknodat"], "action": "ask", "timeout": 60,
             "default": "deny"}]
})");
  const std::string learned = dir_.file("learned.json");
  start_daemon({"--learned", learned});
  // The target's shell appends `suffix` (a printf format) to the path, so the command line handed over stays
  // ASCII: only the held call's own path is not UTF-8 (arguments that are not are B6, tested on their own).
  const auto mknod_target = [&](const std::string& name, const std::string& path, const std::string& suffix) {
    return std::make_unique<BackgroundProcess>(
        std::vector<std::string>{kTollgate, "run", "-q", "--supervisor", daemon_->socket(), "--policy",
                                 dir_.file("ask.json"), "--", "/bin/sh", "-c",
                                 R"sh(exec "$0" mknod "$1$(printf "$2")")sh", kProbe, path, suffix},
        dir_.file(name + ".out"), dir_.file(name + ".err"));
  };
  auto latin1 = mknod_target("latin1", dir_.file("caf"), "\\351");
  nlohmann::json list = wait_pending(1);
  ASSERT_EQ(list.size(), 1u);
  const std::string id = id_of(list[0]);
  ProcessResult r = ctl({"deny", id, "--errno", "EACCES", "--always"});
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_NE(r.err.find("not UTF-8"), std::string::npos) << r.err;
  EXPECT_EQ(pending().size(), 1u);
  EXPECT_FALSE(std::filesystem::exists(learned));
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path()))
    EXPECT_EQ(entry.path().filename().string().find(".learned.json."), std::string::npos) << entry.path();
  EXPECT_EQ(ctl({"deny", id, "--errno", "EACCES"}).status, 0);
  EXPECT_NE(output_of(*latin1, "latin1").find("errno=EACCES"), std::string::npos);

  auto plain = mknod_target("plain", dir_.file("plain"), "");
  list = wait_pending(1);
  ASSERT_EQ(list.size(), 1u);
  ProcessResult again = ctl({"deny", id_of(list[0]), "--errno", "EROFS", "--always"});
  EXPECT_EQ(again.status, 0) << again.err;
  EXPECT_NE(output_of(*plain, "plain").find("errno=EROFS"), std::string::npos);
  nlohmann::json file = nlohmann::json::parse(read_file(learned));
  EXPECT_EQ(file["rules"].size(), 1u) << file.dump();
}

TEST_F(Ask, TimeoutWithDefaultDenyGivesEperm) {
  write_policy(0.4, "deny");
  start_daemon();
  ProcessResult r = run_process(probe_argv(), std::chrono::seconds(30));
  EXPECT_NE(r.out.find("settimeofday: ret=-1 errno=EPERM"), std::string::npos) << r.out << r.err;
  // The timeout decided, not anything else that denies with EPERM.
  EXPECT_TRUE(eventually(
      [&] { return read_file(daemon_->events()).find("ask timed out, default deny") != std::string::npos; }));
}

TEST_F(Ask, TimeoutWithDefaultAllowLetsTheCallRun) {
  write_policy(0.2, "allow");
  start_daemon();
  ProcessResult r = run_process(probe_argv(), std::chrono::seconds(20));
  EXPECT_NE(r.out.find("settimeofday: ret=0 errno=0"), std::string::npos) << r.out << r.err;
}

TEST_F(Ask, KilledHeldTargetLeavesPendingAtOnce) {
  const nlohmann::json held = hold_one();
  ASSERT_FALSE(held.is_null());
  ControlTestClient watcher(daemon_->control_socket());
  ASSERT_EQ(watcher.request({{"v", 1}, {"cmd", "watch"}})["ok"], true);
  ASSERT_EQ(kill(held["pid"].get<pid_t>(), SIGKILL), 0);
  // The supervisor notices the caller left ("departed"), rather than waiting out the rule's minute
  // ("timed_out"); the read bound is only a guard, well under that minute.
  std::optional<std::string> event;
  const auto killed = std::chrono::steady_clock::now();
  while ((event = watcher.read_line(std::chrono::seconds(30))))
    if (event->find("\"event\":\"") != std::string::npos &&
        event->find("\"event\":\"decision\"") == std::string::npos)
      break;
  ASSERT_TRUE(event.has_value()) << "no word about the held call after its caller was killed";
  const nlohmann::json change = nlohmann::json::parse(*event);
  EXPECT_EQ(change["event"], "departed") << *event;
  EXPECT_EQ(change["id"], held["id"]) << *event;
  std::printf("killed held caller reported gone after %lld ms\n",
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::steady_clock::now() - killed)
                                         .count()));
  EXPECT_TRUE(pending().empty());
  EXPECT_EQ(target_->wait(std::chrono::seconds(30)), 128 + SIGKILL);
}

TEST_F(Ask, WatchStreamsHeldCallsAndDecisions) {
  write_policy();
  start_daemon();
  ControlTestClient watcher(daemon_->control_socket());
  nlohmann::json ack = watcher.request({{"v", 1}, {"cmd", "watch"}});
  ASSERT_EQ(ack["ok"], true) << ack.dump();
  auto target = start_target("t");
  auto held = watcher.read_line();
  ASSERT_TRUE(held.has_value());
  nlohmann::json h = nlohmann::json::parse(*held);
  EXPECT_EQ(h["event"], "held");
  EXPECT_EQ(h["call"]["call"], "settimeofday(NULL, NULL)");
  EXPECT_EQ(ctl({"deny", std::to_string(h["id"].get<uint64_t>())}).status, 0);
  std::string rest;
  while (auto line = watcher.read_line(std::chrono::seconds(5))) {
    rest += *line + "\n";
    if (line->find("\"event\":\"answered\"") != std::string::npos) break;
  }
  EXPECT_NE(rest.find("\"event\":\"decision\""), std::string::npos) << rest;
  EXPECT_NE(rest.find("\"errno\":\"EPERM\""), std::string::npos) << rest;
  EXPECT_NE(output_of(*target, "t").find("errno=EPERM"), std::string::npos);
}

TEST_F(Ask, CtlWatchPrintsHeldCallsAndDecisionsForPeople) {
  write_policy();
  start_daemon();
  BackgroundProcess watch({kTollgate, "ctl", "--socket", daemon_->control_socket(), "watch"},
                          dir_.file("watch.out"), dir_.file("watch.err"));
  ASSERT_TRUE(
      eventually([&] { return read_file(dir_.file("watch.err")).find("watching") != std::string::npos; }));
  auto target = start_target("t");
  nlohmann::json list = wait_pending(1);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(ctl({"deny", id_of(list[0]), "--errno", "EROFS"}).status, 0);
  (void)output_of(*target, "t");
  EXPECT_TRUE(eventually([&] {
    return read_file(dir_.file("watch.out")).find("-> deny EROFS") != std::string::npos;
  })) << read_file(dir_.file("watch.out"))
      << read_file(dir_.file("watch.err"));
  const std::string seen = read_file(dir_.file("watch.out"));
  EXPECT_NE(seen.find("tg_probe["), std::string::npos) << seen;
  EXPECT_NE(seen.find("settimeofday(NULL, NULL) -> deny EROFS (policy ask.json, rule ask-time)"),
            std::string::npos)
      << seen;
}

TEST_F(Ask, StatsAndTargets) {
  ASSERT_FALSE(hold_one().is_null());
  ProcessResult targets = ctl({"--json", "targets"});
  ASSERT_EQ(targets.status, 0) << targets.err;
  nlohmann::json t = nlohmann::json::parse(targets.out);
  ASSERT_EQ(t["targets"].size(), 1u) << targets.out;
  EXPECT_EQ(t["targets"][0]["policy"], "ask.json");
  EXPECT_EQ(t["targets"][0]["held"], 1);
  EXPECT_GT(t["targets"][0]["pid"].get<int>(), 0);
  EXPECT_EQ(t["targets"][0]["argv"].back(), "settimeofday");

  ProcessResult stats = ctl({"stats", "--json"});
  ASSERT_EQ(stats.status, 0) << stats.err;
  nlohmann::json s = nlohmann::json::parse(stats.out)["stats"];
  EXPECT_EQ(s["held"], 1);
  EXPECT_EQ(s["unanswered"], 1);
  EXPECT_EQ(s["listeners"], 1);

  auto id = pending()[0]["id"].get<uint64_t>();
  EXPECT_EQ(ctl({"deny", std::to_string(id)}).status, 0);
  (void)output_of(*target_, "t");
  ProcessResult after = ctl({"--json", "stats"});
  nlohmann::json s2 = nlohmann::json::parse(after.out)["stats"];
  EXPECT_EQ(s2["by_syscall"]["settimeofday"]["deny"], 1) << after.out;
  EXPECT_GT(s2["latency_ns"]["p50"].get<uint64_t>(), 0u);
  ProcessResult human = ctl({"stats"});
  EXPECT_NE(human.out.find("settimeofday: deny=1"), std::string::npos) << human.out;
}

// An ask rule that matched on a string: allowing would CONTINUE on memory the caller still controls.
TEST_F(Ask, AllowIsRefusedWhenTheRuleMatchedOnAPointerArgument) {
  write_file(dir_.file("ask.json"), R"({
  "comment": "test: tmpfs mounts are asked about",
  "defaultAction": "SCMP_ACT_ALLOW",
  "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_NOTIFY", "comment": "test"}],
  "rules": [{"name": "ask-tmpfs", "syscalls": ["mount"], "strings": [{"index": 2, "equals": "tmpfs"}],
             "action": "ask", "timeout": 60}]
})");
  start_daemon();
  BackgroundProcess target({kTollgate, "run", "-q", "--supervisor", daemon_->socket(), "--policy",
                            dir_.file("ask.json"), "--", kProbe, "mount", "none", dir_.file("m"), "tmpfs"},
                           dir_.file("t.out"), dir_.file("t.err"));
  nlohmann::json list = wait_pending(1);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_NE(list[0]["call"].get<std::string>().find("\"tmpfs\""), std::string::npos) << list.dump();
  ProcessResult allow = ctl({"allow", id_of(list[0])});
  EXPECT_EQ(allow.status, 1);
  EXPECT_NE(allow.err.find("pointer argument"), std::string::npos) << allow.err;
  EXPECT_EQ(pending().size(), 1u);  // still held, still the person's call
  EXPECT_EQ(ctl({"deny", id_of(list[0])}).status, 0);
  EXPECT_NE(output_of(target, "t").find("mount: ret=-1 errno=EPERM"), std::string::npos);
}

}  // namespace
}  // namespace tollgate::testing
