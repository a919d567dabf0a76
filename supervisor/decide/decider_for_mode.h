// The one place that turns a policy and a mode into the Decider a target's calls go to, for every entry
// point: `tollgate run` (its --explain/--audit flags), a handover to `tollgate supervise` (the envelope's
// "tollgate.mode"), and an OCI container (listenerMetadata "mode=").
#pragma once

#include <expected>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "profile/filter_environment.h"
#include "supervisor/decider.h"
#include "supervisor/diagnose/audit_recorder.h"
#include "tollgate/policy.h"
#include "tollgate/policy_mode.h"

namespace tollgate {

// Enforce: the policy's rules (RuleSet). Learn: a fresh SyscallLearner (the target must run under
// notify_everything() or runtime_learn_variant). Explain and audit: the policy's own filter judges each notified
// call (the target must run under notify_instead_of_denying(policy->filter)); calls the policy itself
// notifies still go to its rules. Audit records into `recorder` (a fresh one when none is given).
// `environment` is what the profile's includes/excludes are evaluated against (default: this process's;
// a container's own capabilities when the runtime shim names them).
// Error: a profile that does not compile on this machine.
std::expected<std::shared_ptr<const Decider>, std::string> decider_for_mode(
    const PolicyPtr& policy, PolicyMode mode, std::shared_ptr<AuditRecorder> recorder = nullptr,
    std::optional<FilterEnvironment> environment = std::nullopt);

// The mode a handed-over target asks for in its metadata (kModeMetadataKey; absent: enforce).
// Error: the unknown mode, named.
std::expected<PolicyMode, std::string> mode_from_metadata(const std::map<std::string, std::string>& metadata);

}  // namespace tollgate
