// The Prometheus exposition: label escaping, histogram shape, bounded label cardinality, and the families
// the daemon exposes. `promtool check metrics` checks real output in tests/integration/metrics_test.cc.
#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <uv.h>

#include "supervisor/decision_stats.h"
#include "supervisor/event_log.h"
#include "supervisor/labelled_call_counts.h"
#include "supervisor/latency_histogram.h"
#include "supervisor/metrics/daemon_metrics.h"
#include "supervisor/metrics/exposition_text.h"
#include "supervisor/supervisor.h"

namespace tollgate {
namespace {

bool contains(const std::string& text, const std::string& line) {
  return text.find(line) != std::string::npos;
}

TEST(ExpositionText, EscapesLabelValuesAndHelp) {
  ExpositionText out;
  out.family("x_total", ExpositionText::Type::Counter, "a \\ and\na newline");
  out.sample("x_total", {{"policy", "we\"ird\\name\n"}}, uint64_t{7});
  EXPECT_EQ(out.text(),
            "# HELP x_total a \\\\ and\\na newline\n# TYPE x_total counter\n"
            "x_total{policy=\"we\\\"ird\\\\name\\n\"} 7\n");
}

TEST(ExpositionText, HistogramBucketsAreCumulativeAndEndInInf) {
  LatencyHistogram h;
  h.record(500);            // <= 1 µs
  h.record(2'000);          // <= 2.5 µs
  h.record(3'000'000'000);  // above every bound
  ExpositionText out;
  out.family("lat_seconds", ExpositionText::Type::Histogram, "latency");
  out.histogram("lat_seconds", {}, LatencyHistogram::kBoundsNs, h.counts(), h.sum_ns());
  const std::string& t = out.text();
  EXPECT_TRUE(contains(t, "lat_seconds_bucket{le=\"1e-06\"} 1\n")) << t;
  EXPECT_TRUE(contains(t, "lat_seconds_bucket{le=\"2.5e-06\"} 2\n")) << t;
  EXPECT_TRUE(contains(t, "lat_seconds_bucket{le=\"1\"} 2\n")) << t;
  EXPECT_TRUE(contains(t, "lat_seconds_bucket{le=\"+Inf\"} 3\n")) << t;
  EXPECT_TRUE(contains(t, "lat_seconds_count 3\n")) << t;
  EXPECT_TRUE(contains(t, "lat_seconds_sum 3.0000025\n")) << t;
}

TEST(LabelledCallCounts, FoldsLabelsPastTheCapIntoOther) {
  LabelledCallCounts counts;
  for (size_t i = 0; i < LabelledCallCounts::kMaxLabels + 5; ++i)
    counts.count(counts.slot_for("c" + std::to_string(i)), Verdict::Errno);
  counts.count(counts.slot_for("c0"), Verdict::Continue);  // a known label keeps its row
  counts.count(counts.slot_for("other"), Verdict::Errno);  // spelt like the fold: folded, not a duplicate
  size_t rows = 0;
  uint64_t other_errno = 0, c0_continue = 0;
  counts.for_each([&](std::string_view label, const LabelledCallCounts::Counts& c) {
    ++rows;
    if (label == "other") other_errno = c[static_cast<size_t>(Verdict::Errno)];
    if (label == "c0") c0_continue = c[static_cast<size_t>(Verdict::Continue)];
  });
  EXPECT_EQ(rows, LabelledCallCounts::kMaxLabels + 1);
  EXPECT_EQ(other_errno, 6u);
  EXPECT_EQ(c0_continue, 1u);
}

TEST(DaemonMetrics, ExposesCallsByPolicyAndContainerAndTheOptionalSources) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  {
    EventLog events(false, std::nullopt);
    Supervisor supervisor(&loop, events);
    DaemonMetrics metrics(supervisor);
    std::string text = metrics.exposition();
    EXPECT_TRUE(contains(text, "# TYPE tollgate_calls_total counter\n")) << text;
    EXPECT_TRUE(contains(text, "tollgate_listeners 0\n")) << text;
    EXPECT_FALSE(contains(text, "tollgate_held_calls")) << "no source, no family";
    metrics.set_held_calls([] { return size_t{2}; });
    metrics.set_handovers([] { return HandoverCounts{5, 1}; });
    text = metrics.exposition();
    EXPECT_TRUE(contains(text, "tollgate_held_calls 2\n")) << text;
    EXPECT_TRUE(contains(text, "tollgate_handovers_total{result=\"accepted\"} 5\n")) << text;
    EXPECT_TRUE(contains(text, "tollgate_handovers_total{result=\"refused\"} 1\n")) << text;
    supervisor.close_all();
    uv_run(&loop, UV_RUN_DEFAULT);
  }
  uv_loop_close(&loop);
}

TEST(DecisionStats, CountsRowsPerPolicyAndContainerAndEmulationLatency) {
  DecisionStats stats;
  const StatsRows rows = stats.rows_for("default", "ctr-1");
  stats.record(SYS_mount, Verdict::Errno, 1'000, rows);
  stats.record(SYS_mount, Verdict::Emulate, 40'000, rows);
  stats.record(SYS_mount, Verdict::Errno, 1'000, stats.rows_for("default", ""));
  uint64_t default_errno = 0, ctr_errno = 0;
  stats.by_policy().for_each([&](std::string_view label, const LabelledCallCounts::Counts& c) {
    if (label == "default") default_errno = c[static_cast<size_t>(Verdict::Errno)];
  });
  stats.by_container().for_each([&](std::string_view label, const LabelledCallCounts::Counts& c) {
    if (label == "ctr-1") ctr_errno = c[static_cast<size_t>(Verdict::Errno)];
  });
  EXPECT_EQ(default_errno, 2u);
  EXPECT_EQ(ctr_errno, 1u);
  EXPECT_EQ(stats.emulation_latency().sum_ns(), 40'000u);
  EXPECT_EQ(stats.answer_latency().sum_ns(), 42'000u);
}

}  // namespace
}  // namespace tollgate
