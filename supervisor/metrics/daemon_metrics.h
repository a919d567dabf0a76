// The daemon's counters and latency histograms as a Prometheus exposition (docs/metrics.md): served over
// HTTP (metrics_http_server.h) and by `tollgate ctl stats --openmetrics`. Everything it reads is owned by
// the loop thread, so exposition() runs there too: no snapshot to copy, no lock, nothing the hot path pays.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace tollgate {

class Supervisor;

struct HandoverCounts {
  uint64_t accepted = 0;  // listeners taken over (agents and OCI runtimes)
  uint64_t refused = 0;   // connections answered with an error: bad peer, bad message, policy refused
};

class DaemonMetrics {
 public:
  explicit DaemonMetrics(const Supervisor& supervisor) : supervisor_(supervisor) {}
  // What the loop library cannot see by itself: calls held for a person (control/), handovers (daemon/).
  // Unset sources are left out of the exposition.
  void set_held_calls(std::function<size_t()> held_calls) { held_calls_ = std::move(held_calls); }
  void set_handovers(std::function<HandoverCounts()> handovers) { handovers_ = std::move(handovers); }

  // The whole exposition, in the Prometheus text format. Loop thread.
  std::string exposition() const;

 private:
  const Supervisor& supervisor_;
  std::function<size_t()> held_calls_;
  std::function<HandoverCounts()> handovers_;
};

}  // namespace tollgate
