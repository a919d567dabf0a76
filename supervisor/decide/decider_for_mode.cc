#include "supervisor/decide/decider_for_mode.h"

#include "profile/filter_environment.h"
#include "profile/profile_judge.h"
#include "supervisor/diagnose/audit_decider.h"
#include "supervisor/diagnose/explain_decider.h"
#include "supervisor/diagnose/syscall_learner.h"
#include "supervisor/rules/rule_set.h"

namespace tollgate {

std::expected<std::shared_ptr<const Decider>, std::string> decider_for_mode(
    const PolicyPtr& policy, PolicyMode mode, std::shared_ptr<AuditRecorder> recorder,
    std::optional<FilterEnvironment> environment) {
  auto rules = std::make_shared<RuleSet>(policy);
  if (mode == PolicyMode::Enforce) return rules;
  if (mode == PolicyMode::Learn) return std::make_shared<SyscallLearner>();
  auto judge = ProfileJudge::create(
      policy, environment ? std::move(*environment) : FilterEnvironment::of_this_process());
  if (!judge) return std::unexpected(policy->source_path + ": " + judge.error());
  auto shared_judge = std::make_shared<const ProfileJudge>(std::move(*judge));
  if (mode == PolicyMode::Explain) return std::make_shared<ExplainDecider>(shared_judge, rules);
  if (!recorder) recorder = std::make_shared<AuditRecorder>();
  return std::make_shared<AuditDecider>(shared_judge, rules, std::move(recorder));
}

std::expected<PolicyMode, std::string> mode_from_metadata(
    const std::map<std::string, std::string>& metadata) {
  auto it = metadata.find(std::string(kModeMetadataKey));
  if (it == metadata.end()) return PolicyMode::Enforce;
  auto mode = parse_policy_mode(it->second);
  // A handed-over target's learned profile would have no one to go to: `tollgate learn` keeps its own.
  if (mode == PolicyMode::Learn)
    return std::unexpected("mode learn is for containers (runtime shim) and `tollgate learn`, not handovers");
  if (mode) return *mode;
  return std::unexpected("unknown mode \"" + it->second + "\" (expected enforce, explain or audit)");
}

}  // namespace tollgate
