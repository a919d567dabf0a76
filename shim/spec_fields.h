// Reading the fields of a container's config.json that several modes need, tolerating any shape: an
// engine's file is not validated here beyond what each mode uses.
#pragma once

#include <nlohmann/json.hpp>
#include <set>
#include <string>

namespace tollgate {

// linux.seccomp, or null when the container has none (`--security-opt seccomp=unconfined`).
const nlohmann::json* engine_seccomp(const nlohmann::json& config);

// process.capabilities.bounding; empty when absent.
std::set<std::string> bounding_capabilities(const nlohmann::json& config);

// process.args when it is an array; null otherwise.
const nlohmann::json* process_args(const nlohmann::json& config);

}  // namespace tollgate
