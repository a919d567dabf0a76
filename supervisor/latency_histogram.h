// A latency histogram with fixed bounds in the shape Prometheus expects (cumulative "le" buckets, a sum
// and a count), from 1 µs to 1 s. Recording is a short scan of a constant table and two increments: no
// allocation, no locks; loop thread only.
#pragma once

#include <array>
#include <cstdint>

namespace tollgate {

class LatencyHistogram {
 public:
  // Upper bounds in nanoseconds; a last, implicit bucket holds everything slower (+Inf).
  static constexpr std::array<uint64_t, 16> kBoundsNs = {
      1'000,   2'500,     5'000,     10'000,     25'000,     50'000,      100'000,     250'000,
      500'000, 1'000'000, 2'500'000, 10'000'000, 25'000'000, 100'000'000, 250'000'000, 1'000'000'000};

  void record(uint64_t ns) {
    size_t bucket = 0;
    while (bucket < kBoundsNs.size() && ns > kBoundsNs[bucket]) ++bucket;
    ++counts_[bucket];
    sum_ns_ += ns;
  }
  void merge(const LatencyHistogram& other) {
    for (size_t b = 0; b < counts_.size(); ++b) counts_[b] += other.counts_[b];
    sum_ns_ += other.sum_ns_;
  }
  // Not cumulative: counts()[i] is the calls in (kBoundsNs[i-1], kBoundsNs[i]], the last one above all
  // bounds.
  const std::array<uint64_t, kBoundsNs.size() + 1>& counts() const { return counts_; }
  uint64_t sum_ns() const { return sum_ns_; }

 private:
  std::array<uint64_t, kBoundsNs.size() + 1> counts_{};
  uint64_t sum_ns_ = 0;
};

}  // namespace tollgate
