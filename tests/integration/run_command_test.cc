// `tollgate run` as a command: exit statuses, signals, bad policies, help, and hostile profiles.
#include <gtest/gtest.h>
#include <signal.h>

#include <thread>

#include "tests/integration/harness.h"

namespace tollgate::testing {
namespace {

TEST(RunCommand, ExitsWithTheTargetsStatus) {
  EXPECT_EQ(run_process({kTollgate, "run", "-q", "--", kProbe, "exit", "7"}).status, 7);
  EXPECT_EQ(run_process({kTollgate, "run", "-q", "--", kProbe, "exit", "0"}).status, 0);
  EXPECT_EQ(run_process({kTollgate, "run", "-q", "--", "/bin/sh", "-c", "kill -9 $$"}).status, 128 + SIGKILL);
}

TEST(RunCommand, CommandNotFoundIs127AndNotExecutableIs126) {
  ProcessResult missing = run_process({kTollgate, "run", "--", "/nonexistent/program"});
  EXPECT_EQ(missing.status, 127);
  EXPECT_NE(missing.err.find("/nonexistent/program"), std::string::npos) << missing.err;
  EXPECT_EQ(run_process({kTollgate, "run", "--", "no-such-command-anywhere"}).status, 127);
  TempDir dir;
  write_file(dir.file("script"), "#!/bin/sh\n");  // not executable
  EXPECT_EQ(run_process({kTollgate, "run", "--", dir.file("script")}).status, 126);
}

TEST(RunCommand, ForwardsTerminationSignalsToTheTarget) {
  // The target catches the signal and exits 40 + its number: only a forwarded signal produces that status.
  // (Had tollgate itself died of the signal, the status would be 128 + N, as for a target killed by it.)
  const std::string target =
      R"(trap 'echo caught; exit 55' TERM; trap 'echo caught; exit 42' INT; trap 'echo caught; exit 41' HUP; )"
      R"(echo ready; while :; do sleep 0.05; done)";
  for (int sig : {SIGTERM, SIGINT, SIGHUP}) {
    TempDir dir;
    BackgroundProcess run({kTollgate, "run", "-q", "--", "/bin/sh", "-c", target}, dir.file("out"),
                          dir.file("err"));
    ASSERT_TRUE(eventually([&] { return read_file(dir.file("out")) == "ready\n"; }))
        << "the target never started: " << read_file(dir.file("err"));
    run.signal(sig);
    auto status = run.wait(std::chrono::seconds(30));
    ASSERT_TRUE(status.has_value()) << "tollgate run did not exit after signal " << sig;
    EXPECT_EQ(*status, 40 + sig) << "signal " << sig
                                 << " did not reach the target: " << read_file(dir.file("err"));
    EXPECT_NE(read_file(dir.file("out")).find("caught"), std::string::npos);
  }
}

// Processes whose command line contains `token`.
size_t processes_with(const std::string& token) {
  size_t n = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::string cmdline = read_file(entry.path().string() + "/cmdline");
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    if (cmdline.find(token) != std::string::npos && cmdline.find("tg_probe") != std::string::npos) ++n;
  }
  return n;
}

TEST(RunCommand, ASignalRightAfterStartDoesNotOrphanTheTarget) {
  // Sent before tollgate has its handlers: it must still reach the target, not kill tollgate and leave the
  // target running with nobody supervising it.
  for (int i = 0; i < 20; ++i) {
    TempDir dir;
    const std::string token = "orphan-check-" + std::to_string(getpid()) + "-" + std::to_string(i);
    BackgroundProcess run({kTollgate, "run", "-q", "--", kProbe, "sleep", "30", token}, dir.file("out"),
                          dir.file("err"));
    std::this_thread::sleep_for(std::chrono::microseconds(500 * i));
    run.signal(SIGTERM);
    auto status = run.wait(std::chrono::seconds(10));
    ASSERT_TRUE(status.has_value());
    EXPECT_EQ(*status, 128 + SIGTERM);
    EXPECT_TRUE(eventually([&] { return processes_with(token) == 0; }))
        << "the target outlived tollgate run (attempt " << i << ")";
  }
}

TEST(RunCommand, HelpAndVersion) {
  ProcessResult version = run_process({kTollgate, "--version"});
  EXPECT_EQ(version.status, 0);
  EXPECT_NE(version.out.find("tollgate "), std::string::npos);
  ProcessResult help = run_process({kTollgate, "--help"});
  EXPECT_EQ(help.status, 0);
  EXPECT_NE(help.out.find("run"), std::string::npos);
  EXPECT_NE(help.out.find("supervise"), std::string::npos);
  ProcessResult run_help = run_process({kTollgate, "run", "--help"});
  EXPECT_EQ(run_help.status, 0);
  EXPECT_NE(run_help.out.find("--policy"), std::string::npos);
  EXPECT_NE(run_help.out.find("Exit status"), std::string::npos);
  EXPECT_EQ(run_process({kTollgate, "frobnicate"}).status, 2);
  EXPECT_EQ(run_process({kTollgate, "run", "--no-such-flag", "--", "true"}).status, 2);
}

struct BadPolicy {
  std::string name;
  std::string json;
  std::string expected;  // in the one error line
};

class MalformedPolicy : public ::testing::TestWithParam<BadPolicy> {};

TEST_P(MalformedPolicy, GivesOneClearErrorAndExitStatus2) {
  TempDir dir;
  const std::string path = dir.file(GetParam().name + ".json");
  write_file(path, GetParam().json);
  ProcessResult r = run_process({kTollgate, "run", "--policy", path, "--", kProbe, "exit", "0"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find(path + ": "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(GetParam().expected), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");  // the target never ran
}

INSTANTIATE_TEST_SUITE_P(
    Policies, MalformedPolicy,
    ::testing::Values(
        BadPolicy{"bad_json", R"({"defaultAction": "SCMP_ACT_ALLOW",)", "invalid JSON at line 1"},
        BadPolicy{
            "unknown_action",
            R"({"defaultAction": "SCMP_ACT_ALLOW", "rules": [{"syscalls": ["mount"], "action": "alow"}]})",
            "/rules/0/action: unknown action \"alow\""},
        BadPolicy{
            "unknown_filter_action",
            R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mount"], "action": "NOTIFY"}]})",
            "/syscalls/0/action: unknown action \"NOTIFY\""},
        BadPolicy{
            "unknown_syscall",
            R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mount", "mountt"], "action": "SCMP_ACT_NOTIFY"}]})",
            "/syscalls/0/names/1: unknown syscall \"mountt\" (unknown to libseccomp"},
        // (A syscall of another architecture is left out with a note, as runc does: docs/policy.md.)
        BadPolicy{
            "unknown_syscall_in_a_rule",
            R"({"defaultAction": "SCMP_ACT_ALLOW", "rules": [{"syscalls": ["umount"], "action": "deny"}]})",
            "/rules/0/syscalls/0: unknown syscall \"umount\" (not a syscall on x86_64)"},
        BadPolicy{
            "wrong_type_names",
            R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": "mount", "action": "SCMP_ACT_NOTIFY"}]})",
            "/syscalls/0/names: expected an array, got string"},
        BadPolicy{
            "wrong_type_errno",
            R"({"defaultAction": "SCMP_ACT_ALLOW", "rules": [{"syscalls": ["mount"], "action": "deny", "errno": true}]})",
            "/rules/0/errno"},
        BadPolicy{"top_level_array", R"([1, 2])", "expected a JSON object at the top level"},
        BadPolicy{
            "unsafe_allow",
            R"({"defaultAction": "SCMP_ACT_ALLOW", "rules": [{"syscalls": ["mount"], "strings": [{"index": 1, "glob": "/mnt/*"}], "action": "allow"}]})",
            "/rules/0/action: \"allow\" answers CONTINUE"}),
    [](const ::testing::TestParamInfo<BadPolicy>& p) { return p.param.name; });

TEST(RunCommand, AnEventsFileThatCannotBeOpenedIsAUsageError) {
  // Under /proc: nothing can create the directory (spdlog creates missing parent directories elsewhere).
  ProcessResult r = run_process(
      {kTollgate, "run", "--events", "/proc/no-such-dir/events.jsonl", "--", kProbe, "exit", "0"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("/proc/no-such-dir/events.jsonl"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");  // the target never ran
}

TEST(RunCommand, MissingPolicyFileIsAUsageError) {
  ProcessResult r =
      run_process({kTollgate, "run", "--policy", "/nonexistent.json", "--", kProbe, "exit", "0"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("/nonexistent.json"), std::string::npos) << r.err;
}

// The agent's own work between installing the filter and exec (sending the listener, closing fds) must not
// be subject to the profile: a profile that denies sendmsg, write and close still starts the program, and
// then denies them to the program.
constexpr const char* kHostileProfile = R"({
  "defaultAction": "SCMP_ACT_ALLOW",
  "syscalls": [
    {"names": ["sendmsg", "write", "close"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
    {"names": ["settimeofday"], "action": "SCMP_ACT_NOTIFY"}
  ]
})";

TEST(RunCommand, ProfileDenyingSendmsgWriteCloseStillStartsTheProgram) {
  TempDir dir;
  write_file(dir.file("hostile.json"), kHostileProfile);
  ProcessResult r = run_process({kTollgate, "run", "-q", "--profile", dir.file("hostile.json"), "--",
                                 kStaticProbe, "exit-with-write-errno"});
  EXPECT_EQ(r.status, EPERM) << r.err;  // the program ran, and its own write(2) failed with EPERM
}

TEST(RunCommand, ProfileDenyingSendmsgWriteCloseWorksThroughTheDaemon) {
  TempDir dir;
  write_file(dir.file("hostile.json"), kHostileProfile);
  SuperviseDaemon daemon(dir);
  ProcessResult r = run_process({kTollgate, "run", "-q", "--supervisor", daemon.socket(), "--profile",
                                 dir.file("hostile.json"), "--", kStaticProbe, "exit-with-write-errno"});
  EXPECT_EQ(r.status, EPERM) << r.err;
  // And the listener really went to the daemon: a notified call is answered there.
  r = run_process({kTollgate, "run", "-q", "--supervisor", daemon.socket(), "--profile",
                   dir.file("hostile.json"), "--", kStaticProbe, "settimeofday"});
  EXPECT_EQ(r.status, 0) << r.err;
  // The daemon writes the event after it answers: the target may exit first.
  EXPECT_TRUE(eventually([&] { return count_lines(daemon.events()) == 1u; })) << count_lines(daemon.events());
}

}  // namespace
}  // namespace tollgate::testing
