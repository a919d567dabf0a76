// The one place that turns a container's policy and mode into the Decider its calls go to.
#pragma once

#include <expected>
#include <memory>
#include <string>

#include "supervisor/decider.h"
#include "supervisor/policy_selection.h"
#include "tollgate/policy.h"

namespace tollgate {

// Enforce: the policy's rules decide (RuleSet). Audit and explain get their Deciders with the audit/explain
// work (issue 4); until then they are refused with an error rather than silently enforced, so that an
// operator who asked for a dry run never gets denials instead.
std::expected<std::shared_ptr<const Decider>, std::string> decider_for_mode(PolicyPtr policy,
                                                                            PolicyMode mode);

}  // namespace tollgate
