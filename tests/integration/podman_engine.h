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
  // `runtimes`: "NAME=PATH", declared in containers.conf ([engine.runtimes]) for `--runtime NAME`. The
  // runtime gets none of podman's environment: conmon runs `create` with containers.conf's conmon_env_vars
  // and podman runs `start` and `delete` with a few variables of its own.
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
