// What one container asks tollgate for, read from its config.json: annotations first (io.tollgate.mode,
// io.tollgate.policy: Podman's --annotation), then its environment (TOLLGATE_MODE, TOLLGATE_POLICY in
// process.env: Docker's -e), then the shim's configured defaults. A container that asks for no mode is left
// exactly as the engine wrote it.
#pragma once

#include <expected>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "shim/runtime_config.h"

namespace tollgate {

inline constexpr std::string_view kModeAnnotation = "io.tollgate.mode";
inline constexpr std::string_view kPolicyNameAnnotation = "io.tollgate.policy";
inline constexpr std::string_view kModeEnv = "TOLLGATE_MODE";
inline constexpr std::string_view kPolicyEnv = "TOLLGATE_POLICY";
// The source of a setting that the container did not name itself.
inline constexpr std::string_view kRuntimeJsonSource = "runtime.json";

enum class ShimMode { Enforce, Explain, Audit, Learn, CommandOnly };

// Every mode with its name (annotation, environment, runtime.json) and one line for tollgate-shim(1); the
// parser and the page both read this table.
struct ShimModeInfo {
  ShimMode mode;
  std::string_view name;
  std::string_view summary;
};
std::span<const ShimModeInfo> shim_modes();

std::string_view to_string(ShimMode mode);
std::optional<ShimMode> parse_shim_mode(std::string_view text);

struct ContainerSettings {
  std::optional<ShimMode> mode;  // none: run as without the shim
  std::optional<std::string> policy;
  std::string mode_source;  // "annotation io.tollgate.mode", "environment TOLLGATE_MODE", "runtime.json"
  std::string policy_source;
};

// Error: an unknown mode value, named with where it came from.
std::expected<ContainerSettings, std::string> read_container_settings(const nlohmann::json& config,
                                                                      const RuntimeConfig& defaults);

}  // namespace tollgate
