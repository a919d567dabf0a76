// `ctl reload` in `tollgate supervise`: re-reads the policy file the daemon chose for each target (from its
// own --policy-dir; TargetInfo::daemon_policy_path) and swaps the rules, without dropping a listener. No path
// a peer sent is ever opened here: the daemon runs as root and the peer may not. The filter already in the
// kernel cannot change; only the rules that decide its notified calls do. All or nothing: one bad file and
// every target keeps its old rules.
#pragma once

#include <expected>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "supervisor/decide/policy_source.h"

namespace tollgate {

class Supervisor;

// Reply body: {"reloaded_targets": N, "policies": [...]}. Targets whose policy came in their handover are
// left alone.
std::expected<nlohmann::json, std::string> reload_target_policies(Supervisor& supervisor);

}  // namespace tollgate
