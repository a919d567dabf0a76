// Summaries of repeated measurements.
#pragma once

#include <algorithm>
#include <vector>

namespace tollgate::bench {

// The median: rounds that a neighbour on the machine disturbed move it least.
inline double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace tollgate::bench
