// What a profile does with a call and which entry is responsible, judged from its own compiled filter;
// and the audit suggestion built on it.
#include "profile/profile_judge.h"

#include <gtest/gtest.h>
#include <sys/syscall.h>

#include "profile/profile_variants.h"
#include "core/policy_parser.h"
#include "core/syscall_names.h"
#include "supervisor/diagnose/profile_suggestion.h"

namespace tollgate {
namespace {

PolicyPtr profile(const std::string& text) {
  auto p = parse_policy_text(text, "p.json", PolicyParseOptions{PolicyFlavor::DockerProfile});
  EXPECT_TRUE(p.has_value()) << p.error().to_string();
  return *p;
}

FilterEnvironment env() {
  FilterEnvironment e;
  e.bounding_caps = {"CAP_SYS_ADMIN"};
  e.go_arch = "amd64";
  e.kernel = {6, 1};
  return e;
}

seccomp_data call(int nr, uint64_t arg0 = 0) {
  seccomp_data d{};
  d.nr = nr;
  d.arch = native_audit_arch();
  d.args[0] = arg0;
  return d;
}

const char* kProfile = R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38, "syscalls": [
  {"names": ["getpid", "getppid"], "action": "SCMP_ACT_ALLOW"},
  {"names": ["swapoff"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1, "comment": "no swapping"},
  {"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]},
  {"names": ["chroot"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_CHROOT"]}},
  {"names": ["getuid"], "action": "SCMP_ACT_KILL_PROCESS"}
]})";

TEST(ProfileJudge, FindsTheEntryOrTheDefaultAndSaysWhy) {
  auto judge = ProfileJudge::create(profile(kProfile), env());
  ASSERT_TRUE(judge.has_value()) << judge.error();

  auto allowed = judge->judge(call(SYS_getppid), "getppid");
  EXPECT_EQ(allowed.kind, FilterAction::Allow);
  EXPECT_EQ(allowed.entry_index, 0);

  auto swapoff = judge->judge(call(SYS_swapoff), "swapoff");
  EXPECT_EQ(swapoff.kind, FilterAction::Errno);
  EXPECT_EQ(swapoff.error, 1);
  EXPECT_EQ(swapoff.entry_index, 1);
  EXPECT_NE(swapoff.rule.find("\"no swapping\""), std::string::npos) << swapoff.rule;

  auto statx = judge->judge(call(SYS_statx), "statx");
  EXPECT_TRUE(statx.by_default);
  EXPECT_EQ(statx.error, 38);
  EXPECT_EQ(statx.why, "statx is not allowed by any rule");

  auto persona = judge->judge(call(SYS_personality, 0x40000), "personality");
  EXPECT_TRUE(persona.by_default);
  EXPECT_NE(persona.why.find("/syscalls/2 SCMP_ACT_ALLOW only when arg0 == 0x8"), std::string::npos)
      << persona.why;
  EXPECT_EQ(judge->judge(call(SYS_personality, 8), "personality").kind, FilterAction::Allow);

  auto chroot = judge->judge(call(SYS_chroot), "chroot");
  EXPECT_NE(chroot.why.find("needs CAP_SYS_CHROOT"), std::string::npos) << chroot.why;

  EXPECT_EQ(judge->judge(call(SYS_getuid), "getuid").kind, FilterAction::KillProcess);
}

TEST(ProfileJudge, NamesAnEntryThatLibseccompSkipped) {
  auto judge = ProfileJudge::create(profile(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
        {"names": ["getpid", "no_such_syscall"], "action": "SCMP_ACT_ALLOW"}]})"),
                                    env());
  ASSERT_TRUE(judge.has_value());
  // A name the kernel reports but libseccomp cannot resolve is judged under the name the profile wrote.
  auto j = judge->judge(call(SYS_getppid), "no_such_syscall");
  EXPECT_NE(
      j.why.find("the profile lists no_such_syscall at /syscalls/0/names/1, but it is unknown to libseccomp"),
      std::string::npos)
      << j.why;
}

TEST(ProfileVariants, OnlyDenyingActionsBecomeNotify) {
  auto p = profile(kProfile);
  FilterLayer v = notify_instead_of_denying(p->filter);
  EXPECT_EQ(v.default_action, FilterAction::Notify);
  EXPECT_EQ(v.syscalls[0].action, FilterAction::Allow);
  EXPECT_EQ(v.syscalls[1].action, FilterAction::Notify);
  EXPECT_EQ(v.syscalls[4].action, FilterAction::Notify);
}

TEST(ProfileSuggestion, AddsToTheAllowEntryRemovesFromDenyEntriesAndConditionsOnArguments) {
  auto p = profile(kProfile);
  std::vector<AuditFinding> seen(3);
  seen[0].syscall = "statx", seen[0].nr = SYS_statx, seen[0].arg_samples = {{}};
  seen[1].syscall = "swapoff", seen[1].nr = SYS_swapoff, seen[1].arg_samples = {{}};
  seen[2].syscall = "personality", seen[2].nr = SYS_personality, seen[2].arg_samples = {{0x40000}};
  std::vector<const AuditFinding*> findings = {&seen[0], &seen[1], &seen[2]};
  auto s = suggest_profile(*p, env(), findings);
  ASSERT_TRUE(s.has_value()) << s.error();
  // statx added; swapoff taken out of its deny entry, then (the default denies it too) added; personality.
  EXPECT_EQ(s->changes.size(), 4u);
  const auto& doc = s->document;
  EXPECT_EQ(doc["syscalls"][0]["names"], (nlohmann::json{"getpid", "getppid", "statx", "swapoff"}));
  // swapoff's own entry had nothing else, so it is gone; the personality entry allows exactly what was seen.
  EXPECT_EQ(doc["syscalls"][1]["names"], nlohmann::json{"personality"});
  const auto& added = doc["syscalls"].back();
  EXPECT_EQ(added["names"], nlohmann::json{"personality"});
  EXPECT_EQ(added["args"][0]["value"], 0x40000);
  // And it does what it says.
  auto judge = ProfileJudge::create(
      *parse_policy_json(doc, "s.json", PolicyParseOptions{PolicyFlavor::DockerProfile}), env());
  ASSERT_TRUE(judge.has_value());
  EXPECT_EQ(judge->judge(call(SYS_personality, 0x40000), "personality").kind, FilterAction::Allow);
  EXPECT_EQ(judge->judge(call(SYS_personality, 0x80000), "personality").kind, FilterAction::Errno);
  EXPECT_EQ(judge->judge(call(SYS_swapoff), "swapoff").kind, FilterAction::Allow);
}

}  // namespace
}  // namespace tollgate
