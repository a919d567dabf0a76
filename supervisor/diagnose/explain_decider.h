// Explain mode: the target runs under profile P with every denying action turned into NOTIFY (see
// agent/profile_variants.h). Each call that reaches us gets exactly what P prescribes (the same errno, or
// SIGSYS for KILL and TRAP), and the event line says which entry of P is responsible. Calls P itself sends to
// a supervisor are decided by P's rules as usual.
#pragma once

#include <memory>

#include "profile/profile_judge.h"
#include "supervisor/decider.h"
#include "supervisor/rules/rule_set.h"

namespace tollgate {

class ExplainDecider final : public Decider {
 public:
  ExplainDecider(std::shared_ptr<const ProfileJudge> judge, std::shared_ptr<const RuleSet> rules);
  Decision decide(CallContext& call) const override;
  const std::string& policy_name() const override { return rules_->policy_name(); }

 private:
  std::shared_ptr<const ProfileJudge> judge_;
  std::shared_ptr<const RuleSet> rules_;
};

// "= -1 EPERM", "killed by SIGSYS", what enforcing the judgement does to the caller.
std::string enforced_outcome(const ProfileJudgement& judgement);
// "rule /syscalls/0 (...) SCMP_ACT_ERRNO(EPERM): swapoff is denied by this rule"
std::string responsible_rule(const ProfileJudgement& judgement);

}  // namespace tollgate
