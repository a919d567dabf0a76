#include "supervisor/rules/rule_set.h"

#include <errno.h>
#include <gtest/gtest.h>
#include <linux/seccomp.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/policy_parser.h"
#include "core/syscall_names.h"
#include "supervisor/caller/call_context.h"

namespace tollgate {
namespace {

using nlohmann::json;

PolicyPtr must_parse(std::string_view text, PolicyParseOptions options = {}) {
  auto p = parse_policy_text(text, "test.json", options);
  if (!p) {
    ADD_FAILURE() << "unexpected error: " << p.error().to_string();
    return nullptr;
  }
  return *p;
}

// Rules only; the filter layer does not matter to RuleSet.
PolicyPtr policy_with_rules(const json& rules, PolicyParseOptions options = {}) {
  json doc = {{"defaultAction", "SCMP_ACT_ALLOW"}, {"rules", rules}};
  return must_parse(doc.dump(), options);
}

// A notification as the kernel would deliver it for a call made by this very process, so that /proc and
// process_vm_readv work on the test's own memory.
seccomp_notif make_call(std::string_view syscall, std::initializer_list<uint64_t> args = {}) {
  seccomp_notif n;
  std::memset(&n, 0, sizeof n);
  n.id = 1;
  n.pid = static_cast<__u32>(getpid());
  auto nr = resolve_native_syscall(syscall);
  EXPECT_TRUE(nr.has_value()) << syscall;
  n.data.nr = nr.value_or(-1);
  n.data.arch = native_audit_arch();
  size_t i = 0;
  for (uint64_t a : args) n.data.args[i++] = a;
  return n;
}

uint64_t ptr(const char* p) { return reinterpret_cast<uint64_t>(p); }

std::string own_comm() {
  std::ifstream in("/proc/self/comm");
  std::string comm;
  std::getline(in, comm);
  return comm;
}

// fnmatch(3) pattern matching exactly `s`.
std::string escape_glob(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

Decision decide(const RuleSet& rules, const seccomp_notif& n, std::string_view name) {
  CallContext call(n, name);
  return rules.decide(call);
}

// ---- Matching order ----

TEST(RuleSetTest, FirstMatchWins) {
  PolicyPtr p = policy_with_rules(json::array({
      {{"name", "flag-two"},
       {"syscalls", {"umount2"}},
       {"args", {{{"index", 1}, {"value", 2}, {"op", "eq"}}}},
       {"action", "deny"},
       {"errno", "EACCES"}},
      {{"name", "any-umount"}, {"syscalls", {"umount2", "mount"}}, {"action", "deny"}, {"errno", "EBUSY"}},
      {{"name", "never-reached"}, {"syscalls", {"umount2"}}, {"action", "deny"}, {"errno", "EIO"}},
  }));
  ASSERT_NE(p, nullptr);
  RuleSet rules(p);

  Decision d = decide(rules, make_call("umount2", {0, 2}), "umount2");
  EXPECT_EQ(d.verdict, Verdict::Errno);
  EXPECT_EQ(d.error, EACCES);
  EXPECT_EQ(d.rule, &p->rules[0]);

  d = decide(rules, make_call("umount2", {0, 3}), "umount2");
  EXPECT_EQ(d.verdict, Verdict::Errno);
  EXPECT_EQ(d.error, EBUSY);
  EXPECT_EQ(d.rule, &p->rules[1]);

  // The second rule also names mount; the first does not apply to it.
  d = decide(rules, make_call("mount", {0, 0, 0, 2}), "mount");
  EXPECT_EQ(d.error, EBUSY);
  EXPECT_EQ(d.rule, &p->rules[1]);
}

TEST(RuleSetTest, RuleSetKeepsThePolicy) {
  PolicyPtr p = policy_with_rules(json::array({{{"syscalls", {"mount"}}, {"action", "deny"}}}));
  ASSERT_NE(p, nullptr);
  RuleSet rules(p);
  EXPECT_EQ(&rules.policy(), p.get());
  EXPECT_EQ(rules.policy_ptr(), p);
}

// ---- Numeric conditions ----

// One deny rule on umount2 with one condition on the flags argument; returns whether `value` matches it.
class NumericConditionTest : public ::testing::Test {
 protected:
  bool matches(const json& condition, uint64_t value) {
    PolicyPtr p = policy_with_rules(
        json::array({{{"syscalls", {"umount2"}}, {"args", {condition}}, {"action", "deny"}, {"errno", "EACCES"}}}));
    if (p == nullptr) return false;
    RuleSet rules(p);
    seccomp_notif n = make_call("umount2", {0, value});
    CallContext call(n, "umount2");
    Decision d = rules.decide(call);
    EXPECT_FALSE(call.touched_target()) << "numeric conditions must not read the target";
    EXPECT_EQ(d.verdict, Verdict::Errno);
    if (d.rule != nullptr) {
      EXPECT_EQ(d.rule, &p->rules[0]);
      EXPECT_EQ(d.error, EACCES);
      return true;
    }
    EXPECT_EQ(d.error, EPERM);
    return false;
  }
};

TEST_F(NumericConditionTest, Equal) {
  json c = {{"index", 1}, {"value", 10}, {"op", "eq"}};
  EXPECT_TRUE(matches(c, 10));
  EXPECT_FALSE(matches(c, 11));
  EXPECT_FALSE(matches(c, 9));
}

TEST_F(NumericConditionTest, NotEqual) {
  json c = {{"index", 1}, {"value", 10}, {"op", "ne"}};
  EXPECT_TRUE(matches(c, 11));
  EXPECT_TRUE(matches(c, 0));
  EXPECT_FALSE(matches(c, 10));
}

TEST_F(NumericConditionTest, LessThan) {
  json c = {{"index", 1}, {"value", 10}, {"op", "lt"}};
  EXPECT_TRUE(matches(c, 9));
  EXPECT_TRUE(matches(c, 0));
  EXPECT_FALSE(matches(c, 10));
  EXPECT_FALSE(matches(c, UINT64_MAX));  // unsigned, as the kernel filter compares
}

TEST_F(NumericConditionTest, GreaterThan) {
  json c = {{"index", 1}, {"value", 10}, {"op", "gt"}};
  EXPECT_TRUE(matches(c, 11));
  EXPECT_TRUE(matches(c, UINT64_MAX));
  EXPECT_FALSE(matches(c, 10));
  EXPECT_FALSE(matches(c, 3));
}

TEST_F(NumericConditionTest, LessEqualAndGreaterEqual) {
  json le = {{"index", 1}, {"value", 10}, {"op", "le"}};
  EXPECT_TRUE(matches(le, 10));
  EXPECT_FALSE(matches(le, 11));
  json ge = {{"index", 1}, {"value", 10}, {"op", "ge"}};
  EXPECT_TRUE(matches(ge, 10));
  EXPECT_FALSE(matches(ge, 9));
}

TEST_F(NumericConditionTest, MaskedEqual) {
  // (arg & 0x6) == 0x2
  json c = {{"index", 1}, {"value", 0x6}, {"valueTwo", 0x2}, {"op", "masked_eq"}};
  EXPECT_TRUE(matches(c, 0x2));
  EXPECT_TRUE(matches(c, 0xA));
  EXPECT_TRUE(matches(c, 0x3));
  EXPECT_FALSE(matches(c, 0x6));
  EXPECT_FALSE(matches(c, 0x4));
  EXPECT_FALSE(matches(c, 0x0));
}

TEST(RuleSetTest, AllArgConditionsMustHold) {
  PolicyPtr p = policy_with_rules(json::array({{{"syscalls", {"mount"}},
                                                {"args",
                                                 {{{"index", 3}, {"value", 1}, {"op", "eq"}},
                                                  {{"index", 4}, {"value", 0}, {"op", "ne"}}}},
                                                {"action", "deny"},
                                                {"errno", "EACCES"}}}));
  ASSERT_NE(p, nullptr);
  RuleSet rules(p);
  EXPECT_EQ(decide(rules, make_call("mount", {0, 0, 0, 1, 7}), "mount").rule, &p->rules[0]);
  EXPECT_EQ(decide(rules, make_call("mount", {0, 0, 0, 1, 0}), "mount").rule, nullptr);
  EXPECT_EQ(decide(rules, make_call("mount", {0, 0, 0, 2, 7}), "mount").rule, nullptr);
}

// ---- Caller conditions ----

TEST(RuleSetTest, CallerCommGlob) {
  const std::string comm = own_comm();
  ASSERT_FALSE(comm.empty());
  PolicyPtr p = policy_with_rules(json::array({
      {{"name", "other-program"},
       {"syscalls", {"umount2"}},
       {"caller", {{"comm", "zz-not-this-test*"}}},
       {"action", "deny"},
       {"errno", "EIO"}},
      {{"name", "this-program"},
       {"syscalls", {"umount2"}},
       {"caller", {{"comm", escape_glob(comm)}}},
       {"action", "deny"},
       {"errno", "EACCES"}},
  }));
  ASSERT_NE(p, nullptr);
  RuleSet rules(p);
  seccomp_notif n = make_call("umount2", {0, 0});
  CallContext call(n, "umount2");
  Decision d = rules.decide(call);
  EXPECT_EQ(d.verdict, Verdict::Errno);
  EXPECT_EQ(d.error, EACCES);
  EXPECT_EQ(d.rule, &p->rules[1]);
  EXPECT_TRUE(call.touched_target());
  ASSERT_NE(call.cached_process(), nullptr);
  EXPECT_EQ(call.cached_process()->comm, comm);
}

TEST(RuleSetTest, CallerCommWildcard) {
  const std::string comm = own_comm();
  ASSERT_FALSE(comm.empty());
  PolicyPtr p = policy_with_rules(json::array({
      {{"syscalls", {"umount2"}},
       {"caller", {{"comm", escape_glob(comm.substr(0, 1)) + "*"}}},
       {"action", "deny"},
       {"errno", "EACCES"}},
  }));
  ASSERT_NE(p, nullptr);
  RuleSet rules(p);
  EXPECT_EQ(decide(rules, make_call("umount2"), "umount2").rule, &p->rules[0]);
}

TEST(RuleSetTest, CallerUid) {
  const uint32_t uid = geteuid();
  PolicyPtr p = policy_with_rules(json::array({
      {{"name", "someone-else"},
       {"syscalls", {"umount2"}},
       {"caller", {{"uid", uid + 1}}},
       {"action", "deny"},
       {"errno", "EIO"}},
      {{"name", "me"}, {"syscalls", {"umount2"}}, {"caller", {{"uid", uid}}}, {"action", "deny"}, {"errno", "EACCES"}},
  }));
  ASSERT_NE(p, nullptr);
  RuleSet rules(p);
  Decision d = decide(rules, make_call("umount2"), "umount2");
  EXPECT_EQ(d.error, EACCES);
  EXPECT_EQ(d.rule, &p->rules[1]);
}

TEST(RuleSetTest, CallerGid) {
  const uint32_t gid = getegid();
  PolicyPtr p = policy_with_rules(json::array({
      {{"syscalls", {"umount2"}}, {"caller", {{"gid", gid + 1}}}, {"action", "deny"}, {"errno", "EIO"}},
      {{"syscalls", {"umount2"}}, {"caller", {{"gid", gid}}}, {"action", "deny"}, {"errno", "EACCES"}},
  }));
  ASSERT_NE(p, nullptr);
  RuleSet rules(p);
  EXPECT_EQ(decide(rules, make_call("umount2"), "umount2").rule, &p->rules[1]);
}

TEST(RuleSetTest, CallerMismatchFallsThroughToNoRule) {
  PolicyPtr p = policy_with_rules(json::array({
      {{"syscalls", {"umount2"}},
       {"caller", {{"comm", escape_glob(own_comm())}, {"uid", static_cast<uint32_t>(geteuid()) + 1}}},
       {"action", "deny"},
       {"errno", "EACCES"}},
  }));
  ASSERT_NE(p, nullptr);
  RuleSet rules(p);
  Decision d = decide(rules, make_call("umount2"), "umount2");
  EXPECT_EQ(d.verdict, Verdict::Errno);
  EXPECT_EQ(d.error, EPERM);
  EXPECT_EQ(d.rule, nullptr);
}

// ---- String conditions ----

TEST(RuleSetTest, StringEquals) {
  char fstype[] = "tmpfs";
  char other[] = "ext4";
  char target[] = "/mnt";
  PolicyPtr p = policy_with_rules(json::array({
      {{"syscalls", {"mount"}},
       {"strings", {{{"index", 2}, {"equals", "tmpfs"}}}},
       {"action", "deny"},
       {"errno", "EACCES"}},
  }));
  ASSERT_NE(p, nullptr);
  RuleSet rules(p);

  seccomp_notif yes = make_call("mount", {ptr(other), ptr(target), ptr(fstype), 0, 0});
  CallContext call(yes, "mount");
  Decision d = rules.decide(call);
  EXPECT_EQ(d.error, EACCES);
  EXPECT_EQ(d.rule, &p->rules[0]);
  EXPECT_TRUE(call.touched_target());
  EXPECT_TRUE(call.read_memory());
  ASSERT_NE(call.cached_string(2), nullptr);
  EXPECT_EQ(*call.cached_string(2), "tmpfs");

  // "tmpfs" must equal exactly, not as a prefix.
  char longer[] = "tmpfsx";
  EXPECT_EQ(decide(rules, make_call("mount", {0, ptr(target), ptr(longer), 0, 0}), "mount").rule, nullptr);
  EXPECT_EQ(decide(rules, make_call("mount", {0, ptr(target), ptr(other), 0, 0}), "mount").rule, nullptr);
}

TEST(RuleSetTest, StringGlob) {
  char fstype[] = "tmpfs";
  char in_mnt[] = "/mnt/data";
  char nested[] = "/mnt/a/b";
  char elsewhere[] = "/srv/data";
  PolicyPtr p = policy_with_rules(json::array({
      {{"syscalls", {"mount"}},
       {"strings", {{{"index", 1}, {"glob", "/mnt/*"}}, {{"index", 2}, {"glob", "tmp*"}}}},
       {"action", "deny"},
       {"errno", "EACCES"}},
  }));
  ASSERT_NE(p, nullptr);
  RuleSet rules(p);
  EXPECT_EQ(decide(rules, make_call("mount", {0, ptr(in_mnt), ptr(fstype), 0, 0}), "mount").rule, &p->rules[0]);
  // Globs on strings are path globs: '*' does not cross '/'.
  EXPECT_EQ(decide(rules, make_call("mount", {0, ptr(nested), ptr(fstype), 0, 0}), "mount").rule, nullptr);
  EXPECT_EQ(decide(rules, make_call("mount", {0, ptr(elsewhere), ptr(fstype), 0, 0}), "mount").rule, nullptr);
}

TEST(RuleSetTest, UnreadableStringDeniesWithReason) {
  char target[] = "/mnt";
  PolicyPtr p = policy_with_rules(json::array({
      {{"syscalls", {"mount"}},
       {"strings", {{{"index", 2}, {"equals", "tmpfs"}}}},
       {"action", "deny"},
       {"errno", "EACCES"}},
      {{"syscalls", {"mount"}}, {"action", "deny"}, {"errno", "EBUSY"}},
  }));
  ASSERT_NE(p, nullptr);
  RuleSet rules(p);
  seccomp_notif n = make_call("mount", {0, ptr(target), 8, 0, 0});  // 8: an unmapped address
  CallContext call(n, "mount");
  Decision d = rules.decide(call);
  EXPECT_EQ(d.verdict, Verdict::Errno);
  EXPECT_EQ(d.error, EPERM);
  EXPECT_FALSE(d.reason.empty());
  EXPECT_EQ(d.rule, &p->rules[0]);  // it does not fall through to the next rule
  EXPECT_TRUE(call.touched_target());
  EXPECT_EQ(call.cached_string(2), nullptr);
  ASSERT_FALSE(call.string_arg(2).has_value());
  EXPECT_EQ(call.string_arg(2).error(), EFAULT);
}

TEST(RuleSetTest, NullStringPointerIsUnreadable) {
  PolicyPtr p = policy_with_rules(json::array({
      {{"syscalls", {"mount"}},
       {"strings", {{{"index", 2}, {"equals", "tmpfs"}}}},
       {"action", "deny"},
       {"errno", "EACCES"}},
  }));
  ASSERT_NE(p, nullptr);
  RuleSet rules(p);
  Decision d = decide(rules, make_call("mount", {0, 0, 0, 0, 0}), "mount");
  EXPECT_EQ(d.verdict, Verdict::Errno);
  EXPECT_EQ(d.error, EPERM);
  EXPECT_FALSE(d.reason.empty());
}

// ---- No match, outside callers, actions ----

TEST(RuleSetTest, NoRuleIsEperm) {
  PolicyPtr p = policy_with_rules(json::array({{{"syscalls", {"mount"}}, {"action", "deny"}, {"errno", "EACCES"}}}));
  ASSERT_NE(p, nullptr);
  RuleSet rules(p);
  // Syscalls without rules: read (a number below mount's), umount2 and reboot (numbers past the last indexed).
  for (const char* name : {"reboot", "read", "umount2"}) {
    Decision d = decide(rules, make_call(name), name);
    EXPECT_EQ(d.verdict, Verdict::Errno) << name;
    EXPECT_EQ(d.error, EPERM) << name;
    EXPECT_EQ(d.rule, nullptr) << name;
    EXPECT_FALSE(d.reason.empty()) << name;
  }
  seccomp_notif n = make_call("mount");
  n.data.nr = -1;
  Decision d = decide(rules, n, "");
  EXPECT_EQ(d.error, EPERM);
  EXPECT_EQ(d.rule, nullptr);
}

TEST(RuleSetTest, EmptyRuleSetIsEperm) {
  PolicyPtr p = must_parse(R"({"defaultAction": "SCMP_ACT_ALLOW"})");
  ASSERT_NE(p, nullptr);
  RuleSet rules(p);
  Decision d = decide(rules, make_call("mount"), "mount");
  EXPECT_EQ(d.verdict, Verdict::Errno);
  EXPECT_EQ(d.error, EPERM);
  EXPECT_EQ(d.rule, nullptr);
}

TEST(RuleSetTest, PidZeroIsEperm) {
  PolicyPtr p = policy_with_rules(json::array({{{"syscalls", {"umount2"}}, {"action", "allow"}}}));
  ASSERT_NE(p, nullptr);
  RuleSet rules(p);
  seccomp_notif n = make_call("umount2");
  n.pid = 0;
  CallContext call(n, "umount2");
  Decision d = rules.decide(call);
  EXPECT_EQ(d.verdict, Verdict::Errno);
  EXPECT_EQ(d.error, EPERM);
  EXPECT_EQ(d.rule, nullptr);
  EXPECT_FALSE(d.reason.empty());
  EXPECT_FALSE(call.touched_target());
}

TEST(RuleSetTest, DenyReturnsItsErrno) {
  PolicyPtr p = policy_with_rules(json::array({
      {{"syscalls", {"umount2"}}, {"action", "deny"}, {"errno", "EACCES"}},
      {{"syscalls", {"mount"}}, {"action", "deny"}, {"errno", 38}},
      {{"syscalls", {"reboot"}}, {"action", "deny"}},
  }));
  ASSERT_NE(p, nullptr);
  RuleSet rules(p);
  Decision d = decide(rules, make_call("umount2"), "umount2");
  EXPECT_EQ(d.verdict, Verdict::Errno);
  EXPECT_EQ(d.error, EACCES);
  EXPECT_EQ(d.rule, &p->rules[0]);
  d = decide(rules, make_call("mount"), "mount");
  EXPECT_EQ(d.error, ENOSYS);
  EXPECT_EQ(d.rule, &p->rules[1]);
  d = decide(rules, make_call("reboot"), "reboot");
  EXPECT_EQ(d.error, EPERM);
  EXPECT_EQ(d.rule, &p->rules[2]);
}

TEST(RuleSetTest, AllowContinues) {
  PolicyPtr p = policy_with_rules(json::array({
      {{"syscalls", {"umount2"}}, {"args", {{{"index", 1}, {"value", 0}, {"op", "eq"}}}}, {"action", "allow"}},
  }));
  ASSERT_NE(p, nullptr);
  RuleSet rules(p);
  seccomp_notif n = make_call("umount2", {0, 0});
  CallContext call(n, "umount2");
  Decision d = rules.decide(call);
  EXPECT_EQ(d.verdict, Verdict::Continue);
  EXPECT_EQ(d.rule, &p->rules[0]);
  EXPECT_FALSE(call.touched_target());
  EXPECT_EQ(to_string(d.verdict), "allow");
}

TEST(RuleSetTest, EmulateAndAsk) {
  PolicyParseOptions options;
  options.handler_exists = [](std::string_view name) { return name == "fake"; };
  PolicyPtr p = policy_with_rules(json::array({
                                      {{"syscalls", {"mount"}}, {"action", "emulate"}, {"handler", "fake"}},
                                      {{"syscalls", {"umount2"}}, {"action", "ask"}},
                                  }),
                                  options);
  ASSERT_NE(p, nullptr);
  RuleSet rules(p);
  Decision d = decide(rules, make_call("mount"), "mount");
  EXPECT_EQ(d.verdict, Verdict::Emulate);
  EXPECT_EQ(d.rule, &p->rules[0]);
  d = decide(rules, make_call("umount2"), "umount2");
  EXPECT_EQ(d.verdict, Verdict::Ask);
  EXPECT_EQ(d.rule, &p->rules[1]);
}

// ---- What the context touched ----

TEST(RuleSetTest, TouchedTargetOnlyAfterStringOrCallerChecks) {
  char fstype[] = "tmpfs";
  PolicyPtr p = policy_with_rules(json::array({
      {{"syscalls", {"mount"}},
       {"args", {{{"index", 3}, {"value", 1}, {"op", "eq"}}}},
       {"strings", {{{"index", 2}, {"equals", "tmpfs"}}}},
       {"action", "deny"},
       {"errno", "EACCES"}},
      {{"syscalls", {"umount2"}},
       {"args", {{{"index", 1}, {"value", 1}, {"op", "eq"}}}},
       {"caller", {{"uid", static_cast<uint32_t>(geteuid())}}},
       {"action", "deny"},
       {"errno", "EBUSY"}},
  }));
  ASSERT_NE(p, nullptr);
  RuleSet rules(p);

  // The numeric condition fails first: neither memory nor /proc is read.
  {
    seccomp_notif n = make_call("mount", {0, 0, ptr(fstype), 0, 0});
    CallContext call(n, "mount");
    Decision d = rules.decide(call);
    EXPECT_EQ(d.rule, nullptr);
    EXPECT_FALSE(call.touched_target());
    EXPECT_FALSE(call.read_memory());
  }
  // Numeric condition holds, the string is read.
  {
    seccomp_notif n = make_call("mount", {0, 0, ptr(fstype), 1, 0});
    CallContext call(n, "mount");
    Decision d = rules.decide(call);
    EXPECT_EQ(d.rule, &p->rules[0]);
    EXPECT_TRUE(call.touched_target());
    EXPECT_TRUE(call.read_memory());
  }
  // Caller check: /proc is read, memory is not.
  {
    seccomp_notif n = make_call("umount2", {0, 0});
    CallContext call(n, "umount2");
    EXPECT_EQ(rules.decide(call).rule, nullptr);
    EXPECT_FALSE(call.touched_target());
  }
  {
    seccomp_notif n = make_call("umount2", {0, 1});
    CallContext call(n, "umount2");
    Decision d = rules.decide(call);
    EXPECT_EQ(d.rule, &p->rules[1]);
    EXPECT_EQ(d.error, EBUSY);
    EXPECT_TRUE(call.touched_target());
    EXPECT_FALSE(call.read_memory());
  }
}

}  // namespace
}  // namespace tollgate
