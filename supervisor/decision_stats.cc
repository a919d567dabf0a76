#include "supervisor/decision_stats.h"

#include <bit>

#include "core/syscall_names.h"

namespace tollgate {
namespace {

// Every native syscall number fits (x86_64 and aarch64 stay below 512); larger ones share the last row.
constexpr size_t kSyscallRows = 1024;

}  // namespace

DecisionStats::DecisionStats() : by_syscall_(kSyscallRows) {}

size_t DecisionStats::bucket_of(uint64_t ns) {
  if (ns < kSubBuckets) return static_cast<size_t>(ns);
  const unsigned exponent = 63u - static_cast<unsigned>(std::countl_zero(ns));  // >= 3
  const uint64_t sub = (ns >> (exponent - 3)) & (kSubBuckets - 1);
  return static_cast<size_t>((exponent - 2) * kSubBuckets + sub);
}

uint64_t DecisionStats::bucket_upper_bound(size_t bucket) {
  if (bucket < kSubBuckets) return bucket;
  const unsigned exponent = static_cast<unsigned>(bucket / kSubBuckets) + 2;
  const uint64_t sub = bucket % kSubBuckets;
  return ((kSubBuckets + sub + 1) << (exponent - 3)) - 1;
}

StatsRows DecisionStats::rows_for(std::string_view policy, std::string_view container_id) {
  StatsRows rows;
  rows.policy = by_policy_.slot_for(policy);
  if (!container_id.empty()) rows.container = by_container_.slot_for(container_id);
  return rows;
}

void DecisionStats::record(int nr, Verdict verdict, uint64_t latency_ns, StatsRows rows) {
  const size_t v = static_cast<size_t>(verdict);
  if (rows.policy != StatsRows::kNoRow) by_policy_.count(rows.policy, verdict);
  if (rows.container != StatsRows::kNoRow) by_container_.count(rows.container, verdict);
  answer_latency_.record(latency_ns);
  if (verdict == Verdict::Emulate) emulation_latency_.record(latency_ns);
  const size_t row = nr < 0 ? kSyscallRows - 1 : std::min(static_cast<size_t>(nr), kSyscallRows - 1);
  ++by_syscall_[row][v];
  ++by_verdict_[v];
  ++latency_[std::min(bucket_of(latency_ns), latency_.size() - 1)];
  if (latency_ns > max_latency_ns_) max_latency_ns_ = latency_ns;
  ++total_;
}

void DecisionStats::merge(const DecisionStats& other) {
  for (size_t row = 0; row < by_syscall_.size(); ++row)
    for (size_t v = 0; v < kVerdicts; ++v) by_syscall_[row][v] += other.by_syscall_[row][v];
  for (size_t v = 0; v < kVerdicts; ++v) by_verdict_[v] += other.by_verdict_[v];
  for (size_t b = 0; b < latency_.size(); ++b) latency_[b] += other.latency_[b];
  max_latency_ns_ = std::max(max_latency_ns_, other.max_latency_ns_);
  by_policy_.merge(other.by_policy_);
  by_container_.merge(other.by_container_);
  answer_latency_.merge(other.answer_latency_);
  emulation_latency_.merge(other.emulation_latency_);
  total_ += other.total_;
}

uint64_t DecisionStats::latency_percentile_ns(double fraction) const {
  if (total_ == 0) return 0;
  const auto wanted = static_cast<uint64_t>(fraction * static_cast<double>(total_) + 0.5);
  uint64_t seen = 0;
  for (size_t b = 0; b < latency_.size(); ++b) {
    seen += latency_[b];
    if (seen >= wanted && seen > 0) return std::min(bucket_upper_bound(b), max_latency_ns_);
  }
  return max_latency_ns_;
}

nlohmann::json DecisionStats::to_json() const {
  nlohmann::json by_syscall = nlohmann::json::object();
  for (size_t nr = 0; nr < by_syscall_.size(); ++nr) {
    nlohmann::json counts = nlohmann::json::object();
    for (Verdict v : kAllVerdicts)
      if (uint64_t n = by_syscall_[nr][static_cast<size_t>(v)]; n != 0) counts[std::string(to_string(v))] = n;
    if (counts.empty()) continue;
    std::string name(native_syscall_name(static_cast<int>(nr)));
    by_syscall[name.empty() ? "syscall_" + std::to_string(nr) : name] = std::move(counts);
  }
  nlohmann::json by_verdict = nlohmann::json::object();
  for (Verdict v : kAllVerdicts) by_verdict[std::string(to_string(v))] = by_verdict_[static_cast<size_t>(v)];
  return {{"answered", total_},
          {"by_syscall", std::move(by_syscall)},
          {"by_verdict", std::move(by_verdict)},
          {"latency_ns",
           {{"p50", latency_percentile_ns(0.50)},
            {"p90", latency_percentile_ns(0.90)},
            {"p99", latency_percentile_ns(0.99)},
            {"max", max_latency_ns_}}}};
}

}  // namespace tollgate
