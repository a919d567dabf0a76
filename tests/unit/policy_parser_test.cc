#include "core/policy_parser.h"

#include <errno.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/skipped_names_note.h"
#include "core/syscall_names.h"
#include "supervisor/emulation/emulation_handlers.h"

#ifndef TOLLGATE_SOURCE_POLICY_DIR
#error "TOLLGATE_SOURCE_POLICY_DIR must name the source tree's policies directory"
#endif

namespace tollgate {
namespace {

using namespace std::chrono_literals;

constexpr const char* kPodmanProfile = "/usr/share/containers/seccomp.json";

// With this build's emulation handlers, as `tollgate run` parses (the shipped policies name them).
PolicyParseOptions tollgate_options() {
  PolicyParseOptions o;
  o.handler_exists = emulation_handler_exists;
  return o;
}

PolicyParseOptions docker_options() {
  PolicyParseOptions o;
  o.flavor = PolicyFlavor::DockerProfile;
  return o;
}

// Parses text that must load; reports the error otherwise.
PolicyPtr must_parse(std::string_view text, const PolicyParseOptions& options = tollgate_options()) {
  auto p = parse_policy_text(text, "test.json", options);
  if (!p) {
    ADD_FAILURE() << "unexpected error: " << p.error().to_string();
    return nullptr;
  }
  return *p;
}

// Parses text that must fail; returns the error (an empty one, after a recorded failure, otherwise).
PolicyError must_fail(std::string_view text, const PolicyParseOptions& options = tollgate_options()) {
  auto p = parse_policy_text(text, "test.json", options);
  if (p) {
    ADD_FAILURE() << "policy loaded, but an error was expected";
    return {};
  }
  return p.error();
}

bool contains(const std::vector<std::string>& v, std::string_view name) {
  return std::find(v.begin(), v.end(), name) != v.end();
}

// ---- The shipped default policy ----

TEST(DefaultPolicyTest, Loads) {
  const std::string path = std::string(TOLLGATE_SOURCE_POLICY_DIR) + "/default.json";
  auto p = load_policy_file(path, tollgate_options());
  ASSERT_TRUE(p.has_value()) << p.error().to_string();
  const Policy& policy = **p;
  EXPECT_EQ(policy.name, "default.json");
  EXPECT_EQ(policy.source_path, path);
  EXPECT_FALSE(policy.comment.empty());
  EXPECT_FALSE(policy.filter.syscalls.empty());
  EXPECT_FALSE(policy.rules.empty());
  EXPECT_TRUE(policy.document.is_object());
  EXPECT_TRUE(policy.document.contains("defaultAction"));
}

TEST(DefaultPolicyTest, EveryEntryAndRuleHasAComment) {
  auto p = load_policy_file(std::string(TOLLGATE_SOURCE_POLICY_DIR) + "/default.json", tollgate_options());
  ASSERT_TRUE(p.has_value()) << p.error().to_string();
  for (const SyscallEntry& e : (*p)->filter.syscalls) EXPECT_FALSE(e.comment.empty()) << e.json_pointer;
  for (const Rule& r : (*p)->rules) EXPECT_FALSE(r.comment.empty()) << r.json_pointer;
}

TEST(DefaultPolicyTest, NotifiesCallsThatChangeTheMachine) {
  auto p = load_policy_file(std::string(TOLLGATE_SOURCE_POLICY_DIR) + "/default.json", tollgate_options());
  ASSERT_TRUE(p.has_value()) << p.error().to_string();
  std::set<std::string> notified;
  for (const SyscallEntry& e : (*p)->filter.syscalls)
    if (e.action == FilterAction::Notify) notified.insert(e.names.begin(), e.names.end());
  for (const char* name :
       {"mount", "umount2", "settimeofday", "clock_settime", "reboot", "mknod", "mknodat"}) {
    EXPECT_TRUE(notified.contains(name)) << name << " is not notified";
  }
  // Every notified call is decided by some rule (otherwise it would just be EPERM without a reason).
  std::set<std::string> ruled;
  for (const Rule& r : (*p)->rules) ruled.insert(r.syscalls.begin(), r.syscalls.end());
  for (const std::string& name : notified) EXPECT_TRUE(ruled.contains(name)) << name << " has no rule";
  // Names that do not exist on this architecture were dropped from groups, not kept.
  for (const SyscallEntry& e : (*p)->filter.syscalls)
    for (const std::string& n : e.names) EXPECT_TRUE(resolve_native_syscall(n).has_value()) << n;
}

// ---- Podman's shipped profile, in the Docker flavor ----

class PodmanProfileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto p = load_policy_file(kPodmanProfile, docker_options());
    ASSERT_TRUE(p.has_value()) << p.error().to_string();
    policy_ = *p;
  }
  const std::vector<SyscallEntry>& entries() const { return policy_->filter.syscalls; }
  PolicyPtr policy_;
};

