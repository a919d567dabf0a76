// command-only mode (story 4: "apply seccomp to the image's commands only, not the runtime"), over a
// container's life:
// - create: the engine's profile is compiled on the host (command_only_filter), written to the container's
//   file (command_only_files), and config.json is changed so that the runtime runs without it and the
//   static agent installs it right before the command (command_only_spec);
// - exec: a process started in such a container (`docker exec`) gets the agent in front of it too, so that
//   it runs under the same profile;
// - delete: the file is removed.
// No daemon takes part: a profile that would need one (NOTIFY) is refused.
#pragma once

#include <expected>
#include <nlohmann/json.hpp>
#include <string>

#include "shim/container_settings.h"
#include "shim/runtime_command_line.h"
#include "shim/runtime_config.h"

namespace tollgate {

// Changes `spec` (the bundle's config.json) and writes the container's filter file; returns that file's
// path, which the caller removes if it cannot write config.json. Error: a message naming the container.
std::expected<std::string, std::string> prepare_command_only(nlohmann::json& spec, const ContainerSettings& settings,
                                                             const RuntimeCommandLine& line,
                                                             const RuntimeConfig& config);

// `exec` into a command-only container: the --process file's args behind the agent. Containers in other
// modes (no filter file) are left alone. Error: the container is command-only and the process cannot be
// put under its profile (no --process file, or one without args).
std::expected<void, std::string> prepare_command_only_exec(const RuntimeCommandLine& line,
                                                           const RuntimeConfig& config);

// `delete`: the container's filter file, if it has one, is removed.
std::expected<void, std::string> forget_command_only_container(const RuntimeCommandLine& line,
                                                               const RuntimeConfig& config);

}  // namespace tollgate
