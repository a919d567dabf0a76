// What compiled filters mean: each test compiles a policy and runs the resulting program through the
// test cBPF evaluator, checking the action returned for particular syscalls rather than the instructions.
#include "profile/filter_compiler.h"

#include <errno.h>
#include <gtest/gtest.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>
#include <vector>

#include "profile/filter_environment.h"
#include "core/policy_parser.h"
#include "tests/support/bpf_evaluator.h"
#include "tollgate/policy.h"

#if !defined(__x86_64__)
#error "these tests assume an x86_64 build"
#endif

namespace tollgate {
namespace {

using tollgate::testing::evaluate_seccomp_bpf;
using tollgate::testing::make_seccomp_data;

constexpr char kPodmanProfile[] = "/usr/share/containers/seccomp.json";
constexpr uint32_t kArch = AUDIT_ARCH_X86_64;
constexpr uint32_t kX32SyscallBit = 0x40000000;
constexpr uint32_t kAfNetlink = 16;
constexpr uint32_t kNetlinkAudit = 9;

constexpr uint32_t errno_action(int err) { return SECCOMP_RET_ERRNO | static_cast<uint32_t>(err); }

// Not a real action value: what `eval` answers when the evaluator refused the program (a failure is
// recorded as well).
constexpr uint32_t kEvaluationFailed = 0xdeadbeef;

// Evaluates the filter for one call. Any static or run-time error of the evaluator is a test failure.
uint32_t eval(const CompiledFilter& filter, int nr, std::initializer_list<uint64_t> args = {},
              uint32_t arch = kArch) {
  const seccomp_data data = make_seccomp_data(arch, nr, args);
  auto r = evaluate_seccomp_bpf(filter.program, data);
  if (!r) {
    ADD_FAILURE() << "evaluator refused the program (nr " << nr << "): " << r.error();
    return kEvaluationFailed;
  }
  return *r;
}

PolicyPtr parse_or_die(std::string_view text, PolicyFlavor flavor) {
  PolicyParseOptions options;
  options.flavor = flavor;
  auto p = parse_policy_text(text, "test.json", options);
  if (!p) {
    ADD_FAILURE() << "parse failed: " << p.error().to_string();
    return nullptr;
  }
  return *p;
}

FilterEnvironment all_caps_env(std::string go_arch = "amd64") {
  FilterEnvironment env;
  for (unsigned cap = 0; cap <= 40; ++cap) env.bounding_caps.insert(capability_name(cap));
  env.go_arch = std::move(go_arch);
  env.kernel = KernelVersion{6, 18};
  return env;
}

FilterEnvironment reduced_caps_env() {
  FilterEnvironment env = all_caps_env();
  for (const char* cap : {"CAP_DAC_READ_SEARCH", "CAP_AUDIT_WRITE", "CAP_SYS_ADMIN", "CAP_SYS_TIME"})
    env.bounding_caps.erase(cap);
  return env;
}

// Compiles and requires success.
#define COMPILE_OR_FAIL(var, policy_ptr, env)                                  \
  ASSERT_NE((policy_ptr), nullptr);                                            \
  auto var##_result = compile_filter((policy_ptr)->filter, (env));             \
  ASSERT_TRUE(var##_result.has_value()) << var##_result.error();               \
  const CompiledFilter& var = *var##_result;                                   \
  ASSERT_FALSE(var.program.empty());                                           \
  ASSERT_LE(var.program.size(), static_cast<size_t>(BPF_MAXINSNS))

// ---------------------------------------------------------------------------------------------
// The guard prefix

constexpr char kAllowAll[] = R"({"defaultAction": "SCMP_ACT_ALLOW"})";
constexpr char kErrnoAll[] = R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38})";

TEST(FilterCompilerGuard, ForeignArchitectureIsKilled) {
  auto policy = parse_or_die(kAllowAll, PolicyFlavor::Tollgate);
  COMPILE_OR_FAIL(f, policy, all_caps_env());
  EXPECT_EQ(eval(f, SYS_getpid, {}, AUDIT_ARCH_I386), SECCOMP_RET_KILL_PROCESS);
  EXPECT_EQ(eval(f, 20 /* i386 getpid */, {}, AUDIT_ARCH_I386), SECCOMP_RET_KILL_PROCESS);
  EXPECT_EQ(eval(f, SYS_getpid, {}, AUDIT_ARCH_AARCH64), SECCOMP_RET_KILL_PROCESS);
  // The native architecture goes on to the policy.
  EXPECT_EQ(eval(f, SYS_getpid), SECCOMP_RET_ALLOW);
}

TEST(FilterCompilerGuard, X32SyscallNumbersAreKilled) {
  // x32 calls come with the native AUDIT_ARCH but __X32_SYSCALL_BIT set; the filter is for x86_64 only.
  auto policy = parse_or_die(kAllowAll, PolicyFlavor::Tollgate);
  COMPILE_OR_FAIL(f, policy, all_caps_env());
  EXPECT_EQ(eval(f, static_cast<int>(kX32SyscallBit | SYS_getpid)), SECCOMP_RET_KILL_PROCESS);
  // An x32 seccomp(NEW_LISTENER) must not slip past the guard either.
  EXPECT_EQ(eval(f, static_cast<int>(kX32SyscallBit | SYS_seccomp),
                 {SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, 0x1000}),
            SECCOMP_RET_KILL_PROCESS);
}

TEST(FilterCompilerGuard, NewListenerIsRefusedEvenUnderDefaultAllow) {
  auto policy = parse_or_die(kAllowAll, PolicyFlavor::Tollgate);
  COMPILE_OR_FAIL(f, policy, all_caps_env());
  EXPECT_EQ(eval(f, SYS_seccomp, {SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, 0x7ffd0000}),
            errno_action(EPERM));
  // Together with other flags.
  EXPECT_EQ(eval(f, SYS_seccomp,
                 {SECCOMP_SET_MODE_FILTER,
                  SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_LOG, 0x1000}),
            errno_action(EPERM));
  // The flags argument is an unsigned int: the high half of the register does not matter to the kernel.
  EXPECT_EQ(eval(f, SYS_seccomp,
                 {SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER | (1ull << 32), 0x1000}),
            errno_action(EPERM));
  EXPECT_EQ(eval(f, SYS_seccomp,
                 {SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER | 0xffffffff00000000ull, 0x1000}),
            errno_action(EPERM));
  // Nor does the high half of the operation (also an unsigned int).
  EXPECT_EQ(eval(f, SYS_seccomp,
                 {SECCOMP_SET_MODE_FILTER | (1ull << 32), SECCOMP_FILTER_FLAG_NEW_LISTENER, 0x1000}),
            errno_action(EPERM));
}

TEST(FilterCompilerGuard, NewListenerIsRefusedUnderDefaultErrno) {
  auto policy = parse_or_die(kErrnoAll, PolicyFlavor::Tollgate);
  COMPILE_OR_FAIL(f, policy, all_caps_env());
  EXPECT_EQ(eval(f, SYS_seccomp, {SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, 0x1000}),
            errno_action(EPERM));
  // Everything else gets the policy's default.
  EXPECT_EQ(eval(f, SYS_seccomp, {SECCOMP_SET_MODE_FILTER, 0, 0x1000}), errno_action(38));
  EXPECT_EQ(eval(f, SYS_getpid), errno_action(38));
}

TEST(FilterCompilerGuard, OtherSeccompCallsFallThroughToThePolicy) {
  auto policy = parse_or_die(kAllowAll, PolicyFlavor::Tollgate);
  COMPILE_OR_FAIL(f, policy, all_caps_env());
  EXPECT_EQ(eval(f, SYS_seccomp, {SECCOMP_SET_MODE_FILTER, 0, 0x1000}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(eval(f, SYS_seccomp, {SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, 0x1000}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(eval(f, SYS_seccomp, {SECCOMP_SET_MODE_STRICT, 0, 0}), SECCOMP_RET_ALLOW);
  // The NEW_LISTENER bit means nothing to other operations' flags; those fall through too.
  EXPECT_EQ(eval(f, SYS_seccomp, {SECCOMP_SET_MODE_STRICT, SECCOMP_FILTER_FLAG_NEW_LISTENER, 0}),
            SECCOMP_RET_ALLOW);
  EXPECT_EQ(eval(f, SYS_seccomp, {SECCOMP_GET_ACTION_AVAIL, 0, 0x1000}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(eval(f, SYS_seccomp, {SECCOMP_GET_NOTIF_SIZES, 0, 0x1000}), SECCOMP_RET_ALLOW);
  // A NEW_LISTENER value in another syscall's argument is nothing to the guard.
  EXPECT_EQ(eval(f, SYS_prctl, {SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, 0}),
            SECCOMP_RET_ALLOW);
}

TEST(FilterCompilerGuard, SeccompCallsWithoutListenerFollowAnExplicitEntry) {
  auto policy = parse_or_die(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["seccomp"], "action": "SCMP_ACT_ERRNO", "errnoRet": 22}]
  })",
                             PolicyFlavor::Tollgate);
  COMPILE_OR_FAIL(f, policy, all_caps_env());
  EXPECT_EQ(eval(f, SYS_seccomp, {SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, 0x1000}),
            errno_action(EPERM));
  EXPECT_EQ(eval(f, SYS_seccomp, {SECCOMP_SET_MODE_FILTER, 0, 0x1000}), errno_action(22));
  EXPECT_EQ(eval(f, SYS_seccomp, {SECCOMP_SET_MODE_STRICT, 0, 0}), errno_action(22));
}

// ---------------------------------------------------------------------------------------------
// Small tollgate policies

constexpr char kSmallPolicy[] = R"({
  "comment": "default allow, a few exceptions",
  "defaultAction": "SCMP_ACT_ALLOW",
  "syscalls": [
    {"names": ["mount"], "action": "SCMP_ACT_NOTIFY"},
    {"names": ["@clock"], "action": "SCMP_ACT_NOTIFY"},
    {"names": ["write"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
    {"names": ["kill"], "action": "SCMP_ACT_KILL_PROCESS"},
    {"names": ["getppid"], "action": "SCMP_ACT_TRAP"},
    {"names": ["chroot"], "action": "SCMP_ACT_ERRNO"},
    {"names": ["tkill"], "action": "SCMP_ACT_KILL"},
    {"names": ["tgkill"], "action": "SCMP_ACT_KILL_THREAD"},
    {"names": ["sync"], "action": "SCMP_ACT_LOG"},
    {"names": ["syncfs"], "action": "SCMP_ACT_TRACE", "errnoRet": 7},
    {"names": ["getpid"], "action": "SCMP_ACT_ALLOW"}
  ]
})";

TEST(FilterCompilerSmall, EachSyscallGetsItsAction) {
  auto policy = parse_or_die(kSmallPolicy, PolicyFlavor::Tollgate);
  COMPILE_OR_FAIL(f, policy, all_caps_env());
  EXPECT_EQ(eval(f, SYS_mount, {0, 0x1000, 0, 0, 0}), SECCOMP_RET_USER_NOTIF);
  for (int nr : {SYS_clock_settime, SYS_settimeofday, SYS_adjtimex, SYS_clock_adjtime})
    EXPECT_EQ(eval(f, nr), SECCOMP_RET_USER_NOTIF) << "nr " << nr;
  EXPECT_EQ(eval(f, SYS_write, {1, 0x1000, 5}), errno_action(13));
  EXPECT_EQ(eval(f, SYS_kill, {1, 9}), SECCOMP_RET_KILL_PROCESS);
  EXPECT_EQ(eval(f, SYS_getppid), SECCOMP_RET_TRAP);
  EXPECT_EQ(eval(f, SYS_sync), SECCOMP_RET_LOG);
  EXPECT_EQ(eval(f, SYS_syncfs, {3}), SECCOMP_RET_TRACE | 7u);
  // Untouched syscalls, and an entry that restates the default, are allowed.
  EXPECT_EQ(eval(f, SYS_read, {0, 0x1000, 5}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(eval(f, SYS_getpid), SECCOMP_RET_ALLOW);
  EXPECT_EQ(eval(f, SYS_clock_gettime, {0, 0x1000}), SECCOMP_RET_ALLOW);
}

TEST(FilterCompilerSmall, ErrnoRetDefaultsToEperm) {
  auto policy = parse_or_die(kSmallPolicy, PolicyFlavor::Tollgate);
  COMPILE_OR_FAIL(f, policy, all_caps_env());
  EXPECT_EQ(eval(f, SYS_chroot, {0x1000}), errno_action(EPERM));
}

TEST(FilterCompilerSmall, DefaultErrnoRetDefaultsToEperm) {
  auto policy = parse_or_die(R"({
    "defaultAction": "SCMP_ACT_ERRNO",
    "syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_ALLOW"}]
  })",
                             PolicyFlavor::Tollgate);
  COMPILE_OR_FAIL(f, policy, all_caps_env());
  EXPECT_EQ(eval(f, SYS_getpid), SECCOMP_RET_ALLOW);
  EXPECT_EQ(eval(f, SYS_getppid), errno_action(EPERM));
}

TEST(FilterCompilerSmall, KillMeansKillThread) {
  auto policy = parse_or_die(kSmallPolicy, PolicyFlavor::Tollgate);
  COMPILE_OR_FAIL(f, policy, all_caps_env());
  EXPECT_EQ(eval(f, SYS_tkill, {1, 9}), SECCOMP_RET_KILL_THREAD);
  EXPECT_EQ(eval(f, SYS_tgkill, {1, 1, 9}), SECCOMP_RET_KILL_THREAD);
  EXPECT_EQ(SECCOMP_RET_KILL_THREAD, SECCOMP_RET_KILL);
}

TEST(FilterCompilerSmall, NotifiedSyscallsAreListedSortedAndUnique) {
  auto policy = parse_or_die(kSmallPolicy, PolicyFlavor::Tollgate);
  COMPILE_OR_FAIL(f, policy, all_caps_env());
  std::vector<int> expected = {SYS_mount, SYS_clock_settime, SYS_settimeofday, SYS_adjtimex, SYS_clock_adjtime};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(f.notified_syscalls, expected);
}

TEST(FilterCompilerSmall, NotifiedSyscallsHaveNoDuplicatesWhenNamedTwice) {
  auto policy = parse_or_die(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [
      {"names": ["mount"], "action": "SCMP_ACT_NOTIFY", "args": [{"index": 3, "value": 1, "op": "SCMP_CMP_EQ"}]},
      {"names": ["mount", "umount2"], "action": "SCMP_ACT_NOTIFY",
       "args": [{"index": 3, "value": 2, "op": "SCMP_CMP_EQ"}]}
    ]
  })",
                             PolicyFlavor::Tollgate);
  COMPILE_OR_FAIL(f, policy, all_caps_env());
  std::vector<int> expected = {SYS_mount, SYS_umount2};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(f.notified_syscalls, expected);
  EXPECT_EQ(eval(f, SYS_mount, {0, 0, 0, 1}), SECCOMP_RET_USER_NOTIF);
  EXPECT_EQ(eval(f, SYS_mount, {0, 0, 0, 2}), SECCOMP_RET_USER_NOTIF);
  EXPECT_EQ(eval(f, SYS_mount, {0, 0, 0, 3}), SECCOMP_RET_ALLOW);
}

