// The shim's own configuration: which low-level runtime it wraps, where the tollgate daemon listens, and the
// settings of containers that ask for nothing themselves. Read from /etc/tollgate/runtime.json, or from
// the file $TOLLGATE_RUNTIME_CONFIG names (tests, per-engine setups).
#pragma once

#include <expected>
#include <optional>
#include <string>

namespace tollgate {

inline constexpr const char* kDefaultRuntimeConfigPath = "/etc/tollgate/runtime.json";
inline constexpr const char* kRuntimeConfigEnv = "TOLLGATE_RUNTIME_CONFIG";

struct RuntimeConfig {
  std::string runtime = "runc";                        // a name looked up in PATH, or a path
  std::string socket = "/run/tollgate/tollgate.sock";  // the daemon's listener socket
  std::optional<std::string> policy_dir;               // default: the shipped policies
  std::optional<std::string> mode;                     // for containers that name none
  std::optional<std::string> policy;                   // for containers that name none
  // command-only: where the compiled filters of containers live until their `delete`. Default: the
  // runtime directory's command-only/ (core/install_paths.h).
  std::optional<std::string> command_only_dir;
};

// {"runtime", "socket", "policyDir", "mode", "policy", "commandOnlyDir"}, every key optional; unknown keys are errors so that
// a misspelt setting is not silently ignored. The default path may be absent (built-in defaults); a path
// named by the environment must exist. Error: a message naming the file.
std::expected<RuntimeConfig, std::string> load_runtime_config();
std::expected<RuntimeConfig, std::string> parse_runtime_config(const std::string& text,
                                                               const std::string& file);

}  // namespace tollgate
