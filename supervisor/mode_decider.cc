#include "supervisor/mode_decider.h"

#include "supervisor/diagnostic_decider.h"
#include "supervisor/rule_set.h"

namespace tollgate {

std::expected<std::shared_ptr<const Decider>, std::string> decider_for_mode(PolicyPtr policy,
                                                                            PolicyMode mode) {
  switch (mode) {
    case PolicyMode::Enforce:
      return std::make_shared<RuleSet>(std::move(policy));
    case PolicyMode::Audit:
    case PolicyMode::Explain:
      // The container's runtime must install the policy with its denials turned into notifications
      // (docs/oci.md); the decider judges each call against the policy itself.
      return diagnostic_decider(to_string(mode), policy);
  }
  return std::unexpected("unknown mode");
}

}  // namespace tollgate