TEST_F(PodmanProfileTest, DefaultsAndSize) {
  EXPECT_EQ(policy_->name, "seccomp.json");
  EXPECT_EQ(entries().size(), 35u);
  EXPECT_EQ(policy_->filter.default_action, FilterAction::Errno);
  ASSERT_TRUE(policy_->filter.default_errno_ret.has_value());
  EXPECT_EQ(*policy_->filter.default_errno_ret, 38);
  EXPECT_TRUE(policy_->rules.empty());
  // archMap's architectures are collected.
  EXPECT_TRUE(contains(policy_->filter.architectures, "SCMP_ARCH_X86_64"));
  for (size_t i = 0; i < entries().size(); ++i)
    EXPECT_EQ(entries()[i].json_pointer, "/syscalls/" + std::to_string(i));
}

TEST_F(PodmanProfileTest, PersonalityEntriesKeepTheirArgs) {
  std::vector<uint64_t> values;
  for (const SyscallEntry& e : entries()) {
    if (e.names != std::vector<std::string>{"personality"}) continue;
    EXPECT_EQ(e.action, FilterAction::Allow);
    ASSERT_EQ(e.args.size(), 1u) << e.json_pointer;
    EXPECT_EQ(e.args[0].index, 0u);
    EXPECT_EQ(e.args[0].op, ArgOp::Equal);
    EXPECT_EQ(e.args[0].value_two, 0u);
    values.push_back(e.args[0].value);
  }
  EXPECT_EQ(values, (std::vector<uint64_t>{0, 8, 131072, 131080, 4294967295u}));
}

TEST_F(PodmanProfileTest, IncludesAndExcludesAreParsed) {
  bool saw_include_cap = false, saw_exclude_cap = false, saw_include_arch = false;
  for (const SyscallEntry& e : entries()) {
    if (contains(e.names, "open_by_handle_at") && contains(e.includes.caps, "CAP_DAC_READ_SEARCH")) {
      saw_include_cap = true;
      EXPECT_EQ(e.action, FilterAction::Allow);
      EXPECT_TRUE(e.excludes.empty());
    }
    if (contains(e.names, "open_by_handle_at") && contains(e.excludes.caps, "CAP_DAC_READ_SEARCH")) {
      saw_exclude_cap = true;
      EXPECT_EQ(e.action, FilterAction::Errno);
      ASSERT_TRUE(e.errno_ret.has_value());
      EXPECT_EQ(*e.errno_ret, EPERM);
      EXPECT_TRUE(e.includes.empty());
    }
    if (contains(e.names, "arch_prctl")) {
      saw_include_arch = true;
      EXPECT_EQ(e.includes.arches, (std::vector<std::string>{"amd64", "x32"}));
      EXPECT_TRUE(e.includes.caps.empty());
    }
  }
  EXPECT_TRUE(saw_include_cap);
  EXPECT_TRUE(saw_exclude_cap);
  EXPECT_TRUE(saw_include_arch);
}

TEST_F(PodmanProfileTest, SocketEntriesKeepMultipleArgs) {
  // {"names":["socket"],"action":"SCMP_ACT_ERRNO","errnoRet":22,"args":[AF_NETLINK, NETLINK_AUDIT],
  //  "excludes":{"caps":["CAP_AUDIT_WRITE"]}}
  bool found = false;
  for (const SyscallEntry& e : entries()) {
    if (e.names != std::vector<std::string>{"socket"} || e.action != FilterAction::Errno) continue;
    found = true;
    ASSERT_TRUE(e.errno_ret.has_value());
    EXPECT_EQ(*e.errno_ret, EINVAL);
    ASSERT_EQ(e.args.size(), 2u);
    EXPECT_EQ(e.args[0].index, 0u);
    EXPECT_EQ(e.args[0].value, 16u);
    EXPECT_EQ(e.args[1].index, 2u);
    EXPECT_EQ(e.args[1].value, 9u);
    EXPECT_TRUE(contains(e.excludes.caps, "CAP_AUDIT_WRITE"));
  }
  EXPECT_TRUE(found);
}

TEST_F(PodmanProfileTest, ForeignNamesAreSkippedAndRecorded) {
  // _llseek is an i386/arm syscall: libseccomp knows it, x86_64 has no such call.
  const auto& skipped = policy_->filter.skipped_names;
  auto it = std::find_if(skipped.begin(), skipped.end(), [](const SkippedName& s) { return s.name == "_llseek"; });
  ASSERT_NE(it, skipped.end());
  EXPECT_FALSE(it->unknown_to_libseccomp);
  EXPECT_TRUE(it->json_pointer.starts_with("/syscalls/1/names/")) << it->json_pointer;
  for (const SyscallEntry& e : entries()) {
    EXPECT_FALSE(contains(e.names, "_llseek"));
    for (const std::string& n : e.names) EXPECT_TRUE(resolve_native_syscall(n).has_value()) << n;
  }
  // Native names of the same entry are kept.
  EXPECT_TRUE(contains(entries()[1].names, "accept4"));
}

// ---- Errors ----

