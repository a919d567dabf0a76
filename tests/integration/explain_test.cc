// `tollgate run --explain --profile P`: P is enforced exactly (same errno, same exit status), and every call
// P denies, kills or traps is printed with the entry responsible. Story 1 of issue 4: statx missing from
// Podman's allow list.
#include <gtest/gtest.h>
#include <signal.h>

#include "tests/integration/harness.h"
#include "tests/integration/profile_variants.h"

namespace tollgate::testing {
namespace {

ProcessResult run_under(const std::string& profile, const std::vector<std::string>& command, bool explain,
                        const std::vector<std::string>& extra = {}) {
  std::vector<std::string> argv = {kTollgate, "run", "--profile", profile};
  if (explain)
    argv.push_back("--explain");
  else
    argv.push_back("-q");
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back("--");
  argv.insert(argv.end(), command.begin(), command.end());
  return run_process(argv);
}

// ls -l / under a profile without statx, with and without --explain: the same exit status and the same errors
// from ls, and in explain mode a line naming statx, its path argument and the default action.
void expect_story_one(std::optional<int> errno_ret, const std::string& errno_text) {
  TempDir dir;
  const std::string profile = podman_without_statx(dir, errno_ret);
  const ProcessResult plain = run_under(profile, {"ls", "-l", "/"}, false);
  const ProcessResult explained = run_under(profile, {"ls", "-l", "/"}, true);
  EXPECT_EQ(explained.status, plain.status) << explained.err;
  EXPECT_EQ(program_lines(explained.err), program_lines(plain.err));
  EXPECT_GT(lines_with(explained.err, "statx(AT_FDCWD, \"/\", AT_SYMLINK_NOFOLLOW"), 0u) << explained.err;
  EXPECT_GT(lines_with(explained.err, "= -1 " + errno_text + "  <- defaultAction SCMP_ACT_ERRNO(" +
                                          errno_text + "): statx is not allowed by any rule"),
            0u)
      << explained.err;
  EXPECT_EQ(lines_with(explained.err, "<- "), lines_with(explained.err, "statx("))
      << "only statx is denied: " << explained.err;
}

TEST(Explain, StoryOnePodmansDefaultEnosysLetsLsFallBack) {
  // Podman's defaultErrnoRet is ENOSYS: glibc falls back to newfstatat, ls works, and explain still shows
  // why.
  expect_story_one(std::nullopt, "ENOSYS");
}

TEST(Explain, StoryOneWithEpermLsFailsExactlyAsUnderTheProfileAlone) {
  TempDir dir;
  const std::string profile = podman_without_statx(dir, 1);
  const ProcessResult plain = run_under(profile, {"ls", "-l", "/"}, false);
  EXPECT_NE(plain.status, 0);
  EXPECT_NE(plain.err.find("Operation not permitted"), std::string::npos) << plain.err;
  expect_story_one(1, "EPERM");
}

TEST(Explain, NamesTheRuleForAnEntryMatchAndArgumentConditions) {
  // swapoff: Podman's first entry denies it with errnoRet 1.
  ProcessResult swapoff = run_under(kPodmanProfile, {kProbe, "swapoff", "/nonexistent"}, true);
  EXPECT_NE(swapoff.out.find("swapoff: ret=-1 errno=EPERM"), std::string::npos) << swapoff.out;
  EXPECT_NE(swapoff.err.find("swapoff(\"/nonexistent\") = -1 EPERM  <- rule /syscalls/0 "), std::string::npos)
      << swapoff.err;
  EXPECT_NE(swapoff.err.find("swapoff is denied by this rule"), std::string::npos) << swapoff.err;
  // personality: allowed only for five values; another one falls to the default, and explain says which
  // entries it missed and with what argument.
  ProcessResult persona = run_under(kPodmanProfile, {kProbe, "personality", "0x40000"}, true);
  EXPECT_NE(persona.out.find("personality: ret=-1 errno=ENOSYS"), std::string::npos) << persona.out;
  EXPECT_NE(persona.err.find("/syscalls/2 SCMP_ACT_ALLOW only when arg0 == 0"), std::string::npos)
      << persona.err;
  EXPECT_NE(persona.err.find("(here arg0 = 0x40000)"), std::string::npos) << persona.err;
}

TEST(Explain, AllowedCallsStayInTheKernelAndPrintNothing) {
  TempDir dir;
  ProcessResult r =
      run_under(kPodmanProfile, {kProbe, "getpid"}, true, {"--events", dir.file("events.jsonl")});
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("getpid: ret="), std::string::npos);
  // No decision lines; the one line is the note on the names the profile has and x86_64 does not.
  EXPECT_EQ(lines_with(r.err, "tollgate:"), lines_with(r.err, "tollgate: note: " + kPodmanProfile)) << r.err;
  EXPECT_EQ(lines_with(r.err, "tollgate: note:"), 1u) << r.err;
  EXPECT_EQ(count_lines(dir.file("events.jsonl")), 0u) << "no call may reach the supervisor";
}

TEST(Explain, KillIsReportedBeforeTheProcessDiesWithTheKernelsStatus) {
  TempDir dir;
  write_file(dir.file("kill.json"), R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
      {"names": ["getppid"], "action": "SCMP_ACT_KILL_PROCESS", "comment": "no parent lookups"}]})");
  const ProcessResult plain = run_under(dir.file("kill.json"), {kProbe, "getppid"}, false);
  const ProcessResult explained = run_under(dir.file("kill.json"), {kProbe, "getppid"}, true);
  EXPECT_EQ(plain.status, 128 + SIGSYS);
  EXPECT_EQ(explained.status, plain.status);
  EXPECT_EQ(explained.out, "") << "the call must never return to the program";
  EXPECT_NE(
      explained.err.find("getppid() killed by SIGSYS  <- rule /syscalls/0 (getppid) SCMP_ACT_KILL_PROCESS "
                         "\"no parent lookups\""),
      std::string::npos)
      << explained.err;
}

