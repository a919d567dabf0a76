// Audit mode: every call the profile would deny, kill or trap is let through (CONTINUE: nothing is being
// enforced, so there is nothing for a changed argument to get past) and recorded in an AuditRecorder.
#pragma once

#include <memory>

#include "profile/profile_judge.h"
#include "supervisor/decider.h"
#include "supervisor/diagnose/audit_recorder.h"
#include "supervisor/rules/rule_set.h"

namespace tollgate {

class AuditDecider final : public Decider {
 public:
  AuditDecider(std::shared_ptr<const ProfileJudge> judge, std::shared_ptr<const RuleSet> rules,
               std::shared_ptr<AuditRecorder> recorder);
  Decision decide(CallContext& call) const override;
  const std::string& policy_name() const override { return rules_->policy_name(); }

 private:
  std::shared_ptr<const ProfileJudge> judge_;
  std::shared_ptr<const RuleSet> rules_;
  std::shared_ptr<AuditRecorder> recorder_;
};

}  // namespace tollgate