TEST(PolicyParserTest, InvalidJsonReportsLineAndColumn) {
  PolicyError e = must_fail("{\n  \"defaultAction\": \"SCMP_ACT_ALLOW\",\n  oops\n}\n");
  EXPECT_EQ(e.file, "test.json");
  EXPECT_EQ(e.json_pointer, "");
  EXPECT_NE(e.message.find("invalid JSON"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("line 3, column 3"), std::string::npos) << e.message;
  EXPECT_EQ(e.to_string(), "test.json: " + e.message);
}

TEST(PolicyParserTest, InvalidJsonOnTheFirstLine) {
  PolicyError e = must_fail(R"({"defaultAction": })");
  EXPECT_EQ(e.json_pointer, "");
  EXPECT_NE(e.message.find("line 1, column 19"), std::string::npos) << e.message;
}

TEST(PolicyParserTest, TopLevelMustBeAnObject) {
  PolicyError e = must_fail(R"(["SCMP_ACT_ALLOW"])");
  EXPECT_EQ(e.file, "test.json");
  EXPECT_EQ(e.json_pointer, "");
  EXPECT_NE(e.message.find("expected a JSON object at the top level"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("array"), std::string::npos) << e.message;
}

TEST(PolicyParserTest, DefaultActionIsRequired) {
  PolicyError e = must_fail(R"({"syscalls": []})");
  EXPECT_EQ(e.file, "test.json");
  EXPECT_EQ(e.json_pointer, "/defaultAction");
  EXPECT_NE(e.message.find("missing"), std::string::npos) << e.message;
  EXPECT_EQ(e.to_string(), "test.json: /defaultAction: " + e.message);
}

TEST(PolicyParserTest, MinimalPolicy) {
  PolicyPtr p = must_parse(R"({"defaultAction": "SCMP_ACT_ALLOW"})");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->filter.default_action, FilterAction::Allow);
  EXPECT_FALSE(p->filter.default_errno_ret.has_value());
  EXPECT_TRUE(p->filter.syscalls.empty());
  EXPECT_TRUE(p->rules.empty());
  EXPECT_EQ(p->name, "test.json");
}

TEST(PolicyParserTest, UnknownFilterAction) {
  PolicyError e = must_fail(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_ALOW"}]
  })");
  EXPECT_EQ(e.file, "test.json");
  EXPECT_EQ(e.json_pointer, "/syscalls/0/action");
  EXPECT_NE(e.message.find("unknown action"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("SCMP_ACT_ALOW"), std::string::npos) << e.message;
}

TEST(PolicyParserTest, AllFilterActionsParse) {
  PolicyPtr p = must_parse(R"({
    "defaultAction": "SCMP_ACT_KILL_PROCESS",
    "syscalls": [
      {"names": ["read"], "action": "SCMP_ACT_ALLOW"},
      {"names": ["write"], "action": "SCMP_ACT_ERRNO", "errnoRet": 5},
      {"names": ["open"], "action": "SCMP_ACT_KILL"},
      {"names": ["close"], "action": "SCMP_ACT_KILL_THREAD"},
      {"names": ["stat"], "action": "SCMP_ACT_TRAP"},
      {"names": ["fstat"], "action": "SCMP_ACT_LOG"},
      {"names": ["lstat"], "action": "SCMP_ACT_TRACE"},
      {"names": ["poll"], "action": "SCMP_ACT_NOTIFY"}
    ]
  })");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->filter.default_action, FilterAction::KillProcess);
  ASSERT_EQ(p->filter.syscalls.size(), 8u);
  const FilterAction expected[] = {FilterAction::Allow,      FilterAction::Errno, FilterAction::KillThread,
                                   FilterAction::KillThread, FilterAction::Trap,  FilterAction::Log,
                                   FilterAction::Trace,      FilterAction::Notify};
  for (size_t i = 0; i < 8; ++i) EXPECT_EQ(p->filter.syscalls[i].action, expected[i]) << i;
  EXPECT_EQ(p->filter.syscalls[1].errno_ret, 5);
}

TEST(PolicyParserTest, UnknownRuleAction) {
  PolicyError e = must_fail(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "rules": [{"syscalls": ["mount"], "action": "alow"}]
  })");
  EXPECT_EQ(e.file, "test.json");
  EXPECT_EQ(e.json_pointer, "/rules/0/action");
  EXPECT_NE(e.message.find("\"alow\""), std::string::npos) << e.message;
}

TEST(PolicyParserTest, SyscallUnknownToLibseccomp) {
  PolicyError e = must_fail(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["read", "notasyscall"], "action": "SCMP_ACT_NOTIFY"}]
  })");
  EXPECT_EQ(e.file, "test.json");
  EXPECT_EQ(e.json_pointer, "/syscalls/0/names/1");
  EXPECT_NE(e.message.find("notasyscall"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("unknown to libseccomp"), std::string::npos) << e.message;
}

TEST(PolicyParserTest, SyscallNotOnThisArchitectureIsSkippedInATollgatePolicyToo) {
  // Another architecture's syscall cannot be called here at all: leaving it out opens nothing.
  ASSERT_EQ(native_arch_name(), "x86_64") << "this test names an x86_64 gap (umount)";
  PolicyPtr p = must_parse(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["umount", "umount2"], "action": "SCMP_ACT_NOTIFY"}]
  })");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->filter.syscalls[0].names, (std::vector<std::string>{"umount2"}));
  ASSERT_EQ(p->filter.skipped_names.size(), 1u);
  EXPECT_EQ(p->filter.skipped_names[0].json_pointer, "/syscalls/0/names/0");
  EXPECT_EQ(skipped_names_note(*p), "test.json: left out of the filter, as runc does (no such syscall here): umount "
                                    "(not a syscall on x86_64)");
}

