// What bench_target reports: one line of key=value pairs (see bench_target.cc).
#pragma once

#include <cstdint>
#include <expected>
#include <string>

namespace tollgate::bench {

struct TargetNumbers {
  double mean_ns = 0, p50_ns = 0, p99_ns = 0, max_ns = 0, wall_ns_per_call = 0, timer_ns = 0;
  long count = 0, mismatches = 0;
  uint64_t answered = 0;  // by the supervisor, from its stats (filled in by whoever knows)
};

std::expected<TargetNumbers, std::string> parse_target_output(const std::string& out);

// The line parsed, and the run checked: exactly `count` calls, none answered wrongly.
std::expected<TargetNumbers, std::string> checked_target_output(const std::string& out, long count);

}  // namespace tollgate::bench
