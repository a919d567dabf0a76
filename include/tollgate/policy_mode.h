// How a target's notified calls are decided under its policy: enforce the rules, explain each denial while
// enforcing the profile, audit (deny nothing, record what would be denied), or learn (deny nothing, record
// every call: containers through the runtime shim; `tollgate learn` runs its own learner). One enum and one
// parser for every entry point: `tollgate run` flags, the handover envelope's "tollgate.mode",
// listenerMetadata "mode=".
#pragma once

#include <optional>
#include <string_view>

namespace tollgate {

enum class PolicyMode { Enforce, Audit, Explain, Learn };

// The metadata key a handed-over target's mode travels under (envelope metadata).
inline constexpr std::string_view kModeMetadataKey = "tollgate.mode";

std::string_view to_string(PolicyMode mode);
// "enforce", "audit", "explain" or "learn"; an empty string is Enforce. Nullopt for anything else.
std::optional<PolicyMode> parse_policy_mode(std::string_view text);

}  // namespace tollgate
