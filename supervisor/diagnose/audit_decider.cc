#include "supervisor/diagnose/audit_decider.h"

#include "profile/profile_variants.h"
#include "supervisor/diagnose/explain_decider.h"

namespace tollgate {

AuditDecider::AuditDecider(std::shared_ptr<const ProfileJudge> judge, std::shared_ptr<const RuleSet> rules,
                           std::shared_ptr<AuditRecorder> recorder)
    : judge_(std::move(judge)), rules_(std::move(rules)), recorder_(std::move(recorder)) {}

Decision AuditDecider::decide(CallContext& call) const {
  const ProfileJudgement j = judge_->judge(call.notification().data, call.syscall_name());
  if (j.kind == FilterAction::Notify) return rules_->decide(call);
  Decision d{Verdict::Continue, 0, 0, nullptr, "audit: allowed, nothing is enforced"};
  if (!is_denying(j.kind)) return d;
  recorder_->record(call, j);
  d.explanation = "would be " + enforced_outcome(j) + ", allowed (audit)  <- " + responsible_rule(j);
  return d;
}

}  // namespace tollgate
