// The lint checks, each on a profile that has exactly that problem, and a clean profile that has none.
#include "profile/profile_lint.h"

#include <gtest/gtest.h>

#include "core/policy_parser.h"

namespace tollgate {
namespace {

std::vector<LintFinding> lint(const std::string& syscalls,
                              const std::string& default_action = "SCMP_ACT_ERRNO") {
  const std::string text =
      R"({"defaultAction": ")" + default_action + R"(", "syscalls": [)" + syscalls + "]}";
  auto p = parse_policy_text(text, "p.json", PolicyParseOptions{PolicyFlavor::DockerProfile});
  EXPECT_TRUE(p.has_value()) << p.error().to_string();
  FilterEnvironment env;
  env.bounding_caps = {"CAP_SYS_ADMIN"};
  env.go_arch = "amd64";
  env.kernel = {6, 1};
  return lint_profile(**p, env);
}

std::vector<std::string> checks(const std::vector<LintFinding>& findings) {
  std::vector<std::string> out;
  for (const auto& f : findings) out.push_back(f.check);
  return out;
}

TEST(ProfileLint, ACleanProfileHasNoFindings) {
  auto f = lint(R"({"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
                  {"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]})");
  EXPECT_TRUE(f.empty()) << f.front().message;
  EXPECT_EQ(lint_exit_status(f), 0);
}

TEST(ProfileLint, UnknownNamesAndOtherArchitectures) {
  auto f = lint(R"({"names": ["read", "statx_v9", "_llseek"], "action": "SCMP_ACT_ALLOW"})");
  EXPECT_EQ(checks(f), (std::vector<std::string>{"unknown-to-libseccomp", "not-on-this-arch"}));
  EXPECT_EQ(f[0].severity, LintSeverity::Warning);
  EXPECT_EQ(f[0].pointer, "/syscalls/0/names/1");
  EXPECT_EQ(f[1].severity, LintSeverity::Note);
  EXPECT_EQ(lint_exit_status(f), 1);
}

TEST(ProfileLint, NamesTheKernelDoesNotImplementAreNotes) {
  const std::string text = R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
      {"names": ["read", "lookup_dcookie"], "action": "SCMP_ACT_ALLOW"}]})";
  auto p = parse_policy_text(text, "p.json", PolicyParseOptions{PolicyFlavor::DockerProfile});
  ASSERT_TRUE(p.has_value());
  const std::set<std::string> kernel = {"read", "write"};
  auto f = lint_profile(**p, FilterEnvironment{{}, "amd64", {6, 8}}, &kernel);
  ASSERT_EQ(checks(f), std::vector<std::string>{"not-in-this-kernel"});
  EXPECT_EQ(f[0].pointer, "/syscalls/0/names/1");
  EXPECT_EQ(lint_exit_status(f), 0);
}

TEST(ProfileLint, DuplicatesAndIneffectiveEntries) {
  EXPECT_EQ(checks(lint(R"({"names": ["read", "read"], "action": "SCMP_ACT_ALLOW"})")),
            std::vector<std::string>{"duplicate"});
  EXPECT_EQ(
      checks(lint(
          R"({"names": ["read"], "action": "SCMP_ACT_ALLOW"}, {"names": ["read"], "action": "SCMP_ACT_ALLOW"})")),
      std::vector<std::string>{"duplicate"});
  // libseccomp keeps the first of two unconditional rules for one syscall: the second never applies.
  auto f = lint(
      R"({"names": ["statx"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}, {"names": ["statx"], "action": "SCMP_ACT_ALLOW"})");
  EXPECT_EQ(checks(f), std::vector<std::string>{"ineffective"});
  EXPECT_EQ(f[0].pointer, "/syscalls/1");
}

TEST(ProfileLint, ConditionsThatCanNeverHold) {
  EXPECT_EQ(
      checks(lint(
          R"({"names": ["chroot"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_CHROOOT"]}})")),
      std::vector<std::string>{"unknown-capability"});
  EXPECT_EQ(
      checks(lint(R"({"names": ["chroot"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["amd46"]}})")),
      std::vector<std::string>{"unknown-arch"});
  EXPECT_EQ(checks(lint(R"({"names": ["personality"], "action": "SCMP_ACT_ALLOW",
                           "args": [{"index": 0, "value": 1, "valueTwo": 2, "op": "SCMP_CMP_MASKED_EQ"}]})")),
            std::vector<std::string>{"never-matches"});
}

TEST(ProfileLint, DenyRulesThatAnAllowDefaultLetsProgramsBypass) {
  auto f = lint(R"({"names": ["open"], "action": "SCMP_ACT_ERRNO"})", "SCMP_ACT_ALLOW");
  ASSERT_EQ(checks(f), std::vector<std::string>{"bypassable"});
  EXPECT_NE(f[0].message.find("openat"), std::string::npos) << f[0].message;
  // Under a denying default the same entry is fine.
  EXPECT_TRUE(lint(R"({"names": ["open"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1})").empty());
}

}  // namespace
}  // namespace tollgate
