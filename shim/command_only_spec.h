// command-only: config.json as the runtime must see it. The runtime gets no linux.seccomp (so its own
// set-up runs unfiltered); the agent and the compiled filter are bind-mounted read-only under /dev/.tollgate/
// and the agent goes in front of process.args, so that the filter applies from the command's execve on.
//
// Why under /dev: every engine (Docker, Podman, containerd, runc's own `spec`) mounts a fresh tmpfs on the
// container's /dev, so the runtime creates the two mount points in that tmpfs and never in the image: no
// file of the image is hidden, no read-only image needs to be written, and no empty mount point is left in
// a `--rootfs` directory after the container. A container without a tmpfs on /dev is refused.
#pragma once

#include <expected>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace tollgate {

inline constexpr std::string_view kAgentInContainer = "/dev/.tollgate/agent";
inline constexpr std::string_view kFilterInContainer = "/dev/.tollgate/filter.bpf";

// `args` (a process's args) with the agent in front: [agent, filter, "--", args...]. Error: no args, or
// not all strings (the runtime would have nothing to exec).
std::expected<nlohmann::json, std::string> args_behind_agent(const nlohmann::json* args);

// Checks that the agent can be placed (a tmpfs on /dev; no mount of the engine's at or under
// /dev/.tollgate, which the agent's would shadow) and places it: linux.seccomp removed, the two read-only
// bind mounts added last, process.args behind the agent. Error: a sentence to follow "container X: ".
std::expected<void, std::string> place_command_agent(nlohmann::json& config, const std::string& agent_on_host,
                                                     const std::string& filter_on_host);

}  // namespace tollgate
