// Counters for `tollgate ctl stats`: answers per syscall and per verdict, and a latency histogram from
// RECV to SEND. Each serving loop records into its own for every answer, so recording is a few increments
// into storage sized up front: no allocation; readers merge the loops' tables (merge()).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <nlohmann/json.hpp>
#include <vector>

#include "supervisor/labelled_call_counts.h"
#include "supervisor/latency_histogram.h"
#include "tollgate/decision.h"

namespace tollgate {

// Where a listener's answers are counted besides the totals: its policy's row and its container's (kNoRow
// for targets outside containers). Chosen once per listener, so that recording stays increments.
struct StatsRows {
  static constexpr uint16_t kNoRow = UINT16_MAX;
  uint16_t policy = kNoRow;
  uint16_t container = kNoRow;
};

class DecisionStats {
 public:
  DecisionStats();
  // May allocate (a label seen for the first time): call when a listener arrives, not per call.
  StatsRows rows_for(std::string_view policy, std::string_view container_id);
  void record(int nr, Verdict verdict, uint64_t latency_ns, StatsRows rows = {});
  // The value below which `fraction` of the recorded latencies fall (bucket upper bound, ~12% precision).
  uint64_t latency_percentile_ns(double fraction) const;
  uint64_t total() const { return total_; }
  // Adds another loop's counts.
  void merge(const DecisionStats& other);
  // {"by_syscall": {"mount": {"deny": 3}}, "by_verdict": {...}, "latency_ns":
  // {"p50":..,"p90":..,"p99":..,"max":..}}
  nlohmann::json to_json() const;

  // For the metrics exposition (supervisor/metrics/).
  // Answers per syscall number and verdict; numbers past the table share its last row.
  const std::vector<std::array<uint64_t, kVerdictCount>>& by_syscall() const { return by_syscall_; }
  const LabelledCallCounts& by_policy() const { return by_policy_; }
  const LabelledCallCounts& by_container() const { return by_container_; }
  // RECV to SEND for every answer, and for emulated calls alone (the handler's work included).
  const LatencyHistogram& answer_latency() const { return answer_latency_; }
  const LatencyHistogram& emulation_latency() const { return emulation_latency_; }

 private:
  static constexpr size_t kVerdicts = kVerdictCount;
  static constexpr unsigned kSubBuckets = 8;  // per power of two
  static size_t bucket_of(uint64_t ns);
  static uint64_t bucket_upper_bound(size_t bucket);

  std::vector<std::array<uint64_t, kVerdicts>> by_syscall_;
  std::array<uint64_t, kVerdicts> by_verdict_{};
  std::array<uint64_t, 64 * kSubBuckets> latency_{};
  uint64_t max_latency_ns_ = 0;
  LabelledCallCounts by_policy_;
  LabelledCallCounts by_container_;
  LatencyHistogram answer_latency_;
  LatencyHistogram emulation_latency_;
  uint64_t total_ = 0;
};

}  // namespace tollgate