TEST(Explain, ErrnoZeroSkipsTheCallAndReturnsZeroAsTheKernelDoes) {
  TempDir dir;
  write_file(dir.file("zero.json"), R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
      {"names": ["swapoff"], "action": "SCMP_ACT_ERRNO", "errnoRet": 0}]})");
  const ProcessResult plain = run_under(dir.file("zero.json"), {kProbe, "swapoff", "/nonexistent"}, false);
  const ProcessResult explained = run_under(dir.file("zero.json"), {kProbe, "swapoff", "/nonexistent"}, true);
  EXPECT_NE(plain.out.find("swapoff: ret=0 errno=0"), std::string::npos) << plain.out;
  EXPECT_EQ(explained.out, plain.out) << explained.err;
  EXPECT_NE(explained.err.find("= 0 (skipped)  <- rule /syscalls/0"), std::string::npos) << explained.err;
}

TEST(Explain, TrapSendsSigsysAfterTheCallFails) {
  TempDir dir;
  write_file(dir.file("trap.json"), R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
      {"names": ["getppid"], "action": "SCMP_ACT_TRAP"}]})");
  const ProcessResult plain = run_under(dir.file("trap.json"), {kProbe, "getppid"}, false);
  const ProcessResult explained = run_under(dir.file("trap.json"), {kProbe, "getppid"}, true);
  EXPECT_EQ(plain.status, 128 + SIGSYS);
  EXPECT_EQ(explained.status, plain.status);
  EXPECT_NE(explained.err.find("SCMP_ACT_TRAP"), std::string::npos) << explained.err;
}

TEST(Explain, WorksThroughASuperviseDaemon) {
  // The agent installs the explain filter and tags the target's metadata; the daemon judges and explains.
  TempDir dir;
  const std::string profile = podman_without_statx(dir, 1);
  SuperviseDaemon daemon(dir);
  const ProcessResult plain = run_under(profile, {"ls", "-l", "/"}, false);
  const ProcessResult explained =
      run_under(profile, {"ls", "-l", "/"}, true, {"--supervisor", daemon.socket()});
  EXPECT_EQ(explained.status, plain.status) << explained.err;
  EXPECT_EQ(program_lines(explained.err), program_lines(plain.err));
  EXPECT_TRUE(eventually([&] { return count_lines(daemon.events()) > 0; }));
  const std::string events = read_file(daemon.events());
  EXPECT_NE(events.find("statx is not allowed by any rule"), std::string::npos) << events;
  EXPECT_NE(events.find("\"tollgate.mode\":\"explain\""), std::string::npos) << events;
}

TEST(Explain, BadCombinationsAreUsageErrors) {
  ProcessResult both =
      run_process({kTollgate, "run", "--explain", "--audit", "--profile", kPodmanProfile, "--", "true"});
  EXPECT_EQ(both.status, 2);
  EXPECT_NE(both.err.find("exclude each other"), std::string::npos) << both.err;
  ProcessResult report =
      run_process({kTollgate, "run", "--report", "/dev/null", "--profile", kPodmanProfile, "--", "true"});
  EXPECT_EQ(report.status, 2);
  EXPECT_NE(report.err.find("need --audit"), std::string::npos) << report.err;
}

}  // namespace
}  // namespace tollgate::testing
