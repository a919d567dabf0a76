// Explain mode's lines in a container's terminal: the budget that keeps a retrying program from flooding
// it, and the shape of a line.
#include "supervisor/denial_notice.h"

#include <gtest/gtest.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>

namespace tollgate {
namespace {

constexpr uint64_t kSecond = 1'000'000'000;

TEST(NoticeBudget, ABurstThenAFewASecond) {
  NoticeBudget budget;
  const uint64_t t0 = 10 * kSecond;
  int taken = 0;
  for (int i = 0; i < 100; ++i) taken += budget.take(t0) ? 1 : 0;
  EXPECT_EQ(taken, static_cast<int>(NoticeBudget::kBurst));
  EXPECT_EQ(budget.left_out(), 100u - taken);
  // One second later: kPerSecond more.
  taken = 0;
  for (int i = 0; i < 100; ++i) taken += budget.take(t0 + kSecond) ? 1 : 0;
  EXPECT_EQ(taken, static_cast<int>(NoticeBudget::kPerSecond));
  budget.said_left_out();
  EXPECT_EQ(budget.left_out(), 0u);
  // A long quiet spell refills to the burst, not beyond.
  taken = 0;
  for (int i = 0; i < 100; ++i) taken += budget.take(t0 + 3600 * kSecond) ? 1 : 0;
  EXPECT_EQ(taken, static_cast<int>(NoticeBudget::kBurst));
}

TEST(NoticeBudget, AClockThatGoesBackwardsGivesNothingExtra) {
  NoticeBudget budget;
  for (int i = 0; i < 100; ++i) budget.take(100 * kSecond);
  EXPECT_FALSE(budget.take(1 * kSecond));
}

seccomp_notif notification(int nr) {
  seccomp_notif n{};
  n.pid = 1;
  n.data.nr = nr;
  n.data.arch = AUDIT_ARCH_X86_64;
  return n;
}

TEST(DenialNotice, NamesTheCallTheOutcomeAndWhatWasLeftOut) {
  const seccomp_notif n = notification(SYS_getpid);
  CallContext call(n, "getpid");
  Decision d = Decision::deny(EPERM, "test");
  d.explanation = "= -1 EPERM  <- defaultAction SCMP_ACT_ERRNO(EPERM)";
  EXPECT_EQ(denial_notice(call, d, 0), "tollgate: getpid() = -1 EPERM  <- defaultAction SCMP_ACT_ERRNO(EPERM)\n");
  const std::string with_left_out = denial_notice(call, d, 3);
  EXPECT_NE(with_left_out.find("3 earlier denials not shown here"), std::string::npos) << with_left_out;
}

TEST(DenialNotice, ALongLineIsCutBelowPipeBuf) {
  const seccomp_notif n = notification(SYS_getpid);
  CallContext call(n, "getpid");
  Decision d = Decision::deny(EPERM, "test");
  d.explanation = std::string(10000, 'x');
  const std::string line = denial_notice(call, d, 0);
  EXPECT_LE(line.size(), kMaxNoticeBytes);
  EXPECT_TRUE(line.ends_with("...\n"));
}

}  // namespace
}  // namespace tollgate