TEST(PolicyParserTest, UnknownNameOfAnEntryNoStricterThanTheDefaultIsSkipped) {
  // An allow-list profile (denying default, ALLOW entries): a name unknown here gets the default, which
  // holds it back at least as much; Docker's and Podman's profiles name syscalls newer than libseccomp.
  PolicyPtr p = must_parse(R"({
    "defaultAction": "SCMP_ACT_ERRNO",
    "syscalls": [{"names": ["read", "notasyscall"], "action": "SCMP_ACT_ALLOW"},
                 {"names": ["mount", "notasyscall2"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
                 {"names": ["write", "notasyscall"], "action": "SCMP_ACT_ALLOW"}]
  })");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->filter.syscalls[0].names, (std::vector<std::string>{"read"}));
  EXPECT_EQ(p->filter.syscalls[1].names, (std::vector<std::string>{"mount"}));
  EXPECT_EQ(skipped_names_note(*p), "test.json: left out of the filter, as runc does (no such syscall here): "
                                    "notasyscall, notasyscall2 (" +
                                        describe(SyscallNameProblem::UnknownToLibseccomp) + ")");
}

TEST(PolicyParserTest, UnknownNameOfAnEntryStricterThanTheDefaultIsRefused) {
  // A typo in a NOTIFY entry under an ALLOW default would let the call run unsupervised.
  for (const char* action : {"SCMP_ACT_NOTIFY", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL"}) {
    PolicyError e = must_fail(std::string(R"({"defaultAction": "SCMP_ACT_ALLOW",
      "syscalls": [{"names": ["mount", "mountt"], "action": ")") + action + R"("}]})");
    EXPECT_EQ(e.json_pointer, "/syscalls/0/names/1");
    EXPECT_NE(e.message.find("unknown syscall \"mountt\""), std::string::npos) << e.message;
    EXPECT_NE(e.message.find("more permissive defaultAction SCMP_ACT_ALLOW"), std::string::npos) << e.message;
  }
  // NOTIFY entries under an ERRNO default: skipping only makes the call fail without asking.
  EXPECT_NE(must_parse(R"({"defaultAction": "SCMP_ACT_ERRNO",
      "syscalls": [{"names": ["mount", "mountt"], "action": "SCMP_ACT_NOTIFY"}]})"), nullptr);
}

TEST(PolicyParserTest, PodmansProfileLoadsUnchangedAsATollgatePolicy) {
  // What a policy directory and `tollgate run --policy` do with it: as runc, with a note.
  auto p = load_policy_file(kPodmanProfile, tollgate_options());
  ASSERT_TRUE(p.has_value()) << p.error().to_string();
  const std::string note = skipped_names_note(**p);
  EXPECT_TRUE(note.starts_with(std::string(kPodmanProfile) + ": left out of the filter")) << note;
  EXPECT_NE(note.find("bdflush"), std::string::npos) << note;
  EXPECT_EQ(note.find("bdflush", note.find("bdflush") + 1), std::string::npos) << "each name once: " << note;
  // A hundred names of other architectures: the first few, and where to see them all.
  EXPECT_NE(note.find(" more (not a syscall on x86_64); `tollgate lint --verbose " + std::string(kPodmanProfile) +
                      "` lists all"),
            std::string::npos)
      << note;
}

TEST(PolicyParserTest, SingleNameFormIsResolvedToo) {
  PolicyError e = must_fail(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"name": "notasyscall", "action": "SCMP_ACT_NOTIFY"}]
  })");
  EXPECT_EQ(e.json_pointer, "/syscalls/0/name");
  EXPECT_NE(e.message.find("unknown to libseccomp"), std::string::npos) << e.message;
}

constexpr std::string_view kOptionalUmount = R"({
  "defaultAction": "SCMP_ACT_ALLOW",
  "syscalls": [{"names": ["umount", "umount2"], "action": "SCMP_ACT_NOTIFY", "optional": true}]
})";

TEST(PolicyParserTest, OptionalEntrySkipsMissingNames) {
  PolicyPtr p = must_parse(kOptionalUmount);
  ASSERT_NE(p, nullptr);
  ASSERT_EQ(p->filter.syscalls.size(), 1u);
  EXPECT_EQ(p->filter.syscalls[0].names, (std::vector<std::string>{"umount2"}));
}

TEST(PolicyParserTest, DockerProfileRecordsSkippedNames) {
  PolicyPtr p = must_parse(kOptionalUmount, docker_options());
  ASSERT_NE(p, nullptr);
  ASSERT_EQ(p->filter.syscalls.size(), 1u);
  EXPECT_EQ(p->filter.syscalls[0].names, (std::vector<std::string>{"umount2"}));
  ASSERT_EQ(p->filter.skipped_names.size(), 1u);
  EXPECT_EQ(p->filter.skipped_names[0].name, "umount");
  EXPECT_EQ(p->filter.skipped_names[0].json_pointer, "/syscalls/0/names/0");
  EXPECT_FALSE(p->filter.skipped_names[0].unknown_to_libseccomp);
}

