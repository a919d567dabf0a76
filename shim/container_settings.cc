#include "shim/container_settings.h"

#include <algorithm>

namespace tollgate {
namespace {

struct Setting {
  std::string value;
  std::string source;
};

std::optional<Setting> from_annotations(const nlohmann::json& config, std::string_view key) {
  auto annotations = config.find("annotations");
  if (annotations == config.end() || !annotations->is_object()) return std::nullopt;
  auto it = annotations->find(std::string(key));
  if (it == annotations->end() || !it->is_string()) return std::nullopt;
  return Setting{it->get<std::string>(), "annotation " + std::string(key)};
}

// process.env holds "NAME=value" strings; the last one wins, as in execve's environment lookups.
std::optional<Setting> from_environment(const nlohmann::json& config, std::string_view name) {
  auto process = config.find("process");
  if (process == config.end() || !process->is_object()) return std::nullopt;
  auto env = process->find("env");
  if (env == process->end() || !env->is_array()) return std::nullopt;
  std::optional<Setting> found;
  const std::string prefix = std::string(name) + "=";
  for (const auto& entry : *env)
    if (entry.is_string() && entry.get<std::string>().starts_with(prefix))
      found = Setting{entry.get<std::string>().substr(prefix.size()), "environment " + std::string(name)};
  return found;
}

std::optional<Setting> lookup(const nlohmann::json& config, std::string_view annotation, std::string_view env,
                              const std::optional<std::string>& fallback) {
  if (auto s = from_annotations(config, annotation)) return s;
  if (auto s = from_environment(config, env)) return s;
  if (fallback) return Setting{*fallback, std::string(kRuntimeJsonSource)};
  return std::nullopt;
}

std::string known_modes() {
  std::string names;
  for (const auto& m : shim_modes()) names += (names.empty() ? "" : ", ") + std::string(m.name);
  return names;
}

}  // namespace

std::span<const ShimModeInfo> shim_modes() {
  static constexpr ShimModeInfo kModes[] = {
      {ShimMode::Enforce, "enforce", "the policy decides the calls its rules name, in `tollgate supervise`"},
      {ShimMode::Explain, "explain",
       "the engine's profile is enforced exactly, and each denial is logged and shown in the container's stderr"},
      {ShimMode::Audit, "audit", "nothing the profile would deny is denied; each such call is recorded"},
      {ShimMode::Learn, "learn", "not supported yet: the container is refused"},
      {ShimMode::CommandOnly, "command-only",
       "the profile is compiled on the host and installed by a static agent in front of the command; no daemon"},
  };
  return kModes;
}

std::string_view to_string(ShimMode mode) {
  auto info = std::ranges::find(shim_modes(), mode, &ShimModeInfo::mode);
  return info == shim_modes().end() ? "?" : info->name;
}

std::optional<ShimMode> parse_shim_mode(std::string_view text) {
  auto info = std::ranges::find(shim_modes(), text, &ShimModeInfo::name);
  if (info == shim_modes().end()) return std::nullopt;
  return info->mode;
}

std::expected<ContainerSettings, std::string> read_container_settings(const nlohmann::json& config,
                                                                      const RuntimeConfig& defaults) {
  ContainerSettings settings;
  if (auto mode = lookup(config, kModeAnnotation, kModeEnv, defaults.mode)) {
    settings.mode = parse_shim_mode(mode->value);
    if (!settings.mode)
      return std::unexpected("unknown tollgate mode \"" + mode->value + "\" (from " + mode->source +
                             "); known: " + known_modes());
    settings.mode_source = mode->source;
  }
  if (auto policy = lookup(config, kPolicyNameAnnotation, kPolicyEnv, defaults.policy)) {
    settings.policy = policy->value;
    settings.policy_source = policy->source;
  }
  return settings;
}

}  // namespace tollgate
