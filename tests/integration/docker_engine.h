// A real Docker engine for the integration tests: dockerd (with the containerd it starts itself) whose
// state, sockets and images live in one temporary directory, started by the test and stopped by pid. Images
// come from `docker import` of a root filesystem built here: no registry is needed.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tests/integration/harness.h"

namespace tollgate::testing {

class DockerEngine {
 public:
  // `runtimes`: extra OCI runtimes as "NAME=PATH" (dockerd --add-runtime). `environment`: "NAME=VALUE"
  // added to dockerd's environment, which containerd and the runtimes it starts inherit (how a test points
  // the tollgate shim at its runtime.json). Ready when the constructor returns; throws std::runtime_error
  // (with dockerd's stderr) when it does not come up.
  explicit DockerEngine(const std::vector<std::string>& runtimes = {},
                        const std::vector<std::string>& environment = {});
  // Stops dockerd by pid (SIGTERM, it stops its containers and containerd), then removes its state.
  ~DockerEngine();
  DockerEngine(const DockerEngine&) = delete;
  DockerEngine& operator=(const DockerEngine&) = delete;

  // `docker -H unix://SOCKET ARGS...`, to completion.
  ProcessResult docker(const std::vector<std::string>& args) const;
  // `docker run --rm --network none OPTIONS IMAGE COMMAND...`, to completion.
  ProcessResult run(const std::string& image, const std::vector<std::string>& options,
                    const std::vector<std::string>& command) const;
  // Imports `rootfs` as image `name` (`docker import`).
  void import_image(const std::filesystem::path& rootfs, const std::string& name) const;
  std::string stderr_text() const;

 private:
  TempDir dir_;
  std::string host_;
  std::unique_ptr<BackgroundProcess> dockerd_;
};

}  // namespace tollgate::testing
