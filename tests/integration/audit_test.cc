// `tollgate run --audit --profile P`: nothing is denied, every call P would deny is reported with the entry
// responsible, and the suggested profile, fed back with --explain, denies nothing in the same run.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/integration/harness.h"
#include "tests/integration/profile_variants.h"

namespace tollgate::testing {
namespace {

struct Audited {
  ProcessResult result;
  nlohmann::json report;
  std::string suggested;  // path
};

Audited audit(const TempDir& dir, const std::string& profile, const std::vector<std::string>& command,
              const std::vector<std::string>& extra = {}) {
  std::vector<std::string> argv = {kTollgate,   "run",
                                   "-q",        "--audit",
                                   "--profile", profile,
                                   "--report",  dir.file("report.json"),
                                   "--suggest", dir.file("suggested.json")};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back("--");
  argv.insert(argv.end(), command.begin(), command.end());
  Audited a{run_process(argv), {}, dir.file("suggested.json")};
  a.report = nlohmann::json::parse(read_file(dir.file("report.json")));
  return a;
}

const nlohmann::json* finding(const nlohmann::json& report, const std::string& syscall) {
  for (const auto& f : report["findings"])
    if (f["syscall"] == syscall) return &f;
  return nullptr;
}

// Story 2 on the profile of story 1: Podman's default ENOSYS (glibc would fall back), and EPERM (ls would
// fail).
class AuditStoryTwo : public ::testing::TestWithParam<std::pair<int, std::string>> {};

TEST_P(AuditStoryTwo, LsSucceedsStatxIsReportedAndTheSuggestionAllowsTheRun) {
  const auto& [errno_ret, errno_text] = GetParam();
  TempDir dir;
  const std::string profile = podman_without_statx(dir, errno_ret);
  Audited a = audit(dir, profile, {"ls", "-l", "/"});
  EXPECT_EQ(a.result.status, 0) << a.result.err;
  EXPECT_EQ(a.result.err.find("Operation not permitted"), std::string::npos) << a.result.err;
  EXPECT_NE(a.result.out.find("usr"), std::string::npos);
  // The summary table and the report.
  EXPECT_NE(a.result.err.find("SYSCALL"), std::string::npos) << a.result.err;
  const nlohmann::json* statx = finding(a.report, "statx");
  ASSERT_NE(statx, nullptr) << a.report.dump(2);
  EXPECT_GT((*statx)["count"].get<int>(), 1);
  EXPECT_EQ((*statx)["rule"], "defaultAction");
  EXPECT_EQ((*statx)["would_be"], "= -1 " + errno_text);
  EXPECT_NE((*statx)["example"].get<std::string>().find("statx(AT_FDCWD, \"/\""), std::string::npos);
  EXPECT_EQ(a.report["findings"].size(), 1u) << a.report.dump(2);

  // The suggested profile is Podman's with statx added back to the allow entry, and it allows the run.
  nlohmann::json suggested = nlohmann::json::parse(read_file(a.suggested));
  const auto& allow = suggested["syscalls"][1]["names"];
  EXPECT_NE(std::find(allow.begin(), allow.end(), "statx"), allow.end());
  ProcessResult again =
      run_process({kTollgate, "run", "--explain", "--profile", a.suggested, "--", "ls", "-l", "/"});
  EXPECT_EQ(again.status, 0) << again.err;
  EXPECT_EQ(lines_with(again.err, "<- "), 0u) << again.err;
  EXPECT_EQ(run_process({kTollgate, "lint", a.suggested}).status, 0);
}

INSTANTIATE_TEST_SUITE_P(DefaultErrno, AuditStoryTwo,
                         ::testing::Values(std::pair<int, std::string>{38, "ENOSYS"},
                                           std::pair<int, std::string>{1, "EPERM"}),
                         [](const auto& param) { return param.param.second; });

TEST(Audit, ArgumentConditionedRulesGetArgumentConditionedSuggestions) {
  TempDir dir;
  Audited a = audit(dir, kPodmanProfile, {kProbe, "personality", "0x40000"});
  EXPECT_NE(a.result.out.find("personality: ret=0"), std::string::npos) << a.result.out << a.result.err;
  const nlohmann::json* persona = finding(a.report, "personality");
  ASSERT_NE(persona, nullptr) << a.report.dump(2);
  // Podman allows personality for five values of arg0: the suggestion allows the value seen, not all of them.
  ProcessResult seen = run_process(
      {kTollgate, "run", "--explain", "--profile", a.suggested, "--", kProbe, "personality", "0x40000"});
  EXPECT_NE(seen.out.find("personality: ret=0"), std::string::npos) << seen.out << seen.err;
  ProcessResult other = run_process(
      {kTollgate, "run", "--explain", "--profile", a.suggested, "--", kProbe, "personality", "0x80000"});
  EXPECT_NE(other.out.find("personality: ret=-1 errno=ENOSYS"), std::string::npos) << other.out << other.err;
}

TEST(Audit, AnExplicitDenyEntryLosesTheNameInTheSuggestion) {
  TempDir dir;
  Audited a = audit(dir, kPodmanProfile, {kProbe, "swapoff", "/nonexistent"});
  // Allowed, so the kernel itself answers: ENOENT for a path that does not exist.
  EXPECT_NE(a.result.out.find("swapoff: ret=-1 errno=ENOENT"), std::string::npos) << a.result.out;
  const nlohmann::json* swapoff = finding(a.report, "swapoff");
  ASSERT_NE(swapoff, nullptr);
  EXPECT_EQ((*swapoff)["rule"], "/syscalls/0");
  ProcessResult again = run_process(
      {kTollgate, "run", "--explain", "--profile", a.suggested, "--", kProbe, "swapoff", "/nonexistent"});
  EXPECT_NE(again.out.find("swapoff: ret=-1 errno=ENOENT"), std::string::npos) << again.out << again.err;
}

TEST(Audit, NothingToReportWhenTheProfileAllowsEverythingUsed) {
  TempDir dir;
  Audited a = audit(dir, kPodmanProfile, {"ls", "-l", "/"}, {"--events", dir.file("events.jsonl")});
  EXPECT_EQ(a.result.status, 0);
  EXPECT_TRUE(a.report["findings"].empty()) << a.report.dump(2);
  EXPECT_NE(a.result.err.find("would have denied nothing"), std::string::npos) << a.result.err;
  EXPECT_EQ(count_lines(dir.file("events.jsonl")), 0u) << "no call may reach the supervisor";
}

TEST(Audit, WorksThroughASuperviseDaemonButReportsStayLocal) {
  TempDir dir;
  const std::string profile = podman_without_statx(dir, 1);
  SuperviseDaemon daemon(dir);
  ProcessResult audited = run_process({kTollgate, "run", "-q", "--audit", "--supervisor", daemon.socket(),
                                       "--profile", profile, "--", "ls", "-l", "/"});
  EXPECT_EQ(audited.status, 0) << audited.err;
  EXPECT_TRUE(eventually([&] {
    return read_file(daemon.events()).find("allowed (audit)") != std::string::npos;
  })) << read_file(daemon.events());
  // Negative: the report is written by the process that saw the calls, so it cannot come from a daemon.
  ProcessResult refused = run_process({kTollgate, "run", "--audit", "--supervisor", daemon.socket(),
                                       "--report", dir.file("r.json"), "--profile", profile, "--", "ls"});
  EXPECT_EQ(refused.status, 2);
  EXPECT_NE(refused.err.find("drop --supervisor"), std::string::npos) << refused.err;
}

}  // namespace
}  // namespace tollgate::testing
