#include "shim/runtime_config.h"

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace tollgate {

std::expected<RuntimeConfig, std::string> parse_runtime_config(const std::string& text,
                                                               const std::string& file) {
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return std::unexpected(file + ": not a JSON object");
  RuntimeConfig config;
  for (const auto& [key, value] : doc.items()) {
    if (!value.is_string() || value.get<std::string>().empty())
      return std::unexpected(file + ": /" + key + ": must be a non-empty string");
    const std::string v = value.get<std::string>();
    if (key == "runtime")
      config.runtime = v;
    else if (key == "socket")
      config.socket = v;
    else if (key == "policyDir")
      config.policy_dir = v;
    else if (key == "mode")
      config.mode = v;
    else if (key == "policy")
      config.policy = v;
    else if (key == "commandOnlyDir")
      config.command_only_dir = v;
    else
      return std::unexpected(file + ": /" + key + ": unknown setting");
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
