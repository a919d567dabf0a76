// What the engine tests through the tollgate shim share: a `tollgate supervise` daemon with a policy directory
// of the test's own, the shim under an engine-facing path with its runtime.json, and a root filesystem with
// busybox plus coreutils' ls (busybox's does not use statx).
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/integration/harness.h"

namespace tollgate::testing {

struct ShimSetup {
  // `runtime`: what the shim wraps ("runc", "crun"). `policies`: name -> JSON text, written into the daemon's
  // --policy-dir (which is also the shim's policyDir) before the daemon starts; "default" is added if absent.
  // `runtime_json`: further runtime.json keys (e.g. commandOnlyDir).
  explicit ShimSetup(const std::string& runtime, std::map<std::string, std::string> policies = {},
                     const nlohmann::json& runtime_json = nlohmann::json::object());

  // The runtime path to give an engine: a wrapper that runs `tollgate shim` with this runtime.json. Engines
  // start the runtime with environments of their own (Podman's `start` and `delete` get almost none), so a
  // wrapper is the one way a runtime.json outside /etc/tollgate reaches every call.
  std::string shim() const { return dir.file("tollgate-runtime"); }
  std::string config() const { return dir.file("runtime.json"); }
  std::string policy_dir() const { return dir.file("policies"); }

  TempDir dir;
  std::unique_ptr<SuperviseDaemon> daemon;
  std::filesystem::path rootfs;
};

}  // namespace tollgate::testing
