// `ctl reload` in `tollgate supervise`: re-reads the policy files each target was started with and swaps
// the rules, without dropping a listener. The filter already in the kernel cannot change; only the rules
// that decide its notified calls do. All or nothing: one bad file and every target keeps its old rules.
#pragma once

#include <expected>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "supervisor/decide/policy_source.h"

namespace tollgate {

class Supervisor;

// Records where the policy came from in the handover metadata ("tollgate.policy_path",
// "tollgate.profile_path"), as absolute paths.
void add_policy_paths(std::map<std::string, std::string>& metadata, const PolicyChoice& choice);

// Reply body: {"reloaded_targets": N, "policies": [...]}. Targets handed over without paths are left alone.
std::expected<nlohmann::json, std::string> reload_target_policies(Supervisor& supervisor);

}  // namespace tollgate
