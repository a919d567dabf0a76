#include "supervisor/diagnose/explain_decider.h"

#include "core/errno_names.h"

namespace tollgate {

ExplainDecider::ExplainDecider(std::shared_ptr<const ProfileJudge> judge,
                               std::shared_ptr<const RuleSet> rules)
    : judge_(std::move(judge)), rules_(std::move(rules)) {}

std::string enforced_outcome(const ProfileJudgement& j) {
  switch (j.kind) {
    case FilterAction::Errno:
      return j.error == 0 ? "= 0 (skipped)" : "= -1 " + errno_name(j.error);
    // With no tracer attached, the kernel fails a TRACE call with ENOSYS.
    case FilterAction::Trace:
      return "= -1 ENOSYS (no tracer)";
    case FilterAction::KillProcess:
    case FilterAction::KillThread:
      return "killed by SIGSYS";
    case FilterAction::Trap:
      return "SIGSYS sent, then = -1 ENOSYS";
    case FilterAction::Allow:
    case FilterAction::Log:
      return "allowed";
    case FilterAction::Notify:
      return "notified";
  }
  return "?";
}

std::string responsible_rule(const ProfileJudgement& j) {
  return j.rule + ": " + j.why;
}

Decision ExplainDecider::decide(CallContext& call) const {
  const ProfileJudgement j = judge_->judge(call.notification().data, call.syscall_name());
  Decision d;
  switch (j.kind) {
    case FilterAction::Notify:
      return rules_->decide(call);
    case FilterAction::Allow:
    case FilterAction::Log:
      d = {Verdict::Continue, 0, 0, nullptr, "explain: the profile allows it"};
      break;
    case FilterAction::Errno:
      // SCMP_ACT_ERRNO(0) makes the call return 0 without running; an errno answer of 0 would mean EPERM
      // here.
      d = j.error == 0 ? Decision{Verdict::Value, 0, 0, nullptr, "explain: the profile skips it"}
                       : Decision::deny(j.error, "explain: the profile denies it");
      break;
    case FilterAction::Trace:
      d = Decision::deny(ENOSYS, "explain: the profile traces it, no tracer");
      break;
    case FilterAction::KillProcess:
    case FilterAction::KillThread:
      d = {Verdict::Kill, ENOSYS, 0, nullptr, "explain: the profile kills the caller"};
      break;
    case FilterAction::Trap:
      d = {Verdict::Trap, ENOSYS, 0, nullptr, "explain: the profile traps it"};
      break;
  }
  d.explanation = enforced_outcome(j) + "  <- " + responsible_rule(j);
  return d;
}

}  // namespace tollgate
