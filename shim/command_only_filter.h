// command-only: the engine's profile (config.json's linux.seccomp, what `--security-opt seccomp=` gave)
// compiled on the host into the BPF program the container's agent installs before its command. The same
// compiler as `tollgate run --profile` (profile/filter_compiler.h), with its guard prefix: foreign
// architectures killed, a notifying filter of the container's own refused.
#pragma once

#include <linux/filter.h>

#include <expected>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace tollgate {

// `profile` is read as a Docker/OCI profile, includes/excludes judged against the container's capability
// bounding set (`config`'s process.capabilities.bounding). Errors, each a sentence to follow "container X: ":
// no profile (nothing to apply); a profile that sends calls to a supervisor (NOTIFY entries, a
// listenerPath): command-only runs no daemon for the container and hands it no socket, so nothing would
// answer them; a profile that does not parse or compile.
std::expected<std::vector<sock_filter>, std::string> compile_command_only_filter(const nlohmann::json* profile,
                                                                                 const nlohmann::json& config);

}  // namespace tollgate
