#include "shim/container_settings.h"

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

}  // namespace

std::string_view to_string(ShimMode mode) {
  switch (mode) {
    case ShimMode::Enforce:
      return "enforce";
    case ShimMode::Explain:
      return "explain";
    case ShimMode::Audit:
      return "audit";
    case ShimMode::Learn:
      return "learn";
    case ShimMode::CommandOnly:
      return "command-only";
  }
  return "?";
}

std::optional<ShimMode> parse_shim_mode(std::string_view text) {
  for (ShimMode m :
       {ShimMode::Enforce, ShimMode::Explain, ShimMode::Audit, ShimMode::Learn, ShimMode::CommandOnly})
    if (text == to_string(m)) return m;
  return std::nullopt;
}

std::expected<ContainerSettings, std::string> read_container_settings(const nlohmann::json& config,
                                                                      const RuntimeConfig& defaults) {
  ContainerSettings settings;
  if (auto mode = lookup(config, kModeAnnotation, kModeEnv, defaults.mode)) {
    settings.mode = parse_shim_mode(mode->value);
    if (!settings.mode)
      return std::unexpected("unknown tollgate mode \"" + mode->value + "\" (from " + mode->source +
                             "); known: enforce, explain, audit, learn, command-only");
    settings.mode_source = mode->source;
  }
  if (auto policy = lookup(config, kPolicyNameAnnotation, kPolicyEnv, defaults.policy)) {
    settings.policy = policy->value;
    settings.policy_source = policy->source;
  }
  return settings;
}

}  // namespace tollgate
