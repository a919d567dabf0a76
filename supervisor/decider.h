// Where a notified call's decision comes from. The policy's rules are one source (RuleSet); audit, explain
// and learn modes are others. Runs on the loop thread for every notification: no blocking, no allocation
// on the common path.
#pragma once

#include "supervisor/caller/call_context.h"
#include "tollgate/decision.h"

namespace tollgate {

class Decider {
 public:
  virtual ~Decider() = default;
  virtual Decision decide(CallContext& call) const = 0;
  // The name events give for the policy behind these decisions.
  virtual const std::string& policy_name() const = 0;
};

}  // namespace tollgate
