// Why audit mode costs nothing on calls the candidate allows: they never leave the kernel. With a candidate
// profile that denies nothing a syscall-heavy workload uses, not one call reaches the supervisor. (The
// cost itself, CPU time alone vs audited, is measured by bench/audit_overhead: timing belongs in bench/.)
#include <gtest/gtest.h>

#include "tests/integration/harness.h"

namespace tollgate::testing {
namespace {

TEST(Audit, SyscallHeavyWorkloadUnderAPermissiveCandidateNeverReachesUserSpace) {
  TempDir dir;
  ProcessResult r = run_process({kTollgate, "run", "-q", "--audit", "--profile", kPodmanProfile, "--events",
                                 dir.file("events.jsonl"), "--report", dir.file("report.json"), "--", "sh", "-c",
                                 "find /usr >/dev/null"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(count_lines(dir.file("events.jsonl")), 0u) << read_file(dir.file("events.jsonl"));
  EXPECT_TRUE(std::filesystem::exists(dir.file("report.json")));
}

}  // namespace
}  // namespace tollgate::testing