TEST(PolicyParserTest, DockerProfileSkipsUnknownNamesWithoutOptional) {
  PolicyPtr p = must_parse(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["notasyscall", "umount", "mount"], "action": "SCMP_ACT_ERRNO"}]
  })",
                           docker_options());
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->filter.syscalls[0].names, (std::vector<std::string>{"mount"}));
  ASSERT_EQ(p->filter.skipped_names.size(), 2u);
  EXPECT_EQ(p->filter.skipped_names[0].name, "notasyscall");
  EXPECT_TRUE(p->filter.skipped_names[0].unknown_to_libseccomp);
  EXPECT_EQ(p->filter.skipped_names[1].name, "umount");
  EXPECT_FALSE(p->filter.skipped_names[1].unknown_to_libseccomp);
}

TEST(PolicyParserTest, NamesMustBeAnArray) {
  PolicyError e = must_fail(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": "mount", "action": "SCMP_ACT_NOTIFY"}]
  })");
  EXPECT_EQ(e.file, "test.json");
  EXPECT_EQ(e.json_pointer, "/syscalls/0/names");
  EXPECT_NE(e.message.find("expected an array"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("string"), std::string::npos) << e.message;
}

TEST(PolicyParserTest, ErrnoRetMustBeANumber) {
  PolicyError e = must_fail(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_ERRNO", "errnoRet": "x"}]
  })");
  EXPECT_EQ(e.file, "test.json");
  EXPECT_EQ(e.json_pointer, "/syscalls/0/errnoRet");
  EXPECT_NE(e.message.find("expected an integer"), std::string::npos) << e.message;
}

TEST(PolicyParserTest, ArgIndexAboveFive) {
  PolicyError e = must_fail(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_NOTIFY",
                  "args": [{"index": 7, "value": 0, "op": "SCMP_CMP_EQ"}]}]
  })");
  EXPECT_EQ(e.file, "test.json");
  EXPECT_EQ(e.json_pointer, "/syscalls/0/args/0/index");
  EXPECT_NE(e.message.find("0 to 5"), std::string::npos) << e.message;
}

TEST(PolicyParserTest, ArgOpUnknown) {
  PolicyError e = must_fail(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_NOTIFY",
                  "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_ABOUT"}]}]
  })");
  EXPECT_EQ(e.file, "test.json");
  EXPECT_EQ(e.json_pointer, "/syscalls/0/args/0/op");
  EXPECT_NE(e.message.find("unknown comparison"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("SCMP_CMP_ABOUT"), std::string::npos) << e.message;
}

TEST(PolicyParserTest, ArgsParseAllOpsAndHexStrings) {
  PolicyPtr p = must_parse(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_NOTIFY", "args": [
      {"index": 0, "value": 1, "op": "SCMP_CMP_NE"},
      {"index": 1, "value": 2, "op": "SCMP_CMP_LT"},
      {"index": 2, "value": 3, "op": "SCMP_CMP_LE"},
      {"index": 3, "value": "0x10", "op": "SCMP_CMP_EQ"},
      {"index": 4, "value": 5, "op": "SCMP_CMP_GE"},
      {"index": 5, "value": 6, "op": "SCMP_CMP_GT"},
      {"index": 3, "value": 255, "valueTwo": 4, "op": "SCMP_CMP_MASKED_EQ"},
      {"index": 0, "value": -1, "op": "eq"}
    ]}]
  })");
  ASSERT_NE(p, nullptr);
  const auto& args = p->filter.syscalls.at(0).args;
  ASSERT_EQ(args.size(), 8u);
  EXPECT_EQ(args[0].op, ArgOp::NotEqual);
  EXPECT_EQ(args[1].op, ArgOp::LessThan);
  EXPECT_EQ(args[2].op, ArgOp::LessEqual);
  EXPECT_EQ(args[3].op, ArgOp::Equal);
  EXPECT_EQ(args[3].value, 0x10u);
  EXPECT_EQ(args[4].op, ArgOp::GreaterEqual);
  EXPECT_EQ(args[5].op, ArgOp::GreaterThan);
  EXPECT_EQ(args[5].index, 5u);
  EXPECT_EQ(args[6].op, ArgOp::MaskedEqual);
  EXPECT_EQ(args[6].value, 255u);
  EXPECT_EQ(args[6].value_two, 4u);
  EXPECT_EQ(args[7].op, ArgOp::Equal);
  EXPECT_EQ(args[7].value, UINT64_MAX);
}

TEST(PolicyParserTest, UnknownKeyIsAnErrorInATollgatePolicy) {
  constexpr std::string_view text = R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "bogus": 1,
    "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_NOTIFY", "extra": true}]
  })";
  PolicyError e = must_fail(text);
  EXPECT_EQ(e.file, "test.json");
  EXPECT_EQ(e.json_pointer, "/bogus");
  EXPECT_NE(e.message.find("unknown key \"bogus\""), std::string::npos) << e.message;

  PolicyPtr p = must_parse(text, docker_options());
  ASSERT_NE(p, nullptr);
  ASSERT_EQ(p->filter.syscalls.size(), 1u);
  EXPECT_EQ(p->filter.syscalls[0].names, (std::vector<std::string>{"mount"}));
}

