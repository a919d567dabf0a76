#include "supervisor/diagnostic_decider.h"

#include "supervisor/explain_decider.h"
#include "supervisor/rule_set.h"

namespace tollgate {

std::expected<std::shared_ptr<const Decider>, std::string> diagnostic_decider(std::string_view mode,
                                                                            const PolicyPtr& policy,
                                                                            std::shared_ptr<AuditRecorder> recorder) {
  auto rules = std::make_shared<RuleSet>(policy);
  if (mode.empty() || mode == "enforce") return rules;
  if (mode != "explain" && mode != "audit")
    return std::unexpected("unknown mode \"" + std::string(mode) + "\" (expected enforce, explain or audit)");
  auto judge = ProfileJudge::create(policy, FilterEnvironment::of_this_process());
  if (!judge) return std::unexpected(policy->source_path + ": " + judge.error());
  auto shared_judge = std::make_shared<const ProfileJudge>(std::move(*judge));
  if (mode == "explain") return std::make_shared<ExplainDecider>(shared_judge, rules);
  if (!recorder) recorder = std::make_shared<AuditRecorder>();
  return std::make_shared<AuditDecider>(shared_judge, rules, std::move(recorder));
}

}  // namespace tollgate
