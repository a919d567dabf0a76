// Audit mode's cost: with a candidate profile that denies nothing the workload uses, no call reaches user
// space, so a syscall-heavy run costs what it costs under the candidate alone. A test of its own, run
// serially (RUN_SERIAL in tests/CMakeLists.txt): timing next to other tests on two cores measures the
// neighbours.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <cstdio>

#include "tests/integration/harness.h"

namespace tollgate::testing {
namespace {

// CPU seconds (user + system) of the command and everything it waited for: tollgate, its supervisor and the
// target. CPU time, not wall time: other builds share these two cores, and they slow the clock, not the work.
double cpu_seconds_of(const std::vector<std::string>& argv) {
  rusage before{}, after{};
  getrusage(RUSAGE_CHILDREN, &before);
  ProcessResult r = run_process(argv);
  getrusage(RUSAGE_CHILDREN, &after);
  EXPECT_EQ(r.status, 0) << r.err;
  auto seconds = [](const rusage& u) {
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
  };
  return seconds(after) - seconds(before);
}

TEST(Audit, OverheadOnASyscallHeavyWorkloadIsWithinFivePercent) {
  // find over /usr makes hundreds of thousands of syscalls, all allowed by Podman's profile: in audit mode
  // none of them reaches user space, so audit costs what the candidate alone costs.
  TempDir dir;
  // Three passes, so that what audit adds once at start-up (compiling the profile a second time, for the
  // evaluator) stays small next to the per-call cost being measured, also in a sanitizer build.
  const std::vector<std::string> work = {"sh", "-c", "for pass in 1 2 3; do find /usr; done >/dev/null"};
  std::vector<std::string> alone = {kTollgate, "run", "-q", "--profile", kPodmanProfile, "--"};
  std::vector<std::string> audited = {kTollgate,   "run",          "-q",       "--audit",
                                      "--profile", kPodmanProfile, "--events", dir.file("events.jsonl"),
                                      "--"};
  alone.insert(alone.end(), work.begin(), work.end());
  audited.insert(audited.end(), work.begin(), work.end());
  cpu_seconds_of(alone);  // warm the page cache
  double best_alone = 1e9, best_audit = 1e9;
  for (int i = 0; i < 9; ++i) {
    best_alone = std::min(best_alone, cpu_seconds_of(alone));
    best_audit = std::min(best_audit, cpu_seconds_of(audited));
  }
  EXPECT_EQ(count_lines(dir.file("events.jsonl")), 0u);
  RecordProperty("alone_ms", std::to_string(best_alone * 1000));
  RecordProperty("audit_ms", std::to_string(best_audit * 1000));
  std::printf("3 x find /usr, CPU time: alone %.1f ms, audit %.1f ms (%.1f%%)\n", best_alone * 1000,
              best_audit * 1000, (best_audit / best_alone - 1) * 100);
  EXPECT_LE(best_audit, best_alone * 1.05);
}

}  // namespace
}  // namespace tollgate::testing
