// Real Podman for the integration tests (Debian's podman 4.3 with crun), its storage, run state and events
// in one temporary directory. Two workarounds this host needs, applied here and documented in
// docs/containers.md: crun cannot raise RLIMIT_NOFILE past Podman's default, so containers.conf sets
// default_ulimits; and on this hybrid-cgroup host crun runs with --cgroups=disabled inside a private mount
// namespace that has cgroup2 mounted.
#pragma once

#include <string>
#include <vector>

#include "tests/integration/harness.h"

namespace tollgate::testing {

class PodmanEngine {
 public:
  // `runtimes`: extra OCI runtimes as "NAME=PATH" (containers.conf [engine.runtimes]), for `--runtime NAME`.
  // Podman gives a runtime none of its own environment (`start`, `kill` and `delete` run with PATH and
  // XDG_RUNTIME_DIR only), so a runtime that needs settings must find them itself.
  explicit PodmanEngine(const std::vector<std::string>& runtimes = {});
  PodmanEngine(const PodmanEngine&) = delete;
  PodmanEngine& operator=(const PodmanEngine&) = delete;

  // `podman run --rm --network none --cgroups=disabled OPTIONS --rootfs ROOTFS COMMAND...`, to completion.
  ProcessResult run(const std::vector<std::string>& options, const std::string& rootfs,
                    const std::vector<std::string>& command) const;
  const TempDir& dir() const { return dir_; }

 private:
  TempDir dir_;
};

}  // namespace tollgate::testing
