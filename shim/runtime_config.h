// The shim's own configuration: which low-level runtime it wraps, where the tollgate daemon listens, and the
// settings of containers that ask for nothing themselves. Read from /etc/tollgate/runtime.json, or from
// the file $TOLLGATE_RUNTIME_CONFIG names (tests, per-engine setups).
#pragma once

#include <expected>
#include <optional>
#include <span>
#include <string>
#include <string_view>

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

  bool operator==(const RuntimeConfig&) const = default;
};

// One key of runtime.json. The parser accepts exactly these keys and tollgate-shim(1) lists them from this
// same table, so the page cannot name a key the shim refuses or miss one it takes.
struct RuntimeConfigSetting {
  std::string_view key;
  std::string_view meaning;
  std::string_view default_value;  // as the man page says it
  void (*set)(RuntimeConfig& config, std::string value);
};
std::span<const RuntimeConfigSetting> runtime_config_settings();

// The keys of runtime_config_settings(), every key optional; unknown keys are errors so that a misspelt
// setting is not silently ignored. The default path may be absent (built-in defaults); a path
// named by the environment must exist. Error: a message naming the file.
std::expected<RuntimeConfig, std::string> load_runtime_config();
std::expected<RuntimeConfig, std::string> parse_runtime_config(const std::string& text,
                                                               const std::string& file);

}  // namespace tollgate
