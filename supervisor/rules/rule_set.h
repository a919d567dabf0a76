// The rule layer of one policy, indexed by native syscall number: first matching rule wins, no match is EPERM.
#pragma once

#include <optional>
#include <vector>

#include "supervisor/caller/call_context.h"
#include "supervisor/decider.h"
#include "tollgate/decision.h"
#include "tollgate/policy.h"

namespace tollgate {

class RuleSet final : public Decider {
 public:
  explicit RuleSet(PolicyPtr policy);

  Decision decide(CallContext& call) const override;
  // The first matching rule's decision; nullopt when no rule matched (decide() answers EPERM then).
  std::optional<Decision> decide_if_matched(CallContext& call) const;
  const std::string& policy_name() const override { return policy_->name; }
  const Policy& policy() const { return *policy_; }
  const PolicyPtr& policy_ptr() const { return policy_; }

 private:
  enum class Match { Yes, No, Unreadable };
  Match matches(const Rule& rule, CallContext& call, bool& used_memory) const;

  PolicyPtr policy_;
  std::vector<std::vector<const Rule*>> by_syscall_;
};

}  // namespace tollgate
