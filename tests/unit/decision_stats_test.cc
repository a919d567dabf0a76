#include "supervisor/decision_stats.h"

#include <gtest/gtest.h>

#include "core/syscall_names.h"

namespace tollgate {
namespace {

TEST(DecisionStats, CountsPerSyscallAndVerdict) {
  DecisionStats s;
  const int mount = *resolve_native_syscall("mount");
  s.record(mount, Verdict::Errno, 1000);
  s.record(mount, Verdict::Errno, 1000);
  s.record(mount, Verdict::Continue, 1000);
  nlohmann::json j = s.to_json();
  EXPECT_EQ(j["answered"], 3);
  EXPECT_EQ(j["by_syscall"]["mount"]["deny"], 2);
  EXPECT_EQ(j["by_syscall"]["mount"]["allow"], 1);
  EXPECT_EQ(j["by_verdict"]["deny"], 2);
  EXPECT_FALSE(j["by_syscall"].contains("getppid"));
}

TEST(DecisionStats, PercentilesAreWithinTheHistogramsResolution) {
  DecisionStats s;
  for (uint64_t i = 1; i <= 1000; ++i) s.record(0, Verdict::Errno, i * 1000);  // 1 us .. 1 ms
  auto near = [](uint64_t got, double want) { return got >= want * 0.99 && got <= want * 1.13; };
  EXPECT_TRUE(near(s.latency_percentile_ns(0.5), 500000)) << s.latency_percentile_ns(0.5);
  EXPECT_TRUE(near(s.latency_percentile_ns(0.9), 900000)) << s.latency_percentile_ns(0.9);
  EXPECT_TRUE(near(s.latency_percentile_ns(0.99), 990000)) << s.latency_percentile_ns(0.99);
  EXPECT_EQ(s.to_json()["latency_ns"]["max"], 1000000);
  EXPECT_LE(s.latency_percentile_ns(1.0), 1000000u);
}

TEST(DecisionStats, EmptyAndOutOfRangeInputsAreSafe) {
  DecisionStats s;
  EXPECT_EQ(s.latency_percentile_ns(0.5), 0u);
  s.record(-1, Verdict::Errno, 0);
  s.record(1 << 20, Verdict::Errno, UINT64_MAX);
  EXPECT_EQ(s.total(), 2u);
  EXPECT_EQ(s.latency_percentile_ns(1.0), UINT64_MAX);
}

}  // namespace
}  // namespace tollgate
