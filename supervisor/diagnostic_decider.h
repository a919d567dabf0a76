// The decider for a mode (enforce, explain, audit), wherever the supervisor runs: inside `tollgate run`, or in
// a `tollgate supervise` daemon that learns the mode from the target's metadata (the handover envelope's,
// key "tollgate.mode"; an OCI runtime's listenerMetadata "mode=" line maps onto the same call).
#pragma once

#include <expected>
#include <memory>
#include <string>
#include <string_view>

#include "supervisor/audit_recorder.h"
#include "supervisor/decider.h"
#include "tollgate/policy.h"

namespace tollgate {

inline constexpr std::string_view kModeMetadataKey = "tollgate.mode";

// mode: "enforce" (or empty): the policy's rules; "explain"; "audit" (calls recorded into `recorder` when given).
// The target must run under notify_instead_of_denying(policy->filter) for explain and audit.
// Error: an unknown mode, or a profile that does not compile on this machine.
std::expected<std::shared_ptr<const Decider>, std::string> diagnostic_decider(
    std::string_view mode, const PolicyPtr& policy, std::shared_ptr<AuditRecorder> recorder = nullptr);

}  // namespace tollgate