TEST(PolicyParserTest, UnknownKeyInAnEntry) {
  PolicyError e = must_fail(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_NOTIFY", "extra": true}]
  })");
  EXPECT_EQ(e.json_pointer, "/syscalls/0/extra");
  EXPECT_NE(e.message.find("unknown key"), std::string::npos) << e.message;
}

TEST(PolicyParserTest, UnknownKeyInARule) {
  PolicyError e = must_fail(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "rules": [{"syscalls": ["mount"], "action": "deny", "errnum": 1}]
  })");
  EXPECT_EQ(e.json_pointer, "/rules/0/errnum");
  EXPECT_NE(e.message.find("unknown key"), std::string::npos) << e.message;
}

TEST(PolicyParserTest, AllowWithStringsIsRefused) {
  PolicyError e = must_fail(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "rules": [{"syscalls": ["mount"], "strings": [{"index": 2, "equals": "tmpfs"}], "action": "allow"}]
  })");
  EXPECT_EQ(e.file, "test.json");
  EXPECT_EQ(e.json_pointer, "/rules/0/action");
  EXPECT_NE(e.message.find("\"allow\""), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("pointer argument"), std::string::npos) << e.message;
}

TEST(PolicyParserTest, AllowAfterStringRuleForTheSameSyscallIsRefused) {
  PolicyError e = must_fail(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "rules": [
      {"name": "tmpfs-only", "syscalls": ["mount"], "strings": [{"index": 2, "equals": "tmpfs"}],
       "action": "deny", "errno": "EACCES"},
      {"name": "rest", "syscalls": ["umount2", "mount"], "action": "allow"}
    ]
  })");
  EXPECT_EQ(e.file, "test.json");
  EXPECT_EQ(e.json_pointer, "/rules/1/action");
  EXPECT_NE(e.message.find("mount"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("\"tmpfs-only\""), std::string::npos) << e.message;
}

// An "ask" rule whose default is "allow" answers CONTINUE when no one answers (and, in this build, at once:
// Supervisor's settle() turns Ask with ask_default_allow into Verdict::Continue). Reached only because an
// earlier rule's string condition did not match, it decides on user memory the caller can still change,
// exactly like the "allow" rule above; the parser already refuses an allow default on the string rule itself.
TEST(PolicyParserTest, AskDefaultAllowAfterStringRuleForTheSameSyscallIsRefused) {
  PolicyError e = must_fail(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "rules": [
      {"name": "tmpfs-only", "syscalls": ["mount"], "strings": [{"index": 2, "equals": "tmpfs"}],
       "action": "deny", "errno": "EACCES"},
      {"name": "rest", "syscalls": ["mount"], "action": "ask", "default": "allow"}
    ]
  })");
  EXPECT_EQ(e.file, "test.json");
  EXPECT_TRUE(e.json_pointer == "/rules/1/default" || e.json_pointer == "/rules/1/action") << e.json_pointer;
  EXPECT_NE(e.message.find("\"tmpfs-only\""), std::string::npos) << e.message;
}

TEST(PolicyParserTest, AskDefaultAllowWithStringsIsRefused) {
  PolicyError e = must_fail(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "rules": [{"syscalls": ["mount"], "strings": [{"index": 2, "equals": "tmpfs"}], "action": "ask",
               "default": "allow"}]
  })");
  EXPECT_EQ(e.json_pointer, "/rules/0/default");
  EXPECT_NE(e.message.find("unsafe"), std::string::npos) << e.message;
}

TEST(PolicyParserTest, AllowAfterStringRuleForAnotherSyscallIsAccepted) {
  PolicyPtr p = must_parse(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "rules": [
      {"syscalls": ["mount"], "strings": [{"index": 2, "equals": "tmpfs"}], "action": "deny"},
      {"syscalls": ["umount2"], "action": "allow"}
    ]
  })");
  ASSERT_NE(p, nullptr);
  ASSERT_EQ(p->rules.size(), 2u);
  EXPECT_EQ(p->rules[1].action, RuleAction::Allow);
  // Unnamed rules are named after their pointer.
  EXPECT_EQ(p->rules[0].name, "rules/0");
  EXPECT_EQ(p->rules[1].json_pointer, "/rules/1");
}

TEST(PolicyParserTest, EmulateWithUnknownHandlerIsRefused) {
  PolicyError e = must_fail(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "rules": [{"syscalls": ["mount"], "action": "emulate", "handler": "bind-mount"}]
  })");
  EXPECT_EQ(e.file, "test.json");
  EXPECT_EQ(e.json_pointer, "/rules/0/handler");
  EXPECT_NE(e.message.find("unknown emulation handler"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("bind-mount"), std::string::npos) << e.message;
}

