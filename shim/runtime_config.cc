#include "shim/runtime_config.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace tollgate {

std::span<const RuntimeConfigSetting> runtime_config_settings() {
  static constexpr RuntimeConfigSetting kSettings[] = {
      {"runtime", "the real runtime: a name found in `PATH` (`runc`, `crun`) or a path", "`runc`",
       [](RuntimeConfig& c, std::string v) { c.runtime = std::move(v); }},
      {"socket", "`tollgate supervise`'s socket, written into `listenerPath`", "`/run/tollgate/tollgate.sock`",
       [](RuntimeConfig& c, std::string v) { c.socket = std::move(v); }},
      {"policyDir", "where policy names resolve; use the daemon's `--policy-dir`", "the shipped policies",
       [](RuntimeConfig& c, std::string v) { c.policy_dir = std::move(v); }},
      {"mode", "the mode of containers that ask for none", "none: such containers are untouched",
       [](RuntimeConfig& c, std::string v) { c.mode = std::move(v); }},
      {"policy", "the policy of containers that name none", "`default`",
       [](RuntimeConfig& c, std::string v) { c.policy = std::move(v); }},
      {"commandOnlyDir", "where command-only containers' compiled filters live until their `delete`",
       "`/run/tollgate/command-only` (`$XDG_RUNTIME_DIR/tollgate/command-only` for other users)",
       [](RuntimeConfig& c, std::string v) { c.command_only_dir = std::move(v); }},
  };
  return kSettings;
}

std::expected<RuntimeConfig, std::string> parse_runtime_config(const std::string& text,
                                                               const std::string& file) {
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return std::unexpected(file + ": not a JSON object");
  RuntimeConfig config;
  const auto settings = runtime_config_settings();
  for (const auto& [key, value] : doc.items()) {
    if (!value.is_string() || value.get<std::string>().empty())
      return std::unexpected(file + ": /" + key + ": must be a non-empty string");
    auto setting = std::ranges::find(settings, key, &RuntimeConfigSetting::key);
    if (setting == settings.end()) return std::unexpected(file + ": /" + key + ": unknown setting");
    setting->set(config, value.get<std::string>());
  }
  return config;
}

std::expected<RuntimeConfig, std::string> load_runtime_config() {
  const char* env = std::getenv(kRuntimeConfigEnv);
  const bool from_env = env != nullptr && *env != '\0';
  const std::string path = from_env ? env : kDefaultRuntimeConfigPath;
  std::ifstream in(path);
  if (!in) {
    if (!from_env) return RuntimeConfig{};
    return std::unexpected(path + " (from $" + std::string(kRuntimeConfigEnv) + "): cannot be read");
  }
  std::stringstream text;
  text << in.rdbuf();
  return parse_runtime_config(text.str(), path);
}

}  // namespace tollgate
