// `tollgate shim ARGS` (or tollgate-runtime ARGS): runc's command line in front of the real runtime, like
// NVIDIA's container runtime. On `create` and `run` the bundle is prepared for the mode the container asks
// for; then, for every command, the real runtime is exec'd with the same arguments, so its exit status,
// output and flags are its own.
#pragma once

#include <string>
#include <vector>

namespace tollgate {

// Returns only when the shim stops the container itself or cannot exec the runtime (exit status 1).
int run_runtime_shim(const std::vector<std::string>& args);

}  // namespace tollgate