TEST(PolicyParserTest, EmulateWithoutHandlerIsRefused) {
  PolicyParseOptions options;
  options.handler_exists = [](std::string_view) { return true; };
  PolicyError e = must_fail(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "rules": [{"syscalls": ["mount"], "action": "emulate"}]
  })",
                            options);
  EXPECT_EQ(e.json_pointer, "/rules/0/handler");
  EXPECT_NE(e.message.find("missing"), std::string::npos) << e.message;
}

TEST(PolicyParserTest, EmulateWithKnownHandlerKeepsOptions) {
  std::vector<std::string> asked;
  PolicyParseOptions options;
  options.handler_exists = [&asked](std::string_view name) {
    asked.emplace_back(name);
    return name == "bind-mount";
  };
  PolicyPtr p = must_parse(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "rules": [{"name": "binds", "syscalls": ["mount"], "action": "emulate", "handler": "bind-mount",
               "options": {"allow": ["/srv/*"], "readOnly": true}}]
  })",
                           options);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(asked, (std::vector<std::string>{"bind-mount"}));
  ASSERT_EQ(p->rules.size(), 1u);
  const Rule& r = p->rules[0];
  EXPECT_EQ(r.name, "binds");
  EXPECT_EQ(r.action, RuleAction::Emulate);
  EXPECT_EQ(r.handler, "bind-mount");
  ASSERT_TRUE(r.handler_options.is_object());
  EXPECT_EQ(r.handler_options["readOnly"], true);
  EXPECT_EQ(r.handler_options["allow"], nlohmann::json::array({"/srv/*"}));
}

TEST(PolicyParserTest, HandlerOnANonEmulateRuleIsRefused) {
  PolicyError e = must_fail(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "rules": [{"syscalls": ["mount"], "action": "deny", "handler": "bind-mount"}]
  })");
  EXPECT_EQ(e.json_pointer, "/rules/0/handler");
}

TEST(PolicyParserTest, ErrnoNamesAndNumbers) {
  PolicyPtr p = must_parse(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "rules": [
      {"syscalls": ["mount"], "action": "deny", "errno": "EACCES"},
      {"syscalls": ["umount2"], "action": "deny", "errno": 13},
      {"syscalls": ["reboot"], "action": "deny"}
    ]
  })");
  ASSERT_NE(p, nullptr);
  ASSERT_EQ(p->rules.size(), 3u);
  EXPECT_EQ(p->rules[0].errno_value, EACCES);
  EXPECT_EQ(p->rules[1].errno_value, 13);
  EXPECT_EQ(p->rules[2].errno_value, EPERM);  // the default
}

TEST(PolicyParserTest, UnknownErrnoNameIsRefused) {
  PolicyError e = must_fail(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "rules": [{"syscalls": ["mount"], "action": "deny", "errno": "EWHATEVER"}]
  })");
  EXPECT_EQ(e.file, "test.json");
  EXPECT_EQ(e.json_pointer, "/rules/0/errno");
  EXPECT_NE(e.message.find("unknown errno name"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("EWHATEVER"), std::string::npos) << e.message;
}

TEST(PolicyParserTest, AskTimeoutAndDefault) {
  PolicyPtr p = must_parse(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "rules": [
      {"syscalls": ["mount"], "action": "ask", "timeout": 2.5, "default": "allow"},
      {"syscalls": ["umount2"], "action": "ask", "timeout": 10, "default": "deny", "errno": "EBUSY"},
      {"syscalls": ["reboot"], "action": "ask"}
    ]
  })");
  ASSERT_NE(p, nullptr);
  ASSERT_EQ(p->rules.size(), 3u);
  EXPECT_EQ(p->rules[0].action, RuleAction::Ask);
  EXPECT_EQ(p->rules[0].ask_timeout, 2500ms);
  EXPECT_TRUE(p->rules[0].ask_default_allow);
  EXPECT_EQ(p->rules[1].ask_timeout, 10000ms);
  EXPECT_FALSE(p->rules[1].ask_default_allow);
  EXPECT_EQ(p->rules[1].errno_value, EBUSY);
  EXPECT_EQ(p->rules[2].ask_timeout, 30000ms);
  EXPECT_FALSE(p->rules[2].ask_default_allow);
}

TEST(PolicyParserTest, AskTimeoutMustBePositive) {
  PolicyError e = must_fail(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "rules": [{"syscalls": ["mount"], "action": "ask", "timeout": 0}]
  })");
  EXPECT_EQ(e.json_pointer, "/rules/0/timeout");
  EXPECT_NE(e.message.find("seconds"), std::string::npos) << e.message;
}

TEST(PolicyParserTest, TimeoutOnANonAskRuleIsRefused) {
  PolicyError e = must_fail(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "rules": [{"syscalls": ["mount"], "action": "deny", "timeout": 5}]
  })");
  EXPECT_EQ(e.json_pointer, "/rules/0/timeout");
}

