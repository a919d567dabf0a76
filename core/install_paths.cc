#include "core/install_paths.h"

#include <unistd.h>

#include <cstdlib>

namespace tollgate {
namespace {

std::optional<std::filesystem::path> absolute_env(const char* name) {
  const char* value = std::getenv(name);
  // The XDG spec says relative values are invalid and must be ignored.
  if (value == nullptr || value[0] != '/') return std::nullopt;
  return std::filesystem::path(value);
}

}  // namespace

bool is_development_build() {
#ifdef TOLLGATE_SOURCE_POLICY_DIR
  return true;
#else
  return false;
#endif
}

std::filesystem::path source_policy_dir() {
#ifdef TOLLGATE_SOURCE_POLICY_DIR
  return TOLLGATE_SOURCE_POLICY_DIR;
#else
  return {};
#endif
}

std::filesystem::path packaged_policy_dir() {
  return TOLLGATE_DATA_DIR "/policies";
}

std::filesystem::path admin_policy_dir() {
  return TOLLGATE_CONFIG_DIR "/policies";
}

std::optional<std::filesystem::path> user_config_dir() {
  if (geteuid() == 0) return std::nullopt;
  if (auto config = absolute_env("XDG_CONFIG_HOME")) return *config / "tollgate";
  if (auto home = absolute_env("HOME")) return *home / ".config" / "tollgate";
  return std::nullopt;
}

std::filesystem::path runtime_dir() {
  if (geteuid() != 0)
    if (auto runtime = absolute_env("XDG_RUNTIME_DIR")) return *runtime / "tollgate";
  return TOLLGATE_RUNTIME_DIR;
}

std::filesystem::path state_dir() {
  return TOLLGATE_STATE_DIR;
}

std::filesystem::path command_agent_path() {
#ifdef TOLLGATE_BUILD_COMMAND_AGENT
  std::error_code ignored;
  if (std::filesystem::exists(TOLLGATE_BUILD_COMMAND_AGENT, ignored)) return TOLLGATE_BUILD_COMMAND_AGENT;
#endif
  return TOLLGATE_COMMAND_AGENT;
}

std::filesystem::path default_report_dir() {
  if (geteuid() != 0) {
    if (auto state = absolute_env("XDG_STATE_HOME")) return *state / "tollgate" / "reports";
    if (auto home = absolute_env("HOME")) return *home / ".local" / "state" / "tollgate" / "reports";
  }
  return state_dir() / "reports";
}

}  // namespace tollgate
