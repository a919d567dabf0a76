// CLOCK_MONOTONIC in nanoseconds: latencies, ages of held calls and listeners, ask deadlines.
#pragma once

#include <time.h>

#include <cstdint>

namespace tollgate {

inline uint64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace tollgate
