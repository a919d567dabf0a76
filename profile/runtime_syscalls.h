// The calls an OCI runtime makes itself after it has installed a container's seccomp filter and before it
// execs the container's command: a profile that denies one of them stops the container before its command
// runs (runc: "ensure /proc/self/fd is on procfs: operation not permitted", crun: "prctl drop bounding:
// Operation not permitted"). Measured, not guessed: runtime_syscalls.cc says how.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace tollgate {

struct RuntimeCall {
  std::string_view name;
  // Seen with process.noNewPrivileges true, and with it false (Docker's and Podman's default): the runtimes
  // install the filter earlier when they may not set no_new_privs, and then still drop capabilities under it.
  bool with_no_new_privileges = false;
  bool without_no_new_privileges = false;
  std::string_view why;  // what the runtime is doing
};

struct RuntimeCalls {
  std::string_view runtime;  // "runc", "crun"
  std::string_view version;  // the version measured
  std::span<const RuntimeCall> calls;
};

// nullopt for a runtime that was not measured.
std::optional<RuntimeCalls> runtime_calls(std::string_view runtime);

}  // namespace tollgate
