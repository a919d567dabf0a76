// A real containerd for the integration tests (Debian's containerd 1.6): its root, state and sockets in one
// temporary directory, the CRI plugin off, started by the test and stopped by pid. Containers run from a
// root filesystem directory (`ctr run --rootfs`): no image, no snapshotter, no registry.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tests/integration/harness.h"

namespace tollgate::testing {

class ContainerdEngine {
 public:
  // `environment`: "NAME=VALUE" added to containerd's environment, which its runc shims and the runtimes
  // they start inherit (how a test points the tollgate shim at its runtime.json). Ready when the
  // constructor returns; throws std::runtime_error (with containerd's log) when it does not come up.
  explicit ContainerdEngine(const std::vector<std::string>& environment = {});
  // Removes containers a failed test left (containerd does not stop them when it stops), then stops
  // containerd by pid.
  ~ContainerdEngine();
  ContainerdEngine(const ContainerdEngine&) = delete;
  ContainerdEngine& operator=(const ContainerdEngine&) = delete;

  // `ctr --address SOCKET ARGS...`, to completion.
  ProcessResult ctr(const std::vector<std::string>& args) const;
  std::string log_text() const;

 private:
  void remove_leftover_containers() const;

  TempDir dir_;
  std::string address_;
  std::unique_ptr<BackgroundProcess> containerd_;
};

}  // namespace tollgate::testing
