// Everything audit mode says once the audited program is gone, built the same way for `tollgate run --audit`
// and for a container audited through the daemon: the summary table, the JSON report and the suggested
// profile.
#pragma once

#include <expected>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "profile/filter_environment.h"
#include "supervisor/diagnose/audit_recorder.h"
#include "supervisor/diagnose/profile_suggestion.h"

namespace tollgate {

struct AuditOutcome {
  std::string summary;     // audit_summary
  nlohmann::json report;   // audit_report, with the suggestion's changes (none when it failed)
  std::expected<SuggestedProfile, std::string> suggestion;
};

// `profile_label` names the profile in the report (a path, or where the profile came from); `profile_text`
// is its original text when there is one, whose key order the suggestion keeps.
AuditOutcome audit_outcome(const Policy& profile, const FilterEnvironment& env, const AuditRecorder& recorder,
                           const std::string& profile_label, const std::vector<std::string>& command,
                           const std::optional<std::string>& profile_text);

}  // namespace tollgate
