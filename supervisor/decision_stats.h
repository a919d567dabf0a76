// Counters for `tollgate ctl stats`: answers per syscall and per verdict, and a latency histogram from
// RECV to SEND. Recorded on the loop thread for every answer, so recording is a few increments into
// storage sized up front: no allocation, no locks.
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

#include "tollgate/decision.h"

namespace tollgate {

class DecisionStats {
 public:
  DecisionStats();
  void record(int nr, Verdict verdict, uint64_t latency_ns);
  // The value below which `fraction` of the recorded latencies fall (bucket upper bound, ~12% precision).
  uint64_t latency_percentile_ns(double fraction) const;
  uint64_t total() const { return total_; }
  // {"by_syscall": {"mount": {"deny": 3}}, "by_verdict": {...}, "latency_ns":
  // {"p50":..,"p90":..,"p99":..,"max":..}}
  nlohmann::json to_json() const;

 private:
  static constexpr size_t kVerdicts = kVerdictCount;
  static constexpr unsigned kSubBuckets = 8;  // per power of two
  static size_t bucket_of(uint64_t ns);
  static uint64_t bucket_upper_bound(size_t bucket);

  std::vector<std::array<uint64_t, kVerdicts>> by_syscall_;
  std::array<uint64_t, kVerdicts> by_verdict_{};
  std::array<uint64_t, 64 * kSubBuckets> latency_{};
  uint64_t max_latency_ns_ = 0;
  uint64_t total_ = 0;
};

}  // namespace tollgate
