#include "supervisor/diagnose/audit_outcome.h"

#include "supervisor/diagnose/audit_report.h"

namespace tollgate {

AuditOutcome audit_outcome(const Policy& profile, const FilterEnvironment& env, const AuditRecorder& recorder,
                           const std::string& profile_label, const std::vector<std::string>& command,
                           const std::optional<std::string>& profile_text) {
  const auto findings = recorder.findings();
  AuditOutcome out{audit_summary(findings), nullptr, suggest_profile(profile, env, findings, profile_text)};
  out.report = audit_report(profile_label, command, findings,
                            out.suggestion ? out.suggestion->changes : std::vector<std::string>{});
  if (!out.suggestion) out.report["suggestion_error"] = out.suggestion.error();
  return out;
}

}  // namespace tollgate
