// The one place that turns a container's policy and mode into the Decider its calls go to.
#pragma once

#include <expected>
#include <memory>
#include <string>

#include "supervisor/decider.h"
#include "supervisor/policy_selection.h"
#include "tollgate/policy.h"

namespace tollgate {

// Enforce: the policy's rules decide (RuleSet). Audit and explain: the policy's own filter is the judge of
// each notified call (diagnostic_decider), so the runtime must have installed its notify-denials variant.
std::expected<std::shared_ptr<const Decider>, std::string> decider_for_mode(PolicyPtr policy,
                                                                            PolicyMode mode);

}  // namespace tollgate