TEST(PolicyParserTest, MountGroupExpandsInRules) {
  PolicyPtr p = must_parse(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "rules": [{"syscalls": ["@mount"], "action": "deny"}]
  })");
  ASSERT_NE(p, nullptr);
  const auto& names = p->rules.at(0).syscalls;
  EXPECT_TRUE(contains(names, "mount"));
  EXPECT_TRUE(contains(names, "umount2"));
  EXPECT_TRUE(contains(names, "fsopen"));
  EXPECT_TRUE(contains(names, "move_mount"));
  // umount is a member for other architectures, silently absent on x86_64.
  if (!resolve_native_syscall("umount")) {
    EXPECT_FALSE(contains(names, "umount"));
  }
  for (const std::string& n : names) EXPECT_FALSE(n.starts_with("@")) << n;
  std::set<std::string> unique(names.begin(), names.end());
  EXPECT_EQ(unique.size(), names.size());
}

TEST(PolicyParserTest, StringConditionOnANonStringArgumentIsRefused) {
  PolicyError e = must_fail(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "rules": [{"syscalls": ["mount"], "strings": [{"index": 3, "equals": "x"}], "action": "deny"}]
  })");
  EXPECT_EQ(e.file, "test.json");
  EXPECT_EQ(e.json_pointer, "/rules/0/strings/0/index");
  EXPECT_NE(e.message.find("not a string"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("mount"), std::string::npos) << e.message;
}

TEST(PolicyParserTest, StringConditionsParse) {
  PolicyPtr p = must_parse(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "rules": [{"syscalls": ["mount"], "action": "deny",
               "strings": [{"index": 2, "equals": "tmpfs"}, {"index": 1, "glob": "/mnt/*"}]}]
  })");
  ASSERT_NE(p, nullptr);
  const auto& s = p->rules.at(0).strings;
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].index, 2u);
  EXPECT_FALSE(s[0].glob);
  EXPECT_EQ(s[0].pattern, "tmpfs");
  EXPECT_EQ(s[1].index, 1u);
  EXPECT_TRUE(s[1].glob);
  EXPECT_EQ(s[1].pattern, "/mnt/*");
}

TEST(PolicyParserTest, StringConditionNeedsExactlyOneOfEqualsAndGlob) {
  PolicyError e = must_fail(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "rules": [{"syscalls": ["mount"], "action": "deny", "strings": [{"index": 2, "equals": "a", "glob": "b"}]}]
  })");
  EXPECT_EQ(e.json_pointer, "/rules/0/strings/0");
}

TEST(PolicyParserTest, UnknownGroupIsRefused) {
  PolicyError e = must_fail(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "rules": [{"syscalls": ["mount", "@nope"], "action": "deny"}]
  })");
  EXPECT_EQ(e.file, "test.json");
  EXPECT_EQ(e.json_pointer, "/rules/0/syscalls/1");
  EXPECT_NE(e.message.find("@nope"), std::string::npos) << e.message;
}

TEST(PolicyParserTest, UnknownGroupInAnEntryIsRefused) {
  PolicyError e = must_fail(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["@nope"], "action": "SCMP_ACT_NOTIFY"}]
  })");
  EXPECT_EQ(e.json_pointer, "/syscalls/0/names/0");
  EXPECT_NE(e.message.find("@nope"), std::string::npos) << e.message;
}

TEST(PolicyParserTest, RuleCallerAndLog) {
  PolicyPtr p = must_parse(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "rules": [{"syscalls": ["mount"], "action": "deny", "log": "none",
               "caller": {"comm": "mount*", "exe": "/usr/bin/*", "uid": 1000, "gid": 100}}]
  })");
  ASSERT_NE(p, nullptr);
  const Rule& r = p->rules.at(0);
  EXPECT_EQ(r.log, LogLevel::None);
  EXPECT_EQ(r.caller.comm, "mount*");
  EXPECT_EQ(r.caller.exe, "/usr/bin/*");
  EXPECT_EQ(r.caller.uid, 1000u);
  EXPECT_EQ(r.caller.gid, 100u);
  EXPECT_FALSE(r.caller.empty());
}

TEST(PolicyParserTest, UnknownSyscallInARuleIsRefused) {
  PolicyError e = must_fail(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "rules": [{"syscalls": ["notasyscall"], "action": "deny"}]
  })");
  EXPECT_EQ(e.json_pointer, "/rules/0/syscalls/0");
  EXPECT_NE(e.message.find("unknown to libseccomp"), std::string::npos) << e.message;
}

TEST(PolicyParserTest, DocumentIsKept) {
  PolicyPtr p = must_parse(R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1, "comment": "c"})");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->document["defaultAction"], "SCMP_ACT_ERRNO");
  EXPECT_EQ(p->filter.default_errno_ret, 1);
  EXPECT_EQ(p->comment, "c");
  // The kept document rebuilds the same policy.
  auto again = parse_policy_json(p->document, "again.json", tollgate_options());
  ASSERT_TRUE(again.has_value()) << again.error().to_string();
  EXPECT_EQ((*again)->filter.default_action, FilterAction::Errno);
  EXPECT_EQ((*again)->name, "again.json");
}

TEST(PolicyParserTest, MissingFileIsReported) {
  auto p = load_policy_file("/nonexistent/tollgate/policy.json", tollgate_options());
  ASSERT_FALSE(p.has_value());
  EXPECT_EQ(p.error().file, "/nonexistent/tollgate/policy.json");
  EXPECT_NE(p.error().message.find("cannot open"), std::string::npos) << p.error().message;
}

}  // namespace
}  // namespace tollgate
