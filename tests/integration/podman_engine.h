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
  // `conmon_environment`: "NAME=VALUE" for conmon and so for the OCI runtime it starts (containers.conf
  // conmon_env_vars; PATH is always set), e.g. how a test points the tollgate shim at its runtime.json.
  explicit PodmanEngine(const std::vector<std::string>& conmon_environment = {});
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
