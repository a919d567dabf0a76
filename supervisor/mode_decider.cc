#include "supervisor/mode_decider.h"

#include "supervisor/rule_set.h"

namespace tollgate {

std::expected<std::shared_ptr<const Decider>, std::string> decider_for_mode(PolicyPtr policy,
                                                                            PolicyMode mode) {
  switch (mode) {
    case PolicyMode::Enforce:
      return std::make_shared<RuleSet>(std::move(policy));
    case PolicyMode::Audit:
    case PolicyMode::Explain:
      break;
  }
  return std::unexpected("mode=" + std::string(to_string(mode)) + " is not available in this build yet");
}

}  // namespace tollgate
