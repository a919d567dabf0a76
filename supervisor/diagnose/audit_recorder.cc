#include "supervisor/diagnose/audit_recorder.h"

#include <algorithm>

#include "profile/profile_variants.h"
#include "supervisor/caller/call_formatter.h"
#include "supervisor/diagnose/explain_decider.h"

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

}  // namespace tollgate