TEST(FilterCompilerSmall, NoNotifyEntriesMeanNoNotifiedSyscalls) {
  auto policy = parse_or_die(kErrnoAll, PolicyFlavor::Tollgate);
  COMPILE_OR_FAIL(f, policy, all_caps_env());
  EXPECT_TRUE(f.notified_syscalls.empty());
}

TEST(FilterCompilerArgs, EqualOnOneArgumentUnderDefaultErrno) {
  auto policy = parse_or_die(R"({
    "defaultAction": "SCMP_ACT_ERRNO",
    "defaultErrnoRet": 38,
    "syscalls": [
      {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
       "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]}
    ]
  })",
                             PolicyFlavor::Tollgate);
  COMPILE_OR_FAIL(f, policy, all_caps_env());
  EXPECT_EQ(eval(f, SYS_personality, {8}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(eval(f, SYS_personality, {0}), errno_action(38));
  EXPECT_EQ(eval(f, SYS_personality, {9}), errno_action(38));
  // The comparison is on all 64 bits, as libseccomp does.
  EXPECT_EQ(eval(f, SYS_personality, {8 | (1ull << 32)}), errno_action(38));
  EXPECT_EQ(eval(f, SYS_getpid), errno_action(38));
}

TEST(FilterCompilerArgs, MaskedEqualIsArgAndValueEqualsValueTwo) {
  auto policy = parse_or_die(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [
      {"names": ["mmap"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13,
       "args": [{"index": 2, "value": 240, "valueTwo": 48, "op": "SCMP_CMP_MASKED_EQ"}]},
      {"names": ["mprotect"], "action": "SCMP_ACT_ERRNO", "errnoRet": 14,
       "args": [{"index": 2, "value": "0xffffffff00000000", "valueTwo": "0x100000000", "op": "masked_eq"}]}
    ]
  })",
                             PolicyFlavor::Tollgate);
  COMPILE_OR_FAIL(f, policy, all_caps_env());
  // (arg & 0xf0) == 0x30
  EXPECT_EQ(eval(f, SYS_mmap, {0, 4096, 0x30}), errno_action(13));
  EXPECT_EQ(eval(f, SYS_mmap, {0, 4096, 0x3f}), errno_action(13));
  EXPECT_EQ(eval(f, SYS_mmap, {0, 4096, 0x1f35}), errno_action(13));
  EXPECT_EQ(eval(f, SYS_mmap, {0, 4096, 0xf0}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(eval(f, SYS_mmap, {0, 4096, 0x70}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(eval(f, SYS_mmap, {0, 4096, 0x0}), SECCOMP_RET_ALLOW);
  // Not the reversed reading (arg & 0x30) == 0xf0, which never matches, nor (arg & 0x30) == 0x30.
  EXPECT_EQ(eval(f, SYS_mmap, {0, 4096, 0xb0}), SECCOMP_RET_ALLOW);
  // The mask and value are 64-bit: (arg & 0xffffffff00000000) == 0x100000000
  EXPECT_EQ(eval(f, SYS_mprotect, {0, 4096, 0x100000005ull}), errno_action(14));
  EXPECT_EQ(eval(f, SYS_mprotect, {0, 4096, 0x100000000ull}), errno_action(14));
  EXPECT_EQ(eval(f, SYS_mprotect, {0, 4096, 0x5}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(eval(f, SYS_mprotect, {0, 4096, 0x300000005ull}), SECCOMP_RET_ALLOW);
}

TEST(FilterCompilerArgs, ConditionsOnDifferentIndexesAreAnded) {
  auto policy = parse_or_die(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [
      {"names": ["socket"], "action": "SCMP_ACT_ERRNO", "errnoRet": 97,
       "args": [{"index": 0, "value": 16, "op": "SCMP_CMP_EQ"},
                {"index": 2, "value": 9, "op": "SCMP_CMP_EQ"}]}
    ]
  })",
                             PolicyFlavor::Tollgate);
  COMPILE_OR_FAIL(f, policy, all_caps_env());
  EXPECT_EQ(eval(f, SYS_socket, {kAfNetlink, SOCK_RAW, kNetlinkAudit}), errno_action(97));
  EXPECT_EQ(eval(f, SYS_socket, {kAfNetlink, SOCK_RAW, 0}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(eval(f, SYS_socket, {AF_INET, SOCK_STREAM, kNetlinkAudit}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(eval(f, SYS_socket, {AF_INET, SOCK_STREAM, 0}), SECCOMP_RET_ALLOW);
}

TEST(FilterCompilerArgs, ConditionsOnTheSameIndexAreOred) {
  auto policy = parse_or_die(R"({
    "defaultAction": "SCMP_ACT_ERRNO",
    "syscalls": [
      {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
       "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"},
                {"index": 0, "value": 131072, "op": "SCMP_CMP_EQ"}]}
    ]
  })",
                             PolicyFlavor::Tollgate);
  COMPILE_OR_FAIL(f, policy, all_caps_env());
  EXPECT_EQ(eval(f, SYS_personality, {8}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(eval(f, SYS_personality, {131072}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(eval(f, SYS_personality, {131080}), errno_action(EPERM));
  EXPECT_EQ(eval(f, SYS_personality, {0}), errno_action(EPERM));
}

TEST(FilterCompilerArgs, ARepeatedIndexMakesEveryConditionAnAlternative) {
  // runc's rule: once an index repeats, every condition of the entry becomes its own rule.
  auto policy = parse_or_die(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [
      {"names": ["socket"], "action": "SCMP_ACT_ERRNO", "errnoRet": 97,
       "args": [{"index": 0, "value": 16, "op": "SCMP_CMP_EQ"},
                {"index": 0, "value": 17, "op": "SCMP_CMP_EQ"},
                {"index": 2, "value": 9, "op": "SCMP_CMP_EQ"}]}
    ]
  })",
                             PolicyFlavor::Tollgate);
  COMPILE_OR_FAIL(f, policy, all_caps_env());
  EXPECT_EQ(eval(f, SYS_socket, {16, 3, 0}), errno_action(97));
  EXPECT_EQ(eval(f, SYS_socket, {17, 3, 0}), errno_action(97));
  EXPECT_EQ(eval(f, SYS_socket, {2, 1, 9}), errno_action(97));
  EXPECT_EQ(eval(f, SYS_socket, {2, 1, 0}), SECCOMP_RET_ALLOW);
}

TEST(FilterCompilerArgs, OtherComparisons) {
  auto policy = parse_or_die(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [
      {"names": ["dup"], "action": "SCMP_ACT_ERRNO", "errnoRet": 9, "args": [{"index": 0, "value": 3, "op": "lt"}]},
      {"names": ["dup2"], "action": "SCMP_ACT_ERRNO", "errnoRet": 9, "args": [{"index": 1, "value": 3, "op": "le"}]},
      {"names": ["close"], "action": "SCMP_ACT_ERRNO", "errnoRet": 9, "args": [{"index": 0, "value": 100, "op": "ge"}]},
      {"names": ["fsync"], "action": "SCMP_ACT_ERRNO", "errnoRet": 9, "args": [{"index": 0, "value": 100, "op": "gt"}]},
      {"names": ["fchdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 9, "args": [{"index": 0, "value": 5, "op": "ne"}]}
    ]
  })",
                             PolicyFlavor::Tollgate);
  COMPILE_OR_FAIL(f, policy, all_caps_env());
  EXPECT_EQ(eval(f, SYS_dup, {2}), errno_action(9));
  EXPECT_EQ(eval(f, SYS_dup, {3}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(eval(f, SYS_dup2, {7, 3}), errno_action(9));
  EXPECT_EQ(eval(f, SYS_dup2, {7, 4}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(eval(f, SYS_close, {100}), errno_action(9));
  EXPECT_EQ(eval(f, SYS_close, {99}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(eval(f, SYS_close, {1ull << 32}), errno_action(9));
  EXPECT_EQ(eval(f, SYS_fsync, {101}), errno_action(9));
  EXPECT_EQ(eval(f, SYS_fsync, {100}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(eval(f, SYS_fchdir, {4}), errno_action(9));
  EXPECT_EQ(eval(f, SYS_fchdir, {5}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(eval(f, SYS_fchdir, {5 | (1ull << 32)}), errno_action(9));
}

TEST(FilterCompilerSmall, EntriesRepeatingTheDefaultAreSkipped) {
  // libseccomp refuses rules whose action is the default; the compiler must skip them, not fail.
  auto policy = parse_or_die(R"({
    "defaultAction": "SCMP_ACT_ERRNO",
    "syscalls": [
      {"names": ["getppid"], "action": "SCMP_ACT_ERRNO"},
      {"names": ["uname"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
      {"names": ["getuid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
       "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]},
      {"names": ["getpid", "getppid"], "action": "SCMP_ACT_ALLOW"},
      {"names": ["getgid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 5}
    ]
  })",
                             PolicyFlavor::Tollgate);
  COMPILE_OR_FAIL(f, policy, all_caps_env());
  EXPECT_EQ(eval(f, SYS_getppid), SECCOMP_RET_ALLOW);  // the later ALLOW entry still applies
  EXPECT_EQ(eval(f, SYS_getpid), SECCOMP_RET_ALLOW);
  EXPECT_EQ(eval(f, SYS_uname, {0x1000}), errno_action(EPERM));
  EXPECT_EQ(eval(f, SYS_getuid), errno_action(EPERM));
  // Same action, different errno: not the default, so kept.
  EXPECT_EQ(eval(f, SYS_getgid), errno_action(5));

  auto allow = parse_or_die(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
                 {"names": ["mount"], "action": "SCMP_ACT_NOTIFY"}]
  })",
                            PolicyFlavor::Tollgate);
  COMPILE_OR_FAIL(g, allow, all_caps_env());
  EXPECT_EQ(eval(g, SYS_read), SECCOMP_RET_ALLOW);
  EXPECT_EQ(eval(g, SYS_mount), SECCOMP_RET_USER_NOTIF);
}

TEST(FilterCompilerSmall, NotifyDefault) {
  auto policy = parse_or_die(R"({
    "defaultAction": "SCMP_ACT_NOTIFY",
    "syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_ALLOW"}]
  })",
                             PolicyFlavor::Tollgate);
  COMPILE_OR_FAIL(f, policy, all_caps_env());
  EXPECT_EQ(eval(f, SYS_getpid), SECCOMP_RET_ALLOW);
  EXPECT_EQ(eval(f, SYS_mount), SECCOMP_RET_USER_NOTIF);
  // The guard still comes first.
  EXPECT_EQ(eval(f, SYS_seccomp, {SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, 0x1000}),
            errno_action(EPERM));
}

TEST(FilterCompilerSmall, IncludesAndExcludesFollowTheEnvironment) {
  auto policy = parse_or_die(R"({
    "defaultAction": "SCMP_ACT_ERRNO",
    "defaultErrnoRet": 38,
    "syscalls": [
      {"names": ["chroot"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_CHROOT"]}},
      {"names": ["getpid"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "6.1"}},
      {"names": ["getppid"], "action": "SCMP_ACT_ALLOW", "excludes": {"minKernel": "6.1"}},
      {"names": ["getuid"], "action": "SCMP_ACT_ALLOW", "excludes": {"arches": ["amd64"]}}
    ]
  })",
                             PolicyFlavor::Tollgate);
  ASSERT_NE(policy, nullptr);
  FilterEnvironment env = all_caps_env();
  COMPILE_OR_FAIL(f, policy, env);
  EXPECT_EQ(eval(f, SYS_chroot), SECCOMP_RET_ALLOW);
  EXPECT_EQ(eval(f, SYS_getpid), SECCOMP_RET_ALLOW);
  EXPECT_EQ(eval(f, SYS_getppid), errno_action(38));
  EXPECT_EQ(eval(f, SYS_getuid), errno_action(38));

  env.bounding_caps.erase("CAP_SYS_CHROOT");
  env.kernel = KernelVersion{5, 15};
  COMPILE_OR_FAIL(g, policy, env);
  EXPECT_EQ(eval(g, SYS_chroot), errno_action(38));
  EXPECT_EQ(eval(g, SYS_getpid), errno_action(38));
  EXPECT_EQ(eval(g, SYS_getppid), SECCOMP_RET_ALLOW);
}

// ---------------------------------------------------------------------------------------------
// Podman's profile

std::string read_file(const char* path) {
  std::ifstream in(path);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

bool have_podman_profile() {
  return std::ifstream(kPodmanProfile).good();
}

// scripts/install-deps installs it (golang-github-containers-common): missing is a failure, not a skip.
#define REQUIRE_PODMAN_PROFILE() \
  ASSERT_TRUE(have_podman_profile()) << kPodmanProfile << " is not installed (golang-github-containers-common)"

PolicyPtr podman_policy(const nlohmann::json& doc) {
  PolicyParseOptions options;
  options.flavor = PolicyFlavor::DockerProfile;
  auto p = parse_policy_json(doc, kPodmanProfile, options);
  if (!p) {
    ADD_FAILURE() << "parse failed: " << p.error().to_string();
    return nullptr;
  }
  return *p;
}

nlohmann::json podman_document() {
  return nlohmann::json::parse(read_file(kPodmanProfile));
}

// The same profile with getppid and uname sent to the supervisor: a NOTIFY entry placed first, and both
// names removed from the big allow list.
nlohmann::json podman_document_notifying_getppid_and_uname() {
  nlohmann::json doc = podman_document();
  auto& syscalls = doc["syscalls"];
  bool removed_getppid = false, removed_uname = false;
  for (auto& entry : syscalls) {
    if (entry.value("action", "") != "SCMP_ACT_ALLOW" || !entry.contains("names")) continue;
    auto& names = entry["names"];
    for (auto it = names.begin(); it != names.end();) {
      if (*it == "getppid" || *it == "uname") {
        removed_getppid = removed_getppid || *it == "getppid";
        removed_uname = removed_uname || *it == "uname";
        it = names.erase(it);
      } else {
        ++it;
      }
    }
  }
  EXPECT_TRUE(removed_getppid);
  EXPECT_TRUE(removed_uname);
  syscalls.insert(syscalls.begin(),
                  nlohmann::json{{"names", {"getppid", "uname"}}, {"action", "SCMP_ACT_NOTIFY"}});
  return doc;
}

// What Podman's profile means with every capability, on amd64.
void check_podman_all_caps(const CompiledFilter& f) {
  EXPECT_EQ(eval(f, SYS_getpid), SECCOMP_RET_ALLOW);
  EXPECT_EQ(eval(f, SYS_read, {0, 0x1000, 10}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(eval(f, SYS_write, {1, 0x1000, 10}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(eval(f, SYS_mount, {0x1000, 0x2000, 0x3000, 0, 0}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(eval(f, SYS_personality, {0xffffffff}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(eval(f, SYS_personality, {8}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(eval(f, SYS_personality, {0}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(eval(f, SYS_personality, {0x0040000}), errno_action(38));  // the default
  EXPECT_EQ(eval(f, SYS_swapoff, {0x1000}), errno_action(1));           // entry 0, errnoRet 1
  EXPECT_EQ(eval(f, SYS_add_key), errno_action(38));
  EXPECT_EQ(eval(f, SYS_arch_prctl, {0x1002, 0x1000}), SECCOMP_RET_ALLOW);  // includes.arches amd64
  EXPECT_EQ(eval(f, SYS_open_by_handle_at, {3, 0x1000, 0}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(eval(f, SYS_bpf, {0, 0x1000, 72}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(eval(f, SYS_settimeofday, {0x1000, 0}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(eval(f, SYS_socket, {kAfNetlink, SOCK_RAW, kNetlinkAudit}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(eval(f, SYS_socket, {AF_INET, SOCK_STREAM, 0}), SECCOMP_RET_ALLOW);
  // The guard is in front of the profile's own seccomp entry.
  EXPECT_EQ(eval(f, SYS_seccomp, {SECCOMP_SET_MODE_FILTER, 0, 0x1000}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(eval(f, SYS_seccomp, {SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, 0x1000}),
            errno_action(EPERM));
  EXPECT_EQ(eval(f, SYS_getpid, {}, AUDIT_ARCH_I386), SECCOMP_RET_KILL_PROCESS);
}

// What it means without CAP_DAC_READ_SEARCH, CAP_AUDIT_WRITE, CAP_SYS_ADMIN and CAP_SYS_TIME.
void check_podman_reduced_caps(const CompiledFilter& f) {
  EXPECT_EQ(eval(f, SYS_getpid), SECCOMP_RET_ALLOW);
  EXPECT_EQ(eval(f, SYS_mount, {0x1000, 0x2000, 0x3000, 0, 0}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(eval(f, SYS_open_by_handle_at, {3, 0x1000, 0}), errno_action(1));
  EXPECT_EQ(eval(f, SYS_bpf, {0, 0x1000, 72}), errno_action(1));
  EXPECT_EQ(eval(f, SYS_settimeofday, {0x1000, 0}), errno_action(1));
  EXPECT_EQ(eval(f, SYS_clock_settime, {0, 0x1000}), errno_action(1));
  EXPECT_EQ(eval(f, SYS_socket, {kAfNetlink, SOCK_RAW, kNetlinkAudit}), errno_action(22));
  EXPECT_EQ(eval(f, SYS_socket, {AF_INET, SOCK_STREAM, 0}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(eval(f, SYS_socket, {kAfNetlink, SOCK_RAW, 0}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(eval(f, SYS_socket, {AF_INET, SOCK_RAW, kNetlinkAudit}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(eval(f, SYS_chroot, {0x1000}), SECCOMP_RET_ALLOW);  // CAP_SYS_CHROOT is still there
  EXPECT_EQ(eval(f, SYS_swapoff, {0x1000}), errno_action(1));
  EXPECT_EQ(eval(f, SYS_add_key), errno_action(38));
}

TEST(FilterCompilerPodman, AllCapabilities) {
  REQUIRE_PODMAN_PROFILE();
  auto policy = podman_policy(podman_document());
  COMPILE_OR_FAIL(f, policy, all_caps_env());
  EXPECT_LT(f.program.size(), static_cast<size_t>(BPF_MAXINSNS));
  check_podman_all_caps(f);
  EXPECT_TRUE(f.notified_syscalls.empty());
}

TEST(FilterCompilerPodman, WithoutSomeCapabilities) {
  REQUIRE_PODMAN_PROFILE();
  auto policy = podman_policy(podman_document());
  COMPILE_OR_FAIL(f, policy, reduced_caps_env());
  EXPECT_LT(f.program.size(), static_cast<size_t>(BPF_MAXINSNS));
  check_podman_reduced_caps(f);
}

TEST(FilterCompilerPodman, ArchPrctlNeedsAmd64) {
  REQUIRE_PODMAN_PROFILE();
  auto policy = podman_policy(podman_document());
  COMPILE_OR_FAIL(f, policy, all_caps_env("arm64"));
  EXPECT_EQ(eval(f, SYS_arch_prctl, {0x1002, 0x1000}), errno_action(38));
  EXPECT_EQ(eval(f, SYS_getpid), SECCOMP_RET_ALLOW);
}

TEST(FilterCompilerPodman, NotifyingTwoSyscallsChangesOnlyThem) {
  REQUIRE_PODMAN_PROFILE();
  auto policy = podman_policy(podman_document_notifying_getppid_and_uname());
  ASSERT_NE(policy, nullptr);
  for (const FilterEnvironment& env : {all_caps_env(), reduced_caps_env()}) {
    COMPILE_OR_FAIL(f, policy, env);
    EXPECT_LT(f.program.size(), static_cast<size_t>(BPF_MAXINSNS));
    EXPECT_EQ(eval(f, SYS_getppid), SECCOMP_RET_USER_NOTIF);
    EXPECT_EQ(eval(f, SYS_uname, {0x1000}), SECCOMP_RET_USER_NOTIF);
    std::vector<int> expected = {SYS_getppid, SYS_uname};
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(f.notified_syscalls, expected);
    if (env.bounding_caps.contains("CAP_SYS_ADMIN"))
      check_podman_all_caps(f);
    else
      check_podman_reduced_caps(f);
  }
}

TEST(FilterCompilerPodman, SkipsUmountWhichIsNotAnX86_64Syscall) {
  REQUIRE_PODMAN_PROFILE();
  auto policy = podman_policy(podman_document());
  ASSERT_NE(policy, nullptr);
  const auto& skipped = policy->filter.skipped_names;
  auto it = std::find_if(skipped.begin(), skipped.end(), [](const SkippedName& s) { return s.name == "umount"; });
  ASSERT_NE(it, skipped.end());
  EXPECT_FALSE(it->unknown_to_libseccomp);
}

// ---------------------------------------------------------------------------------------------
// Names the profile has but this machine does not

TEST(FilterCompilerDocker, UnknownAndForeignNamesAreSkipped) {
  auto policy = parse_or_die(R"({
    "defaultAction": "SCMP_ACT_ERRNO",
    "defaultErrnoRet": 38,
    "someFutureKey": true,
    "syscalls": [
      {"names": ["getpid", "notasyscall", "umount", "umount2"], "action": "SCMP_ACT_ALLOW"},
      {"names": ["notasyscall"], "action": "SCMP_ACT_NOTIFY"}
    ]
  })",
                             PolicyFlavor::DockerProfile);
  COMPILE_OR_FAIL(f, policy, all_caps_env());
  EXPECT_EQ(eval(f, SYS_getpid), SECCOMP_RET_ALLOW);
  EXPECT_EQ(eval(f, SYS_umount2, {0x1000, 0}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(eval(f, SYS_getppid), errno_action(38));
  EXPECT_TRUE(f.notified_syscalls.empty());

  const auto& skipped = policy->filter.skipped_names;
  ASSERT_EQ(skipped.size(), 3u);
  EXPECT_EQ(skipped[0].name, "notasyscall");
  EXPECT_TRUE(skipped[0].unknown_to_libseccomp);
  EXPECT_EQ(skipped[0].json_pointer, "/syscalls/0/names/1");
  EXPECT_EQ(skipped[1].name, "umount");
  EXPECT_FALSE(skipped[1].unknown_to_libseccomp);
  EXPECT_EQ(skipped[1].json_pointer, "/syscalls/0/names/2");
  EXPECT_EQ(skipped[2].name, "notasyscall");
  EXPECT_TRUE(skipped[2].unknown_to_libseccomp);
  EXPECT_EQ(skipped[2].json_pointer, "/syscalls/1/names/0");
}

TEST(FilterCompilerDocker, AnEntryWithOnlyUnknownNamesCompilesToNothing) {
  auto policy = parse_or_die(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["notasyscall", "umount"], "action": "SCMP_ACT_KILL_PROCESS"}]
  })",
                             PolicyFlavor::DockerProfile);
  COMPILE_OR_FAIL(f, policy, all_caps_env());
  EXPECT_EQ(eval(f, SYS_getpid), SECCOMP_RET_ALLOW);
  EXPECT_EQ(eval(f, SYS_umount2), SECCOMP_RET_ALLOW);
}

// ---------------------------------------------------------------------------------------------
// The evaluator's static checks hold for every program above; spot-check a sweep of syscall numbers too.

TEST(FilterCompilerSanity, EveryNativeSyscallNumberEvaluates) {
  auto small = parse_or_die(kSmallPolicy, PolicyFlavor::Tollgate);
  COMPILE_OR_FAIL(f, small, all_caps_env());
  for (int nr = 0; nr < 512; ++nr) {
    const uint32_t action = eval(f, nr, {1, 2, 3, 4, 5, 6});
    EXPECT_NE(action, kEvaluationFailed);
  }
  if (!have_podman_profile()) return;
  auto podman = podman_policy(podman_document());
  COMPILE_OR_FAIL(g, podman, reduced_caps_env());
  for (int nr = 0; nr < 512; ++nr) {
    const uint32_t action = eval(g, nr, {16, 3, 9, 0, 0, 0});
    EXPECT_NE(action, kEvaluationFailed);
    // Nothing in Podman's profile kills or traps on the native architecture.
    const uint32_t kind = action & SECCOMP_RET_ACTION_FULL;
    EXPECT_TRUE(kind == SECCOMP_RET_ALLOW || kind == SECCOMP_RET_ERRNO) << "nr " << nr << " -> " << std::hex << action;
  }
}

}  // namespace
}  // namespace tollgate
