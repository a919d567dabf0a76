#include "supervisor/audit_recorder.h"

#include <algorithm>

#include "agent/profile_variants.h"
#include "supervisor/call_formatter.h"
#include "supervisor/explain_decider.h"

namespace tollgate {

void AuditRecorder::record(CallContext& call, const ProfileJudgement& j) {
  const int nr = call.notification().data.nr;
  auto [it, fresh] = groups_.try_emplace({nr, j.entry_index, j.action});
  AuditFinding& f = it->second;
  if (fresh) {
    f.syscall =
        call.syscall_name().empty() ? "syscall_" + std::to_string(nr) : std::string(call.syscall_name());
    f.nr = nr;
    f.judgement = j;
    // Strings are read for the first call of each group only: audit must stay cheap when a call repeats.
    call.prefetch_for_event();
    f.example = format_call(call);
  }
  ++f.count;
  f.pids.insert(call.pid());
  if (const ProcessInfo* p = call.cached_process()) f.comms.insert(p->comm);
  std::array<uint64_t, 6> args;
  std::copy(std::begin(call.notification().data.args), std::end(call.notification().data.args), args.begin());
  if (f.arg_samples.size() < AuditFinding::kMaxSamples &&
      std::find(f.arg_samples.begin(), f.arg_samples.end(), args) == f.arg_samples.end())
    f.arg_samples.push_back(args);
}

std::vector<const AuditFinding*> AuditRecorder::findings() const {
  std::vector<const AuditFinding*> out;
  for (const auto& [_, f] : groups_) out.push_back(&f);
  std::stable_sort(out.begin(), out.end(),
                   [](const AuditFinding* a, const AuditFinding* b) { return a->syscall < b->syscall; });
  return out;
}

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
