// Batches of processes run side by side: K floors, or K bench_targets handed to one daemon. Each batch
// reports its wall time (first start to last exit) and every process's own numbers, and fails when any
// process fails, gets a wrong answer or hangs.
#pragma once

#include <chrono>
#include <expected>
#include <string>
#include <vector>

#include "bench/target_report.h"

namespace tollgate::bench {

struct FloorBatch {
  std::string floor;               // the unotify_floor binary
  int k = 1;                       // processes at once
  long count = 0;                  // notified calls each
  std::vector<std::string> flags;  // e.g. --sync --epoll
  std::vector<int> cpus;           // where they run (empty: anywhere)
};

struct FloorBatchResult {
  double wall_s = 0;
  std::vector<double> ns_per_call;  // as each floor reports it
};

std::expected<FloorBatchResult, std::string> run_floors(const FloorBatch& batch);

struct SupervisedBatch {
  std::string tollgate;  // the tollgate binary
  std::string socket;    // the daemon's handover socket
  std::string policy;    // the policy file the targets run under
  std::string target;    // the bench_target binary
  int k = 1;
  long count = 0;
  std::string expected = "1";  // bench_target's EXPECTED
  std::vector<int> cpus;
  std::chrono::seconds timeout{300};
};

struct SupervisedBatchResult {
  double wall_s = 0;  // from releasing the targets together to the last one's exit
  std::vector<TargetNumbers> targets;
};

// Starts K `tollgate run -q --supervisor SOCKET --policy POLICY -- bench_target COUNT EXPECTED 1 GO`, waits
// until every target is ready under its filter, then releases them all at once.
std::expected<SupervisedBatchResult, std::string> run_supervised(const SupervisedBatch& batch);

}  // namespace tollgate::bench
